// PageLinks (page_links.h): links of a page by walking gumbo's tree with an explicit stack.
#include "monitor/page_links.h"

#include <gumbo.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

#include "review/gumbo_arena.h"

namespace sw::monitor {
namespace {

const char* attribute(const GumboElement& e, const char* name) {
  const GumboAttribute* a = gumbo_get_attribute(&e.attributes, name);
  return a ? a->value : nullptr;
}

// The text below a node (iteratively), whitespace collapsed, at most `limit` bytes.
std::string text_of(const GumboNode* root, std::size_t limit) {
  std::string out;
  std::vector<const GumboNode*> stack{root};
  while (!stack.empty() && out.size() < limit) {
    const GumboNode* n = stack.back();
    stack.pop_back();
    if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE || n->type == GUMBO_NODE_CDATA) {
      for (const char* c = n->v.text.text; *c != '\0' && out.size() < limit; ++c) {
        const bool space = std::isspace(static_cast<unsigned char>(*c));
        if (space && (out.empty() || out.back() == ' ')) continue;
        out.push_back(space ? ' ' : *c);
      }
    } else if (n->type == GUMBO_NODE_ELEMENT) {
      if (n->v.element.tag == GUMBO_TAG_IMG) {
        if (const char* alt = attribute(n->v.element, "alt")) {
          if (!out.empty() && out.back() != ' ') out.push_back(' ');
          out.append(alt, std::min(std::strlen(alt), limit - out.size()));
        }
      }
      const GumboVector& kids = n->v.element.children;
      for (unsigned i = kids.length; i > 0; --i) stack.push_back(static_cast<const GumboNode*>(kids.data[i - 1]));
    }
  }
  // Do not end inside a UTF-8 sequence: drop a last character whose bytes were cut.
  std::size_t start = out.size();
  while (start > 0 && out.size() - start < 4 && (static_cast<unsigned char>(out[start - 1]) & 0xC0) == 0x80) --start;
  if (start > 0) {
    const auto lead = static_cast<unsigned char>(out[start - 1]);
    const std::size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (out.size() - (start - 1) < need) out.resize(start - 1);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

void add_ref(PageLinks& page, const char* ref, std::string anchor, RefKind kind) {
  if (ref == nullptr || page.refs.size() >= kMaxLinks) return;
  page.refs.push_back({ref, std::move(anchor), kind});
}

}  // namespace

bool says_not_found(std::string_view text) {
  std::string lower(text);
  std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static constexpr std::array<std::string_view, 12> kSigns = {
      "404",    "not found",   "page cannot be found", "no longer available", "页面不存在", "找不到",
      "未找到", "页面已删除", "无法找到",             "不存在的页面",       "访问的页面不存在", "内容不存在"};
  // "404" only as a number of its own, and not as a page number: a page titled 第1404页, 第404页 or
  // "Page 404 of 900" (a long column's archive) is not a "not found" page.
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  auto ends_with = [&](std::size_t end, std::string_view what) {
    std::size_t e = end;
    while (e > 0 && lower[e - 1] == ' ') --e;
    return e >= what.size() && std::string_view(lower).substr(e - what.size(), what.size()) == what;
  };
  auto starts_with = [&](std::size_t from, std::string_view what) {
    std::size_t b = from;
    while (b < lower.size() && lower[b] == ' ') ++b;
    return std::string_view(lower).substr(b).starts_with(what);
  };
  for (auto at = lower.find("404"); at != std::string::npos; at = lower.find("404", at + 1)) {
    const bool before = at > 0 && is_digit(lower[at - 1]);
    const bool after = at + 3 < lower.size() && is_digit(lower[at + 3]);
    if (before || after) continue;
    const bool page_number = ends_with(at, "第") || ends_with(at, "page") || ends_with(at, "no.") ||
                             ends_with(at, "#") || starts_with(at + 3, "页") || starts_with(at + 3, "of ");
    if (!page_number) return true;
  }
  return std::ranges::any_of(kSigns, [&](std::string_view s) { return s != "404" && lower.find(s) != std::string::npos; });
}

PageLinks read_page_links(std::string_view html) {
  PageLinks page;
  review::GumboArena arena;
  GumboOptions options = arena.options();
  GumboOutput* out = gumbo_parse_with_options(&options, html.data(), html.size());
  if (out == nullptr) return page;
  std::vector<const GumboNode*> stack{out->root};
  while (!stack.empty()) {
    const GumboNode* n = stack.back();
    stack.pop_back();
    if (n->type != GUMBO_NODE_ELEMENT) continue;
    const GumboElement& e = n->v.element;
    switch (e.tag) {
      case GUMBO_TAG_A:
      case GUMBO_TAG_AREA:
        add_ref(page, attribute(e, "href"), text_of(n, kMaxAnchorBytes), RefKind::anchor);
        break;
      case GUMBO_TAG_IMG: {
        const char* alt = attribute(e, "alt");
        add_ref(page, attribute(e, "src"), alt ? std::string(alt).substr(0, kMaxAnchorBytes) : "", RefKind::image);
        break;
      }
      case GUMBO_TAG_LINK: {
        const char* rel = attribute(e, "rel");
        const std::string r = rel ? rel : "";
        if (r.find("stylesheet") != std::string::npos || r.find("icon") != std::string::npos) {
          add_ref(page, attribute(e, "href"), "", RefKind::stylesheet);
        }
        break;
      }
      case GUMBO_TAG_SCRIPT:
        add_ref(page, attribute(e, "src"), "", RefKind::script);
        break;
      case GUMBO_TAG_IFRAME:
      case GUMBO_TAG_FRAME:
        add_ref(page, attribute(e, "src"), "", RefKind::frame);
        break;
      case GUMBO_TAG_BASE:
        if (const char* href = attribute(e, "href"); href && page.base.empty()) page.base = href;
        break;
      case GUMBO_TAG_TITLE:
        if (page.title.empty()) page.title = text_of(n, 300);
        break;
      case GUMBO_TAG_H1:
        if (page.heading.empty()) page.heading = text_of(n, 300);
        break;
      default:
        break;
    }
    const GumboVector& kids = e.children;
    for (unsigned i = kids.length; i > 0; --i) stack.push_back(static_cast<const GumboNode*>(kids.data[i - 1]));
  }
  page.not_found_like = says_not_found(page.title) || says_not_found(page.heading);
  return page;
}

}  // namespace sw::monitor
