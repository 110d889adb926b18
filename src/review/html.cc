// HTML extraction for the review scanner (N3.2, N3.4, N4.6): the text a reader of a page sees, one
// segment per block so words never join across paragraphs or table cells, and everything a reader does
// not see but a crawler or the next editor does — alt and title attributes, <meta> content, comments,
// hidden elements, hidden inputs, <noscript> and <template> — each with the place it came from.
// Hostile markup is bounded before gumbo sees it (nesting, amount of markup), and gumbo's tree lives in
// an arena freed in a loop, so no page can exhaust the stack, the memory or the time of the scanner.
// docs/modules/review.md "Extraction: text and HTML".
#include <fmt/format.h>
#include <gumbo.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "review/extract.h"
#include "review/gumbo_arena.h"

namespace sw::review {
namespace {

constexpr std::size_t kNpos = static_cast<std::size_t>(-1);
// Attribute values quoted in a locator are cut to this many bytes (at a character boundary).
constexpr std::size_t kMaxLocatorValue = 60;

// ---- tag classes ----

enum TagClass : unsigned char {
  kBlock = 1,        // a block boundary: text before and after it is never joined
  kVoid = 2,         // never has children
  kSelfClosing = 4,  // closed by the parser when a sibling of its kind starts (p, li, td ...)
  kRawText = 8,      // contents are text, not markup, up to the matching end tag
  kSkipped = 16,     // contents are neither shown nor text (script, style)
  kFormatting = 32,  // reopened by the parser after a misnested end tag (the adoption agency)
};

using TagTable = std::array<unsigned char, GUMBO_TAG_LAST + 1>;

TagTable make_tag_table() {
  TagTable table{};
  for (GumboTag tag : {GUMBO_TAG_ADDRESS,  GUMBO_TAG_ARTICLE,   GUMBO_TAG_ASIDE,      GUMBO_TAG_BLOCKQUOTE,
                       GUMBO_TAG_BODY,     GUMBO_TAG_CAPTION,   GUMBO_TAG_CENTER,     GUMBO_TAG_DD,
                       GUMBO_TAG_DETAILS,  GUMBO_TAG_DIR,       GUMBO_TAG_DIV,        GUMBO_TAG_DL,
                       GUMBO_TAG_DT,       GUMBO_TAG_FIELDSET,  GUMBO_TAG_FIGCAPTION, GUMBO_TAG_FIGURE,
                       GUMBO_TAG_FOOTER,   GUMBO_TAG_FORM,      GUMBO_TAG_FRAMESET,   GUMBO_TAG_H1,
                       GUMBO_TAG_H2,       GUMBO_TAG_H3,        GUMBO_TAG_H4,         GUMBO_TAG_H5,
                       GUMBO_TAG_H6,       GUMBO_TAG_HEADER,    GUMBO_TAG_HGROUP,     GUMBO_TAG_HR,
                       GUMBO_TAG_HTML,     GUMBO_TAG_HEAD,      GUMBO_TAG_LEGEND,     GUMBO_TAG_LI,
                       GUMBO_TAG_LISTING,  GUMBO_TAG_MAIN,      GUMBO_TAG_MENU,       GUMBO_TAG_NAV,
                       GUMBO_TAG_OL,       GUMBO_TAG_OPTGROUP,  GUMBO_TAG_OPTION,     GUMBO_TAG_P,
                       GUMBO_TAG_PRE,      GUMBO_TAG_SECTION,   GUMBO_TAG_SUMMARY,    GUMBO_TAG_TABLE,
                       GUMBO_TAG_TBODY,    GUMBO_TAG_TD,        GUMBO_TAG_TFOOT,      GUMBO_TAG_TH,
                       GUMBO_TAG_THEAD,    GUMBO_TAG_TR,        GUMBO_TAG_UL,         GUMBO_TAG_SELECT,
                       GUMBO_TAG_TEXTAREA, GUMBO_TAG_BUTTON,    GUMBO_TAG_IFRAME,     GUMBO_TAG_NOSCRIPT,
                       GUMBO_TAG_TEMPLATE, GUMBO_TAG_NOEMBED,   GUMBO_TAG_NOFRAMES,   GUMBO_TAG_TITLE,
                       GUMBO_TAG_XMP,      GUMBO_TAG_PLAINTEXT, GUMBO_TAG_MARQUEE}) {
    table[tag] |= kBlock;
  }
  for (GumboTag tag :
       {GUMBO_TAG_AREA,   GUMBO_TAG_BASE,  GUMBO_TAG_BASEFONT, GUMBO_TAG_BGSOUND, GUMBO_TAG_BR,
        GUMBO_TAG_COL,    GUMBO_TAG_EMBED, GUMBO_TAG_FRAME,    GUMBO_TAG_HR,      GUMBO_TAG_IMAGE,
        GUMBO_TAG_IMG,    GUMBO_TAG_INPUT, GUMBO_TAG_KEYGEN,   GUMBO_TAG_LINK,    GUMBO_TAG_MENUITEM,
        GUMBO_TAG_META,   GUMBO_TAG_PARAM, GUMBO_TAG_SOURCE,   GUMBO_TAG_TRACK,   GUMBO_TAG_WBR,
        GUMBO_TAG_ISINDEX}) {
    table[tag] |= kVoid;
  }
  for (GumboTag tag : {GUMBO_TAG_P, GUMBO_TAG_LI, GUMBO_TAG_DT, GUMBO_TAG_DD, GUMBO_TAG_OPTION,
                       GUMBO_TAG_OPTGROUP, GUMBO_TAG_TR, GUMBO_TAG_TD, GUMBO_TAG_TH, GUMBO_TAG_THEAD,
                       GUMBO_TAG_TBODY, GUMBO_TAG_TFOOT, GUMBO_TAG_COLGROUP, GUMBO_TAG_CAPTION}) {
    table[tag] |= kSelfClosing;
  }
  for (GumboTag tag : {GUMBO_TAG_SCRIPT, GUMBO_TAG_STYLE, GUMBO_TAG_XMP, GUMBO_TAG_IFRAME, GUMBO_TAG_NOEMBED,
                       GUMBO_TAG_NOFRAMES, GUMBO_TAG_TEXTAREA, GUMBO_TAG_TITLE, GUMBO_TAG_PLAINTEXT}) {
    table[tag] |= kRawText;
  }
  for (GumboTag tag : {GUMBO_TAG_A, GUMBO_TAG_B, GUMBO_TAG_BIG, GUMBO_TAG_CODE, GUMBO_TAG_EM, GUMBO_TAG_FONT,
                       GUMBO_TAG_I, GUMBO_TAG_NOBR, GUMBO_TAG_S, GUMBO_TAG_SMALL, GUMBO_TAG_STRIKE,
                       GUMBO_TAG_STRONG, GUMBO_TAG_TT, GUMBO_TAG_U}) {
    table[tag] |= kFormatting;
  }
  table[GUMBO_TAG_SCRIPT] |= kSkipped;
  table[GUMBO_TAG_STYLE] |= kSkipped;
  return table;
}

const TagTable kTagClass = make_tag_table();

bool has_class(GumboTag tag, TagClass tag_class) { return (kTagClass[tag] & tag_class) != 0; }

// ---- guards on the markup, before gumbo parses it ----

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::size_t find_ignoring_case(std::string_view s, std::string_view needle, std::size_t from) {
  for (std::size_t at = s.find('<', from); at != std::string_view::npos; at = s.find('<', at + 1)) {
    if (s.size() - at < needle.size()) return kNpos;
    std::size_t i = 0;
    while (i < needle.size() && lower(s[at + i]) == needle[i]) ++i;
    if (i == needle.size()) return at;
  }
  return kNpos;
}

// A tag as the guard reads it: its name and where it ends.
struct ScannedTag {
  GumboTag tag = GUMBO_TAG_UNKNOWN;
  std::string_view name;
  std::size_t attributes = 0;
  std::string_view attribute_text;  // everything between the name and '>'
  std::size_t end = 0;              // just after '>'
};

// Reads the tag whose name starts at `at`, skipping quoted attribute values.
ScannedTag scan_tag(std::string_view html, std::size_t at) {
  ScannedTag scanned;
  std::size_t i = at;
  while (i < html.size() && !is_space(html[i]) && html[i] != '>' && html[i] != '/') ++i;
  scanned.name = html.substr(at, i - at);
  scanned.tag = gumbo_tagn_enum(scanned.name.data(), static_cast<unsigned>(scanned.name.size()));
  bool in_name = false;
  while (i < html.size() && html[i] != '>') {
    const char c = html[i];
    if (c == '"' || c == '\'') {
      const std::size_t close = html.find(c, i + 1);
      i = close == std::string_view::npos ? html.size() : close + 1;
      continue;
    }
    const bool name_char = !is_space(c) && c != '=' && c != '/';
    if (name_char && !in_name && html[i - 1] != '=') ++scanned.attributes;
    in_name = name_char;
    ++i;
  }
  scanned.attribute_text = html.substr(at + scanned.name.size(), i - at - scanned.name.size());
  scanned.end = std::min(i + 1, html.size());
  return scanned;
}

Status limit_error(std::string_view path, std::string what) {
  return fail("review.limit", fmt::format("{}: {}", path, what));
}

bool is_table_part(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_COLGROUP:
    case GUMBO_TAG_COL:
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TFOOT:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_TD:
    case GUMBO_TAG_TH:
      return true;
    default:
      return false;
  }
}

// Siblings that close each other: a new li closes the open li, a td the open td or th, and so on.
GumboTag sibling_family(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_DD:
      return GUMBO_TAG_DT;
    case GUMBO_TAG_TH:
      return GUMBO_TAG_TD;
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TFOOT:
      return GUMBO_TAG_TBODY;
    default:
      return tag;
  }
}

