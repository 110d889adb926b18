// Policy validation: every field in range, the error names the field.
#include "identity/policy.h"

#include <sodium.h>

namespace sw::identity {

static_assert(kArgon2OpsInteractive == crypto_pwhash_OPSLIMIT_INTERACTIVE);
static_assert(kArgon2MemInteractive == crypto_pwhash_MEMLIMIT_INTERACTIVE);
static_assert(kArgon2OpsMin == crypto_pwhash_OPSLIMIT_MIN);
static_assert(kArgon2MemMin == crypto_pwhash_MEMLIMIT_MIN);

namespace {

constexpr std::size_t kMinimumPasswordLength = 8;  // no configuration may go below this
constexpr int kMaxTotpWindowSteps = 10;

std::unexpected<Error> bad(std::string_view field, std::string_view why) {
  return fail("identity.bad_policy", "identity policy " + std::string(field) + " " + std::string(why));
}

}  // namespace

Status validate(const Policy& p) {
  using std::chrono::seconds;
  if (p.min_password_length < kMinimumPasswordLength) return bad("min_password_length", "must be at least 8");
  if (p.min_password_entropy_bits < 0) return bad("min_password_entropy_bits", "must not be negative");
  if (p.password_max_age <= std::chrono::hours{0}) return bad("password_max_age", "must be positive");
  if (p.argon2_opslimit < crypto_pwhash_OPSLIMIT_MIN || p.argon2_opslimit > crypto_pwhash_OPSLIMIT_MAX)
    return bad("argon2_opslimit", "is outside libsodium's range");
  if (p.argon2_memlimit < crypto_pwhash_MEMLIMIT_MIN || p.argon2_memlimit > crypto_pwhash_MEMLIMIT_MAX)
    return bad("argon2_memlimit", "is outside libsodium's range");
  if (p.max_account_failures < 1) return bad("max_account_failures", "must be at least 1");
  if (p.max_client_ip_failures < 1) return bad("max_client_ip_failures", "must be at least 1");
  if (p.failure_window <= seconds{0}) return bad("failure_window", "must be positive");
  if (p.lock_duration <= seconds{0}) return bad("lock_duration", "must be positive");
  if (p.max_lock_duration < p.lock_duration)
    return bad("max_lock_duration", "must be at least lock_duration");
  if (p.backoff_reset <= seconds{0}) return bad("backoff_reset", "must be positive");
  if (p.totp_window_steps < 0 || p.totp_window_steps > kMaxTotpWindowSteps)
    return bad("totp_window_steps", "must be 0..10");
  if (p.totp_issuer.empty()) return bad("totp_issuer", "must not be empty");
  if (p.session_idle_timeout <= seconds{0}) return bad("session_idle_timeout", "must be positive");
  if (p.session_absolute_timeout < p.session_idle_timeout)
    return bad("session_absolute_timeout", "must be at least session_idle_timeout");
  return ok();
}

}  // namespace sw::identity
