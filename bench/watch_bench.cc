// watch benchmarks (docs/benchmarks.md "Mirror watch"), run by bench/watch_bench.sh:
//
//   watch_bench latency DIR [TAMPERS]      tamper detect + restore latency on a watched mirror
//   watch_bench tree DIR FILES TOTAL_MB    writes a tree of FILES files (~TOTAL_MB) to DIR/root and
//                                          its manifests (SHA-256 and SM3 digests of the same bytes)
//   watch_bench verify DIR ALGORITHM       full verification of DIR/root (every byte re-hashed), timed
//
// Prints JSON lines. The latency run starts a real Watcher (production defaults: 5 ms debounce,
// 25 ms longest hold) on a 1,000-file mirror in-process and makes TAMPERS changes of mixed kinds
// one after another, each timed from the change until the path is whole again.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "audit/audit_log.h"
#include "store/blob_store.h"
#include "store/database.h"
#include "watch/restorer.h"
#include "watch/watcher.h"

namespace {

using namespace sw;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string bytes_of(std::mt19937_64& rng, std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; i += 8) {
    const std::uint64_t v = rng();
    std::memcpy(s.data() + i, &v, std::min<std::size_t>(8, n - i));
  }
  return s;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void write(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
}

class StaticReleases final : public watch::ReleaseSource {
 public:
  explicit StaticReleases(publish::Manifest m) : manifest_(std::move(m)) {}
  std::uint64_t generation() override { return 1; }
  Result<std::optional<Live>> live(std::int64_t) override { return std::optional<Live>(live_); }
  Result<publish::Manifest> load(const crypto::Digest&) override { return manifest_; }
  Live live_{1, crypto::suite(crypto::SuiteId::intl).hash("bench")};

