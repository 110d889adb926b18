// File-system steps inside a mirror web root that never follow a symbolic link (internal to watch/).
//
// Every name is opened relative to a directory descriptor with O_NOFOLLOW, one path segment at a
// time from the root's descriptor, so a symlink an attacker planted anywhere in the tree (a file or a
// directory replaced by a link to /etc) is seen as a link and never traversed: nothing outside the
// root is read, written or removed through it (N7.1). Paths here are relative to the root, '/'
// separated, without a leading slash ("" is the root itself).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/crypto.h"
#include "base/file_descriptor.h"
#include "base/result.h"

namespace sw::watch::tree_fs {

// A file descriptor that can be moved (returned from functions); closed once.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = other.release();
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// Prefix of the temporary files the watcher writes beside the file they replace.
inline constexpr std::string_view kTempPrefix = ".sw-restore-";

// "a/b/c.html" → {"a", "b", "c.html"}; "" → {}.
std::vector<std::string_view> segments(std::string_view rel);
// The parent of "a/b/c.html" is "a/b"; of "c.html" it is "".
std::string_view parent_of(std::string_view rel);
std::string_view name_of(std::string_view rel);
std::string join(std::string_view dir, std::string_view name);
// "/a/b.html" for "a/b.html", "/" for "".
std::string url_path(std::string_view rel);

// Opens the directory `name` in `dirfd` without following a link. -errno on failure
// (-ELOOP: a symlink, -ENOTDIR: not a directory, -ENOENT: absent).
int open_dir_at(int dirfd, std::string_view name);
// Opens the directory `rel` below `root_fd`, segment by segment; -errno as above.
int open_dir_path(int root_fd, std::string_view rel);

struct DirEntry {
  std::string name;
  unsigned char type;  // DT_* (DT_UNKNOWN when the file system does not say)
};
// The entries of the directory `dirfd` (without "." and ".."), sorted by name.
Result<std::vector<DirEntry>> list_dir(int dirfd);

// lstat of `name` in `dirfd`; nullopt when absent; -errno otherwise in the Error.
Result<std::optional<struct stat>> lstat_at(int dirfd, std::string_view name);
std::string read_link_at(int dirfd, std::string_view name);

// Hashes everything readable from `fd` with `algorithm`, using `buffer` for reads.
Result<crypto::Digest> hash_fd(int fd, std::string_view algorithm, std::vector<char>& buffer);

// A unique temporary name for a file about to replace one in the same directory.
std::string temp_name();

}  // namespace sw::watch::tree_fs
