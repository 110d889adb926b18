#include "watch/tree_check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <span>
#include <thread>

#include "base/sm3_multi.h"
#include "watch/tree_fs.h"

namespace sw::watch {
namespace {

constexpr std::size_t kReadBufferBytes = std::size_t{1} << 20;
constexpr std::size_t kItemsPerClaim = 32;       // files a hashing thread takes (and SM3-hashes) at once
constexpr std::size_t kBatchFileBytes = std::size_t{512} << 10;  // larger SM3 files: hashed as read
constexpr std::size_t kParallelFromItems = 256;  // fewer files are hashed on the calling thread
constexpr std::size_t kMaxTargetedPaths = 512;   // more paths in one check: the whole tree instead

FoundState state_of(const struct stat& st) {
  FoundState s;
  s.mode = st.st_mode & 07777;
  s.size = static_cast<std::uint64_t>(st.st_size);
  if (S_ISREG(st.st_mode)) {
    s.type = FileType::file;
  } else if (S_ISDIR(st.st_mode)) {
    s.type = FileType::directory;
  } else if (S_ISLNK(st.st_mode)) {
    s.type = FileType::symlink;
  } else {
    s.type = FileType::other;
  }
  return s;
}

FoundState lstat_state(int dirfd, std::string_view name) {
  auto st = tree_fs::lstat_at(dirfd, name);
  if (!st || !*st) return {};
  FoundState s = state_of(**st);
  if (s.type == FileType::symlink) s.link_target = tree_fs::read_link_at(dirfd, name);
  return s;
}

// One file to open and hash: a file of the release, or an unexpected regular file (evidence).
struct Work {
  std::string rel;
  const publish::ManifestEntry* expected = nullptr;
  std::size_t added_index = 0;  // unexpected: the index of its `added` difference
};

// Opens and hashes the files of `work`, keeping the parent directory of the previous file open
// (work is in path order, so files of one directory follow each other).
//
// SM3 files up to kBatchFileBytes are read whole and hashed together, many per SIMD lane set
// (crypto::sm3_many: 16 at once with AVX-512), when the claim they belong to is done: OpenSSL's
// one-message-at-a-time SM3 is what held the full verification back (issue 5). Larger files, and
// SHA-256 (already fast with SHA-NI), are hashed as they are read. The digest is of the bytes read,
// whichever way: a file that grows past the limit while it is read is finished by streaming.
class Inspector {
 public:
  Inspector(int root_fd, std::string algorithm) : root_fd_(root_fd), algorithm_(std::move(algorithm)) {}

  // found[i] = what is at work[i], for every i.
  void inspect_all(std::span<const Work> work, std::span<FoundState> found) {
    pending_.clear();
    for (std::size_t i = 0; i < work.size(); ++i) found[i] = inspect(work[i], i);
    if (pending_.empty()) return;
    std::vector<std::string_view> messages;
    messages.reserve(pending_.size());
    for (std::size_t k = 0; k < pending_.size(); ++k) messages.emplace_back(slots_[k].data(), pending_[k].length);
    digests_.resize(pending_.size());
    crypto::sm3_many(messages, digests_);
    for (std::size_t k = 0; k < pending_.size(); ++k) {
      found[pending_[k].index].digest =
          crypto::Digest{"sm3", std::string(reinterpret_cast<const char*>(digests_[k].data()), digests_[k].size())};
    }
  }

 private:
  struct Pending {
    std::size_t index;   // into the claim
    std::size_t length;  // bytes read into slots_[k]
  };

  FoundState inspect(const Work& w, std::size_t index) {
    const std::string_view parent = tree_fs::parent_of(w.rel);
    if (!dir_ || parent != dir_rel_) {
      dir_.reset();
      const int fd = tree_fs::open_dir_path(root_fd_, parent);
      if (fd < 0) return {};  // the parent vanished meanwhile: the file is missing
      dir_ = std::make_unique<FileDescriptor>(fd);
      dir_rel_ = std::string(parent);
    }
    const std::string name(tree_fs::name_of(w.rel));
    const int fd =
        ::openat(dir_->get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
      if (errno == ENOENT) return {};
      return lstat_state(dir_->get(), name);  // ELOOP: a symlink; EACCES: no digest
    }
    FileDescriptor file(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0) return {};
    FoundState s = state_of(st);
    if (s.type != FileType::file) return s;  // never read a FIFO or a device
    const std::string& algorithm = w.expected ? w.expected->digest.algorithm : algorithm_;
    if (algorithm == "sm3" && s.size <= kBatchFileBytes) {
      if (read_for_batch(fd, index, s)) return s;
    } else {
      ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
      if (auto digest = tree_fs::hash_fd(fd, algorithm, buffer_)) s.digest = std::move(*digest);
    }
    return s;
  }

