// The article body sanitiser (N7.3, N3.1): gumbo parses the fragment, a walk over the tree keeps what the
// allowlist allows and writes it out itself — text and attribute values escaped, values always
// double-quoted — and the output is sanitised again until it comes back unchanged (mutation XSS: markup
// whose meaning changes when it is parsed a second time). docs/modules/content.md.
#include "content/sanitiser.h"

#include <fmt/format.h>
#include <gumbo.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "review/gumbo_arena.h"

namespace sw::content {
namespace {

constexpr int kMaxRounds = 4;  // sanitise rounds looking for the fixed point

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

std::string trimmed(std::string_view s) {
  const std::size_t begin = std::min(s.find_first_not_of(" \t\r\n\f"), s.size());
  const std::size_t end = s.find_last_not_of(" \t\r\n\f") + 1;
  return std::string(s.substr(begin, end > begin ? end - begin : 0));
}

// ---- elements and attributes that are never emitted, whatever the options say ----

// Dropped with everything inside: code, styling that can carry code, frames, plugins, foreign content
// (svg, math — the home of most mutation-XSS shapes), inert containers whose content a browser parses
// differently (noscript, template), forms and their controls, document-level elements.
bool is_dropped_with_content(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_SCRIPT:   case GUMBO_TAG_STYLE:    case GUMBO_TAG_IFRAME:   case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_EMBED:    case GUMBO_TAG_APPLET:   case GUMBO_TAG_PARAM:    case GUMBO_TAG_SVG:
    case GUMBO_TAG_MATH:     case GUMBO_TAG_TEMPLATE: case GUMBO_TAG_NOSCRIPT: case GUMBO_TAG_NOEMBED:
    case GUMBO_TAG_NOFRAMES: case GUMBO_TAG_FRAME:    case GUMBO_TAG_FRAMESET: case GUMBO_TAG_FORM:
    case GUMBO_TAG_INPUT:    case GUMBO_TAG_BUTTON:   case GUMBO_TAG_SELECT:   case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_OPTION:   case GUMBO_TAG_OPTGROUP: case GUMBO_TAG_DATALIST: case GUMBO_TAG_KEYGEN:
    case GUMBO_TAG_OUTPUT:   case GUMBO_TAG_ISINDEX:  case GUMBO_TAG_BASE:     case GUMBO_TAG_META:
    case GUMBO_TAG_LINK:     case GUMBO_TAG_TITLE:    case GUMBO_TAG_HEAD:     case GUMBO_TAG_XMP:
    case GUMBO_TAG_PLAINTEXT: case GUMBO_TAG_COLGROUP: case GUMBO_TAG_COL:     case GUMBO_TAG_BGSOUND:
      return true;
    default:
      return false;
  }
}

bool is_void(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_AREA: case GUMBO_TAG_BASE:  case GUMBO_TAG_BR:     case GUMBO_TAG_COL:
    case GUMBO_TAG_EMBED: case GUMBO_TAG_HR:   case GUMBO_TAG_IMG:    case GUMBO_TAG_INPUT:
    case GUMBO_TAG_LINK: case GUMBO_TAG_META:  case GUMBO_TAG_PARAM:  case GUMBO_TAG_SOURCE:
    case GUMBO_TAG_TRACK: case GUMBO_TAG_WBR:  case GUMBO_TAG_IMAGE:  case GUMBO_TAG_KEYGEN:
    case GUMBO_TAG_BASEFONT: case GUMBO_TAG_BGSOUND: case GUMBO_TAG_FRAME: case GUMBO_TAG_MENUITEM:
      return true;
    default:
      return false;
  }
}

// Attributes that run code, load frames or resources past the URL rules, or change how the page is
// read. An allowlist could not let them through by mistake: this is checked first.
bool is_forbidden_attribute(std::string_view name) {
  if (name.size() >= 2 && name.substr(0, 2) == "on") return true;  // every event handler
  if (name.starts_with("xlink:") || name.starts_with("xmlns")) return true;
  for (std::string_view forbidden : {"srcdoc", "srcset", "formaction", "action", "sandbox", "background",
                                     "poster", "dynsrc", "lowsrc", "codebase", "data", "http-equiv", "is"}) {
    if (name == forbidden) return true;
  }
  return false;
}

