// The intl suite (N7.4): SHA-256 (through base/crypto_digest_internal.h), HMAC-SHA256, Ed25519 and
// XChaCha20-Poly1305-IETF via libsodium.
#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <utility>

#include "base/crypto_digest_internal.h"
#include "base/crypto_seal_internal.h"
#include "base/crypto_intl_internal.h"

namespace sw::crypto::intl_internal {
namespace {

constexpr std::string_view kSha256Name = "sha256";
constexpr std::string_view kEd25519Name = "ed25519";
constexpr std::string_view kSealName = "xchacha20poly1305";
constexpr std::size_t kSealOverhead = 1 + kNonceSize + kAeadTagSize;

static_assert(kEd25519PublicSize == crypto_sign_PUBLICKEYBYTES);
static_assert(kEd25519SecretSize == crypto_sign_SECRETKEYBYTES);
static_assert(kEd25519SignatureSize == crypto_sign_BYTES);
static_assert(kSealKeySize == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(kNonceSize == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kAeadTagSize == crypto_aead_xchacha20poly1305_ietf_ABYTES);

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* bytes_of(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

std::string hmac_sha256(std::string_view key, std::string_view data) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, bytes_of(key), key.size());
  crypto_auth_hmacsha256_update(&state, bytes_of(data), data.size());
  std::string out(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256_final(&state, bytes_of(out));
  sodium_memzero(&state, sizeof state);
  return out;
}

Status check_seal_key(std::string_view key) {
  if (key.size() == kSealKeySize) return ok();
  return fail("crypto.bad_key", "xchacha20poly1305 seal key must be " + std::to_string(kSealKeySize) +
                                    " bytes, got " + std::to_string(key.size()));
}

Result<std::string> open_sealed(std::string_view key, std::string_view sealed, std::string_view aad) {
  SW_CHECK(seal_internal::check_seal_input("xchacha20poly1305", key, kSealKeySize, sealed, kSealOverhead, kSealFormatV1));
  const std::string_view nonce = sealed.substr(1, kNonceSize);
  const std::string_view ciphertext = sealed.substr(1 + kNonceSize);
  std::string plaintext(ciphertext.size() - kAeadTagSize, '\0');
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(bytes_of(plaintext), nullptr, nullptr, bytes_of(ciphertext),
                                                 ciphertext.size(), bytes_of(aad), aad.size(),
                                                 bytes_of(nonce), bytes_of(key)) != 0) {
    return fail("crypto.auth_failed", "sealed value or its associated data was changed, or the key is wrong");
  }
  return plaintext;
}

class IntlSuite final : public Suite {
 public:
  SuiteId id() const override { return SuiteId::intl; }
  std::string_view hash_algorithm() const override { return kSha256Name; }
  std::string_view signature_algorithm() const override { return kEd25519Name; }
  std::string_view seal_algorithm() const override { return kSealName; }

  Digest hash(std::string_view data) const override {
    return digest_internal::hash(digest_internal::HashFunction::sha256, data);
  }
  std::unique_ptr<Hasher> hasher() const override {
    return digest_internal::hasher(digest_internal::HashFunction::sha256);
  }
  std::string mac(std::string_view key, std::string_view data) const override {
    return hmac_sha256(key, data);
  }

  Result<SigningKey> generate_signing_key() const override {
    ensure_sodium();
    std::string public_key(kEd25519PublicSize, '\0');
    std::string secret(kEd25519SecretSize, '\0');
    crypto_sign_keypair(bytes_of(public_key), bytes_of(secret));
    return SigningKey{std::string(kEd25519Name), std::move(secret),
                      PublicKey{std::string(kEd25519Name), std::move(public_key)}};
  }

  Result<Signature> sign(const SigningKey& key, std::string_view message) const override {
    if (key.algorithm != kEd25519Name) {
      return fail("crypto.wrong_key",
                  "the intl suite signs with ed25519 keys, not \"" + key.algorithm + "\" keys");
    }
    if (key.secret.size() != kEd25519SecretSize) {
      return fail("crypto.bad_key", "ed25519 signing key must be " + std::to_string(kEd25519SecretSize) +
                                        " bytes, got " + std::to_string(key.secret.size()));
    }
    std::string signature(kEd25519SignatureSize, '\0');
    crypto_sign_detached(bytes_of(signature), nullptr, bytes_of(message), message.size(),
                         bytes_of(key.secret));
    return Signature{std::string(kEd25519Name), std::move(signature)};
  }

  std::size_t seal_key_size() const override { return kSealKeySize; }

  Result<std::string> seal(std::string_view key, std::string_view plaintext,
                           std::string_view aad) const override {
    return seal_with_nonce(key, plaintext, aad, random_bytes(kNonceSize));
  }

  Result<std::string> open(std::string_view key, std::string_view sealed,
                           std::string_view aad) const override {
    return open_sealed(key, sealed, aad);
  }
};

}  // namespace

void ensure_sodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) {
      std::fprintf(stderr, "sitewarden: libsodium could not be initialised\n");
      std::abort();
    }
  });
}

const Suite& intl_suite() {
  ensure_sodium();
  static const IntlSuite instance;
  return instance;
}

Status ed25519_verify(std::string_view public_key, std::string_view message, std::string_view signature) {
  if (public_key.size() != kEd25519PublicSize || signature.size() != kEd25519SignatureSize) {
    return fail("crypto.bad_signature", "ed25519 keys are " + std::to_string(kEd25519PublicSize) +
                                            " bytes and signatures " + std::to_string(kEd25519SignatureSize) +
                                            " bytes");
  }
  ensure_sodium();
  if (crypto_sign_verify_detached(bytes_of(signature), bytes_of(message), message.size(),
                                  bytes_of(public_key)) != 0) {
    return fail("crypto.bad_signature", "ed25519 signature does not match the message and key");
  }
  return ok();
}

Result<std::string> ed25519_public_from_secret(std::string_view secret) {
  if (secret.size() != kEd25519SecretSize) {
    return fail("crypto.bad_length", "ed25519 signing key must be " + std::to_string(kEd25519SecretSize) +
                                         " bytes, got " + std::to_string(secret.size()));
  }
  ensure_sodium();
  std::string public_key(kEd25519PublicSize, '\0');
  std::string rebuilt(kEd25519SecretSize, '\0');
  crypto_sign_seed_keypair(bytes_of(public_key), bytes_of(rebuilt),
                           bytes_of(secret));  // seed = first 32 bytes
  const bool consistent = sodium_memcmp(rebuilt.data(), secret.data(), kEd25519SecretSize) == 0;
  sodium_memzero(rebuilt.data(), rebuilt.size());
  if (!consistent) {
    return fail("crypto.bad_key",
                "ed25519 signing key is inconsistent: its public half does not match its seed");
  }
  return public_key;
}

Result<std::string> seal_with_nonce(std::string_view key, std::string_view plaintext, std::string_view aad,
                                    std::string_view nonce) {
  SW_CHECK(check_seal_key(key));
  if (nonce.size() != kNonceSize) {
    return fail("crypto.bad_iv", "xchacha20poly1305 nonce must be " + std::to_string(kNonceSize) + " bytes");
  }
  std::string sealed(kSealOverhead + plaintext.size(), '\0');
  sealed[0] = static_cast<char>(kSealFormatV1);
  sealed.replace(1, kNonceSize, nonce);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(bytes_of(sealed) + 1 + kNonceSize, &written, bytes_of(plaintext),
                                             plaintext.size(), bytes_of(aad), aad.size(), nullptr,
                                             bytes_of(nonce), bytes_of(key));
  return sealed;
}

}  // namespace sw::crypto::intl_internal
