// content_seed: fills a node made by `sitewarden init` with a province of union sites and their
// articles for the console benchmark (bench/content_bench.sh; issue 4: "console with 100 sites and
// 100,000 articles"), timing the content service on the way, and logs a reviewer and an editor in.
//
//   content_seed CONFIG [--sites N] [--articles-per-site M] [--submitted-per-site K] [--scan-sample S]
//
// Everything goes through the real services (identity, ContentService with the shipped lexicons, the
// audit log), as a user's console would drive them: every article is sanitised, hashed and audited.
// Prints one JSON object on stdout:
//   {"sites":…, "articles":…, "create_ms":{p50,p99}, "save_scan_ms":{p50,p99}, "queue_ms":…,
//    "bench_site": id, "editor_token": "…", "reviewer_token": "…"}
// save_scan_ms: an edit of a ~3 KB Chinese article followed by its submission (sanitise, hash, store,
// audit, then the review scanner over title, summary and body), the time an editor waits after 提交.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "must.h"
#include "cli/platform.h"
#include "identity/totp.h"

namespace {

using namespace sw;
using Steady = std::chrono::steady_clock;

double ms_since(Steady::time_point t0) {
  return std::chrono::duration<double, std::milli>(Steady::now() - t0).count();
}

nlohmann::json percentiles(std::vector<double> v) {
  if (v.empty()) return nullptr;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))]; };
  return {{"n", v.size()}, {"p50", at(0.50)}, {"p99", at(0.99)}, {"max", v.back()}};
}

using bench::die;
using bench::must;

// A Chinese news article of about `paragraphs` × 300 bytes, different for every seed.
std::string body(std::mt19937_64& rng, int paragraphs) {
  static const std::vector<std::string> kSentences = {
      "全省各级工会认真学习贯彻会议精神，结合实际抓好落实。",
      "市总工会组织开展劳动技能竞赛，一线职工踊跃参加。",
      "会议强调，要把维护职工合法权益作为工会工作的出发点和落脚点。",
      "活动现场，困难职工代表领到了慰问金和慰问品。",
      "各基层工会要加强职工之家建设，不断提升服务水平。",
      "劳模工匠进校园活动在南京举行，弘扬劳模精神、劳动精神、工匠精神。",
      "职工书屋建设稳步推进，全年新建示范点二十个。",
      "工会干部深入企业一线，倾听职工心声，解决实际困难。",
      "夏送清凉活动覆盖全市重点工程项目，惠及职工一万余人。",
      "区总工会举办女职工权益保护法律知识讲座。",
  };
  std::string out;
  for (int p = 0; p < paragraphs; ++p) {
    out += "<p>";
    for (int s = 0; s < 6; ++s) out += kSentences[rng() % kSentences.size()];
    out += "</p>\n";
  }
  return out;
}

content::ArticleFields fields(std::mt19937_64& rng, std::size_t n, int paragraphs) {
  content::ArticleFields f;
  f.title = "工会工作动态（第" + std::to_string(n) + "期）";
  f.summary = "本期报道全省工会系统近期重点工作。";
  f.body_html = body(rng, paragraphs);
  f.byline = "通讯员 张明";
  f.source = "江苏工会网";
  return f;
}

// RFC 4648 base32 (the enrolment shows the secret that way; totp_code wants the raw bytes).
std::string base32_decode(std::string_view text) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= '2' && c <= '7') v = c - '2' + 26;
    if (v < 0) continue;  // padding
    buffer = (buffer << 5) | static_cast<unsigned>(v);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