// ---- the guard before parsing ----

bool is_raw_text(std::string_view name) {
  for (std::string_view raw : {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"}) {
    if (name == raw) return true;
  }
  return false;
}

bool is_formatting(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_A: case GUMBO_TAG_B: case GUMBO_TAG_BIG: case GUMBO_TAG_CODE: case GUMBO_TAG_EM:
    case GUMBO_TAG_FONT: case GUMBO_TAG_I: case GUMBO_TAG_NOBR: case GUMBO_TAG_S: case GUMBO_TAG_SMALL:
    case GUMBO_TAG_STRIKE: case GUMBO_TAG_STRONG: case GUMBO_TAG_TT: case GUMBO_TAG_U:
      return true;
    default:
      return false;
  }
}

// Start tags that close an open element of the same family without an end tag (p, li, td ...).
GumboTag self_closing_family(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_P: case GUMBO_TAG_LI: case GUMBO_TAG_TR: case GUMBO_TAG_OPTION: return tag;
    case GUMBO_TAG_DT: case GUMBO_TAG_DD: return GUMBO_TAG_DT;
    case GUMBO_TAG_TD: case GUMBO_TAG_TH: return GUMBO_TAG_TD;
    case GUMBO_TAG_THEAD: case GUMBO_TAG_TBODY: case GUMBO_TAG_TFOOT: return GUMBO_TAG_TBODY;
    default: return GUMBO_TAG_LAST;
  }
}

// An estimate, erring high, of how deep gumbo's tree will nest, so that markup gumbo would take seconds
// to parse is refused before it does. Formatting elements closed by anything but their own end tag
// stay counted: the parser reopens them at the next text ("<b><i>x</b>" repeated nests ever deeper),
// up to three identical ones (the parser's "Noah's Ark" clause). Elements closed implicitly by a sibling
// (p, li, td ...) are closed as the parser does, without looking for scope boundaries.
class DepthEstimate {
 public:
  void start_tag(GumboTag tag, std::string_view attributes) {
    if (tag == GUMBO_TAG_HTML || tag == GUMBO_TAG_BODY || is_void(tag)) return;
    if (const GumboTag family = self_closing_family(tag); family != GUMBO_TAG_LAST) close_family(family);
    open_.push_back({tag, std::string(attributes)});
    peak_ = std::max(peak_, depth());
  }

  void end_tag(GumboTag tag) {
    for (std::size_t i = open_.size(); i-- > 0;) {
      if (open_[i].tag == tag) return pop_to(i);
    }
    for (std::size_t i = reopened_.size(); i-- > 0;) {
      if (reopened_[i].tag == tag) {
        reopened_.erase(reopened_.begin() + static_cast<long>(i));
        return;
      }
    }
  }

  std::size_t peak() const { return peak_; }

 private:
  struct Open {
    GumboTag tag;
    std::string attributes;
  };

  std::size_t depth() const { return open_.size() + reopened_.size(); }

  // Closes the open element of `family`, looking no further than the element that scopes it (the
  // table for td, tr; the list for li ...): a nested table's row never closes the outer table's row.
  void close_family(GumboTag family) {
    for (std::size_t i = open_.size(); i-- > 0;) {
      if (self_closing_family(open_[i].tag) == family) return pop_to(i);
      if (scopes(family, open_[i].tag)) return;
    }
  }

  static bool scopes(GumboTag family, GumboTag open) {
    if (open == GUMBO_TAG_TABLE || open == GUMBO_TAG_TEMPLATE) return true;
    if (family == GUMBO_TAG_TD || family == GUMBO_TAG_TR || family == GUMBO_TAG_TBODY) return false;
    switch (open) {
      case GUMBO_TAG_TD: case GUMBO_TAG_TH: case GUMBO_TAG_CAPTION: case GUMBO_TAG_BUTTON:
      case GUMBO_TAG_OBJECT: case GUMBO_TAG_MARQUEE: case GUMBO_TAG_APPLET: case GUMBO_TAG_SELECT:
        return true;
      case GUMBO_TAG_UL: case GUMBO_TAG_OL:
        return family == GUMBO_TAG_LI;
      case GUMBO_TAG_DL:
        return family == GUMBO_TAG_DT;
      default:
        return false;
    }
  }

