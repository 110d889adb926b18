// BlobStore: content-addressed files, written atomically and verified on every read.
#include "store/blob_store.h"

#include "base/file_descriptor.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <system_error>
#include <utility>

#include "base/atomic_file.h"

namespace sw::store {
namespace {

constexpr std::size_t kDigestBytes = 32;       // SM3 and SHA-256 alike
constexpr std::size_t kMaxAlgorithmName = 16;  // "sm3", "sha256"
constexpr std::size_t kFanOutHexChars = 2;     // <root>/<alg>/<2 hex>/<62 hex>
constexpr std::size_t kChunkBytes = 64 * 1024;
constexpr mode_t kDirMode = 0700;
constexpr std::string_view kTempDir = "tmp";  // put_file's staging area, on the same filesystem
constexpr std::size_t kTempNameRandomBytes = 12;


std::unexpected<Error> io_error(std::string_view what, const std::filesystem::path& path, int err = errno) {
  return fail("store.io", std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

bool valid_algorithm_name(std::string_view name) {
  return !name.empty() && name.size() <= kMaxAlgorithmName &&
         std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

Status fsync_dir(const std::filesystem::path& dir) {
  FileDescriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return io_error("cannot open directory", dir);
  if (::fsync(fd.get()) != 0) return io_error("cannot fsync directory", dir);
  return ok();
}

// Creates `dir` with mode 0700 if absent and makes its entry durable in the parent.
Status ensure_dir(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), kDirMode) == 0) return fsync_dir(dir.parent_path());
  if (errno != EEXIST) return io_error("cannot create directory", dir);
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return fail("store.io", dir.string() + " exists and is not a directory");
  }
  return ok();
}

Status write_all(int fd, std::string_view bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot write", path);
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return ok();
}

// Reads `in` to its end in fixed-size chunks, feeding each to `hasher` and, when `out` is given,
// writing it there.
Status stream(int in, const std::filesystem::path& in_path, crypto::Hasher& hasher, const FileDescriptor* out,
              const std::filesystem::path& out_path) {
  std::string buffer(kChunkBytes, '\0');
  for (;;) {
    const ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot read", in_path);
    if (n == 0) return ok();
    const std::string_view chunk(buffer.data(), static_cast<std::size_t>(n));
    hasher.update(chunk);
    if (out != nullptr) SW_CHECK(write_all(out->get(), chunk, out_path));
  }
}

// The fast way to write a new blob whose fan-out directory exists (a full publish writes ~30,000):
// an unnamed file (O_TMPFILE) in that directory, written, then linked under the blob's name. Fewer
// system calls than a named temp file and a rename (no directory checks, no random temp name, one
// directory entry made instead of two), and a writer killed midway leaves nothing behind.
// `taken`: the name exists (a sound copy, a corrupt one the caller replaces, or another writer's of
// the same bytes). `unavailable`: the caller must take the named-temp-file path — no such directory
// yet, O_TMPFILE not supported by the filesystem, no /proc, or a write error (which that path reports
// by name).
enum class Linked { done, taken, unavailable };
Linked write_linked(const std::filesystem::path& path, std::string_view bytes) {
  FileDescriptor out(::open(path.parent_path().c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600));
  if (!out.valid()) return Linked::unavailable;
  if (!write_all(out.get(), bytes, path)) return Linked::unavailable;
  const std::string self = "/proc/self/fd/" + std::to_string(out.get());
  if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, path.c_str(), AT_SYMLINK_FOLLOW) == 0) return Linked::done;
  return errno == EEXIST ? Linked::taken : Linked::unavailable;
}

std::unexpected<Error> corrupt(const crypto::Digest& digest, const std::filesystem::path& path) {
  return fail("store.blob_corrupt",
              "blob " + digest.to_string() + " at " + path.string() + " does not match its digest");
}

}  // namespace

Result<BlobStore> BlobStore::open(std::filesystem::path root, const crypto::Suite& suite) {
  std::error_code ec;
  if (root.has_parent_path()) std::filesystem::create_directories(root.parent_path(), ec);
  if (::mkdir(root.c_str(), kDirMode) != 0 && errno != EEXIST) {
    return fail("store.blob_root", "cannot create blob store " + root.string() + ": " + std::strerror(errno));
  }
  if (!std::filesystem::is_directory(root, ec)) {
    return fail("store.blob_root", "blob store " + root.string() + " is not a directory");
  }
  return BlobStore(std::move(root), suite);
}