  // Reads the whole file into the next slot and queues it for sm3_many. False when the digest was
  // already settled here (a read error leaves it empty; a file that grew past the limit meanwhile is
  // hashed by streaming).
  bool read_for_batch(int fd, std::size_t index, FoundState& s) {
    const std::size_t k = pending_.size();
    if (slots_.size() <= k) slots_.emplace_back();
    std::vector<char>& slot = slots_[k];
    // One byte more than fstat said, so that a file that grew is noticed without a second read.
    const std::size_t want = std::min<std::size_t>(s.size + 1, kBatchFileBytes + 1);
    if (slot.size() < want) slot.resize(want);
    std::size_t got = 0;
    for (;;) {
      if (got == slot.size()) {
        if (got > kBatchFileBytes) break;
        slot.resize(std::min(slot.size() * 2, kBatchFileBytes + 1));
      }
      const ssize_t n = ::read(fd, slot.data() + got, slot.size() - got);
      if (n == 0) {
        pending_.push_back({index, got});
        return true;
      }
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;  // unreadable content: no digest
      }
      got += static_cast<std::size_t>(n);
    }
    auto hasher = crypto::hasher_for("sm3");
    if (!hasher) return false;
    (*hasher)->update(std::string_view(slot.data(), got));
    for (;;) {
      const ssize_t n = ::read(fd, buffer_.data(), buffer_.size());
      if (n == 0) break;
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      (*hasher)->update(std::string_view(buffer_.data(), static_cast<std::size_t>(n)));
    }
    s.digest = (*hasher)->finish();
    return false;
  }

  int root_fd_;
  std::string algorithm_;
  std::unique_ptr<FileDescriptor> dir_;
  std::string dir_rel_;
  std::vector<char> buffer_ = std::vector<char>(kReadBufferBytes);
  std::vector<std::vector<char>> slots_;  // whole files waiting for sm3_many, reused across claims
  std::vector<Pending> pending_;
  std::vector<crypto::Sm3Bytes> digests_;
};

std::optional<Difference> judge(const Work& w, const FoundState& found, const Modes& modes) {
  const publish::ManifestEntry& e = *w.expected;
  Difference d{.path = tree_fs::url_path(w.rel), .expected = e, .found = found};
  switch (found.type) {
    case FileType::none:
      d.change = Change::deleted;
      return d;
    case FileType::symlink:
      d.change = Change::symlink;
      return d;
    case FileType::directory:
    case FileType::other:
      d.change = Change::wrong_type;
      return d;
    case FileType::file:
      break;
  }
  if (!found.digest) {
    d.change = found.mode != modes.file ? Change::chmod : Change::unreadable;
    return d;
  }
  if (found.size != e.size || *found.digest != e.digest) {
    d.change = found.size < e.size ? Change::truncated : Change::modified;
    return d;
  }
  if (found.mode != modes.file) {
    d.change = Change::chmod;
    return d;
  }
  return std::nullopt;
}

// One check: walks directories, collects the files to hash, then hashes them.
class Walk {
 public:
  Walk(int root_fd, const MirrorLayout& layout, const CheckOptions& options)
      : root_fd_(root_fd), layout_(layout), options_(options) {}

  // Checks the entry `rel` inside the open directory `parent_fd`, and everything below it.
  void check_named(int parent_fd, const std::string& rel) {
    const std::string_view name = tree_fs::name_of(rel);
    if (layout_.directory(rel)) {
      const int fd = tree_fs::open_dir_at(parent_fd, name);
      if (fd < 0) {
        Difference d{.path = tree_fs::url_path(rel),
                     .expected_directory = true,
                     .found = fd == -ENOENT ? FoundState{} : lstat_state(parent_fd, name),
                     .files_below = layout_.files_under(rel)};
        d.change = d.found.type == FileType::none      ? Change::deleted
                   : d.found.type == FileType::symlink ? Change::symlink
                                                       : Change::wrong_type;
        diffs_.push_back(std::move(d));
        return;
      }
      FileDescriptor dir(fd);
      struct stat st {};
      if (::fstat(fd, &st) == 0 && (st.st_mode & 07777) != options_.modes.dir) {
        diffs_.push_back({.path = tree_fs::url_path(rel),
                          .change = Change::chmod,
                          .expected_directory = true,
                          .found = state_of(st)});
      }
      check_directory(fd, rel);
      return;
    }
    if (const auto* entry = layout_.file(rel)) {
      work_.push_back({.rel = rel, .expected = entry});
      return;
    }
    FoundState found = lstat_state(parent_fd, name);
    if (found.type == FileType::none) return;
    const bool regular = found.type == FileType::file;
    diffs_.push_back({.path = tree_fs::url_path(rel), .change = Change::added, .found = std::move(found)});
    if (regular) work_.push_back({.rel = rel, .expected = nullptr, .added_index = diffs_.size() - 1});
  }

