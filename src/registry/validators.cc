// Field validators of the site register (N2.1, N2.2).
#include "registry/validators.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <string>
#include <ranges>

#include "identity/identity.h"

namespace sw::registry {
namespace {

constexpr std::size_t kMinIcpDigits = 6;
constexpr std::size_t kMaxIcpDigits = 10;
constexpr std::size_t kMaxSuffixDigits = 3;
constexpr std::size_t kMaxLabel = 63;
constexpr std::size_t kMaxDomain = 253;
constexpr std::size_t kPostcodeDigits = 6;
constexpr std::size_t kMaxOrgCode = 32;
constexpr std::string_view kHotline = "12351";
constexpr int kMinYear = 1949;
constexpr int kMaxYear = 2100;
constexpr std::size_t kMaxGradingFiling = 64;
constexpr std::size_t kMaxCertificate = 64;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::unexpected<Error> invalid_icp(std::string_view number, std::string_view why) {
  return fail("registry.invalid_icp",
              "ICP filing number 「" + std::string(number) + "」: " + std::string(why));
}

// The first UTF-8 character of `text` (or its first byte if that is not a lead byte).
std::string_view first_char(std::string_view text) {
  if (text.empty()) return text;
  const auto lead = static_cast<unsigned char>(text[0]);
  std::size_t n = 1;
  if (lead >= 0xF0) {
    n = 4;
  } else if (lead >= 0xE0) {
    n = 3;
  } else if (lead >= 0xC0) {
    n = 2;
  }
  return text.substr(0, std::min(n, text.size()));
}

// Consumes a run of ASCII digits from the front of `text` and returns it.
std::string_view take_digits(std::string_view& text) {
  std::size_t n = 0;
  while (n < text.size() && is_digit(text[n])) ++n;
  const std::string_view digits = text.substr(0, n);
  text.remove_prefix(n);
  return digits;
}

bool consume(std::string_view& text, std::string_view prefix) {
  if (!text.starts_with(prefix)) return false;
  text.remove_prefix(prefix.size());
  return true;
}

std::unexpected<Error> invalid_domain(std::string_view domain, std::string_view why) {
  return fail("registry.invalid_domain", "domain \"" + std::string(domain) + "\": " + std::string(why));
}

bool is_domain_char(char c) { return (c >= 'a' && c <= 'z') || is_digit(c) || c == '-'; }

std::string join_or(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " or " : ", ";
    out += items[i];
  }
  return out;
}

bool is_landline_prefix(std::string_view area) {
  return area.size() >= 3 && area.size() <= 4 && area[0] == '0' && std::ranges::all_of(area, is_digit);
}

}  // namespace

Status validate_icp_number(std::string_view number) {
  std::string_view rest = number;
  const std::string_view province = first_char(rest);
  if (std::ranges::find(kProvinceAbbreviations, province) == std::end(kProvinceAbbreviations)) {
    return invalid_icp(number, "unknown province 「" + std::string(province) +
                                   "」: it must start with one of the 31 province abbreviations (苏, 京, …)");
  }
  rest.remove_prefix(province.size());
  if (!consume(rest, "ICP")) return invalid_icp(number, "\"ICP\" must follow the province abbreviation");
  if (rest.starts_with("证")) {
    return invalid_icp(number, "this is an ICP business licence (ICP证), not an ICP filing (ICP备)");
  }
  if (!consume(rest, "备")) return invalid_icp(number, "missing 备 after \"ICP\"");
  const std::string_view digits = take_digits(rest);
  if (digits.size() < kMinIcpDigits || digits.size() > kMaxIcpDigits) {
    return invalid_icp(number,
                       "the filing has " + std::to_string(digits.size()) + " digits; it must have 6 to 10");
  }
  if (!consume(rest, "号")) return invalid_icp(number, "missing 号 after the digits");
  if (rest.empty()) return ok();
  if (!consume(rest, "-")) return invalid_icp(number, "only a site suffix \"-<n>\" may follow 号");
  const std::string_view suffix = take_digits(rest);
  if (suffix.empty() || suffix.size() > kMaxSuffixDigits || suffix[0] == '0' || !rest.empty()) {
    return invalid_icp(number, "the site suffix after \"-\" must be a number 1 to 999");
  }
  return ok();
}

