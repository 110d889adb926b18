// Multi-buffer SM3 (sm3_multi.h): every path this CPU can run gives exactly OpenSSL's EVP_sm3 digests —
// the GB/T 32905-2016 appendix A vectors, random lengths 0..10,000, every lane count and partial batch,
// every padding boundary (55/56/63/64 bytes), and batches mixing long and short messages.
#include "base/sm3_multi.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace sw::crypto {
namespace {

const Sm3Path kPaths[] = {Sm3Path::scalar, Sm3Path::avx2, Sm3Path::avx512};

std::string hex_of(const Sm3Bytes& b) { return to_hex(std::string_view(reinterpret_cast<const char*>(b.data()), b.size())); }

std::string openssl_sm3_hex(std::string_view m) { return hash_with("sm3", m)->hex(); }

std::vector<std::string> random_messages(std::mt19937_64& rng, std::size_t count, std::size_t max_len) {
  std::vector<std::string> out;
  std::uniform_int_distribution<std::size_t> len(0, max_len);
  for (std::size_t i = 0; i < count; ++i) {
    std::string s(len(rng), '\0');
    for (char& c : s) c = static_cast<char>(rng());
    out.push_back(std::move(s));
  }
  return out;
}

// Hashes `messages` on `path` and checks each digest against OpenSSL.
void expect_same_as_openssl(Sm3Path path, const std::vector<std::string>& messages) {
  std::vector<std::string_view> views(messages.begin(), messages.end());
  std::vector<Sm3Bytes> out(views.size());
  sm3_many_on(path, views, out);
  for (std::size_t i = 0; i < messages.size(); ++i) {
    ASSERT_EQ(hex_of(out[i]), openssl_sm3_hex(messages[i]))
        << to_string(path) << ": message " << i << " of " << messages.size() << ", " << messages[i].size()
        << " bytes";
  }
}

TEST(Sm3Multi, ReportsThePathsThisCpuRuns) {
  EXPECT_TRUE(sm3_path_supported(Sm3Path::scalar));
  // Printed so that a CI log shows which paths the rest of this file really exercised.
  for (Sm3Path p : kPaths) std::printf("sm3 path %s: %s\n", std::string(to_string(p)).c_str(), sm3_path_supported(p) ? "supported" : "not supported");
  std::printf("sm3 default path: %s\n", std::string(to_string(sm3_path())).c_str());
  EXPECT_TRUE(sm3_path_supported(sm3_path()));
}

TEST(Sm3Multi, StandardVectorsOnEveryPath) {
  // GB/T 32905-2016 appendix A.
  const std::string abc = "abc";
  std::string abcd16;
  for (int i = 0; i < 16; ++i) abcd16 += "abcd";
  const std::string want_abc = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0";
  const std::string want_abcd16 = "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732";
  for (Sm3Path p : kPaths) {
    if (!sm3_path_supported(p)) continue;
    for (std::size_t copies : {1u, 2u, 7u, 8u, 9u, 16u, 17u, 40u}) {
      std::vector<std::string_view> views;
      for (std::size_t i = 0; i < copies; ++i) views.push_back(i % 2 ? std::string_view(abcd16) : std::string_view(abc));
      std::vector<Sm3Bytes> out(views.size());
      sm3_many_on(p, views, out);
      for (std::size_t i = 0; i < copies; ++i) {
        EXPECT_EQ(hex_of(out[i]), i % 2 ? want_abcd16 : want_abc) << to_string(p) << " batch of " << copies;
      }
    }
  }
}

TEST(Sm3Multi, RandomLengthsMatchOpenSslOnEveryPathAndBatchSize) {
  std::mt19937_64 rng(2016);
  for (Sm3Path p : kPaths) {
    if (!sm3_path_supported(p)) continue;
    // Every batch size from empty to a little over two full rounds of lanes.
    for (std::size_t n = 0; n <= 2 * sm3_lanes(p) + 3; ++n) expect_same_as_openssl(p, random_messages(rng, n, 10'000));
    expect_same_as_openssl(p, random_messages(rng, 300, 10'000));
  }
}

TEST(Sm3Multi, EveryLengthAroundTheBlockAndPaddingBoundaries) {
  std::vector<std::string> messages;
  for (std::size_t len = 0; len <= 200; ++len) messages.push_back(std::string(len, static_cast<char>('a' + len % 26)));
  for (std::size_t len : {447u, 448u, 449u, 511u, 512u, 513u, 1023u, 1024u, 1025u}) messages.push_back(std::string(len, 'z'));
  for (Sm3Path p : kPaths) {
    if (sm3_path_supported(p)) expect_same_as_openssl(p, messages);
  }
}

TEST(Sm3Multi, LongAndShortMessagesMixed) {
  // A long message keeps one lane busy while the others cycle through many short ones, and the last
  // lanes are finished by the one-lane code.
  std::mt19937_64 rng(7);
  std::vector<std::string> messages = random_messages(rng, 100, 300);
  messages.insert(messages.begin() + 3, std::string(1 << 20, 'L'));
  messages.push_back(std::string(300'000, 'M'));
  messages.push_back(std::string(299'999, 'N'));
  for (Sm3Path p : kPaths) {
    if (sm3_path_supported(p)) expect_same_as_openssl(p, messages);
  }
}

TEST(Sm3Multi, DefaultPathAndHashMany) {
  std::mt19937_64 rng(3);
  const auto messages = random_messages(rng, 50, 5'000);
  std::vector<std::string_view> views(messages.begin(), messages.end());
  std::vector<Sm3Bytes> out(views.size());
  sm3_many(views, out);
  for (std::size_t i = 0; i < views.size(); ++i) EXPECT_EQ(hex_of(out[i]), openssl_sm3_hex(views[i]));

  for (std::string_view algorithm : {"sm3", "sha256"}) {
    auto digests = hash_many(algorithm, views);
    ASSERT_TRUE(digests.has_value());
    ASSERT_EQ(digests->size(), views.size());
    for (std::size_t i = 0; i < views.size(); ++i) EXPECT_EQ((*digests)[i], *hash_with(algorithm, views[i]));
  }
  auto none = hash_many("sm3", {});
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
  auto bad = hash_many("md5", views);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, "crypto.unknown_algorithm");
}

}  // namespace
}  // namespace sw::crypto
