// The console of an article's life after review (issue 4): /articles/{id}/lifecycle — withdrawal
// (撤稿) requested and decided, correction (更正) through both reviews while the published version
// stays live, scheduling (定时发布/下线) typed in Beijing time, reporting upward (信息报送) to the
// province site — /sites/{id}/blogs (N4.4) and their /api/v1 routes, over a real socket: another
// site's editor is refused everywhere and nothing changes, a form without its CSRF token is refused,
// reasons are escaped.
#include <gtest/gtest.h>

#include "content_console_fixture.h"

namespace sw::console::testing {
namespace {

using content::State;

class LifecyclePagesTest : public ContentConsoleTest {
 protected:
  void SetUp() override {
    ContentConsoleTest::SetUp();
    if (HasFatalFailure()) return;
    js_site_ = make_site(root_org_, "江苏工会网", "jsgh.org.cn");
    js_column_ = make_column(js_site_, "基层来稿");
    add_user("js-content", "陈审核", root_org_, identity::Role::content_reviewer, js_site_);
    add_user("nj-admin", "王管理", city_org_, identity::Role::site_admin, nj_site_);
    add_user("sz-operator", "郑运维", sz_org_, identity::Role::operator_, sz_site_);
  }

  // An article of 南京工会网 through both reviews (and published by operations when `publish`).
  std::int64_t reviewed(const std::string& title, bool publish = true) {
    const auto id = write_article("nj-editor", nj_column_, title);
    EXPECT_TRUE(content_->submit(actor_of("nj-editor"), id));
    EXPECT_TRUE(content_->approve(actor_of("nj-content"), id, content::Stage::content, {}));
    EXPECT_TRUE(content_->approve(actor_of("nj-secrecy"), id, content::Stage::secrecy, {}));
    if (publish) {
      EXPECT_TRUE(content_->publish(actor_of("nj-operator"), id));
    }
    return id;
  }

  content::Article article(std::int64_t id) {
    auto a = content_->get_article(identity::Principal::system("test"), id);
    EXPECT_TRUE(a);
    return a ? *a : content::Article{};
  }

  std::string title_of(std::int64_t id, std::int64_t n) {
    auto v = content_->get_version(identity::Principal::system("test"), id, n);
    EXPECT_TRUE(v);
    return v ? v->fields.title : std::string{};
  }

  std::int64_t user_id(const std::string& username) {
    auto u = identity_->find_user(identity::Principal::system("test"), username);
    EXPECT_TRUE(u) << username;
    return u ? u->id : 0;
  }

  static std::string lifecycle(std::int64_t id) { return "/articles/" + std::to_string(id) + "/lifecycle"; }

