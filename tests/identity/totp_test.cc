// TOTP per RFC 6238 (N6.4 second factor).
#include <gtest/gtest.h>

#include "identity/totp.h"

namespace sw::identity {
namespace {

const std::string kRfcSecret = "12345678901234567890";  // RFC 6238 appendix B, SHA-1

TimePoint at(std::int64_t unix) { return TimePoint{std::chrono::seconds{unix}}; }

TEST(Totp, Rfc6238VectorsEightDigits) {
  EXPECT_EQ(totp_code(kRfcSecret, at(59), 8).value(), "94287082");
  EXPECT_EQ(totp_code(kRfcSecret, at(1111111109), 8).value(), "07081804");
  EXPECT_EQ(totp_code(kRfcSecret, at(1234567890), 8).value(), "89005924");
  EXPECT_EQ(totp_code(kRfcSecret, at(2000000000), 8).value(), "69279037");
}

TEST(Totp, SixDigitsAreTheLastSixOfTheRfcValue) {
  EXPECT_EQ(totp_code(kRfcSecret, at(59)).value(), "287082");
}

TEST(Totp, BadDigitCountIsRefused) { EXPECT_FALSE(totp_code(kRfcSecret, at(59), 4)); }

TEST(Totp, MatchesWithinOneStepEitherSide) {
  const TimePoint t = at(1'790'000'000);
  const std::string previous = totp_code(kRfcSecret, t - std::chrono::seconds{30}).value();
  const std::string next = totp_code(kRfcSecret, t + std::chrono::seconds{30}).value();
  EXPECT_EQ(match_totp(kRfcSecret, previous, t, 1), totp_step(t) - 1);
  EXPECT_EQ(match_totp(kRfcSecret, next, t, 1), totp_step(t) + 1);
}

TEST(Totp, CodeTwoStepsOldIsRefused) {
  const TimePoint t = at(1'790'000'000);
  const std::string old = totp_code(kRfcSecret, t - std::chrono::seconds{60}).value();
  EXPECT_FALSE(match_totp(kRfcSecret, old, t, 1));
}

TEST(Totp, MalformedCodesNeverMatch) {
  EXPECT_FALSE(match_totp(kRfcSecret, "", at(59), 1));
  EXPECT_FALSE(match_totp(kRfcSecret, "28708", at(59), 1));
  EXPECT_FALSE(match_totp(kRfcSecret, "94287082", at(59), 1));
  EXPECT_FALSE(match_totp(kRfcSecret, "28708a", at(59), 1));
}

TEST(Totp, OtpauthUriNamesIssuerAccountAndSecret) {
  EXPECT_EQ(otpauth_uri("sitewarden", "zhang.wei", "GEZDGNBV"),
            "otpauth://totp/sitewarden:zhang.wei?secret=GEZDGNBV&issuer=sitewarden");
}

}  // namespace
}  // namespace sw::identity
