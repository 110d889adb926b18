// OOXML extraction (N3.2, N4.6): the text of Word, Excel and PowerPoint packages, including what a reader
// does not see — comments, tracked deletions, text boxes, hidden and very hidden sheets, defined names,
// speaker notes, document properties. Parts are read from the zip under ExtractLimits (zip_reader.h)
// and streamed with libxml2's xmlTextReader: no DTD (a part with a DOCTYPE is refused, so no entity is
// ever expanded), no network, no XML_PARSE_HUGE. docs/modules/review.md "Archives, OOXML and PDF".
#include <libxml/parser.h>
#include <libxml/xmlreader.h>

#include <array>
#include <climits>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "review/extract.h"
#include "review/zip_reader.h"

namespace sw::review {
namespace {

// ---- a pull cursor over one XML part ----

class XmlCursor {
 public:
  enum class Node { start, end, text };

  // `xml` must outlive the cursor; `where` names the part in errors ("member word/document.xml of a.docx").
  static Result<XmlCursor> open(std::string_view xml, std::string where) {
    static std::once_flag initialised;
    std::call_once(initialised, [] { xmlInitParser(); });
    if (xml.size() > static_cast<std::size_t>(INT_MAX)) {
      return fail("review.limit", where + ": " + human_size(xml.size()) + " of XML, more than the parser takes");
    }
    XmlCursor cursor(std::move(where));
    cursor.reader_.reset(xmlReaderForMemory(xml.data(), static_cast<int>(xml.size()), nullptr, nullptr,
                                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
    if (!cursor.reader_) return fail("review.corrupt", cursor.where_ + ": cannot start the XML parser");
    xmlTextReaderSetStructuredErrorHandler(cursor.reader_.get(), &XmlCursor::keep_first_error, cursor.first_error_.get());
    return cursor;
  }

  // Moves to the next start tag, end tag or text (significant text only); false at the end.
  Result<bool> next() {
    if (empty_element_) {  // <w:br/>: report its end without reading
      empty_element_ = false;
      node_ = Node::end;
      return true;
    }
    while (true) {
      const int status = skipped_ ? skip_status_ : xmlTextReaderRead(reader_.get());
      skipped_ = false;
      if (status == 0) return false;
      if (status < 0) return fail("review.corrupt", where_ + ": malformed XML (" + *first_error_ + ")");
      switch (xmlTextReaderNodeType(reader_.get())) {
        case XML_READER_TYPE_ELEMENT:
          node_ = Node::start;
          empty_element_ = xmlTextReaderIsEmptyElement(reader_.get()) == 1;
          return true;
        case XML_READER_TYPE_END_ELEMENT: node_ = Node::end; return true;
        case XML_READER_TYPE_TEXT:
        case XML_READER_TYPE_CDATA:
        case XML_READER_TYPE_SIGNIFICANT_WHITESPACE: node_ = Node::text; return true;
        case XML_READER_TYPE_DOCUMENT_TYPE:
          return fail("review.corrupt", where_ + ": has a DOCTYPE, which OOXML never uses (refused: entities)");
        default: break;
      }
    }
  }

  Node node() const { return node_; }
  bool is_start(std::string_view name) const { return node_ == Node::start && this->name() == name; }
  bool is_end(std::string_view name) const { return node_ == Node::end && this->name() == name; }
  // The local name of the element (no prefix).
  std::string_view name() const { return as_view(xmlTextReaderConstLocalName(reader_.get())); }
  std::string_view text() const { return as_view(xmlTextReaderConstValue(reader_.get())); }

  // The value of the current element's attribute with this local name, or "".
  std::string attribute(std::string_view local_name) const {
    std::string value;
    xmlTextReader* reader = reader_.get();
    if (xmlTextReaderMoveToFirstAttribute(reader) != 1) return value;
    do {
      if (as_view(xmlTextReaderConstLocalName(reader)) == local_name) {
        value = as_view(xmlTextReaderConstValue(reader));
        break;
      }
    } while (xmlTextReaderMoveToNextAttribute(reader) == 1);
    xmlTextReaderMoveToElement(reader);
    return value;
  }

  // The current element's r:id (transitional or strict OOXML relationships namespace), or "".
  std::string relationship_id() const {
    static constexpr std::array<const char*, 2> kNamespaces = {
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "http://purl.oclc.org/ooxml/officeDocument/relationships"};
    for (const char* ns : kNamespaces) {
      xmlChar* value = xmlTextReaderGetAttributeNs(reader_.get(), reinterpret_cast<const xmlChar*>("id"),
                                                   reinterpret_cast<const xmlChar*>(ns));
      if (value == nullptr) continue;
      std::string id(as_view(value));
      xmlFree(value);
      return id;
    }
    return {};
  }

  // Skips the current start element and everything inside it.
  void skip() {
    skip_status_ = empty_element_ ? xmlTextReaderRead(reader_.get()) : xmlTextReaderNext(reader_.get());
    empty_element_ = false;
    skipped_ = true;
  }

  // The text inside the current start element (all of it, minus subtrees of elements named `skipped`),
  // leaving the cursor on its end tag.
  Result<std::string> element_text(std::string_view skipped = {}) {
    std::string text;
    int depth = 1;
    while (depth > 0) {
      SW_TRY(more, next());
      if (!more) return fail("review.corrupt", where_ + ": ends inside an element");
      if (node_ == Node::start && !skipped.empty() && name() == skipped) {
        skip();
      } else if (node_ == Node::start) {
        ++depth;
      } else if (node_ == Node::end) {
        --depth;
      } else {
        text += this->text();
      }
    }
    return text;
  }

  const std::string& where() const { return where_; }

 private:
  struct ReaderFree {
    void operator()(xmlTextReader* reader) const { xmlFreeTextReader(reader); }
  };

  explicit XmlCursor(std::string where)
      : where_(std::move(where)), first_error_(std::make_unique<std::string>("no detail")) {}

  static std::string_view as_view(const xmlChar* text) {
    return text == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(text));
  }
  static void keep_first_error(void* first, xmlErrorPtr error) {
    auto* message = static_cast<std::string*>(first);
    if (*message != "no detail" || error == nullptr || error->message == nullptr) return;
    *message = "line " + std::to_string(error->line) + ": " + error->message;
    while (!message->empty() && message->back() == '\n') message->pop_back();
  }

  std::string where_;
  std::unique_ptr<std::string> first_error_;  // stable address for the error handler
  std::unique_ptr<xmlTextReader, ReaderFree> reader_;
  Node node_ = Node::text;
  bool empty_element_ = false;
  bool skipped_ = false;
  int skip_status_ = 0;
};

// ---- package parts and relationships ----

std::string part_label(const ZipArchive& archive, std::string_view part) {
  return "member " + std::string(part) + " of " + archive.path();
}

// Reads `part` and hands a cursor over it to `walk`. A missing optional part is no error.
template <class Walk>
Status walk_part(const ZipArchive& archive, std::string_view part, ExtractBudget& budget, Walk&& walk) {
  SW_TRY(xml, archive.read(part, budget));
  SW_TRY(cursor, XmlCursor::open(xml, part_label(archive, part)));
  return walk(cursor);
}

template <class Walk>
Status walk_optional_part(const ZipArchive& archive, std::string_view part, ExtractBudget& budget, Walk&& walk) {
  if (archive.find(part) == nullptr) return ok();
  return walk_part(archive, part, budget, std::forward<Walk>(walk));
}

std::string directory_of(std::string_view part) {
  const std::size_t slash = part.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(part.substr(0, slash + 1));
}

std::string file_name_of(std::string_view part) {
  const std::size_t slash = part.rfind('/');
  return std::string(slash == std::string_view::npos ? part : part.substr(slash + 1));
}

// A relationship target resolved against the directory of its source part ("../comments1.xml" from
// "xl/worksheets/" is "xl/comments1.xml"; "/xl/x.xml" is "xl/x.xml").
std::string resolve_target(std::string_view source_dir, std::string_view target) {
  std::string joined = target.starts_with('/') ? std::string(target.substr(1)) : std::string(source_dir) + std::string(target);
  std::vector<std::string_view> kept;
  std::string_view rest = joined;
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/');
    const std::string_view piece = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (piece == "..") {
      if (!kept.empty()) kept.pop_back();
    } else if (!piece.empty() && piece != ".") {
      kept.push_back(piece);
    }
  }
  std::string resolved;
  for (std::string_view piece : kept) {
    if (!resolved.empty()) resolved += '/';
    resolved += piece;
  }
  return resolved;
}

struct Relationship {
  std::string id;
  std::string type;     // the last element of the type URI: "worksheet", "comments", "notesSlide"...
  std::string target;   // the part name, resolved
};

// The relationships of `part` (from "dir/_rels/name.rels"); external targets are left out.
Result<std::vector<Relationship>> relationships_of(const ZipArchive& archive, std::string_view part,
                                                   ExtractBudget& budget) {
  const std::string dir = directory_of(part);
  std::vector<Relationship> found;
  SW_CHECK(walk_optional_part(archive, dir + "_rels/" + file_name_of(part) + ".rels", budget, [&](XmlCursor& xml) -> Status {
    while (true) {
      SW_TRY(more, xml.next());
      if (!more) return ok();
      if (!xml.is_start("Relationship") || xml.attribute("TargetMode") == "External") continue;
      const std::string type = xml.attribute("Type");
      found.push_back({xml.attribute("Id"), type.substr(type.rfind('/') + 1), resolve_target(dir, xml.attribute("Target"))});
    }
  }));
  return found;
}

// The first relationship whose `field` (&Relationship::id or ::type) is `value`, or nullptr.
const Relationship* find_relationship(const std::vector<Relationship>& rels, std::string Relationship::*field,
                                      std::string_view value) {
  for (const auto& rel : rels) {
    if (rel.*field == value) return &rel;
  }
  return nullptr;
}

// ---- the package kind ----

struct MainPart {
  std::string kind;   // "docx", "xlsx", "pptx" or "zip"
  std::string name;   // "word/document.xml"...
};

std::string_view kind_of_content_type(std::string_view type) {
  struct Main {
    std::string_view content_type;
    std::string_view kind;
  };
  static constexpr std::array<Main, 13> kMainParts = {{
      {"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", "docx"},
      {"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml", "docx"},
      {"application/vnd.ms-word.document.macroEnabled.main+xml", "docx"},
      {"application/vnd.ms-word.template.macroEnabledTemplate.main+xml", "docx"},
      {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", "xlsx"},
      {"application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml", "xlsx"},
      {"application/vnd.ms-excel.sheet.macroEnabled.main+xml", "xlsx"},
      {"application/vnd.ms-excel.template.macroEnabled.main+xml", "xlsx"},
      {"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml", "pptx"},
      {"application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml", "pptx"},
      {"application/vnd.openxmlformats-officedocument.presentationml.template.main+xml", "pptx"},
      {"application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml", "pptx"},
      {"application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml", "pptx"},
  }};
  for (const Main& main : kMainParts) {
    if (main.content_type == type) return main.kind;
  }
  return {};
}

// The main document part named in [Content_Types].xml; kind "zip" when there is none.
Result<MainPart> main_part(const ZipArchive& archive, ExtractBudget& budget) {
  MainPart main{"zip", ""};
  SW_CHECK(walk_optional_part(archive, "[Content_Types].xml", budget, [&](XmlCursor& xml) -> Status {
    while (true) {
      SW_TRY(more, xml.next());
      if (!more) return ok();
      if (!xml.is_start("Override")) continue;
      const std::string_view kind = kind_of_content_type(xml.attribute("ContentType"));
      if (kind.empty()) continue;
      main = {std::string(kind), resolve_target("", xml.attribute("PartName"))};
      return ok();
    }
  }));
  return main;
}

Result<MainPart> expect_main_part(const ZipArchive& archive, std::string_view kind, ExtractBudget& budget) {
  SW_TRY(main, main_part(archive, budget));
  if (main.kind != kind) {
    return fail("review.corrupt", archive.path() + ": not a " + std::string(kind) + " package (its [Content_Types].xml " +
                                      (main.kind == "zip" ? std::string("names no main document") : "says " + main.kind) + ")");
  }
  return main;
}

// ---- document properties (docx, xlsx, pptx) ----

std::string_view property_part(std::string_view element) {
  struct Property {
    std::string_view element;
    std::string_view part;
  };
  static constexpr std::array<Property, 9> kProperties = {{
      {"creator", "property:creator"},
      {"lastModifiedBy", "property:lastModifiedBy"},
      {"title", "property:title"},
      {"subject", "property:subject"},
      {"keywords", "property:keywords"},
      {"description", "property:description"},
      {"category", "property:category"},
      {"Company", "property:company"},
      {"Manager", "property:manager"},
  }};
  for (const Property& property : kProperties) {
    if (property.element == element) return property.part;
  }
  return {};
}

// docProps/core.xml and app.xml (the properties above) and custom.xml (part "property:custom", locator
// the property's name). All hidden: a reader of the document does not see them, a search engine does.
Status read_properties(const ZipArchive& archive, SegmentSink& sink, ExtractBudget& budget) {
  for (std::string_view part : {"docProps/core.xml", "docProps/app.xml"}) {
    SW_CHECK(walk_optional_part(archive, part, budget, [&](XmlCursor& xml) -> Status {
      while (true) {
        SW_TRY(more, xml.next());
        if (!more) return ok();
        if (xml.node() != XmlCursor::Node::start) continue;
        const std::string_view property = property_part(xml.name());
        if (property.empty()) continue;
        SW_TRY(text, xml.element_text());
        SW_CHECK(sink.add(property, std::string(part), std::move(text), true));
      }
    }));
  }
  return walk_optional_part(archive, "docProps/custom.xml", budget, [&](XmlCursor& xml) -> Status {
    while (true) {
      SW_TRY(more, xml.next());
      if (!more) return ok();
      if (!xml.is_start("property")) continue;
      std::string name = xml.attribute("name");
      SW_TRY(text, xml.element_text());
      SW_CHECK(sink.add("property:custom", std::move(name), std::move(text), true));
    }
  });
}

// ---- docx ----

// A WordprocessingML part: the whole part is one segment (body, header, footer), or each `unit`
// element is one (comment, footnote, endnote).
struct Story {
  std::string_view part;
  std::string locator;     // the part's file name: "document.xml", "header1.xml"
  std::string_view unit;   // "", "comment", "footnote", "endnote"
  bool hidden = false;
};

// Collects one story. Text goes to the innermost open buffer (the story or unit, or a text box inside
// it); a tracked insertion's text also goes to its own "docx:insert" segment (the body reads as with all
// changes accepted), a deletion's only to "docx:delete" (hidden); runs formatted hidden (w:vanish) go to
// one "docx:hidden" segment per part.
class StoryReader {
 public:
  StoryReader(const Story& story, SegmentSink& sink)
      : story_(story), sink_(sink), vanished_{"docx:hidden", story.locator + " hidden text", true, {}, {}} {
    if (story.unit.empty()) open_.push_back({story.part, story.locator, story.hidden, {}, {}});
  }

  Status read(XmlCursor& xml) {
    while (true) {
      SW_TRY(more, xml.next());
      if (!more) break;
      if (xml.node() == XmlCursor::Node::start) {
        SW_CHECK(start(xml));
      } else if (xml.node() == XmlCursor::Node::end) {
        SW_CHECK(end(xml.name()));
      } else {
        text(xml.text());
      }
    }
    while (!open_.empty()) SW_CHECK(close_innermost());
    return emit(std::move(vanished_));
  }

 private:
  struct Buffer {
    std::string_view part;
    std::string locator;
    bool hidden = false;
    std::string text;
    std::string_view closed_by;   // the element whose end tag emits this buffer
  };

  static std::string with_author(std::string locator, const std::string& author) {
    return author.empty() ? locator : locator + " (" + author + ")";
  }

  // Reads a run's w:rPr to its end: is the run hidden (w:vanish, unless w:val says off)?
  static Result<bool> vanishes(XmlCursor& xml) {
    bool hidden = false;
    for (int depth = 1; depth > 0;) {
      SW_TRY(more, xml.next());
      if (!more) return fail("review.corrupt", xml.where() + ": ends inside run properties");
      if (xml.node() == XmlCursor::Node::start) {
        ++depth;
        const std::string value = xml.name() == "vanish" ? xml.attribute("val") : std::string("0");
        if (value != "0" && value != "false" && value != "off") hidden = true;
      } else if (xml.node() == XmlCursor::Node::end) {
        --depth;
      }
    }
    return hidden;
  }

  Status start(XmlCursor& xml) {
    const std::string_view name = xml.name();
    if (name == "rPr") {
      SW_TRY(hidden, vanishes(xml));
      run_hidden_ = hidden;
    } else if (name == "r") {
      run_hidden_ = false;
    } else if (name == "t") {
      in_text_ = true;
    } else if (name == "delText") {
      in_deleted_text_ = true;
    } else if (name == "tab") {
      append("\t");
    } else if (name == "br" || name == "cr") {
      append("\n");
    } else if (name == "pPr" || name == "Fallback" || name == "instrText") {
      xml.skip();   // paragraph properties (tab stops are w:tab too), the VML copy of a text box, field codes
    } else if (name == story_.unit) {
      start_unit(xml);
    } else if (name == "txbxContent") {
      open_.push_back({"docx:textbox", story_.locator + " text box " + std::to_string(++textboxes_), story_.hidden, {},
                       "txbxContent"});
    } else if (name == "ins" || name == "del") {
      const bool insertion = name == "ins";
      const int number = insertion ? ++insertions_ : ++deletions_;
      change_ = Buffer{insertion ? "docx:insert" : "docx:delete",
                       with_author(story_.locator + (insertion ? " insertion " : " deletion ") + std::to_string(number),
                                   xml.attribute("author")),
                       !insertion || story_.hidden, {}, insertion ? "ins" : "del"};
    }
    return ok();
  }

  void start_unit(XmlCursor& xml) {
    const std::string type = xml.attribute("type");
    if (!type.empty() && type != "normal") {   // footnote separators
      xml.skip();
      return;
    }
    std::string locator = std::string(story_.unit) + " " + std::to_string(++units_);
    if (story_.unit == "comment") locator = with_author(std::move(locator), xml.attribute("author"));
    open_.push_back({story_.part, std::move(locator), story_.hidden, {}, story_.unit});
  }

  Status end(std::string_view name) {
    if (name == "t") {
      in_text_ = false;
    } else if (name == "delText") {
      in_deleted_text_ = false;
    } else if (name == "r") {
      run_hidden_ = false;
    } else if (name == "p") {
      append("\n");
      if (!vanished_.text.empty() && vanished_.text.back() != '\n') vanished_.text += '\n';
    } else if (change_ && name == change_->closed_by) {
      Buffer change = std::move(*change_);
      change_.reset();
      return emit(std::move(change));
    } else if (!open_.empty() && name == open_.back().closed_by) {
      return close_innermost();
    }
    return ok();
  }

  void text(std::string_view text) {
    if (in_deleted_text_) {
      if (change_ && change_->part == "docx:delete") change_->text += text;
    } else if (in_text_) {
      append(text);
    }
  }

  void append(std::string_view text) {
    if (run_hidden_) {
      vanished_.text += text;
    } else if (!open_.empty()) {
      open_.back().text += text;
    }
    if (change_ && change_->part == "docx:insert") change_->text += text;
  }

  Status close_innermost() {
    Buffer buffer = std::move(open_.back());
    open_.pop_back();
    return emit(std::move(buffer));
  }

  Status emit(Buffer buffer) {
    while (!buffer.text.empty() && buffer.text.back() == '\n') buffer.text.pop_back();
    return sink_.add(buffer.part, std::move(buffer.locator), std::move(buffer.text), buffer.hidden);
  }

  const Story& story_;
  SegmentSink& sink_;
  std::vector<Buffer> open_;
  std::optional<Buffer> change_;
  Buffer vanished_;
  bool run_hidden_ = false;
  bool in_text_ = false;
  bool in_deleted_text_ = false;
  int units_ = 0;
  int textboxes_ = 0;
  int insertions_ = 0;
  int deletions_ = 0;
};

Status read_story(const ZipArchive& archive, std::string_view part, const Story& story, SegmentSink& sink,
                  ExtractBudget& budget) {
  return walk_part(archive, part, budget, [&](XmlCursor& xml) { return StoryReader(story, sink).read(xml); });
}

// Parts directly in `dir` named prefix.xml or prefix<digits>.xml ("word/header1.xml"), in archive order.
std::vector<std::string> parts_named(const ZipArchive& archive, const std::string& dir, std::string_view prefix) {
  std::vector<std::string> parts;
  const std::string start = dir + std::string(prefix);
  for (const ZipEntry& entry : archive.entries()) {
    const std::string_view name = entry.name;
    if (!name.starts_with(start) || !name.ends_with(".xml")) continue;
    const std::string_view number = name.substr(start.size(), name.size() - start.size() - 4);
    if (number.find_first_not_of("0123456789") == std::string_view::npos) parts.push_back(entry.name);
  }
  return parts;
}


// ---- xlsx ----

bool is_true(std::string_view value) { return value == "1" || value == "true"; }

std::string sheet_state_note(std::string_view state) {
  if (state == "hidden") return " (hidden sheet)";
  if (state == "veryHidden") return " (very hidden sheet)";
  return {};
}

// "AB7" → 28: the column of a cell reference; 0 when it has no letters.
std::uint32_t column_number(std::string_view ref) {
  std::uint32_t column = 0;
  for (char c : ref) {
    if (c < 'A' || c > 'Z' || column > 100000) break;
    column = column * 26 + static_cast<std::uint32_t>(c - 'A' + 1);
  }
  return column;
}

std::string column_letters(std::uint32_t column) {
  std::string letters;
  for (; column > 0; column = (column - 1) / 26) letters.insert(letters.begin(), static_cast<char>('A' + (column - 1) % 26));
  return letters;
}

struct Sheet {
  std::string name;
  std::string state;   // "", "hidden", "veryHidden"
  std::string part;    // "xl/worksheets/sheet1.xml"
  bool hidden() const { return !state.empty() && state != "visible"; }
  std::string locator(std::string_view ref) const { return name + "!" + std::string(ref) + sheet_state_note(state); }
};

// workbook.xml: the sheets in tab order, and the defined names (segments "xlsx:defined-name", locator the
// name, text "name=formula", hidden: they live in the Name Manager, not in a cell).
Result<std::vector<Sheet>> read_workbook(const ZipArchive& archive, const std::string& workbook,
                                         const std::vector<Relationship>& rels, SegmentSink& sink, ExtractBudget& budget) {
  std::vector<Sheet> sheets;
  SW_CHECK(walk_part(archive, workbook, budget, [&](XmlCursor& xml) -> Status {
    while (true) {
      SW_TRY(more, xml.next());
      if (!more) return ok();
      if (xml.is_start("sheet")) {
        const Relationship* rel = find_relationship(rels, &Relationship::id, xml.relationship_id());
        if (rel == nullptr) return fail("review.corrupt", xml.where() + ": sheet " + xml.attribute("name") + " has no part");
        sheets.push_back({xml.attribute("name"), xml.attribute("state"), rel->target});
      } else if (xml.is_start("definedName")) {
        std::string name = xml.attribute("name");
        SW_TRY(formula, xml.element_text());
        SW_CHECK(sink.add("xlsx:defined-name", name, name + "=" + formula, true));
      }
    }
  }));
  return sheets;
}

Result<std::vector<std::string>> read_shared_strings(const ZipArchive& archive, const std::vector<Relationship>& rels,
                                                     ExtractBudget& budget) {
  std::vector<std::string> strings;
  const Relationship* rel = find_relationship(rels, &Relationship::type, "sharedStrings");
  if (rel == nullptr) return strings;
  SW_CHECK(walk_optional_part(archive, rel->target, budget, [&](XmlCursor& xml) -> Status {
    while (true) {
      SW_TRY(more, xml.next());
      if (!more) return ok();
      if (!xml.is_start("si")) continue;
      SW_TRY(text, xml.element_text("rPh"));   // rPh: phonetic guides, not shown
      strings.push_back(std::move(text));
    }
  }));
  return strings;
}

// One worksheet: a segment per non-empty cell (part "xlsx:sheet", locator "Sheet!B7"), hidden when the
// sheet, the row or the column is.
class SheetReader {
 public:
  SheetReader(const Sheet& sheet, const std::vector<std::string>& shared, SegmentSink& sink)
      : sheet_(sheet), shared_(shared), sink_(sink) {}

  Status read(XmlCursor& xml) {
    while (true) {
      SW_TRY(more, xml.next());
      if (!more) return ok();
      if (xml.is_start("col") && is_true(xml.attribute("hidden"))) {
        hidden_columns_.emplace_back(to_number(xml.attribute("min")), to_number(xml.attribute("max")));
      } else if (xml.is_start("row")) {
        const std::uint32_t number = to_number(xml.attribute("r"));
        row_ = number != 0 ? number : row_ + 1;
        row_hidden_ = is_true(xml.attribute("hidden"));
        column_ = 0;
      } else if (xml.is_start("c")) {
        SW_CHECK(read_cell(xml));
      }
    }
  }

 private:
  static std::uint32_t to_number(std::string_view text) {
    std::uint32_t number = 0;
    for (char c : text) {
      if (c < '0' || c > '9' || number > 100000000) return number;
      number = number * 10 + static_cast<std::uint32_t>(c - '0');
    }
    return number;
  }

  bool column_hidden(std::uint32_t column) const {
    for (const auto& [first, last] : hidden_columns_) {
      if (column >= first && column <= last) return true;
    }
    return false;
  }

  Status read_cell(XmlCursor& xml) {
    std::string ref = xml.attribute("r");
    const std::string type = xml.attribute("t");
    const std::uint32_t column = column_number(ref);
    column_ = column != 0 ? column : column_ + 1;
    if (ref.empty()) ref = column_letters(column_) + std::to_string(row_);
    std::string value;
    while (true) {
      SW_TRY(more, xml.next());
      if (!more || xml.is_end("c")) break;
      if (xml.is_start("v")) {
        SW_TRY(text, xml.element_text());
        value = std::move(text);
      } else if (xml.is_start("is")) {
        SW_TRY(text, xml.element_text("rPh"));
        value = std::move(text);
      } else if (xml.node() == XmlCursor::Node::start) {
        xml.skip();   // f: the formula, not what the cell shows
      }
    }
    if (type == "b" || type == "e") return ok();   // booleans and error codes carry no words
    if (type == "s") {
      const std::uint32_t index = to_number(value);
      if (value.empty() || index >= shared_.size()) {
        return fail("review.corrupt", "sheet " + sheet_.name + " cell " + ref + ": shared string " + value + " of " +
                                          std::to_string(shared_.size()));
      }
      value = shared_[index];
    }
    std::string locator = sheet_.locator(ref);
    const bool hidden_row = row_hidden_ && !sheet_.hidden();
    const bool hidden_column = column_hidden(column_) && !sheet_.hidden() && !hidden_row;
    if (hidden_row) locator += " (hidden row)";
    if (hidden_column) locator += " (hidden column)";
    return sink_.add("xlsx:sheet", std::move(locator), std::move(value), sheet_.hidden() || hidden_row || hidden_column);
  }

  const Sheet& sheet_;
  const std::vector<std::string>& shared_;
  SegmentSink& sink_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> hidden_columns_;
  std::uint32_t row_ = 0;
  std::uint32_t column_ = 0;
  bool row_hidden_ = false;
};

// The legacy comments of a sheet (xl/commentsN.xml, found through the sheet's relationships): part
// "xlsx:comment", locator the cell, hidden (shown only on hover).
Status read_sheet_comments(const ZipArchive& archive, const Sheet& sheet, SegmentSink& sink, ExtractBudget& budget) {
  SW_TRY(rels, relationships_of(archive, sheet.part, budget));
  const Relationship* rel = find_relationship(rels, &Relationship::type, "comments");
  if (rel == nullptr) return ok();
  return walk_optional_part(archive, rel->target, budget, [&](XmlCursor& xml) -> Status {
    while (true) {
      SW_TRY(more, xml.next());
      if (!more) return ok();
      if (!xml.is_start("comment")) continue;
      const std::string ref = xml.attribute("ref");
      SW_TRY(text, xml.element_text("rPh"));
      SW_CHECK(sink.add("xlsx:comment", sheet.locator(ref), std::move(text), true));
    }
  });
}

// ---- pptx ----

// DrawingML text of a slide, notes page or shape tree: a:t runs, paragraphs and a:br as lines. With
// `skip_slide_numbers`, slide-number fields are left out (every notes page has one).
class DrawingText {
 public:
  explicit DrawingText(bool skip_slide_numbers) : skip_slide_numbers_(skip_slide_numbers) {}

  Status read(XmlCursor& xml) {
    while (true) {
      SW_TRY(more, xml.next());
      if (!more) break;
      if (xml.node() == XmlCursor::Node::text) {
        if (in_text_) text_ += xml.text();
      } else if (xml.node() == XmlCursor::Node::start) {
        start(xml);
      } else if (xml.name() == "t") {
        in_text_ = false;
      } else if (xml.name() == "p") {
        text_ += '\n';
      }
    }
    while (!text_.empty() && text_.back() == '\n') text_.pop_back();
    return ok();
  }

  std::string take() { return std::move(text_); }
  bool hidden_slide() const { return hidden_slide_; }

 private:
  void start(XmlCursor& xml) {
    const std::string_view name = xml.name();
    if (name == "t") {
      in_text_ = true;
    } else if (name == "br") {
      text_ += '\n';
    } else if (name == "sld") {
      const std::string show = xml.attribute("show");
      hidden_slide_ = show == "0" || show == "false";
    } else if (name == "Fallback" || (skip_slide_numbers_ && name == "fld" && xml.attribute("type") == "slidenum")) {
      xml.skip();
    }
  }

  bool skip_slide_numbers_;
  bool in_text_ = false;
  bool hidden_slide_ = false;
  std::string text_;
};

Status read_slide(const ZipArchive& archive, const std::string& part, int number, SegmentSink& sink,
                  ExtractBudget& budget) {
  std::string locator = "slide " + std::to_string(number);
  DrawingText slide(false);
  SW_CHECK(walk_part(archive, part, budget, [&](XmlCursor& xml) { return slide.read(xml); }));
  const bool hidden = slide.hidden_slide();
  SW_CHECK(sink.add("pptx:slide", hidden ? locator + " (hidden slide)" : locator, slide.take(), hidden));

  SW_TRY(rels, relationships_of(archive, part, budget));
  if (const Relationship* notes_rel = find_relationship(rels, &Relationship::type, "notesSlide")) {
    DrawingText notes(true);
    SW_CHECK(walk_optional_part(archive, notes_rel->target, budget, [&](XmlCursor& xml) { return notes.read(xml); }));
    SW_CHECK(sink.add("pptx:notes", locator, notes.take(), true));
  }
  const Relationship* comments_rel = find_relationship(rels, &Relationship::type, "comments");
  if (comments_rel == nullptr) return ok();
  int comments = 0;
  return walk_optional_part(archive, comments_rel->target, budget, [&](XmlCursor& xml) -> Status {
    while (true) {
      SW_TRY(more, xml.next());
      if (!more) return ok();
      if (!xml.is_start("cm")) continue;
      SW_TRY(text, xml.element_text());
      SW_CHECK(sink.add("pptx:comment", locator + " comment " + std::to_string(++comments), std::move(text), true));
    }
  });
}

}  // namespace

Result<std::string> zip_kind(std::string_view bytes, const ExtractLimits& limits, ExtractBudget& budget,
                             std::string_view path) {
  SW_TRY(archive, ZipArchive::open(path.empty() ? "archive" : path, bytes, limits));
  SW_TRY(main, main_part(archive, budget));
  return main.kind;
}

Result<std::vector<Segment>> extract_docx(std::string_view path, std::string_view bytes, const ExtractLimits& limits,
                                          ExtractBudget& budget) {
  SW_TRY(archive, ZipArchive::open(path, bytes, limits));
  SW_TRY(main, expect_main_part(archive, "docx", budget));
  SegmentSink sink(path, limits, budget);
  SW_CHECK(read_story(archive, main.name, {"docx:body", file_name_of(main.name), "", false}, sink, budget));
  const std::string dir = directory_of(main.name);
  struct Kind {
    std::string_view prefix;
    std::string_view part;
    std::string_view unit;
    bool hidden;
  };
  static constexpr std::array<Kind, 5> kStories = {{{"header", "docx:header", "", false},
                                                    {"footer", "docx:footer", "", false},
                                                    {"footnotes", "docx:footnote", "footnote", false},
                                                    {"endnotes", "docx:endnote", "endnote", false},
                                                    {"comments", "docx:comment", "comment", true}}};
  for (const Kind& kind : kStories) {
    for (const std::string& part : parts_named(archive, dir, kind.prefix)) {
      SW_CHECK(read_story(archive, part, {kind.part, file_name_of(part), kind.unit, kind.hidden}, sink, budget));
    }
  }
  SW_CHECK(read_properties(archive, sink, budget));
  return sink.take();
}


Result<std::vector<Segment>> extract_xlsx(std::string_view path, std::string_view bytes, const ExtractLimits& limits,
                                          ExtractBudget& budget) {
  SW_TRY(archive, ZipArchive::open(path, bytes, limits));
  SW_TRY(main, expect_main_part(archive, "xlsx", budget));
  SegmentSink sink(path, limits, budget);
  SW_TRY(rels, relationships_of(archive, main.name, budget));
  SW_TRY(sheets, read_workbook(archive, main.name, rels, sink, budget));
  SW_TRY(shared, read_shared_strings(archive, rels, budget));
  for (const Sheet& sheet : sheets) {
    // The tab name is seen by every reader of a visible sheet.
    SW_CHECK(sink.add("xlsx:sheet-name", sheet.name + sheet_state_note(sheet.state), sheet.name, sheet.hidden()));
    SW_CHECK(walk_part(archive, sheet.part, budget,
                       [&](XmlCursor& xml) { return SheetReader(sheet, shared, sink).read(xml); }));
    SW_CHECK(read_sheet_comments(archive, sheet, sink, budget));
  }
  SW_CHECK(read_properties(archive, sink, budget));
  return sink.take();
}

Result<std::vector<Segment>> extract_pptx(std::string_view path, std::string_view bytes, const ExtractLimits& limits,
                                          ExtractBudget& budget) {
  SW_TRY(archive, ZipArchive::open(path, bytes, limits));
  SW_TRY(main, expect_main_part(archive, "pptx", budget));
  SegmentSink sink(path, limits, budget);
  SW_TRY(rels, relationships_of(archive, main.name, budget));
  std::vector<std::string> slides;   // in show order, from presentation.xml (file names do not say it)
  SW_CHECK(walk_part(archive, main.name, budget, [&](XmlCursor& xml) -> Status {
    while (true) {
      SW_TRY(more, xml.next());
      if (!more) return ok();
      if (!xml.is_start("sldId")) continue;
      const Relationship* rel = find_relationship(rels, &Relationship::id, xml.relationship_id());
      if (rel == nullptr) return fail("review.corrupt", xml.where() + ": a slide id has no slide part");
      slides.push_back(rel->target);
    }
  }));
  for (std::size_t i = 0; i < slides.size(); ++i) {
    SW_CHECK(read_slide(archive, slides[i], static_cast<int>(i + 1), sink, budget));
  }
  SW_CHECK(read_properties(archive, sink, budget));
  return sink.take();
}

}  // namespace sw::review
