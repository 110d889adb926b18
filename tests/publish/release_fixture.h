// What the release tests share: a temp data directory with a database (migrations applied), a blob
// store, a node key, two sites of the register in state `live` with domains, and a ReleaseStore.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "../store/temp_dir.h"
#include "publish/release_store.h"

namespace sw::publish::testing {

class ReleaseFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::open(dir_.path() / "sitewarden.db");
    ASSERT_TRUE(db) << db.error().to_string();
    db_ = std::move(*db);
    auto blobs = store::BlobStore::open(dir_.path() / "blobs", suite_);
    ASSERT_TRUE(blobs) << blobs.error().to_string();
    blobs_ = std::make_unique<store::BlobStore>(std::move(*blobs));
    ASSERT_TRUE(db_->exec("INSERT INTO organisations (parent_id, name, kind) VALUES (NULL, '江苏省总工会', 'province')"));
    const std::int64_t org = db_->last_insert_id();
    site_ = add_site(org, "www.jsgh.org");
    other_site_ = add_site(org, "nj.jsgh.org");
    store_ = make_store(/*keep=*/3);
  }

  std::int64_t add_site(std::int64_t org, const std::string& domain) {
    EXPECT_TRUE(db_->exec("INSERT INTO sites (org_id, name, state) VALUES (?, ?, 'live')", {org, domain}));
    const std::int64_t id = db_->last_insert_id();
    EXPECT_TRUE(db_->exec("INSERT INTO site_domains (site_id, domain, added_at, added_by) VALUES (?, ?, "
                          "'2026-11-26T00:00:00Z', 'test')",
                          {id, domain}));
    return id;
  }

  std::unique_ptr<ReleaseStore> make_store(std::size_t keep) {
    ReleaseStore::Options o;
    o.keep = keep;
    o.generation_file = generation_file(dir_.path());
    o.stale_temp_age = std::chrono::seconds{0};
    return std::make_unique<ReleaseStore>(*db_, *blobs_, suite_, key_, trusted_, o);
  }

  // A manifest of `pages` pages whose bytes carry `tag`, all put in the blob store.
  Manifest pages(std::int64_t site, const std::string& tag, int count = 3) {
    Manifest m;
    m.site_id = site;
    m.created_by = "user:1";
    for (int i = 0; i < count; ++i) {
      const std::string bytes = "<p>page " + std::to_string(i) + " of " + tag + "</p>";
      auto digest = blobs_->put(bytes);
      EXPECT_TRUE(digest);
      ManifestEntry e;
      e.path = i == 0 ? "/index.html" : "/p/" + std::to_string(i) + ".html";
      e.content_type = "text/html; charset=utf-8";
      e.size = bytes.size();
      e.digest = *digest;
      m.entries.push_back(e);
    }
    return m;
  }

  std::int64_t publish(std::int64_t site, const std::string& tag) {
    auto id = store_->commit(pages(site, tag), "full");
    EXPECT_TRUE(id) << id.error().to_string();
    return id.value_or(0);
  }

  store::testing::TempDir dir_{"sw_release_"};
  const crypto::Suite& suite_ = crypto::suite(crypto::SuiteId::gm);
  crypto::SigningKey key_ = *suite_.generate_signing_key();
  std::vector<crypto::PublicKey> trusted_{key_.public_key};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<store::BlobStore> blobs_;
  std::unique_ptr<ReleaseStore> store_;
  std::int64_t site_ = 0;
  std::int64_t other_site_ = 0;
};

}  // namespace sw::publish::testing
