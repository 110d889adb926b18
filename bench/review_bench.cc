// review_bench: the review scanner's speed and recall on the generated corpus (issue 3 "Benchmarks":
// >= 200 MB/s per core end to end with normalisation on, >= 1 GB/s per core for matching alone, recall
// 100% on planted disguises, no hit inside a whitelisted word; office files per second). Run by
// bench/review/run.sh next to its peers (mint-filter, python3-ahocorasick), which scores the hits this
// writes against the corpus's ground truth (bench/review/report.py).
//
// Usage: review_bench --corpus DIR --hits-dir DIR [--repeat N] [--office-files N]
//   DIR holds what bench/review/gen_corpus.py wrote (files.txt, lexicon.txt, corpus/).
//
// Figures, one JSON object per line on stdout; times are CPU seconds of the one thread doing the work
// (CLOCK_THREAD_CPUTIME_ID, best of N), so MB/s (10^6 bytes of input per second) is per core:
//   compile         Matcher::compile of the 10,000-entry lexicon
//   normalise_alone normalise_into() of every file (one NormalisedText reused, as in the scanner)
//   end_to_end      normalise_into() + Matcher::scan() of every file, raw bytes as they are on disk
//   matching_alone  Matcher::count_raw() over the already-normalised text of every file (the NormalisedText:
//                   literals on its dense UTF-16LE form, as Matcher::scan does)
//   matching_alone_47_entries, matching_alone_1000_entries   the same with the first entries only
//   vectorscan_direct  hs_scan of the normalised UTF-8 texts with the lexicon's literals, no Matcher: the
//                   engine on UTF-8, for comparison (the Matcher matches literals on the UTF-16LE form)
//   scanner_html    Scanner::scan_bytes() of the .html files: extraction (gumbo), normalisation, lexicon,
//   scanner_text    ... of the .txt files                     personal data, entities
//   scanner_html_no_entities, scanner_text_no_entities   the same with ScanOptions::entities off
//   office_docx, office_xlsx, office_pdf   Scanner::scan_bytes() of generated files, files/s, and in how
//                   many the word planted in each was found
// Hits files (file, begin, end, word; byte offsets into the file): hits-sitewarden.tsv (end_to_end,
// mapped back with NormalisedText::original_range) and hits-sitewarden-scanner.tsv (Finding::offset).
#include <cairo-pdf.h>
#include <cairo.h>
#include <hs/hs.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zip.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "review/lexicon.h"
#include "review/matcher.h"
#include "review/normaliser.h"
#include "review/scanner.h"

namespace {

namespace review = sw::review;
namespace fs = std::filesystem;

constexpr int kDefaultRepeat = 3;
constexpr int kDefaultOfficeFiles = 100;
// A middle lexicon size for the matching-alone figures (the whole lexicon is 10,000 entries).
constexpr std::size_t kMidLexicon = 1000;
// Characters of filler text in each generated office file, besides the planted word.
constexpr std::size_t kOfficeFillerBytes = 6000;
constexpr std::size_t kPdfLineChars = 30;
constexpr double kMB = 1e6;

struct Settings {
  fs::path corpus;
  fs::path hits_dir;
  int repeat = kDefaultRepeat;
  int office_files = kDefaultOfficeFiles;
};

struct CorpusFile {
  std::string name;   // as in files.txt: "corpus/00001.html"
  std::string bytes;
  bool html = false;
};

struct Timing {
  double cpu = 0, wall = 0;
};

void print(nlohmann::json figure) {
  figure["bench"] = "review";
  figure["tool"] = "sitewarden";
  std::printf("%s\n", figure.dump().c_str());
  std::fflush(stdout);
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "review_bench: %s\n", what.c_str());
  std::exit(1);
}

double thread_cpu_seconds() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// The best (least) CPU and wall time of `repeat` runs of `run`.
Timing best_of(int repeat, const std::function<void()>& run) {
  Timing best{1e300, 1e300};
  for (int i = 0; i < repeat; ++i) {
    auto cpu = thread_cpu_seconds();
    auto wall = std::chrono::steady_clock::now();
    run();
    best.cpu = std::min(best.cpu, thread_cpu_seconds() - cpu);
    best.wall = std::min(best.wall, std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count());
  }
  return best;
}

