// Specification of the Registry service: the organisation tree (N2.1), sites and their domains
// (N2.1), ICP filings seen by the parent (N2.2), opening review and the pre-launch security
// assessment (N2.3, N4.1), permissions scoped to organisation and site, one audit event per call.
#include "registry/registry.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "identity/fixture.h"  // FakeAuditLog
#include "registry/registry_fixture.h"

namespace sw::registry {
namespace {

using identity::Role;
using identity::Scope;
using testing::as;
using testing::cli;
using testing::site_fields;
using testing::with_role;

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::open_memory();
    ASSERT_TRUE(db) << db.error().to_string();
    db_ = std::move(*db);
    // The root is made by identity's bootstrap; here directly.
    ASSERT_TRUE(db_->exec(
        "INSERT INTO organisations (parent_id, name, kind) VALUES (NULL, '江苏省总工会', 'province')"));
    root_ = db_->last_insert_id();
    registry_ = Registry::open(*db_, audit_, DomainRules{}, clock_);
    nanjing_ = make_org(root_, "南京市总工会", OrgKind::city, "320100");
    suzhou_ = make_org(root_, "苏州市总工会", OrgKind::city, "320500");
    xuanwu_ = make_org(nanjing_, "玄武区总工会", OrgKind::county, "320102");
    province_admin_ = with_role(1, "province_admin", Role::system_admin, Scope::org(root_));
    nanjing_admin_ = with_role(2, "nanjing_admin", Role::system_admin, Scope::org(nanjing_));
    nanjing_site_admin_ = with_role(3, "nanjing_site_admin", Role::site_admin, Scope::org(nanjing_));
    suzhou_site_admin_ = with_role(4, "suzhou_site_admin", Role::site_admin, Scope::org(suzhou_));
    audit_.events.clear();
  }


  std::int64_t make_org(std::int64_t parent, const std::string& name, OrgKind level,
                        std::optional<std::string> code = std::nullopt) {
    auto o =
        registry_->create_organisation(cli(), NewOrganisation{parent, name, level, std::move(code), "苏"});
    EXPECT_TRUE(o) << o.error().to_string();
    return o ? o->id : 0;
  }

  static SiteFields fields(const std::string& name, std::vector<std::string> domains) {
    return site_fields(name, std::move(domains));
  }

  // An application for a site of `org`, made by `who`.
  std::int64_t apply(std::int64_t org, const std::string& name, std::vector<std::string> domains,
                     const Actor& who = cli()) {
    auto s = registry_->apply_for_site(who, org, fields(name, std::move(domains)));
    EXPECT_TRUE(s) << s.error().to_string();
    return s ? s->id : 0;
  }

  SiteState state_of(std::int64_t site) {
    return registry_->get_site(Principal::system("t"), site).value().state;
  }

  std::unique_ptr<store::Database> db_;
  identity::testing::FakeAuditLog audit_;
  FakeClock clock_;
  std::unique_ptr<Registry> registry_;
  std::int64_t root_ = 0, nanjing_ = 0, suzhou_ = 0, xuanwu_ = 0;
  Principal province_admin_, nanjing_admin_, nanjing_site_admin_, suzhou_site_admin_;
};

// ---- organisation tree (N2.1) ------------------------------------------------------------------

TEST_F(RegistryTest, CreateRecordsLevelCodeAndRegionAndIsAudited) {
  const auto o = registry_->create_organisation(
      as(nanjing_admin_), NewOrganisation{xuanwu_, "某街道工会", OrgKind::grassroots, "G1", "苏"});
  ASSERT_TRUE(o) << o.error().to_string();
  EXPECT_EQ(o->level, OrgKind::grassroots);
  EXPECT_EQ(o->code, "G1");
  EXPECT_EQ(o->region, "苏");
  EXPECT_EQ(o->parent_id, xuanwu_);
  EXPECT_EQ(o->created_at, clock_.now());
  ASSERT_EQ(audit_.events.size(), 1u);
  EXPECT_EQ(audit_.last().action, "org.create");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::success);
  EXPECT_EQ(audit_.last().actor_role, "system_admin");
}

