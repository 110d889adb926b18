// The console with the content service on a real socket (issue 4): ConsoleTest's database, audit log,
// identity service and register, plus a blob store, the review scanner with the shipped lexicons and
// the ContentService, served by a fresh http::Server whose body limit lets attachments through.
// Two tenants: 南京工会网 (nj_site_, under 南京市总工会) and 苏州工会网 (sz_site_, under 苏州市总工会),
// each with an editor, a content reviewer, a secrecy reviewer and an operator on its site, and a
// column made before the site goes live (the N4.1 new-column gate applies to live sites only).
#pragma once

#include <nlohmann/json.hpp>

#include "console_fixture.h"
#include "content/articles.h"
#include "review/scanner.h"
#include "store/blob_store.h"

namespace sw::console::testing {

class ContentConsoleTest : public ConsoleTest {
 protected:
  using json = nlohmann::json;

  void SetUp() override {
    ConsoleTest::SetUp();
    if (HasFatalFailure()) return;
    server_->stop();
    server_->wait();
    server_.reset();
    const auto& suite = crypto::suite(crypto::SuiteId::gm);
    auto blobs = store::BlobStore::open(dir_ / "blobs", suite);
    ASSERT_TRUE(blobs) << blobs.error().to_string();
    blobs_ = std::make_unique<store::BlobStore>(std::move(*blobs));
    auto scanner = review::Scanner::create(review::builtin_lexicon());
    ASSERT_TRUE(scanner) << scanner.error().to_string();
    scanner_ = std::make_unique<review::Scanner>(std::move(*scanner));
    content_ = content::ContentService::open(*db_, *audit_, suite, *scanner_, *blobs_, clock_);
    ASSERT_TRUE(content_);
    console_ = std::make_unique<Console>(*identity_, *audit_, Console::Services{registry_.get(), content_.get()},
                                         ConsoleOptions{Language::zh_cn, true, false, trusted_});
    http::Router router;
    console_->install(router);
    http::ServerOptions options;
    options.listeners.push_back(listener());
    options.limits.max_body_bytes = kMaxBody;
    server_ = std::make_unique<http::Server>(options, std::move(router));
    server_->add_filter(console_->security_headers_filter());
    auto started = server_->start();
    ASSERT_TRUE(started) << started.error().to_string();
    port_ = server_->port(0);

    auto suzhou = identity_->create_organisation(system_, root_org_, "苏州市总工会", identity::OrgKind::city);
    ASSERT_TRUE(suzhou);
    sz_org_ = suzhou->id;
    nj_site_ = make_site(city_org_, "南京工会网", "njgh.org.cn");
    sz_site_ = make_site(sz_org_, "苏州工会网", "szgh.org.cn");
    nj_column_ = make_column(nj_site_, "工会要闻");
    sz_column_ = make_column(sz_site_, "基层动态");
    add_user("nj-editor", "张编辑", city_org_, identity::Role::editor, nj_site_);
    add_user("nj-content", "李审核", city_org_, identity::Role::content_reviewer, nj_site_);
    add_user("nj-secrecy", "赵保密", city_org_, identity::Role::secrecy_reviewer, nj_site_);
    add_user("nj-operator", "钱运维", city_org_, identity::Role::operator_, nj_site_);
    add_user("sz-editor", "孙编辑", sz_org_, identity::Role::editor, sz_site_);
    add_user("sz-content", "周审核", sz_org_, identity::Role::content_reviewer, sz_site_);
    add_user("sz-secrecy", "吴保密", sz_org_, identity::Role::secrecy_reviewer, sz_site_);
  }

  void TearDown() override {
    if (server_) {
      server_->stop();
      server_->wait();
    }
    server_.reset();
    console_.reset();
    content_.reset();
    ConsoleTest::TearDown();
  }

  std::int64_t make_site(std::int64_t org, const std::string& name, const std::string& domain) {
    registry::SiteFields f;
    f.name = name;
    f.sponsor = name.substr(0, 6) + "市总工会";
    f.address = "江苏省" + name.substr(0, 6) + "市人民路1号";
    f.postcode = "210008";
    f.phone = "025-84561234";
    f.hotline_12351 = "025-12351";
    f.domains = {domain};
    auto site = registry_->apply_for_site(system_, org, f);
    EXPECT_TRUE(site) << site.error().to_string();
    return site ? site->id : 0;
  }