Result<crypto::Digest> BlobStore::parse_digest(std::string_view text) {
  constexpr std::size_t kMaxQuoted = 80;
  auto digest = crypto::Digest::parse(text);
  if (!digest || digest->to_string() != text || !valid_algorithm_name(digest->algorithm)) {
    return fail("store.bad_digest",
                "not a canonical blob digest: \"" + std::string(text.substr(0, kMaxQuoted)) + "\"");
  }
  return digest;
}

Result<std::filesystem::path> BlobStore::path_of(const crypto::Digest& digest) const {
  if (!valid_algorithm_name(digest.algorithm) || digest.bytes.size() != kDigestBytes) {
    return fail("store.bad_digest", "not a blob digest: algorithm \"" +
                                        digest.algorithm.substr(0, kMaxAlgorithmName) + "\" with " +
                                        std::to_string(digest.bytes.size()) +
                                        " bytes (want a lowercase name and 32 bytes)");
  }
  const std::string hex = digest.hex();
  return root_ / digest.algorithm / hex.substr(0, kFanOutHexChars) / hex.substr(kFanOutHexChars);
}

bool BlobStore::contains(const crypto::Digest& digest) const {
  auto path = path_of(digest);
  std::error_code ec;
  return path && std::filesystem::is_regular_file(*path, ec);
}

// True when a sound copy of the blob is present. A corrupt copy is reported absent, so the caller
// replaces it with the good bytes it holds; other failures to read it are errors. A sound copy's
// modification time is set to now: the writer is about to record it, and the garbage collection's
// grace period (sweep) must count from this use, not from when the bytes were first written.
Result<bool> BlobStore::present_and_sound(const crypto::Digest& digest) const {
  if (!contains(digest)) return false;
  Status sound = verify(digest);
  if (sound) {
    SW_TRY(path, path_of(digest));
    if (::utimensat(AT_FDCWD, path.c_str(), nullptr, AT_SYMLINK_NOFOLLOW) == 0) return true;
    if (errno == ENOENT) return false;  // removed meanwhile (a collection): the caller writes it again
    return io_error("cannot touch", path);
  }
  if (sound.error().code == "store.blob_corrupt" || sound.error().code == "store.blob_missing") return false;
  return std::unexpected(sound.error());
}

Result<crypto::Digest> BlobStore::put(std::string_view bytes) {
  crypto::Digest digest = suite_->hash(bytes);
  SW_TRY(path, path_of(digest));
  SW_TRY(present, present_and_sound(digest));
  if (present) return digest;
  SW_CHECK(ensure_dir(path.parent_path().parent_path()));
  SW_CHECK(ensure_dir(path.parent_path()));
  SW_CHECK(write_file_atomic(path, bytes, kOwnerReadWrite));
  return digest;
}

Result<crypto::Digest> BlobStore::put_unsynced(std::string_view bytes, bool expect_new, bool* written) {
  crypto::Digest digest = suite_->hash(bytes);
  SW_TRY(path, path_of(digest));
  if (written != nullptr) *written = true;
  if (expect_new && write_linked(path, bytes) == Linked::done) return digest;
  SW_TRY(present, present_and_sound(digest));
  if (present) {
    if (written != nullptr) *written = false;
    return digest;
  }
  if (write_linked(path, bytes) == Linked::done) return digest;
  SW_CHECK(ensure_dir(path.parent_path().parent_path()));
  SW_CHECK(ensure_dir(path.parent_path()));
  // The name write_file_atomic gives its temp files, so remove_temp_files() finds a killed writer's.
  const std::filesystem::path temp = path.parent_path() / ("." + path.filename().string() + ".tmp-" +
                                                           crypto::to_hex(crypto::random_bytes(kTempNameRandomBytes)));
  Status renamed = [&]() -> Status {
    FileDescriptor out(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!out.valid()) return io_error("cannot create", temp);
    SW_CHECK(write_all(out.get(), bytes, temp));
    if (::rename(temp.c_str(), path.c_str()) != 0) return io_error("cannot rename into", path);
    return ok();
  }();
  if (!renamed) {
    ::unlink(temp.c_str());
    return std::unexpected(renamed.error());
  }
  return digest;
}