TEST_F(RegistryTest, ALevelThatDoesNotFitItsParentIsRefused) {
  auto county =
      registry_->create_organisation(cli(), NewOrganisation{root_, "某县总工会", OrgKind::county, {}, ""});
  ASSERT_FALSE(county);
  EXPECT_EQ(county.error().code, "registry.bad_level");
  auto city =
      registry_->create_organisation(cli(), NewOrganisation{nanjing_, "某市总工会", OrgKind::city, {}, ""});
  EXPECT_EQ(city.error().code, "registry.bad_level");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::failure);
  EXPECT_EQ(audit_.last().details["reason"], "registry.bad_level");
}

TEST_F(RegistryTest, CodesAreUnique) {
  auto again =
      registry_->create_organisation(cli(), NewOrganisation{nanjing_, "x", OrgKind::county, "320102", ""});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "registry.code_taken");
}

TEST_F(RegistryTest, RenameKeepsTheOldNameInHistory) {
  ASSERT_TRUE(registry_->rename_organisation(as(nanjing_admin_), xuanwu_, "玄武区总工会（新）"));
  EXPECT_EQ(registry_->get_organisation(nanjing_admin_, xuanwu_)->name, "玄武区总工会（新）");
  const auto history = registry_->organisation_history(nanjing_admin_, xuanwu_);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].change, "rename");
  EXPECT_EQ((*history)[0].old_value, "玄武区总工会");
  EXPECT_EQ((*history)[0].actor, "nanjing_admin");
}

TEST_F(RegistryTest, MovingUnderItsOwnSubtreeIsACycle) {
  const auto moved = registry_->move_organisation(cli(), nanjing_, xuanwu_);
  ASSERT_FALSE(moved);
  EXPECT_EQ(moved.error().code, "registry.cycle");
  EXPECT_EQ(registry_->move_organisation(cli(), nanjing_, nanjing_).error().code, "registry.cycle");
  EXPECT_EQ(registry_->move_organisation(cli(), root_, nanjing_).error().code, "registry.root");
}

TEST_F(RegistryTest, MoveChangesTheParentAndKeepsHistory) {
  ASSERT_TRUE(registry_->move_organisation(as(province_admin_), xuanwu_, suzhou_));
  EXPECT_EQ(registry_->get_organisation(province_admin_, xuanwu_)->parent_id, suzhou_);
  const auto history = registry_->organisation_history(province_admin_, xuanwu_).value();
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].change, "move");
  EXPECT_EQ(history[0].old_value, "org:" + std::to_string(nanjing_));
  EXPECT_EQ(history[0].new_value, "org:" + std::to_string(suzhou_));
}

TEST_F(RegistryTest, MoveNeedsOrgManageOnBothParents) {
  const auto moved = registry_->move_organisation(as(nanjing_admin_), xuanwu_, suzhou_);
  ASSERT_FALSE(moved);
  EXPECT_EQ(moved.error().code, "identity.forbidden");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
  EXPECT_EQ(audit_.last().action, "org.move");
}

TEST_F(RegistryTest, NothingMovesOrIsCreatedUnderADeactivatedOrganisation) {
  const std::int64_t old = make_org(suzhou_, "撤销的县总工会", OrgKind::county);
  ASSERT_TRUE(registry_->deactivate_organisation(cli(), old));
  EXPECT_EQ(registry_->move_organisation(cli(), xuanwu_, old).error().code, "registry.org_inactive");
  const std::int64_t unit = make_org(xuanwu_, "某基层工会", OrgKind::grassroots);
  EXPECT_EQ(registry_->move_organisation(cli(), unit, old).error().code, "registry.org_inactive");
  auto created =
      registry_->create_organisation(cli(), NewOrganisation{old, "x", OrgKind::grassroots, {}, ""});
  EXPECT_EQ(created.error().code, "registry.org_inactive");
  EXPECT_EQ(registry_->apply_for_site(cli(), old, fields("x", {})).error().code, "registry.org_inactive");
}

TEST_F(RegistryTest, DeactivateIsRefusedWhileChildrenOrSitesAreActive) {
  EXPECT_EQ(registry_->deactivate_organisation(cli(), nanjing_).error().code, "registry.has_active_children");
  apply(xuanwu_, "玄武工会网", {});
  EXPECT_EQ(registry_->deactivate_organisation(cli(), xuanwu_).error().code, "registry.has_active_sites");
  EXPECT_EQ(registry_->deactivate_organisation(cli(), root_).error().code, "registry.root");
}

