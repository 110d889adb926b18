// Multi-buffer SM3: a lane scheduler that feeds each SIMD lane the blocks of one message after
// another, and the compression function compiled for AVX2 and AVX-512 (sm3_lanes.inc). The scalar
// path is OpenSSL's EVP_sm3 (crypto_digest_internal.h); a portable one-lane compression below only
// finishes the last long message of a batch, when one lane would otherwise keep a 16-lane vector busy.
#include "base/sm3_multi.h"

#include <immintrin.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>

#include "base/crypto_digest_internal.h"

namespace sw::crypto {
namespace {

constexpr std::size_t kBlock = 64;
constexpr std::uint32_t kIv[8] = {0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600,
                                  0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e};

// T_j rotated left by j mod 32, as every round uses it.
constexpr std::array<std::uint32_t, 64> make_round_constants() {
  std::array<std::uint32_t, 64> t{};
  for (int j = 0; j < 64; ++j) t[j] = std::rotl(j < 16 ? 0x79cc4519u : 0x7a879d8au, j % 32);
  return t;
}
constexpr std::array<std::uint32_t, 64> kSm3T = make_round_constants();

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "sitewarden: %s\n", what);
  std::abort();
}

std::uint32_t load_be32(const unsigned char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return std::endian::native == std::endian::little ? __builtin_bswap32(v) : v;
}

void store_be32(unsigned char* p, std::uint32_t v) {
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap32(v);
  std::memcpy(p, &v, 4);
}

// ---- One lane, portable (the straggler finisher) ----

std::uint32_t p0(std::uint32_t x) { return x ^ std::rotl(x, 9) ^ std::rotl(x, 17); }
std::uint32_t p1(std::uint32_t x) { return x ^ std::rotl(x, 15) ^ std::rotl(x, 23); }

void compress_one(std::uint32_t v[8], const unsigned char* block) {
  std::uint32_t w[68];
  for (int j = 0; j < 16; ++j) w[j] = load_be32(block + 4 * j);
  for (int j = 16; j < 68; ++j) {
    w[j] = p1(w[j - 16] ^ w[j - 9] ^ std::rotl(w[j - 3], 15)) ^ std::rotl(w[j - 13], 7) ^ w[j - 6];
  }
  std::uint32_t a = v[0], b = v[1], c = v[2], d = v[3], e = v[4], f = v[5], g = v[6], h = v[7];
  for (int j = 0; j < 64; ++j) {
    const std::uint32_t a12 = std::rotl(a, 12);
    const std::uint32_t ss1 = std::rotl(a12 + e + kSm3T[j], 7);
    const std::uint32_t ss2 = ss1 ^ a12;
    const std::uint32_t ff = j < 16 ? a ^ b ^ c : (a & b) | (a & c) | (b & c);
    const std::uint32_t gg = j < 16 ? e ^ f ^ g : (e & f) | (~e & g);
    const std::uint32_t tt1 = ff + d + ss2 + (w[j] ^ w[j + 4]);
    const std::uint32_t tt2 = gg + h + ss1 + w[j];
    d = c;
    c = std::rotl(b, 9);
    b = a;
    a = tt1;
    h = g;
    g = std::rotl(f, 19);
    f = e;
    e = p0(tt2);
  }
  v[0] ^= a, v[1] ^= b, v[2] ^= c, v[3] ^= d, v[4] ^= e, v[5] ^= f, v[6] ^= g, v[7] ^= h;
}

// ---- Many lanes ----

#define SM3_LANES 8
#define SM3_TARGET __attribute__((target("avx2")))
#define SM3_COMPRESS_NAME compress_avx2
#define V __m256i
#define V_LOAD(p) _mm256_load_si256(reinterpret_cast<const __m256i*>(p))
#define V_STORE(p, v) _mm256_store_si256(reinterpret_cast<__m256i*>(p), (v))
#define V_SET1(x) _mm256_set1_epi32(static_cast<int>(x))
#define V_ADD(a, b) _mm256_add_epi32((a), (b))
#define V_XOR(a, b) _mm256_xor_si256((a), (b))
#define V_XOR3(a, b, c) _mm256_xor_si256(_mm256_xor_si256((a), (b)), (c))
#define V_ROL(a, n) _mm256_or_si256(_mm256_slli_epi32((a), (n)), _mm256_srli_epi32((a), 32 - (n)))
#define V_MAJ(a, b, c) _mm256_or_si256(_mm256_and_si256((a), (b)), _mm256_and_si256((c), _mm256_or_si256((a), (b))))
#define V_CHOOSE(a, b, c) _mm256_xor_si256(_mm256_and_si256(_mm256_xor_si256((b), (c)), (a)), (c))
#include "base/sm3_lanes.inc"  // undefines its parameters at its end