// The guard's model of gumbo's tree builder, enough to bound the depth of the tree it will build:
// the stack of open elements and the list of active formatting elements, which the parser reopens
// (clones) where text or an inline element follows a misnested or early end tag — "<b><i>x</b>"
// repeated nests ever deeper clones of i. It errs towards counting more elements open, not fewer.
class NestingModel {
 public:
  // Each returns false when more than kMaxHtmlNesting elements are open.
  bool start_tag(GumboTag tag, std::string_view attributes) {
    if (tag == GUMBO_TAG_HTML || tag == GUMBO_TAG_HEAD || tag == GUMBO_TAG_BODY) return true;
    if (is_table_part(tag) && !is_open(GUMBO_TAG_TABLE)) return true;  // the parser ignores a stray td
    const bool block = has_class(tag, kBlock) && !is_table_part(tag);
    if (has_class(tag, kSelfClosing)) close_sibling(tag);
    if (block) close_paragraph();
    if (!block && !reconstruct()) return false;
    if (has_class(tag, kVoid)) return true;
    if (tag == GUMBO_TAG_A) end_tag(GUMBO_TAG_A);  // a new link closes an open one
    const Entry entry{tag, std::hash<std::string_view>{}(attributes), next_id_++, true};
    open_.push_back(entry);
    if (has_class(tag, kFormatting)) add_formatting(entry);
    return open_.size() <= kMaxHtmlNesting;
  }

