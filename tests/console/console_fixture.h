// A console on a real socket for tests: temp database, audit log, identity service with cheap
// argon2 settings and a FakeClock, the http::Server on 127.0.0.1 with an ephemeral port, and a
// cookie-keeping client that talks to it like a browser would.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <regex>
#include <string>

#include "audit/audit_log.h"
#include "base/crypto.h"
#include "console/console.h"
#include "http/router.h"
#include "http/server.h"
#include "identity/identity.h"
#include "identity/totp.h"
#include "registry/registry.h"
#include "store/database.h"
#include "../http/test_client.h"

namespace sw::console::testing {

inline constexpr std::string_view kInitial = "Su-Gonghui#2026";
inline constexpr std::string_view kChanged = "Lanse-Haian#7391";

struct Page {
  int status = 0;
  http::Headers headers;
  std::string body;
  std::string location() const { return std::string(headers.get("Location").value_or("")); }
};

// One browser: keeps cookies, sends form posts with the CSRF token of the last page it saw.
class Browser {
 public:
  explicit Browser(std::uint16_t port, std::optional<http::testing::TlsClientOptions> tls = std::nullopt)
      : port_(port), tls_(std::move(tls)) {}

  Page get(const std::string& path) { return send("GET", path, "", ""); }
  Page post(const std::string& path, std::map<std::string, std::string> form, bool with_csrf = true) {
    if (with_csrf && !form.contains("csrf")) form["csrf"] = last_csrf_;
    std::string body;
    for (const auto& [k, v] : form) body += (body.empty() ? "" : "&") + encode(k) + "=" + encode(v);
    return send("POST", path, body, "application/x-www-form-urlencoded");
  }
  Page send(const std::string& method, const std::string& path, const std::string& body, const std::string& type,
            const std::string& extra_headers = "") {
    auto conn = tls_ ? http::testing::ClientConnection::tls(port_, *tls_) : http::testing::ClientConnection::plain(port_);
    EXPECT_TRUE(conn);
    if (!conn) return {};
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    if (!cookies_.empty()) {
      std::string c;
      for (const auto& [k, v] : cookies_) c += (c.empty() ? "" : "; ") + k + "=" + v;
      req += "Cookie: " + c + "\r\n";
    }
    if (!type.empty()) req += "Content-Type: " + type + "\r\n";
    req += extra_headers;
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    auto r = conn->round_trip(req);
    EXPECT_TRUE(r);
    if (!r) return {};
    for (const auto& [name, value] : r->headers.fields()) {
      if (!http::iequals(name, "Set-Cookie")) continue;
      const auto eq = value.find('=');
      const auto semi = value.find(';');
      const std::string key = value.substr(0, eq);
      const std::string val = value.substr(eq + 1, semi - eq - 1);
      if (value.find("Max-Age=0") != std::string::npos || val.empty()) {
        cookies_.erase(key);
      } else {
        cookies_[key] = val;
      }
    }
    std::smatch m;
    static const std::regex kCsrf("name=\"csrf\" value=\"([0-9a-zA-Z_-]+)\"");
    if (std::regex_search(r->body, m, kCsrf)) last_csrf_ = m[1];
    return Page{r->status, r->headers, r->body};
  }

  std::map<std::string, std::string>& cookies() { return cookies_; }
  const std::string& csrf() const { return last_csrf_; }

 private:
  static std::string encode(const std::string& s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
        out += static_cast<char>(c);
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
    return out;
  }
  std::uint16_t port_;
  std::optional<http::testing::TlsClientOptions> tls_;
  std::map<std::string, std::string> cookies_;
  std::string last_csrf_;
};

class ConsoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = http::testing::make_temp_dir();
    const auto& suite = crypto::suite(crypto::SuiteId::gm);
    auto key = suite.generate_signing_key();
    ASSERT_TRUE(key);
    trusted_ = {key->public_key};
    auto db = store::Database::open(dir_ / "sw.db");
    ASSERT_TRUE(db) << db.error().to_string();
    db_ = std::move(*db);
    auto audit = audit::AuditLog::open(dir_ / "sw.db", suite, *key);
    ASSERT_TRUE(audit) << audit.error().to_string();
    audit_ = std::move(*audit);
    identity::Policy policy;
    policy.argon2_opslimit = identity::kArgon2OpsMin;
    policy.argon2_memlimit = identity::kArgon2MemMin;
    clock_.set(std::chrono::system_clock::now());
    auto id = identity::IdentityService::open(*db_, *audit_, suite, crypto::random_bytes(suite.seal_key_size()),
                                              policy, clock_);
    ASSERT_TRUE(id) << id.error().to_string();
    identity_ = std::move(*id);
    identity::Actor system{identity::Principal::system("test"), "127.0.0.1", "setup"};
    auto officer = [](const char* name, const char* real) {
      return identity::OfficerAccount{name, real, "13912345601", std::string(name) + "@jsgh.org.cn",
                                      std::string(kInitial)};
    };
    auto boot = identity_->bootstrap(system, {"江苏省总工会", officer("sysadmin", "王建国"),
                                              officer("secadmin", "李保密"), officer("auditor", "陈审计")});
    ASSERT_TRUE(boot) << boot.error().to_string();
    root_org_ = boot->root_org_id;
    auto city = identity_->create_organisation(system, root_org_, "南京市总工会", identity::OrgKind::city);
    ASSERT_TRUE(city);
    city_org_ = city->id;

