// guard_node: a guard serving one generated site for bench/guard_bench.sh (docs/benchmarks.md
// "Guard against nginx"). It writes the same files twice: as blobs of a signed release (the guard's
// side: manifest signed and verified, every file hashed on load) and as a plain directory for nginx.
//
//   guard_node --dir D [--port P] [--threads N] [--suite gm|intl] [--access-log FILE]
//
// Files: /index.html (about 5 KB), /big.bin (100 KB), /p/<0000..0999>/index.html (about 5 KB each),
// each with gzip form. Prints "port <n>" and serves until SIGTERM/SIGINT.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include <zlib.h>

#include "base/crypto.h"
#include "guard/guard.h"
#include "publish/manifest.h"
#include "store/blob_store.h"

namespace {

using namespace sw;
namespace fs = std::filesystem;

std::atomic<bool> g_stop{false};

std::string gzip(std::string_view in) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, in.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string page(int n) {
  std::string html = "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>工会新闻 " +
                     std::to_string(n) + "</title></head><body><main>";
  while (html.size() < 5000) {
    html += "<p>全省各级工会组织深入学习贯彻会议精神，第" + std::to_string(n) + "期，推动工会工作高质量发展。</p>\n";
  }
  return html + "</main></body></html>\n";
}

class BenchSource : public guard::ReleaseSource {
 public:
  BenchSource(store::BlobStore& blobs, guard::LiveRelease release) : blobs_(blobs), release_(std::move(release)) {}
  Result<std::vector<guard::LiveRelease>> live_releases() override { return std::vector{release_}; }
  Result<std::string> read_blob(const crypto::Digest& d, std::uint64_t) override {
    SW_TRY(path, blobs_.path_of(d));
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail("guard.blob_missing", path.string());
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  std::uint64_t generation() const override { return 1; }

 private:
  store::BlobStore& blobs_;
  guard::LiveRelease release_;
};

int run(int argc, char** argv) {
  fs::path dir;
  guard::GuardOptions options;
  options.threads = 2;
  options.disk_threads = 2;
  options.max_connections_per_ip = 100'000;
  crypto::SuiteId suite_id = crypto::SuiteId::gm;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--dir") dir = v;
    else if (k == "--port") options.port = static_cast<std::uint16_t>(std::stoi(v));
    else if (k == "--threads") options.threads = static_cast<std::size_t>(std::stoi(v));
    else if (k == "--suite") suite_id = v == "intl" ? crypto::SuiteId::intl : crypto::SuiteId::gm;
    else if (k == "--access-log") options.access_log = v;
  }
  if (dir.empty()) {
    std::cerr << "usage: guard_node --dir D [--port P] [--threads N] [--suite gm|intl] [--access-log F]\n";
    return 2;
  }
  const crypto::Suite& suite = crypto::suite(suite_id);
  auto blobs = store::BlobStore::open(dir / "blobs", suite);
  if (!blobs) return std::cerr << blobs.error().to_string() << "\n", 1;
  publish::Manifest m;
  m.site_id = 1;
  m.created_at = "2026-11-26T00:00:00Z";
  m.created_by = "bench";
  auto add = [&](const std::string& path, const std::string& bytes, const std::string& type) {
    publish::ManifestEntry e;
    e.path = path;
    e.content_type = type;
    e.size = bytes.size();
    e.digest = *blobs->put(bytes);
    const std::string gz = gzip(bytes);
    e.gzip = publish::Variant{*blobs->put(gz), gz.size()};
    m.entries.push_back(std::move(e));
    const fs::path file = dir / "www" / path.substr(1);
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << bytes;
    std::ofstream(file.string() + ".gz", std::ios::binary) << gz;
  };
  add("/index.html", page(0), "text/html; charset=utf-8");
  std::string big(100 * 1024, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 13);
  add("/big.bin", big, "application/octet-stream");
  for (int n = 0; n < 1000; ++n) {
    char name[32];
    std::snprintf(name, sizeof name, "/p/%04d/index.html", n);
    add(name, page(n + 1), "text/html; charset=utf-8");
  }
  // The guard's manifests are signed and verified, as from ReleaseStore::load_document().
  auto key = suite.generate_signing_key();
  auto document = publish::sign_manifest(m, suite, *key);
  if (!document) return std::cerr << document.error().to_string() << "\n", 1;
  std::vector<crypto::PublicKey> trusted = {key->public_key};
  auto verified = publish::verify_manifest(*document, trusted);
  if (!verified) return std::cerr << verified.error().to_string() << "\n", 1;
  BenchSource source(*blobs, guard::LiveRelease{1, {"bench.test", "127.0.0.1", "localhost"}, 1,
                                                std::make_shared<const publish::Manifest>(std::move(*verified))});
  guard::Guard g(options, source, [](const guard::TamperReport& r) {
    std::cerr << "tamper: " << r.path << "\n";
  });
  if (auto s = g.start(); !s) return std::cerr << s.error().to_string() << "\n", 1;
  std::cout << "port " << g.port() << "\nadmin " << g.admin_port() << std::endl;
  std::signal(SIGTERM, [](int) { g_stop = true; });
  std::signal(SIGINT, [](int) { g_stop = true; });
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  g.stop();
  g.wait();
  const auto st = g.stats();
  std::cout << "requests " << st.requests << " hits " << st.cache_hits << " misses " << st.cache_misses
            << " verify_failures " << st.verify_failures << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
