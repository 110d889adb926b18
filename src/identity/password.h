// Password hashing (argon2id via libsodium's crypto_pwhash_str) and the password policy checks
// (N6.3: refuse simple passwords). Pure functions; IdentityService adds history and expiry.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "identity/policy.h"

namespace sw::identity {

// The argon2id hash in libsodium's self-describing string form ("$argon2id$v=19$m=...").
// Costs come from the policy. Fails ("identity.hash_failed") only when memory is exhausted.
Result<std::string> hash_password(std::string_view password, const Policy& policy);

// True when `password` matches `hash` (constant time inside libsodium). A malformed hash is false.
bool verify_password(std::string_view password, std::string_view hash);

// Checks length, strength (libzxcvbn entropy) and that the password does not contain the username
// or the real name (case-insensitive, names of at least 3 bytes). The error names the rule:
// identity.password_too_short | identity.password_contains_name | identity.password_weak.
Status check_password_strength(std::string_view password, std::string_view username,
                               std::string_view real_name, const Policy& policy);

// A random password that passes the default policy (20 characters), for the CLI's resets.
std::string generate_password();

}  // namespace sw::identity
