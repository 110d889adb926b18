#include "watch/restorer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "watch/tree_fs.h"

namespace sw::watch {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kCopyBufferBytes = std::size_t{1} << 20;
constexpr int kMaxRaceRetries = 8;  // an attacker re-planting an obstacle while we create a directory

Error io_error(std::string_view what, std::string_view rel) {
  return Error{"watch.io", std::string(what) + " " + tree_fs::url_path(rel) + ": " + std::strerror(errno)};
}

Status write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("watch.io", std::string("write failed: ") + std::strerror(errno));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return ok();
}

// Copies the open file `in` to a new file `out` (0600), hashing with `algorithm`.
Result<crypto::Digest> copy_hashing(int in, const fs::path& out, std::string_view algorithm) {
  const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out_fd < 0) return fail("watch.io", "cannot create " + out.string() + ": " + std::strerror(errno));
  FileDescriptor o(out_fd);
  SW_TRY(hasher, crypto::hasher_for(algorithm));
  std::vector<char> buffer(kCopyBufferBytes);
  for (;;) {
    const ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("watch.io", std::string("read failed: ") + std::strerror(errno));
    }
    const std::string_view chunk(buffer.data(), static_cast<std::size_t>(n));
    hasher->update(chunk);
    SW_CHECK(write_all(out_fd, chunk));
  }
  return hasher->finish();
}