TEST_F(RegistryTest, DeactivateKeepsTheOrganisationAndItsHistory) {
  ASSERT_TRUE(registry_->deactivate_organisation(as(nanjing_admin_), xuanwu_));
  const auto subtree = registry_->list_subtree(nanjing_admin_, nanjing_).value();
  ASSERT_EQ(subtree.size(), 2u);
  EXPECT_EQ(subtree[1].id, xuanwu_);
  EXPECT_FALSE(subtree[1].active);
  EXPECT_EQ(subtree[1].deactivated_at, clock_.now());
  EXPECT_EQ(registry_->organisation_history(nanjing_admin_, xuanwu_)->at(0).change, "deactivate");
  EXPECT_EQ(registry_->deactivate_organisation(cli(), xuanwu_).error().code, "registry.org_inactive");
}

TEST_F(RegistryTest, ListSubtreeIsParentsFirst) {
  const auto all = registry_->list_subtree(province_admin_, root_).value();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].id, root_);
  EXPECT_EQ(all[3].id, xuanwu_);
}

// ---- sites and domains (N2.1) ------------------------------------------------------------------

TEST_F(RegistryTest, ASiteStartsAsAnApplicationWithItsFields) {
  const auto site =
      registry_->apply_for_site(as(nanjing_admin_), nanjing_, fields("南京工会网", {"WWW.NJGH.org"}));
  ASSERT_TRUE(site) << site.error().to_string();
  EXPECT_EQ(site->state, SiteState::application);
  EXPECT_EQ(site->fields.domains, std::vector<std::string>{"www.njgh.org"});
  EXPECT_EQ(site->fields.sponsor, "南京工会网主办单位");
  EXPECT_EQ(audit_.last().action, "site.apply");
  EXPECT_EQ(audit_.last().site_id, site->id);
}

TEST_F(RegistryTest, ApplicationFieldsAreValidatedByName) {
  SiteFields f = fields("南京工会网", {});
  f.postcode = "2100";
  EXPECT_EQ(registry_->apply_for_site(cli(), nanjing_, f).error().code, "registry.invalid_postcode");
  f = fields("南京工会网", {});
  f.hotline_12351 = "12345";
  EXPECT_EQ(registry_->apply_for_site(cli(), nanjing_, f).error().code, "registry.invalid_hotline");
  f = fields("南京工会网", {});
  f.hosting = Hosting::external;
  EXPECT_EQ(registry_->apply_for_site(cli(), nanjing_, f).error().code, "registry.invalid_external_host");
  f.external_host = "host.example.com";
  f.mail_domain = "bad_mail";
  EXPECT_EQ(registry_->apply_for_site(cli(), nanjing_, f).error().code, "registry.invalid_mail_domain");
  f.mail_domain = "njgh.org";
  EXPECT_TRUE(registry_->apply_for_site(cli(), nanjing_, f));
}

TEST_F(RegistryTest, ACityDomainOutsideTheRuleIsRefusedWithTheRuleNamed) {
  const auto site = registry_->apply_for_site(cli(), nanjing_, fields("南京工会网", {"njgh.com"}));
  ASSERT_FALSE(site);
  EXPECT_EQ(site.error().code, "registry.domain_rule");
  EXPECT_NE(site.error().message.find("city union domains must end in .org or .org.cn"), std::string::npos);
  const std::int64_t county_site = apply(xuanwu_, "玄武工会网", {});
  EXPECT_EQ(registry_->add_domain(cli(), county_site, "xwgh.com").error().code, "registry.domain_rule");
  const std::int64_t unit = make_org(xuanwu_, "某公司工会", OrgKind::grassroots);
  const std::int64_t unit_site = apply(unit, "某公司工会网", {});
  EXPECT_TRUE(registry_->add_domain(cli(), unit_site, "union.example.com")) << "grassroots is unrestricted";
}

