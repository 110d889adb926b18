// Known-answer and behaviour tests for the crypto suites (N7.4).
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/x509.h>
#include <sodium.h>

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "base/crypto.h"
#include "base/crypto_gm_internal.h"
#include "base/crypto_intl_internal.h"

namespace sw::crypto {
namespace {

std::string unhex(std::string_view hex) { return from_hex(hex).value(); }

std::string flip_bit(std::string s, std::size_t byte, int bit = 0) {
  s[byte] = static_cast<char>(s[byte] ^ (1 << bit));
  return s;
}

const unsigned char* u8(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

const Suite& gm() { return suite(SuiteId::gm); }
const Suite& intl() { return suite(SuiteId::intl); }

// ---- Suite ids ----

TEST(CryptoSuiteId, ParsesBothSuiteNames) {
  EXPECT_EQ(parse_suite_id("gm").value(), SuiteId::gm);
  EXPECT_EQ(parse_suite_id("intl").value(), SuiteId::intl);
  EXPECT_EQ(to_string(SuiteId::gm), "gm");
  EXPECT_EQ(to_string(SuiteId::intl), "intl");
}

TEST(CryptoSuiteId, UnknownSuiteNameIsNamedInError) {
  const auto id = parse_suite_id("des");
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code, "crypto.unknown_suite");
  EXPECT_NE(id.error().message.find("des"), std::string::npos);
}

TEST(CryptoSuite, ReportsItsAlgorithmNames) {
  EXPECT_EQ(gm().id(), SuiteId::gm);
  EXPECT_EQ(gm().hash_algorithm(), "sm3");
  EXPECT_EQ(gm().signature_algorithm(), "sm2");
  EXPECT_EQ(gm().seal_algorithm(), "sm4-ctr-hmac-sm3");
  EXPECT_EQ(intl().id(), SuiteId::intl);
  EXPECT_EQ(intl().hash_algorithm(), "sha256");
  EXPECT_EQ(intl().signature_algorithm(), "ed25519");
  EXPECT_EQ(intl().seal_algorithm(), "xchacha20poly1305");
}

// ---- SM3 (GM/T 0004-2012 appendix A) ----

TEST(Sm3, OfAbcMatchesGmT0004Vector) {
  const Digest d = gm().hash("abc");
  EXPECT_EQ(d.algorithm, "sm3");
  EXPECT_EQ(d.hex(), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
}

TEST(Sm3, OfSixteenAbcdMatchesGmT0004Vector) {
  std::string input;
  for (int i = 0; i < 16; ++i) input += "abcd";
  EXPECT_EQ(gm().hash(input).hex(), "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
}

TEST(Sm3, StreamingEqualsOneShotForEverySplit) {
  const std::string input = "The audit chain hashes every event; 事件链.";
  for (std::size_t split = 0; split <= input.size(); ++split) {
    auto hasher = gm().hasher();
    hasher->update(std::string_view(input).substr(0, split));
    hasher->update(std::string_view(input).substr(split));
    EXPECT_EQ(hasher->finish(), gm().hash(input)) << "split at " << split;
  }
}

TEST(Sm3, HashWithSm3EqualsSuiteHash) { EXPECT_EQ(hash_with("sm3", "abc").value(), gm().hash("abc")); }

// ---- SM4 (GB/T 32907-2016 / GM/T 0002-2012 example 1) ----

TEST(Sm4, EcbKnownAnswerMatchesGbT32907) {
  const std::string key = unhex("0123456789abcdeffedcba9876543210");
  std::string out(32, '\0');
  int length = 0;
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ASSERT_EQ(EVP_EncryptInit_ex(ctx, EVP_sm4_ecb(), nullptr, u8(key), nullptr), 1);
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  ASSERT_EQ(EVP_EncryptUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &length, u8(key), 16), 1);
  EVP_CIPHER_CTX_free(ctx);
  ASSERT_EQ(length, 16);
  EXPECT_EQ(to_hex(out.substr(0, 16)), "681edf34d206965e86b3e94f536e4246");
}

TEST(Sm4, SealCiphertextIsSm4CtrUnderTheDerivedKey) {
  const std::string seal_key(gm_internal::kSealKeySize, '\x42');
  const std::string iv = unhex("000102030405060708090a0b0c0d0e0f");
  const std::string plaintext = "forty-one bytes of plaintext, odd length.";
  const std::string sealed = gm_internal::seal_with_iv(seal_key, plaintext, "aad", iv).value();

  const gm_internal::SealKeys keys = gm_internal::derive_seal_keys(seal_key);
  ASSERT_EQ(keys.encryption.size(), gm_internal::kSm4KeySize);
  std::string expected(plaintext.size(), '\0');
  int length = 0;
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ASSERT_EQ(EVP_EncryptInit_ex(ctx, EVP_sm4_ctr(), nullptr, u8(keys.encryption), u8(iv)), 1);
  ASSERT_EQ(EVP_EncryptUpdate(ctx, reinterpret_cast<unsigned char*>(expected.data()), &length, u8(plaintext),
                              static_cast<int>(plaintext.size())),
            1);
  EVP_CIPHER_CTX_free(ctx);

  ASSERT_EQ(sealed.size(), 1 + iv.size() + plaintext.size() + gm_internal::kSealMacSize);
  EXPECT_EQ(static_cast<unsigned char>(sealed[0]), gm_internal::kSealFormatV1);
  EXPECT_EQ(sealed.substr(1, iv.size()), iv);
  EXPECT_EQ(sealed.substr(1 + iv.size(), plaintext.size()), expected);
}

TEST(Sm4, SealTagIsHmacSm3OverFormatAadLengthAadIvAndCiphertext) {
  const std::string seal_key(gm_internal::kSealKeySize, '\x07');
  const std::string iv(gm_internal::kSm4IvSize, '\x09');
  const std::string aad = "site:42";
  const std::string sealed = gm_internal::seal_with_iv(seal_key, "hello", aad, iv).value();
  const std::string body = sealed.substr(0, sealed.size() - gm_internal::kSealMacSize);

  const std::string aad_length = std::string(7, '\0') + static_cast<char>(aad.size());
  const std::string mac_input = body.substr(0, 1) + aad_length + aad + body.substr(1);
  const gm_internal::SealKeys keys = gm_internal::derive_seal_keys(seal_key);
  unsigned char tag[EVP_MAX_MD_SIZE];
  unsigned int tag_length = 0;
  HMAC(EVP_sm3(), keys.mac.data(), static_cast<int>(keys.mac.size()), u8(mac_input), mac_input.size(), tag,
       &tag_length);
  EXPECT_EQ(sealed.substr(body.size()), std::string(reinterpret_cast<char*>(tag), tag_length));
}

TEST(Sm4, SealKeysForEncryptionAndMacDiffer) {
  const gm_internal::SealKeys keys = gm_internal::derive_seal_keys(std::string(32, '\x01'));
  EXPECT_NE(keys.encryption, keys.mac.substr(0, keys.encryption.size()));
}

// ---- HMAC-SM3 ----

TEST(HmacSm3, MatchesOpenSslHmacApi) {
  const std::string key = "server secret";
  const std::string data = "token payload";
  unsigned char expected[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sm3(), key.data(), static_cast<int>(key.size()), u8(data), data.size(), expected, &length);
  EXPECT_EQ(gm().mac(key, data), std::string(reinterpret_cast<char*>(expected), length));
}

TEST(HmacSm3, KeyLongerThanABlockMatchesOpenSslHmacApi) {
  const std::string key(100, 'k');
  unsigned char expected[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sm3(), key.data(), static_cast<int>(key.size()), u8("x"), 1, expected, &length);
  EXPECT_EQ(gm().mac(key, "x"), std::string(reinterpret_cast<char*>(expected), length));
}

TEST(HmacSm3, DifferentKeysGiveDifferentMacs) {
  EXPECT_EQ(gm().mac("k1", "data").size(), 32u);
  EXPECT_NE(gm().mac("k1", "data"), gm().mac("k2", "data"));
  EXPECT_EQ(gm().mac("", "data").size(), 32u);
}

// ---- SM2 ----

class Sm2 : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    alice_ = new SigningKey(gm().generate_signing_key().value());
    bob_ = new SigningKey(gm().generate_signing_key().value());
  }
  static void TearDownTestSuite() {
    delete alice_;
    delete bob_;
  }
  static SigningKey* alice_;
  static SigningKey* bob_;
};
SigningKey* Sm2::alice_ = nullptr;
SigningKey* Sm2::bob_ = nullptr;

TEST_F(Sm2, GeneratedKeyIsTaggedSm2) {
  EXPECT_EQ(alice_->algorithm, "sm2");
  EXPECT_EQ(alice_->public_key.algorithm, "sm2");
  EXPECT_NE(alice_->public_key, bob_->public_key);
}

TEST_F(Sm2, SignThenVerifySucceeds) {
  const Signature sig = gm().sign(*alice_, "publish release 7").value();
  EXPECT_EQ(sig.algorithm, "sm2");
  EXPECT_TRUE(verify(alice_->public_key, "publish release 7", sig));
}

TEST_F(Sm2, FlippedMessageBitFailsVerify) {
  const std::string message = "publish release 7";
  const Signature sig = gm().sign(*alice_, message).value();
  const Status status = verify(alice_->public_key, flip_bit(message, 3), sig);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, "crypto.bad_signature");
}

