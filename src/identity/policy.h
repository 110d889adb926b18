// Policy: every limit of the identity module, with the defaults the notice and the Foundation issue
// ask for. The console's config maps its [identity] keys onto these fields; validate() says which
// field is out of range.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/result.h"

namespace sw::identity {

// libsodium's crypto_pwhash argon2id cost presets (checked against <sodium.h> in password.cc).
inline constexpr std::uint64_t kArgon2OpsInteractive = 2;       // crypto_pwhash_OPSLIMIT_INTERACTIVE
inline constexpr std::size_t kArgon2MemInteractive = 67108864;  // crypto_pwhash_MEMLIMIT_INTERACTIVE
inline constexpr std::uint64_t kArgon2OpsMin = 1;               // crypto_pwhash_OPSLIMIT_MIN
inline constexpr std::size_t kArgon2MemMin = 8192;              // crypto_pwhash_MEMLIMIT_MIN

struct Policy {
  // Passwords (N6.3: refuse simple passwords and passwords left unchanged too long).
  std::size_t min_password_length = 12;          // in bytes of UTF-8
  double min_password_entropy_bits = 40.0;       // libzxcvbn's estimate must reach this
  std::size_t password_history = 5;              // a new password may not equal any of the last N
  std::chrono::hours password_max_age{90 * 24};  // older: login lands in "must change password"
  std::uint64_t argon2_opslimit = kArgon2OpsInteractive;
  std::size_t argon2_memlimit = kArgon2MemInteractive;

  // Lockout (per account and per client IP) with back-off.
  int max_account_failures = 5;     // failures within failure_window that lock the account
  int max_client_ip_failures = 20;  // failures within failure_window that lock the client IP
  std::chrono::seconds failure_window{15 * 60};
  std::chrono::seconds lock_duration{15 * 60};  // first lockout; doubles with each repeated one
  std::chrono::seconds max_lock_duration{24 * 60 * 60};
  std::chrono::seconds backoff_reset{24 * 60 * 60};  // a lockout this long ago no longer doubles

  // Second factor (N6.4).
  bool require_second_factor = true;  // users without one may only enrol after the password step
  int totp_window_steps = 1;          // codes of the previous and next 30 s step are accepted
  std::string totp_issuer = "sitewarden";

  // Sessions.
  std::chrono::seconds session_idle_timeout{15 * 60};
  std::chrono::seconds session_absolute_timeout{8 * 60 * 60};
};

// Checks every field is in range; the error ("identity.bad_policy") names the field.
Status validate(const Policy& policy);

}  // namespace sw::identity