  // Pops open_[at] and above; the formatting elements among them will be reopened by the parser.
  void pop_to(std::size_t at) {
    for (std::size_t i = at + 1; i < open_.size(); ++i) {
      if (!is_formatting(open_[i].tag)) continue;
      const auto identical = std::count_if(reopened_.begin(), reopened_.end(), [&](const Open& other) {
        return other.tag == open_[i].tag && other.attributes == open_[i].attributes;
      });
      if (identical < 3) reopened_.push_back(open_[i]);
    }
    open_.resize(at);
  }

  std::vector<Open> open_;
  std::vector<Open> reopened_;
  std::size_t peak_ = 0;
};

// Reads tags as gumbo's tokenizer does, simplified: comments and raw text (script, style ...) skipped,
// quoted attribute values skipped. Refuses too many tags or too deep an estimate.
Status check_markup(std::string_view html) {
  DepthEstimate estimate;
  std::size_t tags = 0;
  std::size_t at = 0;
  while ((at = html.find('<', at)) != std::string_view::npos && at + 1 < html.size()) {
    const char next = html[at + 1];
    if (html.substr(at, 4) == "<!--") {
      const std::size_t end = html.find("-->", at + 4);
      at = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    const bool end_tag = next == '/';
    const std::size_t name_start = at + (end_tag ? 2 : 1);
    if (name_start >= html.size() || !is_letter(html[name_start])) {
      ++at;
      continue;
    }
    std::size_t i = name_start;
    while (i < html.size() && !is_space(html[i]) && html[i] != '>' && html[i] != '/') ++i;
    const std::string name = lowered(html.substr(name_start, i - name_start));
    const std::size_t attributes_start = i;
    while (i < html.size() && html[i] != '>') {
      if (html[i] == '"' || html[i] == '\'') {
        const std::size_t close = html.find(html[i], i + 1);
        i = close == std::string_view::npos ? html.size() : close;
      }
      ++i;
    }
    const GumboTag tag = gumbo_tagn_enum(name.data(), static_cast<unsigned>(name.size()));
    at = std::min(i + 1, html.size());
    if (++tags > kMaxBodyTags) {
      return fail("content.too_large", fmt::format("the body has more than {} tags (kMaxBodyTags)", kMaxBodyTags));
    }
    if (end_tag) {
      estimate.end_tag(tag);
      continue;
    }
    estimate.start_tag(tag, html.substr(attributes_start, i - attributes_start));
    if (estimate.peak() > kMaxBodyNesting) {
      return fail("content.too_deep", fmt::format("the body nests elements deeper than {} (kMaxBodyNesting) "
                                                  "before byte {}", kMaxBodyNesting, at));
    }
    if (name == "plaintext") break;
    if (is_raw_text(name)) {
      const std::string close = "</" + name;
      std::size_t end = at;
      while ((end = html.find("</", end)) != std::string_view::npos &&
             lowered(html.substr(end, close.size())) != close) {
        end += 2;
      }
      at = end == std::string_view::npos ? html.size() : end;
    }
  }
  return ok();
}

// ---- URLs ----

enum class UrlUse { kLink, kImage, kFrame };

bool is_scheme_char(char c) { return is_letter(c) || is_digit(c) || c == '+' || c == '-' || c == '.'; }

bool is_hex_lower(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); });
}

bool is_base64(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return is_letter(c) || is_digit(c) || c == '+' || c == '/' || c == '=';
  });
}

struct CheckedUrl {
  std::string url;     // the URL to emit, when accepted
  std::string reason;  // why it was refused ("javascript: URL"), empty when accepted
};

