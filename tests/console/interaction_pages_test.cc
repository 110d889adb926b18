// The interaction moderation queue (/interaction, N4.3/N4.5) and the ranking of submissions upward
// (/upward, /upward/export; 信息报送) in the console, end to end over a real socket: a site's reviewer
// approves or rejects what the public sent, another tenant's reviewer is refused, what the public typed
// is escaped; the ranking for an organisation's leader, its CSV export, and a refusal for site people.
// Replies (N4.3): written by an editor, approved or rejected by another person (the writer is refused),
// then shown with the question; the reply deadlines (15 days 提醒, 30 days 督办, 90 days 检查不合格)
// on /interaction, /interaction/deadlines and the API; another site's people see and change nothing.
#include "content/interaction.h"
#include "content_console_fixture.h"

namespace sw::console::testing {
namespace {

class InteractionPagesTest : public ContentConsoleTest {
 protected:
  void SetUp() override {
    ContentConsoleTest::SetUp();
    if (HasFatalFailure()) return;
    // The same console, with the interaction service as well.
    server_->stop();
    server_->wait();
    server_.reset();
    interaction_ = content::InteractionService::open(*db_, *audit_, *scanner_, clock_);
    console_ = std::make_unique<Console>(
        *identity_, *audit_, Console::Services{registry_.get(), content_.get(), interaction_.get()},
        ConsoleOptions{Language::zh_cn, true, false, trusted_});
    http::Router router;
    console_->install(router);
    http::ServerOptions options;
    options.listeners.push_back(listener());
    server_ = std::make_unique<http::Server>(options, std::move(router));
    server_->add_filter(console_->security_headers_filter());
    auto started = server_->start();
    ASSERT_TRUE(started) << started.error().to_string();
    port_ = server_->port(0);
    for (std::int64_t site : {nj_site_, sz_site_}) {
      ASSERT_TRUE(
          db_->exec("INSERT INTO site_feature_changes (site_id, feature, change, actor, at) "
                    "VALUES (?, 'interaction', 'enabled', 'cli:test', '2026-01-01T00:00:00Z')",
                    {site}));
    }
  }

  void TearDown() override {
    if (server_) {
      server_->stop();
      server_->wait();
    }
    server_.reset();
    console_.reset();
    interaction_.reset();
    ContentConsoleTest::TearDown();
  }

  std::int64_t public_message(const std::string& text) {
    content::PublicSubmission s;
    s.kind = content::InteractionKind::complaint;
    s.name = "王女士";
    s.text = text;
    auto id = interaction_->submit(nj_site_, s, "198.51.100.7");
    EXPECT_TRUE(id) << id.error().to_string();
    return id ? *id : 0;
  }

  std::size_t shown() {
    return interaction_->published(nj_site_, content::InteractionKind::complaint).value().size();
  }

  // A question of `site` sent `days_ago` days before the test clock's now, from its own client IP
  // (the per-IP limit is 5 an hour), approved by the site's reviewer when `approve`.
  std::int64_t question(std::int64_t site, const std::string& text, int days_ago, bool approve) {
    const TimePoint now = clock_.now();
    clock_.set(now - std::chrono::days(days_ago));
    content::PublicSubmission sub;
    sub.kind = content::InteractionKind::message;
    sub.name = "刘先生";
    sub.text = text;
    auto id = interaction_->submit(site, sub, "203.0.113." + std::to_string(++ip_));
    EXPECT_TRUE(id) << id.error().to_string();
    if (id && approve) {
      auto done =
          interaction_->moderate(actor_of(site == nj_site_ ? "nj-content" : "sz-content"), *id, true, "");
      EXPECT_TRUE(done) << done.error().to_string();
    }
    clock_.set(now);
    return id ? *id : 0;
  }

  std::vector<content::Reply> replies_of(std::int64_t item) {
    auto r = interaction_->replies(identity::Principal::system("test"), item);
    EXPECT_TRUE(r) << r.error().to_string();
    return r ? *r : std::vector<content::Reply>{};
  }

  // A user holding the editor and the content reviewer roles on the Nanjing site.
  void add_editor_reviewer(const std::string& username) {
    add_user(username, "何兼职", city_org_, identity::Role::editor, nj_site_);
    auto u = identity_->find_user(identity::Principal::system("test"), username);
    ASSERT_TRUE(u);
    ASSERT_TRUE(identity_->grant_role(system_, u->id, identity::Role::content_reviewer,
                                      identity::Scope::site(nj_site_)));
  }

