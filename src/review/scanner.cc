// The review scanner: extract → normalise → match → validate personal data → findings that point back
// to the place in the original (N3.2, N3.3, N3.4, N4.6, N6.5). docs/modules/review.md.
#include "review/scanner.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

#include "review/aggregate.h"
#include "review/normaliser.h"

namespace sw::review {
namespace {

constexpr std::size_t kNpos = static_cast<std::size_t>(-1);

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Moves `at` back by up to `chars` UTF-8 characters, or forward when `forward`.
std::size_t step_chars(std::string_view text, std::size_t at, std::size_t chars, bool forward) {
  for (std::size_t n = 0; n < chars; ++n) {
    if (forward) {
      if (at >= text.size()) break;
      ++at;
      while (at < text.size() && is_continuation(static_cast<unsigned char>(text[at]))) ++at;
    } else {
      if (at == 0) break;
      --at;
      while (at > 0 && is_continuation(static_cast<unsigned char>(text[at]))) --at;
    }
  }
  return at;
}

// A few characters either side of [begin, end), on one line, with the match in 【】.
std::string excerpt(std::string_view text, std::size_t begin, std::size_t end, std::size_t chars) {
  std::size_t from = step_chars(text, begin, chars, false);
  std::size_t to = step_chars(text, end, chars, true);
  if (const auto nl = text.substr(from, begin - from).rfind('\n'); nl != std::string_view::npos) from += nl + 1;
  if (const auto nl = text.substr(end, to - end).find('\n'); nl != std::string_view::npos) to = end + nl;
  std::string out;
  out.reserve(to - from + 8);
  out.append(text.substr(from, begin - from)).append("【").append(text.substr(begin, end - begin)).append("】");
  out.append(text.substr(end, to - end));
  std::ranges::replace(out, '\r', ' ');
  std::ranges::replace(out, '\t', ' ');
  return out;
}

// Personal data shown on a public page: an ID or passport number or a bank card is serious; a mobile number is a
// person's; landlines, e-mail addresses and credit codes are usually an office's published contacts.
Severity personal_data_severity(PersonalDataKind k) {
  switch (k) {
    case PersonalDataKind::resident_id:
    case PersonalDataKind::passport:
    case PersonalDataKind::bank_card: return Severity::high;
    case PersonalDataKind::mobile: return Severity::medium;
    case PersonalDataKind::landline:
    case PersonalDataKind::email:
    case PersonalDataKind::credit_code: return Severity::info;
  }
  return Severity::info;
}

std::string_view personal_data_note(PersonalDataKind k) {
  switch (k) {
    case PersonalDataKind::resident_id: return "居民身份证号码（校验位与出生日期有效），公开前须删除或脱敏";
    case PersonalDataKind::bank_card: return "银行卡号（Luhn 校验有效），公开前须删除或脱敏";
    case PersonalDataKind::passport: return "护照号码，公开前须删除或脱敏";
    case PersonalDataKind::mobile: return "个人手机号码，确认本人同意公开或脱敏";
    case PersonalDataKind::landline: return "固定电话";
    case PersonalDataKind::email: return "电子邮箱";
    case PersonalDataKind::credit_code: return "统一社会信用代码";
  }
  return {};
}

struct Place {
  std::size_t line;
  std::size_t offset;
};

Place place_of(const Segment& s, std::size_t begin) {
  const auto line = static_cast<std::size_t>(std::count(s.text.begin(), s.text.begin() + static_cast<long>(begin), '\n')) + 1;
  return {line, s.source_offset == kNpos ? begin : s.source_offset + begin};
}

}  // namespace

Severity ScanReport::highest() const {
  Severity h = Severity::info;
  for (const auto& f : findings) h = std::max(h, f.severity);
  return h;
}

Result<Scanner> Scanner::create(const Lexicon& lexicon, ScanOptions options) {
  SW_TRY(matcher, Matcher::compile(lexicon));
  return Scanner(std::move(matcher), nullptr, std::move(options));
}

struct Scanner::Deferred {
  std::once_flag once;
  std::shared_ptr<const Matcher> matcher;
};

Scanner Scanner::shipped(ScanOptions options) {
  return Scanner(nullptr, std::make_shared<Deferred>(), std::move(options));
}

const Matcher& Scanner::matcher() const {
  if (matcher_) return *matcher_;
  std::call_once(deferred_->once, [this] {
    auto compiled = Matcher::compile(builtin_lexicon());
    if (!compiled) {
      std::fprintf(stderr, "sitewarden: the shipped lexicon does not compile: %s\n", compiled.error().to_string().c_str());
      std::abort();
    }
    deferred_->matcher = std::move(*compiled);
  });
  return *deferred_->matcher;
}

void Scanner::scan_segments(const std::vector<Segment>& segments, ScanReport& report) const {
  const Matcher& m = matcher();
  const auto& entries = m.lexicon().entries;
  std::map<std::string, std::map<PersonalDataKind, std::size_t>> personal_per_path;
  for (const auto& s : segments) {
    const auto first = report.findings.size();
    auto base = [&](Severity sev, std::size_t begin, std::size_t end) {
      const auto place = place_of(s, begin);
      return Finding{.path = s.path, .part = s.part, .locator = s.locator, .line = place.line, .offset = place.offset,
                     .hidden = s.hidden, .severity = sev, .matched = s.text.substr(begin, end - begin),
                     .excerpt = excerpt(s.text, begin, end, options_.excerpt_chars)};
    };
    thread_local NormalisedText normalised;  // reused: the offset map is 8 bytes per byte of text
    normalise_into(s.text, normalised);
    for (const auto& hit : m.scan(normalised)) {
      const auto& e = entries[hit.entry];
      const auto [begin, end] = normalised.original_range(hit.from, hit.to);
      auto f = base(e.severity, begin, end);
      f.category = e.category;
      f.rule = e.pattern;
      f.note = e.note;
      f.source = e.source;
      report.findings.push_back(std::move(f));
    }
    for (const auto& pd : find_personal_data(s.text, options_.max_year)) {
      auto f = base(personal_data_severity(pd.kind), pd.offset, pd.offset + pd.text.size());
      f.category = "personal_data";
      f.rule = std::string(to_string(pd.kind));
      f.note = std::string(personal_data_note(pd.kind));
      report.findings.push_back(std::move(f));
      ++personal_per_path[s.path][pd.kind];
    }
    // Lexicon hits and personal data of this segment, in the order they are written.
    std::stable_sort(report.findings.begin() + static_cast<long>(first), report.findings.end(),
                     [](const Finding& a, const Finding& b) { return a.offset < b.offset; });
    if (options_.entities) {
      // Personal data again, with the person each piece is written next to, plus names, addresses
      // and figures: what aggregation across items needs (N3.3).
      for (auto& e : extract_entities(s.text, s.path, s.part)) {
        e.locator = s.locator;
        report.entities.push_back(std::move(e));
      }
    }
  }
  // Many pieces of personal data in one item are a finding of their own (a list of people, N4.6).
  for (const auto& [path, kinds] : personal_per_path) {
    std::size_t total = 0;
    std::string counts;
    for (const auto& [kind, n] : kinds) {
      if (personal_data_severity(kind) == Severity::info) continue;
      total += n;
      counts += (counts.empty() ? "" : "，") + std::string(to_string(kind)) + " " + std::to_string(n);
    }
    if (total < options_.bulk_personal_data) continue;
    report.findings.push_back(Finding{.path = path, .part = "item", .category = "personal_data_bulk",
                                      .severity = Severity::high, .matched = std::to_string(total),
                                      .rule = "bulk_personal_data",
                                      .note = "同一条目含 " + std::to_string(total) + " 项个人信息（" + counts +
                                              "），可能是人员名单，公开前须审查"});
  }
}

ScanReport Scanner::scan_bytes(std::string_view path, std::string_view bytes) const {
  ScanReport report{.path = std::string(path)};
  auto extracted = extract(path, bytes, options_.limits);
  if (!extracted) {
    report.type = "error";
    report.problems.push_back(FileProblem{.path = std::string(path), .error = extracted.error()});
    return report;
  }
  report.type = extracted->type;
  report.problems = std::move(extracted->problems);
  scan_segments(extracted->segments, report);
  return report;
}

ScanReport Scanner::scan_file(const std::filesystem::path& path) const {
  ScanReport report{.path = path.string()};
  auto extracted = extract_file(path, options_.limits);
  if (!extracted) {
    report.type = "error";
    report.problems.push_back(FileProblem{.path = path.string(), .error = extracted.error()});
    return report;
  }
  report.type = extracted->type;
  report.problems = std::move(extracted->problems);
  scan_segments(extracted->segments, report);
  return report;
}

ScanReport Scanner::scan_text(std::string_view name, std::string_view utf8, std::string_view part) const {
  ScanReport report{.path = std::string(name), .type = "text"};
  std::vector<Segment> segments;
  segments.push_back(Segment{.path = std::string(name), .part = std::string(part), .text = std::string(utf8), .source_offset = 0});
  scan_segments(segments, report);
  return report;
}

}  // namespace sw::review
