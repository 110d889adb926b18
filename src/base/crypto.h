// The crypto suite: one interface, two suites chosen in config (DESIGN.md "Crypto suite", N7.4).
//
//   gm   (default)  hash SM3, signatures SM2 (with the GM/T 0009 default ID "1234567812345678"),
//                   sealing SM4-CTR + HMAC-SM3, encrypt-then-MAC (Debian 12's OpenSSL 3.0 has no
//                   SM4-GCM), all via OpenSSL 3.
//   intl            hash SHA-256, signatures Ed25519, sealing XChaCha20-Poly1305, via libsodium
//                   (SHA-256 via OpenSSL or libsodium).
//
// Every Digest and Signature carries its algorithm name ("sm3", "sha256", "sm2", "ed25519"), and
// the free functions verify()/hash_with() dispatch on that name, so anything hashed or signed under
// one suite still verifies after the platform switches to the other.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sw::crypto {

enum class SuiteId { gm, intl };
std::string_view to_string(SuiteId id);                  // "gm" | "intl"
Result<SuiteId> parse_suite_id(std::string_view name);   // error names the bad value

// A hash value with its algorithm. Text form: "<algorithm>:<lowercase hex>", e.g. "sm3:66c7f0f4...".
struct Digest {
  std::string algorithm;  // "sm3" | "sha256"
  std::string bytes;      // raw digest bytes (32 for both)

  std::string hex() const;
  std::string to_string() const;
  static Result<Digest> parse(std::string_view text);
  bool operator==(const Digest&) const = default;
};

// A signature with its algorithm. Text form: "<algorithm>:<base64>".
struct Signature {
  std::string algorithm;  // "sm2" | "ed25519"
  std::string bytes;      // raw signature bytes (DER for SM2, 64 bytes for Ed25519)

  std::string to_string() const;
  static Result<Signature> parse(std::string_view text);
};

// A public key with its algorithm. Text form: "<algorithm>:<base64>"
// (SM2: DER SubjectPublicKeyInfo; Ed25519: the 32 raw bytes).
struct PublicKey {
  std::string algorithm;
  std::string bytes;

  std::string to_string() const;
  static Result<PublicKey> parse(std::string_view text);
  bool operator==(const PublicKey&) const = default;
};

// A private signing key with its algorithm. Secret: never log it.
// Text form (for the key file): "<algorithm>:<base64>" (SM2: DER PKCS#8; Ed25519: 64-byte libsodium sk).
struct SigningKey {
  std::string algorithm;
  std::string secret;
  PublicKey public_key;

  std::string to_string() const;
  static Result<SigningKey> parse(std::string_view text);
};

// Incremental hashing for large inputs (blobs, audit chains).
class Hasher {
 public:
  virtual ~Hasher() = default;
  virtual void update(std::string_view data) = 0;
  virtual Digest finish() = 0;  // the Hasher must not be used afterwards
};

class Suite {
 public:
  virtual ~Suite() = default;

  virtual SuiteId id() const = 0;
  virtual std::string_view hash_algorithm() const = 0;       // "sm3" | "sha256"
  virtual std::string_view signature_algorithm() const = 0;  // "sm2" | "ed25519"
  virtual std::string_view seal_algorithm() const = 0;       // "sm4-ctr-hmac-sm3" | "xchacha20poly1305"

  virtual Digest hash(std::string_view data) const = 0;
  virtual std::unique_ptr<Hasher> hasher() const = 0;

  // Keyed MAC (HMAC-SM3 | HMAC-SHA256), raw bytes. Used for tokens bound to a server secret.
  virtual std::string mac(std::string_view key, std::string_view data) const = 0;

  virtual Result<SigningKey> generate_signing_key() const = 0;
  virtual Result<Signature> sign(const SigningKey& key, std::string_view message) const = 0;

  // Authenticated encryption with associated data. A seal key is seal_key_size() random bytes.
  // The sealed form is self-describing: "<seal_algorithm>" tag + nonce/iv + ciphertext + tag,
  // and open() fails with "crypto.auth_failed" on any change to sealed bytes or aad.
  virtual std::size_t seal_key_size() const = 0;
  virtual Result<std::string> seal(std::string_view key, std::string_view plaintext,
                                   std::string_view aad) const = 0;
  virtual Result<std::string> open(std::string_view key, std::string_view sealed,
                                   std::string_view aad) const = 0;
};

// The suite for an id. Suites are stateless and thread-safe; the returned reference lives forever.
const Suite& suite(SuiteId id);

// Verifies a signature made by either suite (dispatch on key/signature algorithm). A key and
// signature of different algorithms, or a bad signature, is an Error ("crypto.bad_signature").
Status verify(const PublicKey& key, std::string_view message, const Signature& signature);

// Hashes `data` with the named algorithm ("sm3" | "sha256"), so digests made under either suite
// can be rechecked after a switch.
Result<Digest> hash_with(std::string_view algorithm, std::string_view data);
Result<std::unique_ptr<Hasher>> hasher_for(std::string_view algorithm);

// Cryptographically secure random bytes (libsodium randombytes_buf).
std::string random_bytes(std::size_t n);

// Encoding helpers.
std::string to_hex(std::string_view bytes);
Result<std::string> from_hex(std::string_view hex);
std::string to_base64(std::string_view bytes);
Result<std::string> from_base64(std::string_view text);
std::string to_base32(std::string_view bytes);  // RFC 4648, no padding (TOTP secrets)

// Constant-time equality for secrets and MACs.
bool equal_constant_time(std::string_view a, std::string_view b);

}  // namespace sw::crypto