  void end_tag(GumboTag tag) {
    if (has_class(tag, kFormatting)) {
      for (std::size_t i = formatting_.size(); i-- > 0;) {
        if (formatting_[i].tag != tag) continue;
        const Entry entry = formatting_[i];
        if (entry.open) pop_to_id(entry.id);
        remove_formatting(formatting_.begin() + static_cast<long>(i));
        return;
      }
    }
    for (std::size_t i = open_.size(); i-- > 0;) {
      if (open_[i].tag == tag) return pop_to(i);
    }
  }

  // Text reopens the formatting elements closed before it.
  bool text() { return reconstruct(); }

 private:
  struct Entry {
    GumboTag tag;
    std::size_t attributes_hash;
    unsigned id;
    bool open;  // on the stack (for an active formatting element)
  };

  // The parser keeps at most three identical active formatting elements (the "Noah's Ark" clause).
  static constexpr std::size_t kNoahsArk = 3;

  bool is_open(GumboTag tag) const {
    return std::any_of(open_.begin(), open_.end(), [&](const Entry& entry) { return entry.tag == tag; });
  }

  void add_formatting(const Entry& entry) {
    std::size_t identical = 0;
    for (std::size_t i = formatting_.size(); i-- > 0;) {
      const Entry& other = formatting_[i];
      if (other.tag != entry.tag || other.attributes_hash != entry.attributes_hash) continue;
      if (++identical == kNoahsArk) {
        remove_formatting(formatting_.begin() + static_cast<long>(i));
        break;
      }
    }
    formatting_.push_back(entry);
  }