TEST_F(Sm2, FlippedSignatureBitFailsVerify) {
  Signature sig = gm().sign(*alice_, "m").value();
  sig.bytes = flip_bit(sig.bytes, sig.bytes.size() - 1);
  EXPECT_FALSE(verify(alice_->public_key, "m", sig));
}

TEST_F(Sm2, OtherKeyFailsVerify) {
  const Signature sig = gm().sign(*alice_, "m").value();
  EXPECT_FALSE(verify(bob_->public_key, "m", sig));
}

TEST_F(Sm2, SignatureWithAnotherDistinguishingIdDoesNotVerify) {
  const Signature sig = gm_internal::sm2_sign_with_id(*alice_, "m", "ALICE123@YAHOO.COM").value();
  EXPECT_FALSE(verify(alice_->public_key, "m", sig));
}

TEST_F(Sm2, SignatureWithExplicitDefaultIdVerifies) {
  const Signature sig = gm_internal::sm2_sign_with_id(*alice_, "m", "1234567812345678").value();
  EXPECT_TRUE(verify(alice_->public_key, "m", sig));
}

// OpenSSL 3.0 defaults to an empty ID when none is set, so external verifiers must pass the
// GM/T 0009 ID explicitly (e.g. `openssl pkeyutl -pkeyopt distid:1234567812345678`).
TEST_F(Sm2, SignatureVerifiesWithPlainOpenSslGivenTheGmT0009Id) {
  const std::string message = "interop";
  const std::string id = "1234567812345678";
  const Signature sig = gm().sign(*alice_, message).value();
  const unsigned char* p = u8(alice_->public_key.bytes);
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &p, static_cast<long>(alice_->public_key.bytes.size()));
  ASSERT_NE(key, nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pkey_ctx = nullptr;
  ASSERT_EQ(EVP_DigestVerifyInit(ctx, &pkey_ctx, EVP_sm3(), nullptr, key), 1);
  ASSERT_GT(EVP_PKEY_CTX_set1_id(pkey_ctx, id.data(), static_cast<int>(id.size())), 0);
  EXPECT_EQ(EVP_DigestVerify(ctx, u8(sig.bytes), sig.bytes.size(), u8(message), message.size()), 1);
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
}