    registry_ = registry::Registry::open(*db_, *audit_, registry::DomainRules{}, clock_);
    console_ = std::make_unique<Console>(*identity_, *audit_, *registry_,
                                         ConsoleOptions{Language::zh_cn, true, false, trusted_});
    http::Router router;
    console_->install(router);
    http::ServerOptions options;
    options.listeners.push_back(listener());
    options.limits.max_body_bytes = 64 * 1024;
    server_ = std::make_unique<http::Server>(options, std::move(router));
    server_->add_filter(console_->security_headers_filter());
    auto started = server_->start();
    ASSERT_TRUE(started) << started.error().to_string();
    port_ = server_->port(0);
  }

  // The console's listener; TLS fixtures override it.
  virtual http::ListenerOptions listener() { return http::ListenerOptions{"console", "127.0.0.1", 0, std::nullopt}; }

  void TearDown() override {
    if (server_) {
      server_->stop();
      server_->wait();
    }
    server_.reset();
    console_.reset();
    registry_.reset();
    identity_.reset();
    audit_.reset();
    db_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Reads the TOTP secret shown on the enrolment page and returns the current code.
  static std::string code_from_enrolment_page(const std::string& html, TimePoint at) {
    std::smatch m;
    static const std::regex kSecret("id=\"totp-secret\">([A-Z2-7]+)<");
    EXPECT_TRUE(std::regex_search(html, m, kSecret));
    const std::string secret = base32_decode(m[1]);
    auto code = identity::totp_code(secret, at);
    EXPECT_TRUE(code);
    return code ? *code : "";
  }

  static std::string base32_decode(const std::string& text) {
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (char c : text) {
      const int v = c >= 'A' && c <= 'Z' ? c - 'A' : c - '2' + 26;
      buffer = (buffer << 5) | static_cast<unsigned>(v);
      bits += 5;
      if (bits >= 8) {
        out += static_cast<char>((buffer >> (bits - 8)) & 0xff);
        bits -= 8;
      }
    }
    return out;
  }

  // Takes `username` through password, TOTP enrolment and the forced password change.
  Browser logged_in(const std::string& username) { return log_in(Browser(port_), username); }
  // The same over TLS without a client certificate.
  Browser logged_in_tls(const std::string& username) {
    return log_in(Browser(port_, http::testing::TlsClientOptions{}), username);
  }

  Browser log_in(Browser b, const std::string& username) {
    b.get("/login");
    Page p = b.post("/login", {{"username", username}, {"password", std::string(kInitial)}});
    EXPECT_EQ(p.status, 303);
    EXPECT_EQ(p.location(), "/account/totp");
    p = b.get("/account/totp");
    const std::string code = code_from_enrolment_page(p.body, clock_.now());
    p = b.post("/account/totp", {{"code", code}});
    EXPECT_EQ(p.location(), "/account/password");
    b.get("/account/password");
    p = b.post("/account/password",
               {{"current", std::string(kInitial)}, {"new", std::string(kChanged)}, {"confirm", std::string(kChanged)}});
    EXPECT_EQ(p.status, 303);
    EXPECT_EQ(p.location(), "/?msg=msg_password_changed");
    return b;
  }

  std::vector<audit::StoredEvent> events(const std::string& action) {
    audit::Query q;
    q.action = action;
    q.limit = 100;
    auto r = audit_->query(q);
    EXPECT_TRUE(r);
    return r ? *r : std::vector<audit::StoredEvent>{};
  }

  std::filesystem::path dir_;
  FakeClock clock_;
  std::vector<crypto::PublicKey> trusted_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<identity::IdentityService> identity_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<Console> console_;
  std::unique_ptr<http::Server> server_;
  std::uint16_t port_ = 0;
  std::int64_t root_org_ = 0;
  std::int64_t city_org_ = 0;
};

}  // namespace sw::console::testing
