// Login, lockout, password rules over time, second factor and sessions (N6.3, N6.4, N7.4).
#include "identity/fixture.h"

namespace sw::identity::testing {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using IdentityLogin = IdentityTest;

// ----- password step -----

TEST_F(IdentityLogin, FirstLoginLandsInEnrolmentThenPasswordChange) {
  make_user("zhangwei", city_);
  auto step = login("zhangwei", kPassword);
  ASSERT_TRUE(step) << step.error().to_string();
  EXPECT_EQ(step->session.stage, SessionStage::enrolment_required);
  EXPECT_TRUE(step->session.principal.grants.empty());
  const audit::Event e = audit_.with_action("auth.login").back();
  EXPECT_EQ(e.outcome, audit::Outcome::success);
  EXPECT_EQ(e.client_ip, kClientIp);
}

TEST_F(IdentityLogin, FirstLoginMustChangePasswordWhenNoSecondFactorIsRequired) {
  policy_.require_second_factor = false;
  reopen();
  make_user("zhangwei", city_);
  EXPECT_EQ(login("zhangwei", kPassword)->session.stage, SessionStage::password_change_required);
}

TEST_F(IdentityLogin, WrongPasswordAndUnknownUserFailIdentically) {
  make_user("zhangwei", city_);
  auto wrong = login("zhangwei", "Wrong#Password9");
  auto unknown = login("nobody", "Wrong#Password9");
  ASSERT_FALSE(wrong);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(wrong.error().code, "identity.bad_credentials");
  EXPECT_EQ(wrong.error().code, unknown.error().code);
  EXPECT_EQ(wrong.error().message, unknown.error().message);
}

TEST_F(IdentityLogin, FailedLoginIsAuditedWithoutThePassword) {
  make_user("zhangwei", city_);
  (void)login("zhangwei", "Wrong#Password9");
  const audit::Event e = audit_.with_action("auth.login").back();
  EXPECT_EQ(e.outcome, audit::Outcome::failure);
  EXPECT_EQ(e.request_id, "req-login");
  for (const audit::Event& any : audit_.events) {
    EXPECT_EQ(any.details.dump().find("Wrong#Password9"), std::string::npos);
    EXPECT_EQ(any.details.dump().find(kPassword), std::string::npos);
  }
}

TEST_F(IdentityLogin, DisabledAccountIsRefused) {
  const User u = make_user("zhangwei", city_);
  ASSERT_TRUE(service_->set_disabled(cli(), u.id, true));
  EXPECT_EQ(login("zhangwei", kPassword).error().code, "identity.disabled");
}

// ----- lockout -----

TEST_F(IdentityLogin, AccountLocksAfterNFailuresAndRefusesTheRightPassword) {
  make_user("zhangwei", city_);
  for (int i = 0; i < policy_.max_account_failures; ++i) (void)login("zhangwei", "Wrong#Password9");
  auto r = login("zhangwei", kPassword);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "identity.locked");
  EXPECT_NE(r.error().message.find("until"), std::string::npos);
  ASSERT_EQ(audit_.with_action("auth.lockout").size(), 1u);
  EXPECT_EQ(audit_.with_action("auth.lockout")[0].object, "user:zhangwei");
}

TEST_F(IdentityLogin, LockExpiresAfterItsDuration) {
  make_user("zhangwei", city_);
  for (int i = 0; i < policy_.max_account_failures; ++i) (void)login("zhangwei", "Wrong#Password9");
  clock_.advance(policy_.lock_duration + seconds{1});
  EXPECT_TRUE(login("zhangwei", kPassword));
}

TEST_F(IdentityLogin, RepeatedLockoutDoublesTheLock) {
  make_user("zhangwei", city_);
  for (int i = 0; i < policy_.max_account_failures; ++i) (void)login("zhangwei", "Wrong#Password9");
  clock_.advance(policy_.lock_duration + seconds{1});
  for (int i = 0; i < policy_.max_account_failures; ++i) (void)login("zhangwei", "Wrong#Password9");
  clock_.advance(policy_.lock_duration + seconds{1});
  EXPECT_EQ(login("zhangwei", kPassword).error().code, "identity.locked");
  clock_.advance(policy_.lock_duration);
  EXPECT_TRUE(login("zhangwei", kPassword));
  EXPECT_EQ(audit_.with_action("auth.lockout")[1].details["lockouts"], 2);
}

TEST_F(IdentityLogin, UnknownUsernamesLockLikeKnownOnes) {
  for (int i = 0; i < policy_.max_account_failures; ++i) (void)login("nobody", "Wrong#Password9");
  EXPECT_EQ(login("nobody", "Wrong#Password9").error().code, "identity.locked");
}