 private:
  publish::Manifest manifest_;
};

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0
                   : v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

int latency(const fs::path& dir, int tampers) {
  const auto& suite = crypto::suite(crypto::SuiteId::gm);
  fs::create_directories(dir / "root");
  auto blobs = store::BlobStore::open(dir / "blobs", suite).value();
  std::mt19937_64 rng(42);
  publish::Manifest m;
  m.site_id = 1;
  constexpr int kFiles = 1000;
  for (int i = 0; i < kFiles; ++i) {
    publish::ManifestEntry e;
    e.path = "/column" + std::to_string(i % 20) + "/page" + std::to_string(i) + ".html";
    const std::string body = "<html>" + bytes_of(rng, 2000 + (i % 7) * 1000) + "</html>";
    e.size = body.size();
    e.digest = blobs.put(body).value();
    e.content_type = "text/html";
    m.entries.push_back(std::move(e));
  }
  m.normalise().value();
  const auto layout = watch::MirrorLayout::build(m).value();
  {
    auto checker = watch::TreeChecker::open(dir / "root").value();
    watch::Restorer restorer(checker.fd(), blobs, {}, dir / "quarantine" / "1");
    auto empty = watch::MirrorLayout::build({}).value();
    watch::sync_to_release(checker, restorer, layout, empty, {}).value();
  }
  (void)store::Database::open(dir / "node.db").value();
  auto audit = audit::AuditLog::open(dir / "node.db", suite, suite.generate_signing_key().value()).value();
  StaticReleases releases(m);
  watch::Mirror mirror{.site_id = 1,
                       .root = fs::canonical(dir / "root").string(),
                       .release_id = 1,
                       .manifest_digest = releases.live_.manifest_digest};
  auto watcher =
      watch::Watcher::open({mirror}, releases, blobs, *audit, nullptr, {.quarantine_dir = dir / "quarantine"})
          .value();
  std::thread runner([&] { (void)watcher->run(); });
  while (!watcher->ready()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  const char* kinds[] = {"modify", "add", "delete", "rename", "chmod", "symlink", "truncate"};
  std::map<std::string, std::vector<double>> by_kind;
  std::vector<double> all;
  int timeouts = 0;
  for (int t = 0; t < tampers; ++t) {
    const std::string kind = kinds[t % 7];
    const auto& entry = m.entries[rng() % m.entries.size()];
    const fs::path p = dir / "root" / entry.path.substr(1);
    const std::string good = blobs.get(entry.digest).value();
    const fs::path extra = p.parent_path() / ("planted" + std::to_string(t) + ".php");
    const fs::path moved = p.parent_path() / ("moved" + std::to_string(t) + ".html");
    std::function<bool()> whole;
    const auto start = Clock::now();
    if (kind == "modify") {
      write(p, "<h1>defaced " + std::to_string(t) + "</h1>");
      whole = [&] { return read(p) == good; };
    } else if (kind == "add") {
      write(extra, "<?php evil();");
      whole = [&] { return !fs::exists(extra); };
    } else if (kind == "delete") {
      fs::remove(p);
      whole = [&] { return fs::exists(p) && fs::file_size(p) == entry.size; };
    } else if (kind == "rename") {
      fs::rename(p, moved);
      whole = [&] { return !fs::exists(moved) && fs::exists(p) && fs::file_size(p) == entry.size; };
    } else if (kind == "chmod") {
      fs::permissions(p, static_cast<fs::perms>(0666));
      whole = [&] {
        std::error_code ec;
        return fs::status(p, ec).permissions() == static_cast<fs::perms>(0644);
      };
    } else if (kind == "symlink") {
      const fs::path staged = dir / "staged-link";
      fs::remove(staged);
      fs::create_symlink("/etc/passwd", staged);
      fs::rename(staged, p);
      whole = [&] { return !fs::is_symlink(p) && fs::exists(p) && fs::file_size(p) == entry.size; };
    } else {
      fs::resize_file(p, entry.size / 2);
      whole = [&] {
        std::error_code ec;
        return fs::file_size(p, ec) == entry.size;
      };
    }
    const auto deadline = start + std::chrono::seconds(5);
    bool restored = false;
    while (Clock::now() < deadline) {
      if (whole()) {
        restored = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (!restored) {
      ++timeouts;
      continue;
    }
    all.push_back(ms);
    by_kind[kind].push_back(ms);
    std::this_thread::sleep_for(
        std::chrono::milliseconds(30));  // let the watcher settle: tampers are independent
  }
  watcher->stop();
  runner.join();
  nlohmann::json out = {{"bench", "watch_tamper_latency"},
                        {"files", kFiles},
                        {"tampers", tampers},
                        {"restored", all.size()},
                        {"timeouts", timeouts},
                        {"p50_ms", percentile(all, 0.50)},
                        {"p99_ms", percentile(all, 0.99)},
                        {"max_ms", percentile(all, 1.0)},
                        {"tamper_events", watcher->stats().tampers}};
  for (const auto& [kind, v] : by_kind) out["p99_ms_" + kind] = percentile(v, 0.99);
  std::cout << out.dump() << std::endl;
  return timeouts == 0 ? 0 : 1;
}

// A tree of `files` files (sizes spread around the mean so the total is ~total_mb) in 1,000
// directories, and a manifest per hash algorithm (the same bytes digested with SHA-256 and SM3).
int tree(const fs::path& dir, int files, int total_mb) {
  fs::create_directories(dir / "root");
  std::mt19937_64 rng(7);
  const std::size_t mean = static_cast<std::size_t>(total_mb) * 1024 * 1024 / static_cast<std::size_t>(files);
  publish::Manifest sha, sm3;
  for (int i = 0; i < files; ++i) {
    const std::string rel = "d" + std::to_string(i % 1000) + "/f" + std::to_string(i) + ".html";
    const std::size_t size = mean / 2 + rng() % mean;
    const std::string body = bytes_of(rng, size);
    fs::create_directories((dir / "root" / rel).parent_path());
    write(dir / "root" / rel, body);
    fs::permissions(dir / "root" / rel, static_cast<fs::perms>(0644));
    for (auto* m : {&sha, &sm3}) {
      publish::ManifestEntry e;
      e.path = "/" + rel;
      e.size = body.size();
      e.digest = crypto::hash_with(m == &sha ? "sha256" : "sm3", body).value();
      e.content_type = "text/html";
      m->entries.push_back(std::move(e));
    }
  }
  for (auto* m : {&sha, &sm3}) {
    m->normalise().value();
    nlohmann::json j = nlohmann::json::array();
    for (const auto& e : m->entries) j.push_back({e.path, e.size, e.digest.to_string()});
    write(dir / (m == &sha ? "manifest-sha256.json" : "manifest-sm3.json"), j.dump());
  }
  std::cout << nlohmann::json{{"bench", "watch_tree"}, {"files", files}, {"bytes", sha.total_bytes()}}.dump()
            << std::endl;
  return 0;
}

int verify(const fs::path& dir, const std::string& algorithm) {
  const auto j = nlohmann::json::parse(read(dir / ("manifest-" + algorithm + ".json")));
  publish::Manifest m;
  for (const auto& e : j) {
    m.entries.push_back({.path = e[0],
                         .content_type = "text/html",
                         .size = e[1],
                         .digest = crypto::Digest::parse(e[2].get<std::string>()).value()});
  }
  const auto layout = watch::MirrorLayout::build(std::move(m)).value();
  auto checker = watch::TreeChecker::open(dir / "root").value();
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  const auto start = Clock::now();
  auto diffs = checker.verify_all(layout, {.threads = threads}).value();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::cout << nlohmann::json{{"bench", "watch_verify"},
                              {"algorithm", algorithm},
                              {"threads", threads},
                              {"files", layout.manifest().entries.size()},
                              {"bytes", layout.manifest().total_bytes()},
                              {"differences", diffs.size()},
                              {"seconds", seconds}}
                   .dump()
            << std::endl;
  return diffs.empty() ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> a(argv + 1, argv + argc);
  if (a.size() >= 2 && a[0] == "latency") return latency(a[1], a.size() > 2 ? std::stoi(a[2]) : 1000);
  if (a.size() == 4 && a[0] == "tree") return tree(a[1], std::stoi(a[2]), std::stoi(a[3]));
  if (a.size() == 3 && a[0] == "verify") return verify(a[1], a[2]);
  std::cerr << "usage: watch_bench latency DIR [TAMPERS] | tree DIR FILES TOTAL_MB | verify DIR sha256|sm3\n";
  return 2;
}
