// publish_seed: fills the demo site 江苏工会网 of a node made by `sitewarden init --demo` with N
// published articles for the publish benchmark (bench/publish_bench.sh; issue 5: "publish of a
// 10,000-article site, full and incremental, vs Hugo"), and writes the same articles as Hugo content.
//
//   publish_seed CONFIG SITE_NAME ARTICLES HUGO_DIR       seed, print {"site":id,"columns":[…]}
//   publish_seed CONFIG SITE_NAME one-more                one more article published; prints its id
//
// Everything goes through the real services (ContentService: sanitise, hash, scan at submission, both
// reviews by different people, publication by operations, every step audited). Articles go round-robin
// into the site's active columns. Hugo gets one .html content file per article (front matter: title,
// date, summary, section = column) and the same shape of site: a home page, sections paged 20 a page,
// article pages, sitemap and RSS (HUGO_DIR/content, HUGO_DIR/layouts, HUGO_DIR/config.toml).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "must.h"
#include "cli/platform.h"

namespace {

using namespace sw;
namespace fs = std::filesystem;

using bench::die;
using bench::must;
using bench::must_ok;

const std::vector<std::string> kSentences = {
    "全省各级工会认真学习贯彻会议精神，结合实际抓好落实。", "市总工会组织开展劳动技能竞赛，一线职工踊跃参加。",
    "会议强调，要把维护职工合法权益作为工会工作的出发点和落脚点。", "活动现场，困难职工代表领到了慰问金和慰问品。",
    "各基层工会要加强职工之家建设，不断提升服务水平。", "职工书屋建设稳步推进，全年新建示范点二十个。",
    "工会干部深入企业一线，倾听职工心声，解决实际困难。", "区总工会举办女职工权益保护法律知识讲座。"};

std::string body(std::mt19937_64& rng) {
  std::string out;
  for (int p = 0; p < 6; ++p) {
    out += "<p>";
    for (int s = 0; s < 6; ++s) out += kSentences[rng() % kSentences.size()];
    out += "</p>\n";
  }
  return out;
}

struct Seeder {
  cli::Platform& pf;
  std::int64_t site = 0;
  std::vector<content::Column> columns;
  identity::Actor editor{identity::Principal::system("bench-editor"), "127.0.0.1", "bench"};
  identity::Actor reviewer{identity::Principal::system("bench-content"), "127.0.0.1", "bench"};
  identity::Actor secrecy{identity::Principal::system("bench-secrecy"), "127.0.0.1", "bench"};
  identity::Actor ops{identity::Principal::system("bench-ops"), "127.0.0.1", "bench"};

