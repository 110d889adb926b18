// Suite-independent parts of base/crypto.h: text forms, encodings, randomness and the free
// functions that dispatch on algorithm names so old digests and signatures survive a suite switch
// (N7.4).
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>

#include "base/crypto.h"
#include "base/crypto_digest_internal.h"
#include "base/crypto_gm_internal.h"
#include "base/crypto_intl_internal.h"

namespace sw::crypto {
namespace {

constexpr std::string_view kGm = "gm";
constexpr std::string_view kIntl = "intl";
constexpr std::string_view kSm3 = "sm3";
constexpr std::string_view kSha256 = "sha256";
constexpr std::string_view kSm2 = "sm2";
constexpr std::string_view kEd25519 = "ed25519";
using digest_internal::HashFunction;
using digest_internal::kDigestSize;
constexpr std::size_t kMaxSm2SignatureSize = 80;  // DER of two 256-bit INTEGERs is at most 72
constexpr std::size_t kShownInputLimit = 40;      // how much of a bad input an error message quotes
constexpr std::string_view kHexDigits = "0123456789abcdef";
constexpr std::string_view kBase32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr int kBase64Variant = sodium_base64_VARIANT_ORIGINAL;

// Quotes (a prefix of) untrusted input for an error message.
std::string quoted(std::string_view text) {
  if (text.size() <= kShownInputLimit) return "\"" + std::string(text) + "\"";
  return "\"" + std::string(text.substr(0, kShownInputLimit)) + "...\"";
}

struct Tagged {
  std::string algorithm;
  std::string payload;
};

// Splits "<algorithm>:<payload>"; `what` names the kind of value for error messages.
Result<Tagged> split_tagged(std::string_view text, std::string_view what) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return fail("crypto.bad_format",
                std::string(what) + " must look like \"<algorithm>:<data>\", got " + quoted(text));
  }
  return Tagged{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
}

std::unexpected<Error> unknown_algorithm(std::string_view what, std::string_view algorithm,
                                         std::string_view expected) {
  return fail("crypto.unknown_algorithm", "unknown " + std::string(what) + " algorithm " + quoted(algorithm) +
                                              " (expected " + std::string(expected) + ")");
}

std::unexpected<Error> wrong_length(std::string_view what, std::string_view algorithm, std::size_t got,
                                    std::size_t want) {
  return fail("crypto.bad_length", std::string(algorithm) + " " + std::string(what) + " must be " +
                                       std::to_string(want) + " bytes, got " + std::to_string(got));
}

// Decodes the base64 payload of a tagged value, naming the value kind on failure.
Result<Tagged> decode_tagged_base64(std::string_view text, std::string_view what) {
  SW_TRY(tagged, split_tagged(text, what));
  auto raw = from_base64(tagged.payload);
  if (!raw) return fail(raw.error().code, std::string(what) + ": " + raw.error().message);
  sodium_memzero(tagged.payload.data(), tagged.payload.size());
  return Tagged{std::move(tagged.algorithm), std::move(*raw)};
}

// The public key that belongs to a decoded secret signing key of `algorithm`.
Result<std::string> public_key_of_secret(std::string_view algorithm, std::string_view secret) {
  if (algorithm == kEd25519) return intl_internal::ed25519_public_from_secret(secret);
  if (algorithm == kSm2) return gm_internal::sm2_public_from_secret(secret);
  return unknown_algorithm("signing key", algorithm, "\"sm2\" or \"ed25519\"");
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string_view to_string(SuiteId id) { return id == SuiteId::gm ? kGm : kIntl; }

Result<SuiteId> parse_suite_id(std::string_view name) {
  if (name == kGm) return SuiteId::gm;
  if (name == kIntl) return SuiteId::intl;
  return fail("crypto.unknown_suite",
              "unknown crypto suite " + quoted(name) + " (expected \"gm\" or \"intl\")");
}

// ---- Digests ----

namespace digest_internal {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// Hashing cannot fail short of memory exhaustion or a broken OpenSSL; a wrong digest would be
// worse than stopping.
void check(int rc, const char* what) {
  if (rc == 1) return;
  std::fprintf(stderr, "sitewarden: OpenSSL failure in %s\n", what);
  std::abort();
}

EVP_MD* fetch(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  check(md != nullptr ? 1 : 0, name);
  return md;
}

std::string_view name_of(HashFunction function) { return function == HashFunction::sm3 ? kSm3 : kSha256; }

MdCtx new_context(HashFunction function) {
  MdCtx ctx(EVP_MD_CTX_new());
  check(ctx != nullptr ? 1 : 0, "EVP_MD_CTX_new");
  check(EVP_DigestInit_ex2(ctx.get(), evp_md(function), nullptr), "digest init");
  return ctx;
}

Digest finish_into_digest(EVP_MD_CTX* ctx, HashFunction function) {
  std::string out(kDigestSize, '\0');
  check(EVP_DigestFinal_ex(ctx, reinterpret_cast<unsigned char*>(out.data()), nullptr), "digest final");
  return Digest{std::string(name_of(function)), std::move(out)};
}

class EvpHasher final : public Hasher {
 public:
  explicit EvpHasher(HashFunction function) : function_(function), ctx_(new_context(function)) {}
  void update(std::string_view data) override {
    check(EVP_DigestUpdate(ctx_.get(), data.data(), data.size()), "digest update");
  }
  Digest finish() override { return finish_into_digest(ctx_.get(), function_); }

 private:
  HashFunction function_;
  MdCtx ctx_;
};

}  // namespace

const EVP_MD* evp_md(HashFunction function) {
  static EVP_MD* const sm3 = fetch("SM3");
  static EVP_MD* const sha256 = fetch("SHA2-256");
  return function == HashFunction::sm3 ? sm3 : sha256;
}

Digest hash(HashFunction function, std::string_view data) {
  // One context per thread and function, re-initialised per call: the audit chain's hot path.
  thread_local MdCtx sm3_ctx = new_context(HashFunction::sm3);
  thread_local MdCtx sha256_ctx = new_context(HashFunction::sha256);
  EVP_MD_CTX* ctx = function == HashFunction::sm3 ? sm3_ctx.get() : sha256_ctx.get();
  check(EVP_DigestInit_ex2(ctx, nullptr, nullptr), "digest init");
  check(EVP_DigestUpdate(ctx, data.data(), data.size()), "digest update");
  return finish_into_digest(ctx, function);
}

std::unique_ptr<Hasher> hasher(HashFunction function) { return std::make_unique<EvpHasher>(function); }

}  // namespace digest_internal

// ---- Text forms ----

std::string Digest::hex() const { return to_hex(bytes); }

std::string Digest::to_string() const { return algorithm + ":" + hex(); }

Result<Digest> Digest::parse(std::string_view text) {
  SW_TRY(tagged, split_tagged(text, "digest"));
  if (tagged.algorithm != kSm3 && tagged.algorithm != kSha256) {
    return unknown_algorithm("digest", tagged.algorithm, "\"sm3\" or \"sha256\"");
  }
  auto raw = from_hex(tagged.payload);
  if (!raw) return fail(raw.error().code, "digest: " + raw.error().message);
  if (raw->size() != kDigestSize) return wrong_length("digest", tagged.algorithm, raw->size(), kDigestSize);
  return Digest{std::move(tagged.algorithm), std::move(*raw)};
}

std::string Signature::to_string() const { return algorithm + ":" + to_base64(bytes); }

Result<Signature> Signature::parse(std::string_view text) {
  SW_TRY(tagged, decode_tagged_base64(text, "signature"));
  if (tagged.algorithm == kEd25519) {
    if (tagged.payload.size() != intl_internal::kEd25519SignatureSize) {
      return wrong_length("signature", kEd25519, tagged.payload.size(), intl_internal::kEd25519SignatureSize);
    }
  } else if (tagged.algorithm == kSm2) {
    if (tagged.payload.size() > kMaxSm2SignatureSize) {
      return fail("crypto.bad_length", "sm2 signature must be at most " +
                                           std::to_string(kMaxSm2SignatureSize) + " bytes, got " +
                                           std::to_string(tagged.payload.size()));
    }
    SW_CHECK(gm_internal::check_sm2_signature_encoding(tagged.payload));
  } else {
    return unknown_algorithm("signature", tagged.algorithm, "\"sm2\" or \"ed25519\"");
  }
  return Signature{std::move(tagged.algorithm), std::move(tagged.payload)};
}

std::string PublicKey::to_string() const { return algorithm + ":" + to_base64(bytes); }

Result<PublicKey> PublicKey::parse(std::string_view text) {
  SW_TRY(tagged, decode_tagged_base64(text, "public key"));
  if (tagged.algorithm == kEd25519) {
    if (tagged.payload.size() != intl_internal::kEd25519PublicSize) {
      return wrong_length("public key", kEd25519, tagged.payload.size(), intl_internal::kEd25519PublicSize);
    }
  } else if (tagged.algorithm == kSm2) {
    SW_CHECK(gm_internal::check_sm2_public_key(tagged.payload));
  } else {
    return unknown_algorithm("public key", tagged.algorithm, "\"sm2\" or \"ed25519\"");
  }
  return PublicKey{std::move(tagged.algorithm), std::move(tagged.payload)};
}

std::string SigningKey::to_string() const { return algorithm + ":" + to_base64(secret); }

Result<SigningKey> SigningKey::parse(std::string_view text) {
  SW_TRY(tagged, decode_tagged_base64(text, "signing key"));
  auto public_bytes = public_key_of_secret(tagged.algorithm, tagged.payload);
  if (!public_bytes) {
    sodium_memzero(tagged.payload.data(), tagged.payload.size());
    return std::unexpected(public_bytes.error());
  }
  PublicKey public_key{tagged.algorithm, std::move(*public_bytes)};
  return SigningKey{std::move(tagged.algorithm), std::move(tagged.payload), std::move(public_key)};
}

// ---- Suites and dispatch ----

const Suite& suite(SuiteId id) {
  return id == SuiteId::gm ? gm_internal::gm_suite() : intl_internal::intl_suite();
}

Status verify(const PublicKey& key, std::string_view message, const Signature& signature) {
  if (key.algorithm != signature.algorithm) {
    return fail("crypto.bad_signature", "a " + quoted(signature.algorithm) +
                                            " signature cannot be checked with a " + quoted(key.algorithm) +
                                            " key");
  }
  if (key.algorithm == kSm2) return gm_internal::sm2_verify(key.bytes, message, signature.bytes);
  if (key.algorithm == kEd25519) return intl_internal::ed25519_verify(key.bytes, message, signature.bytes);
  return unknown_algorithm("signature", key.algorithm, "\"sm2\" or \"ed25519\"");
}

Result<Digest> hash_with(std::string_view algorithm, std::string_view data) {
  if (algorithm == kSm3) return digest_internal::hash(HashFunction::sm3, data);
  if (algorithm == kSha256) return digest_internal::hash(HashFunction::sha256, data);
  return unknown_algorithm("hash", algorithm, "\"sm3\" or \"sha256\"");
}

Result<std::unique_ptr<Hasher>> hasher_for(std::string_view algorithm) {
  if (algorithm == kSm3) return digest_internal::hasher(HashFunction::sm3);
  if (algorithm == kSha256) return digest_internal::hasher(HashFunction::sha256);
  return unknown_algorithm("hash", algorithm, "\"sm3\" or \"sha256\"");
}

std::string random_bytes(std::size_t n) {
  intl_internal::ensure_sodium();
  std::string out(n, '\0');
  randombytes_buf(out.data(), out.size());
  return out;
}

// ---- Encodings ----

std::string to_hex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const unsigned char b : bytes) {
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 0x0f]);
  }
  return out;
}