// The URL as a browser reads it (gumbo has already decoded entities): leading and trailing spaces and
// control characters stripped, tabs and newlines removed anywhere ("java\tscript:"); any other control
// character or a backslash (read as "/" by browsers) refuses it.
CheckedUrl clean_url(std::string_view value) {
  std::size_t begin = 0;
  std::size_t end = value.size();
  auto strippable = [](char c) { return static_cast<unsigned char>(c) <= 0x20; };
  while (begin < end && strippable(value[begin])) ++begin;
  while (end > begin && strippable(value[end - 1])) --end;
  CheckedUrl checked;
  for (char c : value.substr(begin, end - begin)) {
    if (c == '\t' || c == '\n' || c == '\r') continue;
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return {{}, "URL with control characters"};
    if (c == '\\') return {{}, "URL with a backslash"};
    checked.url += c;
  }
  return checked;
}

// "https", "javascript" ...; "" for a relative URL; nullopt-like "?" when text before the first ':'
// (and before any '/', '?', '#') is not a scheme — refused, as browsers disagree on such URLs.
std::string scheme_of(std::string_view url) {
  const std::size_t end = url.find_first_of(":/?#");
  if (end == std::string_view::npos || url[end] != ':') return "";
  const std::string_view scheme = url.substr(0, end);
  if (scheme.empty() || !is_letter(scheme[0]) || !std::all_of(scheme.begin(), scheme.end(), is_scheme_char)) {
    return "?";
  }
  return lowered(scheme);
}

bool is_data_image(std::string_view url) {
  const std::size_t comma = url.find(',');
  if (comma == std::string_view::npos) return false;
  const std::string head = lowered(url.substr(0, comma));
  for (std::string_view type : {"data:image/png;base64", "data:image/jpeg;base64", "data:image/gif;base64",
                                "data:image/webp;base64"}) {
    if (head == type) return is_base64(url.substr(comma + 1));
  }
  return false;
}

CheckedUrl check_url(std::string_view value, UrlUse use, const SanitiseOptions& options) {
  CheckedUrl checked = clean_url(value);
  if (!checked.reason.empty()) return checked;
  const std::string& url = checked.url;
  const std::string scheme = scheme_of(url);
  auto refuse = [&](std::string reason) { return CheckedUrl{{}, std::move(reason)}; };
  if (scheme == "?") return refuse("URL with an unreadable scheme");
  if (use == UrlUse::kFrame) {
    if (scheme != "https" || !url.starts_with("https://")) return refuse(scheme.empty() ? "relative URL" : scheme + ": URL");
    const std::string_view rest = std::string_view(url).substr(8);
    const std::string host = lowered(rest.substr(0, std::min(rest.find_first_of("/?#"), rest.size())));
    if (!options.allowed_iframe_hosts.contains(host)) return refuse(fmt::format("host {} not allowed", host));
    return checked;
  }
  if (use == UrlUse::kImage) {
    if (options.images_from_media_only) {
      const std::string_view id = std::string_view(url).substr(std::min(url.size(), options.media_prefix.size()));
      if (!url.starts_with(options.media_prefix) || id.size() < 16 || id.size() > 128 || !is_hex_lower(id)) {
        return refuse("image not from our media store");
      }
      return checked;
    }
    if (scheme == "data" && options.allow_data_images && is_data_image(url)) return checked;
    if (scheme.empty() || scheme == "http" || scheme == "https") return checked;
    return refuse(scheme + ": URL");
  }
  if (scheme.empty() || scheme == "http" || scheme == "https" || scheme == "mailto" || scheme == "tel") {
    return checked;
  }
  return refuse(scheme + ": URL");
}

// ---- attribute rules ----

bool is_small_number(std::string_view value) {
  return !value.empty() && value.size() <= 4 && std::all_of(value.begin(), value.end(), is_digit);
}

// style="text-align: X" only; every other declaration dropped. Returns the canonical value or "".
std::string text_align(std::string_view style) {
  std::string kept;
  std::size_t start = 0;
  while (start <= style.size()) {
    std::size_t end = style.find(';', start);
    if (end == std::string_view::npos) end = style.size();
    const std::string_view declaration = style.substr(start, end - start);
    const std::size_t colon = declaration.find(':');
    if (colon != std::string_view::npos && lowered(trimmed(declaration.substr(0, colon))) == "text-align") {
      const std::string value = lowered(trimmed(declaration.substr(colon + 1)));
      if (value == "left" || value == "right" || value == "center" || value == "justify") kept = value;
    }
    start = end + 1;
  }
  return kept.empty() ? "" : "text-align: " + kept;
}

