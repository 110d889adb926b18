// argon2id hashing and the strength rules (N6.3: refuse simple passwords).
#include "identity/password.h"

#include <sodium.h>
#include <zxcvbn.h>

#include <fmt/format.h>
#include <algorithm>
#include <cctype>

#include "base/crypto.h"

namespace sw::identity {
namespace {

constexpr std::size_t kMinNameLength = 3;  // shorter names are too common to refuse
constexpr std::size_t kGeneratedLength = 20;
constexpr std::string_view kGeneratedAlphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool contains_name(std::string_view password, std::string_view name) {
  if (name.size() < kMinNameLength) return false;
  return lower_ascii(password).find(lower_ascii(name)) != std::string::npos;
}

double entropy_bits(std::string_view password, std::string_view username, std::string_view real_name) {
  const std::string pw(password), user(username), real(real_name);
  const char* dictionary[] = {user.c_str(), real.c_str(), nullptr};
  return ZxcvbnMatch(pw.c_str(), dictionary, nullptr);
}

}  // namespace

Result<std::string> hash_password(std::string_view password, const Policy& policy) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), policy.argon2_opslimit,
                        policy.argon2_memlimit) != 0) {
    return fail("identity.hash_failed", "argon2id hashing failed (out of memory?)");
  }
  return std::string(out);
}

bool verify_password(std::string_view password, std::string_view hash) {
  const std::string h(hash);  // libsodium needs a NUL-terminated string
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

Status check_password_strength(std::string_view password, std::string_view username,
                               std::string_view real_name, const Policy& policy) {
  if (password.size() < policy.min_password_length) {
    return fail("identity.password_too_short",
                fmt::format("password: must be at least {} characters", policy.min_password_length));
  }
  if (contains_name(password, username) || contains_name(password, real_name)) {
    return fail("identity.password_contains_name", "password: must not contain the username or real name");
  }
  const double bits = entropy_bits(password, username, real_name);
  if (bits < policy.min_password_entropy_bits) {
    return fail("identity.password_weak", fmt::format("password: too easy to guess ({:.0f} bits of entropy, "
                                                      "at least {:.0f} required)",
                                                      bits, policy.min_password_entropy_bits));
  }
  return ok();
}

std::string generate_password() {
  std::string out;
  out.reserve(kGeneratedLength);
  for (std::size_t i = 0; i < kGeneratedLength; ++i) {
    out.push_back(kGeneratedAlphabet[randombytes_uniform(kGeneratedAlphabet.size())]);
  }
  return out;
}

}  // namespace sw::identity
