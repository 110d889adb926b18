// What the ContentService tests share: an in-memory database with the province, two sites, the
// review scanner with the shipped lexicons, people with grants on a site, and article fields.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "content/articles.h"
#include "identity/fixture.h"  // FakeAuditLog

namespace sw::content::testing {

class ContentFixture : public ::testing::Test {
 protected:
  // The database, the province with 江苏工会网 (site_) and 南京工会网 (other_site_), and the scanner.
  void open_world() {
    auto db = store::Database::open_memory();
    ASSERT_TRUE(db) << db.error().to_string();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->exec("INSERT INTO organisations (parent_id, name, kind) VALUES (NULL, '江苏省总工会', 'province')"));
    const std::int64_t root = db_->last_insert_id();
    ASSERT_TRUE(db_->exec("INSERT INTO sites (org_id, name) VALUES (?, '江苏工会网')", {root}));
    site_ = db_->last_insert_id();
    ASSERT_TRUE(db_->exec("INSERT INTO sites (org_id, name) VALUES (?, '南京工会网')", {root}));
    other_site_ = db_->last_insert_id();
    auto scanner = review::Scanner::create(review::builtin_lexicon());
    ASSERT_TRUE(scanner) << scanner.error().to_string();
    scanner_ = std::make_unique<review::Scanner>(std::move(*scanner));
  }

  static Actor cli() { return Actor{Principal::system("tester"), "127.0.0.1", "req-cli"}; }
  static Actor as(const Principal& p) { return Actor{p, "192.0.2.10", "req-1"}; }

  // A user with the roles on `site` (site_ by default).
  Principal person(std::int64_t id, const std::string& name, std::vector<identity::Role> roles, std::int64_t site = 0) {
    std::vector<identity::Grant> grants;
    for (identity::Role r : roles) {
      identity::Grant g;
      g.id = id * 10 + static_cast<std::int64_t>(grants.size());
      g.user_id = id;
      g.role = r;
      g.scope = identity::Scope::site(site ? site : site_);
      grants.push_back(g);
    }
    return Principal::user(id, name, std::move(grants));
  }

  static ArticleFields fields(std::string body = "<p>全省工会系统召开会议。</p>") {
    ArticleFields f;
    f.title = "省总工会召开工作会议";
    f.summary = "会议部署了全年工作。";
    f.body_html = std::move(body);
    f.byline = "记者 王明";
    f.source = "江苏工会网";
    return f;
  }

  std::unique_ptr<store::Database> db_;
  identity::testing::FakeAuditLog audit_;
  FakeClock clock_;
  std::unique_ptr<review::Scanner> scanner_;
  std::unique_ptr<ContentService> service_;
  std::int64_t site_ = 0, other_site_ = 0;
};

}  // namespace sw::content::testing
