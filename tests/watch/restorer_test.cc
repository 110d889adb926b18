// Restoring a mirror root (N7.1): every difference is put back from the signed release's blobs,
// what does not belong is quarantined with its hash, and nothing outside the root is touched.
#include <nlohmann/json.hpp>

#include "watch_fixture.h"

namespace sw::watch::testing {
namespace {

using Restore = WatchTest;

// Repairs every difference and returns them.
std::vector<Difference> repair_all(const fs::path& root, const store::BlobStore& blobs,
                                   const MirrorLayout& layout, const fs::path& quarantine) {
  auto checker = TreeChecker::open(root).value();
  auto diffs = checker.verify_all(layout, {}).value();
  Restorer restorer(checker.fd(), blobs, Modes{}, quarantine);
  for (const auto& d : diffs) {
    auto r = restorer.repair(layout, d);
    EXPECT_TRUE(r) << d.path << ": " << (r ? "" : r.error().to_string());
  }
  return diffs;
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(e.path());
  }
  return out;
}

TEST_F(Restore, EveryKindOfTamperIsPutBack) {
  const auto m = release_one();
  mirror(m);
  const auto layout = layout_of(m);
  write(root_ / "index.html", "<h1>defaced</h1>");
  fs::resize_file(root_ / "news/b.html", 10);
  fs::remove(root_ / "news/2026/c.html");
  write(root_ / "news/shell.php", "<?php");
  fs::rename(root_ / "news/a.html", root_ / "news/a-old.html");
  fs::permissions(root_ / "attachments/x/report.pdf", static_cast<fs::perms>(0600));
  fs::permissions(root_ / "news", static_cast<fs::perms>(0777));
  EXPECT_EQ(repair_all(root_, *blobs_, layout, dir_ / "q").size(), 7u);
  EXPECT_TRUE(verify(layout).empty());
  EXPECT_EQ(read(root_ / "index.html"), "<h1>首页</h1>");
}

TEST_F(Restore, SymlinksAreReplacedNotFollowed) {
  const auto m = release_one();
  mirror(m);
  const auto layout = layout_of(m);
  const fs::path outside = dir_ / "outside";
  fs::create_directories(outside);
  write(outside / "secret", "outside the root");
  fs::remove(root_ / "index.html");
  fs::create_symlink(outside / "secret", root_ / "index.html");
  fs::remove_all(root_ / "news/2026");
  fs::create_directory_symlink(outside, root_ / "news/2026");
  repair_all(root_, *blobs_, layout, dir_ / "q");
  EXPECT_TRUE(verify(layout).empty());
  EXPECT_FALSE(fs::is_symlink(root_ / "index.html"));
  EXPECT_EQ(read(outside / "secret"), "outside the root");  // the link's target is untouched
  EXPECT_FALSE(fs::exists(outside / "c.html"));             // nothing written through the link
}

TEST_F(Restore, DirectoryReplacedByFileAndFileByDirectory) {
  const auto m = release_one();
  mirror(m);
  const auto layout = layout_of(m);
  fs::remove_all(root_ / "news");
  write(root_ / "news", "a file where a column was");
  fs::remove(root_ / "index.html");
  fs::create_directories(root_ / "index.html/inner");
  write(root_ / "index.html/inner/x", "planted");
  repair_all(root_, *blobs_, layout, dir_ / "q");
  EXPECT_TRUE(verify(layout).empty());
  // Both obstacles are kept as evidence.
  const auto kept = files_in(dir_ / "q");
  bool news = false, inner = false;
  for (const auto& p : kept) {
    news = news || (p.filename() == "news" && read(p) == "a file where a column was");
    inner = inner || (p.filename() == "x" && read(p) == "planted");
  }
  EXPECT_TRUE(news);
  EXPECT_TRUE(inner);
}

TEST_F(Restore, QuarantineKeepsUnexpectedAndModifiedBytesWithTheirHash) {
  const auto m = release_one();
  mirror(m);
  const auto layout = layout_of(m);
  write(root_ / "news/shell.php", "<?php evil");
  write(root_ / "index.html", "<h1>defaced</h1>");
  repair_all(root_, *blobs_, layout, dir_ / "q");
  EXPECT_FALSE(fs::exists(root_ / "news/shell.php"));
  std::vector<nlohmann::json> evidence;
  for (const auto& p : files_in(dir_ / "q")) {
    if (p.filename() != "evidence.jsonl") continue;
    std::ifstream in(p);
    for (std::string line; std::getline(in, line);) evidence.push_back(nlohmann::json::parse(line));
  }
  ASSERT_EQ(evidence.size(), 2u);
  for (const auto& e : evidence) {
    const fs::path kept = e["quarantined_as"].get<std::string>();
    ASSERT_TRUE(fs::exists(kept)) << kept;
    EXPECT_EQ(e["digest"], suite().hash(read(kept)).to_string());
    EXPECT_TRUE(kept.string().starts_with((dir_ / "q").string()));
  }
}

TEST_F(Restore, CorruptBlobIsNeverWritten) {
  const auto m = release_one();
  mirror(m);
  const auto layout = layout_of(m);
  const auto* entry = layout.file("index.html");
  const fs::path blob = blobs_->path_of(entry->digest).value();
  fs::permissions(blob, fs::perms::owner_all);
  write(blob, "<h1>tampered store</h1>");
  fs::remove(root_ / "index.html");
  auto checker = TreeChecker::open(root_).value();
  Restorer restorer(checker.fd(), *blobs_, Modes{}, dir_ / "q");
  auto diffs = checker.verify_all(layout, {}).value();
  ASSERT_EQ(diffs.size(), 1u);
  auto r = restorer.repair(layout, diffs[0]);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "watch.blob_corrupt");
  EXPECT_FALSE(fs::exists(root_ / "index.html"));
  for (const auto& e : fs::directory_iterator(root_)) {
    EXPECT_FALSE(e.path().filename().string().starts_with(".sw-restore-")) << "temp file left behind";
  }
}

TEST_F(Restore, SwitchToANewReleaseRemovesOldFilesQuietlyAndQuarantinesForeignOnes) {
  const auto one = release_one();
  mirror(one);
  publish::Manifest two = one;
  two.entries.erase(two.entries.begin() + 3);  // /news/2026/c.html withdrawn
  two.entries[0] = put("/index.html", "<h1>首页 v2</h1>");
  two.entries.push_back(put("/news/d.html", "<p>D</p>"));
  write(root_ / "news/planted.html", "planted");
  auto checker = TreeChecker::open(root_).value();
  Restorer restorer(checker.fd(), *blobs_, Modes{}, dir_ / "q");
  auto report = sync_to_release(checker, restorer, layout_of(two), layout_of(one), {}).value();
  EXPECT_EQ(report.tampers.size(), 1u);  // only the planted file
  EXPECT_EQ(report.tampers[0].first.path, "/news/planted.html");
  EXPECT_GE(report.updated, 2u);
  EXPECT_TRUE(verify(layout_of(two)).empty());
  EXPECT_FALSE(fs::exists(root_ / "news/2026"));
}

}  // namespace
}  // namespace sw::watch::testing