  // The part of `body` from the section with `id` to the next section (or the end).
  static std::string section(const std::string& body, const std::string& id) {
    const auto start = body.find("id=\"" + id + "\"");
    if (start == std::string::npos) return {};
    const auto end = body.find("<section", start);
    return body.substr(start, end == std::string::npos ? std::string::npos : end - start);
  }

  // As the console shows times: Beijing time, "YYYY-MM-DD HH:MM:SS".
  static std::string beijing(TimePoint t) {
    const std::string s = format_rfc3339(t + std::chrono::hours(8));
    return s.substr(0, 10) + " " + s.substr(11, 8);
  }

  int ip_ = 0;

  std::unique_ptr<content::InteractionService> interaction_;
};

TEST_F(InteractionPagesTest, TheSitesReviewerApprovesWhatThePublicSentAndItIsEscaped) {
  const std::int64_t id = public_message("<script>alert(1)</script>单位拖欠工资");
  Browser b = user("nj-content");
  Page p = b.get("/interaction?site=" + std::to_string(nj_site_));
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_NE(p.body.find("互动留言审核"), std::string::npos);
  EXPECT_NE(p.body.find("投诉"), std::string::npos);
  EXPECT_NE(p.body.find("&lt;script&gt;"), std::string::npos);
  EXPECT_EQ(p.body.find("<script>alert"), std::string::npos);
  p = b.post("/interaction/" + std::to_string(id) + "/approve", {{"site", std::to_string(nj_site_)}});
  ASSERT_EQ(p.status, 303) << p.body;
  EXPECT_EQ(p.location(), "/interaction?msg=msg_ia_approved&site=" + std::to_string(nj_site_));
  EXPECT_EQ(shown(), 1u);
  EXPECT_EQ(events("interaction.moderate").size(), 1u);
}

TEST_F(InteractionPagesTest, ARejectionNeedsAReasonAndAFormWithoutCsrfIsRefused) {
  const std::int64_t id = public_message("请尽快处理");
  Browser b = user("nj-content");
  b.get("/interaction");
  Page p = b.post("/interaction/" + std::to_string(id) + "/reject", {{"reason", ""}});
  EXPECT_EQ(p.status, 400);
  p = b.post("/interaction/" + std::to_string(id) + "/approve", {{"csrf", "wrong"}});
  EXPECT_EQ(p.status, 403);
  EXPECT_EQ(shown(), 0u);
  p = b.post("/interaction/" + std::to_string(id) + "/reject", {{"reason", "重复提交"}});
  EXPECT_EQ(p.status, 303);
  EXPECT_EQ(shown(), 0u);
}

TEST_F(InteractionPagesTest, AnotherTenantsReviewerIsRefusedAndAudited) {
  const std::int64_t id = public_message("请尽快处理");
  Browser b = user("sz-content");
  EXPECT_EQ(b.get("/interaction?site=" + std::to_string(nj_site_)).status, 403);
  b.get("/interaction");
  EXPECT_EQ(b.post("/interaction/" + std::to_string(id) + "/approve", {}).status, 403);
  EXPECT_EQ(shown(), 0u);
  EXPECT_GE(denied("interaction.moderate", "sz-content"), 1u);
  // An editor of the site sees the questions to reply to but is no moderator.
  Browser e = user("nj-editor");
  Page p = e.get("/interaction");
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.body.find("/interaction/" + std::to_string(id) + "/approve"), std::string::npos);
  EXPECT_EQ(e.post("/interaction/" + std::to_string(id) + "/approve", {}).status, 403);
  EXPECT_EQ(shown(), 0u);
}

TEST_F(InteractionPagesTest, TheRankingIsShownToTheOrganisationsLeaderAndExportedAsCsv) {
  // 江苏工会网 of the province; Nanjing's editor sends an approved item up to it.
  const std::int64_t province_site = make_site(root_org_, "江苏工会网", "jsgh.org.cn");
  const std::int64_t province_column = make_column(province_site, "基层动态");
  const std::int64_t item = write_article("nj-editor", nj_column_, "南京市总工会开展职工技能竞赛");
  ASSERT_TRUE(content_->submit(actor_of("nj-editor"), item));
  ASSERT_TRUE(content_->approve(actor_of("nj-content"), item, content::Stage::content, {}));
  ASSERT_TRUE(content_->approve(actor_of("nj-secrecy"), item, content::Stage::secrecy, {}));
  ASSERT_TRUE(content_->submit_upward(actor_of("nj-editor"), item, province_column));

  identity::NewUser nu{
      "leader", "陈主任", root_org_, "13912345698", "leader@jsgh.org.cn", std::string(kInitial)};
  auto leader = identity_->create_user(system_, nu);
  ASSERT_TRUE(leader) << leader.error().to_string();
  ASSERT_TRUE(identity_->grant_role(system_, leader->id, identity::Role::content_reviewer,
                                    identity::Scope::org(root_org_)));
  Browser b = user("leader");
  const std::string org = std::to_string(root_org_);
  Page p = b.get("/upward?org=" + org);
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_NE(p.body.find("信息报送排名"), std::string::npos);
  EXPECT_NE(p.body.find("南京市总工会"), std::string::npos);
  EXPECT_NE(p.body.find("0.0%"), std::string::npos);  // submitted, not adopted yet
  p = b.get("/upward/export?org=" + org);
  ASSERT_EQ(p.status, 200);
  EXPECT_EQ(p.headers.get("Content-Type").value_or(""), "text/csv; charset=utf-8");
  EXPECT_TRUE(p.body.starts_with("\xEF\xBB\xBF排名,单位,报送数,采用数,采用率\r\n")) << p.body;
  EXPECT_NE(p.body.find(",南京市总工会,1,0,0.0%\r\n"), std::string::npos) << p.body;
  EXPECT_EQ(events("console.upward_export").size(), 1u);
  EXPECT_EQ(b.get("/upward?org=" + org + "&from=abc").status, 400);

  Browser e = user("nj-editor");  // site people have no organisation-wide view
  EXPECT_EQ(e.get("/upward?org=" + std::to_string(city_org_)).status, 403);
}

TEST_F(InteractionPagesTest, AReplyIsWrittenByAnEditorAndPublishedOnlyAfterAnotherPersonApprovesIt) {
  const std::int64_t q = question(nj_site_, "请问<b>职工疗休养</b>如何报名？", 2, true);
  const std::string qs = std::to_string(q), site = std::to_string(nj_site_);
  // The editor sees the question with a reply form and writes the reply.
  Browser e = user("nj-editor");
  Page p = e.get("/interaction?site=" + site);
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_NE(p.body.find("请问&lt;b&gt;职工疗休养&lt;/b&gt;如何报名？"), std::string::npos) << p.body;
  EXPECT_NE(p.body.find("action=\"/interaction/" + qs + "/reply\""), std::string::npos);
  EXPECT_EQ(p.body.find("id=\"ia-queue\""), std::string::npos);  // no moderation queue for an editor
  p = e.post("/interaction/" + qs + "/reply", {{"text", ""}, {"site", site}});
  EXPECT_EQ(p.status, 400) << p.body;  // the reply's text is required
  p = e.post("/interaction/" + qs + "/reply",
             {{"text", "请登录工会网站<script>x()</script>“疗休养”栏目报名。"}, {"site", site}});
  ASSERT_EQ(p.status, 303) << p.body;
  EXPECT_EQ(p.location(), "/interaction?msg=msg_ia_reply_written&site=" + site);
  auto replies = replies_of(q);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].status, "pending");
  const std::string rs = std::to_string(replies[0].id);
  EXPECT_EQ(events("interaction.reply").size(), 2u);  // the empty reply refused (failure), this one written
  // Not yet public; a second pending reply is refused; the editor cannot approve it.
  EXPECT_FALSE(interaction_->published(nj_site_, content::InteractionKind::message).value().at(0).reply);
  p = e.get("/interaction?site=" + site);
  EXPECT_NE(p.body.find("回复待审核"), std::string::npos);
  EXPECT_EQ(p.body.find("action=\"/interaction/" + qs + "/reply\""), std::string::npos);
  EXPECT_EQ(p.body.find("<script>x()"), std::string::npos);
  EXPECT_EQ(e.post("/interaction/" + qs + "/reply", {{"text", "再答一次"}, {"site", site}}).status, 409);
  EXPECT_EQ(e.post("/interaction/reply/" + rs + "/approve", {{"site", site}}).status, 403);

  // The reviewer rejects it (a reason is required), the editor writes again, the reviewer approves.
  Browser r = user("nj-content");
  p = r.get("/interaction?site=" + site);
  EXPECT_NE(p.body.find("action=\"/interaction/reply/" + rs + "/approve\""), std::string::npos);
  EXPECT_EQ(r.post("/interaction/reply/" + rs + "/reject", {{"reason", ""}, {"site", site}}).status, 400);
  p = r.post("/interaction/reply/" + rs + "/reject", {{"reason", "请补充报名截止时间"}, {"site", site}});
  ASSERT_EQ(p.status, 303) << p.body;
  EXPECT_EQ(p.location(), "/interaction?msg=msg_ia_reply_rejected&site=" + site);
  EXPECT_EQ(r.post("/interaction/reply/" + rs + "/approve", {{"site", site}}).status,
            409);  // decided already
  p = e.get("/interaction?site=" + site);
  EXPECT_NE(p.body.find("请补充报名截止时间"), std::string::npos);
  e.post("/interaction/" + qs + "/reply", {{"text", "请于6月30日前在工会网站报名。"}, {"site", site}});
  replies = replies_of(q);
  ASSERT_EQ(replies.size(), 2u);
  r.get("/interaction?site=" + site);
  p = r.post("/interaction/reply/" + std::to_string(replies[1].id) + "/approve", {{"site", site}});
  ASSERT_EQ(p.status, 303) << p.body;
  EXPECT_EQ(p.location(), "/interaction?msg=msg_ia_reply_approved&site=" + site);
  auto shown_items = interaction_->published(nj_site_, content::InteractionKind::message).value();
  ASSERT_EQ(shown_items.size(), 1u);
  ASSERT_TRUE(shown_items[0].reply);
  EXPECT_EQ(shown_items[0].reply->body, "请于6月30日前在工会网站报名。");
  // The published question and reply are shown together; no form remains for it.
  p = r.get("/interaction?site=" + site);
  const std::string answered = p.body.substr(p.body.find("id=\"ia-answered\""));
  EXPECT_NE(answered.find("请问&lt;b&gt;职工疗休养&lt;/b&gt;如何报名？"), std::string::npos);
  EXPECT_NE(answered.find("请于6月30日前在工会网站报名。"), std::string::npos);
  EXPECT_NE(answered.find("已公开回复"), std::string::npos);
  EXPECT_EQ(p.body.find("action=\"/interaction/" + qs + "/reply\""), std::string::npos);
  EXPECT_GE(events("interaction.reply_review").size(), 3u);  // rejected, refused (decided), approved
}