nlohmann::json rate_figure(const std::string& figure, const Timing& t, std::size_t files, std::size_t bytes,
                           std::size_t hits, int repeat) {
  return {{"figure", figure},         {"files", files},       {"bytes", bytes},
          {"hits", hits},             {"cpu_s", t.cpu},       {"wall_s", t.wall},
          {"mb_per_s", bytes / t.cpu / kMB}, {"repeat", repeat}};
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) die("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return std::move(out).str();
}

std::vector<CorpusFile> read_corpus(const fs::path& dir) {
  std::vector<CorpusFile> files;
  std::istringstream list(read_file(dir / "files.txt"));
  for (std::string name; std::getline(list, name);) {
    if (name.empty()) continue;
    files.push_back({name, read_file(dir / name), name.ends_with(".html")});
  }
  return files;
}

std::size_t total_bytes(const std::vector<CorpusFile>& files) {
  std::size_t n = 0;
  for (const auto& f : files) n += f.bytes.size();
  return n;
}

// ---- the corpus figures ----

void bench_vectorscan_direct(const Settings& s, const review::Lexicon& lexicon, const std::vector<std::string>& texts,
                             std::size_t bytes);

// count_raw() of every pre-normalised text with `matcher`, best of s.repeat: (timing, raw matches).
std::pair<Timing, std::size_t> time_count_raw(const Settings& s, const review::Matcher& matcher,
                                              const std::vector<review::NormalisedText>& texts) {
  std::size_t raw = 0;
  auto t = best_of(s.repeat, [&] {
    raw = 0;
    for (const auto& text : texts) raw += matcher.count_raw(text);
  });
  return {t, raw};
}

// `targets`: how many entries at the head of the lexicon are the planted words (the rest are generated).
void bench_corpus(const Settings& s, const review::Lexicon& lexicon, std::size_t targets,
                  const std::vector<CorpusFile>& files) {
  auto started = thread_cpu_seconds();
  auto compiled = review::Matcher::compile(lexicon);
  if (!compiled) die("compile: " + compiled.error().to_string());
  print({{"figure", "compile"}, {"entries", lexicon.entries.size()}, {"cpu_s", thread_cpu_seconds() - started}});
  const review::Matcher& matcher = **compiled;
  const auto bytes = total_bytes(files);

  // One NormalisedText reused across files (normalise_into), as the scanner keeps one per thread.
  review::NormalisedText text;
  auto normalised_bytes = std::size_t{0};
  auto t = best_of(s.repeat, [&] {
    normalised_bytes = 0;
    for (const auto& f : files) {
      review::normalise_into(f.bytes, text);
      normalised_bytes += text.text.size();
    }
  });
  auto figure = rate_figure("normalise_alone", t, files.size(), bytes, 0, s.repeat);
  figure["normalised_bytes"] = normalised_bytes;
  print(figure);

  std::vector<std::vector<review::Hit>> hits(files.size());
  std::vector<std::vector<std::pair<std::size_t, std::size_t>>> ranges(files.size());
  std::size_t hit_count = 0;
  t = best_of(s.repeat, [&] {
    hit_count = 0;
    for (std::size_t i = 0; i < files.size(); ++i) {
      review::normalise_into(files[i].bytes, text);
      hits[i] = matcher.scan(text);
      hit_count += hits[i].size();
      ranges[i].clear();
      for (const auto& h : hits[i]) ranges[i].push_back(text.original_range(h.from, h.to));
    }
  });
  print(rate_figure("end_to_end", t, files.size(), bytes, hit_count, s.repeat));
  {
    std::ofstream out(s.hits_dir / "hits-sitewarden.tsv");
    for (std::size_t i = 0; i < files.size(); ++i)
      for (std::size_t k = 0; k < hits[i].size(); ++k)
        out << files[i].name << '\t' << ranges[i][k].first << '\t' << ranges[i][k].second << '\t'
            << matcher.lexicon().entries[hits[i][k].entry].pattern << '\n';
  }

  std::vector<review::NormalisedText> normalised;  // text and its dense form, made before timing
  std::vector<std::string> texts;
  normalised.reserve(files.size());
  texts.reserve(files.size());
  for (const auto& f : files) texts.push_back(normalised.emplace_back(review::normalise(f.bytes)).text);
  auto [timing, raw] = time_count_raw(s, matcher, normalised);
  // MB/s of the original bytes, as for the other figures (the normalised text is a little shorter).
  figure = rate_figure("matching_alone", timing, files.size(), bytes, raw, s.repeat);
  figure["normalised_bytes"] = normalised_bytes;
  figure["mb_per_s_normalised"] = normalised_bytes / timing.cpu / kMB;
  print(figure);

  // The same with a smaller lexicon — the planted words alone (the size of the shipped starter set),
  // then the first 1,000 entries — to show what the lexicon's size costs the engine.
  for (std::size_t size : {targets, kMidLexicon}) {
    review::Lexicon small = lexicon;
    small.entries.resize(std::min(size, small.entries.size()));
    auto small_matcher = review::Matcher::compile(small);
    if (!small_matcher) die("compile: " + small_matcher.error().to_string());
    auto [small_timing, small_raw] = time_count_raw(s, **small_matcher, normalised);
    figure = rate_figure("matching_alone_" + std::to_string(small.entries.size()) + "_entries", small_timing,
                         files.size(), bytes, small_raw, s.repeat);
    figure["entries"] = small.entries.size();
    print(figure);
  }
  bench_vectorscan_direct(s, lexicon, texts, bytes);
}