bool only_text_align(std::string_view style, std::string_view kept) {
  std::string rest = lowered(style);
  std::erase_if(rest, [](char c) { return is_space(c) || c == ';'; });
  std::string canonical(kept);
  std::erase(canonical, ' ');
  return rest == canonical;
}

// ---- the walk ----

void escape_into(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
}

std::string tag_name(const GumboElement& element) {
  if (element.tag != GUMBO_TAG_UNKNOWN) return gumbo_normalized_tagname(element.tag);
  GumboStringPiece original = element.original_tag;
  gumbo_tag_from_original_text(&original);
  std::string name = lowered(std::string_view(original.data, original.length));
  std::erase_if(name, [](char c) { return !(is_letter(c) || is_digit(c) || c == '-' || c == ':'); });
  return name;
}

// Keeps the removals in order of first appearance with a count.
class Removals {
 public:
  void add(std::string what) {
    for (auto& [seen, count] : entries_) {
      if (seen == what) {
        ++count;
        return;
      }
    }
    entries_.emplace_back(std::move(what), 1);
  }

  std::vector<std::string> list() const {
    std::vector<std::string> out;
    for (const auto& [what, count] : entries_) {
      out.push_back(count > 1 ? fmt::format("{} (×{})", what, count) : what);
    }
    return out;
  }

 private:
  std::vector<std::pair<std::string, std::size_t>> entries_;
};

class Serialiser {
 public:
  Serialiser(const SanitiseOptions& options, Removals& removals) : options_(options), removals_(removals) {}

  Status children(const GumboNode& parent, std::size_t depth) {
    const GumboVector& nodes = parent.v.element.children;
    for (unsigned i = 0; i < nodes.length; ++i) SW_CHECK(node(*static_cast<const GumboNode*>(nodes.data[i]), depth));
    return ok();
  }

  std::string take() { return std::move(out_); }

 private:
  Status node(const GumboNode& node, std::size_t depth) {
    switch (node.type) {
      case GUMBO_NODE_TEXT:
      case GUMBO_NODE_WHITESPACE:
        escape_into(out_, node.v.text.text);
        return ok();
      case GUMBO_NODE_CDATA:
        removals_.add("CDATA section");
        return ok();
      case GUMBO_NODE_COMMENT:
        removals_.add("comment");
        return ok();
      case GUMBO_NODE_ELEMENT:
      case GUMBO_NODE_TEMPLATE:
        return element(node, depth + 1);
      default:
        return ok();
    }
  }

  Status element(const GumboNode& node, std::size_t depth) {
    if (depth > kMaxBodyNesting) {
      return fail("content.too_deep", fmt::format("the body nests elements deeper than {} (kMaxBodyNesting)",
                                                  kMaxBodyNesting));
    }
    const GumboElement& element = node.v.element;
    const std::string name = tag_name(element);
    if (element.tag_namespace != GUMBO_NAMESPACE_HTML || node.type == GUMBO_NODE_TEMPLATE) {
      removals_.add(fmt::format("<{}> element", name));  // svg, math and everything inside them
      return ok();
    }
    if (element.tag == GUMBO_TAG_IFRAME) return iframe(element, name);
    if (is_dropped_with_content(element.tag)) {
      removals_.add(fmt::format("<{}> element", name));
      return ok();
    }
    const auto allowed = options_.elements.find(name);
    if (allowed == options_.elements.end() || name.empty()) {
      removals_.add(fmt::format("<{}> tag (content kept)", name));
      return children(node, depth);
    }
    out_ += '<';
    out_ += name;
    attributes(element, name, allowed->second);
    out_ += '>';
    if (is_void(element.tag)) return ok();
    // The parser drops a newline just after <pre>: one in the text must be written twice to survive.
    if (element.tag == GUMBO_TAG_PRE && element.children.length > 0) {
      const auto* first = static_cast<const GumboNode*>(element.children.data[0]);
      if ((first->type == GUMBO_NODE_TEXT || first->type == GUMBO_NODE_WHITESPACE) && first->v.text.text[0] == '\n') {
        out_ += '\n';
      }
    }
    SW_CHECK(children(node, depth));
    out_ += "</" + name + ">";
    return ok();
  }