  void remove_formatting(std::vector<Entry>::iterator entry) {
    if (!entry->open) --closed_formatting_;
    formatting_.erase(entry);
  }

  // Pops open_[at] and everything above it; formatting elements popped stay active, to be reopened.
  void pop_to(std::size_t at) {
    for (std::size_t i = at; i < open_.size(); ++i) {
      if (!has_class(open_[i].tag, kFormatting)) continue;
      for (std::size_t k = formatting_.size(); k-- > 0;) {
        if (formatting_[k].id == open_[i].id && formatting_[k].open) {
          formatting_[k].open = false;
          ++closed_formatting_;
          break;
        }
      }
    }
    open_.resize(at);
  }

  void pop_to_id(unsigned id) {
    for (std::size_t i = open_.size(); i-- > 0;) {
      if (open_[i].id == id) return pop_to(i);
    }
  }

  bool reconstruct() {
    if (closed_formatting_ == 0) return true;
    for (auto& entry : formatting_) {
      if (entry.open) continue;
      entry.id = next_id_++;
      entry.open = true;
      open_.push_back(entry);
    }
    closed_formatting_ = 0;
    return open_.size() <= kMaxHtmlNesting;
  }

  // A p, li, td ... start tag closes an open sibling of its kind, looking past inline elements and
  // div, p, address as the parser does, and no further (a nested list keeps its outer li).
  void close_sibling(GumboTag tag) {
    const GumboTag family = sibling_family(tag);
    for (std::size_t i = open_.size(); i-- > 0;) {
      const GumboTag open_tag = open_[i].tag;
      if (sibling_family(open_tag) == family) return pop_to(i);
      if (has_class(open_tag, kBlock) && open_tag != GUMBO_TAG_DIV && open_tag != GUMBO_TAG_ADDRESS &&
          open_tag != GUMBO_TAG_P) {
        return;
      }
    }
  }

  // A block start tag closes an open p, unless a table, cell or button lies between.
  void close_paragraph() {
    for (std::size_t i = open_.size(); i-- > 0;) {
      const GumboTag open_tag = open_[i].tag;
      if (open_tag == GUMBO_TAG_P) return pop_to(i);
      if (open_tag == GUMBO_TAG_TABLE || open_tag == GUMBO_TAG_TD || open_tag == GUMBO_TAG_TH ||
          open_tag == GUMBO_TAG_CAPTION || open_tag == GUMBO_TAG_BUTTON || open_tag == GUMBO_TAG_TEMPLATE) {
        return;
      }
    }
  }

  std::vector<Entry> open_;
  std::vector<Entry> formatting_;  // the active formatting elements, oldest first
  std::size_t closed_formatting_ = 0;
  unsigned next_id_ = 0;
};

bool has_text(std::string_view between_tags) {
  return std::any_of(between_tags.begin(), between_tags.end(), [](char c) { return !is_space(c); });
}