TEST_F(InteractionPagesTest, TheWriterOfAReplyCannotApproveIt) {
  add_editor_reviewer("nj-both");
  const std::int64_t q = question(nj_site_, "会员卡丢失怎么补办？", 1, true);
  const std::string site = std::to_string(nj_site_);
  Browser b = user("nj-both");
  ASSERT_EQ(b.post("/interaction/" + std::to_string(q) + "/reply",
                   {{"text", "请到所在单位工会补办。"}, {"site", site}})
                .status,
            303);
  const auto replies = replies_of(q);
  ASSERT_EQ(replies.size(), 1u);
  const std::string rs = std::to_string(replies[0].id);
  // The page says why there is no approve button for the writer.
  Page p = b.get("/interaction?site=" + site);
  EXPECT_NE(p.body.find("这条回复由您撰写，须由另一位审核人员审核"), std::string::npos) << p.body;
  EXPECT_EQ(p.body.find("action=\"/interaction/reply/" + rs + "/approve\""), std::string::npos);
  // Posting anyway is refused as a separation-of-duties violation, audited, and changes nothing.
  p = b.post("/interaction/reply/" + rs + "/approve", {{"site", site}});
  EXPECT_EQ(p.status, 403) << p.body;
  EXPECT_NE(p.body.find("您撰写了这条回复，不能由您审核"), std::string::npos) << p.body;
  EXPECT_EQ(replies_of(q)[0].status, "pending");
  EXPECT_GE(denied("interaction.reply_review", "nj-both"), 1u);
  // Another reviewer may.
  Browser r = user("nj-content");
  EXPECT_EQ(r.post("/interaction/reply/" + rs + "/approve", {{"site", site}}).status, 303);
  EXPECT_EQ(replies_of(q)[0].status, "approved");
}

