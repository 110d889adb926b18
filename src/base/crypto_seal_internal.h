// Checks both sealing formats share: the key size and the sealed value's size and version byte.
// Internal to base/crypto.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sw::crypto::seal_internal {

// A sealed value is [version byte][nonce or IV][ciphertext][tag]; `overhead` is everything but the
// ciphertext. Errors name the algorithm: "crypto.bad_key" for the key, "crypto.auth_failed" for a
// value that cannot be one of ours.
inline Status check_seal_input(std::string_view algorithm, std::string_view key, std::size_t key_size,
                               std::string_view sealed, std::size_t overhead, unsigned char version) {
  if (key.size() != key_size) {
    return fail("crypto.bad_key", std::string(algorithm) + " seal key must be " + std::to_string(key_size) +
                                      " bytes, got " + std::to_string(key.size()));
  }
  if (sealed.size() < overhead) {
    return fail("crypto.auth_failed", "sealed value too short: " + std::to_string(sealed.size()) +
                                          " bytes, at least " + std::to_string(overhead) + " expected");
  }
  if (static_cast<unsigned char>(sealed[0]) != version) {
    return fail("crypto.auth_failed", "sealed value is not in the " + std::string(algorithm) + " v1 format");
  }
  return ok();
}

}  // namespace sw::crypto::seal_internal
