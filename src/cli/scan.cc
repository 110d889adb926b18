// `sitewarden scan`: walks files and directories, scans each with the review scanner on every core,
// prints a table (or JSON) of findings with the place each was found, warns about what adds up
// across files (N3.3), and exits by the highest severity. Bad files are reported and the scan goes on.
#include "cli/scan.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "review/aggregate.h"
#include "review/scanner.h"
#include "review/wording.h"

namespace sw::cli {
namespace {

namespace fs = std::filesystem;
using review::Severity;

std::string_view severity_zh(Severity s) {
  switch (s) {
    case Severity::info: return "提示";
    case Severity::low: return "低";
    case Severity::medium: return "中";
    case Severity::high: return "高";
    case Severity::critical: return "严重";
  }
  return "";
}

std::string_view category_zh(std::string_view c) {
  static const std::map<std::string_view, std::string_view> names = {
      {"secret_marking", "密级标志"},   {"internal", "内部事项"},       {"advertising", "广告与商业"},
      {"illegal", "违法信息"},          {"vulgar", "低俗内容"},         {"wording_error", "严重错别字"},
      {"personal_data", "个人信息"},    {"personal_data_bulk", "批量个人信息"}};
  const auto it = names.find(c);
  return it == names.end() ? c : it->second;
}

// Files under the paths, in a stable order; symbolic links are not followed (a link out of the
// tree would scan what the operator did not ask for) and version-control folders are skipped.
Result<std::vector<fs::path>> collect(const std::vector<fs::path>& roots) {
  std::vector<fs::path> files;
  for (const auto& root : roots) {
    std::error_code ec;
    const auto st = fs::symlink_status(root, ec);
    if (ec || !fs::exists(st)) return fail("scan.not_found", root.string() + ": no such file or directory");
    if (!fs::is_directory(st)) {
      files.push_back(root);
      continue;
    }
    std::vector<fs::path> found;
    for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const auto name = it->path().filename().string();
      if (it->is_directory() && (name == ".git" || name == ".svn" || name == ".hg")) {
        it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file() && !it->is_symlink()) found.push_back(it->path());
    }
    if (ec) return fail("scan.io", root.string() + ": " + ec.message());
    std::ranges::sort(found);
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

Result<review::Lexicon> build_lexicon(const ScanArgs& args) {
  review::Lexicon lexicon;
  if (!args.no_builtin) lexicon = review::builtin_lexicon();
  for (const auto& file : args.lexicons) {
    SW_TRY(extra, review::load_lexicon(file));
    review::merge_into(lexicon, std::move(extra));
  }
  std::vector<review::ProtectedName> names;
  for (const auto& file : args.protected_names) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) return fail("scan.not_found", file.string() + ": no such protected-names file");
    std::FILE* f = std::fopen(file.c_str(), "rb");
    if (!f) return fail("scan.io", file.string() + ": cannot be opened");
    std::string text;
    char buf[65536];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
    std::fclose(f);
    SW_TRY(parsed, review::parse_protected_names(text, file.string()));
    names.insert(names.end(), parsed.begin(), parsed.end());
  }
  if (!names.empty()) review::merge_into(lexicon, review::near_miss_lexicon(names, lexicon.whitelist));
  if (lexicon.entries.empty()) return fail("scan.lexicon", "no lexicon entries: give --lexicon files or drop --no-builtin");
  return lexicon;
}

class Progress {
 public:
  Progress(std::size_t total, bool on) : total_(total), on_(on && total > 1 && ::isatty(STDERR_FILENO)) {}
  void step() {
    if (!on_) return;
    const auto done = ++done_;
    std::lock_guard lock(mutex_);
    constexpr std::size_t width = 30;
    const std::size_t filled = done * width / total_;
    std::fprintf(stderr, "\r扫描 [%s%s] %zu/%zu", std::string(filled, '#').c_str(),
                 std::string(width - filled, '.').c_str(), done, total_);
    if (done == total_) std::fputc('\n', stderr);
    std::fflush(stderr);
  }

