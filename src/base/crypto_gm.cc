// The gm suite (N7.4): SM3, HMAC-SM3, SM2 with the GM/T 0009 default ID, and sealing as SM4-CTR +
// HMAC-SM3 (encrypt-then-MAC), all through OpenSSL 3's EVP interfaces.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <utility>

#include "base/crypto_digest_internal.h"
#include "base/crypto_seal_internal.h"
#include "base/crypto_gm_internal.h"

namespace sw::crypto::gm_internal {
namespace {

constexpr std::string_view kSm2Name = "sm2";
constexpr std::string_view kSealName = "sm4-ctr-hmac-sm3";
constexpr std::string_view kEncryptionLabel = "sitewarden/seal/v1/sm4-ctr-key";
constexpr std::string_view kMacLabel = "sitewarden/seal/v1/hmac-sm3-key";
constexpr std::size_t kAadLengthSize = 8;  // big-endian length of the aad inside the MAC input
constexpr std::size_t kSealOverhead = 1 + kSm4IvSize + kSealMacSize;
constexpr std::size_t kMaxCipherChunk = std::size_t{1} << 30;  // EVP_*Update takes an int length

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};
struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct Pkcs8Free {
  void operator()(PKCS8_PRIV_KEY_INFO* info) const { PKCS8_PRIV_KEY_INFO_free(info); }
};
struct EncoderCtxFree {
  void operator()(OSSL_ENCODER_CTX* ctx) const { OSSL_ENCODER_CTX_free(ctx); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using MacCtx = std::unique_ptr<EVP_MAC_CTX, MacCtxFree>;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// An operation that cannot fail short of memory exhaustion or a broken OpenSSL install failed.
// Continuing could produce wrong digests or unauthenticated data, so stop.
[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "sitewarden: OpenSSL failure in %s\n", what);
  std::abort();
}

template <class T>
T* or_die(T* p, const char* what) {
  if (p == nullptr) die(what);
  return p;
}

void check(int rc, const char* what) {
  if (rc != 1) die(what);
}

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* bytes_of(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

const EVP_MD* sm3_md() { return digest_internal::evp_md(digest_internal::HashFunction::sm3); }

// Algorithms are fetched once: a fetch per call costs more than the operation itself.
const EVP_CIPHER* sm4_ctr() {
  static EVP_CIPHER* const cipher = or_die(EVP_CIPHER_fetch(nullptr, "SM4-CTR", nullptr), "fetch SM4-CTR");
  return cipher;
}

EVP_MAC* hmac() {
  static EVP_MAC* const mac = or_die(EVP_MAC_fetch(nullptr, "HMAC", nullptr), "fetch HMAC");
  return mac;
}

// Drops OpenSSL's queued error details after an expected failure (bad signature, bad DER), so they
// do not pile up in the thread's error queue.
std::unexpected<Error> failure(std::unexpected<Error> error) {
  ERR_clear_error();
  return error;
}

// Streaming HMAC-SM3 with an arbitrary-length key.
class HmacSm3 {
 public:
  explicit HmacSm3(std::string_view key) : ctx_(or_die(EVP_MAC_CTX_new(hmac()), "EVP_MAC_CTX_new")) {
    static const unsigned char kEmptyKey = 0;  // EVP_MAC_init treats a null key as "no key"
    char digest_name[] = "SM3";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_end(),
    };
    const unsigned char* key_bytes = key.empty() ? &kEmptyKey : bytes_of(key);
    check(EVP_MAC_init(ctx_.get(), key_bytes, key.size(), params), "HMAC-SM3 init");
  }
  void update(std::string_view data) {
    check(EVP_MAC_update(ctx_.get(), bytes_of(data), data.size()), "HMAC-SM3 update");
  }
  std::string finish() {
    std::string out(kSm3Size, '\0');
    std::size_t length = 0;
    check(EVP_MAC_final(ctx_.get(), bytes_of(out), &length, out.size()), "HMAC-SM3 final");
    return out;
  }

 private:
  MacCtx ctx_;
};

// ---- SM2 key encoding ----

Result<Pkey> load_sm2_private(std::string_view secret_der) {
  const unsigned char* p = bytes_of(secret_der);
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, Pkcs8Free> info(
      d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(secret_der.size())));
  if (!info || p != bytes_of(secret_der) + secret_der.size()) {
    return failure(fail("crypto.bad_key", "sm2 signing key is not a DER PKCS#8 private key"));
  }
  Pkey key(EVP_PKCS82PKEY(info.get()));
  if (!key || !EVP_PKEY_is_a(key.get(), "SM2")) {
    return failure(fail("crypto.bad_key", "sm2 signing key does not hold an SM2 private key"));
  }
  return key;
}

Result<Pkey> load_sm2_public(std::string_view public_der) {
  const unsigned char* p = bytes_of(public_der);
  Pkey key(d2i_PUBKEY(nullptr, &p, static_cast<long>(public_der.size())));
  if (!key || p != bytes_of(public_der) + public_der.size()) {
    return failure(fail("crypto.bad_key", "sm2 public key is not a DER SubjectPublicKeyInfo"));
  }
  if (!EVP_PKEY_is_a(key.get(), "SM2")) {
    return failure(fail("crypto.bad_key", "public key is an EC key but not on the SM2 curve"));
  }
  return key;
}

std::string encode_public(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key, &der);
  if (length <= 0) die("i2d_PUBKEY");
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return out;
}