int count_match(unsigned, unsigned long long, unsigned long long, unsigned, void* count) {
  ++*static_cast<std::size_t*>(count);
  return 0;
}

// vectorscan itself, without the Matcher: the lexicon's literals in one hs_compile_lit_multi database,
// hs_scan over the normalised UTF-8 texts — what matching alone costs on UTF-8, next to the Matcher's
// figure on the dense UTF-16LE form.
void bench_vectorscan_direct(const Settings& s, const review::Lexicon& lexicon, const std::vector<std::string>& texts,
                             std::size_t bytes) {
  std::vector<const char*> patterns;
  std::vector<std::size_t> lengths;
  std::vector<unsigned> ids, flags;
  for (const auto& e : lexicon.entries) {
    if (e.regex) continue;
    patterns.push_back(e.pattern.data());
    lengths.push_back(e.pattern.size());
    ids.push_back(static_cast<unsigned>(ids.size()));
    flags.push_back(0);
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_lit_multi(patterns.data(), flags.data(), ids.data(), lengths.data(),
                           static_cast<unsigned>(patterns.size()), HS_MODE_BLOCK, nullptr, &db, &error) != HS_SUCCESS) {
    std::string message = error ? error->message : "unknown";
    hs_free_compile_error(error);
    die("hs_compile_lit_multi: " + message);
  }
  hs_scratch_t* scratch = nullptr;
  if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) die("hs_alloc_scratch");
  std::size_t count = 0;
  auto t = best_of(s.repeat, [&] {
    count = 0;
    for (const auto& text : texts)
      hs_scan(db, text.data(), static_cast<unsigned>(text.size()), 0, scratch, count_match, &count);
  });
  auto figure = rate_figure("vectorscan_direct", t, texts.size(), bytes, count, s.repeat);
  figure["entries"] = patterns.size();
  print(figure);
  hs_free_scratch(scratch);
  hs_free_database(db);
}

// Scanner::scan_bytes of the HTML files, then of the text files. `suffix` names the figures
// ("scanner_html" + suffix); the hits go to `hits_file` when it is not empty.
void bench_scanner(const Settings& s, const review::Scanner& scanner, const std::vector<CorpusFile>& files,
                   std::string_view suffix, const std::string& hits_file) {
  std::ofstream out;
  if (!hits_file.empty()) out.open(s.hits_dir / hits_file);
  for (bool html : {true, false}) {
    std::vector<const CorpusFile*> subset;
    for (const auto& f : files)
      if (f.html == html) subset.push_back(&f);
    std::size_t bytes = 0, findings = 0, problems = 0;
    for (const auto* f : subset) bytes += f->bytes.size();
    std::vector<review::ScanReport> reports(subset.size());
    auto t = best_of(1, [&] {
      for (std::size_t i = 0; i < subset.size(); ++i) reports[i] = scanner.scan_bytes(subset[i]->name, subset[i]->bytes);
    });
    for (std::size_t i = 0; i < subset.size(); ++i) {
      problems += reports[i].problems.size();
      for (const auto& finding : reports[i].findings) {
        ++findings;
        out << subset[i]->name << '\t' << finding.offset << '\t' << finding.offset + finding.matched.size() << '\t'
            << finding.rule << '\n';
      }
    }
    auto figure = rate_figure(std::string(html ? "scanner_html" : "scanner_text") + std::string(suffix), t,
                              subset.size(), bytes, findings, 1);
    figure["problems"] = problems;
    print(figure);
  }
}