  // Checks the open directory `dir_fd` (the release's directory `rel`): every name in it and every
  // name the release has there.
  void check_directory(int dir_fd, const std::string& rel) {
    const std::vector<std::string>& want = *layout_.directory(rel);
    auto listing = tree_fs::list_dir(dir_fd);
    if (!listing) {
      if (!error_) error_ = listing.error();
      return;
    }
    auto have = listing->begin();
    auto expected = want.begin();
    while (have != listing->end() || expected != want.end()) {
      if (expected == want.end() || (have != listing->end() && have->name < *expected)) {
        check_named(dir_fd, tree_fs::join(rel, (have++)->name));  // unexpected
      } else if (have == listing->end() || *expected < have->name) {
        missing(tree_fs::join(rel, *expected++));
      } else {
        check_named(dir_fd, tree_fs::join(rel, have->name));
        ++have;
        ++expected;
      }
    }
  }

  void missing(const std::string& rel) {
    Difference d{.path = tree_fs::url_path(rel), .change = Change::deleted};
    if (const auto* entry = layout_.file(rel)) {
      d.expected = *entry;
    } else {
      d.expected_directory = true;
      d.files_below = layout_.files_under(rel);
    }
    diffs_.push_back(std::move(d));
  }

  // Hashes every collected file (in parallel when there are many) and judges it.
  void hash_all() {
    std::vector<FoundState> found(work_.size());
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
      Inspector inspector(root_fd_, layout_.hash_algorithm());
      for (;;) {
        const std::size_t begin = next.fetch_add(kItemsPerClaim);
        if (begin >= work_.size()) return;
        const std::size_t end = std::min(begin + kItemsPerClaim, work_.size());
        inspector.inspect_all(std::span<const Work>(work_).subspan(begin, end - begin),
                              std::span<FoundState>(found).subspan(begin, end - begin));
      }
    };
    const unsigned threads = work_.size() >= kParallelFromItems ? std::max(1u, options_.threads) : 1u;
    std::vector<std::jthread> helpers;
    for (unsigned t = 1; t < threads; ++t) helpers.emplace_back(worker);
    worker();
    helpers.clear();  // joins
    for (std::size_t i = 0; i < work_.size(); ++i) {
      const Work& w = work_[i];
      if (!w.expected) {
        diffs_[w.added_index].found = std::move(found[i]);
      } else if (auto d = judge(w, found[i], options_.modes)) {
        diffs_.push_back(std::move(*d));
      }
    }
  }

  // A missing file whose exact bytes sit at an unexpected path was renamed: one difference.
  void pair_renames() {
    std::map<std::string, std::size_t> added_by_digest;
    for (std::size_t i = 0; i < diffs_.size(); ++i) {
      const Difference& d = diffs_[i];
      if (d.change == Change::added && d.found.type == FileType::file && d.found.digest) {
        added_by_digest.emplace(d.found.digest->to_string(), i);
      }
    }
    std::vector<bool> drop(diffs_.size(), false);
    for (auto& d : diffs_) {
      if (d.change != Change::deleted || !d.expected) continue;
      auto it = added_by_digest.find(d.expected->digest.to_string());
      if (it == added_by_digest.end()) continue;
      d.change = Change::renamed;
      d.renamed_to = diffs_[it->second].path;
      d.found = diffs_[it->second].found;
      drop[it->second] = true;
      added_by_digest.erase(it);
    }
    std::vector<Difference> kept;
    for (std::size_t i = 0; i < diffs_.size(); ++i) {
      if (!drop[i]) kept.push_back(std::move(diffs_[i]));
    }
    std::sort(kept.begin(), kept.end(),
              [](const Difference& a, const Difference& b) { return a.path < b.path; });
    diffs_ = std::move(kept);
  }

