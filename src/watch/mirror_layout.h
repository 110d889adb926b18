// MirrorLayout: what a mirror web root must hold for one release (N7.1 防篡改) — exactly the
// release's files at their URL paths ("/news/a.html" → <root>/news/a.html), the directories they
// imply, nothing else, with the configured permission bits.
//
// Built from a verified Manifest (publish/manifest.h); the manifest's paths are already checked
// (absolute, no "." or ".." segment, no NUL or backslash), so no layout path leaves the root.
//
// Precompressed siblings: a file with a gzip or brotli variant in the release also has
// "<path>.gz" / "<path>.br" in the layout — the variant's bytes, named and verified by the variant's
// digest like any file — for nginx's gzip_static / brotli_static (docs/operator-guide.md "Watching a
// mirror"). They are expected files: written by `mirror`, verified and restored by `watch`. A
// sibling whose path the release already uses for a file of its own, or that would exceed
// publish::kMaxPathBytes, is left out (the web server then serves the identity form).
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "publish/manifest.h"

namespace sw::watch {

// Permission bits a mirror's files and directories get (the umask does not apply).
struct Modes {
  mode_t file = 0644;
  mode_t dir = 0755;
};

class MirrorLayout {
 public:
  // The release's files plus their precompressed siblings (above).
  // "watch.layout_conflict" when one path is both a file and a directory of the release
  // ("/a" and "/a/b.html"); "watch.layout_conflict" too for a file whose name starts with the
  // watcher's temporary prefix (".sw-restore-").
  static Result<MirrorLayout> build(publish::Manifest manifest);

  // The release's file at `rel` ("news/a.html", relative to the root), or nullptr.
  const publish::ManifestEntry* file(std::string_view rel) const;
  // The names directly inside the release's directory `rel` ("" is the root), sorted; nullptr when
  // the release has no directory there.
  const std::vector<std::string>* directory(std::string_view rel) const;
  // Calls `visit` with every file at or below `rel` (a directory or a file), in path order.
  void for_each_file_under(
      std::string_view rel,
      const std::function<void(const std::string&, const publish::ManifestEntry&)>& visit) const;
  std::size_t files_under(std::string_view rel) const;

  // The manifest the layout holds: the release's entries plus one per precompressed sibling.
  const publish::Manifest& manifest() const { return manifest_; }
  // The hash algorithm of the release's digests (what an unexpected file is hashed with).
  const std::string& hash_algorithm() const { return hash_algorithm_; }

 private:
  publish::Manifest manifest_;
  std::map<std::string, std::size_t, std::less<>> files_;              // rel path → entry index
  std::map<std::string, std::vector<std::string>, std::less<>> dirs_;  // rel path → child names
  std::string hash_algorithm_ = "sha256";
};

}  // namespace sw::watch