TEST_F(InteractionPagesTest, AnotherSitesPeopleCannotSeeOrActOnThisSitesMessages) {
  const std::int64_t q = question(nj_site_, "南京的咨询：工会经费如何使用？", 3, true);
  const std::int64_t pending = question(nj_site_, "南京的留言：待审核", 1, false);
  ASSERT_TRUE(interaction_->write_reply(actor_of("nj-editor"), q, "按规定使用。"));
  const std::string reply = std::to_string(replies_of(q).at(0).id);
  const std::string site = std::to_string(nj_site_);

  Browser e = user("sz-editor");
  EXPECT_EQ(e.get("/interaction?site=" + site).status, 403);
  Page p = e.get("/interaction");  // their own site's page
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.body.find("南京的咨询"), std::string::npos);
  EXPECT_EQ(
      e.post("/interaction/" + std::to_string(q) + "/reply", {{"text", "越权回复"}, {"site", site}}).status,
      403);
  EXPECT_EQ(replies_of(q).size(), 1u);
  EXPECT_GE(denied("interaction.reply", "sz-editor"), 1u);

  Browser r = user("sz-content");
  p = r.get("/interaction");
  ASSERT_EQ(p.status, 200);
  EXPECT_EQ(p.body.find("南京的留言"), std::string::npos);
  EXPECT_EQ(r.post("/interaction/reply/" + reply + "/approve", {{"site", site}}).status, 403);
  EXPECT_EQ(r.post("/interaction/" + std::to_string(pending) + "/approve", {{"site", site}}).status, 403);
  EXPECT_EQ(replies_of(q).at(0).status, "pending");
  EXPECT_EQ(interaction_->published(nj_site_, content::InteractionKind::message).value().size(), 1u);
  EXPECT_GE(denied("interaction.reply_review", "sz-content"), 1u);
  // The API refuses the queue and the report of the other tenant as well.
  EXPECT_EQ(call(r, "GET", "/api/v1/sites/" + site + "/interaction").status, 403);
  EXPECT_EQ(call(r, "GET", "/api/v1/orgs/" + std::to_string(city_org_) + "/interaction-deadlines").status,
            403);
  EXPECT_EQ(r.get("/interaction/deadlines?org=" + std::to_string(city_org_)).status, 403);
  // Unknown ids are not found, whoever asks.
  EXPECT_EQ(r.post("/interaction/reply/999999/approve", {}).status, 404);
}