  Result<std::vector<Difference>> finish() {
    hash_all();
    if (error_) return std::unexpected(*error_);
    pair_renames();
    return std::move(diffs_);
  }

 private:
  int root_fd_;
  const MirrorLayout& layout_;
  const CheckOptions& options_;
  std::vector<Difference> diffs_;
  std::vector<Work> work_;
  std::optional<Error> error_;
};

// The path to check for an event at `rel`: `rel` itself, or its highest ancestor that is not a
// directory of the release or not a directory on disk.
std::string check_target(int root_fd, const MirrorLayout& layout, const std::string& rel) {
  const auto segs = tree_fs::segments(rel);
  int current = ::fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
  std::string prefix;
  for (std::size_t i = 0; i + 1 < segs.size(); ++i) {
    std::string child = tree_fs::join(prefix, segs[i]);
    const int next = layout.directory(child) ? tree_fs::open_dir_at(current, segs[i]) : -ENOTDIR;
    ::close(current);
    if (next < 0) return child;
    current = next;
    prefix = std::move(child);
  }
  ::close(current);
  return rel;
}

bool has_ancestor_in(const std::set<std::string>& set, const std::string& rel) {
  if (set.contains("")) return true;
  for (std::string_view p = tree_fs::parent_of(rel); !p.empty(); p = tree_fs::parent_of(p)) {
    if (set.contains(std::string(p))) return true;
  }
  return false;
}

}  // namespace

std::string_view to_string(Change change) {
  switch (change) {
    case Change::modified:
      return "modified";
    case Change::truncated:
      return "truncated";
    case Change::deleted:
      return "deleted";
    case Change::added:
      return "added";
    case Change::renamed:
      return "renamed";
    case Change::chmod:
      return "chmod";
    case Change::symlink:
      return "symlink";
    case Change::wrong_type:
      return "wrong_type";
    case Change::unreadable:
      return "unreadable";
  }
  return "unknown";
}

std::string_view to_string(FileType type) {
  switch (type) {
    case FileType::none:
      return "none";
    case FileType::file:
      return "file";
    case FileType::directory:
      return "directory";
    case FileType::symlink:
      return "symlink";
    case FileType::other:
      return "other";
  }
  return "unknown";
}

Result<TreeChecker> TreeChecker::open(const std::filesystem::path& root) {
  std::error_code ec;
  const auto status = std::filesystem::status(root, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return fail("watch.root_unreadable", root.string() + ": " + ec.message());
  }
  if (!std::filesystem::is_directory(status)) {
    return fail("watch.root_not_directory", root.string() + " is not a directory");
  }
  const int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail("watch.root_unreadable", root.string() + ": " + std::strerror(errno));
  if (::faccessat(fd, ".", R_OK | X_OK, AT_EACCESS) != 0) {
    ::close(fd);
    return fail("watch.root_unreadable", root.string() + ": " + std::strerror(errno));
  }
  return TreeChecker(root, fd);
}

Result<std::vector<Difference>> TreeChecker::verify_all(const MirrorLayout& layout,
                                                        const CheckOptions& options) const {
  Walk walk(fd(), layout, options);
  walk.check_directory(fd(), "");
  return walk.finish();
}

Result<std::vector<Difference>> TreeChecker::check(const MirrorLayout& layout,
                                                   std::vector<std::string> rel_paths,
                                                   const CheckOptions& options) const {
  std::set<std::string> targets;
  for (const auto& rel : rel_paths) targets.insert(rel.empty() ? rel : check_target(fd(), layout, rel));
  std::vector<std::pair<std::string, std::unique_ptr<FileDescriptor>>> opened;
  // Many paths at once (a burst, a release switch) are cheaper checked in one walk.
  bool from_root = targets.contains("") || targets.size() > kMaxTargetedPaths;
  for (const auto& target : targets) {
    if (from_root) break;
    if (has_ancestor_in(targets, target)) continue;
    const int parent = tree_fs::open_dir_path(fd(), tree_fs::parent_of(target));
    // The parent changed after check_target looked: check the whole tree instead.
    if (parent < 0)
      from_root = true;
    else
      opened.emplace_back(target, std::make_unique<FileDescriptor>(parent));
  }
  Walk walk(fd(), layout, options);
  if (from_root) {
    walk.check_directory(fd(), "");
  } else {
    for (const auto& [target, parent] : opened) walk.check_named(parent->get(), target);
  }
  return walk.finish();
}

}  // namespace sw::watch
