#include "base/atomic_file.h"

#include "base/file_descriptor.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

#include "base/crypto.h"

namespace sw {
namespace {

namespace fs = std::filesystem;

constexpr int kCreateAttempts = 8;  // O_EXCL collisions of 64 random bits are never expected
constexpr std::size_t kTempNameRandomBytes = 8;
constexpr std::size_t kReadChunk = 64 * 1024;

std::string system_reason(int error) { return std::strerror(error); }

std::unexpected<Error> write_failed(const fs::path& path, std::string_view step, int error) {
  return fail("file.write_failed",
              "cannot write " + path.string() + ": " + std::string(step) + ": " + system_reason(error));
}

std::unexpected<Error> too_large(const fs::path& path, std::size_t max_bytes) {
  return fail("file.too_large",
              path.string() + " is larger than the limit of " + std::to_string(max_bytes) + " bytes");
}


// Removes the temporary file unless the rename consumed it.
class TempFileGuard {
 public:
  explicit TempFileGuard(fs::path path) : path_(std::move(path)) {}
  TempFileGuard(const TempFileGuard&) = delete;
  TempFileGuard& operator=(const TempFileGuard&) = delete;
  ~TempFileGuard() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  void release() { path_.clear(); }

 private:
  fs::path path_;
};

fs::path directory_of(const fs::path& path) {
  const fs::path parent = path.parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

struct TempFile {
  fs::path path;
  int fd;
};

Result<TempFile> create_temp_file(const fs::path& target) {
  int error = 0;
  for (int attempt = 0; attempt < kCreateAttempts; ++attempt) {
    fs::path temp = directory_of(target) / ("." + target.filename().string() + ".tmp-" +
                                            crypto::to_hex(crypto::random_bytes(kTempNameRandomBytes)));
    const int fd =
        ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, S_IRUSR | S_IWUSR);
    if (fd >= 0) return TempFile{std::move(temp), fd};
    error = errno;
    if (error != EEXIST) break;
  }
  return write_failed(target, "create temporary file", error);
}

// Writes all of `bytes`, retrying short writes and interrupted calls; returns 0 or an errno.
int write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

// Makes the rename durable: the directory entry is what changed.
int sync_directory(const fs::path& directory) {
  FileDescriptor dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) return errno;
  if (::fsync(dir.get()) != 0) return errno;
  return dir.close();
}

}  // namespace

Status write_file_atomic(const fs::path& path, std::string_view bytes, fs::perms mode) {
  if (path.filename().empty())
    return fail("file.write_failed", "cannot write " + path.string() + ": not a file name");
  SW_TRY(temp, create_temp_file(path));
  TempFileGuard guard(temp.path);
  FileDescriptor fd(temp.fd);
  if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) return write_failed(path, "set mode", errno);
  if (const int error = write_all(fd.get(), bytes)) return write_failed(path, "write", error);
  if (::fsync(fd.get()) != 0) return write_failed(path, "fsync", errno);
  if (const int error = fd.close()) return write_failed(path, "close", error);
  if (::rename(temp.path.c_str(), path.c_str()) != 0) return write_failed(path, "rename", errno);
  guard.release();
  if (const int error = sync_directory(directory_of(path)))
    return write_failed(path, "fsync directory", error);
  return ok();
}

Result<std::string> read_file(const fs::path& path, std::size_t max_bytes) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int error = errno;
    const std::string code = error == ENOENT ? "file.not_found" : "file.read_failed";
    return fail(code, "cannot read " + path.string() + ": " + system_reason(error));
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) == 0 && S_ISREG(info.st_mode)) {
    if (static_cast<std::uintmax_t>(info.st_size) > max_bytes) return too_large(path, max_bytes);
  }
  std::string out;
  std::string chunk(kReadChunk, '\0');
  while (true) {
    const ssize_t n = ::read(fd.get(), chunk.data(), chunk.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("file.read_failed", "cannot read " + path.string() + ": " + system_reason(errno));
    }
    if (n == 0) return out;
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      return too_large(path, max_bytes);
    }
    out.append(chunk.data(), static_cast<std::size_t>(n));
  }
}

}  // namespace sw
