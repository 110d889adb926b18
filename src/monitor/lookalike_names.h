// Lookalike names (issue 7, N5.3): the domains a counterfeiter would register to pass for a site —
// typos (omission, transposition, repetition, a neighbouring key), homoglyphs (0 for o, rn for m...,
// and Cyrillic letters that look Latin, as IDN punycode "xn--..."), TLD swaps among .org .org.cn .cn
// .com .net .com.cn, hyphenation, and pinyin spellings of the label (zh/z, ch/c, sh/s, ing/in,
// eng/en, ang/an both ways).
//
// A pure function of the name: deterministic order (TLD swaps, pinyin, homoglyphs, IDN, omission,
// transposition, hyphenation, repetition, adjacent keys), each candidate a valid lowercase DNS name
// (punycode for IDNs), the original and duplicates left out, at most `cap` of them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sw::monitor {

struct Lookalike {
  std::string domain;  // e.g. "jsgh.com", "xn--jsg-...org.cn"
  std::string kind;    // tld | pinyin | homoglyph | idn | omission | transposition | hyphen | repetition | adjacent
};

// The registrable part of a domain: "www.jsgh.org.cn" → label "jsgh", suffix "org.cn", prefix "" (a
// sub-label such as "nj." in "nj.jsgh.org.cn" is kept as prefix). Empty label when it has none.
struct DomainParts {
  std::string prefix;  // labels before the registrable label, with their dots ("" usually)
  std::string label;
  std::string suffix;
};
DomainParts split_domain(std::string_view domain);

std::vector<Lookalike> lookalikes(std::string_view domain, std::size_t cap);

// RFC 3492 Punycode of a label given in UTF-8, with the "xn--" prefix; "" when it cannot be encoded.
// A label of ASCII only comes back unchanged.
std::string punycode_label(std::string_view utf8);

}  // namespace sw::monitor
