// prefilter_bench: the WAF alone, in process, on the request mix of bench/waf_bench.sh (the same 20
// requests with a browser's headers: 11 static GETs, 4 urlencoded and 3 JSON POSTs of Chinese text, the
// 942100 and 941100 attacks), one thread, no network — CPU time per request with the prefilter off, on
// and in check mode (docs/modules/waf.md "Prefilter figures and status"). Meant for A/B and for
// `perf record -e cpu-clock -g` of the prefilter path; timings are printed, never checked.
//
//   prefilter_bench [--mode off|on|check] [--rounds N] [--paranoia N] [--no-trim] [--trim-check] [--cache-dir D]
// (--no-trim: the CRS by Include instead of the generated text; --trim-check: both, compared per request;
// --cache-dir: the prefilter's disk cache, none without it — `load` is then a cold or a warm build)
//
// Exits 1 when the attacks are not both blocked, anything else is blocked, or (check) a miss is counted.
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "waf/waf.h"

namespace {

struct MixRequest {
  bool attack;
  std::string method, target, content_type, body;
};

// bench/waf_bench.sh's mix, in its order (urlencoded as Python's urlencode does; JSON as json.dumps with
// ensure_ascii=False).
std::vector<MixRequest> mix() {
  const std::string form = "application/x-www-form-urlencoded";
  std::vector<MixRequest> all;
  for (const char* p : {"/p/001/", "/p/017/", "/p/042/", "/p/099/", "/p/150/", "/p/199/", "/p/003/", "/p/077/",
                        "/p/120/"}) {
    all.push_back({false, "GET", p, "", ""});
  }
  all.push_back({false, "GET", "/", "", ""});
  all.push_back({false, "GET",
                 "/?q=%E8%81%8C%E5%B7%A5%E6%9D%83%E7%9B%8A+%E5%8A%B3%E5%8A%A8%E5%90%88%E5%90%8C&page=2", "", ""});
  all.push_back({false, "POST", "/index.html", form,
                 "name=%E5%BC%A0%E4%B8%89&phone=13800138000&title=%E5%85%B3%E4%BA%8E%E5%8A%A0%E5%BC%BA%E5%9F%BA%E5%B1%82"
                 "%E5%B7%A5%E4%BC%9A%E5%BB%BA%E8%AE%BE%E7%9A%84%E5%BB%BA%E8%AE%AE&content=%E5%BB%BA%E8%AE%AE%E5%90%84"
                 "%E5%9F%BA%E5%B1%82%E5%B7%A5%E4%BC%9A%E6%AF%8F%E5%AD%A3%E5%BA%A6%E5%8F%AC%E5%BC%80%E4%B8%80%E6%AC%A1"
                 "%E8%81%8C%E5%B7%A5%E4%BB%A3%E8%A1%A8%E5%BA%A7%E8%B0%88%E4%BC%9A%EF%BC%8C%E5%90%AC%E5%8F%96%E8%81%8C"
                 "%E5%B7%A5%E5%AF%B9%E5%8A%B3%E5%8A%A8%E4%BF%9D%E6%8A%A4%E3%80%81%E5%B7%A5%E8%B5%84%E9%9B%86%E4%BD%93"
                 "%E5%8D%8F%E5%95%86%E5%92%8C%E5%9B%B0%E9%9A%BE%E5%B8%AE%E6%89%B6%E7%9A%84%E6%84%8F%E8%A7%81%E3%80%82"
                 "%EF%BC%88%E7%AC%AC%E4%B8%80%E6%9D%A1%EF%BC%89"});
  all.push_back({false, "POST", "/index.html", form,
                 "keyword=%E5%9B%B0%E9%9A%BE%E8%81%8C%E5%B7%A5%E5%B8%AE%E6%89%B6&year=2026"});
  all.push_back({false, "POST", "/index.html", form,
                 "email=zhang.san%40example.cn&subject=%E4%BC%9A%E5%91%98%E5%8D%A1%E8%A1%A5%E5%8A%9E&message=%E6%82%A8"
                 "%E5%A5%BD%EF%BC%9A%E6%88%91%E7%9A%84%E5%B7%A5%E4%BC%9A%E4%BC%9A%E5%91%98%E5%8D%A1%E4%B8%A2%E5%A4%B1"
                 "%EF%BC%8C%E8%AF%B7%E9%97%AE%E8%A1%A5%E5%8A%9E%E9%9C%80%E8%A6%81%E5%B8%A6%E5%93%AA%E4%BA%9B%E6%9D%90"
                 "%E6%96%99%EF%BC%9F%E8%B0%A2%E8%B0%A2%EF%BC%81"});
  all.push_back({false, "POST", "/index.html", form,
                 "event=%E8%81%8C%E5%B7%A5%E8%BF%90%E5%8A%A8%E4%BC%9A&team=%E7%AC%AC%E4%B8%89%E8%BD%A6%E9%97%B4&members=12"});
  all.push_back({false, "POST", "/index.html", "application/json",
                 "{\"name\": \"李四\", \"topic\": \"劳动争议调解\", \"text\": \"请问劳动合同到期未续签如何处理？\", \"agree\": true}"});
  all.push_back({false, "POST", "/index.html", "application/json",
                 "{\"q\": \"工资集体协商\", \"filters\": {\"year\": 2026, \"site\": \"总工会\"}, \"page\": 1}"});
  all.push_back({false, "POST", "/index.html", "application/json", "{\"vote\": [1, 3, 4], \"comment\": \"支持！\"}"});
  all.push_back({true, "POST", "/index.html", form, "var=-1839%27%20or%20%271%27%3D%271"});
  all.push_back({true, "GET", "/?comment=%3Cscript%3Ealert%28document.cookie%29%3C%2Fscript%3E", "", ""});
  return all;
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  bool trim = true, trim_check = false;
  std::string mode = "on", cache_dir;
  int rounds = 50, paranoia = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    const char* next = i + 1 < argc ? argv[i + 1] : "";
    if (a == "--mode") mode = next, ++i;
    else if (a == "--rounds") rounds = std::max(1, std::atoi(next)), ++i;
    else if (a == "--paranoia") paranoia = std::atoi(next), ++i;
    else if (a == "--no-trim") trim = false;
    else if (a == "--trim-check") trim_check = true;
    else if (a == "--cache-dir") cache_dir = next, ++i;
    else {
      std::fprintf(stderr, "usage: %s [--mode off|on|check] [--rounds N] [--paranoia N] [--no-trim] [--trim-check] [--cache-dir D]\n", argv[0]);
      return 2;
    }
  }
  sw::waf::WafOptions options;
  options.threads = 0;
  options.trim_rules = trim;
  options.trim_check = trim_check;
  options.defaults.paranoia = paranoia;
  options.prefilter_cache_dir = cache_dir;
  options.prefilter = mode == "off"  ? sw::waf::WafOptions::Prefilter::off
                      : mode == "on" ? sw::waf::WafOptions::Prefilter::on
                                     : sw::waf::WafOptions::Prefilter::check;
  double load_start = cpu_seconds();
  auto waf = sw::waf::Waf::create(options);
  if (!waf) {
    std::fprintf(stderr, "prefilter_bench: %s\n", waf.error().to_string().c_str());
    return 1;
  }
  double load_cpu = cpu_seconds() - load_start;
  const auto requests = mix();
  std::vector<sw::guard::FilterHeader> browser = {
      {"Host", "localhost"},
      {"User-Agent",
       "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"},
      {"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
      {"Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8"},
      {"Accept-Encoding", "gzip, deflate"},
      {"Cookie", "lang=zh-CN; theme=light"},
  };
  int wrong = 0;
  std::size_t clean = 0, attacks = 0;
  double clean_cpu = 0, attack_cpu = 0;
  for (int round = 0; round < rounds; ++round) {
    for (std::size_t n = 0; n < requests.size(); ++n) {
      const auto& r = requests[n];
      std::vector<sw::guard::FilterHeader> headers = browser;
      std::string length = std::to_string(r.body.size());
      if (!r.content_type.empty()) {
        headers.push_back({"Content-Type", r.content_type});
        headers.push_back({"Content-Length", length});
      }
      std::string id = "bench-" + std::to_string(round) + "-" + std::to_string(n);
      sw::guard::FilterRequest fr;
      fr.request_id = id;
      fr.client_ip = "127.0.0.1";
      fr.client_port = 40000;
      fr.server_ip = "127.0.0.1";
      fr.server_port = 8080;
      fr.method = r.method;
      fr.target = r.target;
      fr.http_version = "1.1";
      fr.host = "localhost";
      fr.site_id = 1;
      fr.headers = headers;
      fr.body = r.body;
      double start = cpu_seconds();
      auto verdict = (*waf)->inspect(fr);
      double spent = cpu_seconds() - start;
      bool blocked = verdict.action == sw::guard::FilterVerdict::Action::block;
      if (blocked != r.attack) {
        if (round == 0) std::fprintf(stderr, "prefilter_bench: %s %s %s\n", r.method.c_str(), r.target.c_str(),
                                     blocked ? "blocked" : "passed");
        ++wrong;
      }
      (r.attack ? attack_cpu : clean_cpu) += spent;
      ++(r.attack ? attacks : clean);
    }
  }
  std::string metrics;
  (*waf)->append_metrics(metrics);
  auto counter = [&](const char* key) -> std::string {
    auto at = metrics.find(key);
    if (at == std::string::npos) return "0";
    at += std::strlen(key);
    return metrics.substr(at, metrics.find('\n', at) - at);
  };
  std::string passed = counter("waf_prefilter_total{outcome=\"prefilter_pass\"} ");
  std::string misses = counter("waf_prefilter_total{outcome=\"miss\"} ");
  std::string routed = counter("waf_prefilter_total{outcome=\"routed_full\"} ");
  std::string text_misses = counter("waf_text_check_total{outcome=\"miss\"} ");
  double total = clean_cpu + attack_cpu;
  std::printf("mode %s paranoia %d: load %.2f s CPU; %zu requests, %.1f us CPU/request (clean %.1f us, attack %.1f us), "
              "%.0f req/CPU-s; prefilter passed %s, misses %s, wrong verdicts %d\n",
              mode.c_str(), paranoia, load_cpu, clean + attacks, 1e6 * total / static_cast<double>(clean + attacks),
              1e6 * clean_cpu / static_cast<double>(clean), 1e6 * attack_cpu / static_cast<double>(attacks),
              static_cast<double>(clean + attacks) / total, passed.c_str(), misses.c_str(), wrong);
  std::printf("routed to the full set by the guess: %s; fast path clean %s; targeted full runs %s\n", routed.c_str(),
              counter("waf_prefilter_total{outcome=\"fast_pass\"} ").c_str(),
              counter("waf_prefilter_total{outcome=\"targeted\"} ").c_str());
  if (trim_check) std::printf("trim check: generated and Include text differed on %s requests\n", text_misses.c_str());
  return wrong != 0 || misses != "0" || text_misses != "0" ? 1 : 0;
}
