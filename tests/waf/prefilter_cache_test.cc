// The prefilter's disk cache (src/waf/prefilter_cache.h; docs/modules/waf.md "The prefilter's disk cache"):
// entries read back as compiled, anything damaged ignored with one warning and compiled again, never
// another input's database, the directory capped; and in a Waf: a warm build covers the same rules and
// gives the same verdicts as a cold one, a bad cache directory never stops the WAF.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/log.h"
#include "prefilter_probe.h"
#include "waf/prefilter_cache.h"
#include "waf/waf.h"

namespace sw::waf {
namespace {

namespace fs = std::filesystem;
using engine::PrefilterCache;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("prefilter_cache_test_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_ / "cache", fs::perms::owner_all, ec);
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// The log's records while it lives (base/log.h to a file), by event name.
class LogCapture {
 public:
  explicit LogCapture(fs::path file) : file_(std::move(file)) {
    EXPECT_TRUE(log::init(log::Level::info, file_));
  }
  ~LogCapture() { (void)log::init(log::Level::info); }
  std::vector<nlohmann::json> events(const std::string& name) const {
    std::vector<nlohmann::json> out;
    std::ifstream in(file_);
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.value("event", "") == name) out.push_back(j);
    }
    return out;
  }

 private:
  fs::path file_;
};

std::vector<fs::path> files_named(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().starts_with(prefix)) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

const std::vector<unsigned> kTwoFlags = {HS_FLAG_SINGLEMATCH, HS_FLAG_SINGLEMATCH | HS_FLAG_CASELESS};

// Whether `db` matches `text` (any pattern).
bool matches(hs_database_t* db, const std::string& text) {
  hs_scratch_t* scratch = nullptr;
  EXPECT_EQ(hs_alloc_scratch(db, &scratch), HS_SUCCESS);
  bool hit = false;
  auto on = [](unsigned, unsigned long long, unsigned long long, unsigned, void* c) -> int {
    *static_cast<bool*>(c) = true;
    return 1;
  };
  hs_scan(db, text.data(), static_cast<unsigned>(text.size()), 0, scratch, on, &hit);
  hs_free_scratch(scratch);
  return hit;
}

// Builds one database through a cache over `dir` (a build of its own) and says where it came from.
struct Built {
  bool matched_sample = false;
  bool from_cache = false;
};
Built build_one(const fs::path& dir, const std::vector<std::string>& patterns, const std::string& sample,
                const std::vector<unsigned>& flags = kTwoFlags) {
  PrefilterCache cache(dir);
  std::string error;
  hs_database_t* db = cache.database(patterns, flags, error);
  EXPECT_NE(db, nullptr) << error;
  Built b;
  if (db == nullptr) return b;
  b.matched_sample = matches(db, sample);
  b.from_cache = cache.databases_from_cache() == 1;
  hs_free_database(db);
  return b;
}

TEST(PrefilterCache, ADatabaseIsReadBackAndMatchesAsTheCompiledOne) {
  TempDir t;
  const fs::path dir = t.path() / "cache";
  const std::vector<std::string> patterns = {"x[0-9]+y", "union\\s+select"};
  auto cold = build_one(dir, patterns, "a x12y b");
  EXPECT_FALSE(cold.from_cache);
  EXPECT_TRUE(cold.matched_sample);
  auto warm = build_one(dir, patterns, "a x12y b");
  EXPECT_TRUE(warm.from_cache);
  EXPECT_TRUE(warm.matched_sample);
  EXPECT_TRUE(build_one(dir, patterns, "UNION  Select").matched_sample);
  EXPECT_FALSE(build_one(dir, patterns, "xy union").matched_sample);
  ASSERT_EQ(files_named(dir, "db-").size(), 1u);
  // Private: the directory created here 0700, entries 0600.
  EXPECT_EQ(fs::status(dir).permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_EQ(fs::status(files_named(dir, "db-")[0]).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
}

TEST(PrefilterCache, AnotherPatternOrderOrFlagIsAnotherEntry) {
  TempDir t;
  const fs::path dir = t.path() / "cache";
  EXPECT_FALSE(build_one(dir, {"abc", "def"}, "abc").from_cache);
  EXPECT_FALSE(build_one(dir, {"def", "abc"}, "abc").from_cache);  // ids differ
  EXPECT_FALSE(build_one(dir, {"abc", "def"}, "abc", {HS_FLAG_SINGLEMATCH, HS_FLAG_SINGLEMATCH}).from_cache);
  EXPECT_TRUE(build_one(dir, {"abc", "def"}, "abc").from_cache);
  EXPECT_EQ(files_named(dir, "db-").size(), 3u);
}

TEST(PrefilterCache, ADamagedEntryIsIgnoredWithOneWarningCompiledAndWrittenAgain) {
  TempDir t;
  const fs::path dir = t.path() / "cache";
  const std::vector<std::string> patterns = {"x[0-9]+y", "union\\s+select"};
  build_one(dir, patterns, "x1y");
  const fs::path entry = files_named(dir, "db-").at(0);
  const std::string intact = read_bytes(entry);
  std::string flipped = intact;
  flipped[flipped.size() - 5] ^= 0x20;  // in the payload: vectorscan might even accept it
  std::string header_only = intact.substr(0, 80);
  const std::vector<std::pair<std::string, std::string>> damages = {
      {"truncated", intact.substr(0, intact.size() / 2)},
      {"a flipped payload byte", flipped},
      {"the header only", header_only},
      {"garbage", std::string(intact.size(), 'z')},
      {"empty", ""}};
  int n = 0;
  for (const auto& [what, bytes] : damages) {
    write_bytes(entry, bytes);
    {
      LogCapture log(t.path() / ("log-" + std::to_string(n++)));
      auto b = build_one(dir, patterns, "x1y");
      EXPECT_FALSE(b.from_cache) << what;
      EXPECT_TRUE(b.matched_sample) << what;
      auto warnings = log.events("waf.prefilter_cache");
      ASSERT_EQ(warnings.size(), 1u) << what;
      EXPECT_NE(warnings[0]["problem"].get<std::string>().find(entry.filename().string()), std::string::npos);
    }
    EXPECT_EQ(read_bytes(entry), intact) << what << ": written again";
    EXPECT_TRUE(build_one(dir, patterns, "x1y").from_cache) << what;
  }
}

TEST(PrefilterCache, AnEntryOfOtherPatternsUnderThisKeysNameIsNotUsed) {
  TempDir t;
  const fs::path dir = t.path() / "cache";
  build_one(dir, {"aaa"}, "aaa");
  const fs::path a = files_named(dir, "db-").at(0);
  build_one(dir, {"bbb"}, "bbb");
  fs::path b;
  for (const auto& p : files_named(dir, "db-")) {
    if (p != a) b = p;
  }
  ASSERT_FALSE(b.empty());
  fs::copy_file(a, b, fs::copy_options::overwrite_existing);  // "bbb"'s name, "aaa"'s database
  LogCapture log(t.path() / "log");
  auto built = build_one(dir, {"bbb"}, "bbb");
  EXPECT_FALSE(built.from_cache);
  EXPECT_TRUE(built.matched_sample);
  EXPECT_FALSE(build_one(dir, {"bbb"}, "aaa").matched_sample);
  EXPECT_EQ(log.events("waf.prefilter_cache").size(), 1u);
}

TEST(PrefilterCache, ExpressionVerdictsAreRememberedAndADamagedFileIsIgnored) {
  TempDir t;
  const fs::path dir = t.path() / "cache";
  const unsigned flags = HS_FLAG_PREFILTER | HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH;
  auto verdicts = [&] {
    PrefilterCache cache(dir);
    return std::pair{cache.expression_usable("a(b", flags), cache.expression_usable("(?i)sel[e]ct", flags)};
  };
  EXPECT_EQ(verdicts(), std::pair(false, true));
  auto files = files_named(dir, "expressions-");
  ASSERT_EQ(files.size(), 1u);
  const std::string intact = read_bytes(files[0]);
  EXPECT_EQ(verdicts(), std::pair(false, true));
  // Both verdicts inverted in the file, its checksum left as it was: the file is not trusted.
  std::string swapped = intact;
  for (auto& c : swapped) {
    if (c == '0' && (&c)[1] == '\n' && (&c)[-1] == ' ')
      c = '1';
    else if (c == '1' && (&c)[1] == '\n' && (&c)[-1] == ' ')
      c = '0';
  }
  ASSERT_NE(swapped, intact);
  write_bytes(files[0], swapped);
  LogCapture log(t.path() / "log");
  EXPECT_EQ(verdicts(), std::pair(false, true));
  EXPECT_EQ(log.events("waf.prefilter_cache").size(), 1u);
  EXPECT_EQ(read_bytes(files[0]), intact);
}

TEST(PrefilterCache, TheDirectoryIsCappedLeastRecentlyUsedFirst) {
  TempDir t;
  const fs::path dir = t.path() / "cache";
  const engine::PrefilterCacheLimits limits{3, 64ULL << 20};
  auto build = [&](const std::string& pattern) {
    PrefilterCache cache(dir, limits);
    std::string error;
    hs_free_database(cache.database({pattern}, {HS_FLAG_SINGLEMATCH}, error));
    return cache.databases_from_cache() == 1;
  };
  auto age_all = [&](int seconds) {  // every entry older: the next build's file is the newest
    for (const auto& p : files_named(dir, "db-")) {
      fs::last_write_time(p, fs::last_write_time(p) - std::chrono::seconds(seconds));
    }
  };
  build("p1");
  age_all(100);
  build("p2");
  age_all(100);
  build("p3");
  age_all(100);
  EXPECT_TRUE(build("p1"));  // read: now the most recently used
  age_all(100);
  build("p4");  // a write: the least recently used (p2) goes
  EXPECT_EQ(files_named(dir, "db-").size(), 3u);
  EXPECT_TRUE(build("p1"));
  EXPECT_TRUE(build("p4"));
  EXPECT_TRUE(build("p3"));
  EXPECT_FALSE(build("p2"));
}

// ---------------------------------------------------------------------------------------------------
// In a Waf: the whole CRS prefilter (a cold build costs seconds of CPU).

struct Request {
  std::string method, target, content_type, body;
};

const std::vector<Request>& requests() {
  static const std::vector<Request> all = {
      {"GET", "/news/2026/index.html", "", ""},
      {"GET", "/?q=%E8%81%8C%E5%B7%A5&page=2", "", ""},
      {"POST", "/contact", "application/x-www-form-urlencoded", "name=%E5%BC%A0%E4%B8%89&msg=hello"},
      {"GET", "/search?q=1%27%20UNION%20SELECT%20password%20FROM%20users--", "", ""},
      {"GET", "/?comment=%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E", "", ""},
      {"GET", "/download?file=../../../../etc/passwd", "", ""},  // not guessed: the prefilter decides
  };
  return all;
}

// Each request's verdict and status, then the prefilter's pass count.
std::vector<std::string> verdicts(Waf& waf) {
  std::vector<std::string> out;
  int n = 0;
  for (const auto& r : requests()) {
    std::vector<guard::FilterHeader> headers = {{"Host", "example.cn"}, {"User-Agent", "Mozilla/5.0"}};
    std::string length = std::to_string(r.body.size());
    if (!r.content_type.empty()) {
      headers.push_back({"Content-Type", r.content_type});
      headers.push_back({"Content-Length", length});
    }
    std::string id = "r" + std::to_string(n++);
    guard::FilterRequest fr;
    fr.request_id = id;
    fr.client_ip = "192.0.2.7";
    fr.client_port = 40000;
    fr.server_ip = "127.0.0.1";
    fr.server_port = 8080;
    fr.method = r.method;
    fr.target = r.target;
    fr.http_version = "1.1";
    fr.host = "example.cn";
    fr.site_id = 1;
    fr.headers = headers;
    fr.body = r.body;
    auto v = waf.inspect(fr);
    out.push_back(r.target + " -> " + (v.action == guard::FilterVerdict::Action::block ? "block " : "pass ") +
                  std::to_string(v.status));
  }
  std::string metrics;
  waf.append_metrics(metrics);
  auto at = metrics.find("waf_prefilter_total{outcome=\"prefilter_pass\"} ");
  out.push_back(at == std::string::npos ? "no prefilter counter"
                                        : metrics.substr(at, metrics.find('\n', at) - at));
  return out;
}

std::string event_rules(const fs::path& event_log) {
  std::string out;
  std::ifstream in(event_log);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    out += j["request_id"].get<std::string>() + ":";
    for (const auto& r : j["rules"]) out += " " + std::to_string(r["id"].get<std::int64_t>());
    out += "\n";
  }
  return out;
}

WafOptions prefilter_on(const fs::path& cache_dir, const fs::path& event_log) {
  WafOptions o;
  o.prefilter = WafOptions::Prefilter::on;
  o.prefilter_cache_dir = cache_dir;
  o.event_log = event_log;
  return o;
}

// The count of prefilter_pass: every clean request of requests() is passed by the prefilter.
constexpr const char* kThreeClean = "waf_prefilter_total{outcome=\"prefilter_pass\"} 3";

TEST(PrefilterCacheInAWaf, AWarmBuildCoversTheSameRulesAndGivesTheSameVerdictsAsAColdOne) {
  TempDir t;
  const fs::path dir = t.path() / "cache";
  std::vector<std::string> cold, warm;
  {
    LogCapture log(t.path() / "cold.log");
    auto waf = Waf::create(prefilter_on(dir, t.path() / "cold-events"));
    ASSERT_TRUE(waf.has_value()) << waf.error().to_string();
    cold = verdicts(**waf);
    auto built = log.events("waf.prefilter_databases");
    ASSERT_EQ(built.size(), 1u);
    EXPECT_GT(built[0]["compiled"].get<int>(), 30);  // (groups with the same patterns: compiled once)
    EXPECT_GT(built[0]["written"].get<int>(), 30);
    EXPECT_TRUE(log.events("waf.prefilter_cache").empty());
  }
  {
    LogCapture log(t.path() / "warm.log");
    auto waf = Waf::create(prefilter_on(dir, t.path() / "warm-events"));
    ASSERT_TRUE(waf.has_value()) << waf.error().to_string();
    warm = verdicts(**waf);
    auto built = log.events("waf.prefilter_databases");
    ASSERT_EQ(built.size(), 1u);
    EXPECT_EQ(built[0]["compiled"], 0);
    EXPECT_GT(built[0]["from_cache"].get<int>(), 30);
  }
  EXPECT_EQ(cold, warm);
  EXPECT_EQ(cold.back(), kThreeClean);
  EXPECT_EQ(cold[3].substr(cold[3].size() - 9), "block 403");
  EXPECT_EQ(cold[5].substr(cold[5].size() - 9), "block 403");
  EXPECT_EQ(event_rules(t.path() / "cold-events"), event_rules(t.path() / "warm-events"));
  EXPECT_FALSE(event_rules(t.path() / "cold-events").empty());
  // The covered rules and the removal directive: no cache, then warm (databases and verdicts read).
  WafOptions o;
  const std::string text = rules_text(o, o.defaults);
  auto without = testing::build_prefilter(text, o.crs_dir / "rules", 1, {});
  auto warmed = testing::build_prefilter(text, o.crs_dir / "rules", 1, dir);
  ASSERT_EQ(without.error, "");
  ASSERT_EQ(warmed.error, "");
  EXPECT_GT(without.covered.size(), 100u);
  EXPECT_EQ(without.covered, warmed.covered);
  EXPECT_EQ(without.removal, warmed.removal);
}

// What a bad cache directory does: the Waf starts, one warning names the problem, the prefilter works.
void expect_one_warning_and_a_working_prefilter(const TempDir& t, const fs::path& cache_dir,
                                                const std::string& named) {
  static int runs = 0;
  LogCapture log(t.path() / ("bad-" + std::to_string(runs++) + ".log"));
  auto waf = Waf::create(prefilter_on(cache_dir, t.path() / "events"));
  ASSERT_TRUE(waf.has_value()) << waf.error().to_string();
  auto v = verdicts(**waf);
  EXPECT_EQ(v.back(), kThreeClean);
  EXPECT_EQ(v[3].substr(v[3].size() - 9), "block 403");
  auto warnings = log.events("waf.prefilter_cache");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0]["problem"].get<std::string>().find(named), std::string::npos) << warnings[0].dump();
  EXPECT_TRUE(log.events("waf.prefilter_unavailable").empty());
}

