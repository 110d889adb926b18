// Tests of SiteSettingsStore (issue 6): a site's WAF settings are stored, reloaded, validated before
// anything is written, and every change is audited as "waf.settings_changed".
#include "waf/site_settings_store.h"

#include <gtest/gtest.h>

#include "identity/fixture.h"  // FakeAuditLog

namespace sw::waf {
namespace {

class SiteSettingsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::open_memory();
    ASSERT_TRUE(db) << db.error().to_string();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->exec("INSERT INTO organisations (id, parent_id, name, kind) VALUES (1, NULL, '江苏省总工会', 'province')"));
    ASSERT_TRUE(db_->exec("INSERT INTO sites (id, org_id, name) VALUES (7, 1, '江苏工会网')"));
    store_ = std::make_unique<SiteSettingsStore>(*db_, audit_, clock_);
  }

  SettingsChange change{"cli:root", "", "", ""};
  std::unique_ptr<store::Database> db_;
  identity::testing::FakeAuditLog audit_;
  FakeClock clock_;
  std::unique_ptr<SiteSettingsStore> store_;
};

TEST_F(SiteSettingsStoreTest, ASiteWithoutSettingsUsesTheDefaults) {
  auto loaded = store_->load(7);
  ASSERT_TRUE(loaded);
  EXPECT_FALSE(loaded->has_value());
  EXPECT_TRUE(store_->load_all()->empty());
}

TEST_F(SiteSettingsStoreTest, SavedSettingsAreReloadedAndAudited) {
  SiteSettings s{3, Mode::detection_only, {{"/search", 942100, "ARGS:q"}, {"", 920350, ""}}};
  ASSERT_TRUE(store_->save(7, s, change));
  auto all = store_->load_all();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->at(7), s);
  ASSERT_EQ(audit_.events.size(), 1u);
  const auto& e = audit_.events[0];
  EXPECT_EQ(e.action, "waf.settings_changed");
  EXPECT_EQ(e.site_id, 7);
  EXPECT_EQ(e.actor, "cli:root");
  EXPECT_EQ(e.details["before"], "defaults");
  EXPECT_EQ(e.details["after"]["paranoia"], 3);
  EXPECT_EQ(e.details["after"]["exclusions"][0]["rule_id"], 942100);

  SiteSettings next{1, Mode::blocking, {}};
  ASSERT_TRUE(store_->save(7, next, change));
  EXPECT_EQ(store_->load(7)->value(), next);
  EXPECT_EQ(audit_.events.back().details["before"]["paranoia"], 3);
}

TEST_F(SiteSettingsStoreTest, BadSettingsAreRefusedAndNothingIsWritten) {
  SiteSettings good{2, Mode::blocking, {}};
  ASSERT_TRUE(store_->save(7, good, change));
  SiteSettings bad{2, Mode::blocking, {{"/x\" \"id:1,deny", 942100, ""}}};
  auto r = store_->save(7, bad, change);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "waf.bad_settings");
  EXPECT_EQ(store_->load(7)->value(), good);
  EXPECT_EQ(audit_.events.size(), 1u);
}

TEST_F(SiteSettingsStoreTest, AnUnknownSiteIsRefused) {
  auto r = store_->save(99, SiteSettings{}, change);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "waf.no_site");
}

TEST_F(SiteSettingsStoreTest, ResetGoesBackToTheDefaultsAudited) {
  ASSERT_TRUE(store_->save(7, SiteSettings{4, Mode::blocking, {{"/a", 941100, ""}}}, change));
  ASSERT_TRUE(store_->reset(7, change));
  EXPECT_FALSE(store_->load(7)->has_value());
  EXPECT_EQ(audit_.events.back().details["after"], "defaults");
  ASSERT_TRUE(store_->reset(7, change));  // nothing to reset: no event
  EXPECT_EQ(audit_.events.size(), 2u);
}

}  // namespace
}  // namespace sw::waf