TEST_F(InteractionPagesTest, AReplyFormWithoutCsrfIsRefusedAndNothingIsWritten) {
  const std::int64_t q = question(nj_site_, "CSRF 测试", 1, true);
  Browser e = user("nj-editor");
  Page p = e.post("/interaction/" + std::to_string(q) + "/reply", {{"text", "伪造的回复"}}, false);
  EXPECT_EQ(p.status, 403);
  p = e.post("/interaction/" + std::to_string(q) + "/reply", {{"text", "伪造的回复"}, {"csrf", "forged"}});
  EXPECT_EQ(p.status, 403);
  EXPECT_TRUE(replies_of(q).empty());
  ASSERT_TRUE(interaction_->write_reply(actor_of("nj-editor"), q, "答复"));
  Browser r = user("nj-content");
  p = r.post("/interaction/reply/" + std::to_string(replies_of(q).at(0).id) + "/approve", {}, false);
  EXPECT_EQ(p.status, 403);
  EXPECT_EQ(replies_of(q).at(0).status, "pending");
}

TEST_F(InteractionPagesTest, TheDeadlineReportListsEachQuestionUnderItsLevelPerSite) {
  const std::int64_t d91 = question(nj_site_, "九十一天无人回复的留言", 91, true);
  const std::int64_t d31 = question(nj_site_, "三十一天未审核的留言", 31, false);
  const std::int64_t d16 = question(nj_site_, "十六天回复待审核的留言", 16, true);
  ASSERT_TRUE(interaction_->write_reply(actor_of("nj-editor"), d16, "回复草稿"));  // pending: still counts
  const std::int64_t answered = question(nj_site_, "四十天已答复的留言", 40, true);
  ASSERT_TRUE(interaction_->write_reply(actor_of("nj-editor"), answered, "已答复"));
  ASSERT_TRUE(interaction_->review_reply(actor_of("nj-content"), replies_of(answered).at(0).id, true, ""));
  question(nj_site_, "三天前的留言", 3, true);
  const std::int64_t rejected = question(nj_site_, "九十五天被驳回的留言", 95, false);
  ASSERT_TRUE(interaction_->moderate(actor_of("nj-content"), rejected, false, "广告"));
  question(sz_site_, "苏州九十二天的留言", 92, true);

  // Nanjing's leader (content reviewer of 南京市总工会) reads the report of the city's subtree.
  identity::NewUser nu{"nj-leader",          "孙主席", city_org_, "13912345697", "leader@njgh.org.cn",
                       std::string(kInitial)};
  auto leader = identity_->create_user(system_, nu);
  ASSERT_TRUE(leader) << leader.error().to_string();
  ASSERT_TRUE(identity_->grant_role(system_, leader->id, identity::Role::content_reviewer,
                                    identity::Scope::org(city_org_)));
  Browser b = user("nj-leader");
  const std::string org = std::to_string(city_org_);
  Page p = b.get("/interaction/deadlines?org=" + org);
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_NE(p.body.find("留言回复时限"), std::string::npos);
  const std::string failure = section(p.body, "ia-level-inspection_failure");
  const std::string escalation = section(p.body, "ia-level-escalation");
  const std::string warning = section(p.body, "ia-level-warning");
  ASSERT_FALSE(failure.empty());
  ASSERT_FALSE(escalation.empty());
  ASSERT_FALSE(warning.empty());
  EXPECT_NE(failure.find("检查不合格"), std::string::npos);
  EXPECT_NE(failure.find("九十一天无人回复的留言"), std::string::npos);
  EXPECT_NE(failure.find("<td>91</td>"), std::string::npos);
  EXPECT_NE(failure.find(beijing(clock_.now() - std::chrono::days(91))), std::string::npos) << failure;
  EXPECT_NE(failure.find("南京工会网"), std::string::npos);
  EXPECT_NE(failure.find("待回复"), std::string::npos);
  EXPECT_NE(escalation.find("督办"), std::string::npos);
  EXPECT_NE(escalation.find("三十一天未审核的留言"), std::string::npos);
  EXPECT_NE(escalation.find("<td>31</td>"), std::string::npos);
  EXPECT_NE(escalation.find("待审核"), std::string::npos);
  EXPECT_NE(warning.find("提醒"), std::string::npos);
  EXPECT_NE(warning.find("十六天回复待审核的留言"), std::string::npos);
  EXPECT_NE(warning.find("<td>16</td>"), std::string::npos);
  for (const std::string& part : {failure, escalation, warning}) {
    EXPECT_EQ(part.find("四十天已答复"), std::string::npos);  // answered
    EXPECT_EQ(part.find("三天前"), std::string::npos);        // within the limit
    EXPECT_EQ(part.find("被驳回"), std::string::npos);        // rejected: nothing to answer
    EXPECT_EQ(part.find("苏州"), std::string::npos);          // another subtree
  }
  EXPECT_EQ(failure.find("三十一天"), std::string::npos);
  EXPECT_EQ(escalation.find("九十一天"), std::string::npos);
  EXPECT_EQ(warning.find("三十一天"), std::string::npos);
  EXPECT_EQ(b.get("/interaction/deadlines?org=abc").status, 400);

  // The JSON report.
  p = call(b, "GET", "/api/v1/orgs/" + org + "/interaction-deadlines");
  ASSERT_EQ(p.status, 200) << p.body;
  json report = body_of(p);
  EXPECT_EQ(report["counts"], (json{{"warning", 1}, {"escalation", 1}, {"inspection_failure", 1}}));
  ASSERT_EQ(report["items"].size(), 3u);
  EXPECT_EQ(report["items"][0]["id"], d91);
  EXPECT_EQ(report["items"][0]["level"], "inspection_failure");
  EXPECT_EQ(report["items"][0]["days"], 91);
  EXPECT_EQ(report["items"][1]["id"], d31);
  EXPECT_EQ(report["items"][1]["level"], "escalation");
  EXPECT_EQ(report["items"][2]["id"], d16);
  EXPECT_EQ(report["items"][2]["level"], "warning");
  EXPECT_EQ(report["thresholds_days"]["inspection_failure"], 90);

  // The site's reviewer sees the same counts in the box on /interaction, and the queue over the API.
  Browser r = user("nj-content");
  p = r.get("/interaction?site=" + std::to_string(nj_site_));
  ASSERT_EQ(p.status, 200);
  const auto box_start = p.body.find("id=\"ia-summary\"");
  ASSERT_NE(box_start, std::string::npos);
  const std::string box = p.body.substr(box_start, p.body.find("</div>", box_start) - box_start);
  EXPECT_NE(box.find("检查不合格 1"), std::string::npos) << box;
  EXPECT_NE(box.find("督办 1"), std::string::npos) << box;
  EXPECT_NE(box.find("提醒 1"), std::string::npos) << box;
  EXPECT_NE(box.find("有留言超过回复时限"), std::string::npos);
  p = call(r, "GET", "/api/v1/sites/" + std::to_string(nj_site_) + "/interaction");
  ASSERT_EQ(p.status, 200) << p.body;
  report = body_of(p);
  ASSERT_EQ(report["items"].size(), 1u);
  EXPECT_EQ(report["items"][0]["id"], d31);
  EXPECT_EQ(report["items"][0]["kind"], "message");
  EXPECT_FALSE(report["items"][0].contains("client_ip"));
  // Site people have no organisation-wide report.
  EXPECT_EQ(r.get("/interaction/deadlines?org=" + org).status, 403);
}