  std::int64_t js_site_ = 0, js_column_ = 0;
};

TEST_F(LifecyclePagesTest, AWithdrawalIsRequestedByTheEditorAndDecidedByAReviewerNotTheRequester) {
  const auto id = reviewed("关于召开职工代表大会的通知");
  Browser editor = user("nj-editor");
  Page p = editor.get(lifecycle(id));
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_NE(p.body.find("关于召开职工代表大会的通知"), std::string::npos);
  EXPECT_NE(p.body.find(lifecycle(id) + "/request-withdrawal"), std::string::npos);
  EXPECT_EQ(p.body.find(lifecycle(id) + "/decide-withdrawal"), std::string::npos) << "an editor decides nothing";
  // The article page links here.
  EXPECT_NE(editor.get("/articles/" + std::to_string(id)).body.find("href=\"" + lifecycle(id) + "\""),
            std::string::npos);

  p = editor.post(lifecycle(id) + "/request-withdrawal",
                  {{"reason", "<script>alert(1)</script>数据有误"}, {"secrecy_related", "1"}});
  ASSERT_EQ(p.status, 303) << p.body;
  EXPECT_EQ(p.location(), lifecycle(id) + "?msg=msg_lc_withdrawal_requested");
  EXPECT_EQ(state_of(id), State::withdrawal_requested);
  EXPECT_EQ(article(id).published_version.value_or(0), 1) << "the published version stays live until the decision";

  // The requester cannot decide their own request.
  editor.get(lifecycle(id));
  p = editor.post(lifecycle(id) + "/decide-withdrawal", {{"decision", "approve"}, {"reason", "同意"}});
  EXPECT_EQ(p.status, 403) << p.body;
  EXPECT_EQ(state_of(id), State::withdrawal_requested);

  Browser reviewer = user("nj-content");
  p = reviewer.get(lifecycle(id));
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_NE(p.body.find(lifecycle(id) + "/decide-withdrawal"), std::string::npos);
  EXPECT_EQ(p.body.find("<script>alert(1)</script>"), std::string::npos) << "the reason is escaped";
  EXPECT_NE(p.body.find("&lt;script&gt;alert(1)&lt;/script&gt;数据有误"), std::string::npos);
  EXPECT_NE(p.body.find("撤稿待审"), std::string::npos);

  p = reviewer.post(lifecycle(id) + "/decide-withdrawal", {{"decision", "reject"}});  // a rejection needs a reason
  EXPECT_EQ(p.status, 400) << p.body;
  EXPECT_EQ(state_of(id), State::withdrawal_requested);
  reviewer.get(lifecycle(id));
  p = reviewer.post(lifecycle(id) + "/decide-withdrawal", {{"decision", "approve"}, {"reason", "<b>核实</b>"}});
  ASSERT_EQ(p.status, 303) << p.body;
  EXPECT_EQ(p.location(), lifecycle(id) + "?msg=msg_lc_withdrawal_approved");
  EXPECT_EQ(state_of(id), State::withdrawn);
  p = reviewer.get(p.location());
  EXPECT_NE(p.body.find("已同意撤稿"), std::string::npos);
  EXPECT_NE(p.body.find("&lt;b&gt;核实&lt;/b&gt;"), std::string::npos);
  EXPECT_EQ(p.body.find(lifecycle(id) + "/request-withdrawal"), std::string::npos) << "withdrawn: nothing to request";
  EXPECT_EQ(events("content.withdrawal_decide").size(), 3u);  // the refusal, the missing reason, the approval
}

TEST_F(LifecyclePagesTest, ASecrecyReviewerDecidesOnlyASecrecyRelatedWithdrawal) {
  const auto plain = reviewed("普通撤稿");
  const auto secret = reviewed("第二篇撤稿稿件");
  Browser editor = user("nj-editor");
  ASSERT_EQ(editor.post(lifecycle(plain) + "/request-withdrawal", {{"reason", "重复发布"}}).status, 303);
  editor.get(lifecycle(secret));
  ASSERT_EQ(editor.post(lifecycle(secret) + "/request-withdrawal", {{"reason", "须保密审查"}, {"secrecy_related", "1"}})
                .status,
            303);
  Browser secrecy = user("nj-secrecy");
  Page p = secrecy.get(lifecycle(plain));
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.body.find(lifecycle(plain) + "/decide-withdrawal"), std::string::npos);
  p = secrecy.post(lifecycle(plain) + "/decide-withdrawal", {{"decision", "approve"}});
  EXPECT_EQ(p.status, 403) << p.body;
  EXPECT_EQ(state_of(plain), State::withdrawal_requested);
  p = secrecy.get(lifecycle(secret));
  EXPECT_NE(p.body.find(lifecycle(secret) + "/decide-withdrawal"), std::string::npos);
  p = secrecy.post(lifecycle(secret) + "/decide-withdrawal", {{"decision", "approve"}});
  ASSERT_EQ(p.status, 303) << p.body;
  EXPECT_EQ(state_of(secret), State::withdrawn);
}

TEST_F(LifecyclePagesTest, ACorrectionGoesThroughBothReviewsWhileThePublishedVersionStays) {
  const auto id = reviewed("原标题");
  Browser editor = user("nj-editor");
  Page p = editor.get(lifecycle(id));
  ASSERT_NE(p.body.find("value=\"原标题\""), std::string::npos) << "the form is prefilled";
  EXPECT_NE(p.body.find("记者 王明"), std::string::npos);
  p = editor.post(lifecycle(id) + "/correct", {{"title", "更正后的标题"},
                                                {"summary", "摘要"},
                                                {"body_html", "<p>更正后的正文。</p>"},
                                                {"byline", "记者 王明"},
                                                {"source", "南京工会网"},
                                                {"reason", "数字有误"}});
  ASSERT_EQ(p.status, 303) << p.body;
  EXPECT_EQ(p.location(), lifecycle(id) + "?msg=msg_lc_correction_submitted");
  auto a = article(id);
  EXPECT_EQ(a.state, State::correction_submitted);
  EXPECT_EQ(a.published_version.value_or(0), 1);
  EXPECT_EQ(a.current_version, 2);
  p = editor.get(lifecycle(id));
  EXPECT_NE(p.body.find("更正待信息审核"), std::string::npos);
  EXPECT_EQ(p.body.find(lifecycle(id) + "/correct\""), std::string::npos) << "one correction at a time";

  ASSERT_TRUE(content_->approve(actor_of("nj-content"), id, content::Stage::content, {}));
  EXPECT_EQ(article(id).state, State::correction_content_approved);
  EXPECT_EQ(article(id).published_version.value_or(0), 1) << "still the original until the secrecy approval";
  ASSERT_TRUE(content_->approve(actor_of("nj-secrecy"), id, content::Stage::secrecy, {}));
  a = article(id);
  EXPECT_EQ(a.state, State::published);
  EXPECT_EQ(a.published_version.value_or(0), 2);
  EXPECT_EQ(title_of(id, 2), "更正后的标题");
  p = editor.get(lifecycle(id));
  EXPECT_NE(p.body.find("更正后的标题"), std::string::npos);

  // A correction with a missing reason changes nothing.
  p = editor.post(lifecycle(id) + "/correct", {{"title", "再改"}, {"body_html", "<p>x</p>"}});
  EXPECT_EQ(p.status, 400) << p.body;
  EXPECT_EQ(article(id).current_version, 2);
}

TEST_F(LifecyclePagesTest, ScheduledPublicationTypedInBeijingTimeIsStoredAsTheUtcInstant) {
  const auto id = reviewed("定时发布的稿件", /*publish=*/false);
  Browser op = user("nj-operator");
  Page p = op.get(lifecycle(id));
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_NE(p.body.find("id=\"lc-schedule-publish\""), std::string::npos);
  EXPECT_EQ(p.body.find("id=\"lc-schedule-withdraw\""), std::string::npos) << "not published, nothing to take down";

  p = op.post(lifecycle(id) + "/schedule", {{"kind", "publish"}, {"due_at", "2030-05-01"}});
  EXPECT_EQ(p.status, 400) << "a date without a time is refused";
  EXPECT_NE(p.body.find("due_at"), std::string::npos);
  op.get(lifecycle(id));
  p = op.post(lifecycle(id) + "/schedule", {{"kind", "publish"}, {"due_at", "2030-05-01T09:30"}});
  ASSERT_EQ(p.status, 303) << p.body;
  EXPECT_EQ(p.location(), lifecycle(id) + "?msg=msg_lc_scheduled");
  auto list = content_->schedules(identity::Principal::system("test"), id);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].due_at, *parse_rfc3339("2030-05-01T01:30:00Z")) << "09:30 in Beijing is 01:30 UTC";
  p = op.get(lifecycle(id));
  // To the minute, as Chinese readers write it, and the UTC instant beside it (no seconds or fractions).
  EXPECT_NE(p.body.find("2030年5月1日 09:30"), std::string::npos);
  EXPECT_NE(p.body.find("2030-05-01 01:30 UTC"), std::string::npos);
  EXPECT_EQ(p.body.find("09:30:00"), std::string::npos);
  EXPECT_EQ(p.body.find(".000000"), std::string::npos);
  EXPECT_NE(p.body.find("待执行"), std::string::npos);

  // The editor may not schedule a publication (site.operate), nor cancel one.
  Browser editor = user("nj-editor");
  editor.get(lifecycle(id));
  EXPECT_EQ(editor.post(lifecycle(id) + "/schedule", {{"kind", "publish"}, {"due_at", "2031-01-01 08:00"}}).status, 403);
  EXPECT_EQ(editor.post(lifecycle(id) + "/cancel-schedule", {{"kind", "publish"}}).status, 403);

  op.get(lifecycle(id));
  p = op.post(lifecycle(id) + "/cancel-schedule", {{"kind", "publish"}});
  ASSERT_EQ(p.status, 303) << p.body;
  list = content_->schedules(identity::Principal::system("test"), id);
  ASSERT_TRUE(list);
  EXPECT_EQ((*list)[0].status, "cancelled");

  // The API takes RFC 3339.
  Page r = call(op, "POST", "/api/v1/articles/" + std::to_string(id) + "/schedule",
                {{"kind", "publish"}, {"due_at", "2030-06-01T00:00:00Z"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(*parse_rfc3339(body_of(r)["due_at"].get<std::string>()), *parse_rfc3339("2030-06-01T00:00:00Z"));
  editor.get("/");
  r = call(editor, "GET", "/api/v1/articles/" + std::to_string(id) + "/lifecycle");  // the API reads as the caller
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r)["schedules"].size(), 2u);
  r = call(op, "DELETE", "/api/v1/articles/" + std::to_string(id) + "/schedule?kind=publish");
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(LifecyclePagesTest, ASubmissionUpwardReachesTheProvinceReviewQueue) {
  // A staff blog on the province site is not a target.
  add_user("js-editor", "刘编辑", root_org_, identity::Role::editor, js_site_);
  ASSERT_TRUE(db_->exec("INSERT INTO site_feature_changes (site_id, feature, change, actor, at) "
                        "VALUES (?, 'blog', 'enabled', 'cli:test', '2026-01-01T00:00:00Z')",
                        {js_site_}));
  auto blog = content_->create_blog(system_, js_site_, user_id("js-editor"), "刘编辑的博客");
  ASSERT_TRUE(blog) << blog.error().to_string();
  const auto id = reviewed("南京市总工会开展送温暖活动");
  Browser editor = user("nj-editor");
  Page p = editor.get(lifecycle(id));
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_NE(p.body.find("<option value=\"" + std::to_string(js_column_) + "\">"), std::string::npos)
      << "the province site's column is offered";
  EXPECT_EQ(p.body.find("<option value=\"" + std::to_string(sz_column_) + "\">"), std::string::npos)
      << "a sibling city's column is not";
  EXPECT_NE(p.body.find("江苏工会网 · 基层来稿"), std::string::npos);
  EXPECT_EQ(p.body.find("刘编辑的博客"), std::string::npos) << "a blog takes its owner's posts only";

  // Not an ancestor's column: refused, nothing made.
  p = editor.post(lifecycle(id) + "/submit-upward", {{"target_column_id", std::to_string(sz_column_)}});
  EXPECT_EQ(p.status, 400) << p.body;
  EXPECT_NE(p.body.find("只能向上级组织的网站报送"), std::string::npos);
  editor.get(lifecycle(id));
  p = editor.post(lifecycle(id) + "/submit-upward", {{"target_column_id", std::to_string(js_column_)}});
  ASSERT_EQ(p.status, 303) << p.body;
  EXPECT_EQ(p.location(), lifecycle(id) + "?msg=msg_lc_upward_submitted");
  auto ups = content_->upward_submissions(identity::Principal::system("test"), id);
  ASSERT_TRUE(ups);
  ASSERT_EQ(ups->size(), 1u);

  // In the province reviewer's queue.
  Browser province = user("js-content");
  p = province.get("/review?site=" + std::to_string(js_site_));
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_NE(p.body.find("南京市总工会开展送温暖活动"), std::string::npos);
  p = editor.get(lifecycle(id));
  EXPECT_NE(p.body.find("江苏工会网"), std::string::npos);
  EXPECT_NE(p.body.find("已提交（待信息审核）"), std::string::npos) << "the state at the target";
  Page r = call(editor, "GET", "/api/v1/articles/" + std::to_string(id) + "/lifecycle");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r)["upward_submissions"][0]["target_state"], "submitted");
  EXPECT_EQ(body_of(r)["upward_submissions"][0]["adopted"], false);
}

