// The guard over the node's real ReleaseStore and BlobStore (StoreReleaseSource): signed releases in
// a temp data directory, the LiveGeneration file shared with the store, blobs tampered on disk (N7.1).
#include <gtest/gtest.h>

#include <fstream>

#include "../http/test_client.h"
#include "../publish/release_fixture.h"
#include "guard/guard.h"
#include "guard/store_source.h"

namespace sw::guard {
namespace {

using http::testing::ClientConnection;

class GuardStoreTest : public publish::testing::ReleaseFixture {
 protected:
  void start() {
    // The guard's own connection and store, as `serve` and `sitewarden guard` open them.
    auto db = store::Database::open(dir_.path() / "sitewarden.db");
    ASSERT_TRUE(db) << db.error().to_string();
    guard_db_ = std::move(*db);
    publish::ReleaseStore::Options o;
    o.generation_file = publish::generation_file(dir_.path());
    guard_store_ = std::make_unique<publish::ReleaseStore>(*guard_db_, *blobs_, suite_, key_, trusted_, o);
    auto generation = publish::LiveGeneration::open(o.generation_file);
    ASSERT_TRUE(generation) << generation.error().to_string();
    generation_ = std::move(*generation);
    source_ = std::make_unique<StoreReleaseSource>(*guard_store_, *blobs_, generation_.get());
    GuardOptions options;
    options.threads = 1;
    options.disk_threads = 1;
    guard_ = std::make_unique<Guard>(options, *source_, [this](const TamperReport& r) {
      std::lock_guard lock(mutex_);
      reports_.push_back(r);
    });
    auto s = guard_->start();
    ASSERT_TRUE(s) << s.error().to_string();
    client_ = ClientConnection::plain(guard_->port());
    ASSERT_TRUE(client_);
  }

  std::optional<http::testing::ReceivedResponse> get(const std::string& path, const std::string& host = "www.jsgh.org") {
    return client_->round_trip("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
  }

  void TearDown() override {
    client_.reset();
    guard_.reset();
  }

  std::unique_ptr<store::Database> guard_db_;
  std::unique_ptr<publish::ReleaseStore> guard_store_;
  std::unique_ptr<publish::LiveGeneration> generation_;
  std::unique_ptr<StoreReleaseSource> source_;
  std::unique_ptr<Guard> guard_;
  std::unique_ptr<ClientConnection> client_;
  std::mutex mutex_;
  std::vector<TamperReport> reports_;
};

TEST_F(GuardStoreTest, PublishAndRollbackAreServedFromTheVeryNextRequest) {
  const std::int64_t first = publish(site_, "one");
  start();
  EXPECT_EQ(get("/")->body, "<p>page 0 of one</p>");
  EXPECT_EQ(get("/", "nj.jsgh.org")->status, 404);  // no live release there yet
  publish(site_, "two");
  EXPECT_EQ(get("/")->body, "<p>page 0 of two</p>");  // same keep-alive connection, no wait
  ASSERT_TRUE(store_->switch_live(site_, first, "user:1", "rollback test"));
  EXPECT_EQ(get("/")->body, "<p>page 0 of one</p>");
  publish(other_site_, "other");
  EXPECT_EQ(get("/p/1.html", "nj.jsgh.org")->body, "<p>page 1 of other</p>");
}

TEST_F(GuardStoreTest, ABlobChangedOnDiskIsNeverServed) {
  publish(site_, "one");
  auto path = blobs_->path_of(suite_.hash("<p>page 1 of one</p>"));
  ASSERT_TRUE(path);
  std::filesystem::permissions(*path, std::filesystem::perms::owner_all);
  std::ofstream(*path, std::ios::binary | std::ios::trunc) << "<p>defaced</p>";
  start();
  auto r = get("/p/1.html");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body.find("defaced"), std::string::npos);
  EXPECT_EQ(get("/")->status, 200);  // the other files still verify
  std::lock_guard lock(mutex_);
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(reports_[0].site_id, site_);
  EXPECT_EQ(reports_[0].path, "/p/1.html");
  EXPECT_EQ(reports_[0].actual, suite_.hash("<p>defaced</p>").to_string());
}

TEST_F(GuardStoreTest, AMissingBlobIsATamperToo) {
  publish(site_, "one");
  auto path = blobs_->path_of(suite_.hash("<p>page 2 of one</p>"));
  ASSERT_TRUE(path);
  std::filesystem::remove(*path);
  start();
  EXPECT_EQ(get("/p/2.html")->status, 503);
  std::lock_guard lock(mutex_);
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_EQ(reports_[0].actual, "guard.blob_missing");
}

}  // namespace
}  // namespace sw::guard