std::string normalize_domain(std::string_view domain) {
  std::string out(domain);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Status validate_domain(std::string_view domain) {
  if (domain.empty()) return invalid_domain(domain, "empty");
  if (domain.size() > kMaxDomain) return invalid_domain(domain, "longer than 253 characters");
  if (domain.back() == '.') return invalid_domain(domain, "must not end with a dot");
  std::size_t labels = 0;
  for (const auto part : std::views::split(domain, '.')) {
    const std::string_view label(part.begin(), part.end());
    ++labels;
    if (label.empty()) return invalid_domain(domain, "has an empty label");
    if (label.size() > kMaxLabel) {
      return invalid_domain(domain, "label \"" + std::string(label) + "\" is longer than 63 characters");
    }
    if (!std::ranges::all_of(label, is_domain_char)) {
      return invalid_domain(domain,
                            "label \"" + std::string(label) +
                                "\" may hold only a-z, 0-9 and '-' (use the xn-- form for Chinese names)");
    }
    if (label.front() == '-' || label.back() == '-') {
      return invalid_domain(domain, "label \"" + std::string(label) + "\" starts or ends with a hyphen");
    }
  }
  if (labels < 2) return invalid_domain(domain, "needs at least two labels (name.tld)");
  return ok();
}

Status check_domain_rule(identity::OrgKind level, std::string_view domain, const DomainRules& rules) {
  const std::string level_name(identity::to_string(level));
  const auto rule = rules.suffixes_by_level.find(level_name);
  if (rule == rules.suffixes_by_level.end() || rule->second.empty()) return ok();
  for (const std::string& suffix : rule->second) {
    // ".org" must match "x.org", not "xorg"; a suffix given without its dot still means a label.
    const std::string dotted = suffix.starts_with('.') ? suffix : "." + suffix;
    if (domain.ends_with(dotted) && domain.size() > dotted.size()) return ok();
  }
  return fail("registry.domain_rule", level_name + " union domains must end in " + join_or(rule->second) +
                                          " (got " + std::string(domain) + ")");
}

Status validate_postcode(std::string_view postcode) {
  if (postcode.size() != kPostcodeDigits || !std::ranges::all_of(postcode, is_digit)) {
    return fail("registry.invalid_postcode", "postcode: 6 digits, e.g. 210000");
  }
  return ok();
}

Status validate_phone(std::string_view phone) {
  if (!identity::validate_phone(phone)) {
    return fail("registry.invalid_phone",
                "phone: a mobile number 1[3-9]XXXXXXXXX or a landline 0XX(X)-XXXXXXX(X)");
  }
  return ok();
}

Status validate_hotline_12351(std::string_view line) {
  if (line == kHotline) return ok();
  const auto dash = line.find('-');
  if (dash != std::string_view::npos && is_landline_prefix(line.substr(0, dash)) &&
      line.substr(dash + 1) == kHotline) {
    return ok();
  }
  return fail("registry.invalid_hotline", "hotline_12351: \"12351\" or with its area code, e.g. 025-12351");
}

Status validate_org_code(std::string_view code) {
  const bool chars_ok = std::ranges::all_of(code, [](char c) {
    return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-';
  });
  if (code.empty() || code.size() > kMaxOrgCode || !chars_ok) {
    return fail("registry.invalid_code", "code: 1 to 32 of A-Z a-z 0-9 and '-'");
  }
  return ok();
}

Status validate_text_field(std::string_view field, std::string_view value, std::size_t max_bytes) {
  const bool control = std::ranges::any_of(value, [](unsigned char c) { return c < 0x20 || c == 0x7f; });
  const bool blank = std::ranges::all_of(value, [](char c) { return c == ' '; });
  if (blank || value.size() > max_bytes || control) {
    return fail(
        "registry.invalid_" + std::string(field),
        std::string(field) + ": 1 to " + std::to_string(max_bytes) + " bytes without control characters");
  }
  return ok();
}

}  // namespace sw::registry

// ---- registry details (N2.6, N7.5, N8.1, N8.2, N4.1) ----------------------------------------------

