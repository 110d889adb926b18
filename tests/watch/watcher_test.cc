// The watcher (N7.1 防篡改): each tamper kind on a watched mirror is detected and restored from the
// signed release, with one `watch.tamper` audit event carrying the diff; a new live release
// updates the mirror without a tamper event. Waits are bounded polls; no timing is asserted.
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>

#include <cstring>

#include "watch_fixture.h"

namespace sw::watch::testing {
namespace {

class Watching : public WatchTest {
 protected:
  void SetUp() override {
    WatchTest::SetUp();
    release_ = release_one();
    mirror(release_);
    start_watcher(release_);
    layout_ = std::make_unique<MirrorLayout>(layout_of(release_));
  }

  bool clean() {
    auto checker = TreeChecker::open(root_).value();
    auto diffs = checker.verify_all(*layout_, {});
    return diffs && diffs->empty();
  }

  // Waits for the tree to be whole again and for `n` tamper events in total; returns the newest.
  nlohmann::json restored_after(std::int64_t n) {
    EXPECT_TRUE(eventually([&] { return event_count("watch.tamper") >= n && clean(); }))
        << "tamper events: " << event_count("watch.tamper");
    auto all = events("watch.tamper");
    EXPECT_EQ(static_cast<std::int64_t>(all.size()), n);
    return all.empty() ? nlohmann::json() : all.front().event.details;
  }

  // Atomically swaps two paths (a directory and a file), as an attacker with rename(2) can.
  static void exchange(const fs::path& a, const fs::path& b) {
    ASSERT_EQ(::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE), 0)
        << std::strerror(errno);
  }