TEST_F(InteractionPagesTest, TheParentsDashboardCountsEachSitesQuestionsPastTheirDeadlines) {  // N4.3
  question(nj_site_, "九十一天无人回复", 91, true);
  question(nj_site_, "九十五天无人回复", 95, false);
  question(nj_site_, "三十一天无人回复", 31, true);
  question(nj_site_, "十六天无人回复", 16, true);
  question(nj_site_, "三天前的留言", 3, true);
  question(sz_site_, "苏州九十二天的留言", 92, true);
  identity::NewUser nu{"nj-leader", "孙主席", city_org_, "13912345697", "leader@njgh.org.cn", std::string(kInitial)};
  auto leader = identity_->create_user(system_, nu);
  ASSERT_TRUE(leader) << leader.error().to_string();
  ASSERT_TRUE(identity_->grant_role(system_, leader->id, identity::Role::content_reviewer,
                                    identity::Scope::org(city_org_)));
  Browser b = user("nj-leader");
  const std::string org = std::to_string(city_org_);
  Page p = b.get("/dashboard?org=" + org);
  ASSERT_EQ(p.status, 200) << p.body;
  const auto card = p.body.find("id=\"dashboard-deadlines\"");
  ASSERT_NE(card, std::string::npos) << p.body;
  EXPECT_NE(p.body.find("id=\"total-ia-warning\">1<"), std::string::npos);
  EXPECT_NE(p.body.find("id=\"total-ia-escalation\">1<"), std::string::npos);
  EXPECT_NE(p.body.find("id=\"total-ia-failure\">2<"), std::string::npos) << "Suzhou's is another subtree";
  EXPECT_NE(p.body.find("<td class=\"ia-failure\"><strong>2</strong></td>"), std::string::npos);
  EXPECT_NE(p.body.find("href=\"/interaction/deadlines?org=" + org + "\""), std::string::npos);
  // Someone who may read the dashboard but not the deadlines sees no box and causes no refused read.
  Browser op = user("nj-operator");
  p = op.get("/dashboard?org=" + org);
  if (p.status == 200) {
    EXPECT_EQ(p.body.find("id=\"dashboard-deadlines\""), std::string::npos);
  }
  EXPECT_EQ(denied("interaction.deadlines", "nj-operator"), 0u);
}

TEST_F(InteractionPagesTest, TheNavigationOffersMessagesAndUpwardToThoseWhoMayUseThem) {
  Browser r = user("nj-content");
  Page p = r.get("/");
  EXPECT_NE(p.body.find("href=\"/interaction\">留言审核</a>"), std::string::npos) << p.body;
  EXPECT_NE(p.body.find("href=\"/upward\">信息报送</a>"), std::string::npos);
  Browser e = user("nj-editor");
  p = e.get("/");
  EXPECT_NE(p.body.find("href=\"/interaction\""), std::string::npos);
  EXPECT_EQ(p.body.find("href=\"/upward\""), std::string::npos);
}

}  // namespace
}  // namespace sw::console::testing
