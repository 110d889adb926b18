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
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <optional>
#include <span>
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

// ---- elements as the walk reads them ----

// One attribute: its name (lowercase), its value with character references decoded, and the byte
// offset of the value in the page when it is written there verbatim (kNpos otherwise).
struct AttributeView {
  std::string_view name;
  std::string_view value;
  std::size_t offset = kNpos;
};

// An element as the walk needs it, read from gumbo's tree or by the simple reader (below).
struct ElementView {
  GumboTag tag = GUMBO_TAG_UNKNOWN;
  std::string_view name;  // lowercase: gumbo's name of a known tag, the page's of another
  unsigned line = 0;      // of its start tag
  bool html_namespace = true;
  std::span<const AttributeView> attributes;  // each name once: the first, as gumbo keeps it

  const AttributeView* find(std::string_view key) const {
    for (const AttributeView& a : attributes)
      if (a.name == key) return &a;
    return nullptr;
  }
  std::string_view attribute(std::string_view key) const {
    const AttributeView* a = find(key);
    return a != nullptr ? a->value : std::string_view();
  }
  bool has_attribute(std::string_view key) const { return find(key) != nullptr; }
};

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

// "<img src=a.png> line 12": the element, one attribute that identifies it (or says why it is
// hidden), and its line.
std::string describe(const ElementView& element, std::string_view why = {}) {
  std::string out = "<" + std::string(element.name);
  if (!why.empty()) {
    out += " ";
    out += why;
  }
  for (const char* name : {"src", "href", "name", "id"}) {
    if (const auto value = element.attribute(name); !value.empty()) {
      out += fmt::format(" {}={}", name, clipped(value));
      break;
    }
  }
  return out + fmt::format("> line {}", element.line);
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
std::optional<std::string> hiding_reason(const ElementView& element) {
  if (element.has_attribute("hidden")) return "hidden";
  if (const auto aria = element.attribute("aria-hidden"); !aria.empty() && lowered(aria) == "true") {
    return "aria-hidden=true";
  }
  if (const auto style = element.attribute("style"); !style.empty()) {
    if (auto hiding = hiding_style(style); !hiding.empty()) return "style=" + hiding;
  }
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

// ---- the walk: the tree's nodes in document order, as events ----

// Collects the segments from the page's nodes given in document order: start() an element, then its
// children, then end() it. gumbo's tree is walked into it (walk_gumbo) and the simple reader feeds
// it as it reads (SimpleReader): one definition of what is text, hidden, a title or an attribute.
class HtmlText {
 public:
  HtmlText(std::string_view path, const ExtractLimits& limits, ExtractBudget& budget)
      : path_(path), limits_(limits), budget_(budget) {}

  // An element starts. False when nothing inside it is read (script, style: code, not text; <br>):
  // then its children are skipped and no end() follows.
  Result<bool> start(const ElementView& element) {
    if (has_class(element.tag, kSkipped)) return false;
    SW_CHECK(attributes(element));
    if (element.tag == GUMBO_TAG_BR) {
      active_run().line_break();
      return false;
    }
    Frame frame;
    frame.block = has_class(element.tag, kBlock);
    if (frame.block) SW_CHECK(flush_active());
    if (!in_hidden_ && !in_title_) {
      if (const auto reason = hiding_reason(element)) {
        SW_CHECK(flush(hidden_, "html:hidden", true));
        hidden_locator_ = describe(element, *reason);
        in_hidden_ = frame.hider = true;
      } else if (element.tag == GUMBO_TAG_TITLE && element.html_namespace) {
        in_title_ = frame.title = true;
      }
    }
    frames_.push_back(frame);
    return true;
  }

  // The element last started (and not skipped) ends.
  Status end() {
    const Frame frame = frames_.back();
    frames_.pop_back();
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

  // A text node: decoded, its source, and where that starts.
  void text(std::string_view decoded, std::string_view original, std::size_t offset, unsigned line) {
    active_run().append(decoded, original, offset, line);
  }

  // N3.2: a comment left in a page is published with it. `original` is the whole "<!--...-->" (or
  // a bogus comment's source), `offset` and `line` where it starts.
  Status comment(std::string_view text, std::string_view original, std::size_t offset, unsigned line_of_start) {
    const std::size_t begin = std::min(text.find_first_not_of(" \t\r\n\f"), text.size());
    const std::size_t end = text.find_last_not_of(" \t\r\n\f") + 1;
    // A bogus comment ("<!x>", "<?x>") has no "<!--" before its text; only a real one can be verbatim.
    const bool verbatim = original.starts_with("<!--") && original.substr(4).starts_with(text);
    const unsigned line =
        line_of_start + static_cast<unsigned>(std::count(text.begin(), text.begin() + static_cast<long>(begin), '\n'));
    return emit("html:comment", fmt::format("line {}", line), std::string(text.substr(begin, end - begin)),
                true, verbatim ? offset + 4 + begin : kNpos);
  }

  // The page is read: the runs still open become segments.
  Status finish() {
    SW_CHECK(flush(title_, "html:title", false));
    SW_CHECK(flush(hidden_, "html:hidden", true));
    return flush(body_, "html:body", false);
  }

  std::vector<Segment> take_segments() { return std::move(segments_); }

 private:
  struct Frame {
    bool block = false;  // a block boundary at its end
    bool hider = false;  // it hides its contents: the hidden run ends with it
    bool title = false;  // <title>: the title run ends with it
  };

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

  // What a crawler reads in the attributes: alt, title, <meta> content, hidden input values (N3.2, N4.6).
  Status attributes(const ElementView& element) {
    if (element.attributes.empty()) return ok();
    if (element.tag == GUMBO_TAG_META) {
      for (const char* key : {"name", "property", "itemprop"}) {
        if (const auto name = element.attribute(key); !name.empty()) {
          SW_CHECK(attribute_segment(element, "content", "html:meta", std::string(clipped(name))));
          break;
        }
      }
    }
    if (element.has_attribute("alt")) SW_CHECK(attribute_segment(element, "alt", "html:alt", describe(element)));
    if (element.has_attribute("title")) {
      SW_CHECK(attribute_segment(element, "title", "html:title-attr", describe(element)));
    }
    if (element.tag == GUMBO_TAG_INPUT && lowered(element.attribute("type")) == "hidden") {
      SW_CHECK(attribute_segment(element, "value", "html:hidden", describe(element, "type=hidden")));
    }
    return ok();
  }

  Status attribute_segment(const ElementView& element, std::string_view name, std::string_view part,
                           std::string locator) {
    const AttributeView* found = element.find(name);
    if (found == nullptr) return ok();
    if (found->value.find_first_not_of(" \t\r\n\f") == std::string_view::npos) return ok();
    return emit(part, std::move(locator), std::string(found->value), true, found->offset);
  }

  std::string_view path_;
  const ExtractLimits& limits_;
  ExtractBudget& budget_;
  std::vector<Segment> segments_;
  std::vector<Frame> frames_;
  Run body_, hidden_, title_;
  bool in_hidden_ = false;
  bool in_title_ = false;
  std::string hidden_locator_;  // the element hiding the current hidden run
};

// ---- gumbo's tree into the walk ----

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

const GumboVector& children_of(const GumboNode& node) {
  return node.type == GUMBO_NODE_DOCUMENT ? node.v.document.children : node.v.element.children;
}

// Walks gumbo's tree without recursion.
Status walk_gumbo(const GumboNode* document, HtmlText& out) {
  struct Open {
    const GumboNode* node;
    unsigned next_child = 0;
    bool framed = false;  // out.start() took it: out.end() when its children are done
  };
  std::vector<Open> stack{{document}};
  std::vector<AttributeView> attributes;
  std::string unknown_name;
  while (!stack.empty()) {
    Open& top = stack.back();
    const GumboVector& children = children_of(*top.node);
    if (top.next_child >= children.length) {
      const bool framed = top.framed;
      stack.pop_back();
      if (framed) SW_CHECK(out.end());
      continue;
    }
    const auto* child = static_cast<const GumboNode*>(children.data[top.next_child++]);
    switch (child->type) {
      case GUMBO_NODE_TEXT:
      case GUMBO_NODE_CDATA:
      case GUMBO_NODE_WHITESPACE: {
        const GumboText& text = child->v.text;
        out.text(text.text, std::string_view(text.original_text.data, text.original_text.length),
                 text.start_pos.offset, text.start_pos.line);
        break;
      }
      case GUMBO_NODE_COMMENT: {
        const GumboText& comment = child->v.text;
        SW_CHECK(out.comment(comment.text,
                             std::string_view(comment.original_text.data, comment.original_text.length),
                             comment.start_pos.offset, comment.start_pos.line));
        break;
      }
      case GUMBO_NODE_ELEMENT:
      case GUMBO_NODE_TEMPLATE: {
        const GumboElement& element = child->v.element;
        attributes.clear();
        for (unsigned i = 0; i < element.attributes.length; ++i) {
          const auto* a = static_cast<const GumboAttribute*>(element.attributes.data[i]);
          attributes.push_back({a->name, a->value, value_offset(*a)});
        }
        ElementView view{element.tag, {}, element.start_pos.line, element.tag_namespace == GUMBO_NAMESPACE_HTML,
                         attributes};
        if (element.tag != GUMBO_TAG_UNKNOWN) {
          view.name = gumbo_normalized_tagname(element.tag);
        } else {
          GumboStringPiece original = element.original_tag;
          gumbo_tag_from_original_text(&original);
          unknown_name = lowered(std::string_view(original.data, original.length));
          view.name = unknown_name;
        }
        SW_TRY(framed, out.start(view));
        if (framed) stack.push_back({child, 0, true});
        break;
      }
      default:
        break;
    }
  }
  return out.finish();
}

// ---- the simple reader ----

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    if (*p < 0x80) {
      ++p;
      continue;
    }
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if ((*p & 0xE0) == 0xC0) {
      n = 1;
      cp = *p & 0x1F;
    } else if ((*p & 0xF0) == 0xE0) {
      n = 2;
      cp = *p & 0x0F;
    } else if ((*p & 0xF8) == 0xF0) {
      n = 3;
      cp = *p & 0x07;
    } else {
      return false;
    }
    if (static_cast<std::size_t>(end - p) <= n) return false;
    for (std::size_t i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    p += n + 1;
  }
  return true;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// A byte the simple reader leaves to gumbo wherever it appears: a control character other than tab
// and newline (gumbo turns CR and CR LF into LF, NUL into U+FFFD), DEL.
bool control_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\t' && c != '\n') || u == 0x7F;
}

bool is_html_space(char c) { return c == ' ' || c == '\t' || c == '\n'; }

// The named character references the simple reader decodes (each with its ';'); any other makes it
// leave the page to gumbo, which knows all of them and their legacy forms without ';'.
struct NamedReference {
  std::string_view name;
  std::uint32_t code_point;
};
constexpr NamedReference kNamedReferences[] = {
    {"amp", '&'},      {"lt", '<'},         {"gt", '>'},        {"quot", '"'},      {"apos", '\''},
    {"nbsp", 0xA0},    {"copy", 0xA9},      {"reg", 0xAE},      {"middot", 0xB7},   {"ldquo", 0x201C},
    {"rdquo", 0x201D}, {"lsquo", 0x2018},   {"rsquo", 0x2019},  {"mdash", 0x2014},  {"ndash", 0x2013},
    {"hellip", 0x2026}, {"times", 0xD7},    {"divide", 0xF7},   {"yen", 0xA5},      {"bull", 0x2022},
    {"deg", 0xB0},     {"plusmn", 0xB1},    {"sect", 0xA7},     {"laquo", 0xAB},    {"raquo", 0xBB},
    {"emsp", 0x2003},  {"ensp", 0x2002},    {"trade", 0x2122}};

bool is_alnum(char c) { return is_letter(c) || (c >= '0' && c <= '9'); }

// Decodes the character reference at raw[i] ('&') into `out` and moves i past it. False when gumbo
// must read it: a name not in the list, no ';', a number that gumbo replaces (NUL, C1 controls,
// surrogates, noncharacters, past U+10FFFF) or a control character. A '&' that starts no reference
// ("A & B") is a literal '&', as in HTML.
bool decode_reference(std::string_view raw, std::size_t& i, std::string& out) {
  std::size_t j = i + 1;
  if (j < raw.size() && raw[j] == '#') {
    ++j;
    const bool hex = j < raw.size() && (raw[j] == 'x' || raw[j] == 'X');
    if (hex) ++j;
    std::uint32_t cp = 0;
    std::size_t digits = 0;
    for (; j < raw.size() && digits < 8; ++j, ++digits) {
      const char c = raw[j];
      int d = -1;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
      if (d < 0) break;
      cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(d);
    }
    if (digits == 0 || j >= raw.size() || raw[j] != ';') return false;
    const bool allowed = cp == '\t' || cp == '\n' || (cp >= 0x20 && cp < 0x7F) || (cp >= 0xA0 && cp < 0xD800) ||
                         (cp >= 0xE000 && cp <= 0x10FFFF);
    if (!allowed || (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE) return false;
    append_utf8(out, cp);
    i = j + 1;
    return true;
  }
  if (j >= raw.size() || !is_alnum(raw[j])) {  // not a reference: the '&' itself
    out += '&';
    i = j;
    return true;
  }
  while (j < raw.size() && is_alnum(raw[j])) ++j;
  if (j >= raw.size() || raw[j] != ';') return false;
  const std::string_view name = raw.substr(i + 1, j - i - 1);
  for (const NamedReference& r : kNamedReferences) {
    if (r.name == name) {
      append_utf8(out, r.code_point);
      i = j + 1;
      return true;
    }
  }
  return false;
}

// `raw` text or attribute value with its character references decoded: `raw` itself when it has
// none, else the decoded bytes in `buffer`. nullopt when gumbo must read it (decode_reference, a
// control character).
std::optional<std::string_view> decoded(std::string_view raw, std::string& buffer) {
  std::size_t i = 0;
  while (i < raw.size() && raw[i] != '&') {
    if (control_byte(raw[i])) return std::nullopt;
    ++i;
  }
  if (i == raw.size()) return raw;
  buffer.assign(raw.substr(0, i));
  while (i < raw.size()) {
    const char c = raw[i];
    if (c == '&') {
      if (!decode_reference(raw, i, buffer)) return std::nullopt;
      continue;
    }
    if (control_byte(c)) return std::nullopt;
    buffer += c;
    ++i;
  }
  return std::string_view(buffer);
}

// Elements the simple reader leaves to gumbo wherever they appear: tables (foster parenting), forms
// and their controls, raw-text and foreign (SVG, MathML) content, elements the tree builder treats
// specially (nobr, ruby, frames, applets, <image> read as <img>, <menuitem>), and html/head/body
// anywhere but in their place.
bool left_to_gumbo(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_TABLE:      case GUMBO_TAG_CAPTION:  case GUMBO_TAG_COLGROUP: case GUMBO_TAG_COL:
    case GUMBO_TAG_TBODY:      case GUMBO_TAG_THEAD:    case GUMBO_TAG_TFOOT:    case GUMBO_TAG_TR:
    case GUMBO_TAG_TD:         case GUMBO_TAG_TH:       case GUMBO_TAG_SVG:      case GUMBO_TAG_MATH:
    case GUMBO_TAG_FORM:       case GUMBO_TAG_BUTTON:   case GUMBO_TAG_SELECT:   case GUMBO_TAG_OPTION:
    case GUMBO_TAG_OPTGROUP:   case GUMBO_TAG_TEXTAREA: case GUMBO_TAG_PRE:      case GUMBO_TAG_LISTING:
    case GUMBO_TAG_PLAINTEXT:  case GUMBO_TAG_XMP:      case GUMBO_TAG_IFRAME:   case GUMBO_TAG_NOEMBED:
    case GUMBO_TAG_NOFRAMES:   case GUMBO_TAG_NOSCRIPT: case GUMBO_TAG_TEMPLATE: case GUMBO_TAG_FRAMESET:
    case GUMBO_TAG_FRAME:      case GUMBO_TAG_IMAGE:    case GUMBO_TAG_ISINDEX:  case GUMBO_TAG_NOBR:
    case GUMBO_TAG_APPLET:     case GUMBO_TAG_OBJECT:   case GUMBO_TAG_MARQUEE:  case GUMBO_TAG_RB:
    case GUMBO_TAG_RP:         case GUMBO_TAG_RT:       case GUMBO_TAG_RTC:      case GUMBO_TAG_RUBY:
    case GUMBO_TAG_MENUITEM:   case GUMBO_TAG_KEYGEN:   case GUMBO_TAG_HTML:     case GUMBO_TAG_HEAD:
    case GUMBO_TAG_BODY:       case GUMBO_TAG_BASEFONT: case GUMBO_TAG_BGSOUND:
      return true;
    default:
      return false;
  }
}

// Phrasing elements that never close an open <p>; inside a <p> the simple reader takes only these.
bool phrasing(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_A:     case GUMBO_TAG_ABBR:   case GUMBO_TAG_B:     case GUMBO_TAG_BDI:  case GUMBO_TAG_BDO:
    case GUMBO_TAG_BR:    case GUMBO_TAG_CITE:   case GUMBO_TAG_CODE:  case GUMBO_TAG_DATA: case GUMBO_TAG_DFN:
    case GUMBO_TAG_EM:    case GUMBO_TAG_FONT:   case GUMBO_TAG_I:     case GUMBO_TAG_IMG:  case GUMBO_TAG_KBD:
    case GUMBO_TAG_MARK:  case GUMBO_TAG_Q:      case GUMBO_TAG_S:     case GUMBO_TAG_SAMP: case GUMBO_TAG_SMALL:
    case GUMBO_TAG_SPAN:  case GUMBO_TAG_STRIKE: case GUMBO_TAG_STRONG: case GUMBO_TAG_SUB: case GUMBO_TAG_SUP:
    case GUMBO_TAG_TIME:  case GUMBO_TAG_TT:     case GUMBO_TAG_U:     case GUMBO_TAG_VAR:  case GUMBO_TAG_WBR:
    case GUMBO_TAG_BIG:
      return true;
    default:
      return false;
  }
}

bool is_heading(GumboTag tag) {
  return tag == GUMBO_TAG_H1 || tag == GUMBO_TAG_H2 || tag == GUMBO_TAG_H3 || tag == GUMBO_TAG_H4 ||
         tag == GUMBO_TAG_H5 || tag == GUMBO_TAG_H6;
}

// Reads, in one pass and without a tree, pages whose tree is their source order: a doctype, explicit
// <html>, <head> (meta, link, base, title, style, script) and <body>, every element closed by its own
// end tag in order, quoted attributes, the common character references — the pages the publisher
// renders and the bodies its sanitiser writes. At the first thing whose tree would differ from its
// order (an implied end tag, a table, a misnested end tag, a CR, an unknown reference ...) it gives
// up and gumbo reads the page instead, from the start: it is a shortcut, never a second opinion.
// tests/review/markup_test.cc checks on thousands of mutated pages that every page it reads gives
// exactly gumbo's segments.
class SimpleReader {
 public:
  SimpleReader(std::string_view html, HtmlText& out) : html_(html), out_(out) {}

  // True when the whole page was read into `out`; false when gumbo must read it (or the walk failed,
  // which gumbo's reading then reports).
  bool read() {
    if (!valid_utf8(html_)) return false;
    while (at_ < html_.size()) {
      std::size_t lt = html_.find('<', at_);
      if (lt == std::string_view::npos) lt = html_.size();
      if (lt > at_ && !text(at_, lt)) return false;
      at_ = lt;
      if (at_ < html_.size() && !markup()) return false;
    }
    if (mode_ == Mode::after_body) {
      if (!out_.end()) return false;  // </html> may be left out
    } else if (mode_ != Mode::after_html) {
      return false;
    }
    return static_cast<bool>(out_.finish());
  }

 private:
  enum class Mode { before_html, before_head, in_head, after_head, in_body, after_body, after_html };
  struct Open {
    GumboTag tag;
    std::string name;
  };

  unsigned line_at(std::size_t offset) {
    line_ += static_cast<unsigned>(std::count(html_.begin() + static_cast<long>(line_counted_),
                                              html_.begin() + static_cast<long>(offset), '\n'));
    line_counted_ = offset;
    return line_;
  }

  bool text(std::size_t begin, std::size_t end) {
    const std::string_view raw = html_.substr(begin, end - begin);
    const bool blank = std::all_of(raw.begin(), raw.end(), is_html_space);
    if (mode_ == Mode::after_body || mode_ == Mode::after_html) {
      // gumbo appends whitespace after </body> to the body's last text node, whose source then no
      // longer matches its text: that changes its offset when it holds more than whitespace.
      return blank && !body_ends_in_text_;
    }
    if (mode_ != Mode::in_body) return blank;  // whitespace there is ignored, or lands in an empty run
    const auto text = decoded(raw, text_buffer_);
    if (!text) return false;
    out_.text(*text, raw, begin, line_at(begin));
    last_text_end_ = end;
    last_text_blank_ = blank;
    return true;
  }

  bool markup() {
    const std::string_view rest = html_.substr(at_);
    if (rest.starts_with("<!--")) return comment();
    if (rest.size() < 2) return false;
    if (rest[1] == '!') return doctype();
    if (rest[1] == '/') return end_tag();
    if (is_letter(rest[1])) return start_tag();
    return false;  // a '<' that is text, "<?": gumbo reads those
  }

  bool comment() {
    const std::size_t close = html_.find("-->", at_ + 4);
    if (close == std::string_view::npos) return false;
    const std::string_view text = html_.substr(at_ + 4, close - at_ - 4);
    if (text.starts_with('>') || text.starts_with("->") || text.ends_with('-') ||
        text.find("--") != std::string_view::npos || std::any_of(text.begin(), text.end(), control_byte)) {
      return false;
    }
    if (!out_.comment(text, html_.substr(at_, close + 3 - at_), at_, line_at(at_))) return false;
    at_ = close + 3;
    return true;
  }

  bool doctype() {
    if (mode_ != Mode::before_html || seen_doctype_) return false;
    std::size_t i = at_ + 2;
    for (const char c : std::string_view("doctype")) {
      if (i >= html_.size() || lower(html_[i]) != c) return false;
      ++i;
    }
    if (i >= html_.size() || !is_html_space(html_[i])) return false;
    while (i < html_.size() && is_html_space(html_[i])) ++i;
    for (const char c : std::string_view("html")) {
      if (i >= html_.size() || lower(html_[i]) != c) return false;
      ++i;
    }
    while (i < html_.size() && is_html_space(html_[i])) ++i;
    if (i >= html_.size() || html_[i] != '>') return false;
    seen_doctype_ = true;
    at_ = i + 1;
    return true;
  }

  // A tag name at `i`: [A-Za-z][A-Za-z0-9-]*, lowercased into name_; moves i past it.
  bool tag_name(std::size_t& i) {
    name_.clear();
    if (i >= html_.size() || !is_letter(html_[i])) return false;
    while (i < html_.size() && (is_alnum(html_[i]) || html_[i] == '-')) name_ += lower(html_[i++]);
    return true;
  }

  GumboTag tag_of(std::string_view name) const {
    return gumbo_tagn_enum(name.data(), static_cast<unsigned>(name.size()));
  }

  bool end_tag() {
    std::size_t i = at_ + 2;
    if (!tag_name(i) || i >= html_.size() || html_[i] != '>') return false;
    const GumboTag tag = tag_of(name_);
    if (open_.empty() || open_.back().tag != tag || open_.back().name != name_) return false;
    switch (mode_) {
      case Mode::in_head:
        if (tag != GUMBO_TAG_HEAD) return false;
        mode_ = Mode::after_head;
        break;
      case Mode::in_body:
        if (tag == GUMBO_TAG_BODY) {
          mode_ = Mode::after_body;
          body_ends_in_text_ = last_text_end_ == at_ && !last_text_blank_;
        }
        break;
      case Mode::after_body:
        if (tag != GUMBO_TAG_HTML) return false;
        mode_ = Mode::after_html;
        break;
      default:
        return false;
    }
    close(tag);
    open_.pop_back();
    if (!out_.end()) return false;
    at_ = i + 1;
    return true;
  }

  void close(GumboTag tag) {
    if (tag == GUMBO_TAG_P) --open_p_;
    if (tag == GUMBO_TAG_A) --open_a_;
    if (is_heading(tag)) --open_headings_;
  }

  // Reads the attributes from `i` up to '>' into attributes_; false on an unquoted value or anything
  // gumbo would read as a parse error.
  bool attributes(std::size_t& i, bool& self_closing) {
    attributes_.clear();
    values_.clear();
    self_closing = false;
    for (;;) {
      const std::size_t before = i;
      while (i < html_.size() && is_html_space(html_[i])) ++i;
      if (i >= html_.size()) return false;
      if (html_[i] == '>') {
        ++i;
        return true;
      }
      if (html_[i] == '/') {
        if (i + 1 >= html_.size() || html_[i + 1] != '>') return false;
        self_closing = true;
        i += 2;
        return true;
      }
      if (i == before) return false;  // no space before this attribute
      const std::size_t name_start = i;
      bool upper = false;
      while (i < html_.size() && !is_html_space(html_[i]) && html_[i] != '/' && html_[i] != '>' && html_[i] != '=') {
        const char c = html_[i];
        if (c == '"' || c == '\'' || c == '<' || c == '&' || control_byte(c)) return false;
        upper = upper || (c >= 'A' && c <= 'Z');
        ++i;
      }
      if (i == name_start || upper) return false;
      const std::string_view name = html_.substr(name_start, i - name_start);
      AttributeView attribute{name, {}, kNpos};
      if (i < html_.size() && html_[i] == '=') {
        ++i;
        if (i >= html_.size() || (html_[i] != '"' && html_[i] != '\'')) return false;
        const char quote = html_[i];
        const std::size_t value_start = i + 1;
        const std::size_t value_end = html_.find(quote, value_start);
        if (value_end == std::string_view::npos) return false;
        const std::string_view raw = html_.substr(value_start, value_end - value_start);
        values_.emplace_back();
        const auto value = decoded(raw, values_.back());
        if (!value) return false;
        attribute.value = *value;
        if (*value == raw) attribute.offset = value_start;
        i = value_end + 1;
      }
      const bool duplicate = std::any_of(attributes_.begin(), attributes_.end(),
                                         [&](const AttributeView& a) { return a.name == name; });
      if (!duplicate) attributes_.push_back(attribute);
    }
  }

  bool start_tag() {
    const std::size_t tag_start = at_;
    std::size_t i = at_ + 1;
    if (!tag_name(i)) return false;
    if (i >= html_.size() || (!is_html_space(html_[i]) && html_[i] != '>' && html_[i] != '/')) return false;
    const GumboTag tag = tag_of(name_);
    bool self_closing = false;
    if (!attributes(i, self_closing)) return false;
    const bool is_void = has_class(tag, kVoid);
    if (self_closing && !is_void) return false;
    switch (mode_) {
      case Mode::before_html:
        if (tag != GUMBO_TAG_HTML) return false;
        mode_ = Mode::before_head;
        break;
      case Mode::before_head:
        if (tag != GUMBO_TAG_HEAD) return false;
        mode_ = Mode::in_head;
        break;
      case Mode::in_head:
        if (tag != GUMBO_TAG_META && tag != GUMBO_TAG_LINK && tag != GUMBO_TAG_BASE && tag != GUMBO_TAG_TITLE &&
            tag != GUMBO_TAG_STYLE && tag != GUMBO_TAG_SCRIPT) {
          return false;
        }
        break;
      case Mode::after_head:
        if (tag != GUMBO_TAG_BODY) return false;
        mode_ = Mode::in_body;
        break;
      case Mode::in_body:
        if (!body_start_allowed(tag)) return false;
        break;
      default:
        return false;
    }
    const std::string_view name = tag == GUMBO_TAG_UNKNOWN ? std::string_view(name_) : gumbo_normalized_tagname(tag);
    const ElementView view{tag, name, line_at(tag_start), true, attributes_};
    auto framed = out_.start(view);
    if (!framed) return false;
    at_ = i;
    if (tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE) return skip_raw_text(tag);
    if (tag == GUMBO_TAG_TITLE) return title_text();
    if (is_void) return !*framed || static_cast<bool>(out_.end());
    open_.push_back({tag, name_});
    if (tag == GUMBO_TAG_P) ++open_p_;
    if (tag == GUMBO_TAG_A) ++open_a_;
    if (is_heading(tag)) ++open_headings_;
    return true;
  }

  bool body_start_allowed(GumboTag tag) const {
    if (left_to_gumbo(tag)) return false;
    if (open_p_ > 0 && !phrasing(tag)) return false;       // it would close the <p>
    if (tag == GUMBO_TAG_A && open_a_ > 0) return false;   // the adoption agency
    if (is_heading(tag) && open_headings_ > 0) return false;
    const GumboTag parent = open_.back().tag;
    if (tag == GUMBO_TAG_LI && parent != GUMBO_TAG_UL && parent != GUMBO_TAG_OL && parent != GUMBO_TAG_MENU) return false;
    if ((tag == GUMBO_TAG_DD || tag == GUMBO_TAG_DT) && parent != GUMBO_TAG_DL) return false;
    return true;
  }

  // The end of a raw-text element's contents: "</name>" (any case) from at_; npos when absent.
  std::size_t raw_text_end(GumboTag tag) const {
    const std::string_view name = gumbo_normalized_tagname(tag);
    for (std::size_t at = html_.find("</", at_); at != std::string_view::npos; at = html_.find("</", at + 2)) {
      std::size_t i = 0;
      while (i < name.size() && at + 2 + i < html_.size() && lower(html_[at + 2 + i]) == name[i]) ++i;
      if (i == name.size()) {
        const std::size_t after = at + 2 + name.size();
        return after < html_.size() && html_[after] == '>' ? at : std::string_view::npos;
      }
    }
    return std::string_view::npos;
  }

  // <script>, <style>: nothing inside is read (HtmlText::start skipped them); the reader moves past
  // their end tag. A script with "<!--" goes to gumbo (the script-data escape states), and so does
  // a control character (gumbo counts a lone CR as a line).
  bool skip_raw_text(GumboTag tag) {
    const std::size_t end = raw_text_end(tag);
    if (end == std::string_view::npos) return false;
    const std::string_view contents = html_.substr(at_, end - at_);
    if (tag == GUMBO_TAG_SCRIPT && contents.find("<!--") != std::string_view::npos) return false;
    if (std::any_of(contents.begin(), contents.end(), control_byte)) return false;  // a CR counts as a line
    at_ = end + 3 + std::strlen(gumbo_normalized_tagname(tag));
    return true;
  }

  // <title>: its text with references decoded (RCDATA), then its end.
  bool title_text() {
    const std::size_t end = raw_text_end(GUMBO_TAG_TITLE);
    if (end == std::string_view::npos) return false;
    const std::string_view raw = html_.substr(at_, end - at_);
    if (raw.find('<') != std::string_view::npos) return false;
    if (!raw.empty()) {
      const auto text = decoded(raw, text_buffer_);
      if (!text) return false;
      out_.text(*text, raw, at_, line_at(at_));
    }
    at_ = end + std::string_view("</title>").size();
    return static_cast<bool>(out_.end());
  }

  std::string_view html_;
  HtmlText& out_;
  std::size_t at_ = 0;
  Mode mode_ = Mode::before_html;
  bool seen_doctype_ = false;
  std::size_t last_text_end_ = 0;   // where the last text node read in the body ends
  bool last_text_blank_ = true;     // and whether it was only whitespace
  bool body_ends_in_text_ = false;  // the body's last child is a text node with more than whitespace
  std::vector<Open> open_;
  std::size_t open_p_ = 0, open_a_ = 0, open_headings_ = 0;
  unsigned line_ = 1;
  std::size_t line_counted_ = 0;
  std::string name_;
  std::string text_buffer_;
  std::vector<AttributeView> attributes_;
  std::deque<std::string> values_;  // decoded attribute values (a deque: growing moves none)
};

}  // namespace

