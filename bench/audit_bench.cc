// audit_bench: the audit log's append rate (group commit: 1, 4 and 64 threads calling append(), one
// thread keeping events in flight with append_async(), bulk append_all()) and the time to verify a
// log of 1,000,000 events, for both crypto suites (issue 2 "Benchmarks": targets >= 50,000 events/s
// and < 5 s). Prints one JSON object per figure on stdout.
//
// Usage: audit_bench [--verify-events N] [--append-events N] [--dir PATH] [--suite gm|intl]
//                    [--threads 1,4,64|none]
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <future>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/audit_log.h"
#include "base/crypto.h"

namespace {

using namespace sw;
using Seconds = std::chrono::duration<double>;

constexpr std::int64_t kDefaultVerifyEvents = 1'000'000;
constexpr std::int64_t kDefaultAppendEvents = 50'000;
const std::vector<int> kAppenderCounts = {1, 4, 64};
// The log that verify walks is filled with append_all() in chunks of this many events.
constexpr std::int64_t kFillChunk = 10'000;
// Futures the async bench holds before it waits for the oldest.
constexpr std::int64_t kAsyncWindow = 100'000;

struct Settings {
  std::int64_t verify_events = kDefaultVerifyEvents;
  std::int64_t append_events = kDefaultAppendEvents;
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("sw-audit-bench-" + std::to_string(::getpid()));
  std::vector<crypto::SuiteId> suites = {crypto::SuiteId::gm, crypto::SuiteId::intl};
  std::vector<int> appender_counts = kAppenderCounts;  // append() figures; empty: none
};

// "1,4,64" -> {1, 4, 64}; "none" -> {}.
std::vector<int> parse_counts(std::string_view text) {
  std::vector<int> counts;
  if (text == "none") return counts;
  for (std::size_t start = 0; start <= text.size();) {
    auto comma = std::min(text.find(',', start), text.size());
    counts.push_back(std::atoi(std::string(text.substr(start, comma - start)).c_str()));
    start = comma + 1;
  }
  return counts;
}

audit::Event sample_event(std::int64_t i) {
  return audit::Event{.actor = "user" + std::to_string(i % 500),
                      .actor_role = "site_editor",
                      .org_id = 12,
                      .site_id = i % 40,
                      .action = "content.article.update",
                      .object = "article:" + std::to_string(i),
                      .outcome = audit::Outcome::success,
                      .client_ip = "10.20.30.40",
                      .request_id = "r-" + std::to_string(i),
                      .details = {{"column", "news"}, {"version", i % 7}}};
}

// CPU time of the whole process (all threads), user + system: a figure that does not depend on
// what else the machine runs, unlike the wall time.
double cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

void remove_db(const std::filesystem::path& db) {
  for (auto suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db.string() + suffix);
}

std::unique_ptr<audit::AuditLog> open_log(const std::filesystem::path& db, crypto::SuiteId id,
                                          const crypto::SigningKey& key) {
  auto log = audit::AuditLog::open(db, crypto::suite(id), key);
  if (!log) {
    std::fprintf(stderr, "audit_bench: %s\n", log.error().to_string().c_str());
    std::exit(1);
  }
  return std::move(*log);
}

// Appends `events` events from `threads` threads; returns the wall time including the close.
Seconds append_from_threads(const std::filesystem::path& db, crypto::SuiteId id,
                            const crypto::SigningKey& key, int threads, std::int64_t events) {
  auto log = open_log(db, id, key);
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> appenders;
  for (int t = 0; t < threads; ++t) {
    appenders.emplace_back([&, t] {
      for (std::int64_t i = t; i < events; i += threads) {
        if (!log->append(sample_event(i))) std::exit(1);
      }
    });
  }
  for (auto& a : appenders) a.join();
  log.reset();
  return std::chrono::steady_clock::now() - start;
}

// Appends `events` events from one thread with append_async(), collecting each seq; returns the wall
// time including the close. The log's queue limit (max_queued_events) paces the caller.
Seconds append_async_from_one_thread(const std::filesystem::path& db, crypto::SuiteId id,
                                     const crypto::SigningKey& key, std::int64_t events) {
  auto log = open_log(db, id, key);
  auto start = std::chrono::steady_clock::now();
  std::deque<std::future<Result<std::int64_t>>> in_flight;
  std::int64_t expected_seq = 1;
  auto collect = [&] {
    auto seq = in_flight.front().get();
    if (!seq || *seq != expected_seq++) std::exit(1);
    in_flight.pop_front();
  };
  for (std::int64_t i = 0; i < events; ++i) {
    in_flight.push_back(log->append_async(sample_event(i)));
    // Keep the caller's own bookkeeping bounded; the log bounds its queue itself.
    if (static_cast<std::int64_t>(in_flight.size()) > kAsyncWindow) collect();
  }
  while (!in_flight.empty()) collect();
  log.reset();
  return std::chrono::steady_clock::now() - start;
}

// Appends `events` events with append_all() in chunks; returns the wall time including the close.
Seconds append_in_chunks(const std::filesystem::path& db, crypto::SuiteId id, const crypto::SigningKey& key,
                         std::int64_t events) {
  auto log = open_log(db, id, key);
  auto start = std::chrono::steady_clock::now();
  for (std::int64_t first = 0; first < events; first += kFillChunk) {
    std::vector<audit::Event> chunk;
    for (std::int64_t i = first; i < std::min(events, first + kFillChunk); ++i)
      chunk.push_back(sample_event(i));
    if (!log->append_all(std::move(chunk))) std::exit(1);
  }
  log.reset();
  return std::chrono::steady_clock::now() - start;
}

void print(nlohmann::json figure) {
  std::printf("%s\n", figure.dump().c_str());
  std::fflush(stdout);
}

void bench_suite(const Settings& s, crypto::SuiteId id) {
  auto key = crypto::suite(id).generate_signing_key().value();
  auto db = s.dir / "bench.db";
  for (int threads : s.appender_counts) {
    remove_db(db);
    double cpu = cpu_seconds();
    Seconds took = append_from_threads(db, id, key, threads, s.append_events);
    print({{"bench", "audit.append"},
           {"cpu_seconds", cpu_seconds() - cpu},
           {"suite", crypto::to_string(id)},
           {"threads", threads},
           {"events", s.append_events},
           {"seconds", took.count()},
           {"events_per_s", s.append_events / took.count()}});
  }
  remove_db(db);
  double cpu = cpu_seconds();
  Seconds async_took = append_async_from_one_thread(db, id, key, s.append_events);
  print({{"bench", "audit.append_async"},
         {"cpu_seconds", cpu_seconds() - cpu},
         {"suite", crypto::to_string(id)},
         {"threads", 1},
         {"events", s.append_events},
         {"seconds", async_took.count()},
         {"events_per_s", s.append_events / async_took.count()}});
  remove_db(db);
  cpu = cpu_seconds();
  Seconds filled = append_in_chunks(db, id, key, s.verify_events);
  print({{"bench", "audit.append_all"},
         {"cpu_seconds", cpu_seconds() - cpu},
         {"suite", crypto::to_string(id)},
         {"chunk", kFillChunk},
         {"events", s.verify_events},
         {"seconds", filled.count()},
         {"events_per_s", s.verify_events / filled.count()}});
  cpu = cpu_seconds();
  auto start = std::chrono::steady_clock::now();
  auto report = audit::verify_database(db, {key.public_key});
  Seconds took = std::chrono::steady_clock::now() - start;
  if (!report || !report->ok) {
    std::fprintf(stderr, "audit_bench: verify failed\n");
    std::exit(1);
  }
  print({{"bench", "audit.verify"},
         {"cpu_seconds", cpu_seconds() - cpu},
         {"suite", crypto::to_string(id)},
         {"events", report->events_checked},
         {"checkpoints", report->checkpoints_checked},
         {"seconds", took.count()}});
  remove_db(db);
}

Settings parse_args(int argc, char** argv) {
  Settings s;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    if (flag == "--verify-events")
      s.verify_events = std::atoll(argv[i + 1]);
    else if (flag == "--append-events")
      s.append_events = std::atoll(argv[i + 1]);
    else if (flag == "--dir")
      s.dir = argv[i + 1];
    else if (flag == "--suite" && std::string_view(argv[i + 1]) == "gm")
      s.suites = {crypto::SuiteId::gm};
    else if (flag == "--suite" && std::string_view(argv[i + 1]) == "intl")
      s.suites = {crypto::SuiteId::intl};
    else if (flag == "--threads")
      s.appender_counts = parse_counts(argv[i + 1]);
    else {
      std::fprintf(stderr,
                   "usage: audit_bench [--verify-events N] [--append-events N] [--dir PATH] "
                   "[--suite gm|intl] [--threads 1,4,64|none]\n");
      std::exit(2);
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  Settings s = parse_args(argc, argv);
  std::filesystem::create_directories(s.dir);
  for (auto id : s.suites) bench_suite(s, id);
  std::filesystem::remove_all(s.dir);
  return 0;
}