TEST_F(Sm2, SigningKeyTextFormRoundTripsAndRecoversPublicKey) {
  const SigningKey parsed = SigningKey::parse(alice_->to_string()).value();
  EXPECT_EQ(parsed.secret, alice_->secret);
  EXPECT_EQ(parsed.public_key, alice_->public_key);
  EXPECT_TRUE(verify(parsed.public_key, "m", gm().sign(parsed, "m").value()));
}

TEST_F(Sm2, PublicKeyTextFormRoundTrips) {
  EXPECT_EQ(PublicKey::parse(alice_->public_key.to_string()).value(), alice_->public_key);
}

TEST_F(Sm2, GmSuiteRefusesEd25519Key) {
  const auto sig = gm().sign(intl().generate_signing_key().value(), "m");
  ASSERT_FALSE(sig);
  EXPECT_EQ(sig.error().code, "crypto.wrong_key");
}

TEST(Sm2Key, P256PublicKeyIsRejected) {
  EVP_PKEY* p256 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(p256, &der);
  const std::string bytes(reinterpret_cast<char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  EVP_PKEY_free(p256);
  const auto parsed = PublicKey::parse("sm2:" + to_base64(bytes));
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, "crypto.bad_key");
}

TEST(Sm2Key, GarbageSecretIsRejected) {
  const auto parsed = SigningKey::parse("sm2:" + to_base64("not a key"));
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, "crypto.bad_key");
}

