// Lookalike names (lookalike_names.h).
#include "monitor/lookalike_names.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <set>
#include <utility>

namespace sw::monitor {
namespace {

// Suffixes a union site's domain ends with, longest first; the TLD swaps are the first six.
constexpr std::array<std::string_view, 6> kSwapSuffixes = {"org", "org.cn", "cn", "com", "net", "com.cn"};
constexpr std::array<std::string_view, 12> kKnownSuffixes = {"org.cn", "com.cn", "gov.cn", "net.cn", "edu.cn",
                                                             "ac.cn",  "org",    "com",    "net",    "cn",
                                                             "gov",    "edu"};

// Letters next to each other on a QWERTY keyboard (lowercase letters and digits).
std::string_view neighbours(char c) {
  switch (c) {
    case 'q': return "wa"; case 'w': return "qes"; case 'e': return "wrd"; case 'r': return "etf";
    case 't': return "ryg"; case 'y': return "tuh"; case 'u': return "yij"; case 'i': return "uok";
    case 'o': return "ipl"; case 'p': return "o"; case 'a': return "qsz"; case 's': return "adw";
    case 'd': return "sfe"; case 'f': return "dgr"; case 'g': return "fht"; case 'h': return "gjy";
    case 'j': return "hku"; case 'k': return "jli"; case 'l': return "ko"; case 'z': return "xa";
    case 'x': return "zcs"; case 'c': return "xvd"; case 'v': return "cbf"; case 'b': return "vng";
    case 'n': return "bmh"; case 'm': return "nj";
    default: return "";
  }
}

// ASCII homoglyphs: what a glance takes for the same.
constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kHomoglyphs = {{
    {"o", "0"}, {"0", "o"}, {"l", "1"}, {"1", "l"}, {"i", "1"}, {"m", "rn"}, {"rn", "m"}, {"w", "vv"}, {"d", "cl"},
    {"g", "q"},
}};

// Cyrillic letters that look like Latin ones (UTF-8).
constexpr std::array<std::pair<char, std::string_view>, 8> kCyrillic = {{
    {'a', "\xD0\xB0"}, {'e', "\xD0\xB5"}, {'o', "\xD0\xBE"}, {'p', "\xD1\x80"}, {'c', "\xD1\x81"},
    {'x', "\xD1\x85"}, {'y', "\xD1\x83"}, {'i', "\xD1\x96"},
}};

// Pinyin initials and finals spelt alike by speakers of southern dialects (both ways).
constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kPinyin = {{
    {"zh", "z"}, {"ch", "c"}, {"sh", "s"}, {"ing", "in"}, {"eng", "en"}, {"ang", "an"},
    {"z", "zh"}, {"c", "ch"}, {"s", "sh"}, {"in", "ing"}, {"en", "eng"}, {"an", "ang"},
}};

bool valid_label(std::string_view l) {
  if (l.empty() || l.size() > 63 || l.front() == '-' || l.back() == '-') return false;
  if (l.size() >= 4 && l.substr(2, 2) == "--" && !l.starts_with("xn--")) return false;
  return std::ranges::all_of(l, [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

std::vector<std::uint32_t> code_points(std::string_view s) {
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = 0;
    std::size_t n = 0;
    if (c < 0x80) { cp = c; n = 1; }
    else if ((c >> 5) == 6) { cp = c & 0x1f; n = 2; }
    else if ((c >> 4) == 14) { cp = c & 0x0f; n = 3; }
    else if ((c >> 3) == 30) { cp = c & 0x07; n = 4; }
    else return {};
    if (i + n > s.size()) return {};
    for (std::size_t k = 1; k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 2) return {};
      cp = (cp << 6) | (cc & 0x3f);
    }
    out.push_back(cp);
    i += n;
  }
  return out;
}

}  // namespace

std::string punycode_label(std::string_view utf8) {
  const auto input = code_points(utf8);
  if (input.empty()) return "";
  if (std::ranges::all_of(input, [](std::uint32_t c) { return c < 0x80; })) return std::string(utf8);
  constexpr std::uint32_t base = 36, tmin = 1, tmax = 26, skew = 38, damp = 700;
  std::string out;
  for (std::uint32_t c : input) {
    if (c < 0x80) out += static_cast<char>(c);
  }
  const std::size_t basic = out.size();
  std::size_t handled = basic;
  if (basic > 0) out += '-';
  std::uint32_t n = 128, delta = 0, bias = 72;
  auto digit = [](std::uint32_t d) { return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26)); };
  auto adapt = [&](std::uint32_t d, std::uint32_t points, bool first) {
    d = first ? d / damp : d / 2;
    d += d / points;
    std::uint32_t k = 0;
    while (d > ((base - tmin) * tmax) / 2) {
      d /= base - tmin;
      k += base;
    }
    return k + (base - tmin + 1) * d / (d + skew);
  };
  while (handled < input.size()) {
    std::uint32_t m = UINT32_MAX;
    for (std::uint32_t c : input) {
      if (c >= n && c < m) m = c;
    }
    if ((m - n) > (UINT32_MAX - delta) / (handled + 1)) return "";
    delta += (m - n) * static_cast<std::uint32_t>(handled + 1);
    n = m;
    for (std::uint32_t c : input) {
      if (c < n && ++delta == 0) return "";
      if (c == n) {
        std::uint32_t q = delta;
        for (std::uint32_t k = base;; k += base) {
          const std::uint32_t t = k <= bias ? tmin : (k >= bias + tmax ? tmax : k - bias);
          if (q < t) break;
          out += digit(t + (q - t) % (base - t));
          q = (q - t) / (base - t);
        }
        out += digit(q);
        bias = adapt(delta, static_cast<std::uint32_t>(handled + 1), handled == basic);
        delta = 0;
        ++handled;
      }
    }
    ++delta;
    ++n;
  }
  return "xn--" + out;
}

