// PageLinks: what the link check reads from one HTML page (issue 7, N3.6) — every link, image,
// stylesheet, script and frame it refers to with the text a reader sees for it, the page's <base>,
// and whether the page is a "not found" page served with status 200 (a soft 404).
//
// A pure function of the bytes (no I/O), safe on hostile input: gumbo parses into an arena and the
// tree is walked without recursion, so a deep page cannot exhaust the stack; at most kMaxLinks
// references and kMaxAnchorBytes of anchor text each are kept.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sw::monitor {

enum class RefKind { anchor, image, stylesheet, script, frame };

struct PageRef {
  std::string ref;     // as written in the attribute (resolve against base or the page URL)
  std::string anchor;  // the anchor's text, an image's alt, or "" (whitespace collapsed)
  RefKind kind = RefKind::anchor;
};

struct PageLinks {
  std::vector<PageRef> refs;
  std::string base;   // <base href>, "" when absent
  std::string title;  // <title> text
  std::string heading;  // the first <h1> text
  bool not_found_like = false;  // title or first heading says "not found" (English or Chinese)
};

inline constexpr std::size_t kMaxLinks = 20'000;
inline constexpr std::size_t kMaxAnchorBytes = 200;

PageLinks read_page_links(std::string_view html);

// True when `text` reads like a "page not found" message: 404, not found, 页面不存在, 找不到,
// 未找到, 页面已删除... (case-insensitive for English).
bool says_not_found(std::string_view text);

}  // namespace sw::monitor