TEST_F(IdentityLogin, ClientIpLocksAfterItsLimitAcrossAccounts) {
  policy_.max_client_ip_failures = 6;
  reopen();
  make_user("zhangwei", city_);
  const std::string ip = "198.51.100.7";
  for (int i = 0; i < policy_.max_client_ip_failures; ++i)
    (void)login("guess" + std::to_string(i), "Wrong#Pw99x", ip);
  auto r = login("zhangwei", kPassword, ip);
  EXPECT_EQ(r.error().code, "identity.locked");
  EXPECT_NE(r.error().message.find(ip), std::string::npos);
  EXPECT_EQ(audit_.with_action("auth.lockout").back().object, "client_ip:" + ip);
  EXPECT_TRUE(login("zhangwei", kPassword, "198.51.100.8"));
}

TEST_F(IdentityLogin, AdministratorUnlockLiftsTheLockoutAndIsAudited) {
  const User u = make_user("zhangwei", city_);
  for (int i = 0; i < policy_.max_account_failures; ++i) (void)login("zhangwei", "Wrong#Password9");
  EXPECT_TRUE(service_->get_user(Principal::system("t"), u.id)->locked_until.has_value());
  const Principal sys = with_role("sysadmin", Role::system_admin, Scope::org(root_));
  ASSERT_TRUE(service_->unlock_user(as(sys), u.id));
  EXPECT_EQ(audit_.last().action, "user.unlock");
  EXPECT_EQ(audit_.last().actor_role, "system_admin");
  EXPECT_TRUE(login("zhangwei", kPassword));
}

TEST_F(IdentityLogin, AdministratorLockRefusesLoginUntilUnlocked) {
  const User u = make_user("zhangwei", city_);
  ASSERT_TRUE(service_->lock_user(cli(), u.id, "left the unit", std::nullopt));
  auto r = login("zhangwei", kPassword);
  EXPECT_EQ(r.error().code, "identity.locked");
  EXPECT_NE(r.error().message.find("left the unit"), std::string::npos);
  ASSERT_TRUE(service_->unlock_user(cli(), u.id));
  EXPECT_TRUE(login("zhangwei", kPassword));
}

// ----- password change, history, expiry -----

TEST_F(IdentityLogin, PasswordReusedWithinTheLastFiveIsRefusedAndAcceptedAfterFiveOthers) {
  policy_.require_second_factor = false;
  reopen();
  make_user("zhangwei", city_);
  std::string sid = login("zhangwei", kPassword)->session_id;
  std::string current(kPassword);
  for (int i = 0; i < 4; ++i) {
    auto next = service_->change_password(sid, current, kOtherPasswords[i], ctx());
    ASSERT_TRUE(next) << next.error().to_string();
    sid = next->session_id;
    current = kOtherPasswords[i];
  }
  auto reused = service_->change_password(sid, current, kPassword, ctx());
  ASSERT_FALSE(reused);
  EXPECT_EQ(reused.error().code, "identity.password_reused");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::failure);
  auto fifth = service_->change_password(sid, current, kOtherPasswords[4], ctx());
  ASSERT_TRUE(fifth);
  EXPECT_TRUE(service_->change_password(fifth->session_id, kOtherPasswords[4], kPassword, ctx()));
}

TEST_F(IdentityLogin, PasswordChangeNeedsTheCurrentPassword) {
  policy_.require_second_factor = false;
  reopen();
  make_user("zhangwei", city_);
  const std::string sid = login("zhangwei", kPassword)->session_id;
  EXPECT_EQ(service_->change_password(sid, "Wrong#Password9", kOtherPasswords[0], ctx()).error().code,
            "identity.bad_credentials");
}

TEST_F(IdentityLogin, ExpiredPasswordLandsInMustChange) {
  auto [step, secret] = full_login("zhangwei");
  EXPECT_EQ(step.session.stage, SessionStage::full);
  clock_.advance(policy_.password_max_age + hours{1});
  auto again = login("zhangwei", kOtherPasswords[0]);
  ASSERT_TRUE(again);
  auto verified = service_->verify_totp(again->session_id, code(secret), ctx());
  ASSERT_TRUE(verified) << verified.error().to_string();
  EXPECT_EQ(verified->session.stage, SessionStage::password_change_required);
  EXPECT_TRUE(verified->session.principal.grants.empty());
}