TEST_F(RegistryTest, ADomainBelongsToOneCurrentSite) {
  const std::int64_t a = apply(nanjing_, "南京工会网", {"njgh.org"});
  const std::int64_t b = apply(nanjing_, "南京职工网", {});
  const auto taken = registry_->add_domain(as(nanjing_site_admin_), b, "NJGH.org");
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, "registry.domain_taken");
  EXPECT_NE(taken.error().message.find("site:" + std::to_string(a)), std::string::npos);
  EXPECT_EQ(registry_->apply_for_site(cli(), suzhou_, fields("x", {"njgh.org"})).error().code,
            "registry.domain_taken");
  ASSERT_TRUE(registry_->remove_domain(as(nanjing_site_admin_), a, "njgh.org"));
  EXPECT_TRUE(registry_->add_domain(as(nanjing_site_admin_), b, "njgh.org"));
  EXPECT_TRUE(registry_->get_site(nanjing_site_admin_, a)->fields.domains.empty());
  auto rows = db_->query_one("SELECT COUNT(*) FROM site_domains WHERE domain = 'njgh.org'");
  EXPECT_EQ((*rows)->integer(0), 2) << "the removed domain row is kept";
  EXPECT_EQ(registry_->remove_domain(cli(), a, "njgh.org").error().code, "registry.not_found");
}

// ---- cross-tenant access -----------------------------------------------------------------------

TEST_F(RegistryTest, AnotherCitysAdministratorIsDeniedAndTheAttemptAudited) {
  const std::int64_t site = apply(nanjing_, "南京工会网", {"njgh.org"});
  audit_.events.clear();
  const auto added = registry_->add_domain(as(suzhou_site_admin_), site, "evil.org");
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code, "identity.forbidden");
  ASSERT_EQ(audit_.events.size(), 1u);
  EXPECT_EQ(audit_.last().action, "site.domain_add");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
  EXPECT_EQ(audit_.last().actor, "suzhou_site_admin");
  EXPECT_EQ(audit_.last().site_id, site);
  EXPECT_EQ(registry_->record_icp_filing(as(suzhou_site_admin_), site, "苏ICP备12345678号-1", std::nullopt)
                .error()
                .code,
            "identity.forbidden");
  EXPECT_EQ(registry_->filings_of_subtree(suzhou_site_admin_, nanjing_).error().code, "identity.forbidden");
  EXPECT_EQ(audit_.last().action, "icp.read");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
  EXPECT_EQ(registry_->rename_organisation(as(suzhou_site_admin_), nanjing_, "x").error().code,
            "identity.forbidden");
  EXPECT_EQ(registry_->get_site(nanjing_site_admin_, site)->fields.domains,
            std::vector<std::string>{"njgh.org"});
}

// ---- ICP filings (N2.2) ------------------------------------------------------------------------

TEST_F(RegistryTest, ANewFilingSupersedesTheCurrentOne) {
  const std::int64_t site = apply(nanjing_, "南京工会网", {});
  ASSERT_TRUE(
      registry_->record_icp_filing(as(nanjing_site_admin_), site, "苏ICP备12345678号-1", std::nullopt));
  clock_.advance(std::chrono::hours{24});
  const auto second =
      registry_->record_icp_filing(as(nanjing_site_admin_), site, "苏ICP备12345678号-2", clock_.now());
  ASSERT_TRUE(second);
  const auto current = registry_->filings_of_subtree(province_admin_, root_).value();
  ASSERT_EQ(current.size(), 1u);
  EXPECT_EQ(current[0].number, "苏ICP备12345678号-2");
  EXPECT_EQ(current[0].reported_to_parent_at, clock_.now());
  auto rows = db_->query_one("SELECT COUNT(*) FROM icp_filings WHERE superseded_at IS NOT NULL");
  EXPECT_EQ((*rows)->integer(0), 1);
}

TEST_F(RegistryTest, AMalformedFilingNumberIsRefusedAndAudited) {
  const std::int64_t site = apply(nanjing_, "南京工会网", {});
  const auto bad = registry_->record_icp_filing(cli(), site, "港ICP备12345678号", std::nullopt);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "registry.invalid_icp");
  EXPECT_EQ(audit_.last().action, "icp.record");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::failure);
}

TEST_F(RegistryTest, TheParentSeesItsSubtreesFilingsAndWhatIsMissing) {
  const std::int64_t city_site = apply(nanjing_, "南京工会网", {});
  const std::int64_t county_site = apply(xuanwu_, "玄武工会网", {});
  const std::int64_t other_site = apply(suzhou_, "苏州工会网", {});
  ASSERT_TRUE(registry_->record_icp_filing(cli(), county_site, "苏ICP备11111111号-1", std::nullopt));
  ASSERT_TRUE(registry_->record_icp_filing(cli(), other_site, "苏ICP备22222222号", std::nullopt));

  const auto filings = registry_->filings_of_subtree(nanjing_admin_, nanjing_).value();
  ASSERT_EQ(filings.size(), 1u);
  EXPECT_EQ(filings[0].site_id, county_site);
  EXPECT_FALSE(filings[0].reported_to_parent_at) << "not yet reported to the parent";
  const auto missing = registry_->missing_filings(nanjing_admin_, nanjing_).value();
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].id, city_site);
  EXPECT_EQ(registry_->filings_of_subtree(province_admin_, root_)->size(), 2u);
  EXPECT_EQ(registry_->missing_filings(nanjing_admin_, xuanwu_)->size(), 0u);
}