Result<std::string> encode_private(EVP_PKEY* key) {
  std::unique_ptr<OSSL_ENCODER_CTX, EncoderCtxFree> encoder(
      OSSL_ENCODER_CTX_new_for_pkey(key, OSSL_KEYMGMT_SELECT_KEYPAIR, "DER", "PrivateKeyInfo", nullptr));
  unsigned char* der = nullptr;
  std::size_t length = 0;
  if (!encoder || OSSL_ENCODER_to_data(encoder.get(), &der, &length) != 1) {
    return failure(fail("crypto.keygen_failed", "could not encode the SM2 private key as PKCS#8"));
  }
  std::string out(reinterpret_cast<char*>(der), length);
  OPENSSL_clear_free(der, length);
  return out;
}

// A DigestSign/DigestVerify context over SM3 with the distinguishing ID bound in.
Result<MdCtx> sm2_context(EVP_PKEY* key, std::string_view id, bool for_signing) {
  MdCtx ctx(or_die(EVP_MD_CTX_new(), "EVP_MD_CTX_new"));
  EVP_PKEY_CTX* pkey_ctx = nullptr;  // owned by ctx
  const int rc = for_signing ? EVP_DigestSignInit(ctx.get(), &pkey_ctx, sm3_md(), nullptr, key)
                             : EVP_DigestVerifyInit(ctx.get(), &pkey_ctx, sm3_md(), nullptr, key);
  if (rc != 1 || EVP_PKEY_CTX_set1_id(pkey_ctx, id.data(), static_cast<int>(id.size())) <= 0) {
    return failure(fail("crypto.sign_failed", "could not set up SM2 with SM3 and the distinguishing ID"));
  }
  return ctx;
}

// ---- Sealing ----