// ---- office files ----

// Filler for office files: the start of a corpus .txt file after its title, cut at a character boundary.
std::string office_filler(const std::vector<CorpusFile>& files) {
  for (const auto& f : files) {
    if (f.html) continue;
    std::string text = f.bytes.substr(f.bytes.find('\n') + 2, kOfficeFillerBytes);
    while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.pop_back();
    if (!text.empty() && static_cast<unsigned char>(text.back()) >= 0xC0) text.pop_back();
    return text;
  }
  die("no text file in the corpus");
}

std::vector<std::string> utf8_chunks(std::string_view text, std::size_t chars) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80 && n == chars) lines.push_back(std::exchange(line, {})), n = 0;
    if ((c & 0xC0) != 0x80) ++n;
    if (c != '\n') line.push_back(static_cast<char>(c));
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string zip_members(const fs::path& tmp, const std::vector<std::pair<std::string, std::string>>& members) {
  int error = 0;
  zip_t* z = zip_open(tmp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (!z) die("zip_open " + tmp.string());
  for (const auto& [name, data] : members) {
    zip_source_t* src = zip_source_buffer(z, data.data(), data.size(), 0);
    if (!src || zip_file_add(z, name.c_str(), src, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8) < 0) die("zip_file_add");
  }
  if (zip_close(z) != 0) die("zip_close");
  return read_file(tmp);
}

std::string make_docx(const fs::path& tmp, const std::vector<std::string>& paragraphs) {
  std::string body;
  for (const auto& p : paragraphs) body += "<w:p><w:r><w:t>" + xml_escape(p) + "</w:t></w:r></w:p>";
  return zip_members(
      tmp,
      {{"[Content_Types].xml",
        R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
        R"(<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">)"
        R"(<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>)"
        R"(<Default Extension="xml" ContentType="application/xml"/>)"
        R"(<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>)"
        R"(</Types>)"},
       {"_rels/.rels",
        R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
        R"(<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
        R"(<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>)"
        R"(</Relationships>)"},
       {"word/document.xml",
        R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
        R"(<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>)" +
            body + "</w:body></w:document>"}});
}

std::string make_xlsx(const fs::path& tmp, const std::vector<std::string>& cells) {
  lxw_workbook* workbook = workbook_new(tmp.c_str());
  lxw_worksheet* sheet = workbook_add_worksheet(workbook, "工会经费");
  for (std::size_t i = 0; i < cells.size(); ++i)
    worksheet_write_string(sheet, static_cast<lxw_row_t>(i / 4), static_cast<lxw_col_t>(i % 4), cells[i].c_str(), nullptr);
  if (workbook_close(workbook) != LXW_NO_ERROR) die("workbook_close");
  return read_file(tmp);
}