TEST_F(IdentityLogin, ResetPasswordForcesAChangeAndEndsSessions) {
  auto [step, secret] = full_login("zhangwei");
  ASSERT_TRUE(service_->reset_password(cli(), step.session.user_id, kOtherPasswords[2]));
  EXPECT_EQ(service_->authenticate(step.session_id).error().code, "identity.session_invalid");
  auto again = login("zhangwei", kOtherPasswords[2]);
  ASSERT_TRUE(again);
  clock_.advance(seconds{30});
  EXPECT_EQ(service_->verify_totp(again->session_id, code(secret), ctx())->session.stage,
            SessionStage::password_change_required);
}

// ----- TOTP -----

TEST_F(IdentityLogin, EnrolmentShowsSecretAndUriAndNeedsAConfirmingCode) {
  make_user("zhangwei", city_);
  auto step = login("zhangwei", kPassword);
  auto enrolment = service_->begin_totp_enrolment(step->session_id, ctx());
  ASSERT_TRUE(enrolment);
  EXPECT_EQ(enrolment->secret_base32.size(), 32u);
  EXPECT_EQ(enrolment->otpauth_uri,
            "otpauth://totp/sitewarden:zhangwei?secret=" + enrolment->secret_base32 + "&issuer=sitewarden");
  EXPECT_EQ(service_->confirm_totp_enrolment(step->session_id, "000000", ctx()).error().code,
            "identity.bad_code");
  auto confirmed = service_->confirm_totp_enrolment(step->session_id, code(secret_of(*enrolment)), ctx());
  ASSERT_TRUE(confirmed);
  EXPECT_EQ(confirmed->session.stage, SessionStage::password_change_required);
  EXPECT_EQ(audit_.last().action, "totp.enrol");
  for (const audit::Event& e : audit_.events) {
    EXPECT_EQ(e.details.dump().find(enrolment->secret_base32), std::string::npos);
  }
}

TEST_F(IdentityLogin, ReloadingEnrolmentShowsTheSamePendingSecret) {
  make_user("zhangwei", city_);
  auto step = login("zhangwei", kPassword);
  auto first = service_->begin_totp_enrolment(step->session_id, ctx());
  ASSERT_TRUE(first);
  EXPECT_FALSE(service_->confirm_totp_enrolment(step->session_id, "000000", ctx()));
  auto again = service_->begin_totp_enrolment(step->session_id, ctx());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->secret_base32, first->secret_base32) << "a mistyped code must not replace the app's secret";
  EXPECT_TRUE(service_->confirm_totp_enrolment(step->session_id, code(secret_of(*first)), ctx()));
}

TEST_F(IdentityLogin, UnconfirmedEnrolmentIsNotASecondFactor) {
  make_user("zhangwei", city_);
  auto step = login("zhangwei", kPassword);
  ASSERT_TRUE(service_->begin_totp_enrolment(step->session_id, ctx()));
  EXPECT_EQ(login("zhangwei", kPassword)->session.stage, SessionStage::enrolment_required);
}

TEST_F(IdentityLogin, EnrolledUserMustGiveACode) {
  auto [full, secret] = full_login("zhangwei");
  clock_.advance(seconds{30});
  auto step = login("zhangwei", kOtherPasswords[0]);
  EXPECT_EQ(step->session.stage, SessionStage::second_factor_required);
  EXPECT_EQ(service_->begin_totp_enrolment(step->session_id, ctx()).error().code, "identity.wrong_stage");
  EXPECT_EQ(service_->verify_totp(step->session_id, "12345", ctx()).error().code, "identity.bad_code");
  auto verified = service_->verify_totp(step->session_id, code(secret), ctx());
  ASSERT_TRUE(verified);
  EXPECT_EQ(verified->session.stage, SessionStage::full);
  EXPECT_EQ(audit_.last().action, "auth.second_factor");
}

TEST_F(IdentityLogin, CodeFromTheAdjacentStepIsAccepted) {
  auto [full, secret] = full_login("zhangwei");
  clock_.advance(minutes{2});
  auto step = login("zhangwei", kOtherPasswords[0]);
  EXPECT_TRUE(service_->verify_totp(step->session_id, code(secret, seconds{-30}), ctx()));
}

TEST_F(IdentityLogin, CodeTwoStepsAwayIsRefused) {
  auto [full, secret] = full_login("zhangwei");
  clock_.advance(minutes{2});
  auto step = login("zhangwei", kOtherPasswords[0]);
  EXPECT_EQ(service_->verify_totp(step->session_id, code(secret, seconds{-60}), ctx()).error().code,
            "identity.bad_code");
}

