// The release builder's gzip and brotli forms (publish/compress.h; issue 5): libdeflate's gzip is
// real gzip — zlib inflates it to exactly the input — and both encoders give the same bytes back
// across many calls on one thread and on several threads (per-thread state and pooled memory reused
// between files of different sizes never leak one file's bytes into another's form).
#include "publish/compress.h"

#include <brotli/decode.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace sw::publish {
namespace {

// Decodes `in` into a buffer of `expected` bytes and a little more (an output longer than expected fails).
std::string inflate_gzip(const std::string& in, std::size_t expected) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);  // gzip wrapper only
  std::string out(expected + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  EXPECT_EQ(zs.avail_in, 0u);  // nothing after the gzip member
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

std::string unbrotli(const std::string& in, std::size_t expected) {
  std::string out(expected + 64, '\0');
  std::size_t size = out.size();
  EXPECT_EQ(BrotliDecoderDecompress(in.size(), reinterpret_cast<const std::uint8_t*>(in.data()), &size,
                                    reinterpret_cast<std::uint8_t*>(out.data())),
            BROTLI_DECODER_RESULT_SUCCESS);
  out.resize(size);
  return out;
}

// Page-like text of `size` bytes: repetitive markup with Chinese text and some noise.
std::string page(std::size_t size, std::uint32_t seed) {
  std::mt19937 rng(seed);
  const std::string parts[] = {"<p>江苏省总工会召开会议，", "<a href=\"/articles/", "\">", "</a></p>\n", "劳动模范",
                               "<div class=\"item\">", "</div>", "2026年11月26日"};
  std::string out;
  while (out.size() < size) {
    out += parts[rng() % std::size(parts)];
    out += std::to_string(rng() % 100000);
  }
  out.resize(size);
  return out;
}

TEST(Compress, GzipIsRealGzipOfTheInput) {
  for (int level : {1, 6, 9}) {
    for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{300}, std::size_t{5000},
                             std::size_t{200} << 10, std::size_t{3} << 20}) {
      const std::string in = page(size, static_cast<std::uint32_t>(size + level));
      auto gz = gzip_compress(in, level);
      ASSERT_TRUE(gz) << gz.error().message;
      ASSERT_GE(gz->size(), 18u);
      EXPECT_EQ(static_cast<unsigned char>((*gz)[0]), 0x1f);
      EXPECT_EQ(static_cast<unsigned char>((*gz)[1]), 0x8b);
      EXPECT_EQ(inflate_gzip(*gz, in.size()), in) << "level " << level << ", " << size << " bytes";
      if (size >= 5000) {
        EXPECT_LT(gz->size(), in.size() / 2);
      }
    }
  }
}

TEST(Compress, SameInputSameOutput) {
  const std::string in = page(6000, 7);
  auto a = gzip_compress(in, 9);
  auto b = brotli_compress(in, 9);
  (void)gzip_compress(page(100000, 8), 9);  // other work between
  (void)brotli_compress(page(100000, 8), 9);
  auto c = gzip_compress(in, 9);
  auto d = brotli_compress(in, 9);
  ASSERT_TRUE(a && b && c && d);
  EXPECT_EQ(*a, *c);
  EXPECT_EQ(*b, *d);
}

TEST(Compress, BrotliDecodesToTheInputAtEveryQuality) {
  for (int q = 0; q <= 11; ++q) {
    for (std::size_t size : {std::size_t{1}, std::size_t{300}, std::size_t{5000}, std::size_t{70000}}) {
      if (q >= 10 && size > 5000) continue;  // 10 and 11 take ~100x longer
      const std::string in = page(size, static_cast<std::uint32_t>(size * 13 + q));
      auto br = brotli_compress(in, q);
      ASSERT_TRUE(br) << br.error().message;
      EXPECT_EQ(unbrotli(*br, in.size()), in) << "quality " << q << ", " << size << " bytes";
    }
  }
  const std::string big = page(std::size_t{2} << 20, 99);  // a window larger than the default
  auto br = brotli_compress(big, 5);
  ASSERT_TRUE(br);
  EXPECT_EQ(unbrotli(*br, big.size()), big);
}

TEST(Compress, BadParametersAreRefusedByName) {
  for (int level : {0, 10, -1}) {
    auto gz = gzip_compress("x", level);
    ASSERT_FALSE(gz);
    EXPECT_EQ(gz.error().code, "publish.bad_input");
    EXPECT_NE(gz.error().message.find("gzip level"), std::string::npos);
  }
  for (int q : {-1, 12}) {
    auto br = brotli_compress("x", q);
    ASSERT_FALSE(br);
    EXPECT_EQ(br.error().code, "publish.bad_input");
    EXPECT_NE(br.error().message.find("brotli quality"), std::string::npos);
  }
}

// Two threads compressing interleaved sizes (the pooled brotli memory hands blocks of one size to the
// next file asking for it): every form decodes to its own input.
TEST(Compress, ThreadsKeepTheirOwnState) {
  std::vector<std::jthread> threads;
  std::vector<int> failures(2, 0);
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([t, &failures] {
      for (int i = 0; i < 60; ++i) {
        const std::size_t size = (i % 3 == 0) ? 40000 : (i % 3 == 1 ? 3000 : 9000);
        const std::string in = page(size, static_cast<std::uint32_t>(t * 1000 + i));
        auto gz = gzip_compress(in, 9);
        auto br = brotli_compress(in, 9);
        if (!gz || !br || inflate_gzip(*gz, in.size()) != in || unbrotli(*br, in.size()) != in) ++failures[t];
      }
    });
  }
  threads.clear();
  EXPECT_EQ(failures[0], 0);
  EXPECT_EQ(failures[1], 0);
}

}  // namespace
}  // namespace sw::publish