#define SM3_LANES 16
#define SM3_TARGET __attribute__((target("avx512f")))
#define SM3_COMPRESS_NAME compress_avx512
#define V __m512i
#define V_LOAD(p) _mm512_load_si512((p))
#define V_STORE(p, v) _mm512_store_si512((p), (v))
#define V_SET1(x) _mm512_set1_epi32(static_cast<int>(x))
#define V_ADD(a, b) _mm512_add_epi32((a), (b))
#define V_XOR(a, b) _mm512_xor_si512((a), (b))
#define V_XOR3(a, b, c) _mm512_ternarylogic_epi32((a), (b), (c), 0x96)
// The masked form: GCC 12 warns (-Wuninitialized) about the unmasked one's undefined pass-through.
#define V_ROL(a, n) _mm512_maskz_rol_epi32(static_cast<__mmask16>(0xffff), (a), (n))
#define V_MAJ(a, b, c) _mm512_ternarylogic_epi32((a), (b), (c), 0xE8)
#define V_CHOOSE(a, b, c) _mm512_ternarylogic_epi32((a), (b), (c), 0xCA)
#include "base/sm3_lanes.inc"  // undefines its parameters at its end

using CompressMany = void (*)(std::uint32_t* state, const std::uint32_t* words);

// One message as a lane sees it: its whole blocks straight from the caller's memory, then one or two
// padded blocks (the rest of the message, 0x80, zeros, the bit length) built in `tail`.
struct LaneMessage {
  std::size_t index = 0;
  const unsigned char* data = nullptr;
  std::size_t whole_blocks = 0;
  std::size_t tail_blocks = 0;
  std::size_t next = 0;  // blocks done
  alignas(16) unsigned char tail[2 * kBlock];

  void start(std::size_t i, std::string_view message) {
    index = i;
    data = reinterpret_cast<const unsigned char*>(message.data());
    whole_blocks = message.size() / kBlock;
    const std::size_t rest = message.size() % kBlock;
    tail_blocks = rest + 1 + 8 <= kBlock ? 1 : 2;
    std::memset(tail, 0, sizeof tail);
    if (rest > 0) std::memcpy(tail, data + whole_blocks * kBlock, rest);
    tail[rest] = 0x80;
    const std::uint64_t bits = static_cast<std::uint64_t>(message.size()) * 8;
    unsigned char* end = tail + tail_blocks * kBlock;
    store_be32(end - 8, static_cast<std::uint32_t>(bits >> 32));
    store_be32(end - 4, static_cast<std::uint32_t>(bits));
    next = 0;
  }
  std::size_t blocks() const { return whole_blocks + tail_blocks; }
  const unsigned char* block(std::size_t k) const {
    return k < whole_blocks ? data + k * kBlock : tail + (k - whole_blocks) * kBlock;
  }
};

void write_digest(const std::uint32_t v[8], Sm3Bytes& out) {
  for (int i = 0; i < 8; ++i) store_be32(out.data() + 4 * i, v[i]);
}

template <std::size_t L>
void run_lanes(CompressMany compress, std::span<const std::string_view> messages, std::span<Sm3Bytes> out) {
  // Longest first: the lanes then run out of work at about the same time.
  std::vector<std::size_t> order(messages.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return messages[a].size() != messages[b].size() ? messages[a].size() > messages[b].size() : a < b;
  });
  std::size_t queued = 0;

  alignas(64) std::uint32_t state[8 * L];
  alignas(64) std::uint32_t words[16 * L];
  static const unsigned char kIdleBlock[kBlock] = {};
  LaneMessage lane[L];
  bool active[L] = {};
  std::size_t running = 0;

  auto refill = [&](std::size_t l) {
    if (queued == order.size()) {
      active[l] = false;
      return;
    }
    const std::size_t i = order[queued++];
    lane[l].start(i, messages[i]);
    for (int w = 0; w < 8; ++w) state[w * L + l] = kIv[w];
    active[l] = true;
    ++running;
  };
  for (std::size_t l = 0; l < L; ++l) refill(l);

  // Below this many busy lanes with nothing left to start, the portable one-lane code is faster.
  constexpr std::size_t kFinishAlone = L / 8;
  while (running > 0) {
    if (queued == order.size() && running <= kFinishAlone) {
      for (std::size_t l = 0; l < L; ++l) {
        if (!active[l]) continue;
        std::uint32_t v[8];
        for (int w = 0; w < 8; ++w) v[w] = state[w * L + l];
        for (LaneMessage& m = lane[l]; m.next < m.blocks(); ++m.next) compress_one(v, m.block(m.next));
        write_digest(v, out[lane[l].index]);
        active[l] = false;
      }
      return;
    }
    for (std::size_t l = 0; l < L; ++l) {
      const unsigned char* block = active[l] ? lane[l].block(lane[l].next) : kIdleBlock;
      for (std::size_t j = 0; j < 16; ++j) words[j * L + l] = load_be32(block + 4 * j);
    }
    compress(state, words);
    for (std::size_t l = 0; l < L; ++l) {
      if (!active[l] || ++lane[l].next < lane[l].blocks()) continue;
      std::uint32_t v[8];
      for (int w = 0; w < 8; ++w) v[w] = state[w * L + l];
      write_digest(v, out[lane[l].index]);
      --running;
      refill(l);
    }
  }
}

