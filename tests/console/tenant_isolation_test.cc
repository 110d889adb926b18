// Tenant isolation of the content and review console (issue 4; N1.x scoping of every permission to
// the site or organisation): the editor and reviewers of 南京工会网 go through EVERY content page and
// endpoint (and the register's site endpoints) aimed at 苏州工会网's articles, columns, attachments,
// queue and records. Each row is refused (403 or 404), nothing of 苏州's changes, and where the service
// decides, a denied audit event names the caller.
#include "content_console_fixture.h"

namespace sw::console::testing {
namespace {

using nlohmann::json;

enum class Kind { page_get, page_post, upload, api };

struct Row {
  const char* who;     // nj-editor | nj-content | nj-secrecy
  Kind kind;
  const char* method;  // for api rows
  std::string path;    // {site} {article} {submitted} {cleared} {column} {own_site} are replaced
  json body;           // form fields (pages) or JSON (api)
  bool audited;        // the content service (or register) records the refusal as denied
};

std::string fill(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [key, value] : values) {
    for (auto pos = text.find(key); pos != std::string::npos; pos = text.find(key, pos + value.size())) {
      text.replace(pos, key.size(), value);
    }
  }
  return text;
}

class TenantIsolationTest : public ContentConsoleTest {
 protected:
  void SetUp() override {
    ContentConsoleTest::SetUp();
    if (HasFatalFailure()) return;
    // 苏州's articles: a draft with an attachment, one awaiting content review, one awaiting secrecy review.
    draft_ = write_article("sz-editor", sz_column_, "苏州草稿");
    auto attached = content_->add_attachment(actor_of("sz-editor"), draft_, "苏州通知.pdf",
                                             "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
    ASSERT_TRUE(attached) << attached.error().to_string();
    submitted_ = write_article("sz-editor", sz_column_, "苏州待审");
    ASSERT_TRUE(content_->submit(actor_of("sz-editor"), submitted_));
    cleared_ = write_article("sz-editor", sz_column_, "苏州待保密审查");
    ASSERT_TRUE(content_->submit(actor_of("sz-editor"), cleared_));
    ASSERT_TRUE(content_->approve(actor_of("sz-content"), cleared_, content::Stage::content, {}));
  }

  // Everything of 苏州's a refused call could have touched.
  json snapshot() {
    const auto root = identity::Principal::system("snapshot");
    json out = json::object();
    for (auto id : {draft_, submitted_, cleared_}) {
      auto a = content_->get_article(root, id);
      EXPECT_TRUE(a);
      if (!a) continue;
      auto records = content_->review_records(root, id);
      out[std::to_string(id)] = {{"state", content::to_string(a->state)}, {"version", a->current_version},
                                 {"deleted", a->deleted_at.has_value()}, {"records", records ? records->size() : 0}};
    }
    auto columns = content_->columns(root, sz_site_);
    out["columns"] = columns ? columns->size() : 0;
    auto list = content_->list_articles(root, sz_site_, {}, 0, 10);
    out["articles"] = list ? list->total : 0;
    auto nj_list = content_->list_articles(root, nj_site_, {}, 0, 10);
    out["nj_articles"] = nj_list ? nj_list->total : 0;
    return out;
  }

  std::size_t denied_by(const std::string& actor) {
    audit::Query q;
    q.actor = actor;
    q.limit = 1000;
    auto list = audit_->query(q);
    EXPECT_TRUE(list);
    std::size_t n = 0;
    if (list) {
      for (const auto& e : *list) n += e.event.outcome == audit::Outcome::denied ? 1 : 0;
    }
    return n;
  }

  Page send(Browser& b, const Row& row, const std::string& path) {
    switch (row.kind) {
      case Kind::page_get:
        return b.get(path);
      case Kind::page_post: {
        std::map<std::string, std::string> form;
        for (const auto& [k, v] : row.body.items()) form[k] = v.get<std::string>();
        return b.post(path, form);
      }
      case Kind::upload:
        return b.send("POST", path, multipart(b.csrf(), "恶意.pdf", "%PDF-1.4\n%%EOF\n"),
                      "multipart/form-data; boundary=----swtest7MA4YWxkTrZu0gW");
      case Kind::api:
        if (row.path.ends_with("/attachments")) {
          return b.send("POST", path, "%PDF-1.4\n%%EOF\n", "application/pdf",
                        "X-CSRF-Token: " + b.csrf() + "\r\nX-File-Name: x.pdf\r\n");
        }
        return call(b, row.method, path, row.body);
    }
    return {};
  }

  std::int64_t draft_ = 0, submitted_ = 0, cleared_ = 0;
};

TEST_F(TenantIsolationTest, NanjingCannotSeeOrChangeSuzhouThroughAnyPageOrEndpoint) {
  const json article_fields = {{"title", "篡改"}, {"body_html", "<p>篡改</p>"}};
  const json form_fields = {{"title", "篡改"}, {"body_html", "<p>篡改</p>"}, {"column_id", "{column}"}};
  const std::vector<Row> rows = {
      // pages
      {"nj-editor", Kind::page_get, "GET", "/articles?site={site}", nullptr, true},
      {"nj-editor", Kind::page_get, "GET", "/articles?site={site}&state=draft&column={column}", nullptr, true},
      {"nj-editor", Kind::page_post, "POST", "/articles?site={site}", form_fields, true},
      {"nj-editor", Kind::page_post, "POST", "/articles?site={own_site}", form_fields, true},
      {"nj-editor", Kind::page_post, "POST", "/columns", {{"site", "{site}"}, {"name", "新栏目"}}, true},
      {"nj-editor", Kind::page_post, "POST", "/columns", {{"site", "{own_site}"}, {"name", "x"}, {"parent_id", "{column}"}}, true},
      {"nj-editor", Kind::page_get, "GET", "/articles/{article}", nullptr, true},
      {"nj-editor", Kind::page_get, "GET", "/articles/{article}?version=1", nullptr, true},
      {"nj-editor", Kind::page_get, "GET", "/articles/{article}/attachment?n=2&name=%E8%8B%8F%E5%B7%9E%E9%80%9A%E7%9F%A5.pdf", nullptr, true},
      {"nj-editor", Kind::page_post, "POST", "/articles/{article}/edit", article_fields, true},
      {"nj-editor", Kind::page_post, "POST", "/articles/{article}/submit", json::object(), true},
      {"nj-editor", Kind::page_post, "POST", "/articles/{article}/delete", json::object(), true},
      {"nj-editor", Kind::page_post, "POST", "/articles/{cleared}/publish", {{"site", "{site}"}}, true},
      {"nj-editor", Kind::upload, "POST", "/articles/{article}/attachments", nullptr, true},
      {"nj-content", Kind::page_get, "GET", "/review?site={site}", nullptr, true},
      {"nj-secrecy", Kind::page_get, "GET", "/review?site={site}&stage=secrecy", nullptr, true},
      {"nj-content", Kind::page_get, "GET", "/review/{submitted}", nullptr, true},
      {"nj-content", Kind::page_post, "POST", "/review/{submitted}/approve", {{"stage", "content"}, {"justification", "x"}}, true},
      {"nj-content", Kind::page_post, "POST", "/review/{submitted}/reject", {{"stage", "content"}, {"reason", "x"}}, true},
      {"nj-secrecy", Kind::page_post, "POST", "/review/{cleared}/approve", {{"stage", "secrecy"}}, true},
      {"nj-secrecy", Kind::page_post, "POST", "/review/{cleared}/reject", {{"stage", "secrecy"}, {"reason", "x"}}, true},
      {"nj-editor", Kind::page_get, "GET", "/sites/{site}/review-records", nullptr, true},
      {"nj-editor", Kind::page_get, "GET", "/sites/{site}/review-records/export?from=2000-01-01&to=2100-01-01", nullptr, true},
      {"nj-editor", Kind::page_get, "GET", "/sites/{site}", nullptr, false},
      // API
      {"nj-editor", Kind::api, "GET", "/api/v1/sites/{site}/columns", nullptr, true},
      {"nj-editor", Kind::api, "POST", "/api/v1/sites/{site}/columns", {{"name", "新栏目"}}, true},
      {"nj-editor", Kind::api, "GET", "/api/v1/sites/{site}/articles", nullptr, true},
      {"nj-editor", Kind::api, "GET", "/api/v1/sites/{site}/articles?state=draft&q=%E8%8B%8F", nullptr, true},
      {"nj-editor", Kind::api, "POST", "/api/v1/sites/{site}/articles", {{"column_id", 0}, {"title", "篡改"}}, true},
      {"nj-editor", Kind::api, "POST", "/api/v1/sites/{own_site}/articles", {{"column_id", "{column}"}, {"title", "篡改"}}, false},
      {"nj-editor", Kind::api, "GET", "/api/v1/articles/{article}", nullptr, true},
      {"nj-editor", Kind::api, "POST", "/api/v1/articles/{article}", article_fields, true},
      {"nj-editor", Kind::api, "PUT", "/api/v1/articles/{article}", article_fields, true},
      {"nj-editor", Kind::api, "GET", "/api/v1/articles/{article}/versions/1", nullptr, true},
      {"nj-editor", Kind::api, "GET", "/api/v1/articles/{article}/versions/2/findings", nullptr, true},
      {"nj-editor", Kind::api, "GET", "/api/v1/articles/{article}/versions/2/attachment?name=%E8%8B%8F%E5%B7%9E%E9%80%9A%E7%9F%A5.pdf", nullptr, true},
      {"nj-editor", Kind::api, "GET", "/api/v1/articles/{article}/review-records", nullptr, true},
      {"nj-editor", Kind::api, "POST", "/api/v1/articles/{article}/attachments", nullptr, true},
      {"nj-editor", Kind::api, "POST", "/api/v1/articles/{article}/submit", json::object(), true},
      {"nj-editor", Kind::api, "POST", "/api/v1/articles/{article}/delete", json::object(), true},
      {"nj-editor", Kind::api, "POST", "/api/v1/articles/{cleared}/publish", json::object(), true},
      {"nj-content", Kind::api, "POST", "/api/v1/articles/{submitted}/approve", {{"stage", "content"}, {"justification", "x"}}, true},
      {"nj-content", Kind::api, "POST", "/api/v1/articles/{submitted}/reject", {{"stage", "content"}, {"reason", "x"}}, true},
      {"nj-secrecy", Kind::api, "POST", "/api/v1/articles/{cleared}/approve", {{"stage", "secrecy"}}, true},
      {"nj-content", Kind::api, "GET", "/api/v1/sites/{site}/review-queue?stage=content", nullptr, true},
      {"nj-secrecy", Kind::api, "GET", "/api/v1/sites/{site}/review-queue?stage=secrecy", nullptr, true},
      {"nj-editor", Kind::api, "GET", "/api/v1/sites/{site}/review-records/verify", nullptr, true},
      {"nj-editor", Kind::api, "GET", "/api/v1/sites/{site}/review-records/export?from=2000-01-01&to=2100-01-01", nullptr, true},
      {"nj-editor", Kind::api, "GET", "/api/v1/sites/{site}", nullptr, false},
  };
  const std::map<std::string, std::string> values = {
      {"{site}", std::to_string(sz_site_)},       {"{own_site}", std::to_string(nj_site_)},
      {"{article}", std::to_string(draft_)},      {"{submitted}", std::to_string(submitted_)},
      {"{cleared}", std::to_string(cleared_)},    {"{column}", std::to_string(sz_column_)}};
  std::map<std::string, Browser> browsers;
  for (const char* who : {"nj-editor", "nj-content", "nj-secrecy"}) browsers.emplace(who, user(who));

  const json before = snapshot();
  for (const Row& row : rows) {
    const std::string path = fill(row.path, values);
    json body = row.body.is_null() ? row.body : json::parse(fill(row.body.dump(), values));
    if (row.kind == Kind::api && body.contains("column_id") && body["column_id"].is_string()) {
      body["column_id"] = std::stoll(body["column_id"].get<std::string>());  // JSON wants the number
    }
    Row filled = row;
    filled.body = body;
    Browser& b = browsers.at(row.who);
    if (row.kind == Kind::page_post || row.kind == Kind::upload) b.get("/");  // a fresh CSRF token
    const std::size_t denied_before = denied_by(row.who);
    Page p = send(b, filled, path);
    SCOPED_TRACE(std::string(row.who) + " " + row.method + " " + path);
    EXPECT_TRUE(p.status == 403 || p.status == 404) << p.status << " " << p.body.substr(0, 300);
    EXPECT_EQ(p.body.find("苏州草稿"), std::string::npos) << "no title of 苏州's leaks";
    EXPECT_EQ(p.body.find("苏州待审"), std::string::npos);
    if (row.audited) {
      EXPECT_GT(denied_by(row.who), denied_before) << "a denied audit event";
    }
    EXPECT_EQ(snapshot(), before) << "nothing of 苏州's changed";
  }
}

TEST_F(TenantIsolationTest, SuzhouStillWorksForItsOwnPeople) {
  // The control: the same calls by 苏州's own people succeed, so the refusals above are about tenancy.
  Browser editor = user("sz-editor");
  EXPECT_EQ(editor.get("/articles?site=" + std::to_string(sz_site_)).status, 200);
  EXPECT_EQ(editor.get("/articles/" + std::to_string(draft_)).status, 200);
  EXPECT_EQ(call(editor, "GET", "/api/v1/articles/" + std::to_string(draft_)).status, 200);
  Browser reviewer = user("sz-content");
  Page p = reviewer.get("/review?site=" + std::to_string(sz_site_));
  EXPECT_EQ(p.status, 200);
  EXPECT_NE(p.body.find("苏州待审"), std::string::npos);
}

}  // namespace
}  // namespace sw::console::testing