TEST_F(LifecyclePagesTest, AnotherSitesEditorIsRefusedEverywhereAndNothingChanges) {
  const auto id = reviewed("南京的稿件");
  const auto approved = reviewed("南京待发布稿件", /*publish=*/false);
  Browser other = user("sz-editor");
  for (auto article_id : {id, approved}) {
    Page p = other.get(lifecycle(article_id));
    EXPECT_TRUE(p.status == 403 || p.status == 404) << p.status;
    EXPECT_EQ(p.body.find("南京"), std::string::npos) << "nothing of the article shows";
    const std::map<std::string, std::map<std::string, std::string>> posts = {
        {"request-withdrawal", {{"reason", "x"}}},
        {"decide-withdrawal", {{"decision", "approve"}, {"reason", "x"}}},
        {"correct", {{"title", "改"}, {"body_html", "<p>x</p>"}, {"reason", "x"}}},
        {"schedule", {{"kind", "publish"}, {"due_at", "2030-01-01T08:00"}}},
        {"cancel-schedule", {{"kind", "publish"}}},
        {"submit-upward", {{"target_column_id", std::to_string(js_column_)}}}};
    for (const auto& [action, form] : posts) {
      other.get("/");
      p = other.post(lifecycle(article_id) + "/" + action, form);
      EXPECT_TRUE(p.status == 403 || p.status == 404) << action << " " << p.status;
    }
    const std::string api = "/api/v1/articles/" + std::to_string(article_id);
    for (const auto& [method, path, body] :
         std::vector<std::tuple<std::string, std::string, json>>{
             {"GET", api + "/lifecycle", nullptr},
             {"POST", api + "/withdrawal", {{"reason", "x"}}},
             {"POST", api + "/withdrawal/decision", {{"decision", "approve"}}},
             {"POST", api + "/correction", {{"title", "改"}, {"body_html", "<p>x</p>"}, {"reason", "x"}}},
             {"POST", api + "/schedule", {{"kind", "publish"}, {"due_at", "2030-01-01T00:00:00Z"}}},
             {"DELETE", api + "/schedule?kind=publish", nullptr},
             {"POST", api + "/upward", {{"target_column_id", js_column_}}}}) {
      Page r = call(other, method, path, body);
      EXPECT_TRUE(r.status == 403 || r.status == 404) << method << " " << path << " " << r.status;
    }
  }
  EXPECT_EQ(state_of(id), State::published);
  EXPECT_EQ(state_of(approved), State::approved);
  EXPECT_EQ(article(id).current_version, 1);
  const auto sys = identity::Principal::system("test");
  for (auto article_id : {id, approved}) {
    EXPECT_TRUE(content_->withdrawal_requests(sys, article_id)->empty());
    EXPECT_TRUE(content_->schedules(sys, article_id)->empty());
    EXPECT_TRUE(content_->upward_submissions(sys, article_id)->empty());
  }
  EXPECT_GE(denied("content.withdrawal_request", "sz-editor"), 1u);
  // Another site's operations do not get the operations' view of 南京's articles.
  Browser other_op = user("sz-operator");
  Page op_page = other_op.get(lifecycle(approved));
  EXPECT_TRUE(op_page.status == 403 || op_page.status == 404) << op_page.status;
  EXPECT_EQ(op_page.body.find("南京待发布稿件"), std::string::npos);
  other_op.get("/");
  op_page = other_op.post(lifecycle(approved) + "/schedule", {{"kind", "publish"}, {"due_at", "2030-01-01T08:00"}});
  EXPECT_TRUE(op_page.status == 403 || op_page.status == 404) << op_page.status;
  EXPECT_TRUE(content_->schedules(sys, approved)->empty());
  // The blogs of another site.
  EXPECT_TRUE(other.get("/sites/" + std::to_string(nj_site_) + "/blogs").status == 403 ||
              other.get("/sites/" + std::to_string(nj_site_) + "/blogs").status == 404);
  other.get("/");
  Page p = other.post("/sites/" + std::to_string(nj_site_) + "/blogs",
                      {{"name", "博客"}, {"owner_user_id", std::to_string(user_id("sz-editor"))}});
  EXPECT_TRUE(p.status == 403 || p.status == 404 || p.status == 409) << p.status;
  EXPECT_TRUE(content_->blogs(sys, nj_site_)->empty());
}