Status BlobStore::sync() const {
  FileDescriptor fd(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return io_error("cannot open", root_);
  if (::syncfs(fd.get()) != 0) return io_error("cannot sync the filesystem of", root_);
  return ok();
}

Result<crypto::Digest> BlobStore::put_file(const std::filesystem::path& source) {
  FileDescriptor in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) return io_error("cannot open", source);
  SW_CHECK(ensure_dir(root_ / kTempDir));
  const std::filesystem::path temp =
      root_ / kTempDir / crypto::to_hex(crypto::random_bytes(kTempNameRandomBytes));
  FileDescriptor out(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!out.valid()) return io_error("cannot create", temp);
  auto hasher = suite_->hasher();
  Status copied = stream(in.get(), source, *hasher, &out, temp);
  if (copied && ::fsync(out.get()) != 0) copied = io_error("cannot fsync", temp);
  const crypto::Digest digest = hasher->finish();
  if (copied) copied = install(temp, digest);
  std::error_code ec;
  std::filesystem::remove(temp, ec);  // gone already when installed
  if (!copied) return std::unexpected(copied.error());
  return digest;
}

// Renames the fsynced temp file into the blob's place (unless a sound copy is there) and makes
// the rename durable.
Status BlobStore::install(const std::filesystem::path& temp, const crypto::Digest& digest) {
  SW_TRY(path, path_of(digest));
  SW_TRY(present, present_and_sound(digest));
  if (present) return ok();
  SW_CHECK(ensure_dir(path.parent_path().parent_path()));
  SW_CHECK(ensure_dir(path.parent_path()));
  if (::rename(temp.c_str(), path.c_str()) != 0) return io_error("cannot rename into", path);
  return fsync_dir(path.parent_path());
}

namespace {

// A temp file of write_file_atomic (base/atomic_file.h): ".<name>.tmp-<random>".
bool is_atomic_write_temp(const std::string& name) {
  return name.size() > 1 && name.front() == '.' && name.find(".tmp-") != std::string::npos;
}

// Removes `path` (a file or symlink, never followed) if its last change is at least `min_age` ago.
bool remove_if_stale(const std::filesystem::path& path, std::chrono::seconds min_age) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) return false;
  const auto changed = std::chrono::system_clock::from_time_t(st.st_mtim.tv_sec);
  if (std::chrono::system_clock::now() - changed < min_age) return false;
  return ::unlink(path.c_str()) == 0;
}

}  // namespace

Result<std::size_t> BlobStore::remove_temp_files(std::chrono::seconds min_age) const {
  namespace fs = std::filesystem;
  std::size_t removed = 0;
  std::error_code ec;
  const fs::path staging = root_ / kTempDir;
  if (fs::is_directory(fs::symlink_status(staging, ec))) {
    for (fs::directory_iterator it(staging, ec), end; !ec && it != end; it.increment(ec))
      removed += remove_if_stale(it->path(), min_age) ? 1 : 0;
    if (ec) return io_error("cannot list", staging, ec.value());
  }
  // <root>/<algorithm>/<2 hex>/: only plain directories with valid names, never through a symlink.
  for (fs::directory_iterator alg(root_, ec), end; !ec && alg != end; alg.increment(ec)) {
    const std::string alg_name = alg->path().filename().string();
    if (!valid_algorithm_name(alg_name) || !alg->is_directory(ec) || alg->is_symlink(ec)) continue;
    std::error_code fan_ec;
    for (fs::directory_iterator fan(alg->path(), fan_ec); !fan_ec && fan != end; fan.increment(fan_ec)) {
      if (!fan->is_directory(fan_ec) || fan->is_symlink(fan_ec)) continue;
      std::error_code file_ec;
      for (fs::directory_iterator f(fan->path(), file_ec); !file_ec && f != end; f.increment(file_ec))
        if (is_atomic_write_temp(f->path().filename().string()))
          removed += remove_if_stale(f->path(), min_age) ? 1 : 0;
      if (file_ec) return io_error("cannot list", fan->path(), file_ec.value());
    }
    if (fan_ec) return io_error("cannot list", alg->path(), fan_ec.value());
  }
  if (ec) return io_error("cannot list", root_, ec.value());
  return removed;
}

namespace {

bool lowercase_hex(std::string_view text, std::size_t size) {
  return text.size() == size &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Whether the entry at `path` is a regular file (never followed) last modified at least `grace` ago;
// its size when it is.
std::optional<std::uint64_t> old_regular_file(const std::filesystem::path& path, std::chrono::seconds grace) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  const auto modified = std::chrono::system_clock::from_time_t(st.st_mtim.tv_sec);
  if (std::chrono::system_clock::now() - modified < grace) return std::nullopt;
  return static_cast<std::uint64_t>(st.st_size);
}

}  // namespace