TEST_F(RegistryTest, ReportingAFilingRecordsItsFirstDate) {
  const std::int64_t site = apply(xuanwu_, "玄武工会网", {});
  EXPECT_EQ(registry_->report_icp_filing(cli(), site, clock_.now()).error().code, "registry.no_filing");
  ASSERT_TRUE(registry_->record_icp_filing(cli(), site, "苏ICP备11111111号-1", std::nullopt));
  const TimePoint first = clock_.now();
  ASSERT_TRUE(registry_->report_icp_filing(as(nanjing_site_admin_), site, first));
  ASSERT_TRUE(registry_->report_icp_filing(cli(), site, first + std::chrono::hours{1}));
  EXPECT_EQ(registry_->filings_of_subtree(nanjing_admin_, xuanwu_)->at(0).reported_to_parent_at, first);
  EXPECT_EQ(audit_.last().action, "icp.report");
}

// ---- opening review (N2.3, N4.1) ---------------------------------------------------------------

TEST_F(RegistryTest, ApplicationApprovalAssessmentThenLive) {
  const Principal county_admin = with_role(5, "xuanwu_admin", Role::system_admin, Scope::org(xuanwu_));
  const std::int64_t site = apply(xuanwu_, "玄武工会网", {"xwgh.org.cn"}, as(county_admin));
  ASSERT_TRUE(registry_->approve_opening(as(nanjing_admin_), site, true, "材料齐全，同意开办"));
  EXPECT_EQ(state_of(site), SiteState::approved);
  ASSERT_TRUE(registry_->record_security_assessment(as(nanjing_site_admin_), site, true, "江苏省某测评中心",
                                                    "未发现高危漏洞"));
  ASSERT_TRUE(registry_->go_live(as(nanjing_site_admin_), site));
  EXPECT_EQ(state_of(site), SiteState::live);
  EXPECT_EQ(audit_.last().action, "site.go_live");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::success);
  const auto reviews = registry_->opening_reviews(nanjing_site_admin_, site).value();
  ASSERT_EQ(reviews.size(), 2u);
  EXPECT_EQ(reviews[0].kind, ReviewKind::approval);
  EXPECT_EQ(reviews[0].reviewer_org_id, nanjing_);
  EXPECT_EQ(reviews[1].assessor, "江苏省某测评中心");
  auto history =
      db_->query("SELECT from_state, to_state FROM site_state_history WHERE site_id = ? ORDER BY id", {site});
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[2].text(0), "approved");
  EXPECT_EQ((*history)[2].text(1), "live");
}

TEST_F(RegistryTest, GoLiveWithoutApprovalIsRefusedNamingIt) {
  const std::int64_t site = apply(xuanwu_, "玄武工会网", {});
  ASSERT_TRUE(registry_->record_security_assessment(cli(), site, true, "测评中心", "通过"));
  const auto live = registry_->go_live(cli(), site);
  ASSERT_FALSE(live);
  EXPECT_EQ(live.error().code, "registry.approval_missing");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::failure);
  EXPECT_EQ(state_of(site), SiteState::application);
}

TEST_F(RegistryTest, GoLiveWithoutAPassedAssessmentIsRefusedNamingIt) {
  const std::int64_t site = apply(xuanwu_, "玄武工会网", {});
  ASSERT_TRUE(registry_->approve_opening(cli(), site, true, "同意"));
  const auto none = registry_->go_live(cli(), site);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, "registry.assessment_missing");
  EXPECT_NE(none.error().message.find("no security assessment"), std::string::npos);
  ASSERT_TRUE(registry_->record_security_assessment(cli(), site, false, "测评中心", "存在高危漏洞"));
  const auto failed = registry_->go_live(cli(), site);
  EXPECT_EQ(failed.error().code, "registry.assessment_missing");
  EXPECT_NE(failed.error().message.find("failed"), std::string::npos);
  EXPECT_EQ(state_of(site), SiteState::approved);
}

