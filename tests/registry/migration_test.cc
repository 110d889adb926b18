// Specification of migration 0003_registry.sql: it applies on a fresh database and on one at 0002
// with data, and its history tables refuse to be rewritten (N2.1, N2.2, N2.3, N4.1).
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "store/database.h"
#include "store/temp_dir.h"

namespace sw::registry {
namespace {

using store::Database;
using store::Migration;
using store::testing::TempDir;

std::vector<Migration> up_to(int version) {
  std::vector<Migration> out;
  for (const Migration& m : store::migrations()) {
    if (m.version <= version) out.push_back(m);
  }
  return out;
}

TEST(RegistryMigration, AppliesOnAFreshDatabase) {
  auto db = Database::open_memory();
  ASSERT_TRUE(db) << db.error().to_string();
  auto applied = (*db)->applied_migrations();
  ASSERT_TRUE(applied);
  EXPECT_NE(std::ranges::find(*applied, 3), applied->end());
  for (const char* table :
       {"site_domains", "icp_filings", "opening_reviews", "site_state_history", "organisation_history"}) {
    EXPECT_TRUE((*db)->query(std::string("SELECT COUNT(*) FROM ") + table)) << table;
  }
}

TEST(RegistryMigration, AppliesOnADatabaseAt0002KeepingItsRows) {
  TempDir dir("sw_registry_");
  const auto path = dir.path() / "sw.db";
  {
    auto old = Database::open(path, store::OpenOptions{}, up_to(2));
    ASSERT_TRUE(old) << old.error().to_string();
    ASSERT_TRUE(
        (*old)->exec("INSERT INTO organisations (id, parent_id, name, kind) VALUES (1, NULL, '江苏省总工会', "
                     "'province')"));
    ASSERT_TRUE((*old)->exec("INSERT INTO sites (id, org_id, name) VALUES (1, 1, '江苏工会网')"));
  }
  auto db = Database::open(path);
  ASSERT_TRUE(db) << db.error().to_string();
  auto org =
      (*db)->query_one("SELECT name, code, region, active, deactivated_at FROM organisations WHERE id = 1");
  ASSERT_TRUE(org && *org);
  EXPECT_EQ((*org)->text(0), "江苏省总工会");
  EXPECT_TRUE((*org)->is_null(1));
  EXPECT_EQ((*org)->text(2), "");
  EXPECT_EQ((*org)->integer(3), 1);
  auto site = (*db)->query_one("SELECT name, state, hosting, sponsor FROM sites WHERE id = 1");
  ASSERT_TRUE(site && *site);
  EXPECT_EQ((*site)->text(0), "江苏工会网");
  EXPECT_EQ((*site)->text(1), "application")
      << "a site that predates the registry goes live only through review";
  EXPECT_EQ((*site)->text(2), "platform");
}

class RegistryTables : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::open_memory();
    ASSERT_TRUE(db) << db.error().to_string();
    db_ = std::move(*db);
    for (const char* sql : {
             "INSERT INTO organisations (id, parent_id, name, kind) VALUES (1, NULL, 'p', 'province')",
             "INSERT INTO sites (id, org_id, name) VALUES (1, 1, 's')",
             "INSERT INTO organisation_history (org_id, change, old_value, new_value, actor, at) "
             "VALUES (1, 'rename', 'a', 'p', 'x', '2026-01-01T00:00:00Z')",
             "INSERT INTO site_state_history (site_id, from_state, to_state, actor, at) "
             "VALUES (1, NULL, 'application', 'x', '2026-01-01T00:00:00Z')",
             "INSERT INTO opening_reviews (site_id, kind, result, summary, recorded_by, recorded_at) "
             "VALUES (1, 'approval', 'approved', 'ok', 'x', '2026-01-01T00:00:00Z')",
             "INSERT INTO site_domains (site_id, domain, added_at, added_by) VALUES (1, 'a.org', "
             "'2026-01-01T00:00:00Z', 'x')",
             "INSERT INTO icp_filings (site_id, number, recorded_at, recorded_by) "
             "VALUES (1, '苏ICP备12345678号', '2026-01-01T00:00:00Z', 'x')",
         }) {
      ASSERT_TRUE(db_->exec(sql)) << sql;
    }
  }
  void expect_refused(const std::string& sql) {
    auto r = db_->exec(sql);
    EXPECT_FALSE(r) << sql << " was allowed";
  }
  std::unique_ptr<Database> db_;
};

TEST_F(RegistryTables, HistoryTablesRefuseUpdateAndDelete) {
  for (const char* table : {"organisation_history", "site_state_history", "opening_reviews"}) {
    expect_refused(std::string("UPDATE ") + table + " SET id = id");
    expect_refused(std::string("DELETE FROM ") + table);
  }
}

TEST_F(RegistryTables, OrganisationsAndSitesAreNeverDeleted) {
  expect_refused("DELETE FROM sites WHERE id = 1");
  expect_refused("DELETE FROM organisations WHERE id = 1");
}

TEST_F(RegistryTables, DomainsChangeOnlyByBeingRemovedOnce) {
  expect_refused("DELETE FROM site_domains");
  expect_refused("UPDATE site_domains SET domain = 'b.org'");
  ASSERT_TRUE(db_->exec("UPDATE site_domains SET removed_at = '2026-02-01T00:00:00Z', removed_by = 'x'"));
  expect_refused("UPDATE site_domains SET removed_at = '2026-03-01T00:00:00Z'");
}

TEST_F(RegistryTables, ACurrentDomainBelongsToOneSite) {
  ASSERT_TRUE(db_->exec("INSERT INTO sites (id, org_id, name) VALUES (2, 1, 't')"));
  expect_refused(
      "INSERT INTO site_domains (site_id, domain, added_at, added_by) VALUES (2, 'a.org', 'now', 'x')");
}

TEST_F(RegistryTables, FilingsChangeOnlyByBeingReportedOrSupersededOnce) {
  expect_refused("DELETE FROM icp_filings");
  expect_refused("UPDATE icp_filings SET number = '苏ICP备87654321号'");
  ASSERT_TRUE(db_->exec("UPDATE icp_filings SET reported_to_parent_at = '2026-02-01T00:00:00Z'"));
  expect_refused("UPDATE icp_filings SET reported_to_parent_at = '2026-03-01T00:00:00Z'");
  ASSERT_TRUE(db_->exec("UPDATE icp_filings SET superseded_at = '2026-02-01T00:00:00Z'"));
  expect_refused("UPDATE icp_filings SET superseded_at = NULL");
}

}  // namespace
}  // namespace sw::registry