  publish::Manifest release_;
  std::unique_ptr<MirrorLayout> layout_;
};

TEST_F(Watching, ModifiedFileIsRestoredWithOneEvent) {
  // Written beside the root and renamed over the page: one change, whatever the machine's load.
  write(dir_ / "staged", "<h1>defaced</h1>");
  fs::rename(dir_ / "staged", root_ / "index.html");
  const auto d = restored_after(1);
  EXPECT_EQ(d["change"], "modified");
  EXPECT_EQ(d["path"], "/index.html");
  EXPECT_EQ(d["expected"]["digest"], layout_->file("index.html")->digest.to_string());
  EXPECT_EQ(d["found"]["digest"], suite().hash("<h1>defaced</h1>").to_string());
  EXPECT_EQ(d["action"], "restored");
  EXPECT_EQ(read(root_ / "index.html"), "<h1>首页</h1>");
  EXPECT_EQ(read(d["quarantined_as"].get<std::string>()), "<h1>defaced</h1>");  // the defacement, as evidence
}

TEST_F(Watching, AddedFileIsQuarantined) {
  write(root_ / "news/shell.php", "<?php system($_GET['c']);");
  const auto d = restored_after(1);
  EXPECT_EQ(d["change"], "added");
  EXPECT_EQ(d["action"], "quarantined");
  EXPECT_FALSE(fs::exists(root_ / "news/shell.php"));
  const std::string kept = d["quarantined_as"];
  EXPECT_TRUE(kept.starts_with((dir_ / "quarantine" / "3").string())) << kept;
  EXPECT_TRUE(kept.ends_with("/news/shell.php")) << kept;
  EXPECT_EQ(read(kept), "<?php system($_GET['c']);");
}

TEST_F(Watching, DeletedFileIsRestored) {
  fs::remove(root_ / "news/2026/c.html");
  const auto d = restored_after(1);
  EXPECT_EQ(d["change"], "deleted");
  EXPECT_EQ(d["found"]["type"], "none");
}

TEST_F(Watching, RenamedFileIsOneEvent) {
  fs::rename(root_ / "news/a.html", root_ / "news/a-old.html");
  const auto d = restored_after(1);
  EXPECT_EQ(d["change"], "renamed");
  EXPECT_EQ(d["renamed_to"], "/news/a-old.html");
  EXPECT_FALSE(fs::exists(root_ / "news/a-old.html"));
}

TEST_F(Watching, ChmodIsUndone) {
  fs::permissions(root_ / "news/b.html", static_cast<fs::perms>(0666));
  const auto d = restored_after(1);
  EXPECT_EQ(d["change"], "chmod");
  EXPECT_EQ(d["found"]["mode"], 0666);
  EXPECT_EQ(fs::status(root_ / "news/b.html").permissions(), static_cast<fs::perms>(0644));
}

TEST_F(Watching, SymlinkToPasswdIsReplacedAndNeverFollowed) {
  const fs::path staged = dir_ / "link";
  fs::create_symlink("/etc/passwd", staged);
  fs::rename(staged, root_ / "index.html");  // atomically replaces the page by a link
  const auto d = restored_after(1);
  EXPECT_EQ(d["change"], "symlink");
  EXPECT_EQ(d["found"]["link_target"], "/etc/passwd");
  EXPECT_FALSE(d["found"].contains("digest"));  // /etc/passwd was never read
  EXPECT_FALSE(fs::is_symlink(root_ / "index.html"));
}

TEST_F(Watching, TruncatedFileIsRestored) {
  ASSERT_EQ(::truncate((root_ / "news/b.html").c_str(), 0), 0);
  const auto d = restored_after(1);
  EXPECT_EQ(d["change"], "truncated");
  EXPECT_EQ(d["found"]["size"], 0);
  EXPECT_EQ(read(root_ / "news/b.html"), std::string(5000, 'b'));
}

TEST_F(Watching, DirectoryReplacedByAFileIsRestored) {
  write(dir_ / "plain", "not a column");
  exchange(dir_ / "plain", root_ / "news/2026");
  const auto d = restored_after(1);
  EXPECT_EQ(d["path"], "/news/2026");
  EXPECT_EQ(d["change"], "wrong_type");
  EXPECT_EQ(d["found"]["type"], "file");
  EXPECT_EQ(read(root_ / "news/2026/c.html"), "<p>C</p>");
  // The restored directory is watched again: a later tamper inside it is caught too.
  write(root_ / "news/2026/c.html", "again");
  EXPECT_EQ(restored_after(2)["path"], "/news/2026/c.html");
}

TEST_F(Watching, FileReplacedByADirectoryIsRestored) {
  fs::create_directories(dir_ / "planted/inner");
  write(dir_ / "planted/inner/x.html", "planted");
  exchange(dir_ / "planted", root_ / "news/a.html");
  const auto d = restored_after(1);
  EXPECT_EQ(d["path"], "/news/a.html");
  EXPECT_EQ(d["change"], "wrong_type");
  EXPECT_EQ(d["found"]["type"], "directory");
  EXPECT_TRUE(fs::is_regular_file(root_ / "news/a.html"));
}

TEST_F(Watching, NewLiveReleaseUpdatesTheMirrorWithoutATamperEvent) {
  publish::Manifest two = release_;
  two.entries.erase(two.entries.begin() + 3);  // /news/2026/c.html withdrawn
  two.entries[0] = put("/index.html", "<h1>首页 v2</h1>");
  two.entries.push_back(put("/news/d.html", "<p>D</p>"));
  releases_.make_live(kSite, releases_.add(2, two));
  ASSERT_TRUE(eventually([&] { return event_count("watch.release_switch") == 1; }));
  layout_ = std::make_unique<MirrorLayout>(layout_of(two));
  EXPECT_TRUE(eventually([&] { return clean(); }));
  EXPECT_EQ(read(root_ / "index.html"), "<h1>首页 v2</h1>");
  EXPECT_FALSE(fs::exists(root_ / "news/2026"));
  // Give the events of the switch's own writes time to be checked: none is tamper.
  write(root_ / "news/d.html", "tamper after the switch");
  restored_after(1);
  EXPECT_EQ(events("watch.tamper").front().event.details["path"], "/news/d.html");
  const auto s = events("watch.release_switch").front().event.details;
  EXPECT_EQ(s["from_release"], 1);
  EXPECT_EQ(s["to_release"], 2);
}

TEST_F(Watching, TamperEventNamesSiteRootAndObject) {
  write(root_ / "index.html", "x");
  restored_after(1);
  const auto e = events("watch.tamper").front().event;
  EXPECT_EQ(e.site_id, kSite);
  EXPECT_EQ(e.details["root"], fs::canonical(root_).string());
  EXPECT_EQ(e.object, "mirror:" + fs::canonical(root_).string() + "/index.html");
  EXPECT_EQ(e.outcome, audit::Outcome::success);
}

}  // namespace
}  // namespace sw::watch::testing