TEST_F(IdentityLogin, ReplayedCodeIsRefused) {
  auto [full, secret] = full_login("zhangwei");
  clock_.advance(minutes{2});
  const std::string used = code(secret);
  auto first = login("zhangwei", kOtherPasswords[0]);
  ASSERT_TRUE(service_->verify_totp(first->session_id, used, ctx()));
  auto second = login("zhangwei", kOtherPasswords[0]);
  auto replay = service_->verify_totp(second->session_id, used, ctx());
  EXPECT_EQ(replay.error().code, "identity.code_replayed");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::failure);
}

TEST_F(IdentityLogin, WrongCodesCountTowardsTheLockout) {
  auto [full, secret] = full_login("zhangwei");
  clock_.advance(minutes{2});
  auto step = login("zhangwei", kOtherPasswords[0]);
  for (int i = 0; i < policy_.max_account_failures; ++i)
    (void)service_->verify_totp(step->session_id, "000000", ctx());
  EXPECT_EQ(service_->verify_totp(step->session_id, code(secret), ctx()).error().code, "identity.locked");
}

// ----- client certificate (N6.4) -----

TEST_F(IdentityLogin, RegisteredClientCertificateSatisfiesTheSecondFactor) {
  const Principal sec = with_role("secadmin", Role::security_admin, Scope::org(root_));
  const User u = make_user("zhangwei", city_);
  const std::string fp(64, 'a');
  ASSERT_TRUE(service_->register_certificate(as(sec), u.id, fp, "CN=zhangwei"));
  EXPECT_EQ(audit_.last().action, "cert.register");
  EXPECT_EQ(login("zhangwei", kPassword)->session.stage, SessionStage::second_factor_required);
  auto with_cert = login("zhangwei", kPassword, kClientIp, fp);
  ASSERT_TRUE(with_cert);
  EXPECT_TRUE(with_cert->session.via_client_certificate);
  EXPECT_EQ(with_cert->session.stage, SessionStage::password_change_required);
}

TEST_F(IdentityLogin, UnregisteredOrRevokedCertificateDoesNotCount) {
  const User u = make_user("zhangwei", city_);
  const User other = make_user("lisi", city_);
  auto cert = service_->register_certificate(cli(), u.id, std::string(64, 'a'), "CN=zhangwei");
  ASSERT_TRUE(service_->register_certificate(cli(), other.id, std::string(64, 'b'), "CN=lisi"));
  EXPECT_FALSE(login("zhangwei", kPassword, kClientIp, std::string(64, 'b'))->session.via_client_certificate);
  ASSERT_TRUE(service_->revoke_certificate(cli(), cert->id));
  EXPECT_FALSE(login("zhangwei", kPassword, kClientIp, std::string(64, 'a'))->session.via_client_certificate);
}

TEST_F(IdentityLogin, CertificateCannotBeRegisteredTwice) {
  const User u = make_user("zhangwei", city_);
  ASSERT_TRUE(service_->register_certificate(cli(), u.id, std::string(64, 'a'), "CN=zhangwei"));
  EXPECT_EQ(service_->register_certificate(cli(), u.id, std::string(64, 'A'), "CN=zhangwei").error().code,
            "identity.certificate_taken");
}

// ----- sessions -----

TEST_F(IdentityLogin, EveryStepRotatesTheSessionId) {
  make_user("zhangwei", city_);
  auto step = login("zhangwei", kPassword);
  const std::string pending = step->session_id;
  auto enrolment = service_->begin_totp_enrolment(pending, ctx());
  auto enrolled = service_->confirm_totp_enrolment(pending, code(secret_of(*enrolment)), ctx());
  ASSERT_TRUE(enrolled);
  EXPECT_NE(enrolled->session_id, pending);
  EXPECT_EQ(service_->authenticate(pending).error().code, "identity.session_invalid");
  auto changed = service_->change_password(enrolled->session_id, kPassword, kOtherPasswords[0], ctx());
  ASSERT_TRUE(changed);
  EXPECT_EQ(service_->authenticate(enrolled->session_id).error().code, "identity.session_invalid");
  auto session = service_->authenticate(changed->session_id);
  ASSERT_TRUE(session);
  EXPECT_EQ(session->stage, SessionStage::full);
}

TEST_F(IdentityLogin, SessionIdIsStoredOnlyHashed) {
  auto [step, secret] = full_login("zhangwei");
  auto rows = db_->query("SELECT id_hash FROM sessions").value();
  for (const auto& row : rows) EXPECT_EQ(row.text(0).find(step.session_id), std::string::npos);
  EXPECT_EQ(step.session_id.size(), 64u);
}

