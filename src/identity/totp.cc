// TOTP per RFC 6238 via liboath (N6.4 second factor).
#include "identity/totp.h"

#include <liboath/oath.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "base/crypto.h"

namespace sw::identity {
namespace {

constexpr unsigned kMinDigits = 6;
constexpr unsigned kMaxDigits = 8;

void init_oath_once() {
  static std::once_flag once;
  std::call_once(once, [] { oath_init(); });
}

bool all_digits(std::string_view s) {
  return std::ranges::all_of(s, [](unsigned char c) { return std::isdigit(c) != 0; });
}

// RFC 3986 unreserved characters pass; everything else is %XX.
std::string percent_encode(std::string_view s) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

}  // namespace

std::int64_t totp_step(TimePoint t) { return unix_seconds(t) / kTotpStepSeconds; }

Result<std::string> totp_code(std::string_view secret, TimePoint t, unsigned digits) {
  if (digits < kMinDigits || digits > kMaxDigits)
    return fail("identity.bad_totp_digits", "TOTP digits must be 6..8");
  init_oath_once();
  char out[kMaxDigits + 1] = {};
  const int rc = oath_totp_generate(secret.data(), secret.size(), static_cast<time_t>(unix_seconds(t)),
                                    kTotpStepSeconds, OATH_TOTP_DEFAULT_START_TIME, digits, out);
  if (rc != OATH_OK) return fail("identity.totp_failed", std::string("liboath: ") + oath_strerror(rc));
  return std::string(out, digits);
}

std::optional<std::int64_t> match_totp(std::string_view secret, std::string_view code, TimePoint t,
                                       int window_steps) {
  if (code.size() != kTotpDigits || !all_digits(code)) return std::nullopt;
  const std::int64_t now_step = totp_step(t);
  std::optional<std::int64_t> found;
  // Every candidate is computed and compared so timing does not reveal which step matched.
  for (int offset = -window_steps; offset <= window_steps; ++offset) {
    const std::int64_t step = now_step + offset;
    auto expected = totp_code(secret, TimePoint{std::chrono::seconds{step * kTotpStepSeconds}});
    if (expected && crypto::equal_constant_time(*expected, code) && !found) found = step;
  }
  return found;
}

std::string otpauth_uri(std::string_view issuer, std::string_view account, std::string_view secret_base32) {
  return "otpauth://totp/" + percent_encode(issuer) + ":" + percent_encode(account) +
         "?secret=" + std::string(secret_base32) + "&issuer=" + percent_encode(issuer);
}

}  // namespace sw::identity