TEST(PrefilterCacheInAWaf, ACacheDirThatIsAFileIsNamedInOneWarning) {
  TempDir t;
  write_bytes(t.path() / "cache", "not a directory");
  expect_one_warning_and_a_working_prefilter(t, t.path() / "cache", "not a directory");
  EXPECT_EQ(read_bytes(t.path() / "cache"), "not a directory");
  // Below a file: cannot be created.
  expect_one_warning_and_a_working_prefilter(t, t.path() / "cache" / "sub", "cache");
}

// Nothing can be written (a full disk, as RLIMIT_FSIZE makes writes fail even for root): one warning, no
// temporary file left behind; a read-only directory likewise where the tests do not run as root.
TEST(PrefilterCacheInAWaf, AnUnwritableCacheDirIsNamedInOneWarning) {
  TempDir t;
  const fs::path dir = t.path() / "cache";
  fs::create_directories(dir);
  {
    rlimit old{};
    getrlimit(RLIMIT_FSIZE, &old);
    auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit tiny = old;
    tiny.rlim_cur = 64 << 10;  // the log file stays below it; the databases and verdicts do not
    setrlimit(RLIMIT_FSIZE, &tiny);
    expect_one_warning_and_a_working_prefilter(t, dir, "cannot write");
    setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, old_handler);
  }
  for (const auto& e : fs::directory_iterator(dir)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
  }
  if (::geteuid() != 0) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
    expect_one_warning_and_a_working_prefilter(t, dir, "cannot write");
  }
}

