// Internals of the intl crypto suite (Ed25519, XChaCha20-Poly1305 via libsodium), shared by
// crypto_common.cc and the known-answer tests. Not part of the public interface.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/crypto.h"
#include "base/result.h"

namespace sw::crypto::intl_internal {

inline constexpr std::size_t kEd25519PublicSize = 32;
inline constexpr std::size_t kEd25519SecretSize = 64;  // libsodium form: seed || public key
inline constexpr std::size_t kEd25519SignatureSize = 64;
inline constexpr std::size_t kSealKeySize = 32;
inline constexpr std::size_t kNonceSize = 24;
inline constexpr std::size_t kAeadTagSize = 16;
// First byte of every intl sealed value: format version 1 of "xchacha20poly1305".
inline constexpr unsigned char kSealFormatV1 = 0x02;

// Initialises libsodium once (thread-safe); aborts if it cannot, as nothing is safe without it.
void ensure_sodium();

const Suite& intl_suite();

Status ed25519_verify(std::string_view public_key, std::string_view message, std::string_view signature);

// The public key inside a 64-byte libsodium secret key, after checking that the key's seed
// really yields it; an Error otherwise.
Result<std::string> ed25519_public_from_secret(std::string_view secret);

// seal() with a caller-chosen nonce, for known-answer tests. Never reuse a nonce with one key.
Result<std::string> seal_with_nonce(std::string_view key, std::string_view plaintext, std::string_view aad,
                                    std::string_view nonce);

}  // namespace sw::crypto::intl_internal
