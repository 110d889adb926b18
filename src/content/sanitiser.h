// The article body sanitiser (issue 4; N7.3 防攻击, N3.1): body HTML from the editor is parsed with gumbo
// and written out again from an allowlist of elements, attributes and URL schemes, so a stored article
// can carry no script, event handler, javascript: URL, external frame or markup that changes meaning
// when a browser parses it again. Built on the parser, never on regexes. docs/modules/content.md.
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sw::content {

// Input over this many bytes is refused ("content.too_large").
inline constexpr std::size_t kMaxBodyBytes = 2u << 20;
// Elements open at once, in the parsed tree and as estimated before parsing ("content.too_deep").
// gumbo's time grows with the square of the depth; no real article nests deeper than a few dozen.
inline constexpr std::size_t kMaxBodyNesting = 256;
// Tags in one body ("content.too_large"): bounds gumbo's memory and time on dense markup.
inline constexpr std::size_t kMaxBodyTags = 100000;

using NameSet = std::set<std::string, std::less<>>;
using ElementAllowlist = std::map<std::string, NameSet, std::less<>>;  // element → its allowed attributes

// What may appear in a body. The defaults suit a union news article; a site may widen or narrow them,
// but some things are never emitted whatever the options say: script, style, object, embed, svg, math,
// template, noscript, forms and their controls, base, meta, link (dropped with their content);
// attributes starting with "on", srcdoc, srcset, formaction, xlink:*; URLs outside the schemes below.
struct SanitiseOptions {
  // Element name → the attributes it may keep. An element not listed is unwrapped (its children kept).
  // Attributes with rules of their own wherever they are allowed: href, src (URL rules below), target
  // (only "_blank", which adds rel="noopener noreferrer"), style (only text-align: left|right|center|
  // justify, rewritten as "text-align: X"), class (only names in allowed_classes), colspan, rowspan,
  // width, height, start (a number of 1–4 digits).
  ElementAllowlist elements = default_elements();
  // Class names span, div and p may carry (empty: class is always dropped).
  NameSet allowed_classes;
  // Hosts (lower case, exact, no port) an <iframe src="https://HOST/..."> may come from. Empty: no iframe.
  NameSet allowed_iframe_hosts;
  // The sandbox every allowed iframe gets, whatever the input said.
  std::string iframe_sandbox = "allow-scripts allow-same-origin allow-presentation";
  // <img src="data:image/(png|jpeg|gif|webp);base64,..."> kept (off: data: URLs are refused everywhere).
  bool allow_data_images = false;
  // Images only from our own blob store: src must be media_prefix followed by 16–128 lower-case hex
  // digits ("/media/3fa9…"). Off: any http, https or relative src.
  bool images_from_media_only = false;
  std::string media_prefix = "/media/";

  static ElementAllowlist default_elements();
};

struct SanitiseResult {
  std::string html;                  // the sanitised body: sanitise_html(html) gives html back unchanged
  std::vector<std::string> removed;  // what was removed and why, once each in order of first appearance,
                                     // with " (×N)" when it happened N > 1 times: "<script> element",
                                     // "onclick attribute on <img>", "javascript: URL in <a href>"
};

// Sanitises a body fragment (parsed as the content of a <div>). The result is a fixed point: its html
// sanitised again is the same html (checked, not assumed), which is what defeats mutation XSS.
// Errors: "content.too_large" (over kMaxBodyBytes or kMaxBodyTags), "content.too_deep" (over
// kMaxBodyNesting), "content.unstable" (no fixed point after a few rounds; not seen in practice).
Result<SanitiseResult> sanitise_html(std::string_view html, const SanitiseOptions& options = {});

}  // namespace sw::content