TEST_F(IdentityLogin, FullSessionCarriesGrants) {
  const User u = make_user("zhangwei", city_);
  ASSERT_TRUE(service_->grant_role(cli(), u.id, Role::editor, Scope::site(site_)));
  auto [step, secret] = full_login("zhangwei");
  auto session = service_->authenticate(step.session_id).value();
  ASSERT_EQ(session.principal.grants.size(), 1u);
  EXPECT_TRUE(service_->authorize(session.principal, Permission::content_edit, Scope::site(site_)));
}

TEST_F(IdentityLogin, IdleSessionExpires) {
  auto [step, secret] = full_login("zhangwei");
  clock_.advance(policy_.session_idle_timeout - seconds{1});
  ASSERT_TRUE(service_->authenticate(step.session_id));
  clock_.advance(policy_.session_idle_timeout - seconds{1});
  ASSERT_TRUE(service_->authenticate(step.session_id));
  clock_.advance(policy_.session_idle_timeout);
  EXPECT_EQ(service_->authenticate(step.session_id).error().code, "identity.session_expired");
  EXPECT_EQ(service_->authenticate(step.session_id).error().code, "identity.session_invalid");
}

TEST_F(IdentityLogin, ActiveSessionExpiresAtTheAbsoluteLimit) {
  auto [step, secret] = full_login("zhangwei");
  const auto tick = policy_.session_idle_timeout - seconds{1};
  auto elapsed = seconds{0};
  while (elapsed + tick < policy_.session_absolute_timeout) {
    clock_.advance(tick);
    elapsed += tick;
    ASSERT_TRUE(service_->authenticate(step.session_id));
  }
  clock_.advance(tick);
  EXPECT_EQ(service_->authenticate(step.session_id).error().code, "identity.session_expired");
}

TEST_F(IdentityLogin, LogoutEndsTheSessionAndIsAudited) {
  auto [step, secret] = full_login("zhangwei");
  ASSERT_TRUE(service_->logout(step.session_id, ctx()));
  EXPECT_EQ(audit_.last().action, "auth.logout");
  EXPECT_EQ(service_->authenticate(step.session_id).error().code, "identity.session_invalid");
  EXPECT_TRUE(service_->logout(step.session_id, ctx()));
}

TEST_F(IdentityLogin, LogoutEverywhereEndsAllSessionsOfTheUser) {
  auto [first, secret] = full_login("zhangwei");
  clock_.advance(seconds{30});
  auto pending = login("zhangwei", kOtherPasswords[0]);
  auto second = service_->verify_totp(pending->session_id, code(secret), ctx());
  ASSERT_TRUE(second);
  const Actor self{service_->authenticate(second->session_id)->principal, std::string(kClientIp), "r"};
  ASSERT_TRUE(service_->logout_everywhere(self, first.session.user_id));
  EXPECT_EQ(audit_.last().action, "auth.logout_all");
  EXPECT_FALSE(service_->authenticate(first.session_id));
  EXPECT_FALSE(service_->authenticate(second->session_id));
}

TEST_F(IdentityLogin, LogoutEverywhereOfSomeoneElseNeedsUserManage) {
  auto [step, secret] = full_login("zhangwei");
  const Principal editor = with_role("editor1", Role::editor, Scope::org(root_));
  EXPECT_EQ(service_->logout_everywhere(as(editor), step.session.user_id).error().code, "identity.forbidden");
}

TEST_F(IdentityLogin, UnknownSessionIdIsInvalid) {
  EXPECT_EQ(service_->authenticate("deadbeef").error().code, "identity.session_invalid");
  EXPECT_EQ(service_->authenticate("").error().code, "identity.session_invalid");
}

TEST_F(IdentityLogin, CsrfTokenIsCheckedExactly) {
  auto [step, secret] = full_login("zhangwei");
  const Session s = service_->authenticate(step.session_id).value();
  EXPECT_EQ(s.csrf_token.size(), 64u);
  EXPECT_TRUE(check_csrf(s, s.csrf_token));
  EXPECT_EQ(check_csrf(s, "").error().code, "identity.csrf_mismatch");
  EXPECT_EQ(check_csrf(s, s.csrf_token.substr(1)).error().code, "identity.csrf_mismatch");
  std::string flipped = s.csrf_token;
  flipped[0] = flipped[0] == 'a' ? 'b' : 'a';
  EXPECT_EQ(check_csrf(s, flipped).error().code, "identity.csrf_mismatch");
}

TEST_F(IdentityLogin, DisablingEndsSessions) {
  auto [step, secret] = full_login("zhangwei");
  ASSERT_TRUE(service_->set_disabled(cli(), step.session.user_id, true));
  EXPECT_EQ(service_->authenticate(step.session_id).error().code, "identity.session_invalid");
}

}  // namespace
}  // namespace sw::identity::testing