TEST_F(LifecyclePagesTest, OperationsSeeTheirOwnArticlesPageAndThePageSpeaksEnglish) {
  const auto id = reviewed("运维可见的稿件", /*publish=*/false);
  Browser op = user("nj-operator");
  Page p = op.get(lifecycle(id) + "?lang=en");
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_NE(p.body.find("Scheduled publication"), std::string::npos);
  EXPECT_NE(p.body.find("运维可见的稿件"), std::string::npos);
  EXPECT_EQ(p.body.find("id=\"lc-correct\""), std::string::npos) << "operations do not correct";
  EXPECT_EQ(p.body.find("id=\"lc-upward\""), std::string::npos) << "nor report upward";
  EXPECT_EQ(denied("content.read", "nj-operator"), 0u) << "the operations' view is not a refused read";
  // The article page too: operations read their own site's articles as themselves (site.operate).
  p = op.get("/articles/" + std::to_string(id));
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_NE(p.body.find("运维可见的稿件"), std::string::npos);
  EXPECT_EQ(denied("content.read", "nj-operator"), 0u);
  EXPECT_EQ(denied("content.records", "nj-operator"), 0u);
}

TEST_F(LifecyclePagesTest, AnotherSitesOperationsCannotOpenTheArticlePage) {
  const auto id = reviewed("他站运维不可见的稿件", /*publish=*/false);
  Browser op = user("sz-operator");
  EXPECT_EQ(op.get("/articles/" + std::to_string(id)).status, 403);
  EXPECT_EQ(op.get(lifecycle(id)).status, 403);
  EXPECT_GE(denied("content.read", "sz-operator"), 1u);
}