  std::int64_t make_column(std::int64_t site, const std::string& name) {
    auto c = content_->create_column(system_, site, std::nullopt, name);
    EXPECT_TRUE(c) << c.error().to_string();
    return c ? c->id : 0;
  }

  void add_user(const std::string& username, const std::string& real_name, std::int64_t org, identity::Role role,
                std::int64_t site) {
    identity::NewUser nu{username, real_name, org, "13912345699", username + "@gh.org.cn", std::string(kInitial)};
    auto user = identity_->create_user(system_, nu);
    ASSERT_TRUE(user) << user.error().to_string();
    auto g = identity_->grant_role(system_, user->id, role, identity::Scope::site(site));
    ASSERT_TRUE(g) << g.error().to_string();
  }

  // Logged in, with the session's CSRF token taken from a page.
  Browser user(const std::string& username) {
    Browser b = logged_in(username);
    b.get("/");
    return b;
  }

  // A JSON call with the session cookie and (unless told not to) the X-CSRF-Token header.
  static Page call(Browser& b, const std::string& method, const std::string& path, const json& body = nullptr,
                   bool with_csrf = true) {
    const std::string text = body.is_null() ? std::string{} : body.dump();
    const std::string headers = with_csrf ? "X-CSRF-Token: " + b.csrf() + "\r\n" : std::string{};
    return b.send(method, path, text, text.empty() ? "" : "application/json", headers);
  }
  static json body_of(const Page& p) { return json::parse(p.body, nullptr, false); }

  // An article written directly by the service as `author` (a principal from the database).
  std::int64_t write_article(const std::string& author, std::int64_t column, const std::string& title,
                             const std::string& body = "<p>全市工会系统召开会议。</p>") {
    content::ArticleFields f;
    f.title = title;
    f.summary = "摘要";
    f.body_html = body;
    f.byline = "记者 王明";
    f.source = "南京工会网";
    auto saved = content_->create_article(actor_of(author), column, f);
    EXPECT_TRUE(saved) << saved.error().to_string();
    return saved ? saved->article.id : 0;
  }

  identity::Actor actor_of(const std::string& username) {
    const auto root = identity::Principal::system("test");
    auto u = identity_->find_user(root, username);
    EXPECT_TRUE(u) << username;
    if (!u) return identity::Actor{root, "127.0.0.1", "test"};
    auto grants = identity_->list_grants(root, u->id);
    EXPECT_TRUE(grants) << username;
    return identity::Actor{identity::Principal::user(u->id, username, grants ? *grants : std::vector<identity::Grant>{}),
                           "127.0.0.1", "test"};
  }

  content::State state_of(std::int64_t article) {
    auto a = content_->get_article(identity::Principal::system("test"), article);
    EXPECT_TRUE(a);
    return a ? a->state : content::State::draft;
  }

  std::size_t denied(const std::string& action, const std::string& actor) {
    std::size_t n = 0;
    for (const auto& e : events(action)) {
      if (e.event.outcome == audit::Outcome::denied && e.event.actor == actor) ++n;
    }
    return n;
  }

  // A multipart/form-data body with the csrf field and one file.
  static std::string multipart(const std::string& csrf, const std::string& file_name, const std::string& bytes,
                               const std::string& boundary = "----swtest7MA4YWxkTrZu0gW") {
    return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + csrf + "\r\n--" + boundary +
           "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + file_name +
           "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + bytes + "\r\n--" + boundary + "--\r\n";
  }
  static Page upload(Browser& b, std::int64_t article, const std::string& file_name, const std::string& bytes) {
    return b.send("POST", "/articles/" + std::to_string(article) + "/attachments",
                  multipart(b.csrf(), file_name, bytes), "multipart/form-data; boundary=----swtest7MA4YWxkTrZu0gW");
  }

  static constexpr std::size_t kMaxBody = 8u << 20;

  identity::Actor system_{identity::Principal::system("test"), "127.0.0.1", "setup"};
  std::unique_ptr<store::BlobStore> blobs_;
  std::unique_ptr<review::Scanner> scanner_;
  std::unique_ptr<content::ContentService> content_;
  std::int64_t sz_org_ = 0;
  std::int64_t nj_site_ = 0, sz_site_ = 0;
  std::int64_t nj_column_ = 0, sz_column_ = 0;
};

}  // namespace sw::console::testing