  // One article through both reviews and published; returns its id.
  std::int64_t publish_one(std::size_t n, std::mt19937_64& rng, content::ArticleFields& f) {
    const content::Column& column = columns[n % columns.size()];
    f.title = "工会工作动态（第" + std::to_string(n) + "期）";
    f.summary = "本期报道全省工会系统近期重点工作。";
    f.body_html = body(rng);
    f.byline = "记者 王明";
    f.source = "江苏工会网";
    f.publish_date = TimePoint{std::chrono::seconds{1'700'000'000}} + std::chrono::hours(2) * static_cast<int>(n);
    auto saved = must(pf.content->create_article(editor, column.id, f), "create");
    const std::int64_t id = saved.article.id;
    must(pf.content->submit(editor, id), "submit");
    must_ok(pf.content->approve(reviewer, id, content::Stage::content, {}), "approve content");
    must_ok(pf.content->approve(secrecy, id, content::Stage::secrecy, {}), "approve secrecy");
    must_ok(pf.content->publish(ops, id), "publish");
    return id;
  }
};

void write_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

void write_hugo_site(const fs::path& dir, const std::string& site_name) {
  write_file(dir / "config.toml",
             "baseURL = 'https://www.jsgh.org.cn/'\nlanguageCode = 'zh-cn'\ntitle = '" + site_name +
                 "'\npaginate = 20\ndisableKinds = ['taxonomy', 'term']\n[outputs]\nhome = ['HTML', 'RSS']\n"
                 "section = ['HTML']\n");
  const std::string head =
      "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
      "content=\"width=device-width, initial-scale=1\"><title>{{ .Title }} - {{ .Site.Title }}</title>"
      "<link rel=\"stylesheet\" href=\"/assets/site.css\"></head><body><header><img src=\"/assets/emblem.svg\" "
      "alt=\"会徽\"><a href=\"/\">{{ .Site.Title }}</a><nav>{{ range .Site.Sections }}<a href=\"{{ .RelPermalink }}\">"
      "{{ .Title }}</a>{{ end }}</nav></header><main>";
  const std::string foot =
      "</main><footer><p>主办单位：江苏省总工会</p><p>通讯地址：南京市玄武区北京东路29号 邮编：210008</p>"
      "<p>联系电话：025-83361234 职工服务热线：025-12351</p><p>苏ICP备05012345号-1</p></footer></body></html>";
  write_file(dir / "layouts/_default/baseof.html", head + "{{ block \"main\" . }}{{ end }}" + foot);
  write_file(dir / "layouts/_default/single.html",
             "{{ define \"main\" }}<article><h1>{{ .Title }}</h1><p>{{ .Date.Format \"2006年1月2日\" }}</p>"
             "{{ with .Params.summary }}<p>{{ . }}</p>{{ end }}{{ .Content }}</article>{{ end }}");
  write_file(dir / "layouts/_default/list.html",
             "{{ define \"main\" }}<h1>{{ .Title }}</h1><ul>{{ range .Paginator.Pages }}<li><a href=\"{{ "
             ".RelPermalink }}\">{{ .Title }}</a> {{ .Date.Format \"2006年1月2日\" }}</li>{{ end }}</ul>"
             "{{ template \"_internal/pagination.html\" . }}{{ end }}");
  write_file(dir / "layouts/index.html",
             "{{ define \"main\" }}<ul>{{ range first 10 .Site.RegularPages.ByDate.Reverse }}<li><a href=\"{{ "
             ".RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}");
}

std::string hugo_article(const content::ArticleFields& f) {
  auto quoted = [](const std::string& s) { return nlohmann::json(s).dump(); };
  return "---\ntitle: " + quoted(f.title) + "\ndate: " + format_rfc3339(*f.publish_date) +
         "\nsummary: " + quoted(f.summary) + "\n---\n" + f.body_html;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::cerr << "usage: publish_seed CONFIG SITE_NAME ARTICLES HUGO_DIR | publish_seed CONFIG SITE_NAME one-more\n";
    return 2;
  }
  auto pf = must(cli::open_platform(argv[1]), "open the node");
  Seeder seeder{*pf};
  const identity::Principal root = identity::Principal::system("bench");
  for (const auto& s : must(pf->identity->list_sites(root), "list sites")) {
    if (s.name == argv[2]) seeder.site = s.id;
  }
  if (!seeder.site) {
    std::cerr << "publish_seed: no site named " << argv[2] << "\n";
    return 1;
  }
  for (const auto& c : must(pf->content->columns(root, seeder.site), "columns")) {
    if (!c.deactivated_at) seeder.columns.push_back(c);
  }
  if (seeder.columns.empty()) {
    std::cerr << "publish_seed: the site has no active column\n";
    return 1;
  }
  std::mt19937_64 rng(20261126);
  content::ArticleFields f;
  if (std::string(argv[3]) == "one-more") {
    std::cout << seeder.publish_one(1'000'000, rng, f) << "\n";
    return 0;
  }
  const std::size_t n = std::stoul(argv[3]);
  const fs::path hugo = argv[4];
  write_hugo_site(hugo, argv[2]);
  for (std::size_t i = 1; i <= n; ++i) {
    const std::int64_t id = seeder.publish_one(i, rng, f);
    const content::Column& column = seeder.columns[i % seeder.columns.size()];
    write_file(hugo / "content" / ("c" + std::to_string(column.id)) / (std::to_string(id) + ".html"), hugo_article(f));
  }
  for (const auto& c : seeder.columns) {
    write_file(hugo / "content" / ("c" + std::to_string(c.id)) / "_index.md",
               "---\ntitle: " + nlohmann::json(c.name).dump() + "\n---\n");
  }
  nlohmann::json out = {{"site", seeder.site}, {"articles", n}, {"columns", seeder.columns.size()}};
  std::cout << out.dump() << "\n";
  return 0;
}