  // N7.3: a frame only from an allowed host over https, always sandboxed, never with srcdoc.
  Status iframe(const GumboElement& element, const std::string& name) {
    const GumboAttribute* src = gumbo_get_attribute(&element.attributes, "src");
    if (options_.allowed_iframe_hosts.empty() || src == nullptr) {
      removals_.add("<iframe> element");
      return ok();
    }
    const CheckedUrl url = check_url(src->value, UrlUse::kFrame, options_);
    if (!url.reason.empty()) {
      removals_.add(fmt::format("<iframe> element ({})", url.reason));
      return ok();
    }
    out_ += "<iframe src=\"";
    escape_into(out_, url.url);
    out_ += '"';
    const auto allowed = options_.elements.find(name);
    for (unsigned i = 0; i < element.attributes.length; ++i) {
      const auto& attribute = *static_cast<const GumboAttribute*>(element.attributes.data[i]);
      const std::string_view attribute_name = attribute.name;
      if (attribute_name == "src") continue;
      if (attribute_name == "sandbox") continue;  // replaced by ours
      const bool kept = allowed != options_.elements.end() && allowed->second.contains(attribute_name) &&
                        !is_forbidden_attribute(attribute_name) &&
                        ((attribute_name != "width" && attribute_name != "height") ||
                         is_small_number(attribute.value));
      if (!kept) {
        removals_.add(fmt::format("{} attribute on <iframe>", attribute_name));
        continue;
      }
      emit_attribute(attribute_name, attribute.value);
    }
    emit_attribute("sandbox", options_.iframe_sandbox);
    out_ += "></iframe>";
    return ok();
  }

  void emit_attribute(std::string_view name, std::string_view value) {
    out_ += ' ';
    out_ += name;
    out_ += "=\"";
    escape_into(out_, value);
    out_ += '"';
  }

  void attributes(const GumboElement& element, const std::string& tag, const NameSet& allowed) {
    bool blank_target = false;
    for (unsigned i = 0; i < element.attributes.length; ++i) {
      const auto& attribute = *static_cast<const GumboAttribute*>(element.attributes.data[i]);
      const std::string_view name = attribute.name;
      const std::string_view value = attribute.value;
      auto drop = [&](std::string_view why = {}) {
        removals_.add(why.empty() ? fmt::format("{} attribute on <{}>", name, tag)
                                  : fmt::format("{} in <{} {}>", why, tag, name));
      };
      if (name == "rel" && tag == "a") {
        if (value != "noopener noreferrer") drop();  // ours, written with target="_blank"
        continue;
      }
      if (is_forbidden_attribute(name) || !allowed.contains(name)) {
        drop();
        continue;
      }
      if (name == "href" || name == "src") {
        const CheckedUrl url = check_url(value, name == "src" ? UrlUse::kImage : UrlUse::kLink, options_);
        if (!url.reason.empty()) {
          drop(url.reason);
          continue;
        }
        emit_attribute(name, url.url);
      } else if (name == "target") {
        if (lowered(trimmed(value)) != "_blank") {
          drop();
          continue;
        }
        emit_attribute(name, "_blank");
        blank_target = true;
      } else if (name == "style") {
        const std::string kept = text_align(value);
        if (kept.empty()) {
          drop();
          continue;
        }
        if (!only_text_align(value, kept)) removals_.add(fmt::format("style other than text-align on <{}>", tag));
        emit_attribute(name, kept);
      } else if (name == "class") {
        classes(tag, value);
      } else if (name == "colspan" || name == "rowspan" || name == "width" || name == "height" || name == "start") {
        if (!is_small_number(trimmed(value))) {
          drop();
          continue;
        }
        emit_attribute(name, trimmed(value));
      } else {
        emit_attribute(name, value);
      }
    }
    if (blank_target) emit_attribute("rel", "noopener noreferrer");  // the opened page cannot reach ours
  }

