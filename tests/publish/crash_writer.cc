// publish_crash_writer: publishes releases of one site in a loop, to be killed with SIGKILL at a random
// instant by a crash test (issue 5 "Crash safety"; tests/publish/crash_test.cc, and reusable by the
// guard's served-through-guard check).
//
//   publish_crash_writer DATA_DIR SITE_ID [PAGES=50] [RELEASES=0] [SUITE=gm]
//
// DATA_DIR is laid out like a node's (cli/platform.h): sitewarden.db (migrations applied, the site
// present), blobs/, keys/node-<SUITE>.key (a SigningKey in text form), run/live-generation.
// Each release is a build (ReleaseBuilder, gzip + brotli variants; every other one incremental on the
// live release, re-adding every page) of PAGES pages "/index.html" and "/p/<k>.html"; every page's
// bytes carry the release's sequence number as "seq=<n>;" (n is one more than the site's newest
// release id, so it never repeats), so a checker can tell that every page of the live release comes
// from one release. RELEASES=0 publishes until killed. Exit: 0 after
// RELEASES releases, 1 on an error (printed), 2 on bad arguments.
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <string>

#include "base/atomic_file.h"
#include "publish/release_builder.h"

namespace {

namespace fs = std::filesystem;
using namespace sw;

constexpr std::size_t kMaxKeyBytes = 64 * 1024;

std::optional<long long> number(const char* text) {
  long long value = 0;
  const std::string_view s(text);
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value < 0) return std::nullopt;
  return value;
}

// The page bytes of release `seq`: a few hundred bytes of text, compressible like a real page.
std::string page_bytes(std::int64_t seq, int k) {
  std::string html = "<!doctype html><title>seq=" + std::to_string(seq) + ";</title><main>";
  for (int i = 0; i < 12; ++i)
    html += "<p>release seq=" + std::to_string(seq) + "; page " + std::to_string(k) + " 全省工会系统网站</p>";
  return html + "</main>";
}

Status publish_one(publish::ReleaseStore& store, store::BlobStore& blobs, std::int64_t site, int pages) {
  SW_TRY(existing, store.list(site));
  const std::int64_t seq = existing.empty() ? 1 : existing.front().id + 1;
  // Every other release is incremental on the live one (its new blobs made durable in one batch with
  // the signed document at commit), so kills land in both kinds of commit.
  SW_TRY(live, store.live(site));
  std::optional<std::int64_t> base;
  if (live && seq % 2 == 0) base = live->id;
  SW_TRY(builder, publish::ReleaseBuilder::start(store, blobs, {site, "crash-writer", base}));
  for (int k = 0; k < pages; ++k) {
    const std::string path = k == 0 ? "/index.html" : "/p/" + std::to_string(k) + ".html";
    SW_CHECK(builder->add({path, "text/html; charset=utf-8", page_bytes(seq, k), std::nullopt}));
  }
  SW_TRY(id, builder->commit());
  (void)id;
  return ok();
}

int run(const fs::path& data_dir, std::int64_t site, int pages, long long releases, crypto::SuiteId suite_id) {
  const crypto::Suite& suite = crypto::suite(suite_id);
  auto key_text = read_file(data_dir / "keys" / ("node-" + std::string(crypto::to_string(suite_id)) + ".key"), kMaxKeyBytes);
  if (!key_text) return std::fprintf(stderr, "%s\n", key_text.error().to_string().c_str()), 1;
  while (!key_text->empty() && (key_text->back() == '\n' || key_text->back() == '\r')) key_text->pop_back();
  auto key = crypto::SigningKey::parse(*key_text);
  if (!key) return std::fprintf(stderr, "%s\n", key.error().to_string().c_str()), 1;
  auto db = store::Database::open(data_dir / "sitewarden.db");
  if (!db) return std::fprintf(stderr, "%s\n", db.error().to_string().c_str()), 1;
  auto blobs = store::BlobStore::open(data_dir / "blobs", suite);
  if (!blobs) return std::fprintf(stderr, "%s\n", blobs.error().to_string().c_str()), 1;
  publish::ReleaseStore::Options options;
  options.generation_file = publish::generation_file(data_dir);
  publish::ReleaseStore store(**db, *blobs, suite, *key, {key->public_key}, options);
  for (long long n = 0; releases == 0 || n < releases; ++n) {
    if (auto s = publish_one(store, *blobs, site, pages); !s)
      return std::fprintf(stderr, "%s\n", s.error().to_string().c_str()), 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 6) {
    std::fprintf(stderr, "usage: publish_crash_writer DATA_DIR SITE_ID [PAGES=50] [RELEASES=0] [SUITE=gm]\n");
    return 2;
  }
  const auto site = number(argv[2]);
  const auto pages = argc > 3 ? number(argv[3]) : std::optional<long long>{50};
  const auto releases = argc > 4 ? number(argv[4]) : std::optional<long long>{0};
  const auto suite = crypto::parse_suite_id(argc > 5 ? argv[5] : "gm");
  if (!site || *site == 0 || !pages || *pages < 1 || *pages > 100000 || !releases || !suite) {
    std::fprintf(stderr, "publish_crash_writer: SITE_ID must be a site id, PAGES 1..100000, RELEASES >= 0, "
                         "SUITE gm or intl\n");
    return 2;
  }
  return run(argv[1], *site, static_cast<int>(*pages), *releases, *suite);
}
