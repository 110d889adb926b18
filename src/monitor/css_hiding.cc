// CssHiding (css_hiding.h).
#include "monitor/css_hiding.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <optional>

namespace sw::monitor {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The text without /* comments */ (an unterminated comment runs to the end, as in CSS).
std::string strip_comments(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    if (s.compare(i, 2, "/*") == 0) {
      const std::size_t end = s.find("*/", i + 2);
      if (end == std::string_view::npos) break;
      i = end + 2;
      out.push_back(' ');
    } else {
      out.push_back(s[i++]);
    }
  }
  return out;
}

// A length in px: "0", "-9999px", "-100em" (16 px an em), "0.5pt"; nullopt for what is not a length.
std::optional<double> length_px(std::string_view v) {
  v = trim(v);
  if (v.empty()) return std::nullopt;
  double n = 0;
  const char* begin = v.data();
  const char* end = v.data() + v.size();
  if (*begin == '+') ++begin;
  auto [p, ec] = std::from_chars(begin, end, n);
  if (ec != std::errc()) return std::nullopt;
  const std::string_view unit = trim(std::string_view(p, static_cast<std::size_t>(end - p)));
  if (unit.empty() || unit == "px") return n;
  if (unit == "em" || unit == "rem") return n * 16;
  if (unit == "pt") return n * 4 / 3;
  if (unit == "%" || unit == "vw" || unit == "vh") return n == 0 ? std::optional<double>(0) : std::nullopt;
  if (unit == "cm") return n * 96 / 2.54;
  if (unit == "mm") return n * 96 / 25.4;
  if (unit == "in") return n * 96;
  return std::nullopt;
}

const std::string* get(const CssDeclarations& d, const char* key) {
  auto it = d.find(key);
  return it == d.end() ? nullptr : &it->second;
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}

// One selector of a list ("div.ad a", "#x > span"); nullopt when it uses what this reader skips.
std::optional<std::vector<SimpleSelector>> parse_selector(std::string_view text) {
  std::vector<SimpleSelector> chain;
  std::size_t i = 0;
  const std::string s = lower(trim(text));
  if (s.empty()) return std::nullopt;
  while (i < s.size()) {
    while (i < s.size() && (std::isspace(static_cast<unsigned char>(s[i])) || s[i] == '>')) ++i;
    if (i >= s.size()) break;
    SimpleSelector one;
    bool any = false;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])) && s[i] != '>') {
      const char c = s[i];
      if (c == '*') {
        ++i;
        any = true;
      } else if (c == '.' || c == '#') {
        std::size_t j = i + 1;
        while (j < s.size() && is_name_char(s[j])) ++j;
        if (j == i + 1) return std::nullopt;
        std::string name = s.substr(i + 1, j - i - 1);
        if (c == '.') {
          one.classes.push_back(std::move(name));
        } else {
          one.id = std::move(name);
        }
        i = j;
        any = true;
      } else if (is_name_char(c)) {
        std::size_t j = i;
        while (j < s.size() && is_name_char(s[j])) ++j;
        one.tag = s.substr(i, j - i);
        i = j;
        any = true;
      } else {
        return std::nullopt;  // :pseudo, [attr], + and ~ combinators
      }
    }
    if (!any) return std::nullopt;
    chain.push_back(std::move(one));
  }
  if (chain.empty()) return std::nullopt;
  return chain;
}

struct Named {
  const char* name;
  const char* hex;
};
constexpr std::array<Named, 20> kColours{{{"black", "#000000"},   {"white", "#ffffff"},  {"red", "#ff0000"},
                                          {"green", "#008000"},   {"blue", "#0000ff"},   {"yellow", "#ffff00"},
                                          {"gray", "#808080"},    {"grey", "#808080"},   {"silver", "#c0c0c0"},
                                          {"maroon", "#800000"},  {"navy", "#000080"},   {"purple", "#800080"},
                                          {"teal", "#008080"},    {"olive", "#808000"},  {"lime", "#00ff00"},
                                          {"aqua", "#00ffff"},    {"fuchsia", "#ff00ff"}, {"orange", "#ffa500"},
                                          {"whitesmoke", "#f5f5f5"}, {"lightgray", "#d3d3d3"}}};

}  // namespace

CssDeclarations parse_declarations(std::string_view text) {
  CssDeclarations out;
  const std::string s = strip_comments(text);
  std::string_view rest = s;
  std::size_t count = 0;
  while (!rest.empty() && count < kMaxCssDeclarations) {
    std::size_t semi = rest.find(';');
    std::string_view one = rest.substr(0, semi);
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    const std::size_t colon = one.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name = lower(trim(one.substr(0, colon)));
    std::string value = lower(trim(one.substr(colon + 1)));
    if (const auto bang = value.find("!important"); bang != std::string::npos) value = std::string(trim(value.substr(0, bang)));
    if (name.empty() || value.empty()) continue;
    out[std::move(name)] = std::move(value);
    ++count;
  }
  return out;
}