  void classes(const std::string& tag, std::string_view value) {
    std::string kept;
    std::size_t start = 0;
    bool dropped = false;
    while (start < value.size()) {
      std::size_t end = value.find_first_of(" \t\r\n\f", start);
      if (end == std::string_view::npos) end = value.size();
      const std::string_view one = value.substr(start, end - start);
      if (!one.empty()) {
        if (options_.allowed_classes.contains(one)) {
          if (!kept.empty()) kept += ' ';
          kept += one;
        } else {
          dropped = true;
        }
      }
      start = end + 1;
    }
    if (dropped) removals_.add(fmt::format("class names not allowed on <{}>", tag));
    if (!kept.empty()) emit_attribute("class", kept);
  }

  const SanitiseOptions& options_;
  Removals& removals_;
  std::string out_;
};

// One round: guard, parse as the content of a <div>, write out what is allowed.
Result<std::string> sanitise_once(std::string_view html, const SanitiseOptions& options, Removals& removals) {
  SW_CHECK(check_markup(html));
  review::GumboArena arena;  // freed without recursion however deep the tree
  GumboOptions gumbo = arena.options();
  gumbo.fragment_context = GUMBO_TAG_DIV;
  gumbo.fragment_namespace = GUMBO_NAMESPACE_HTML;
  const GumboOutput* output = gumbo_parse_with_options(&gumbo, html.data(), html.size());
  Serialiser serialiser(options, removals);
  SW_CHECK(serialiser.children(*output->root, 0));  // the fragment's nodes are children of <html>
  return serialiser.take();
}

}  // namespace

ElementAllowlist SanitiseOptions::default_elements() {
  ElementAllowlist elements;
  for (const char* name : {"p", "h1", "h2", "h3", "h4", "h5", "h6"}) elements[name] = {"style"};
  for (const char* name : {"br", "hr", "strong", "b", "em", "i", "u", "s", "sub", "sup", "blockquote", "ul", "li",
                           "thead", "tbody", "tfoot", "tr", "figure", "figcaption", "pre", "code", "caption"}) {
    elements[name] = {};
  }
  elements["div"] = {"style", "class"};
  elements["span"] = {"class"};
  elements["ol"] = {"start"};
  elements["table"] = {};
  elements["td"] = {"colspan", "rowspan", "style"};
  elements["th"] = {"colspan", "rowspan", "style"};
  elements["a"] = {"href", "title", "target"};
  elements["img"] = {"src", "alt", "title", "width", "height"};
  elements["iframe"] = {"width", "height", "title", "allowfullscreen"};
  return elements;
}

Result<SanitiseResult> sanitise_html(std::string_view html, const SanitiseOptions& options) {
  if (html.size() > kMaxBodyBytes) {
    return fail("content.too_large",
                fmt::format("the body is {} bytes, over {} (kMaxBodyBytes)", html.size(), kMaxBodyBytes));
  }
  Removals removals;
  SW_TRY(current, sanitise_once(html, options, removals));
  // Input that comes out unchanged is already the fixed point: sanitise_once is a function of its
  // input and the options, so another round would only repeat this one. A body stored by the editor
  // was sanitised when it was saved, so publishing it again (defence in depth) costs one parse, not two.
  if (current == html) return SanitiseResult{std::move(current), removals.list()};
  // The fixed point: what a browser parses from our output is what we wrote. Later rounds only ever
  // see allowlisted markup; a change there is the parser restructuring it (a heading in a heading ...).
  for (int round = 1; round < kMaxRounds; ++round) {
    SW_TRY(next, sanitise_once(current, options, removals));
    if (next == current) return SanitiseResult{std::move(current), removals.list()};
    current = std::move(next);
  }
  return fail("content.unstable", fmt::format("the body does not settle after {} sanitising rounds", kMaxRounds));
}

}  // namespace sw::content
