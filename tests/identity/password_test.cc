// Password hashing and strength rules (N6.3: refuse simple passwords).
#include <gtest/gtest.h>

#include "identity/password.h"

namespace sw::identity {
namespace {

Policy fast() {
  Policy p;
  p.argon2_opslimit = kArgon2OpsMin;
  p.argon2_memlimit = kArgon2MemMin;
  return p;
}

TEST(PasswordHash, IsArgon2idAndVerifies) {
  auto hash = hash_password("Kx9#mQ2vLp7!wZ", fast());
  ASSERT_TRUE(hash);
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(verify_password("Kx9#mQ2vLp7!wZ", *hash));
  EXPECT_FALSE(verify_password("Kx9#mQ2vLp7!wz", *hash));
}

TEST(PasswordHash, MalformedHashNeverVerifies) { EXPECT_FALSE(verify_password("x", "not-a-hash")); }

TEST(PasswordStrength, ShortPasswordIsRefused) {
  EXPECT_EQ(check_password_strength("Kx9#mQ2v", "zhangwei", "张伟", fast()).error().code,
            "identity.password_too_short");
}

TEST(PasswordStrength, WeakPasswordIsRefused) {
  auto r = check_password_strength("password1234", "zhangwei", "张伟", fast());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "identity.password_weak");
}

TEST(PasswordStrength, PasswordContainingTheUsernameIsRefused) {
  EXPECT_EQ(check_password_strength("Q7!ZhangWei#x9Lp", "zhangwei", "张伟", fast()).error().code,
            "identity.password_contains_name");
}

TEST(PasswordStrength, PasswordContainingTheRealNameIsRefused) {
  EXPECT_EQ(check_password_strength("Q7!张伟#x9Lp", "zw", "张伟", fast()).error().code,
            "identity.password_contains_name");
}

TEST(PasswordStrength, StrongPasswordIsAccepted) {
  EXPECT_TRUE(check_password_strength("Kx9#mQ2vLp7!wZ", "zhangwei", "张伟", fast()));
}

TEST(PasswordStrength, GeneratedPasswordsPassTheDefaultPolicy) {
  const std::string pw = generate_password();
  EXPECT_EQ(pw.size(), 20u);
  EXPECT_TRUE(check_password_strength(pw, "zhangwei", "张伟", Policy{}));
  EXPECT_NE(pw, generate_password());
}

TEST(PolicyValidation, OutOfRangeFieldIsNamed) {
  Policy p;
  p.min_password_length = 4;
  EXPECT_NE(validate(p).error().message.find("min_password_length"), std::string::npos);
  p = Policy{};
  p.session_absolute_timeout = std::chrono::seconds{60};
  EXPECT_NE(validate(p).error().message.find("session_absolute_timeout"), std::string::npos);
  EXPECT_TRUE(validate(Policy{}));
}

}  // namespace
}  // namespace sw::identity