// Refuses markup gumbo would take too long or too much memory to parse: more than kMaxHtmlNesting
// elements open at once (gumbo's time grows with the square of the depth), or more than
// kMaxHtmlMarkup tags, attributes and comments. Tags are read as gumbo's tokenizer reads them,
// simplified, and fed to NestingModel.
Status check_markup(std::string_view path, std::string_view html) {
  NestingModel model;
  std::size_t markup = 0;
  std::size_t at = 0;
  std::size_t text_start = 0;
  while ((at = html.find('<', at)) != std::string_view::npos && at + 1 < html.size()) {
    bool nesting_ok = !has_text(html.substr(text_start, at - text_start)) || model.text();
    const char next = html[at + 1];
    if (html.substr(at, 4) == "<!--") {
      const std::size_t end = html.find("-->", at + 4);
      at = end == std::string_view::npos ? html.size() : end + 3;
      ++markup;
    } else if (next == '!' || next == '?') {
      const std::size_t end = html.find('>', at);
      at = end == std::string_view::npos ? html.size() : end + 1;
    } else if (next == '/' && at + 2 < html.size() && is_letter(html[at + 2])) {
      const ScannedTag tag = scan_tag(html, at + 2);
      model.end_tag(tag.tag);
      at = tag.end;
      ++markup;
    } else if (is_letter(next)) {
      const ScannedTag tag = scan_tag(html, at + 1);
      markup += 1 + tag.attributes;
      at = tag.end;
      nesting_ok = nesting_ok && model.start_tag(tag.tag, tag.attribute_text);
      if (has_class(tag.tag, kRawText)) {
        if (tag.tag == GUMBO_TAG_PLAINTEXT) break;
        const std::string close = "</" + std::string(gumbo_normalized_tagname(tag.tag));
        const std::size_t end = find_ignoring_case(html, close, at);
        if (!has_class(tag.tag, kSkipped) && end != kNpos && has_text(html.substr(at, end - at))) {
          nesting_ok = nesting_ok && model.text();
        }
        at = end == kNpos ? html.size() : end;
      }
    } else {
      ++at;
      continue;
    }
    text_start = at;
    if (!nesting_ok) {
      return limit_error(path,
                         fmt::format("HTML nests elements deeper than {} (kMaxHtmlNesting) before byte {}",
                                     kMaxHtmlNesting, at));
    }
    if (markup > kMaxHtmlMarkup) {
      return limit_error(path,
                         fmt::format("HTML has more than {} tags, attributes and comments (kMaxHtmlMarkup)",
                                     kMaxHtmlMarkup));
    }
  }
  return ok();
}

// ---- reading elements ----

std::string_view attribute(const GumboElement& element, const char* name) {
  const GumboAttribute* found = gumbo_get_attribute(&element.attributes, name);
  return found != nullptr ? std::string_view(found->value) : std::string_view();
}

bool has_attribute(const GumboElement& element, const char* name) {
  return gumbo_get_attribute(&element.attributes, name) != nullptr;
}

std::string lowered(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (!is_space(c)) out += lower(c);
  }
  return out;
}

// `value` cut to kMaxLocatorValue bytes without splitting a UTF-8 character.
std::string_view clipped(std::string_view value) {
  if (value.size() <= kMaxLocatorValue) return value;
  std::size_t end = kMaxLocatorValue;
  while (end > 0 && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) --end;
  return value.substr(0, end);
}

std::string tag_name(const GumboElement& element) {
  if (element.tag != GUMBO_TAG_UNKNOWN) return gumbo_normalized_tagname(element.tag);
  GumboStringPiece original = element.original_tag;
  gumbo_tag_from_original_text(&original);
  return lowered(std::string_view(original.data, original.length));
}

// "<img src=a.png> line 12": the element, one attribute that identifies it (or says why it is
// hidden), and its line.
std::string describe(const GumboElement& element, std::string_view why = {}) {
  std::string out = "<" + tag_name(element);
  if (!why.empty()) {
    out += " ";
    out += why;
  }
  for (const char* name : {"src", "href", "name", "id"}) {
    if (const auto value = attribute(element, name); !value.empty()) {
      out += fmt::format(" {}={}", name, clipped(value));
      break;
    }
  }
  return out + fmt::format("> line {}", element.start_pos.line);
}

// "0", "0.0", "0px", "0em", "0%": a number or length that is zero.
bool is_zero(std::string_view value) {
  const std::size_t number_end = std::min(value.find_first_not_of("0."), value.size());
  if (number_end == 0 || value.substr(0, number_end).find('0') == std::string_view::npos) return false;
  const std::string_view unit = value.substr(number_end);
  for (std::string_view zero_unit :
       {"", "px", "pt", "pc", "em", "rem", "ex", "ch", "%", "vw", "vh", "mm", "cm", "in"}) {
    if (unit == zero_unit) return true;
  }
  return false;
}