namespace sw::registry {
namespace {

bool is_upper_or_digit(char c) { return is_digit(c) || (c >= 'A' && c <= 'Z'); }
// Lead byte of a three-byte UTF-8 sequence in the CJK ranges (U+3000..U+9FFF, U+FF00..U+FFEF).
bool is_cjk_lead(unsigned char c) { return c >= 0xE3 && c <= 0xE9; }

// Walks `text` as ASCII accepted by `ascii_ok` plus CJK characters (well-formed 3-byte UTF-8).
template <class Pred>
bool ascii_or_cjk(std::string_view text, Pred ascii_ok) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (!ascii_ok(static_cast<char>(c))) return false;
      ++i;
      continue;
    }
    const bool fullwidth = c == 0xEF && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0xBF;
    if ((!is_cjk_lead(c) && !fullwidth) || i + 3 > text.size()) return false;
    for (std::size_t k = 1; k < 3; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += 3;
  }
  return true;
}

}  // namespace

Status validate_date(std::string_view field, std::string_view date) {
  const auto bad = [&] {
    return fail("registry.invalid_" + std::string(field),
                std::string(field) + ": a date YYYY-MM-DD (got \"" + std::string(date.substr(0, 32)) + "\")");
  };
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return bad();
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!is_digit(date[i])) return bad();
  }
  const int y = std::stoi(std::string(date.substr(0, 4)));
  const unsigned m = static_cast<unsigned>(std::stoi(std::string(date.substr(5, 2))));
  const unsigned d = static_cast<unsigned>(std::stoi(std::string(date.substr(8, 2))));
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  if (!ymd.ok() || y < kMinYear || y > kMaxYear) return bad();
  return ok();
}

// GB 32100-2015: 18 characters of 0-9 and A-Z without I O Z S V; the last is a check character
// (weights 3^i mod 31). Kept here rather than review's is_credit_code: the registry sits below
// review in the module order, and an all-digit code (some institutions) is valid here.
Status validate_uscc(std::string_view code) {
  static constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  static constexpr std::array<int, 17> kWeights = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
  const auto bad = [&](std::string_view why) {
    return fail("registry.invalid_uscc", "uscc: " + std::string(why));
  };
  if (code.size() != 18) return bad("18 characters (统一社会信用代码)");
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) {
    const auto v = kAlphabet.find(code[i]);
    if (v == std::string_view::npos) return bad("only 0-9 and capital letters other than I O Z S V");
    sum += static_cast<int>(v) * kWeights[i];
  }
  const int check = (31 - sum % 31) % 31;
  if (code[17] != kAlphabet[static_cast<std::size_t>(check)]) return bad("the check character does not match");
  return ok();
}

Status validate_feature(std::string_view feature) {
  static constexpr std::string_view kNamed[] = {"interaction", "blog", "forum", "search"};
  if (std::ranges::find(kNamed, feature) != std::end(kNamed)) return ok();
  if (feature.starts_with("column:")) {
    const std::string_view id = feature.substr(7);
    if (!id.empty() && id.size() <= 18 && id[0] != '0' && std::ranges::all_of(id, is_digit)) return ok();
  }
  return fail("registry.invalid_feature",
              "feature: one of interaction, blog, forum, search or column:<id> (got \"" +
                  std::string(feature.substr(0, 64)) + "\")");
}

Status validate_grading_filing(std::string_view number) {
  const bool ok_chars = ascii_or_cjk(number, [](char c) { return is_upper_or_digit(c) || (c >= 'a' && c <= 'z') || c == '-'; });
  if (number.empty() || number.size() > kMaxGradingFiling || !ok_chars) {
    return fail("registry.invalid_filing_number",
                "filing_number: 1 to 64 bytes of 0-9 A-Z a-z '-' and Chinese characters (公安备案号)");
  }
  return ok();
}

Status validate_certificate(std::string_view number) {
  const bool ok_chars = ascii_or_cjk(number, [](char c) {
    return is_upper_or_digit(c) || (c >= 'a' && c <= 'z') || c == '-' || c == '/' || c == '(' || c == ')';
  });
  if (number.size() > kMaxCertificate || !ok_chars) {
    return fail("registry.invalid_certificate",
                "certificate: up to 64 bytes of 0-9 A-Z a-z - / ( ) and Chinese characters");
  }
  return ok();
}

}  // namespace sw::registry