std::string big_endian_u64(std::uint64_t value) {
  std::string out(kAadLengthSize, '\0');
  for (std::size_t i = 0; i < kAadLengthSize; ++i) {
    out[kAadLengthSize - 1 - i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

// MAC input: format byte || aad length || aad || iv || ciphertext. `body` is format || iv || ct.
std::string seal_tag(std::string_view mac_key, std::string_view body, std::string_view aad) {
  HmacSm3 mac(mac_key);
  mac.update(body.substr(0, 1));
  mac.update(big_endian_u64(aad.size()));
  mac.update(aad);
  mac.update(body.substr(1));
  return mac.finish();
}

// SM4-CTR is its own inverse: the same call encrypts and decrypts.
std::string sm4_ctr_apply(std::string_view key, std::string_view iv, std::string_view input) {
  CipherCtx ctx(or_die(EVP_CIPHER_CTX_new(), "EVP_CIPHER_CTX_new"));
  check(EVP_EncryptInit_ex2(ctx.get(), sm4_ctr(), bytes_of(key), bytes_of(iv), nullptr), "SM4-CTR init");
  std::string out(input.size(), '\0');
  for (std::size_t done = 0; done < input.size();) {
    const std::size_t chunk = std::min(kMaxCipherChunk, input.size() - done);
    int written = 0;
    check(EVP_EncryptUpdate(ctx.get(), bytes_of(out) + done, &written, bytes_of(input) + done,
                            static_cast<int>(chunk)),
          "SM4-CTR update");
    done += static_cast<std::size_t>(written);
  }
  return out;
}

Status check_seal_key(std::string_view key) {
  if (key.size() == kSealKeySize) return ok();
  return fail("crypto.bad_key", "sm4-ctr-hmac-sm3 seal key must be " + std::to_string(kSealKeySize) +
                                    " bytes, got " + std::to_string(key.size()));
}

Result<std::string> open_sealed(std::string_view key, std::string_view sealed, std::string_view aad) {
  SW_CHECK(seal_internal::check_seal_input("sm4-ctr-hmac-sm3", key, kSealKeySize, sealed, kSealOverhead, kSealFormatV1));
  const std::string_view body = sealed.substr(0, sealed.size() - kSealMacSize);
  const std::string_view tag = sealed.substr(body.size());
  const SealKeys keys = derive_seal_keys(key);
  if (!equal_constant_time(seal_tag(keys.mac, body, aad), tag)) {
    return fail("crypto.auth_failed", "sealed value or its associated data was changed, or the key is wrong");
  }
  return sm4_ctr_apply(keys.encryption, body.substr(1, kSm4IvSize), body.substr(1 + kSm4IvSize));
}

class GmSuite final : public Suite {
 public:
  SuiteId id() const override { return SuiteId::gm; }
  std::string_view hash_algorithm() const override { return "sm3"; }
  std::string_view signature_algorithm() const override { return kSm2Name; }
  std::string_view seal_algorithm() const override { return kSealName; }

  Digest hash(std::string_view data) const override {
    return digest_internal::hash(digest_internal::HashFunction::sm3, data);
  }
  std::unique_ptr<Hasher> hasher() const override {
    return digest_internal::hasher(digest_internal::HashFunction::sm3);
  }
  std::string mac(std::string_view key, std::string_view data) const override { return hmac_sm3(key, data); }

  Result<SigningKey> generate_signing_key() const override {
    Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2"));
    if (!key) return failure(fail("crypto.keygen_failed", "SM2 key generation failed"));
    SW_TRY(secret, encode_private(key.get()));
    return SigningKey{std::string(kSm2Name), std::move(secret),
                      PublicKey{std::string(kSm2Name), encode_public(key.get())}};
  }

  Result<Signature> sign(const SigningKey& key, std::string_view message) const override {
    return sm2_sign_with_id(key, message, kSm2DefaultId);
  }

  std::size_t seal_key_size() const override { return kSealKeySize; }

  Result<std::string> seal(std::string_view key, std::string_view plaintext,
                           std::string_view aad) const override {
    return seal_with_iv(key, plaintext, aad, random_bytes(kSm4IvSize));
  }

  Result<std::string> open(std::string_view key, std::string_view sealed,
                           std::string_view aad) const override {
    return open_sealed(key, sealed, aad);
  }
};

}  // namespace

const Suite& gm_suite() {
  static const GmSuite instance;
  return instance;
}

std::string hmac_sm3(std::string_view key, std::string_view data) {
  HmacSm3 mac(key);
  mac.update(data);
  return mac.finish();
}

Result<Signature> sm2_sign_with_id(const SigningKey& key, std::string_view message, std::string_view id) {
  if (key.algorithm != kSm2Name) {
    return fail("crypto.wrong_key", "the gm suite signs with sm2 keys, not \"" + key.algorithm + "\" keys");
  }
  // Parsing the PKCS#8 key costs about a millisecond and a signer (the audit writer's checkpoints)
  // signs with the same key again and again: each thread keeps the last key it parsed.
  thread_local std::string cached_secret;
  thread_local Pkey cached_key;
  if (!cached_key || !equal_constant_time(cached_secret, key.secret)) {
    SW_TRY(loaded, load_sm2_private(key.secret));
    cached_key = std::move(loaded);
    cached_secret = key.secret;
  }
  EVP_PKEY* pkey = cached_key.get();
  SW_TRY(ctx, sm2_context(pkey, id, /*for_signing=*/true));
  std::string signature(static_cast<std::size_t>(EVP_PKEY_get_size(pkey)), '\0');
  std::size_t length = signature.size();
  if (EVP_DigestSign(ctx.get(), bytes_of(signature), &length, bytes_of(message), message.size()) != 1) {
    return failure(fail("crypto.sign_failed", "SM2 signing failed"));
  }
  signature.resize(length);
  return Signature{std::string(kSm2Name), std::move(signature)};
}

Status sm2_verify(std::string_view public_der, std::string_view message, std::string_view signature_der) {
  SW_TRY(pkey, load_sm2_public(public_der));
  SW_TRY(ctx, sm2_context(pkey.get(), kSm2DefaultId, /*for_signing=*/false));
  if (EVP_DigestVerify(ctx.get(), bytes_of(signature_der), signature_der.size(), bytes_of(message),
                       message.size()) != 1) {
    return failure(fail("crypto.bad_signature", "sm2 signature does not match the message and key"));
  }
  return ok();
}

Result<std::string> sm2_public_from_secret(std::string_view secret_der) {
  SW_TRY(pkey, load_sm2_private(secret_der));
  return encode_public(pkey.get());
}

Status check_sm2_public_key(std::string_view public_der) {
  SW_TRY(pkey, load_sm2_public(public_der));
  return ok();
}

Status check_sm2_signature_encoding(std::string_view signature_der) {
  const unsigned char* p = bytes_of(signature_der);
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(signature_der.size()));
  const bool whole = sig != nullptr && p == bytes_of(signature_der) + signature_der.size();
  ECDSA_SIG_free(sig);
  if (!whole) return failure(fail("crypto.bad_signature", "sm2 signature is not a DER (r, s) pair"));
  return ok();
}

SealKeys::~SealKeys() {
  OPENSSL_cleanse(encryption.data(), encryption.size());
  OPENSSL_cleanse(mac.data(), mac.size());
}

SealKeys derive_seal_keys(std::string_view seal_key) {
  SealKeys keys;
  keys.encryption = hmac_sm3(seal_key, kEncryptionLabel);
  OPENSSL_cleanse(keys.encryption.data() + kSm4KeySize, keys.encryption.size() - kSm4KeySize);
  keys.encryption.resize(kSm4KeySize);
  keys.mac = hmac_sm3(seal_key, kMacLabel);
  return keys;
}

Result<std::string> seal_with_iv(std::string_view key, std::string_view plaintext, std::string_view aad,
                                 std::string_view iv) {
  SW_CHECK(check_seal_key(key));
  if (iv.size() != kSm4IvSize) {
    return fail("crypto.bad_iv", "SM4-CTR IV must be " + std::to_string(kSm4IvSize) + " bytes");
  }
  const SealKeys keys = derive_seal_keys(key);
  std::string sealed;
  sealed.reserve(plaintext.size() + kSealOverhead);
  sealed.push_back(static_cast<char>(kSealFormatV1));
  sealed.append(iv);
  sealed.append(sm4_ctr_apply(keys.encryption, iv, plaintext));
  sealed.append(seal_tag(keys.mac, sealed, aad));
  return sealed;
}

}  // namespace sw::crypto::gm_internal
