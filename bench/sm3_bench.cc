// SM3 throughput (docs/benchmarks.md "Mirror watch", issue 5): OpenSSL's EVP_sm3 one message after
// another against the multi-buffer paths of base/sm3_multi.h, on one core, for the message sizes a
// mirror's full verification sees (the benchmark tree's files average 8.9 KB) and for large messages.
//
//   sm3_bench [SECONDS_PER_CASE]
//
// Prints one JSON line per case: path, message size, batch size, MB/s (10^6 bytes per second of wall
// time) and MB per CPU-second of the hashing thread (the figure that holds on a loaded machine).
#include <time.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "base/sm3_multi.h"

namespace {

using namespace sw::crypto;
using Clock = std::chrono::steady_clock;

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Speed {
  double mb_per_s;
  double mb_per_cpu_s;
};

// Hashes `views` in batches of `batch` on `path` (scalar: OpenSSL) until `seconds` passed.
Speed measure(Sm3Path path, const std::vector<std::string_view>& views, std::size_t batch, double seconds) {
  std::vector<Sm3Bytes> out(batch);
  std::size_t bytes = 0;
  const auto start = Clock::now();
  const double cpu_start = thread_cpu_seconds();
  double elapsed = 0;
  unsigned sink = 0;
  while (elapsed < seconds) {
    for (std::size_t i = 0; i + batch <= views.size(); i += batch) {
      std::span<const std::string_view> part(views.data() + i, batch);
      sm3_many_on(path, part, out);
      for (auto v : part) bytes += v.size();
      sink += out[0][0];
    }
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  }
  if (sink == 0xFFFFFFFF) std::puts("");
  const double cpu = thread_cpu_seconds() - cpu_start;
  return {static_cast<double>(bytes) / elapsed / 1e6, static_cast<double>(bytes) / cpu / 1e6};
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  std::mt19937_64 rng(5);
  std::printf("{\"bench\":\"sm3\",\"default_path\":\"%s\"}\n", std::string(to_string(sm3_path())).c_str());
  struct Case {
    const char* name;
    std::size_t size;
    std::size_t count;
    bool spread;  // sizes spread over 0.5x..1.5x, like the watch benchmark's files
  };
  for (const Case c : {Case{"8.9KB files", 8900, 512, true}, Case{"1 KiB", 1024, 2048, false},
                       Case{"64 KiB", 65536, 64, false}, Case{"1 MiB", 1 << 20, 32, false}}) {
    std::vector<std::string> messages;
    std::uniform_real_distribution<double> spread(0.5, 1.5);
    for (std::size_t i = 0; i < c.count; ++i) {
      std::string m(c.spread ? static_cast<std::size_t>(c.size * spread(rng)) : c.size, '\0');
      for (char& ch : m) ch = static_cast<char>(rng());
      messages.push_back(std::move(m));
    }
    std::vector<std::string_view> views(messages.begin(), messages.end());
    for (Sm3Path p : {Sm3Path::scalar, Sm3Path::avx2, Sm3Path::avx512}) {
      if (!sm3_path_supported(p)) continue;
      const std::size_t batch = p == Sm3Path::scalar ? 1 : 32;
      const Speed speed = measure(p, views, batch, seconds);
      std::printf("{\"case\":\"%s\",\"path\":\"%s\",\"batch\":%zu,\"mb_per_s\":%.0f,\"mb_per_cpu_s\":%.0f}\n", c.name,
                  std::string(to_string(p)).c_str(), batch, speed.mb_per_s, speed.mb_per_cpu_s);
      std::fflush(stdout);
    }
  }
  return 0;
}