Result<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return fail("crypto.bad_hex",
                "hex text has an odd number of digits (" + std::to_string(hex.size()) + ")");
  }
  std::string out(hex.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int high = hex_value(hex[2 * i]);
    const int low = hex_value(hex[2 * i + 1]);
    if (high < 0 || low < 0) {
      return fail("crypto.bad_hex",
                  "invalid hex digit at offset " + std::to_string(high < 0 ? 2 * i : 2 * i + 1));
    }
    out[i] = static_cast<char>((high << 4) | low);
  }
  return out;
}

std::string to_base64(std::string_view bytes) {
  intl_internal::ensure_sodium();
  std::string out(sodium_base64_encoded_len(bytes.size(), kBase64Variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), kBase64Variant);
  out.resize(out.size() - 1);  // the encoded length counts the terminating NUL
  return out;
}

Result<std::string> from_base64(std::string_view text) {
  intl_internal::ensure_sodium();
  std::string out(text.size() / 4 * 3 + 3, '\0');
  std::size_t length = 0;
  const char* end = nullptr;
  const int rc = sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                                   text.size(), nullptr, &length, &end, kBase64Variant);
  if (rc != 0 || end != text.data() + text.size()) {
    return fail("crypto.bad_base64", "invalid or truncated base64 (" + std::to_string(text.size()) +
                                         " characters; padded standard alphabet expected)");
  }
  out.resize(length);
  return out;
}

std::string to_base32(std::string_view bytes) {
  constexpr int kBitsPerChar = 5;
  std::string out;
  out.reserve((bytes.size() * 8 + kBitsPerChar - 1) / kBitsPerChar);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const unsigned char b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= kBitsPerChar) {
      bits -= kBitsPerChar;
      out.push_back(kBase32Alphabet[(buffer >> bits) & 0x1f]);
    }
  }
  if (bits > 0) out.push_back(kBase32Alphabet[(buffer << (kBitsPerChar - bits)) & 0x1f]);
  return out;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  // The length is not secret (MACs and tokens have fixed sizes); the contents are.
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace sw::crypto