TEST_F(RegistryTest, GoLiveWithNeitherNamesBoth) {
  const std::int64_t site = apply(xuanwu_, "玄武工会网", {});
  const auto live = registry_->go_live(cli(), site);
  ASSERT_FALSE(live);
  EXPECT_EQ(live.error().code, "registry.approval_missing");
  EXPECT_NE(live.error().message.find("security assessment"), std::string::npos);
}

TEST_F(RegistryTest, ARejectionIsKeptAndTheSiteStaysAnApplication) {
  const std::int64_t site = apply(xuanwu_, "玄武工会网", {});
  ASSERT_TRUE(registry_->approve_opening(as(nanjing_admin_), site, false, "缺少保密审查制度"));
  EXPECT_EQ(state_of(site), SiteState::application);
  ASSERT_TRUE(registry_->approve_opening(as(nanjing_admin_), site, true, "补齐后同意"));
  EXPECT_EQ(registry_->opening_reviews(cli().principal, site)->size(), 2u);
  EXPECT_EQ(registry_->approve_opening(as(nanjing_admin_), site, true, "again").error().code,
            "registry.bad_state");
}

TEST_F(RegistryTest, OnlyTheParentUnionApproves) {
  const std::int64_t site = apply(nanjing_, "南京工会网", {});
  const auto own = registry_->approve_opening(as(nanjing_admin_), site, true, "自己批自己");
  ASSERT_FALSE(own);
  EXPECT_EQ(own.error().code, "identity.forbidden") << "the city's own administrator is not its parent";
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
  EXPECT_EQ(audit_.last().action, "site.approve_opening");
  EXPECT_EQ(registry_->approve_opening(as(nanjing_site_admin_), site, true, "x").error().code,
            "identity.forbidden");
  EXPECT_TRUE(registry_->approve_opening(as(province_admin_), site, true, "同意"));
}

TEST_F(RegistryTest, TheApplicantCannotApproveTheirOwnApplication) {
  const std::int64_t site = apply(xuanwu_, "玄武工会网", {}, as(nanjing_admin_));
  const auto own = registry_->approve_opening(as(nanjing_admin_), site, true, "同意");
  ASSERT_FALSE(own);
  EXPECT_EQ(own.error().code, "registry.separation_of_duties");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
  EXPECT_TRUE(registry_->approve_opening(as(province_admin_), site, true, "同意"));
}

TEST_F(RegistryTest, AssessmentNeedsSiteConfigureAndANamedAssessor) {
  const std::int64_t site = apply(xuanwu_, "玄武工会网", {});
  EXPECT_EQ(registry_->record_security_assessment(as(suzhou_site_admin_), site, true, "x", "y").error().code,
            "identity.forbidden");
  EXPECT_EQ(registry_->record_security_assessment(cli(), site, true, "", "y").error().code,
            "registry.invalid_assessor");
}

TEST_F(RegistryTest, ALiveSiteNeedsNoSecondLaunch) {
  const std::int64_t site = apply(xuanwu_, "玄武工会网", {});
  ASSERT_TRUE(registry_->approve_opening(cli(), site, true, "同意"));
  ASSERT_TRUE(registry_->record_security_assessment(cli(), site, true, "测评中心", "通过"));
  ASSERT_TRUE(registry_->go_live(cli(), site));
  EXPECT_EQ(registry_->go_live(cli(), site).error().code, "registry.bad_state");
  EXPECT_EQ(registry_->record_security_assessment(cli(), site, true, "测评中心", "通过").error().code,
            "registry.bad_state");
}

TEST_F(RegistryTest, EveryMutatingCallAppendsExactlyOneEvent) {
  const std::int64_t site = apply(xuanwu_, "玄武工会网", {"xwgh.org"});
  EXPECT_EQ(audit_.events.size(), 1u);
  (void)registry_->add_domain(cli(), site, "bad..org");
  EXPECT_EQ(audit_.events.size(), 2u);
  (void)registry_->add_domain(as(suzhou_site_admin_), site, "x.org");
  EXPECT_EQ(audit_.events.size(), 3u);
  (void)registry_->get_site(nanjing_site_admin_, site);
  EXPECT_EQ(audit_.events.size(), 3u) << "a permitted read is not audited";
}

}  // namespace
}  // namespace sw::registry
