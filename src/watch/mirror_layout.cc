#include "watch/mirror_layout.h"

#include <algorithm>

#include "watch/tree_fs.h"

namespace sw::watch {
namespace {

constexpr std::string_view kGzipSuffix = ".gz";
constexpr std::string_view kBrotliSuffix = ".br";

// Adds "<path>.gz" / "<path>.br" entries for the variants (mirror_layout.h), unless the release has
// a file of its own there or the path would be too long.
Status add_precompressed_siblings(publish::Manifest& manifest) {
  SW_CHECK(manifest.normalise());
  std::vector<publish::ManifestEntry> siblings;
  const auto add = [&](const publish::ManifestEntry& e, const publish::Variant& v, std::string_view suffix,
                       std::string_view type) {
    std::string path = e.path + std::string(suffix);
    if (path.size() > publish::kMaxPathBytes || manifest.find(path) != nullptr) return;
    publish::ManifestEntry sibling;
    sibling.path = std::move(path);
    sibling.content_type = std::string(type);
    sibling.size = v.size;
    sibling.digest = v.digest;
    siblings.push_back(std::move(sibling));
  };
  for (const auto& e : manifest.entries) {
    if (e.gzip) add(e, *e.gzip, kGzipSuffix, "application/gzip");
    if (e.brotli) add(e, *e.brotli, kBrotliSuffix, "application/x-brotli");
  }
  for (auto& s : siblings) manifest.entries.push_back(std::move(s));
  return manifest.normalise();
}

}  // namespace

Result<MirrorLayout> MirrorLayout::build(publish::Manifest manifest) {
  SW_CHECK(add_precompressed_siblings(manifest));
  MirrorLayout layout;
  layout.manifest_ = std::move(manifest);
  layout.dirs_[""];
  const auto& entries = layout.manifest_.entries;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string rel = entries[i].path.substr(1);
    if (tree_fs::name_of(rel).starts_with(tree_fs::kTempPrefix)) {
      return fail("watch.layout_conflict", entries[i].path +
                                               ": the name starts with the watcher's temporary prefix " +
                                               std::string(tree_fs::kTempPrefix));
    }
    std::string dir;
    for (auto segment : tree_fs::segments(tree_fs::parent_of(rel))) {
      std::string child = tree_fs::join(dir, segment);
      auto& siblings = layout.dirs_[dir];
      if (siblings.empty() || siblings.back() != segment) siblings.emplace_back(segment);
      layout.dirs_[child];
      dir = std::move(child);
    }
    layout.dirs_[dir].emplace_back(tree_fs::name_of(rel));
    layout.files_.emplace(rel, i);
  }
  for (auto& [dir, children] : layout.dirs_) {
    std::sort(children.begin(), children.end());
    children.erase(std::unique(children.begin(), children.end()), children.end());
    if (layout.files_.contains(dir)) {
      return fail("watch.layout_conflict",
                  tree_fs::url_path(dir) + " is both a file and a directory of the release");
    }
  }
  if (!entries.empty()) layout.hash_algorithm_ = entries.front().digest.algorithm;
  return layout;
}

const publish::ManifestEntry* MirrorLayout::file(std::string_view rel) const {
  auto it = files_.find(rel);
  return it == files_.end() ? nullptr : &manifest_.entries[it->second];
}

const std::vector<std::string>* MirrorLayout::directory(std::string_view rel) const {
  auto it = dirs_.find(rel);
  return it == dirs_.end() ? nullptr : &it->second;
}

void MirrorLayout::for_each_file_under(
    std::string_view rel,
    const std::function<void(const std::string&, const publish::ManifestEntry&)>& visit) const {
  if (auto it = files_.find(rel); it != files_.end()) {
    visit(it->first, manifest_.entries[it->second]);
    return;
  }
  const std::string prefix = rel.empty() ? std::string() : std::string(rel) + "/";
  for (auto it = files_.lower_bound(prefix); it != files_.end() && it->first.starts_with(prefix); ++it) {
    visit(it->first, manifest_.entries[it->second]);
  }
}

std::size_t MirrorLayout::files_under(std::string_view rel) const {
  std::size_t n = 0;
  for_each_file_under(rel, [&n](const std::string&, const publish::ManifestEntry&) { ++n; });
  return n;
}

}  // namespace sw::watch
