// Checking a mirror web root against its release (N7.1 防篡改): every difference between what is on
// disk and what the signed release says, found without following any link planted in the tree.
//
// A full verification re-hashes every byte of every file with the digest's own algorithm
// (crypto::hasher_for), in parallel over `threads`; a targeted check looks only at the paths an
// event named (each with everything below it). Renames are recognised by content: a missing file
// whose exact bytes turn up at an unexpected path is one `renamed` difference, not two.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/crypto.h"
#include "base/file_descriptor.h"
#include "base/result.h"
#include "publish/manifest.h"
#include "watch/mirror_layout.h"

namespace sw::watch {

// The kind of change found at a path.
enum class Change {
  modified,    // a file's bytes differ (same size or larger)
  truncated,   // a file is shorter than the release's
  deleted,     // a file or directory of the release is missing
  added,       // something the release does not have (quarantined)
  renamed,     // a missing file's bytes were found at another path (`renamed_to`)
  chmod,       // permission bits differ (content intact)
  symlink,     // a symbolic link where the release has a file or directory (never followed)
  wrong_type,  // a directory where a file belongs, a file where a directory belongs, a FIFO, a device
  unreadable,  // a file the watcher may not open (its content cannot be vouched for)
};
std::string_view to_string(Change change);

enum class FileType { none, file, directory, symlink, other };
std::string_view to_string(FileType type);

// What is on disk at a path.
struct FoundState {
  FileType type = FileType::none;
  std::uint32_t mode = 0;  // permission bits (07777)
  std::uint64_t size = 0;
  std::optional<crypto::Digest> digest;  // regular files that could be read
  std::string link_target;               // symlinks
};

struct Difference {
  std::string path;  // URL path: "/news/a.html", "/" for the root
  Change change = Change::modified;
  bool expected_directory = false;                 // the release has a directory at `path`
  std::optional<publish::ManifestEntry> expected;  // the release's file at `path`
  FoundState found;
  std::string renamed_to;       // Change::renamed: URL path where the bytes were found
  std::size_t files_below = 0;  // a missing or replaced directory: the release's files under it

  std::string rel() const { return path.size() > 1 ? path.substr(1) : std::string(); }
};

struct CheckOptions {
  Modes modes;
  unsigned threads = 1;  // hashing threads for a full verification (>= 1)
};

// A mirror root opened once; every check works from its descriptor.
class TreeChecker {
 public:
  // "watch.root_not_directory" when `root` is not a directory (a symlink as the root itself is
  // followed when the root is opened: the operator named it), "watch.root_unreadable" when it cannot be
  // opened.
  static Result<TreeChecker> open(const std::filesystem::path& root);

  // Every difference in the whole tree, every byte re-hashed. Sorted by path.
  Result<std::vector<Difference>> verify_all(const MirrorLayout& layout, const CheckOptions& options) const;
  // The differences at the given paths (relative to the root: "news/a.html", "" for the whole
  // tree) and below them. A path whose parent is itself wrong is checked from that parent.
  Result<std::vector<Difference>> check(const MirrorLayout& layout, std::vector<std::string> rel_paths,
                                        const CheckOptions& options) const;

  int fd() const { return fd_->get(); }
  const std::filesystem::path& root() const { return root_; }

 private:
  TreeChecker(std::filesystem::path root, int fd)
      : root_(std::move(root)), fd_(std::make_shared<FileDescriptor>(fd)) {}
  std::filesystem::path root_;
  std::shared_ptr<FileDescriptor> fd_;
};

}  // namespace sw::watch