 private:
  std::size_t total_;
  bool on_;
  std::atomic<std::size_t> done_{0};
  std::mutex mutex_;
};

std::vector<review::ScanReport> scan_all(const review::Scanner& scanner, const std::vector<fs::path>& files,
                                         unsigned jobs, Progress& progress) {
  std::vector<review::ScanReport> reports(files.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next++) < files.size();) {
      reports[i] = scanner.scan_file(files[i]);
      progress.step();
    }
  };
  const unsigned n = std::max(1u, std::min<unsigned>(jobs ? jobs : std::thread::hardware_concurrency(),
                                                     static_cast<unsigned>(files.size())));
  std::vector<std::jthread> threads;
  for (unsigned t = 1; t < n; ++t) threads.emplace_back(worker);
  worker();
  return reports;
}

std::vector<review::AggregateWarning> aggregate_across(const std::vector<review::ScanReport>& reports) {
  std::vector<review::ItemEntities> items;
  for (const auto& r : reports) {
    if (r.entities.empty()) continue;
    items.push_back(review::ItemEntities{.item = r.path, .title = r.path, .entities = r.entities});
  }
  if (items.size() < 2) return {};
  return review::aggregate(items);
}

nlohmann::json to_json(const review::Finding& f) {
  return {{"severity", review::to_string(f.severity)}, {"category", f.category}, {"path", f.path},
          {"part", f.part},   {"locator", f.locator},  {"line", f.line},         {"offset", f.offset},
          {"hidden", f.hidden}, {"matched", f.matched}, {"rule", f.rule},        {"note", f.note},
          {"excerpt", f.excerpt}, {"source", f.source}};
}

// Text from scanned files goes to a terminal: control characters (C0, DEL, C1) and bidirectional
// overrides are shown as escapes, so a hostile file cannot move the cursor, retitle the window or
// reorder what the reviewer reads.
std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  char buf[16];
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0xa0 &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80) {  // U+0080–U+009F
      std::snprintf(buf, sizeof buf, "<U+%04X>", static_cast<unsigned char>(text[i + 1]));
      out += buf;
      ++i;
    } else if (c == 0xe2 && i + 2 < text.size() &&
               ((text[i + 1] == '\x80' && static_cast<unsigned char>(text[i + 2]) >= 0xaa &&
                 static_cast<unsigned char>(text[i + 2]) <= 0xae) ||   // U+202A–U+202E
                (text[i + 1] == '\x81' && static_cast<unsigned char>(text[i + 2]) >= 0xa6 &&
                 static_cast<unsigned char>(text[i + 2]) <= 0xa9))) {  // U+2066–U+2069
      const unsigned cp = 0x2000 + ((static_cast<unsigned char>(text[i + 1]) & 0x3f) << 6) +
                          (static_cast<unsigned char>(text[i + 2]) & 0x3f);
      std::snprintf(buf, sizeof buf, "<U+%04X>", cp);
      out += buf;
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string place(const review::Finding& f) {
  std::string p = f.part;
  if (!f.locator.empty()) p += " " + f.locator;
  if (f.line > 0 && f.locator.find("line ") == std::string::npos) p += " 第" + std::to_string(f.line) + "行";
  if (f.hidden) p += "（读者不可见）";
  return p;
}

}  // namespace