// The declaration of a style attribute that hides the element ("display:none"), or empty. N3.2:
// text hidden with CSS is still published and still read by crawlers.
std::string hiding_style(std::string_view style) {
  const std::string css = lowered(style);
  std::size_t start = 0;
  while (start < css.size()) {
    std::size_t end = css.find(';', start);
    if (end == std::string::npos) end = css.size();
    std::string declaration = css.substr(start, end - start);
    if (const auto important = declaration.find("!important"); important != std::string::npos) {
      declaration.resize(important);
    }
    const auto colon = declaration.find(':');
    if (colon != std::string::npos) {
      const std::string_view property = std::string_view(declaration).substr(0, colon);
      const std::string_view value = std::string_view(declaration).substr(colon + 1);
      const bool zero = is_zero(value);
      if ((property == "display" && value == "none") ||
          (property == "visibility" && (value == "hidden" || value == "collapse")) ||
          ((property == "font-size" || property == "opacity") && zero)) {
        return declaration;
      }
    }
    start = end + 1;
  }
  return {};
}

// Why an element hides what it contains from a reader: the attribute that hides it, "" for an element
// never shown (<noscript>, <template> ...), nullopt when it shows its contents.
std::optional<std::string> hiding_reason(const GumboElement& element) {
  if (has_attribute(element, "hidden")) return "hidden";
  if (lowered(attribute(element, "aria-hidden")) == "true") return "aria-hidden=true";
  if (auto style = hiding_style(attribute(element, "style")); !style.empty()) return "style=" + style;
  switch (element.tag) {
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_NOEMBED:
    case GUMBO_TAG_NOFRAMES:
    case GUMBO_TAG_IFRAME:
      return "";
    default:
      return std::nullopt;
  }
}

// ---- text runs ----

// Text collected for one segment: whitespace collapsed as a browser does, and the byte offset of the
// text in the page kept while it is one verbatim slice of it (one text node, no entities, whitespace
// inside it not collapsed).
class Run {
 public:
  // Appends a text node: its decoded `text`, its `original` source, and where that starts.
  void append(std::string_view text, std::string_view original, std::size_t offset, unsigned line) {
    const bool verbatim = text == original;
    bool contributed = false;  // this node has put a character in the run
    std::size_t spaces = 0;    // whitespace bytes before the current character
    bool single_space = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (is_space(c)) {
        single_space = spaces++ == 0 && c == ' ';
        continue;
      }
      if (text_.empty()) {
        source_offset_ = verbatim ? offset + i : kNpos;
        line_ =
            line + static_cast<unsigned>(std::count(text.begin(), text.begin() + static_cast<long>(i), '\n'));
      } else {
        if (spaces > 0 || pending_space_) text_ += ' ';
        if (!contributed || (spaces > 0 && !single_space)) source_offset_ = kNpos;
      }
      contributed = true;
      pending_space_ = false;
      spaces = 0;
      text_ += c;
    }
    if (spaces > 0 && !text_.empty()) pending_space_ = true;
  }

  // <br>: a new line inside the same block.
  void line_break() {
    if (text_.empty()) return;
    text_ += '\n';
    pending_space_ = false;
    source_offset_ = kNpos;
  }

  unsigned line() const { return line_; }
  std::size_t source_offset() const { return source_offset_; }

  std::string take() {
    pending_space_ = false;
    source_offset_ = kNpos;
    return std::exchange(text_, {});
  }

 private:
  std::string text_;
  bool pending_space_ = false;  // whitespace after the last character, written only if more follows
  std::size_t source_offset_ = kNpos;
  unsigned line_ = 0;
};

// The byte offset in the page of an attribute's value when the value is written there verbatim.
std::size_t value_offset(const GumboAttribute& attribute) {
  std::string_view original(attribute.original_value.data, attribute.original_value.length);
  std::size_t skip = 0;
  if (original.size() >= 2 && (original.front() == '"' || original.front() == '\'') &&
      original.back() == original.front()) {
    original = original.substr(1, original.size() - 2);
    skip = 1;
  }
  return original == attribute.value ? attribute.value_start.offset + skip : kNpos;
}

