#include "watch/tree_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sw::watch::tree_fs {

std::vector<std::string_view> segments(std::string_view rel) {
  std::vector<std::string_view> out;
  while (!rel.empty()) {
    const auto slash = rel.find('/');
    out.push_back(rel.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rel.remove_prefix(slash + 1);
  }
  return out;
}

std::string_view parent_of(std::string_view rel) {
  const auto slash = rel.rfind('/');
  return slash == std::string_view::npos ? std::string_view{} : rel.substr(0, slash);
}

std::string_view name_of(std::string_view rel) {
  const auto slash = rel.rfind('/');
  return slash == std::string_view::npos ? rel : rel.substr(slash + 1);
}

std::string join(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (!out.empty()) out += '/';
  out += name;
  return out;
}

std::string url_path(std::string_view rel) { return "/" + std::string(rel); }

int open_dir_at(int dirfd, std::string_view name) {
  const std::string n(name);
  const int fd = ::openat(dirfd, n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  return fd >= 0 ? fd : -errno;
}

int open_dir_path(int root_fd, std::string_view rel) {
  int current = ::fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
  if (current < 0) return -errno;
  for (auto segment : segments(rel)) {
    const int next = open_dir_at(current, segment);
    ::close(current);
    if (next < 0) return next;
    current = next;
  }
  return current;
}

Result<std::vector<DirEntry>> list_dir(int dirfd) {
  const int copy = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (copy < 0) return fail("watch.io", std::string("cannot list a directory: ") + std::strerror(errno));
  DIR* dir = ::fdopendir(copy);
  if (dir == nullptr) {
    ::close(copy);
    return fail("watch.io", std::string("cannot list a directory: ") + std::strerror(errno));
  }
  std::vector<DirEntry> out;
  errno = 0;
  while (const dirent* e = ::readdir(dir)) {
    const std::string_view name = e->d_name;
    if (name != "." && name != "..") out.push_back({std::string(name), e->d_type});
    errno = 0;
  }
  const int error = errno;
  ::closedir(dir);
  if (error != 0) return fail("watch.io", std::string("cannot list a directory: ") + std::strerror(error));
  std::sort(out.begin(), out.end(), [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return out;
}

Result<std::optional<struct stat>> lstat_at(int dirfd, std::string_view name) {
  struct stat st {};
  const std::string n(name);
  if (::fstatat(dirfd, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return std::optional<struct stat>(st);
  if (errno == ENOENT || errno == ENOTDIR) return std::optional<struct stat>{};
  return fail("watch.io", "cannot stat " + n + ": " + std::strerror(errno));
}

std::string read_link_at(int dirfd, std::string_view name) {
  std::string target(4096, '\0');
  const std::string n(name);
  const ssize_t len = ::readlinkat(dirfd, n.c_str(), target.data(), target.size());
  if (len < 0) return {};
  target.resize(static_cast<std::size_t>(len));
  return target;
}

Result<crypto::Digest> hash_fd(int fd, std::string_view algorithm, std::vector<char>& buffer) {
  SW_TRY(hasher, crypto::hasher_for(algorithm));
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("watch.io", std::string("read failed: ") + std::strerror(errno));
    }
    hasher->update(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
  }
  return hasher->finish();
}

std::string temp_name() { return std::string(kTempPrefix) + crypto::to_hex(crypto::random_bytes(8)); }

}  // namespace sw::watch::tree_fs