Result<BlobStore::SweepReport> BlobStore::sweep(const std::function<bool(const crypto::Digest&)>& referenced,
                                                std::chrono::seconds grace, bool dry_run) const {
  namespace fs = std::filesystem;
  SweepReport report;
  const auto foreign = [&](const fs::path& path) {
    ++report.foreign_count;
    if (report.foreign.size() < kMaxForeignListed) report.foreign.push_back(path.lexically_relative(root_).string());
  };
  const auto is_plain_dir = [](const fs::directory_entry& e) {
    std::error_code ec;
    return fs::is_directory(e.symlink_status(ec));
  };
  std::error_code ec;
  for (fs::directory_iterator alg(root_, ec), end; !ec && alg != end; alg.increment(ec)) {
    const std::string alg_name = alg->path().filename().string();
    if (alg_name == kTempDir && is_plain_dir(*alg)) continue;  // put_file's staging
    if (!valid_algorithm_name(alg_name) || !is_plain_dir(*alg) || !crypto::hasher_for(alg_name)) {
      foreign(alg->path());
      continue;
    }
    std::error_code fan_ec;
    for (fs::directory_iterator fan(alg->path(), fan_ec); !fan_ec && fan != end; fan.increment(fan_ec)) {
      const std::string fan_name = fan->path().filename().string();
      if (!lowercase_hex(fan_name, kFanOutHexChars) || !is_plain_dir(*fan)) {
        foreign(fan->path());
        continue;
      }
      std::error_code file_ec;
      for (fs::directory_iterator f(fan->path(), file_ec); !file_ec && f != end; f.increment(file_ec)) {
        const std::string name = f->path().filename().string();
        if (is_atomic_write_temp(name)) {
          ++report.temp_files;
          continue;
        }
        std::error_code st_ec;
        if (!lowercase_hex(name, 2 * kDigestBytes - kFanOutHexChars) || !fs::is_regular_file(f->symlink_status(st_ec))) {
          foreign(f->path());
          continue;
        }
        auto digest = parse_digest(alg_name + ":" + fan_name + name);
        if (!digest) {
          foreign(f->path());
          continue;
        }
        ++report.blobs;
        if (referenced(*digest)) {
          ++report.kept_referenced;
          continue;
        }
        // Re-checked here, just before the unlink: a writer that reused this blob meanwhile (put()
        // finding it present) has set its modification time to now.
        const auto size = old_regular_file(f->path(), grace);
        if (!size) {
          ++report.kept_young;
          continue;
        }
        if (!dry_run && ::unlink(f->path().c_str()) != 0 && errno != ENOENT) return io_error("cannot remove", f->path());
        ++report.removed;
        report.removed_bytes += *size;
      }
      if (file_ec) return io_error("cannot list", fan->path(), file_ec.value());
    }
    if (fan_ec) return io_error("cannot list", alg->path(), fan_ec.value());
  }
  if (ec) return io_error("cannot list", root_, ec.value());
  return report;
}

Result<std::string> BlobStore::get(const crypto::Digest& digest, std::size_t max_bytes) const {
  SW_TRY(path, path_of(digest));
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return fail("store.blob_missing", "blob " + digest.to_string() + " is not in the store");
  if (size > max_bytes) {
    return fail("store.blob_too_large", "blob " + digest.to_string() + " has " + std::to_string(size) +
                                            " bytes, over the limit of " + std::to_string(max_bytes));
  }
  SW_TRY(bytes, read_file(path, max_bytes));
  SW_TRY(actual, crypto::hash_with(digest.algorithm, bytes));
  if (actual != digest) return corrupt(digest, path);
  return bytes;
}

Status BlobStore::verify(const crypto::Digest& digest) const {
  SW_TRY(path, path_of(digest));
  SW_TRY(hasher, crypto::hasher_for(digest.algorithm));
  FileDescriptor in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid() && errno == ENOENT) {
    return fail("store.blob_missing", "blob " + digest.to_string() + " is not in the store");
  }
  if (!in.valid()) return io_error("cannot open", path);
  SW_CHECK(stream(in.get(), path, *hasher, nullptr, path));
  if (hasher->finish() != digest) return corrupt(digest, path);
  return ok();
}

}  // namespace sw::store