// ---- the walk over the tree ----

// Walks gumbo's tree without recursion and collects the segments.
class HtmlText {
 public:
  HtmlText(std::string_view path, const ExtractLimits& limits, ExtractBudget& budget)
      : path_(path), limits_(limits), budget_(budget) {}

  Status walk(const GumboNode* document) {
    std::vector<Frame> stack{{document}};
    while (!stack.empty()) {
      Frame& top = stack.back();
      const GumboVector& children = children_of(*top.node);
      if (top.next_child < children.length) {
        const auto* child = static_cast<const GumboNode*>(children.data[top.next_child++]);
        SW_CHECK(visit(*child, stack));
      } else {
        const Frame done = top;
        stack.pop_back();
        SW_CHECK(leave(done));
      }
    }
    SW_CHECK(flush(title_, "html:title", false));
    SW_CHECK(flush(hidden_, "html:hidden", true));
    return flush(body_, "html:body", false);
  }

  std::vector<Segment> take_segments() { return std::move(segments_); }

 private:
  struct Frame {
    const GumboNode* node;
    unsigned next_child = 0;
    bool block = false;  // a block boundary at its end
    bool hider = false;  // it hides its contents: the hidden run ends with it
    bool title = false;  // <title>: the title run ends with it
  };

  static const GumboVector& children_of(const GumboNode& node) {
    return node.type == GUMBO_NODE_DOCUMENT ? node.v.document.children : node.v.element.children;
  }

  Run& active_run() { return in_title_ ? title_ : in_hidden_ ? hidden_ : body_; }

  Status flush_active() {
    if (in_title_) return flush(title_, "html:title", false);
    if (in_hidden_) return flush(hidden_, "html:hidden", true);
    return flush(body_, "html:body", false);
  }

  Status flush(Run& run, std::string_view part, bool hidden) {
    const std::size_t offset = run.source_offset();
    std::string locator = &run == &hidden_ ? hidden_locator_ : fmt::format("line {}", run.line());
    return emit(part, std::move(locator), run.take(), hidden, offset);
  }

  Status emit(std::string_view part, std::string locator, std::string text, bool hidden, std::size_t offset) {
    if (text.empty()) return ok();
    budget_.text += text.size();
    if (budget_.text > limits_.max_text_bytes) {
      return limit_error(path_, fmt::format("extracted text reaches {} bytes, over max_text_bytes ({} bytes)",
                                            budget_.text, limits_.max_text_bytes));
    }
    segments_.push_back(
        Segment{std::string(path_), std::string(part), std::move(locator), std::move(text), hidden, offset});
    return ok();
  }

  Status visit(const GumboNode& node, std::vector<Frame>& stack) {
    switch (node.type) {
      case GUMBO_NODE_TEXT:
      case GUMBO_NODE_CDATA:
      case GUMBO_NODE_WHITESPACE: {
        const GumboText& text = node.v.text;
        active_run().append(text.text, std::string_view(text.original_text.data, text.original_text.length),
                            text.start_pos.offset, text.start_pos.line);
        return ok();
      }
      case GUMBO_NODE_COMMENT:
        return comment(node.v.text);
      case GUMBO_NODE_ELEMENT:
      case GUMBO_NODE_TEMPLATE:
        return element(node, stack);
      default:
        return ok();
    }
  }

  // N3.2: a comment left in a page is published with it.
  Status comment(const GumboText& comment) {
    std::string_view text(comment.text);
    const std::string_view original(comment.original_text.data, comment.original_text.length);
    const std::size_t begin = std::min(text.find_first_not_of(" \t\r\n\f"), text.size());
    const std::size_t end = text.find_last_not_of(" \t\r\n\f") + 1;
    // A bogus comment ("<!x>", "<?x>") has no "<!--" before its text; only a real one can be verbatim.
    const bool verbatim = original.starts_with("<!--") && original.substr(4).starts_with(text);
    const unsigned line =
        comment.start_pos.line +
        static_cast<unsigned>(std::count(text.begin(), text.begin() + static_cast<long>(begin), '\n'));
    return emit("html:comment", fmt::format("line {}", line), std::string(text.substr(begin, end - begin)),
                true, verbatim ? comment.start_pos.offset + 4 + begin : kNpos);
  }

