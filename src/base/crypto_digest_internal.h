// The two hash functions, both through OpenSSL's EVP (SM3 has no other implementation here, and
// OpenSSL's SHA-256 uses the CPU's SHA extensions, several times faster than libsodium's portable
// code — the audit chain rehashes a million events at a time). Internal to base/crypto.
#pragma once

#include <openssl/types.h>

#include <cstddef>
#include <memory>
#include <string_view>

#include "base/crypto.h"

namespace sw::crypto::digest_internal {

inline constexpr std::size_t kDigestSize = 32;  // SM3 and SHA-256 alike

enum class HashFunction { sm3, sha256 };

// One-shot hash; allocation-free apart from the returned Digest (one EVP context per thread).
Digest hash(HashFunction function, std::string_view data);

std::unique_ptr<Hasher> hasher(HashFunction function);

// The algorithm, fetched once per process and never freed (signing uses SM3 too).
const EVP_MD* evp_md(HashFunction function);

}  // namespace sw::crypto::digest_internal