TEST(PrefilterCacheInAWaf, ACacheDirFullOfGarbageIsNamedInOneWarningAndRewritten) {
  TempDir t;
  const fs::path dir = t.path() / "cache";
  {
    auto waf = Waf::create(prefilter_on(dir, t.path() / "events"));
    ASSERT_TRUE(waf.has_value()) << waf.error().to_string();
  }
  auto entries = files_named(dir, "db-");
  ASSERT_GT(entries.size(), 30u);
  for (std::size_t i = 0; i < entries.size(); ++i)
    write_bytes(entries[i], std::string(i * 7, static_cast<char>(i)));
  for (const auto& p : files_named(dir, "expressions-"))
    write_bytes(p, "sitewarden prefilter expression verdicts 1\nx\n");
  expect_one_warning_and_a_working_prefilter(t, dir, "corrupt");
  // Written again: the next build reads every database.
  LogCapture log(t.path() / "again.log");
  auto waf = Waf::create(prefilter_on(dir, t.path() / "events2"));
  ASSERT_TRUE(waf.has_value()) << waf.error().to_string();
  auto built = log.events("waf.prefilter_databases");
  ASSERT_EQ(built.size(), 1u);
  EXPECT_EQ(built[0]["compiled"], 0);
  EXPECT_TRUE(log.events("waf.prefilter_cache").empty());
}

TEST(PrefilterCacheInAWaf, ForeignFilesAreLeftAloneAndNamedInOneWarning) {
  TempDir t;
  const fs::path dir = t.path() / "cache";
  fs::create_directories(dir);
  write_bytes(dir / "notes.txt", "the operator's");
  expect_one_warning_and_a_working_prefilter(t, dir, "notes.txt");
  EXPECT_EQ(read_bytes(dir / "notes.txt"), "the operator's");
}

}  // namespace
}  // namespace sw::waf