namespace detail {

std::optional<std::vector<Segment>> extract_html_simple(std::string_view path, std::string_view utf8_html,
                                                        const ExtractLimits& limits, ExtractBudget& budget) {
  const ExtractBudget before = budget;
  HtmlText text(path, limits, budget);
  if (SimpleReader(utf8_html, text).read()) return text.take_segments();
  budget = before;
  return std::nullopt;
}

Result<std::vector<Segment>> extract_html_gumbo(std::string_view path, std::string_view utf8_html,
                                                const ExtractLimits& limits, ExtractBudget& budget) {
  GumboArena arena;  // freed without recursion however deep the tree
  const GumboOptions options = arena.options();
  const GumboOutput* output = gumbo_parse_with_options(&options, utf8_html.data(), utf8_html.size());
  HtmlText text(path, limits, budget);
  SW_CHECK(walk_gumbo(output->document, text));
  return text.take_segments();
}

}  // namespace detail

Result<std::vector<Segment>> extract_html(std::string_view path, std::string_view utf8_html,
                                          const ExtractLimits& limits, ExtractBudget& budget) {
  if (utf8_html.size() > std::numeric_limits<unsigned>::max()) {  // gumbo's positions are 32-bit
    return fail("review.limit",
                fmt::format("{}: HTML of {} bytes is over gumbo's 4 GiB", path, utf8_html.size()));
  }
  SW_CHECK(check_markup(path, utf8_html));
  if (auto segments = detail::extract_html_simple(path, utf8_html, limits, budget)) return std::move(*segments);
  return detail::extract_html_gumbo(path, utf8_html, limits, budget);
}

}  // namespace sw::review
