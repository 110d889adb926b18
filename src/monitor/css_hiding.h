// CssHiding: the little CSS the hidden-link check needs (issue 7, N5.3 暗链) — declarations of an
// inline style or a <style> block, rules with simple selectors (tag, .class, #id, tag.class, and the
// descendant combinator; '>' is read as a descendant, which can only find more), and whether a set of
// declarations hides what it applies to.
//
// It is not a CSS engine: no cascade by specificity (later rules and then the inline style win), no
// pseudo-classes, attribute selectors or media queries (rules using them are skipped, @-blocks are
// skipped whole). Safe on hostile input: linear scans, at most kMaxCssRules rules and
// kMaxCssDeclarations declarations per block are kept.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sw::monitor {

inline constexpr std::size_t kMaxCssRules = 2'000;
inline constexpr std::size_t kMaxCssDeclarations = 200;

// property (lowercase) → value (lowercase, trimmed, "!important" removed); later declarations win.
using CssDeclarations = std::map<std::string, std::string>;

CssDeclarations parse_declarations(std::string_view text);

// One compound selector: a tag ("" any), an id ("" any) and classes, all lowercase.
struct SimpleSelector {
  std::string tag;
  std::string id;
  std::vector<std::string> classes;
};

// A rule: the selector chain (ancestors first; the last one is the element) and its declarations.
struct CssRule {
  std::vector<SimpleSelector> chain;
  CssDeclarations declarations;
};

// The rules of a style sheet with a selector list split into one rule per selector.
std::vector<CssRule> parse_stylesheet(std::string_view css);

// What an element of the page is for selector matching.
struct ElementInfo {
  std::string tag;
  std::string id;
  std::vector<std::string> classes;
};

bool matches(const SimpleSelector& s, const ElementInfo& e);
// The chain matches `element` with `ancestors` (outermost first) as its ancestors.
bool matches(const CssRule& rule, const ElementInfo& element, const std::vector<ElementInfo>& ancestors);

// Why these declarations (of one element, its tag given) hide it and everything inside, or "" when
// they do not: "display:none", "visibility:hidden", "opacity:0", "font-size:0", "zero size with
// overflow hidden", "tiny box with overflow hidden", "positioned off-screen (left:-9999px)",
// "text-indent far negative", "tiny marquee". Colour is judged by the caller (it inherits).
std::string hiding_reason(const CssDeclarations& d, std::string_view tag);

// A colour in a comparable form: "#rrggbb" for #rgb, #rrggbb, rgb(), rgba() with alpha 1 and the
// common names; "" for what is not understood (transparent, currentcolor, var(), gradients...).
std::string normalise_colour(std::string_view value);

}  // namespace sw::monitor
