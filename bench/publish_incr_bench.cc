// publish_incr_bench: what a reviewer waits for in `serve` when one article goes live (issue 5:
// "incremental publish < 200 ms"). Opens a node once, as `serve` does (cli::open_platform,
// cli::open_publishing: the same Publisher the console and the scheduler use), then K times: one
// new article through the real services (create, submit, both reviews, published by operations),
// then the incremental publish the console runs right after that action
// (Publisher::publish_site(..., incremental, {article}), as `after_content_change` does), timed from
// the call to the new release being live (committed and switched). Prints one JSON line:
//
//   publish_incr_bench CONFIG SITE_NAME [K=50] [full-first]
//   {"site":…,"articles":K,"first_ms":…,"p50_ms":…,"p90_ms":…,"p99_ms":…,"max_ms":…,
//    "cpu_ms_mean":…,"rendered_mean":…,"files":…,"peak_rss_mib":…}
//
// "first_ms" is the first publish after the node opened (the publisher reads and verifies the live
// release's manifest and search index then); the percentiles are over the K-1 that follow it.
// "full-first": the site is first published in full by the same publisher (a node seeded but never
// published; "first_ms" is then not a cold start).
// "cpu_ms_mean" is the process's user+system time per publish (every thread), over the same K-1.
// Each publish must be incremental and must change the new article's page; anything else exits 1.
// The node is changed (K more articles live): run it on a copy or a bench node. With
// PUBLISH_INCR_TIMING=1 in the environment, the publisher's phase timings ("publish.timing",
// "publish.commit_timing") go to stderr as debug logs.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "must.h"
#include "base/log.h"
#include "cli/platform.h"
#include "cli/publishing.h"

namespace {

using namespace sw;

using bench::die;
using bench::must;
using bench::must_ok;

double cpu_ms() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const auto ms = [](const timeval& t) { return t.tv_sec * 1e3 + t.tv_usec / 1e3; };
  return ms(u.ru_utime) + ms(u.ru_stime);
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::ranges::sort(v);
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 5 || (argc == 5 && std::string(argv[4]) != "full-first")) {
    std::cerr << "usage: publish_incr_bench CONFIG SITE_NAME [K=50] [full-first]\n";
    return 2;
  }
  const int k = argc >= 4 ? std::stoi(argv[3]) : 50;
  if (k < 2 || k > 10'000) {
    std::cerr << "publish_incr_bench: K must be 2..10000\n";
    return 2;
  }
  auto pf = must(cli::open_platform(argv[1]), "open the node");
  if (const char* timing = std::getenv("PUBLISH_INCR_TIMING"); timing && std::string(timing) == "1") {
    must_ok(log::init(log::Level::debug), "debug logs");
  }
  auto publishing = must(cli::open_publishing(*pf), "open publishing");
  const identity::Principal root = identity::Principal::system("bench");
  std::int64_t site = 0;
  for (const auto& s : must(pf->identity->list_sites(root), "list sites")) {
    if (s.name == argv[2]) site = s.id;
  }
  if (site == 0) {
    std::cerr << "publish_incr_bench: no site named " << argv[2] << "\n";
    return 1;
  }
  std::vector<content::Column> columns;
  for (const auto& c : must(pf->content->columns(root, site), "columns")) {
    if (!c.deactivated_at) columns.push_back(c);
  }
  if (columns.empty()) {
    std::cerr << "publish_incr_bench: the site has no active column\n";
    return 1;
  }
  const identity::Actor editor{identity::Principal::system("bench-editor"), "127.0.0.1", "bench"};
  const identity::Actor reviewer{identity::Principal::system("bench-content"), "127.0.0.1", "bench"};
  const identity::Actor secrecy{identity::Principal::system("bench-secrecy"), "127.0.0.1", "bench"};
  const identity::Actor ops{identity::Principal::system("bench-ops"), "127.0.0.1", "bench"};
  // As the console's after_content_change publishes: the machine operator.
  const identity::Actor machine{identity::Principal::system("publisher"), "127.0.0.1", "bench"};

  if (argc == 5) {
    must(publishing->publisher->publish_site(machine, site, publish::PublishMode::full), "full publish");
  }
  std::mt19937_64 rng(20261127);
  std::vector<double> wall, cpu;
  double first = 0;
  std::size_t rendered = 0, files = 0;
  for (int i = 0; i < k; ++i) {
    const content::Column& column = columns[static_cast<std::size_t>(i) % columns.size()];
    content::ArticleFields f;
    f.title = "增量发布测试（第" + std::to_string(i + 1) + "篇）";
    f.summary = "本期报道全省工会系统近期重点工作。";
    f.body_html = "<p>全省各级工会认真学习贯彻会议精神，结合实际抓好落实。编号" + std::to_string(rng() % 100000) + "。</p>";
    f.byline = "记者 王明";
    f.source = "江苏工会网";
    f.publish_date = TimePoint{std::chrono::seconds{1'900'000'000}} + std::chrono::hours(1) * i;  // the newest
    const std::int64_t id = must(pf->content->create_article(editor, column.id, f), "create").article.id;
    must(pf->content->submit(editor, id), "submit");
    must_ok(pf->content->approve(reviewer, id, content::Stage::content, {}), "approve content");
    must_ok(pf->content->approve(secrecy, id, content::Stage::secrecy, {}), "approve secrecy");
    must_ok(pf->content->publish(ops, id), "publish");

    const std::int64_t ids[] = {id};
    const double cpu_before = cpu_ms();
    const auto start = std::chrono::steady_clock::now();
    auto report = must(publishing->publisher->publish_site(machine, site, publish::PublishMode::incremental, ids),
                       "incremental publish");
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    const double used = cpu_ms() - cpu_before;
    const std::string page = "/articles/" + std::to_string(id) + ".html";
    if (report.mode != publish::PublishMode::incremental ||
        std::ranges::find(report.changed, page) == report.changed.end()) {
      std::cerr << "publish_incr_bench: publish " << i + 1 << " was " << publish::to_string(report.mode)
                << " and changed " << report.changed.size() << " paths (want incremental, with " << page << ")\n";
      return 1;
    }
    if (i == 0) {
      first = ms;
      continue;
    }
    wall.push_back(ms);
    cpu.push_back(used);
    rendered += report.rendered;
    files = report.files;
  }
  double cpu_sum = 0;
  for (double c : cpu) cpu_sum += c;
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const auto round = [](double v) { return std::round(v * 10) / 10; };
  const nlohmann::json out = {{"site", site},
                              {"articles", k},
                              {"first_ms", round(first)},
                              {"p50_ms", round(percentile(wall, 50))},
                              {"p90_ms", round(percentile(wall, 90))},
                              {"p99_ms", round(percentile(wall, 99))},
                              {"max_ms", round(percentile(wall, 100))},
                              {"cpu_ms_mean", round(cpu_sum / static_cast<double>(cpu.size()))},
                              {"rendered_mean", round(static_cast<double>(rendered) / static_cast<double>(wall.size()))},
                              {"files", files},
                              {"peak_rss_mib", round(static_cast<double>(u.ru_maxrss) / 1024.0)}};
  std::cout << out.dump() << "\n";
  return 0;
}