// Copies the entry `name` of `parent_fd` to `out` without following links (quarantine across
// file systems): files by content, directories recursively, symlinks as symlinks.
Status copy_out(int parent_fd, const std::string& name, const fs::path& out, std::string_view algorithm) {
  SW_TRY(st, tree_fs::lstat_at(parent_fd, name));
  if (!st) return ok();
  if (S_ISLNK(st->st_mode)) {
    if (::symlink(tree_fs::read_link_at(parent_fd, name).c_str(), out.c_str()) != 0) {
      return fail("watch.io", "cannot copy a symlink to " + out.string() + ": " + std::strerror(errno));
    }
    return ok();
  }
  if (S_ISDIR(st->st_mode)) {
    const int fd = tree_fs::open_dir_at(parent_fd, name);
    if (fd < 0) return ok();
    FileDescriptor dir(fd);
    if (::mkdir(out.c_str(), 0700) != 0) return fail("watch.io", "cannot create " + out.string());
    SW_TRY(entries, tree_fs::list_dir(fd));
    for (const auto& e : entries) SW_CHECK(copy_out(fd, e.name, out / e.name, algorithm));
    return ok();
  }
  if (!S_ISREG(st->st_mode)) return ok();  // a FIFO or device has no bytes to keep
  const int fd = ::openat(parent_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return ok();
  FileDescriptor in(fd);
  SW_TRY(digest, copy_hashing(fd, out, algorithm));
  (void)digest;
  return ok();
}

// Removes the entry `name` of `parent_fd` and everything below it, never following a link.
Status remove_tree(int parent_fd, const std::string& name) {
  SW_TRY(st, tree_fs::lstat_at(parent_fd, name));
  if (!st) return ok();
  if (S_ISDIR(st->st_mode)) {
    const int fd = tree_fs::open_dir_at(parent_fd, name);
    if (fd >= 0) {
      FileDescriptor dir(fd);
      SW_TRY(entries, tree_fs::list_dir(fd));
      for (const auto& e : entries) SW_CHECK(remove_tree(fd, e.name));
    }
    if (::unlinkat(parent_fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
      return fail("watch.io", "cannot remove directory " + name + ": " + std::strerror(errno));
    }
    return ok();
  }
  if (::unlinkat(parent_fd, name.c_str(), 0) != 0 && errno != ENOENT) {
    return fail("watch.io", "cannot remove " + name + ": " + std::strerror(errno));
  }
  return ok();
}

std::string incident_name(TimePoint now) {
  std::string stamp = format_rfc3339(now);  // 2026-11-26T04:35:09.123456Z
  std::erase(stamp, '-');
  std::erase(stamp, ':');
  return stamp;
}

}  // namespace

Restorer::Restorer(int root_fd, const store::BlobStore& blobs, Modes modes, fs::path quarantine_dir)
    : root_fd_(root_fd), blobs_(&blobs), modes_(modes), quarantine_dir_(std::move(quarantine_dir)) {
  begin_incident(system_clock().now());
}

void Restorer::begin_incident(TimePoint now) { incident_ = incident_name(now); }

Result<fs::path> Restorer::quarantine_path(std::string_view rel) {
  fs::path base = quarantine_dir_ / incident_ / fs::path(std::string(rel));
  std::error_code ec;
  fs::create_directories(base.parent_path(), ec);
  if (ec)
    return fail("watch.io", "cannot create quarantine " + base.parent_path().string() + ": " + ec.message());
  fs::permissions(quarantine_dir_, fs::perms::owner_all, ec);
  fs::path candidate = base;
  for (int n = 1; fs::exists(fs::symlink_status(candidate)); ++n) {
    candidate = base;
    candidate += "." + std::to_string(n);
  }
  return candidate;
}

Status Restorer::evict(int parent_fd, std::string_view rel, Repair& repair) {
  const std::string name(tree_fs::name_of(rel));
  SW_TRY(target, quarantine_path(rel));
  if (::renameat(parent_fd, name.c_str(), AT_FDCWD, target.c_str()) != 0) {
    if (errno == ENOENT) return ok();
    if (errno != EXDEV) return std::unexpected(io_error("cannot quarantine", rel));
    // Another file system: copy, then remove.
    SW_CHECK(copy_out(parent_fd, name, target, "sha256"));
    SW_CHECK(remove_tree(parent_fd, name));
  }
  repair.quarantined_as = target.string();
  return ok();
}

Status Restorer::keep_copy(int parent_fd, std::string_view rel, std::string_view algorithm, Repair& repair) {
  const std::string name(tree_fs::name_of(rel));
  const int fd = ::openat(parent_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return ok();  // gone or not a file: nothing to keep
  FileDescriptor in(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return ok();
  SW_TRY(target, quarantine_path(rel));
  SW_TRY(digest, copy_hashing(fd, target, algorithm));
  repair.quarantined_as = target.string();
  repair.evidence_digest = std::move(digest);
  return ok();
}

Result<tree_fs::Fd> Restorer::ensure_dir(std::string_view rel) {
  tree_fs::Fd current(::fcntl(root_fd_, F_DUPFD_CLOEXEC, 0));
  if (!current.valid()) return std::unexpected(io_error("cannot open the root for", rel));
  std::string prefix;
  for (auto segment : tree_fs::segments(rel)) {
    std::string child = tree_fs::join(prefix, segment);
    const std::string name(segment);
    int fd = tree_fs::open_dir_at(current.get(), name);
    for (int attempt = 0; fd < 0 && attempt < kMaxRaceRetries; ++attempt) {
      if (fd != -ENOENT) {
        Repair ignored;
        SW_CHECK(evict(current.get(), child, ignored));  // a file or symlink in the way
      }
      if (::mkdirat(current.get(), name.c_str(), 0700) != 0 && errno != EEXIST) {
        return std::unexpected(io_error("cannot create directory", child));
      }
      fd = tree_fs::open_dir_at(current.get(), name);
      if (fd >= 0 && ::fchmod(fd, modes_.dir) != 0) return std::unexpected(io_error("cannot chmod", child));
    }
    if (fd < 0)
      return fail("watch.io",
                  "cannot open directory " + tree_fs::url_path(child) + ": " + std::strerror(-fd));
    current = tree_fs::Fd(fd);
    prefix = std::move(child);
  }
  return current;
}

Status Restorer::copy_blob(const crypto::Digest& digest, std::uint64_t size, int out_fd,
                           std::string_view rel) {
  SW_TRY(path, blobs_->path_of(digest));
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    return fail("watch.blob_missing",
                tree_fs::url_path(rel) + ": blob " + digest.to_string() + " is not in the store");
  }
  FileDescriptor in(fd);
  SW_TRY(hasher, crypto::hasher_for(digest.algorithm));
  std::vector<char> buffer(std::min<std::uint64_t>(kCopyBufferBytes, std::max<std::uint64_t>(size, 1) + 1));
  std::uint64_t copied = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("watch.io", "cannot read blob " + digest.to_string() + ": " + std::strerror(errno));
    }
    const std::string_view chunk(buffer.data(), static_cast<std::size_t>(n));
    hasher->update(chunk);
    copied += chunk.size();
    SW_CHECK(write_all(out_fd, chunk));
  }
  if (copied != size || hasher->finish() != digest) {
    return fail("watch.blob_corrupt", tree_fs::url_path(rel) + ": blob " + digest.to_string() +
                                          " does not hash to its name (not restored from it)");
  }
  return ok();
}

