// Shared fixture for the watch tests: a temporary node (blob store, database with the audit log),
// a small release mirrored into a web root, and a fake ReleaseSource the tests switch by hand.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "audit/audit_log.h"
#include "store/blob_store.h"
#include "store/database.h"
#include "watch/mirror_layout.h"
#include "watch/restorer.h"
#include "watch/tree_check.h"
#include "watch/watcher.h"

namespace sw::watch::testing {

namespace fs = std::filesystem;

// Releases held in memory; live() and generation() change when a test calls make_live().
class FakeReleases : public ReleaseSource {
 public:
  std::uint64_t generation() override { return generation_.load(); }
  Result<std::optional<Live>> live(std::int64_t site_id) override {
    std::lock_guard lock(m_);
    auto it = live_.find(site_id);
    if (it == live_.end()) return std::optional<Live>{};
    return std::optional<Live>(it->second);
  }
  Result<publish::Manifest> load(const crypto::Digest& digest) override {
    std::lock_guard lock(m_);
    auto it = manifests_.find(digest.to_string());
    if (it == manifests_.end()) return fail("publish.release_not_found", "no manifest " + digest.to_string());
    return it->second;
  }
  // Registers a release and returns what live() would give for it.
  Live add(std::int64_t release_id, publish::Manifest manifest) {
    std::lock_guard lock(m_);
    Live l{release_id, crypto::suite(crypto::SuiteId::intl).hash("release " + std::to_string(release_id))};
    manifests_[l.manifest_digest.to_string()] = std::move(manifest);
    return l;
  }
  void make_live(std::int64_t site_id, const Live& l) {
    {
      std::lock_guard lock(m_);
      live_[site_id] = l;
    }
    generation_++;
  }

 private:
  std::mutex m_;
  std::map<std::string, publish::Manifest> manifests_;
  std::map<std::int64_t, Live> live_;
  std::atomic<std::uint64_t> generation_{1};
};

class WatchTest : public ::testing::Test {
 protected:
  static constexpr std::int64_t kSite = 3;

  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sw-watch-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "root");
    root_ = dir_ / "root";
    blobs_ = std::make_unique<store::BlobStore>(store::BlobStore::open(dir_ / "blobs", suite()).value());
    ::umask(022);
  }
  void TearDown() override {
    stop_watcher();
    fs::permissions(dir_, fs::perms::owner_all);
    fs::remove_all(dir_);
  }

  static const crypto::Suite& suite() { return crypto::suite(crypto::SuiteId::intl); }

  publish::ManifestEntry put(std::string path, const std::string& bytes) {
    publish::ManifestEntry e;
    e.path = std::move(path);
    e.content_type = "text/html; charset=utf-8";
    e.size = bytes.size();
    e.digest = blobs_->put(bytes).value();
    return e;
  }

  // The first release: a home page, a column with a nested directory, an attachment.
  publish::Manifest release_one() {
    publish::Manifest m;
    m.site_id = kSite;
    m.entries = {put("/index.html", "<h1>首页</h1>"), put("/news/a.html", "<p>新闻 A</p>"),
                 put("/news/b.html", std::string(5000, 'b')), put("/news/2026/c.html", "<p>C</p>"),
                 put("/attachments/x/report.pdf", "%PDF-1.4 report")};
    return m;
  }

  MirrorLayout layout_of(publish::Manifest m) { return MirrorLayout::build(std::move(m)).value(); }

  // Writes `m` into the root as a fresh mirror.
  void mirror(const publish::Manifest& m) {
    auto checker = TreeChecker::open(root_).value();
    Restorer restorer(checker.fd(), *blobs_, Modes{}, dir_ / "quarantine" / std::to_string(kSite));
    auto empty = layout_of({});
    auto report = sync_to_release(checker, restorer, layout_of(m), empty, {});
    ASSERT_TRUE(report) << report.error().to_string();
  }

  std::vector<Difference> verify(const MirrorLayout& layout) {
    auto checker = TreeChecker::open(root_).value();
    auto diffs = checker.verify_all(layout, CheckOptions{.threads = 2});
    EXPECT_TRUE(diffs) << (diffs ? "" : diffs.error().to_string());
    return diffs ? *diffs : std::vector<Difference>{};
  }

  static std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static void write(const fs::path& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << bytes;
  }

  // --- a running watcher over the root (release 1 of kSite) ---

  void start_watcher(const publish::Manifest& m, std::int64_t release_id = 1) {
    db_ = store::Database::open(dir_ / "node.db").value();
    audit_ = audit::AuditLog::open(dir_ / "node.db", suite(), suite().generate_signing_key().value()).value();
    const auto live = releases_.add(release_id, m);
    releases_.make_live(kSite, live);
    Mirror mirror{.site_id = kSite,
                  .root = fs::canonical(root_).string(),
                  .release_id = release_id,
                  .manifest_digest = live.manifest_digest};
    WatcherOptions o{.quarantine_dir = dir_ / "quarantine",
                     .debounce = std::chrono::milliseconds(100),
                     .max_delay = std::chrono::milliseconds(500),
                     .verify_threads = 2,
                     .generation_poll = std::chrono::milliseconds(20)};
    auto w = Watcher::open({mirror}, releases_, *blobs_, *audit_, nullptr, o);
    ASSERT_TRUE(w) << w.error().to_string();
    watcher_ = std::move(*w);
    thread_ = std::thread([this] { run_status_ = watcher_->run(); });
    ASSERT_TRUE(eventually([this] { return watcher_->ready(); }));
  }

  void stop_watcher() {
    if (!watcher_) return;
    watcher_->stop();
    thread_.join();
    EXPECT_TRUE(run_status_) << run_status_.error().to_string();
    watcher_.reset();
  }

  // Polls `condition` until it holds or a bounded wait ends (no timing is asserted).
  static bool eventually(const std::function<bool()>& condition,
                         std::chrono::seconds limit = std::chrono::seconds(15)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (condition()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return condition();
  }

  std::vector<audit::StoredEvent> events(const std::string& action) {
    return audit_->query({.action = action, .limit = 1000}).value();
  }
  std::int64_t event_count(const std::string& action) { return audit_->count({.action = action}).value(); }

  fs::path dir_;
  fs::path root_;
  std::unique_ptr<store::BlobStore> blobs_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<audit::AuditLog> audit_;
  FakeReleases releases_;
  std::unique_ptr<Watcher> watcher_;
  std::thread thread_;
  Status run_status_ = ok();
};

}  // namespace sw::watch::testing