void run_scalar(std::span<const std::string_view> messages, std::span<Sm3Bytes> out) {
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const Digest d = digest_internal::hash(digest_internal::HashFunction::sm3, messages[i]);
    std::memcpy(out[i].data(), d.bytes.data(), out[i].size());
  }
}

Sm3Path choose_path() {
  if (const char* forced = std::getenv("SITEWARDEN_SM3")) {
    for (Sm3Path p : {Sm3Path::scalar, Sm3Path::avx2, Sm3Path::avx512}) {
      if (to_string(p) == forced && sm3_path_supported(p)) return p;
    }
  }
  if (sm3_path_supported(Sm3Path::avx512)) return Sm3Path::avx512;
  if (sm3_path_supported(Sm3Path::avx2)) return Sm3Path::avx2;
  return Sm3Path::scalar;
}

}  // namespace

std::string_view to_string(Sm3Path path) {
  switch (path) {
    case Sm3Path::scalar:
      return "scalar";
    case Sm3Path::avx2:
      return "avx2";
    case Sm3Path::avx512:
      return "avx512";
  }
  return "unknown";
}

bool sm3_path_supported(Sm3Path path) {
  // __builtin_cpu_supports also checks that the kernel saves the vector registers (XCR0).
  switch (path) {
    case Sm3Path::scalar:
      return true;
    case Sm3Path::avx2:
      return __builtin_cpu_supports("avx2");
    case Sm3Path::avx512:
      return __builtin_cpu_supports("avx512f");
  }
  return false;
}

Sm3Path sm3_path() {
  static const Sm3Path path = choose_path();
  return path;
}

std::size_t sm3_lanes(Sm3Path path) {
  switch (path) {
    case Sm3Path::scalar:
      return 1;
    case Sm3Path::avx2:
      return 8;
    case Sm3Path::avx512:
      return 16;
  }
  return 1;
}

void sm3_many_on(Sm3Path path, std::span<const std::string_view> messages, std::span<Sm3Bytes> out) {
  if (out.size() != messages.size()) die("sm3_many: one output per message is required");
  if (!sm3_path_supported(path)) die("sm3_many: this CPU cannot run the requested SM3 path");
  switch (path) {
    case Sm3Path::scalar:
      return run_scalar(messages, out);
    case Sm3Path::avx2:
      return run_lanes<8>(compress_avx2, messages, out);
    case Sm3Path::avx512:
      return run_lanes<16>(compress_avx512, messages, out);
  }
}

void sm3_many(std::span<const std::string_view> messages, std::span<Sm3Bytes> out) {
  // A single message gains nothing from lanes; OpenSSL's code is as fast as the one-lane code here.
  sm3_many_on(messages.size() <= 1 ? Sm3Path::scalar : sm3_path(), messages, out);
}

Result<std::vector<Digest>> hash_many(std::string_view algorithm, std::span<const std::string_view> messages) {
  std::vector<Digest> digests;
  digests.reserve(messages.size());
  if (algorithm == "sm3") {
    std::vector<Sm3Bytes> bytes(messages.size());
    sm3_many(messages, bytes);
    for (const Sm3Bytes& b : bytes) {
      digests.push_back(Digest{"sm3", std::string(reinterpret_cast<const char*>(b.data()), b.size())});
    }
    return digests;
  }
  if (algorithm != "sha256") {
    return fail("crypto.unknown_algorithm",
                "unknown hash algorithm \"" + std::string(algorithm) + "\" (expected \"sm3\" or \"sha256\")");
  }
  for (std::string_view m : messages) digests.push_back(digest_internal::hash(digest_internal::HashFunction::sha256, m));
  return digests;
}

}  // namespace sw::crypto