TEST_F(LifecyclePagesTest, AFormWithoutItsCsrfTokenIsRefused) {
  const auto id = reviewed("CSRF 测试稿件");
  Browser editor = user("nj-editor");
  editor.get(lifecycle(id));
  Page p = editor.post(lifecycle(id) + "/request-withdrawal", {{"reason", "x"}}, /*with_csrf=*/false);
  EXPECT_EQ(p.status, 403);
  p = editor.post(lifecycle(id) + "/request-withdrawal", {{"reason", "x"}, {"csrf", "forged"}});
  EXPECT_EQ(p.status, 403);
  Page r = call(editor, "POST", "/api/v1/articles/" + std::to_string(id) + "/withdrawal", {{"reason", "x"}},
                /*with_csrf=*/false);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(state_of(id), State::published);
  EXPECT_TRUE(content_->withdrawal_requests(identity::Principal::system("test"), id)->empty());
}

TEST_F(LifecyclePagesTest, TheWithdrawalApiRequestsDecidesAndLists) {
  const auto id = reviewed("接口撤稿");
  const std::string api = "/api/v1/articles/" + std::to_string(id);
  Browser editor = user("nj-editor");
  Page r = call(editor, "POST", api + "/withdrawal", {{"reason", "标题错误"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(body_of(r)["reason"], "标题错误");
  EXPECT_EQ(call(editor, "POST", api + "/withdrawal/decision", {{"decision", "approve"}}).status, 403);
  Browser reviewer = user("nj-content");
  r = call(reviewer, "POST", api + "/withdrawal/decision", {{"decision", "maybe"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(body_of(r)["error"]["code"], "content.invalid_field");
  r = call(reviewer, "POST", api + "/withdrawal/decision", {{"decision", "reject"}, {"reason", "不必撤稿"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(state_of(id), State::published);
  r = call(editor, "GET", api + "/lifecycle");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(body_of(r)["withdrawal_requests"].size(), 1u);
  EXPECT_EQ(body_of(r)["withdrawal_requests"][0]["decision"], "rejected");
  EXPECT_EQ(body_of(r)["withdrawal_requests"][0]["decision_reason"], "不必撤稿");
}

TEST_F(LifecyclePagesTest, TheSiteManagerOpensAStaffBlogForAnEditor) {
  const std::string blogs = "/sites/" + std::to_string(nj_site_) + "/blogs";
  Browser admin = user("nj-admin");
  Page p = admin.get(blogs);
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_NE(p.body.find("id=\"lc-blog-create\""), std::string::npos);
  // The feature is off: refused with its reason.
  p = admin.post(blogs, {{"name", "张编辑的博客"}, {"owner_user_id", std::to_string(user_id("nj-editor"))}});
  EXPECT_EQ(p.status, 409) << p.body;
  ASSERT_TRUE(db_->exec("INSERT INTO site_feature_changes (site_id, feature, change, actor, at) "
                        "VALUES (?, 'blog', 'enabled', 'cli:test', '2026-01-01T00:00:00Z')",
                        {nj_site_}));
  admin.get(blogs);
  // An owner without content.edit on the site.
  p = admin.post(blogs, {{"name", "博客"}, {"owner_user_id", std::to_string(user_id("nj-operator"))}});
  EXPECT_EQ(p.status, 400) << p.body;
  admin.get(blogs);
  p = admin.post(blogs, {{"name", "<i>张编辑的博客</i>"}, {"owner_user_id", std::to_string(user_id("nj-editor"))}});
  ASSERT_EQ(p.status, 303) << p.body;
  EXPECT_EQ(p.location(), blogs + "?msg=msg_lc_blog_created");
  p = admin.get(p.location());
  EXPECT_NE(p.body.find("张编辑"), std::string::npos);
  EXPECT_NE(p.body.find("&lt;i&gt;张编辑的博客&lt;/i&gt;"), std::string::npos);
  // The editor sees the list but may not open a blog.
  Browser editor = user("nj-editor");
  p = editor.get(blogs);
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.body.find("id=\"lc-blog-create\""), std::string::npos);
  p = editor.post(blogs, {{"name", "我的博客"}, {"owner_user_id", std::to_string(user_id("nj-editor"))}});
  EXPECT_EQ(p.status, 403) << p.body;
  Page r = call(editor, "GET", "/api/v1/sites/" + std::to_string(nj_site_) + "/blogs");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(body_of(r)["blogs"].size(), 1u);
  EXPECT_EQ(body_of(r)["blogs"][0]["owner_real_name"], "张编辑");
  EXPECT_EQ(events("content.blog_create").size(), 4u);
}

}  // namespace
}  // namespace sw::console::testing
