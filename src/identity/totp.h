// TOTP (RFC 6238: HMAC-SHA-1, 30-second steps from the Unix epoch) via liboath, as the second
// factor N6.4 allows in place of a certificate.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"

namespace sw::identity {

inline constexpr unsigned kTotpStepSeconds = 30;
inline constexpr unsigned kTotpDigits = 6;
inline constexpr std::size_t kTotpSecretBytes = 20;  // RFC 4226 recommends 160 bits

// The step number of time t: floor(unix seconds / 30).
std::int64_t totp_step(TimePoint t);

// The code for `secret` (raw bytes) at time t with `digits` digits (6..8).
Result<std::string> totp_code(std::string_view secret, TimePoint t, unsigned digits = kTotpDigits);

// Finds the step within ±window_steps of t whose code equals `code` (compared in constant time),
// or nullopt. A code that is not `kTotpDigits` decimal digits never matches.
std::optional<std::int64_t> match_totp(std::string_view secret, std::string_view code, TimePoint t,
                                       int window_steps);

// otpauth://totp/<issuer>:<account>?secret=<base32>&issuer=<issuer> (percent-encoded labels).
std::string otpauth_uri(std::string_view issuer, std::string_view account, std::string_view secret_base32);

}  // namespace sw::identity