// Logs `username` in through every stage the node's policy asks for and returns the session id.
std::string log_in(identity::IdentityService& id, const std::string& username, const std::string& initial,
                   const std::string& changed) {
  const identity::RequestContext ctx{"127.0.0.1", "bench"};
  auto step = must(id.login_password({username, initial, "127.0.0.1", "bench", std::nullopt}), "login " + username);
  std::string password = initial;
  for (int round = 0; round < 4 && step.session.stage != identity::SessionStage::full; ++round) {
    switch (step.session.stage) {
      case identity::SessionStage::enrolment_required: {
        auto enrol = must(id.begin_totp_enrolment(step.session_id, ctx), "totp enrolment");
        auto code = must(identity::totp_code(base32_decode(enrol.secret_base32), std::chrono::system_clock::now()), "totp code");
        step = must(id.confirm_totp_enrolment(step.session_id, code, ctx), "totp confirm");
        break;
      }
      case identity::SessionStage::password_change_required:
        step = must(id.change_password(step.session_id, password, changed, ctx), "password change");
        password = changed;
        break;
      default:
        die("login " + username, Error{"bench.stage", "unexpected session stage"});
    }
  }
  return step.session_id;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: content_seed CONFIG [--sites N] [--articles-per-site M] [--submitted-per-site K] "
                 "[--scan-sample S]\n";
    return 2;
  }
  int sites = 100, per_site = 1000, submitted_per_site = 20, scan_sample = 300;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (value <= 0) {
      std::cerr << "content_seed: " << flag << " needs a positive number\n";
      return 2;
    }
    if (flag == "--sites") sites = value;
    else if (flag == "--articles-per-site") per_site = value;
    else if (flag == "--submitted-per-site") submitted_per_site = value;
    else if (flag == "--scan-sample") scan_sample = value;
    else {
      std::cerr << "content_seed: unknown option " << flag << "\n";
      return 2;
    }
  }
  if (submitted_per_site > per_site) submitted_per_site = per_site;

  auto pf = must(cli::open_platform(argv[1]), "open the node");
  auto& id = *pf->identity;
  auto& content = *pf->content;
  const identity::Actor op{identity::Principal::system("bench"), "127.0.0.1", "bench"};

  // The province, its 13 cities, and sites spread over them.
  auto boot = must(id.bootstrap(op, {"江苏省总工会",
                                     {"sysadmin", "王建国", "13912345601", "sys@jsgh.org.cn", "Su-Gonghui#2026"},
                                     {"secadmin", "李保密", "13912345602", "sec@jsgh.org.cn", "Su-Gonghui#2026"},
                                     {"auditor", "陈审计", "13912345603", "aud@jsgh.org.cn", "Su-Gonghui#2026"}}),
                   "bootstrap");
  static const char* kCities[] = {"南京", "无锡", "徐州", "常州", "苏州", "南通", "连云港",
                                  "淮安", "盐城", "扬州", "镇江", "泰州", "宿迁"};
  std::vector<std::int64_t> cities;
  for (const char* c : kCities) {
    cities.push_back(must(id.create_organisation(op, boot.root_org_id, std::string(c) + "市总工会",
                                                 identity::OrgKind::city),
                          "city")
                         .id);
  }
  std::vector<std::int64_t> site_ids, column_ids;
  for (int s = 0; s < sites; ++s) {
    const auto org = cities[static_cast<std::size_t>(s) % cities.size()];
    const auto site = must(id.create_site(op, org, "工会网站" + std::to_string(s + 1)), "site");
    site_ids.push_back(site.id);
    column_ids.push_back(must(content.create_column(op, site.id, std::nullopt, "工作动态"), "column").id);
  }

  // An editor and a reviewer (both stages, same person allowed on the bench site) of the first site.
  const std::int64_t bench_site = site_ids.front();
  const std::string initial = "Su-Gonghui#2026", changed = "Lanse-Haian#7391";
  auto editor = must(id.create_user(op, {"bench_editor", "赵编辑", cities.front(), "13912345611",
                                         "editor@jsgh.org.cn", initial}),
                     "editor");
  auto reviewer = must(id.create_user(op, {"bench_reviewer", "钱审核", cities.front(), "13912345612",
                                           "reviewer@jsgh.org.cn", initial}),
                       "reviewer");
  must(id.grant_role(op, editor.id, identity::Role::editor, identity::Scope::site(bench_site)), "grant editor");
  must(id.grant_role(op, reviewer.id, identity::Role::content_reviewer, identity::Scope::site(bench_site)),
       "grant reviewer");
  must(id.grant_role(op, reviewer.id, identity::Role::secrecy_reviewer, identity::Scope::site(bench_site)),
       "grant secrecy reviewer");

  // The articles: every one through ContentService::create_article; a few per site submitted.
  std::mt19937_64 rng(20261126);
  std::vector<double> create_ms, submit_ms;
  std::size_t total = 0;
  for (std::size_t s = 0; s < site_ids.size(); ++s) {
    for (int a = 0; a < per_site; ++a) {
      const auto t0 = Steady::now();
      auto saved = must(content.create_article(op, column_ids[s], fields(rng, ++total, 1 + static_cast<int>(rng() % 4))),
                        "create");
      create_ms.push_back(ms_since(t0));
      if (a < submitted_per_site) {
        const auto t1 = Steady::now();
        must(content.submit(op, saved.article.id), "submit");
        submit_ms.push_back(ms_since(t1));
      }
    }
  }

  // Save + scan as an editor meets it: edit a ~3 KB article, then submit it.
  std::vector<double> save_scan_ms;
  for (int i = 0; i < scan_sample; ++i) {
    auto saved = must(content.create_article(op, column_ids.back(), fields(rng, ++total, 10)), "create");
    const auto t0 = Steady::now();
    must(content.edit(op, saved.article.id, fields(rng, total, 10)), "edit");
    must(content.submit(op, saved.article.id), "submit");
    save_scan_ms.push_back(ms_since(t0));
  }

  const std::string editor_token = log_in(id, "bench_editor", initial, changed);
  const std::string reviewer_token = log_in(id, "bench_reviewer", initial, changed);

  nlohmann::json out = {{"sites", sites},
                        {"articles", total},
                        {"bench_site", bench_site},
                        {"create_ms", percentiles(create_ms)},
                        {"submit_ms", percentiles(submit_ms)},
                        {"save_scan_ms", percentiles(save_scan_ms)},
                        {"editor_token", editor_token},
                        {"reviewer_token", reviewer_token}};
  std::cout << out.dump() << std::endl;
  return 0;
}