// ---- Sealing, both suites ----

class Seal : public ::testing::TestWithParam<SuiteId> {
 protected:
  const Suite& s() const { return suite(GetParam()); }
  std::string key() const { return random_bytes(s().seal_key_size()); }
};

TEST_P(Seal, KeySizeIs32Bytes) { EXPECT_EQ(s().seal_key_size(), 32u); }

TEST_P(Seal, OpenReturnsThePlaintext) {
  const std::string k = key();
  const std::string sealed = s().seal(k, "secret note", "aad").value();
  EXPECT_EQ(s().open(k, sealed, "aad").value(), "secret note");
}

TEST_P(Seal, EmptyPlaintextRoundTrips) {
  const std::string k = key();
  EXPECT_EQ(s().open(k, s().seal(k, "", "").value(), "").value(), "");
}

TEST_P(Seal, SealingTwiceGivesDifferentOutput) {
  const std::string k = key();
  EXPECT_NE(s().seal(k, "same", "").value(), s().seal(k, "same", "").value());
}

TEST_P(Seal, AnyFlippedBitFailsAuthentication) {
  const std::string k = key();
  const std::string sealed = s().seal(k, "secret note", "aad").value();
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    const auto opened = s().open(k, flip_bit(sealed, i, static_cast<int>(i % 8)), "aad");
    ASSERT_FALSE(opened) << "byte " << i;
    EXPECT_EQ(opened.error().code, "crypto.auth_failed");
  }
}

TEST_P(Seal, WrongKeyFailsAuthentication) {
  const std::string sealed = s().seal(key(), "secret note", "aad").value();
  const auto opened = s().open(key(), sealed, "aad");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, "crypto.auth_failed");
}

TEST_P(Seal, WrongAadFailsAuthentication) {
  const std::string k = key();
  const std::string sealed = s().seal(k, "secret note", "site:1").value();
  EXPECT_FALSE(s().open(k, sealed, "site:2"));
  EXPECT_FALSE(s().open(k, sealed, ""));
}

TEST_P(Seal, EveryTruncationFailsAuthentication) {
  const std::string k = key();
  const std::string sealed = s().seal(k, "secret note", "aad").value();
  for (std::size_t n = 0; n < sealed.size(); ++n) {
    const auto opened = s().open(k, sealed.substr(0, n), "aad");
    ASSERT_FALSE(opened) << "length " << n;
    EXPECT_EQ(opened.error().code, "crypto.auth_failed");
  }
}

TEST_P(Seal, WrongKeySizeIsRefused) {
  const auto sealed = s().seal("short", "x", "");
  ASSERT_FALSE(sealed);
  EXPECT_EQ(sealed.error().code, "crypto.bad_key");
  EXPECT_FALSE(s().open("short", std::string(100, 'x'), ""));
}

TEST_P(Seal, RandomInputNeverOpens) {
  const std::string k = key();
  for (std::size_t n = 0; n < 200; n += 7) EXPECT_FALSE(s().open(k, random_bytes(n), ""));
}

