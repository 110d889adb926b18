// Specification of identity::Gate and OrgTreeCache (gate.h): the tree is read once and reused until
// org_tree_version changes (migration 0014: triggers on organisations and sites, random stamp), a
// refused permission is audited as denied, a permitted read is not audited.
#include "identity/gate.h"

#include <gtest/gtest.h>

#include "identity/fixture.h"

namespace sw::identity {
namespace {

class GateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::open_memory();
    ASSERT_TRUE(db) << db.error().to_string();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->exec("INSERT INTO organisations (parent_id, name, kind) VALUES (NULL, '江苏省总工会', 'province')"));
    root_ = db_->last_insert_id();
    ASSERT_TRUE(db_->exec("INSERT INTO organisations (parent_id, name, kind) VALUES (?, '南京市总工会', 'city')", {root_}));
    city_ = db_->last_insert_id();
    ASSERT_TRUE(db_->exec("INSERT INTO sites (org_id, name) VALUES (?, '南京工会网')", {city_}));
    site_ = db_->last_insert_id();
    gate_ = std::make_unique<Gate>(*db_, audit_, "test");
  }

  std::int64_t reloads() const { return gate_->tree_cache().reloads(); }

  static Principal reviewer_of(std::int64_t site) {
    Grant g;
    g.id = 1;
    g.user_id = 7;
    g.role = Role::content_reviewer;
    g.scope = Scope::site(site);
    return Principal::user(7, "reviewer", {g});
  }

  std::unique_ptr<store::Database> db_;
  testing::FakeAuditLog audit_;
  std::unique_ptr<Gate> gate_;
  std::int64_t root_ = 0, city_ = 0, site_ = 0;
};

TEST_F(GateTest, TheTreeIsReadOnceAndReusedWhileNothingChanges) {
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(gate_->tree());
  EXPECT_EQ(reloads(), 1);
  EXPECT_EQ((*gate_->tree())->org_of_site(site_), city_);
}

TEST_F(GateTest, ANewSiteOrOrganisationIsSeenAtTheNextCheck) {
  ASSERT_TRUE(gate_->tree());
  ASSERT_TRUE(db_->exec("INSERT INTO sites (org_id, name) VALUES (?, '江苏工会网')", {root_}));
  const std::int64_t site = db_->last_insert_id();
  EXPECT_EQ((*gate_->tree())->org_of_site(site), root_);
  ASSERT_TRUE(db_->exec("INSERT INTO organisations (parent_id, name, kind) VALUES (?, '玄武区总工会', 'county')", {city_}));
  const std::int64_t county = db_->last_insert_id();
  EXPECT_TRUE((*gate_->tree())->in_subtree(county, root_));
  EXPECT_EQ(reloads(), 3);
}

TEST_F(GateTest, MovesAreSeenRenamesDoNotReload) {
  ASSERT_TRUE(gate_->tree());
  ASSERT_TRUE(db_->exec("UPDATE organisations SET name = '南京市总工会（新）' WHERE id = ?", {city_}));
  ASSERT_TRUE(gate_->tree());
  EXPECT_EQ(reloads(), 1) << "a rename does not change the tree";
  ASSERT_TRUE(db_->exec("INSERT INTO organisations (parent_id, name, kind) VALUES (?, '苏州市总工会', 'city')", {root_}));
  const std::int64_t suzhou = db_->last_insert_id();
  ASSERT_TRUE(db_->exec("UPDATE sites SET org_id = ? WHERE id = ?", {suzhou, site_}));
  EXPECT_EQ((*gate_->tree())->org_of_site(site_), suzhou);
  ASSERT_TRUE(db_->exec("UPDATE organisations SET parent_id = ? WHERE id = ?", {city_, suzhou}));
  EXPECT_TRUE((*gate_->tree())->in_subtree(suzhou, city_));
}

TEST_F(GateTest, AChangeSeenInsideATransactionThatRollsBackIsNotKept) {
  ASSERT_TRUE(gate_->tree());
  std::int64_t phantom = 0;
  {
    auto tx = db_->begin();
    ASSERT_TRUE(tx);
    ASSERT_TRUE(db_->exec("INSERT INTO sites (org_id, name) VALUES (?, '回滚的网站')", {root_}));
    phantom = db_->last_insert_id();
    EXPECT_TRUE((*gate_->tree())->has_site(phantom)) << "seen inside its own transaction";
  }  // rolled back
  EXPECT_FALSE((*gate_->tree())->has_site(phantom)) << "the rolled-back site is gone";
  // A later change reusing the same version number still reloads (the stamp differs).
  ASSERT_TRUE(db_->exec("INSERT INTO sites (org_id, name) VALUES (?, '新网站')", {city_}));
  const std::int64_t fresh = db_->last_insert_id();
  EXPECT_EQ((*gate_->tree())->org_of_site(fresh), city_);
}

TEST_F(GateTest, ARefusalIsAuditedAsDeniedAndAGrantNamesTheRole) {
  const Actor actor{reviewer_of(site_), "192.0.2.1", "req-1"};
  auto event = gate_->event_for(actor, "content.approve", "article:1", Scope::site(site_));
  ASSERT_TRUE(gate_->permit(actor, Permission::content_review, Scope::site(site_), event));
  EXPECT_EQ(event.actor_role, "content_reviewer");
  EXPECT_TRUE(audit_.events.empty()) << "a permitted check writes nothing by itself";
  auto refused = gate_->permit(actor, Permission::site_manage, Scope::site(site_), event);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "identity.forbidden");
  ASSERT_EQ(audit_.events.size(), 1u);
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
  EXPECT_EQ(audit_.last().site_id, site_);
  EXPECT_EQ(audit_.last().details["reason"], "identity.forbidden");
}

TEST_F(GateTest, AReadIsAllowedWithAnyOfItsPermissionsAndARefusedReadIsAudited) {
  const Principal who = reviewer_of(site_);
  const Permission readers[] = {Permission::content_edit, Permission::content_review};
  EXPECT_TRUE(gate_->permit_read(who, readers, Scope::site(site_), "content.read", "article:1"));
  EXPECT_TRUE(audit_.events.empty());
  EXPECT_TRUE(gate_->allows(who, Permission::org_read, Scope::org(city_)));
  const Permission managers[] = {Permission::site_manage};
  EXPECT_FALSE(gate_->permit_read(who, managers, Scope::org(city_), "org.read", "org:2"));
  ASSERT_EQ(audit_.events.size(), 1u);
  EXPECT_EQ(audit_.last().org_id, city_);
  EXPECT_EQ(audit_.last().action, "org.read");
}

TEST_F(GateTest, ConcludeAuditsSuccessFailureAndTheDenialsTheModuleNames) {
  Gate gate(*db_, audit_, "test", [](const Error& e) { return e.code == "test.refused"; });
  const Actor actor{Principal::system("t"), "", ""};
  EXPECT_TRUE(gate.conclude(gate.event_for(actor, "a", "o"), Status(ok())));
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::success);
  EXPECT_EQ(audit_.last().actor_role, "system");
  EXPECT_FALSE(gate.conclude(gate.event_for(actor, "a", "o"), Status(fail("test.bad", "x"))));
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::failure);
  EXPECT_FALSE(gate.conclude(gate.event_for(actor, "a", "o"), Status(fail("test.refused", "x"))));
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
  EXPECT_EQ(audit_.last().details["reason"], "test.refused");
}

}  // namespace
}  // namespace sw::identity