int run_scan(const ScanArgs& args) {
  auto min_severity = review::parse_severity(args.min_severity);
  if (!min_severity) {
    std::cerr << "sitewarden: " << min_severity.error().message << " [" << min_severity.error().code << "]\n";
    return 1;
  }
  auto lexicon = build_lexicon(args);
  auto files = lexicon ? collect(args.paths) : Result<std::vector<fs::path>>{};
  review::ScanOptions options;
  options.limits.max_file_bytes = args.max_file_mb << 20;
  auto scanner = lexicon ? review::Scanner::create(*lexicon, options) : std::unexpected(lexicon.error());
  for (const Error* e : {lexicon ? nullptr : &lexicon.error(), files ? nullptr : &files.error(),
                         scanner ? nullptr : &scanner.error()}) {
    if (!e) continue;
    std::cerr << "sitewarden: " << e->message << " [" << e->code << "]\n";
    return 1;
  }

  Progress progress(files->size(), args.progress && !args.json);
  const auto reports = scan_all(*scanner, *files, args.jobs, progress);
  const auto warnings = aggregate_across(reports);

  Severity highest = Severity::info;
  std::size_t problems = 0, listed = 0, total = 0;
  std::map<Severity, std::size_t> by_severity;
  for (const auto& r : reports) {
    highest = std::max(highest, r.highest());
    problems += r.problems.size();
    total += r.findings.size();
    for (const auto& f : r.findings) ++by_severity[f.severity];
  }
  for (const auto& w : warnings) highest = std::max(highest, w.severity);

  if (args.json) {
    nlohmann::json out = {{"files", nlohmann::json::array()}, {"aggregate", nlohmann::json::array()}};
    for (const auto& r : reports) {
      nlohmann::json file = {{"path", r.path}, {"type", r.type}, {"findings", nlohmann::json::array()},
                             {"problems", nlohmann::json::array()}};
      for (const auto& f : r.findings)
        if (f.severity >= *min_severity) file["findings"].push_back(to_json(f));
      for (const auto& p : r.problems) file["problems"].push_back({{"path", p.path}, {"code", p.error.code}, {"message", p.error.message}});
      out["files"].push_back(std::move(file));
    }
    for (const auto& w : warnings)
      out["aggregate"].push_back({{"kind", w.kind}, {"severity", review::to_string(w.severity)},
                                  {"explanation", w.explanation}, {"items", w.items}});
    out["summary"] = {{"files", reports.size()}, {"findings", total}, {"problems", problems},
                      {"highest", total || !warnings.empty() ? review::to_string(highest) : "none"}};
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    for (const auto& r : reports) {
      bool header = false;
      auto print_header = [&] {
        if (header) return;
        header = true;
        std::cout << printable(r.path) << "  (" << r.type << ")\n";
      };
      for (const auto& f : r.findings) {
        if (f.severity < *min_severity) continue;
        print_header();
        ++listed;
        std::cout << "  [" << review::to_string(f.severity) << " " << severity_zh(f.severity) << "] "
                  << printable(category_zh(f.category)) << "  " << printable(place(f)) << "\n      「"
                  << printable(f.matched) << "」";
        if (!f.excerpt.empty()) std::cout << "  …" << printable(f.excerpt) << "…";
        if (!f.note.empty()) std::cout << "  " << printable(f.note);
        std::cout << "\n";
      }
      for (const auto& p : r.problems) {
        print_header();
        // Errors name their file already; the path is added only when one does not.
        const bool named = p.error.message.starts_with(p.path);
        std::cout << "  [无法扫描] " << printable(named ? p.error.message : p.path + ": " + p.error.message) << " ["
                  << p.error.code << "]\n";
      }
    }
    for (const auto& w : warnings) {
      std::cout << "[汇聚风险 " << review::to_string(w.severity) << "] " << w.kind << ": " << printable(w.explanation)
                << "\n";
    }
    std::cout << "共扫描 " << reports.size() << " 个文件，发现 " << total << " 处（列出 " << listed << " 处";
    for (auto s : {Severity::critical, Severity::high, Severity::medium, Severity::low, Severity::info})
      if (by_severity[s]) std::cout << "，" << severity_zh(s) << " " << by_severity[s];
    std::cout << "），汇聚风险 " << warnings.size() << " 项，无法完整扫描 " << problems << " 处。\n";
  }

  if ((total > 0 || !warnings.empty()) && highest >= Severity::low)
    return kScanExitSeverityBase + static_cast<int>(highest);
  return problems > 0 ? kScanExitIncomplete : 0;
}

}  // namespace sw::cli
