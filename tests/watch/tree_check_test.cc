// Checking a mirror root against its release (N7.1): every kind of change is found, nothing is
// followed, a rename is one difference.
#include <fcntl.h>
#include <stdio.h>

#include <map>
#include <random>

#include "watch_fixture.h"

namespace sw::watch::testing {
namespace {

using Check = WatchTest;

const Difference* at(const std::vector<Difference>& diffs, const std::string& path) {
  for (const auto& d : diffs) {
    if (d.path == path) return &d;
  }
  return nullptr;
}

TEST_F(Check, FreshMirrorIsExactlyTheRelease) {
  const auto m = release_one();
  mirror(m);
  EXPECT_TRUE(verify(layout_of(m)).empty());
  EXPECT_EQ(read(root_ / "news/2026/c.html"), "<p>C</p>");
  EXPECT_EQ(fs::status(root_ / "news/a.html").permissions(), static_cast<fs::perms>(0644));
  EXPECT_EQ(fs::status(root_ / "news/2026").permissions(), static_cast<fs::perms>(0755));
}

TEST_F(Check, EachKindOfChangeIsFound) {
  const auto m = release_one();
  mirror(m);
  write(root_ / "index.html", "<h1>defaced</h1>");                                    // modified
  fs::resize_file(root_ / "news/b.html", 10);                                         // truncated
  fs::remove(root_ / "news/2026/c.html");                                             // deleted
  write(root_ / "news/shell.php", "<?php system($_GET['c']);");                       // added
  fs::rename(root_ / "news/a.html", root_ / "news/a-old.html");                       // renamed
  fs::permissions(root_ / "attachments/x/report.pdf", static_cast<fs::perms>(0666));  // chmod
  auto diffs = verify(layout_of(m));
  ASSERT_EQ(diffs.size(), 6u);
  EXPECT_EQ(at(diffs, "/index.html")->change, Change::modified);
  EXPECT_EQ(at(diffs, "/news/b.html")->change, Change::truncated);
  EXPECT_EQ(at(diffs, "/news/b.html")->found.size, 10u);
  EXPECT_EQ(at(diffs, "/news/2026/c.html")->change, Change::deleted);
  EXPECT_EQ(at(diffs, "/news/shell.php")->change, Change::added);
  ASSERT_TRUE(at(diffs, "/news/shell.php")->found.digest);
  EXPECT_EQ(at(diffs, "/news/a.html")->change, Change::renamed);
  EXPECT_EQ(at(diffs, "/news/a.html")->renamed_to, "/news/a-old.html");
  EXPECT_EQ(at(diffs, "/attachments/x/report.pdf")->change, Change::chmod);
  EXPECT_EQ(at(diffs, "/attachments/x/report.pdf")->found.mode, 0666u);
}

TEST_F(Check, SymlinkToPasswdIsReportedAndNeverFollowed) {
  const auto m = release_one();
  mirror(m);
  fs::remove(root_ / "index.html");
  fs::create_symlink("/etc/passwd", root_ / "index.html");
  fs::remove_all(root_ / "news/2026");
  fs::create_directory_symlink("/etc", root_ / "news/2026");
  auto diffs = verify(layout_of(m));
  ASSERT_EQ(diffs.size(), 2u);
  EXPECT_EQ(at(diffs, "/index.html")->change, Change::symlink);
  EXPECT_EQ(at(diffs, "/index.html")->found.link_target, "/etc/passwd");
  EXPECT_FALSE(at(diffs, "/index.html")->found.digest);  // /etc/passwd was not read
  EXPECT_EQ(at(diffs, "/news/2026")->change, Change::symlink);
  EXPECT_TRUE(at(diffs, "/news/2026")->expected_directory);
}

TEST_F(Check, DirectoryAndFileSwappedAreWrongTypes) {
  const auto m = release_one();
  mirror(m);
  fs::remove_all(root_ / "news/2026");
  write(root_ / "news/2026", "not a directory");
  fs::remove(root_ / "index.html");
  fs::create_directory(root_ / "index.html");
  auto diffs = verify(layout_of(m));
  ASSERT_EQ(diffs.size(), 2u);
  EXPECT_EQ(at(diffs, "/news/2026")->change, Change::wrong_type);
  EXPECT_EQ(at(diffs, "/news/2026")->files_below, 1u);
  EXPECT_EQ(at(diffs, "/index.html")->change, Change::wrong_type);
  EXPECT_EQ(at(diffs, "/index.html")->found.type, FileType::directory);
}

TEST_F(Check, AFifoIsAWrongTypeAndIsNeverRead) {
  const auto m = release_one();
  mirror(m);
  fs::remove(root_ / "index.html");
  ASSERT_EQ(::mkfifo((root_ / "index.html").c_str(), 0644), 0);
  auto diffs = verify(layout_of(m));  // would block forever if the FIFO were read
  ASSERT_EQ(diffs.size(), 1u);
  EXPECT_EQ(diffs[0].change, Change::wrong_type);
  EXPECT_EQ(diffs[0].found.type, FileType::other);
}

TEST_F(Check, TargetedCheckLooksOnlyAtTheNamedPaths) {
  const auto m = release_one();
  mirror(m);
  write(root_ / "index.html", "x");
  write(root_ / "news/a.html", "y");
  auto checker = TreeChecker::open(root_).value();
  auto diffs = checker.check(layout_of(m), {"news/a.html"}, {}).value();
  ASSERT_EQ(diffs.size(), 1u);
  EXPECT_EQ(diffs[0].path, "/news/a.html");
  // A path below a replaced directory is checked from that directory.
  fs::remove_all(root_ / "news");
  write(root_ / "news", "file");
  diffs = checker.check(layout_of(m), {"news/2026/c.html"}, {}).value();
  ASSERT_EQ(diffs.size(), 1u);
  EXPECT_EQ(diffs[0].path, "/news");
  EXPECT_EQ(diffs[0].change, Change::wrong_type);
}

// SM3 manifests (the gm suite) are verified through the multi-buffer SM3, batching small files and
// streaming large ones: many files across directories, sizes on both sides of the batch limit
// (512 KiB), a few changed — exactly the changed ones are found, with the digest of what is on disk.
TEST_F(Check, ManySm3FilesBatchedAndLargeOnesStreamedAreAllVerified) {
  std::mt19937_64 rng(32905);
  publish::Manifest m;
  m.site_id = kSite;
  std::map<std::string, std::string> bytes_at;
  auto add = [&](const std::string& path, std::size_t size) {
    std::string bytes(size, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    publish::ManifestEntry e;
    e.path = path;
    e.content_type = "text/html; charset=utf-8";
    e.size = size;
    e.digest = crypto::hash_with("sm3", bytes).value();
    m.entries.push_back(e);
    fs::create_directories((root_ / path.substr(1)).parent_path());
    write(root_ / path.substr(1), bytes);
    bytes_at[path] = std::move(bytes);
  };
  for (int i = 0; i < 400; ++i) add("/d" + std::to_string(i % 5) + "/f" + std::to_string(i) + ".html", rng() % 20'000);
  add("/d0/empty.html", 0);
  for (std::size_t size : {std::size_t{512} << 10, (std::size_t{512} << 10) + 1, std::size_t{700} << 10}) {
    add("/big/" + std::to_string(size) + ".bin", size);
  }
  const auto layout = layout_of(m);
  EXPECT_TRUE(verify(layout).empty());

  const std::vector<std::string> changed = {"/d1/f1.html", "/d3/f398.html", "/big/524289.bin", "/big/716800.bin"};
  for (const auto& path : changed) {
    std::string bytes = bytes_at[path];
    bytes[bytes.size() / 2] ^= 1;  // same size, one bit
    write(root_ / path.substr(1), bytes);
    bytes_at[path] = bytes;
  }
  const auto diffs = verify(layout);
  ASSERT_EQ(diffs.size(), changed.size());
  for (const auto& path : changed) {
    const Difference* d = at(diffs, path);
    ASSERT_NE(d, nullptr) << path;
    EXPECT_EQ(d->change, Change::modified) << path;
    ASSERT_TRUE(d->found.digest) << path;
    EXPECT_EQ(*d->found.digest, crypto::hash_with("sm3", bytes_at[path]).value()) << path;
  }
}

TEST_F(Check, RootThatIsNotADirectoryIsRefused) {
  write(dir_ / "file", "x");
  auto r = TreeChecker::open(dir_ / "file");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "watch.root_not_directory");
  r = TreeChecker::open(dir_ / "absent");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "watch.root_not_directory");
}

TEST_F(Check, UnreadableRootIsRefused) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads every directory";
  fs::permissions(root_, fs::perms::none);
  auto r = TreeChecker::open(root_);
  fs::permissions(root_, fs::perms::owner_all);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "watch.root_unreadable");
}

TEST_F(Check, LayoutRefusesAPathThatIsBothFileAndDirectory) {
  publish::Manifest m;
  m.entries = {put("/news", "x"), put("/news/a.html", "y")};
  auto layout = MirrorLayout::build(m);
  ASSERT_FALSE(layout);
  EXPECT_EQ(layout.error().code, "watch.layout_conflict");
}

}  // namespace
}  // namespace sw::watch::testing