  Status element(const GumboNode& node, std::vector<Frame>& stack) {
    const GumboElement& element = node.v.element;
    if (has_class(element.tag, kSkipped)) return ok();  // script, style: code, not text
    SW_CHECK(attributes(element));
    if (element.tag == GUMBO_TAG_BR) {
      active_run().line_break();
      return ok();
    }
    Frame frame{&node};
    frame.block = has_class(element.tag, kBlock);
    if (frame.block) SW_CHECK(flush_active());
    if (!in_hidden_ && !in_title_) {
      if (const auto reason = hiding_reason(element)) {
        SW_CHECK(flush(hidden_, "html:hidden", true));
        hidden_locator_ = describe(element, *reason);
        in_hidden_ = frame.hider = true;
      } else if (element.tag == GUMBO_TAG_TITLE && element.tag_namespace == GUMBO_NAMESPACE_HTML) {
        in_title_ = frame.title = true;
      }
    }
    stack.push_back(frame);
    return ok();
  }

  Status leave(const Frame& frame) {
    if (frame.block) SW_CHECK(flush_active());
    if (frame.title) {
      SW_CHECK(flush(title_, "html:title", false));
      in_title_ = false;
    }
    if (frame.hider) {
      SW_CHECK(flush(hidden_, "html:hidden", true));
      in_hidden_ = false;
    }
    return ok();
  }

  // What a crawler reads in the attributes: alt, title, <meta> content, hidden input values (N3.2, N4.6).
  Status attributes(const GumboElement& element) {
    if (element.tag == GUMBO_TAG_META) {
      for (const char* key : {"name", "property", "itemprop"}) {
        if (const auto name = attribute(element, key); !name.empty()) {
          SW_CHECK(attribute_segment(element, "content", "html:meta", std::string(clipped(name))));
          break;
        }
      }
    }
    SW_CHECK(attribute_segment(element, "alt", "html:alt", describe(element)));
    SW_CHECK(attribute_segment(element, "title", "html:title-attr", describe(element)));
    if (element.tag == GUMBO_TAG_INPUT && lowered(attribute(element, "type")) == "hidden") {
      SW_CHECK(attribute_segment(element, "value", "html:hidden", describe(element, "type=hidden")));
    }
    return ok();
  }

  Status attribute_segment(const GumboElement& element, const char* name, std::string_view part,
                           std::string locator) {
    const GumboAttribute* found = gumbo_get_attribute(&element.attributes, name);
    if (found == nullptr) return ok();
    const std::string_view value(found->value);
    if (value.find_first_not_of(" \t\r\n\f") == std::string_view::npos) return ok();
    return emit(part, std::move(locator), std::string(value), true, value_offset(*found));
  }

  std::string_view path_;
  const ExtractLimits& limits_;
  ExtractBudget& budget_;
  std::vector<Segment> segments_;
  Run body_, hidden_, title_;
  bool in_hidden_ = false;
  bool in_title_ = false;
  std::string hidden_locator_;  // the element hiding the current hidden run
};

}  // namespace

Result<std::vector<Segment>> extract_html(std::string_view path, std::string_view utf8_html,
                                          const ExtractLimits& limits, ExtractBudget& budget) {
  if (utf8_html.size() > std::numeric_limits<unsigned>::max()) {  // gumbo's positions are 32-bit
    return fail("review.limit",
                fmt::format("{}: HTML of {} bytes is over gumbo's 4 GiB", path, utf8_html.size()));
  }
  SW_CHECK(check_markup(path, utf8_html));
  GumboArena arena;  // freed without recursion however deep the tree
  const GumboOptions options = arena.options();
  const GumboOutput* output = gumbo_parse_with_options(&options, utf8_html.data(), utf8_html.size());
  HtmlText text(path, limits, budget);
  SW_CHECK(text.walk(output->document));
  return text.take_segments();
}

}  // namespace sw::review