Status Restorer::write_file(std::string_view rel, const publish::ManifestEntry& entry) {
  SW_TRY(parent, ensure_dir(tree_fs::parent_of(rel)));
  const std::string name(tree_fs::name_of(rel));
  const std::string temp = tree_fs::temp_name();
  const int fd =
      ::openat(parent.get(), temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected(io_error("cannot create a temporary file for", rel));
  FileDescriptor out(fd);
  auto written = copy_blob(entry.digest, entry.size, fd, rel);
  if (written && ::fchmod(fd, modes_.file) != 0) written = std::unexpected(io_error("cannot chmod", rel));
  if (written && out.close() != 0) written = std::unexpected(io_error("cannot write", rel));
  if (written) {
    // A directory (or anything that rename cannot replace) in the way goes to quarantine first.
    SW_TRY(st, tree_fs::lstat_at(parent.get(), name));
    if (st && S_ISDIR((*st).st_mode)) {
      Repair ignored;
      written = evict(parent.get(), rel, ignored);
    }
  }
  if (written && ::renameat(parent.get(), temp.c_str(), parent.get(), name.c_str()) != 0) {
    written = std::unexpected(io_error("cannot install", rel));
  }
  if (!written) ::unlinkat(parent.get(), temp.c_str(), 0);
  return written;
}

Status Restorer::restore_subtree(const MirrorLayout& layout, std::string_view rel) {
  if (layout.directory(rel)) {
    SW_TRY(dir, ensure_dir(rel));
    (void)dir;
  }
  Status status = ok();
  layout.for_each_file_under(rel, [&](const std::string& file, const publish::ManifestEntry& entry) {
    if (status) status = write_file(file, entry);
  });
  return status;
}

void Restorer::record_evidence(const Difference& d, const Repair& repair) {
  if (repair.quarantined_as.empty()) return;
  nlohmann::json line = {{"path", d.change == Change::renamed ? d.renamed_to : d.path},
                         {"change", to_string(d.change)},
                         {"quarantined_as", repair.quarantined_as},
                         {"type", to_string(d.found.type)},
                         {"size", d.found.size},
                         {"mode", d.found.mode}};
  if (repair.evidence_digest) {
    line["digest"] = repair.evidence_digest->to_string();
  } else if (d.found.digest) {
    line["digest"] = d.found.digest->to_string();
  }
  if (!d.found.link_target.empty()) line["link_target"] = d.found.link_target;
  const fs::path file = quarantine_dir_ / incident_ / "evidence.jsonl";
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return;
  FileDescriptor out(fd);
  (void)write_all(fd, line.dump() + "\n");
}

Result<Repair> Restorer::repair(const MirrorLayout& layout, const Difference& d) {
  const std::string rel = d.rel();
  Repair r{.action = "restored"};
  SW_TRY(parent, ensure_dir(tree_fs::parent_of(rel)));
  switch (d.change) {
    case Change::added:
      SW_CHECK(evict(parent.get(), rel, r));
      r.action = "quarantined";
      break;
    case Change::renamed: {
      SW_CHECK(write_file(rel, *d.expected));
      const std::string moved = d.renamed_to.substr(1);
      SW_TRY(moved_parent, ensure_dir(tree_fs::parent_of(moved)));
      SW_CHECK(evict(moved_parent.get(), moved, r));
      r.action = "restored+quarantined";
      break;
    }
    case Change::modified:
    case Change::truncated:
      SW_CHECK(keep_copy(parent.get(), rel, d.expected->digest.algorithm, r));
      SW_CHECK(write_file(rel, *d.expected));
      break;
    case Change::chmod:
      if (d.expected_directory) {
        const int fd = tree_fs::open_dir_at(parent.get(), tree_fs::name_of(rel));
        if (fd < 0) return fail("watch.io", "cannot open directory " + d.path + ": " + std::strerror(-fd));
        FileDescriptor dir(fd);
        if (::fchmod(fd, modes_.dir) != 0) return std::unexpected(io_error("cannot chmod", rel));
      } else {
        SW_CHECK(write_file(rel, *d.expected));  // a fresh copy: content and mode both as released
      }
      break;
    case Change::deleted:
    case Change::symlink:
    case Change::wrong_type:
    case Change::unreadable:
      if (d.expected_directory) {
        if (d.found.type == FileType::symlink) {
          ::unlinkat(parent.get(), std::string(tree_fs::name_of(rel)).c_str(),
                     0);  // its target is in the audit
        } else if (d.found.type != FileType::none) {
          SW_CHECK(evict(parent.get(), rel, r));
          r.action = "restored+quarantined";
        }
        SW_CHECK(restore_subtree(layout, rel));
      } else {
        if (d.found.type == FileType::directory) {
          SW_CHECK(evict(parent.get(), rel, r));
          r.action = "restored+quarantined";
        }
        SW_CHECK(write_file(rel, *d.expected));  // rename replaces a symlink or FIFO, never follows it
      }
      break;
  }
  record_evidence(d, r);
  return r;
}

bool Restorer::is_previous_release(const Difference& d, const MirrorLayout& previous) {
  const std::string rel = d.rel();
  const auto* old_file = previous.file(rel);
  const bool old_bytes =
      old_file && d.found.type == FileType::file && d.found.digest && *d.found.digest == old_file->digest;
  switch (d.change) {
    case Change::added:
      return old_bytes || (d.found.type == FileType::directory && previous.directory(rel));
    case Change::modified:
    case Change::truncated:
      return old_bytes;
    case Change::deleted:
      return d.expected_directory ? !previous.directory(rel) : !old_file;
    case Change::wrong_type:
      return old_bytes || (d.found.type == FileType::directory && previous.directory(rel));
    case Change::renamed:
    case Change::chmod:
    case Change::symlink:
    case Change::unreadable:
      return false;
  }
  return false;
}

Status Restorer::remove_previous(int parent_fd, std::string_view rel, const MirrorLayout& previous,
                                 Repair& repair) {
  const std::string name(tree_fs::name_of(rel));
  const int fd = tree_fs::open_dir_at(parent_fd, name);
  if (fd < 0)
    return ::unlinkat(parent_fd, name.c_str(), 0) == 0 || errno == ENOENT
               ? ok()
               : std::unexpected(io_error("cannot remove", rel));
  FileDescriptor dir(fd);
  SW_TRY(entries, tree_fs::list_dir(fd));
  std::vector<char> buffer(kCopyBufferBytes);
  for (const auto& e : entries) {
    const std::string child = tree_fs::join(rel, e.name);
    SW_TRY(st, tree_fs::lstat_at(fd, e.name));
    if (!st) continue;
    bool old = false;
    if (S_ISDIR(st->st_mode) && previous.directory(child)) {
      SW_CHECK(remove_previous(fd, child, previous, repair));
      continue;
    }
    if (const auto* entry = previous.file(child); entry && S_ISREG(st->st_mode)) {
      const int file = ::openat(fd, e.name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
      if (file >= 0) {
        FileDescriptor f(file);
        auto digest = tree_fs::hash_fd(file, entry->digest.algorithm, buffer);
        old = digest && *digest == entry->digest;
      }
    }
    if (old) {
      ::unlinkat(fd, e.name.c_str(), 0);
    } else {
      SW_CHECK(evict(fd, child, repair));  // not the previous release's: evidence
    }
  }
  if (::unlinkat(parent_fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
    return std::unexpected(io_error("cannot remove directory", rel));
  }
  return ok();
}

Result<Repair> Restorer::update(const MirrorLayout& layout, const Difference& d,
                                const MirrorLayout& previous) {
  const std::string rel = d.rel();
  Repair r{.action = "updated"};
  SW_TRY(parent, ensure_dir(tree_fs::parent_of(rel)));
  if (d.found.type == FileType::directory && (d.change == Change::added || d.change == Change::wrong_type)) {
    SW_CHECK(remove_previous(parent.get(), rel, previous, r));
  } else if (d.change == Change::added) {
    ::unlinkat(parent.get(), std::string(tree_fs::name_of(rel)).c_str(), 0);
  } else if (d.change == Change::wrong_type) {
    ::unlinkat(parent.get(), std::string(tree_fs::name_of(rel)).c_str(), 0);  // the previous release's file
  }
  if (d.change == Change::added) {
    r.action = "removed";
  } else if (d.expected_directory) {
    SW_CHECK(restore_subtree(layout, rel));
  } else {
    SW_CHECK(write_file(rel, *d.expected));
  }
  record_evidence(d, r);
  return r;
}

}  // namespace sw::watch

namespace sw::watch {

Result<SyncReport> sync_to_release(const TreeChecker& checker, Restorer& restorer, const MirrorLayout& target,
                                   const MirrorLayout& previous, const CheckOptions& options) {
  SW_TRY(diffs, checker.verify_all(target, options));
  SyncReport report;
  for (auto& d : diffs) {
    if (Restorer::is_previous_release(d, previous)) {
      SW_TRY(r, restorer.update(target, d, previous));
      (r.action == "removed" ? report.removed : report.updated) += 1;
    } else {
      auto r = restorer.repair(target, d);
      report.tampers.emplace_back(std::move(d), std::move(r));
    }
  }
  return report;
}

}  // namespace sw::watch