DomainParts split_domain(std::string_view domain) {
  std::string d(domain);
  std::ranges::transform(d, d.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!d.empty() && d.back() == '.') d.pop_back();
  if (d.starts_with("www.")) d.erase(0, 4);
  DomainParts parts;
  for (std::string_view s : kKnownSuffixes) {
    if (d.size() > s.size() + 1 && d.ends_with(s) && d[d.size() - s.size() - 1] == '.') {
      parts.suffix = std::string(s);
      d.resize(d.size() - s.size() - 1);
      break;
    }
  }
  if (parts.suffix.empty()) {  // an unknown suffix: the last label
    const auto dot = d.rfind('.');
    if (dot == std::string::npos) return parts;
    parts.suffix = d.substr(dot + 1);
    d.resize(dot);
  }
  const auto dot = d.rfind('.');
  parts.label = dot == std::string::npos ? d : d.substr(dot + 1);
  parts.prefix = dot == std::string::npos ? "" : d.substr(0, dot + 1);
  return parts;
}

std::vector<Lookalike> lookalikes(std::string_view domain, std::size_t cap) {
  const DomainParts p = split_domain(domain);
  std::vector<Lookalike> out;
  if (p.label.empty() || cap == 0) return out;
  const std::string original = p.prefix + p.label + "." + p.suffix;
  std::set<std::string> seen{original};
  auto add = [&](const std::string& label, std::string_view suffix, std::string_view kind) {
    if (out.size() >= cap || !valid_label(label)) return;
    std::string name = p.prefix + label + "." + std::string(suffix);
    if (name.size() > 253 || !seen.insert(name).second) return;
    out.push_back({std::move(name), std::string(kind)});
  };
  const std::string& l = p.label;
  for (std::string_view s : kSwapSuffixes) add(l, s, "tld");
  for (const auto& [from, to] : kPinyin) {
    for (std::size_t at = l.find(from); at != std::string::npos; at = l.find(from, at + 1)) {
      // "z" → "zh" only where no h follows already (and likewise for c, s; in → ing, en → eng, an → ang).
      if (to.size() > from.size() && l.compare(at, to.size(), to) == 0) continue;
      std::string v = l;
      v.replace(at, from.size(), to);
      add(v, p.suffix, "pinyin");
    }
  }
  for (const auto& [from, to] : kHomoglyphs) {
    for (std::size_t at = l.find(from); at != std::string::npos; at = l.find(from, at + 1)) {
      std::string v = l;
      v.replace(at, from.size(), to);
      add(v, p.suffix, "homoglyph");
    }
  }
  for (std::size_t i = 0; i < l.size(); ++i) {
    for (const auto& [latin, cyr] : kCyrillic) {
      if (l[i] != latin) continue;
      std::string v = l.substr(0, i) + std::string(cyr) + l.substr(i + 1);
      add(punycode_label(v), p.suffix, "idn");
    }
  }
  for (std::size_t i = 0; i < l.size() && l.size() > 1; ++i) add(l.substr(0, i) + l.substr(i + 1), p.suffix, "omission");
  for (std::size_t i = 0; i + 1 < l.size(); ++i) {
    std::string v = l;
    std::swap(v[i], v[i + 1]);
    add(v, p.suffix, "transposition");
  }
  for (std::size_t i = 1; i < l.size(); ++i) add(l.substr(0, i) + "-" + l.substr(i), p.suffix, "hyphen");
  for (std::size_t i = 0; i < l.size(); ++i) add(l.substr(0, i + 1) + l.substr(i), p.suffix, "repetition");
  for (std::size_t i = 0; i < l.size(); ++i) {
    for (char n : neighbours(l[i])) {
      std::string v = l;
      v[i] = n;
      add(v, p.suffix, "adjacent");
    }
  }
  return out;
}

}  // namespace sw::monitor
