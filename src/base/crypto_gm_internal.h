// Internals of the gm crypto suite (SM3, SM2, SM4-CTR + HMAC-SM3), shared by crypto_common.cc and
// the known-answer tests. Not part of the public interface: other modules use base/crypto.h.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/crypto.h"
#include "base/result.h"

namespace sw::crypto::gm_internal {

// GM/T 0009 default SM2 distinguishing ID; every gm signature is made and checked with it.
inline constexpr std::string_view kSm2DefaultId = "1234567812345678";

inline constexpr std::size_t kSm3Size = 32;
inline constexpr std::size_t kSm4KeySize = 16;
inline constexpr std::size_t kSm4IvSize = 16;
inline constexpr std::size_t kSealKeySize = 32;
inline constexpr std::size_t kSealMacSize = 32;  // full HMAC-SM3 output
// First byte of every gm sealed value: format version 1 of "sm4-ctr-hmac-sm3".
inline constexpr unsigned char kSealFormatV1 = 0x01;

const Suite& gm_suite();

std::string hmac_sm3(std::string_view key, std::string_view data);

// SM2 signing with an explicit distinguishing ID (tests prove the ID is bound into signatures).
Result<Signature> sm2_sign_with_id(const SigningKey& key, std::string_view message, std::string_view id);

// Checks an SM2 signature (DER) against a DER SubjectPublicKeyInfo with the default ID.
Status sm2_verify(std::string_view public_der, std::string_view message, std::string_view signature_der);

// The DER SubjectPublicKeyInfo for a DER PKCS#8 SM2 private key; an Error if it is not one.
Result<std::string> sm2_public_from_secret(std::string_view secret_der);

// Ok when `public_der` is a DER SubjectPublicKeyInfo holding an SM2 key.
Status check_sm2_public_key(std::string_view public_der);

// Ok when `signature_der` is a well-formed DER SM2 signature (SEQUENCE of two INTEGERs).
Status check_sm2_signature_encoding(std::string_view signature_der);

// The two keys a 32-byte seal key expands to: HMAC-SM3(seal_key, label), distinct labels.
struct SealKeys {
  std::string encryption;  // kSm4KeySize bytes
  std::string mac;         // kSm3Size bytes
  ~SealKeys();             // zeroes both
};
SealKeys derive_seal_keys(std::string_view seal_key);

// seal() with a caller-chosen IV, for known-answer tests. Never reuse an IV with one key.
Result<std::string> seal_with_iv(std::string_view key, std::string_view plaintext, std::string_view aad,
                                 std::string_view iv);

}  // namespace sw::crypto::gm_internal
