// Test fixture for IdentityService: an in-memory database, a FakeClock, and a fake audit log that
// records events, so identity tests do not depend on the audit module's implementation.
#pragma once

#include <future>

#include <gtest/gtest.h>

#include <algorithm>

#include "base/crypto.h"
#include "identity/identity.h"
#include "identity/totp.h"

namespace sw::identity::testing {

class FakeAuditLog final : public audit::AuditLog {
 public:
  Result<std::int64_t> append(audit::Event event) override {
    events.push_back(std::move(event));
    return static_cast<std::int64_t>(events.size());
  }
  std::future<Result<std::int64_t>> append_async(audit::Event event) override {
    std::promise<Result<std::int64_t>> done;
    done.set_value(append(std::move(event)));
    return done.get_future();
  }
  Result<std::int64_t> append_all(std::vector<audit::Event> batch) override {
    const auto first = static_cast<std::int64_t>(events.size()) + 1;
    for (auto& e : batch) events.push_back(std::move(e));
    return first;
  }
  Status checkpoint() override { return ok(); }
  Result<std::vector<audit::StoredEvent>> query(const audit::Query&) override { return {}; }
  Result<std::int64_t> count(const audit::Query&) override { return 0; }
  Result<audit::VerifyReport> verify(const std::vector<crypto::PublicKey>&) override {
    return audit::VerifyReport{};
  }
  Status export_jsonl(TimePoint, TimePoint, const std::filesystem::path&) override { return ok(); }

  // Events with this action, in order.
  std::vector<audit::Event> with_action(std::string_view action) const {
    std::vector<audit::Event> out;
    std::ranges::copy_if(events, std::back_inserter(out),
                         [&](const audit::Event& e) { return e.action == action; });
    return out;
  }
  const audit::Event& last() const { return events.back(); }

  std::vector<audit::Event> events;
};

inline constexpr std::string_view kPassword = "Kx9#mQ2vLp7!wZ";  // strong enough for the default policy
inline constexpr std::string_view kOtherPasswords[] = {"Qw7!rTy9#uIo2", "Gh4%kLm8@nBv3",  "Zx2^cVb6&nMq9",
                                                       "Pl0)oKi9*uJy8", "Tr0ub4dor&3xyz", "Mn5$bVc7^xZq1"};
inline constexpr std::string_view kClientIp = "192.0.2.10";

class IdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::open_memory();
    ASSERT_TRUE(db) << db.error().to_string();
    db_ = std::move(*db);
    policy_.argon2_opslimit = kArgon2OpsMin;  // fast tests; production uses INTERACTIVE
    policy_.argon2_memlimit = kArgon2MemMin;
    reopen();
    root_ = service_->create_organisation(cli(), std::nullopt, "江苏省总工会", OrgKind::province).value().id;
    city_ = service_->create_organisation(cli(), root_, "南京市总工会", OrgKind::city).value().id;
    other_city_ = service_->create_organisation(cli(), root_, "苏州市总工会", OrgKind::city).value().id;
    site_ = service_->create_site(cli(), city_, "南京工会网").value().id;
  }

  void reopen() {
    const crypto::Suite& suite = crypto::suite(crypto::SuiteId::gm);
    auto s =
        IdentityService::open(*db_, audit_, suite, std::string(suite.seal_key_size(), 'k'), policy_, clock_);
    ASSERT_TRUE(s) << s.error().to_string();
    service_ = std::move(*s);
  }

  static Actor cli() { return Actor{Principal::system("tester"), "127.0.0.1", "req-cli"}; }
  static Actor as(const Principal& p) { return Actor{p, std::string(kClientIp), "req-1"}; }
  static RequestContext ctx() { return RequestContext{std::string(kClientIp), "req-1"}; }

  // Creates a user at `org` with kPassword.
  User make_user(const std::string& username, std::int64_t org) {
    auto u = service_->create_user(cli(), NewUser{username, "测试用户", org, "13912345678",
                                                  username + "@example.org.cn", std::string(kPassword)});
    EXPECT_TRUE(u) << u.error().to_string();
    return *u;
  }

  // A principal holding `role` on `scope` (granted by the CLI).
  Principal with_role(const std::string& username, Role role, Scope scope) {
    const User u = make_user(username, root_);
    auto g = service_->grant_role(cli(), u.id, role, scope);
    EXPECT_TRUE(g) << g.error().to_string();
    return Principal::user(u.id, username, {*g});
  }

  Result<LoginStep> login(const std::string& username, std::string_view password,
                          std::string_view ip = kClientIp,
                          std::optional<std::string> fingerprint = std::nullopt) {
    return service_->login_password(
        LoginRequest{username, std::string(password), std::string(ip), "req-login", std::move(fingerprint)});
  }

  // Creates the user at city_ if absent, logs in, enrols TOTP and changes the initial password to
  // kOtherPasswords[0]: a full session. Returns it and the TOTP secret (empty on failure).
  std::pair<LoginStep, std::string> full_login(const std::string& username) {
    if (!service_->find_user(Principal::system("t"), username)) make_user(username, city_);
    auto step = login(username, kPassword);
    EXPECT_TRUE(step) << step.error().to_string();
    if (!step) return {};
    auto enrolment = service_->begin_totp_enrolment(step->session_id, ctx());
    EXPECT_TRUE(enrolment);
    if (!enrolment) return {};
    const std::string secret = secret_of(*enrolment);
    auto enrolled = service_->confirm_totp_enrolment(step->session_id, code(secret), ctx());
    EXPECT_TRUE(enrolled) << enrolled.error().to_string();
    if (!enrolled) return {};
    auto changed = service_->change_password(enrolled->session_id, kPassword, kOtherPasswords[0], ctx());
    EXPECT_TRUE(changed) << changed.error().to_string();
    if (!changed) return {};
    return {*changed, secret};
  }

  std::string code(const std::string& secret, std::chrono::seconds offset = std::chrono::seconds{0}) {
    return totp_code(secret, clock_.now() + offset).value();
  }

  // Decodes the base32 secret shown at enrolment (RFC 4648, no padding).
  static std::string secret_of(const TotpEnrolment& e) {
    static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (char c : e.secret_base32) {
      buffer = (buffer << 5) | static_cast<unsigned>(kAlphabet.find(c));
      bits += 5;
      if (bits >= 8) {
        out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xFF));
        bits -= 8;
      }
    }
    return out;
  }

  std::unique_ptr<store::Database> db_;
  FakeAuditLog audit_;
  FakeClock clock_;
  Policy policy_;
  std::unique_ptr<IdentityService> service_;
  std::int64_t root_ = 0, city_ = 0, other_city_ = 0, site_ = 0;
};

}  // namespace sw::identity::testing