cairo_status_t append_to_string(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

std::string make_pdf(const std::vector<std::string>& lines) {
  constexpr double kWidth = 595, kHeight = 842, kMargin = 50, kLeading = 18, kFontSize = 12;
  std::string pdf;
  cairo_surface_t* surface = cairo_pdf_surface_create_for_stream(append_to_string, &pdf, kWidth, kHeight);
  cairo_t* cr = cairo_create(surface);
  cairo_select_font_face(cr, "Noto Sans CJK SC", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, kFontSize);
  double y = kMargin;
  for (const auto& line : lines) {
    if (y > kHeight - kMargin) cairo_show_page(cr), y = kMargin;
    cairo_move_to(cr, kMargin, y);
    cairo_show_text(cr, line.c_str());
    y += kLeading;
  }
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  cairo_surface_destroy(surface);
  return pdf;
}

void bench_office(const Settings& s, const review::Scanner& scanner, const std::vector<CorpusFile>& corpus,
                  const std::vector<std::string>& targets) {
  if (s.office_files <= 0) return;
  auto filler = utf8_chunks(office_filler(corpus), kPdfLineChars);
  auto tmp = fs::temp_directory_path() / ("sw-review-bench-" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  for (std::string kind : {"docx", "xlsx", "pdf"}) {
    std::vector<std::pair<std::string, std::string>> files;  // planted word, bytes
    std::size_t bytes = 0;
    for (int i = 0; i < s.office_files; ++i) {
      const auto& word = targets[static_cast<std::size_t>(i) % targets.size()];
      auto lines = filler;
      lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(i % lines.size()), "【" + word + "】");
      auto path = tmp / ("f." + kind);
      auto data = kind == "docx" ? make_docx(path, lines) : kind == "xlsx" ? make_xlsx(path, lines) : make_pdf(lines);
      bytes += data.size();
      files.emplace_back(word, std::move(data));
    }
    std::vector<review::ScanReport> reports(files.size());
    auto t = best_of(s.repeat, [&] {
      for (std::size_t i = 0; i < files.size(); ++i)
        reports[i] = scanner.scan_bytes("office/" + std::to_string(i) + "." + kind, files[i].second);
    });
    std::size_t found = 0, problems = 0;
    for (std::size_t i = 0; i < files.size(); ++i) {
      problems += reports[i].problems.size() + (reports[i].type == "error");
      found += std::ranges::any_of(reports[i].findings, [&](const auto& f) { return f.rule == files[i].first; });
    }
    print({{"figure", "office_" + kind}, {"files", files.size()},     {"bytes", bytes},
           {"cpu_s", t.cpu},            {"wall_s", t.wall},          {"files_per_s", files.size() / t.cpu},
           {"found", found},            {"problems", problems},      {"repeat", s.repeat}});
  }
  fs::remove_all(tmp);
}

// The planted target words: the lexicon file's entries before the "# generated" line (gen_corpus.py).
std::vector<std::string> planted_targets(const fs::path& lexicon_file) {
  std::vector<std::string> words;
  std::istringstream in(read_file(lexicon_file));
  for (std::string line; std::getline(in, line);) {
    if (line == "# generated") break;
    if (!line.empty() && line[0] != '#' && line[0] != '!') words.push_back(line);
  }
  return words;
}

Settings parse_args(int argc, char** argv) {
  Settings s;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    if (flag == "--corpus") s.corpus = argv[i + 1];
    else if (flag == "--hits-dir") s.hits_dir = argv[i + 1];
    else if (flag == "--repeat") s.repeat = std::atoi(argv[i + 1]);
    else if (flag == "--office-files") s.office_files = std::atoi(argv[i + 1]);
    else die("unknown flag " + std::string(flag));
  }
  if (s.corpus.empty() || s.hits_dir.empty())
    die("usage: review_bench --corpus DIR --hits-dir DIR [--repeat N] [--office-files N]");
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  auto settings = parse_args(argc, argv);
  auto lexicon = review::load_lexicon(settings.corpus / "lexicon.txt");
  if (!lexicon) die("lexicon: " + lexicon.error().to_string());
  auto files = read_corpus(settings.corpus);
  auto targets = planted_targets(settings.corpus / "lexicon.txt");
  bench_corpus(settings, *lexicon, targets.size(), files);
  auto scanner = review::Scanner::create(*lexicon);
  if (!scanner) die("scanner: " + scanner.error().to_string());
  bench_scanner(settings, *scanner, files, "", "hits-sitewarden-scanner.tsv");
  // The same without entities (names, addresses, figures for aggregation across items, N3.3).
  review::ScanOptions no_entities;
  no_entities.entities = false;
  auto lexicon_only = review::Scanner::create(*lexicon, no_entities);
  if (!lexicon_only) die("scanner: " + lexicon_only.error().to_string());
  bench_scanner(settings, *lexicon_only, files, "_no_entities", "");
  bench_office(settings, *scanner, files, targets);
  return 0;
}