std::vector<CssRule> parse_stylesheet(std::string_view css) {
  std::vector<CssRule> rules;
  const std::string s = strip_comments(css);
  std::size_t i = 0;
  while (i < s.size() && rules.size() < kMaxCssRules) {
    const std::size_t open = s.find('{', i);
    if (open == std::string::npos) break;
    std::string_view prelude = trim(std::string_view(s).substr(i, open - i));
    // The block's end, nested braces counted (an @media block holds rules).
    std::size_t depth = 1;
    std::size_t j = open + 1;
    for (; j < s.size() && depth > 0; ++j) {
      if (s[j] == '{') ++depth;
      if (s[j] == '}') --depth;
    }
    const std::size_t close = depth == 0 ? j - 1 : s.size();
    // A stray "}" or ";" left before the prelude by a skipped construct.
    while (!prelude.empty() && (prelude.front() == '}' || prelude.front() == ';')) prelude = trim(prelude.substr(1));
    if (!prelude.empty() && prelude.front() != '@') {
      const CssDeclarations decls = parse_declarations(std::string_view(s).substr(open + 1, close - open - 1));
      std::string_view list = prelude;
      while (!list.empty() && rules.size() < kMaxCssRules) {
        const std::size_t comma = list.find(',');
        if (auto chain = parse_selector(list.substr(0, comma))) rules.push_back({std::move(*chain), decls});
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      }
    }
    i = close + 1;
  }
  return rules;
}

bool matches(const SimpleSelector& s, const ElementInfo& e) {
  if (!s.tag.empty() && s.tag != e.tag) return false;
  if (!s.id.empty() && s.id != e.id) return false;
  for (const std::string& c : s.classes) {
    if (std::find(e.classes.begin(), e.classes.end(), c) == e.classes.end()) return false;
  }
  return true;
}

bool matches(const CssRule& rule, const ElementInfo& element, const std::vector<ElementInfo>& ancestors) {
  if (rule.chain.empty() || !matches(rule.chain.back(), element)) return false;
  // Right to left, each earlier compound on the nearest ancestor that matches (greedy is exact for
  // descendant combinators).
  std::size_t need = rule.chain.size() - 1;
  std::size_t a = ancestors.size();
  while (need > 0 && a > 0) {
    if (matches(rule.chain[need - 1], ancestors[a - 1])) --need;
    --a;
  }
  return need == 0;
}

std::string hiding_reason(const CssDeclarations& d, std::string_view tag) {
  if (const auto* v = get(d, "display"); v && *v == "none") return "display:none";
  if (const auto* v = get(d, "visibility"); v && (*v == "hidden" || *v == "collapse")) return "visibility:" + *v;
  if (const auto* v = get(d, "opacity")) {
    if (auto n = length_px(*v); n && *n <= 0.01) return "opacity:0";
  }
  if (const auto* v = get(d, "font-size")) {
    if (auto n = length_px(*v); n && *n <= 1) return "font-size:" + *v;
  }
  const auto* overflow = get(d, "overflow");
  const bool clipped = overflow && (*overflow == "hidden" || *overflow == "clip");
  std::optional<double> width, height;
  if (const auto* v = get(d, "width")) width = length_px(*v);
  if (const auto* v = get(d, "height")) height = length_px(*v);
  if (clipped && ((width && *width <= 0) || (height && *height <= 0))) return "zero size with overflow hidden";
  if (clipped && ((width && *width <= 5) || (height && *height <= 5))) return "tiny box with overflow hidden";
  if (tag == "marquee" && ((width && *width <= 5) || (height && *height <= 5))) return "tiny marquee";
  if (const auto* pos = get(d, "position"); pos && (*pos == "absolute" || *pos == "fixed")) {
    for (const char* side : {"left", "top", "right", "bottom"}) {
      if (const auto* v = get(d, side)) {
        if (auto n = length_px(*v); n && *n <= -999) return "positioned off-screen (" + std::string(side) + ":" + *v + ")";
      }
    }
  }
  if (const auto* v = get(d, "text-indent")) {
    if (auto n = length_px(*v); n && *n <= -999) return "text-indent far negative (" + *v + ")";
  }
  return "";
}

std::string normalise_colour(std::string_view value) {
  const std::string v = lower(trim(value));
  auto hex2 = [](int n) {
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02x", n);
    return std::string(buf);
  };
  if (!v.empty() && v[0] == '#') {
    const std::string h = v.substr(1);
    if (!std::all_of(h.begin(), h.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) return "";
    if (h.size() == 3 || h.size() == 4) {
      if (h.size() == 4 && h[3] != 'f') return "";
      return std::string("#") + h[0] + h[0] + h[1] + h[1] + h[2] + h[2];
    }
    if (h.size() == 6) return "#" + h;
    if (h.size() == 8 && h.substr(6) == "ff") return "#" + h.substr(0, 6);
    return "";
  }
  if (v.starts_with("rgb(") || v.starts_with("rgba(")) {
    const std::size_t open = v.find('(');
    const std::size_t close = v.find(')', open);
    if (close == std::string::npos) return "";
    std::string inner = v.substr(open + 1, close - open - 1);
    std::replace(inner.begin(), inner.end(), ',', ' ');
    std::replace(inner.begin(), inner.end(), '/', ' ');
    int parts[4] = {0, 0, 0, 255};
    std::size_t n = 0;
    std::string_view rest = inner;
    while (n < 4) {
      rest = trim(rest);
      if (rest.empty()) break;
      double x = 0;
      auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), x);
      if (ec != std::errc()) return "";
      std::size_t used = static_cast<std::size_t>(p - rest.data());
      const bool percent = used < rest.size() && rest[used] == '%';
      if (percent) ++used;
      if (n == 3) {
        x = percent ? x / 100 : x;
        parts[3] = x >= 0.999 ? 255 : 0;
      } else {
        parts[n] = std::clamp(static_cast<int>(percent ? x * 255 / 100 + 0.5 : x + 0.5), 0, 255);
      }
      ++n;
      rest.remove_prefix(used);
    }
    if (n < 3 || parts[3] != 255) return "";
    return "#" + hex2(parts[0]) + hex2(parts[1]) + hex2(parts[2]);
  }
  for (const Named& c : kColours) {
    if (v == c.name) return c.hex;
  }
  return "";
}

}  // namespace sw::monitor