INSTANTIATE_TEST_SUITE_P(BothSuites, Seal, ::testing::Values(SuiteId::gm, SuiteId::intl),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(SealFormat, SuitesDoNotOpenEachOthersSealedValues) {
  const std::string k = random_bytes(32);
  EXPECT_FALSE(intl().open(k, gm().seal(k, "x", "").value(), ""));
  EXPECT_FALSE(gm().open(k, intl().seal(k, "x", "").value(), ""));
}

// ---- SHA-256, HMAC-SHA256 ----

TEST(Sha256, OfAbcMatchesFips180Vector) {
  const Digest d = intl().hash("abc");
  EXPECT_EQ(d.algorithm, "sha256");
  EXPECT_EQ(d.hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, StreamingEqualsOneShot) {
  const std::string input(1000, 'q');
  auto hasher = intl().hasher();
  for (std::size_t i = 0; i < input.size(); i += 33) hasher->update(std::string_view(input).substr(i, 33));
  EXPECT_EQ(hasher->finish(), intl().hash(input));
}

TEST(Sha256, AgreesWithLibsodiumOnEveryLengthUpToThreeBlocks) {
  const std::string input = random_bytes(3 * 64);
  for (std::size_t n = 0; n <= input.size(); ++n) {
    std::string expected(crypto_hash_sha256_BYTES, '\0');
    crypto_hash_sha256(reinterpret_cast<unsigned char*>(expected.data()), u8(input), n);
    ASSERT_EQ(intl().hash(input.substr(0, n)).bytes, expected) << "length " << n;
  }
}

TEST(Sha256, RepeatedOneShotHashesDoNotLeakState) {
  EXPECT_EQ(intl().hash("abc"), intl().hash("abc"));
  (void)gm().hash("interleaved sm3");
  EXPECT_EQ(intl().hash("abc").hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(HmacSha256, MatchesRfc4231TestCase2) {
  EXPECT_EQ(to_hex(intl().mac("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// ---- Ed25519 (RFC 8032 section 7.1, TEST 1) ----

TEST(Ed25519, MatchesRfc8032Test1) {
  const std::string seed = unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  std::string pk(crypto_sign_PUBLICKEYBYTES, '\0');
  std::string sk(crypto_sign_SECRETKEYBYTES, '\0');
  crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(pk.data()),
                           reinterpret_cast<unsigned char*>(sk.data()), u8(seed));
  EXPECT_EQ(to_hex(pk), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");

  const SigningKey key = SigningKey::parse("ed25519:" + to_base64(sk)).value();
  EXPECT_EQ(key.public_key.bytes, pk);
  const Signature sig = intl().sign(key, "").value();
  EXPECT_EQ(to_hex(sig.bytes),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46b"
            "d25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(verify(key.public_key, "", sig));
}

TEST(Ed25519, FlippedMessageOrSignatureBitFailsVerify) {
  const SigningKey key = intl().generate_signing_key().value();
  Signature sig = intl().sign(key, "message").value();
  EXPECT_TRUE(verify(key.public_key, "message", sig));
  EXPECT_FALSE(verify(key.public_key, "messagf", sig));
  sig.bytes = flip_bit(sig.bytes, 10);
  EXPECT_FALSE(verify(key.public_key, "message", sig));
}

TEST(Ed25519, OtherKeyFailsVerify) {
  const SigningKey a = intl().generate_signing_key().value();
  const SigningKey b = intl().generate_signing_key().value();
  EXPECT_FALSE(verify(b.public_key, "m", intl().sign(a, "m").value()));
}

TEST(Ed25519, SigningKeyWhosePublicHalfDoesNotMatchSeedIsRejected) {
  std::string secret = intl().generate_signing_key().value().secret;
  secret = flip_bit(secret, 40);  // inside the public half
  const auto parsed = SigningKey::parse("ed25519:" + to_base64(secret));
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, "crypto.bad_key");
}

// ---- XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03 appendix A.3.1) ----

TEST(XChaCha20Poly1305, MatchesDraftIrtfCfrgXchachaA31) {
  const std::string plaintext =
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen "
      "would be it.";
  const std::string aad = unhex("50515253c0c1c2c3c4c5c6c7");
  const std::string key = unhex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
  const std::string nonce = unhex("404142434445464748494a4b4c4d4e4f5051525354555657");
  const std::string sealed = intl_internal::seal_with_nonce(key, plaintext, aad, nonce).value();
  EXPECT_EQ(static_cast<unsigned char>(sealed[0]), intl_internal::kSealFormatV1);
  EXPECT_EQ(sealed.substr(1, nonce.size()), nonce);
  EXPECT_EQ(
      to_hex(sealed.substr(1 + nonce.size(), plaintext.size())),
      "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64"
      "c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c"
      "97637da9768812f615c68b13b52e");
  EXPECT_EQ(to_hex(sealed.substr(1 + nonce.size() + plaintext.size())), "c0875924c1c7987947deafd8780acf49");
  EXPECT_EQ(intl().open(key, sealed, aad).value(), plaintext);
}

// ---- Cross-suite: anything made under one suite checks after a switch ----

TEST(CrossSuite, GmSignatureVerifiesThroughFreeVerifyAfterSwitchToIntl) {
  const SigningKey key = gm().generate_signing_key().value();
  const std::string stored_key = key.public_key.to_string();
  const std::string stored_sig = gm().sign(key, "checkpoint 1000").value().to_string();
  // The platform now runs the intl suite; the stored texts are all that remain.
  const Suite& current = intl();
  EXPECT_EQ(current.signature_algorithm(), "ed25519");
  EXPECT_TRUE(
      verify(PublicKey::parse(stored_key).value(), "checkpoint 1000", Signature::parse(stored_sig).value()));
}

TEST(CrossSuite, IntlSignatureVerifiesThroughFreeVerifyAfterSwitchToGm) {
  const SigningKey key = intl().generate_signing_key().value();
  const std::string stored_key = key.public_key.to_string();
  const std::string stored_sig = intl().sign(key, "checkpoint 1000").value().to_string();
  EXPECT_TRUE(
      verify(PublicKey::parse(stored_key).value(), "checkpoint 1000", Signature::parse(stored_sig).value()));
}

TEST(CrossSuite, DigestsOfBothSuitesParseAndRehash) {
  for (const SuiteId id : {SuiteId::gm, SuiteId::intl}) {
    const Digest stored = Digest::parse(suite(id).hash("event 1").to_string()).value();
    EXPECT_EQ(hash_with(stored.algorithm, "event 1").value(), stored);
    auto hasher = hasher_for(stored.algorithm).value();
    hasher->update("event 1");
    EXPECT_EQ(hasher->finish(), stored);
  }
}

TEST(CrossSuite, KeyAndSignatureOfDifferentAlgorithmsIsAnError) {
  const SigningKey sm2 = gm().generate_signing_key().value();
  const SigningKey ed = intl().generate_signing_key().value();
  const Status status = verify(sm2.public_key, "m", intl().sign(ed, "m").value());
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, "crypto.bad_signature");
  EXPECT_NE(status.error().message.find("ed25519"), std::string::npos);
  EXPECT_NE(status.error().message.find("sm2"), std::string::npos);
}

TEST(CrossSuite, UnknownHashAlgorithmIsNamed) {
  const auto digest = hash_with("md5", "x");
  ASSERT_FALSE(digest);
  EXPECT_EQ(digest.error().code, "crypto.unknown_algorithm");
  EXPECT_NE(digest.error().message.find("md5"), std::string::npos);
  EXPECT_FALSE(hasher_for("sha1"));
}

TEST(CrossSuite, UnknownSignatureAlgorithmIsAnError) {
  EXPECT_FALSE(verify(PublicKey{"rsa", "k"}, "m", Signature{"rsa", "s"}));
}

TEST(CrossSuite, SuitesAreSafeToUseFromManyThreadsAtOnce) {
  const Digest sm3_expected = gm().hash("event");
  const Digest sha_expected = intl().hash("event");
  const SigningKey key = gm().generate_signing_key().value();
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (gm().hash("event") != sm3_expected || intl().hash("event") != sha_expected) ++failures[t];
        if (i % 50 == 0 && !verify(key.public_key, "m", gm().sign(key, "m").value())) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

// ---- Text forms: bad input ----

TEST(DigestText, HasAlgorithmColonLowercaseHex) {
  EXPECT_EQ(gm().hash("abc").to_string(),
            "sm3:66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
}

TEST(DigestText, Md5IsRejectedNamingMd5) {
  const auto d = Digest::parse("md5:900150983cd24fb0d6963f7d28e17f72");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, "crypto.unknown_algorithm");
  EXPECT_NE(d.error().message.find("md5"), std::string::npos);
}

TEST(DigestText, BadHexIsRejected) {
  const auto d = Digest::parse("sm3:zz" + std::string(62, '0'));
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, "crypto.bad_hex");
}

TEST(DigestText, WrongLengthIsRejectedNamingBothLengths) {
  const auto d = Digest::parse("sha256:abcd");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, "crypto.bad_length");
  EXPECT_NE(d.error().message.find("32"), std::string::npos);
  EXPECT_NE(d.error().message.find("2 "), std::string::npos);
}

TEST(DigestText, MissingAlgorithmIsRejected) {
  EXPECT_EQ(Digest::parse("66c7f0f4").error().code, "crypto.bad_format");
  EXPECT_EQ(Digest::parse(":66c7f0f4").error().code, "crypto.bad_format");
  EXPECT_EQ(Digest::parse("").error().code, "crypto.bad_format");
}

TEST(SignatureText, TruncatedBase64IsRejected) {
  const std::string text = intl().sign(intl().generate_signing_key().value(), "m").value().to_string();
  const auto sig = Signature::parse(text.substr(0, text.size() - 3));
  ASSERT_FALSE(sig);
  EXPECT_EQ(sig.error().code, "crypto.bad_base64");
  EXPECT_NE(sig.error().message.find("signature"), std::string::npos);
}

TEST(SignatureText, WrongEd25519LengthIsRejected) {
  EXPECT_EQ(Signature::parse("ed25519:" + to_base64(std::string(63, 'x'))).error().code, "crypto.bad_length");
}

TEST(SignatureText, NonDerSm2SignatureIsRejected) {
  EXPECT_EQ(Signature::parse("sm2:" + to_base64("not der")).error().code, "crypto.bad_signature");
}

TEST(SignatureText, UnknownAlgorithmIsNamed) {
  const auto sig = Signature::parse("rsa:" + to_base64("x"));
  ASSERT_FALSE(sig);
  EXPECT_NE(sig.error().message.find("rsa"), std::string::npos);
}

TEST(PublicKeyText, WrongEd25519LengthIsRejected) {
  EXPECT_EQ(PublicKey::parse("ed25519:" + to_base64("short")).error().code, "crypto.bad_length");
}

TEST(PublicKeyText, Ed25519RoundTrips) {
  const PublicKey pk = intl().generate_signing_key().value().public_key;
  EXPECT_EQ(PublicKey::parse(pk.to_string()).value(), pk);
}

TEST(TextForms, RandomInputNeverCrashesAParser) {
  for (int i = 0; i < 300; ++i) {
    const std::string junk = random_bytes(static_cast<std::size_t>(i % 90));
    for (const std::string prefix : {"sm2:", "ed25519:", "sm3:", "sha256:", ""}) {
      const std::string text = prefix + (i % 2 == 0 ? to_base64(junk) : junk);
      (void)Digest::parse(text);
      (void)Signature::parse(text);
      (void)PublicKey::parse(text);
      (void)SigningKey::parse(text);
    }
  }
  SUCCEED();
}

// ---- Encodings, randomness, comparison ----

TEST(Encoding, HexRoundTripsAndIsLowercase) {
  EXPECT_EQ(to_hex("\x01\xab\xff"), "01abff");
  EXPECT_EQ(from_hex("01ABff").value(), "\x01\xab\xff");
  EXPECT_EQ(from_hex("").value(), "");
}

TEST(Encoding, OddOrNonHexDigitsAreRejected) {
  EXPECT_EQ(from_hex("abc").error().code, "crypto.bad_hex");
  const auto bad = from_hex("00g0");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("offset 2"), std::string::npos);
}

TEST(Encoding, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(to_base64(""), "");
  EXPECT_EQ(to_base64("f"), "Zg==");
  EXPECT_EQ(to_base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(from_base64("Zm9vYg==").value(), "foob");
}

TEST(Encoding, MalformedBase64IsRejected) {
  EXPECT_EQ(from_base64("Zm9vYg=").error().code, "crypto.bad_base64");
  EXPECT_FALSE(from_base64("Zm9v YmFy"));
  EXPECT_FALSE(from_base64("Zm9v!mFy"));
}

TEST(Encoding, Base32MatchesRfc4648VectorsWithoutPadding) {
  EXPECT_EQ(to_base32(""), "");
  EXPECT_EQ(to_base32("f"), "MY");
  EXPECT_EQ(to_base32("fo"), "MZXQ");
  EXPECT_EQ(to_base32("foo"), "MZXW6");
  EXPECT_EQ(to_base32("foob"), "MZXW6YQ");
  EXPECT_EQ(to_base32("fooba"), "MZXW6YTB");
  EXPECT_EQ(to_base32("foobar"), "MZXW6YTBOI");
}

TEST(Random, ReturnsRequestedLengthAndDiffers) {
  EXPECT_EQ(random_bytes(0).size(), 0u);
  EXPECT_EQ(random_bytes(32).size(), 32u);
  EXPECT_NE(random_bytes(32), random_bytes(32));
}

TEST(ConstantTime, ComparesContentAndLength) {
  EXPECT_TRUE(equal_constant_time("abc", "abc"));
  EXPECT_TRUE(equal_constant_time("", ""));
  EXPECT_FALSE(equal_constant_time("abc", "abd"));
  EXPECT_FALSE(equal_constant_time("abc", "abcd"));
}

}  // namespace
}  // namespace sw::crypto
