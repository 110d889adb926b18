// Test fixtures: zip archives, OOXML packages and PDFs generated in memory (see office_fixtures.h).
#include "office_fixtures.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <zip.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace sw::review::fixtures {
namespace {

using Parts = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kXmlDeclaration = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
constexpr const char* kRelationshipsNs = "http://schemas.openxmlformats.org/package/2006/relationships";
constexpr const char* kOfficeRel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/";
constexpr const char* kContentTypePrefix = "application/vnd.openxmlformats-officedocument.";

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

void check(bool good, const std::string& what) {
  if (!good) throw std::runtime_error("office fixture: " + what);
}

// ---- zip writing with libzip into memory ----

class ZipWriter {
 public:
  ZipWriter() {
    zip_error_t error;
    zip_error_init(&error);
    buffer_ = zip_source_buffer_create(nullptr, 0, 0, &error);
    check(buffer_ != nullptr, "zip_source_buffer_create");
    zip_source_keep(buffer_);
    archive_ = zip_open_from_source(buffer_, ZIP_TRUNCATE, &error);
    check(archive_ != nullptr, "zip_open_from_source");
  }
  ZipWriter(const ZipWriter&) = delete;
  ZipWriter& operator=(const ZipWriter&) = delete;
  ~ZipWriter() {
    if (archive_ != nullptr) zip_discard(archive_);
    zip_source_free(buffer_);
  }

  // `bytes` must stay alive until finish().
  zip_int64_t add(const std::string& name, const std::string& bytes, zip_flags_t name_flags = ZIP_FL_ENC_UTF_8) {
    zip_source_t* source = zip_source_buffer(archive_, bytes.data(), bytes.size(), 0);
    check(source != nullptr, "zip_source_buffer " + name);
    return add_source(name, source, name_flags);
  }
  zip_int64_t add_source(const std::string& name, zip_source_t* source, zip_flags_t name_flags = ZIP_FL_ENC_UTF_8) {
    const zip_int64_t index = zip_file_add(archive_, name.c_str(), source, name_flags);
    if (index < 0) zip_source_free(source);
    check(index >= 0, "zip_file_add " + name);
    return index;
  }
  zip_t* archive() { return archive_; }

  std::string finish() {
    check(zip_close(archive_) == 0, std::string("zip_close: ") + zip_strerror(archive_));
    archive_ = nullptr;
    check(zip_source_open(buffer_) == 0, "zip_source_open");
    zip_source_seek(buffer_, 0, SEEK_END);
    const zip_int64_t size = zip_source_tell(buffer_);
    zip_source_seek(buffer_, 0, SEEK_SET);
    std::string bytes(static_cast<std::size_t>(size), '\0');
    const zip_int64_t got = zip_source_read(buffer_, bytes.data(), bytes.size());
    zip_source_close(buffer_);
    check(got == size, "zip_source_read");
    return bytes;
  }

 private:
  zip_source_t* buffer_ = nullptr;
  zip_t* archive_ = nullptr;
};

// A libzip source callback producing `size` zero bytes without holding them.
struct ZeroSource {
  std::uint64_t size = 0;
  std::uint64_t offset = 0;
};

zip_int64_t zero_source(void* state, void* data, zip_uint64_t length, zip_source_cmd_t command) {
  auto* zeros = static_cast<ZeroSource*>(state);
  switch (command) {
    case ZIP_SOURCE_OPEN: zeros->offset = 0; return 0;
    case ZIP_SOURCE_READ: {
      const std::uint64_t n = std::min<std::uint64_t>(length, zeros->size - zeros->offset);
      std::memset(data, 0, n);
      zeros->offset += n;
      return static_cast<zip_int64_t>(n);
    }
    case ZIP_SOURCE_CLOSE: return 0;
    case ZIP_SOURCE_STAT: {
      auto* stat = static_cast<zip_stat_t*>(data);
      zip_stat_init(stat);
      stat->size = zeros->size;
      stat->valid |= ZIP_STAT_SIZE;
      return sizeof(zip_stat_t);
    }
    case ZIP_SOURCE_ERROR: return 2 * sizeof(int);
    case ZIP_SOURCE_FREE: delete zeros; return 0;
    case ZIP_SOURCE_SUPPORTS:
      return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
                                            ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
    default: return -1;
  }
}

void put_u32(std::string& bytes, std::size_t at, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>((value >> (8 * i)) & 0xFF);
}

// Overwrites the uncompressed size in every local and central header of a small zip.
void patch_declared_size(std::string& bytes, std::uint32_t size) {
  static const std::string kLocal("PK\x03\x04", 4), kCentral("PK\x01\x02", 4);
  for (std::size_t at = bytes.find(kLocal); at != std::string::npos; at = bytes.find(kLocal, at + 4)) {
    put_u32(bytes, at + 22, size);
  }
  for (std::size_t at = bytes.find(kCentral); at != std::string::npos; at = bytes.find(kCentral, at + 4)) {
    put_u32(bytes, at + 24, size);
  }
}

// ---- OPC package pieces shared by docx, xlsx and pptx ----

struct Relationship {
  std::string id, type, target;   // type: the last path element under kOfficeRel, or a full URI
};

std::string relationships(const std::vector<Relationship>& rels) {
  std::string xml = std::string(kXmlDeclaration) + "<Relationships xmlns=\"" + kRelationshipsNs + "\">";
  for (const auto& rel : rels) {
    const std::string type = rel.type.starts_with("http") ? rel.type : kOfficeRel + rel.type;
    xml += "<Relationship Id=\"" + rel.id + "\" Type=\"" + type + "\" Target=\"" + rel.target + "\"/>";
  }
  return xml + "</Relationships>";
}

// overrides: part name ("/word/document.xml") and content type after kContentTypePrefix.
std::string content_types(const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::string xml = std::string(kXmlDeclaration) +
                    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
                    "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
                    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
                    "<Override PartName=\"/docProps/core.xml\" "
                    "ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>"
                    "<Override PartName=\"/docProps/app.xml\" ContentType=\"" +
                    std::string(kContentTypePrefix) + "extended-properties+xml\"/>";
  for (const auto& [part, type] : overrides) {
    xml += "<Override PartName=\"" + part + "\" ContentType=\"" + kContentTypePrefix + type + "\"/>";
  }
  return xml + "</Types>";
}

std::string element(const std::string& name, const std::string& text) {
  return text.empty() ? std::string() : "<" + name + ">" + escape(text) + "</" + name + ">";
}

void add_doc_props(Parts& parts, const DocProps& props, const std::string& main_part) {
  parts.emplace_back("_rels/.rels",
                     relationships({{"rId1", "officeDocument", main_part},
                                    {"rId2", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
                                     "docProps/core.xml"},
                                    {"rId3", "extended-properties", "docProps/app.xml"}}));
  parts.emplace_back("docProps/core.xml",
                     std::string(kXmlDeclaration) +
                         "<cp:coreProperties "
                         "xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" "
                         "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\">" +
                         element("dc:title", props.title) + element("dc:subject", props.subject) +
                         element("dc:creator", props.creator) + element("cp:keywords", props.keywords) +
                         element("dc:description", props.description) +
                         element("cp:lastModifiedBy", props.last_modified_by) + "</cp:coreProperties>");
  parts.emplace_back("docProps/app.xml",
                     std::string(kXmlDeclaration) +
                         "<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\">"
                         "<Application>Microsoft Office</Application>" +
                         element("Manager", props.manager) + element("Company", props.company) + "</Properties>");
}

// ---- docx ----

constexpr const char* kWordNamespaces =
    " xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\""
    " xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""
    " xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\""
    " xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\""
    " xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\""
    " xmlns:wps=\"http://schemas.microsoft.com/office/word/2010/wordprocessingShape\""
    " xmlns:v=\"urn:schemas-microsoft-com:vml\" mc:Ignorable=\"wps\"";

// Runs for `text`, with '\t' as w:tab and '\n' as w:br.
std::string word_runs(std::string_view text, const char* text_element = "w:t", bool vanish = false) {
  std::string xml = std::string("<w:r><w:rPr><w:rFonts w:hint=\"eastAsia\"/>") + (vanish ? "<w:vanish/>" : "") + "</w:rPr>";
  std::string pending;
  auto flush = [&] {
    if (!pending.empty()) xml += std::string("<") + text_element + " xml:space=\"preserve\">" + escape(pending) + "</" + text_element + ">";
    pending.clear();
  };
  for (char c : text) {
    if (c == '\t' || c == '\n') {
      flush();
      xml += c == '\t' ? "<w:tab/>" : "<w:br/>";
    } else {
      pending += c;
    }
  }
  flush();
  return xml + "</w:r>";
}

std::string word_paragraph(std::string_view text) {
  // A tab stop in the paragraph properties: a w:tab that is not text.
  return "<w:p><w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"720\"/></w:tabs></w:pPr>" + word_runs(text) + "</w:p>";
}

std::string word_part(const std::string& root, const std::string& inner) {
  return std::string(kXmlDeclaration) + "<w:" + root + kWordNamespaces + ">" + inner + "</w:" + root + ">";
}

std::string textbox_paragraph(const std::string& text) {
  const std::string content = "<w:txbxContent>" + word_paragraph(text) + "</w:txbxContent>";
  return "<w:p><w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><wp:anchor><a:graphic>"
         "<a:graphicData uri=\"http://schemas.microsoft.com/office/word/2010/wordprocessingShape\"><wps:wsp>"
         "<wps:txbx>" + content + "</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing>"
         "</mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>" + content +
         "</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>";
}

std::string docx_body(const DocxSpec& spec) {
  std::string body;
  for (std::size_t i = 0; i < spec.paragraphs.size(); ++i) {
    const bool commented = i == 0 && !spec.comment.empty();
    const bool noted = i + 1 == spec.paragraphs.size() && !spec.footnote.empty();
    body += "<w:p>";
    if (commented) body += "<w:commentRangeStart w:id=\"0\"/>";
    body += word_runs(spec.paragraphs[i]);
    if (i == 0 && !spec.hidden_text.empty()) body += word_runs(spec.hidden_text, "w:t", true);
    if (commented) body += "<w:commentRangeEnd w:id=\"0\"/><w:r><w:commentReference w:id=\"0\"/></w:r>";
    if (noted) body += "<w:r><w:footnoteReference w:id=\"1\"/></w:r>";
    body += "</w:p>";
  }
  const std::string change = " w:author=\"" + escape(spec.change_author) + "\" w:date=\"2024-05-01T09:00:00Z\"";
  if (!spec.insertion.empty()) body += "<w:p><w:ins w:id=\"11\"" + change + ">" + word_runs(spec.insertion) + "</w:ins></w:p>";
  if (!spec.deletion.empty()) {
    body += "<w:p><w:del w:id=\"12\"" + change + ">" + word_runs(spec.deletion, "w:delText") + "</w:del></w:p>";
  }
  if (!spec.textbox.empty()) body += textbox_paragraph(spec.textbox);
  body += "<w:sectPr>";
  if (!spec.header.empty()) body += "<w:headerReference w:type=\"default\" r:id=\"rIdHeader\"/>";
  if (!spec.footer.empty()) body += "<w:footerReference w:type=\"default\" r:id=\"rIdFooter\"/>";
  return body + "</w:sectPr>";
}

}  // namespace

std::string make_docx(const DocxSpec& spec) {
  Parts parts;
  std::vector<std::pair<std::string, std::string>> overrides = {{"/word/document.xml", "wordprocessingml.document.main+xml"}};
  std::vector<Relationship> rels;
  auto add_part = [&](const std::string& file, const std::string& type, const std::string& rel_type,
                      const std::string& xml) {
    parts.emplace_back("word/" + file, xml);
    overrides.emplace_back("/word/" + file, "wordprocessingml." + type + "+xml");
    rels.push_back({"rId" + std::string(1, static_cast<char>('A' + rels.size())), rel_type, file});
  };
  parts.emplace_back("word/document.xml", word_part("document", "<w:body>" + docx_body(spec) + "</w:body>"));
  if (!spec.header.empty()) {
    add_part("header1.xml", "header", "header", word_part("hdr", word_paragraph(spec.header)));
    rels.back().id = "rIdHeader";
  }
  if (!spec.footer.empty()) {
    add_part("footer1.xml", "footer", "footer", word_part("ftr", word_paragraph(spec.footer)));
    rels.back().id = "rIdFooter";
  }
  if (!spec.comment.empty()) {
    add_part("comments.xml", "comments", "comments",
             word_part("comments", "<w:comment w:id=\"0\" w:author=\"" + escape(spec.comment_author) +
                                       "\" w:date=\"2024-05-01T09:00:00Z\" w:initials=\"S\">" +
                                       word_paragraph(spec.comment) + "</w:comment>"));
  }
  if (!spec.footnote.empty()) {
    add_part("footnotes.xml", "footnotes", "footnotes",
             word_part("footnotes",
                       "<w:footnote w:type=\"separator\" w:id=\"-1\"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>"
                       "<w:footnote w:type=\"continuationSeparator\" w:id=\"0\"><w:p><w:r><w:continuationSeparator/>"
                       "</w:r></w:p></w:footnote><w:footnote w:id=\"1\">" +
                           word_paragraph(spec.footnote) + "</w:footnote>"));
  }
  parts.emplace_back("word/_rels/document.xml.rels", relationships(rels));
  parts.emplace_back("[Content_Types].xml", content_types(overrides));
  add_doc_props(parts, spec.props, "word/document.xml");
  return make_zip(parts);
}

// ---- xlsx ----
namespace {

constexpr const char* kSheetNamespaces =
    " xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""
    " xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"";

std::string row_of(const std::string& ref) {
  const std::size_t digits = ref.find_first_of("0123456789");
  return digits == std::string::npos ? "1" : ref.substr(digits);
}

std::string sheet_xml(const XlsxSheet& sheet, std::vector<std::string>& shared) {
  std::string xml = std::string(kXmlDeclaration) + "<worksheet" + kSheetNamespaces + "><sheetData>";
  std::string open_row;
  for (const XlsxCell& cell : sheet.cells) {
    const std::string row = row_of(cell.ref);
    if (row != open_row) {
      if (!open_row.empty()) xml += "</row>";
      xml += "<row r=\"" + row + "\">";
      open_row = row;
    }
    switch (cell.kind) {
      case XlsxCell::Kind::shared_string:
        xml += "<c r=\"" + cell.ref + "\" t=\"s\"><v>" + std::to_string(shared.size()) + "</v></c>";
        shared.push_back(cell.value);
        break;
      case XlsxCell::Kind::inline_string:
        xml += "<c r=\"" + cell.ref + "\" t=\"inlineStr\"><is><t>" + escape(cell.value) + "</t></is></c>";
        break;
      case XlsxCell::Kind::number:
        xml += "<c r=\"" + cell.ref + "\"><v>" + escape(cell.value) + "</v></c>";
        break;
    }
  }
  if (!open_row.empty()) xml += "</row>";
  return xml + "</sheetData></worksheet>";
}

std::string comments_xml(const std::vector<XlsxComment>& comments) {
  std::string authors, list;
  for (std::size_t i = 0; i < comments.size(); ++i) {
    authors += "<author>" + escape(comments[i].author) + "</author>";
    list += "<comment ref=\"" + comments[i].ref + "\" authorId=\"" + std::to_string(i) + "\"><text><r><t>" +
            escape(comments[i].author) + ":</t></r><r><t xml:space=\"preserve\">\n" + escape(comments[i].text) +
            "</t></r></text></comment>";
  }
  return std::string(kXmlDeclaration) + "<comments" + kSheetNamespaces + "><authors>" + authors +
         "</authors><commentList>" + list + "</commentList></comments>";
}

}  // namespace

std::string make_xlsx(const XlsxSpec& spec) {
  Parts parts;
  std::vector<std::pair<std::string, std::string>> overrides = {
      {"/xl/workbook.xml", "spreadsheetml.sheet.main+xml"}, {"/xl/sharedStrings.xml", "spreadsheetml.sharedStrings+xml"}};
  std::vector<Relationship> workbook_rels;
  std::vector<std::string> shared;
  std::string sheets;
  int comment_files = 0;
  for (std::size_t i = 0; i < spec.sheets.size(); ++i) {
    const XlsxSheet& sheet = spec.sheets[i];
    const std::string number = std::to_string(i + 1);
    const std::string file = "worksheets/sheet" + number + ".xml";
    parts.emplace_back("xl/" + file, sheet_xml(sheet, shared));
    overrides.emplace_back("/xl/" + file, "spreadsheetml.worksheet+xml");
    workbook_rels.push_back({"rId" + number, "worksheet", file});
    sheets += "<sheet name=\"" + escape(sheet.name) + "\" sheetId=\"" + number + "\"" +
              (sheet.state.empty() ? "" : " state=\"" + sheet.state + "\"") + " r:id=\"rId" + number + "\"/>";
    if (!sheet.comments.empty()) {
      // Comment files are numbered on their own, so the sheet is found through the sheet's relationships.
      const std::string comments = "comments" + std::to_string(++comment_files) + ".xml";
      parts.emplace_back("xl/" + comments, comments_xml(sheet.comments));
      overrides.emplace_back("/xl/" + comments, "spreadsheetml.comments+xml");
      parts.emplace_back("xl/worksheets/_rels/sheet" + number + ".xml.rels",
                         relationships({{"rId1", "comments", "../" + comments}}));
    }
  }
  std::string names;
  for (const auto& [name, formula] : spec.defined_names) {
    names += "<definedName name=\"" + escape(name) + "\">" + escape(formula) + "</definedName>";
  }
  parts.emplace_back("xl/workbook.xml", std::string(kXmlDeclaration) + "<workbook" + kSheetNamespaces + "><sheets>" +
                                            sheets + "</sheets>" +
                                            (names.empty() ? "" : "<definedNames>" + names + "</definedNames>") +
                                            "</workbook>");
  std::string strings = std::string(kXmlDeclaration) + "<sst" + kSheetNamespaces + " count=\"" +
                        std::to_string(shared.size()) + "\" uniqueCount=\"" + std::to_string(shared.size()) + "\">";
  for (const std::string& text : shared) strings += "<si><t xml:space=\"preserve\">" + escape(text) + "</t></si>";
  parts.emplace_back("xl/sharedStrings.xml", strings + "</sst>");
  workbook_rels.push_back({"rIdStrings", "sharedStrings", "sharedStrings.xml"});
  parts.emplace_back("xl/_rels/workbook.xml.rels", relationships(workbook_rels));
  parts.emplace_back("[Content_Types].xml", content_types(overrides));
  add_doc_props(parts, spec.props, "xl/workbook.xml");
  return make_zip(parts);
}

// ---- pptx ----
namespace {

constexpr const char* kSlideNamespaces =
    " xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\""
    " xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""
    " xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\"";

std::string drawing_paragraphs(std::string_view text) {
  std::string xml;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find('\n', start);
    xml += "<a:p><a:r><a:rPr lang=\"zh-CN\"/><a:t>" + escape(text.substr(start, end - start)) + "</a:t></a:r></a:p>";
    if (end == std::string_view::npos) return xml;
    start = end + 1;
  }
}

std::string shape(const std::string& paragraphs) {
  return "<p:sp><p:nvSpPr><p:cNvPr id=\"2\" name=\"Title\"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr><p:spPr/><p:txBody>"
         "<a:bodyPr/><a:lstStyle/>" + paragraphs + "</p:txBody></p:sp>";
}

std::string slide_part(const std::string& root, const std::string& attributes, const std::string& shapes) {
  return std::string(kXmlDeclaration) + "<p:" + root + kSlideNamespaces + attributes + "><p:cSld><p:spTree>" + shapes +
         "</p:spTree></p:cSld></p:" + root + ">";
}

}  // namespace

std::string make_pptx(const PptxSpec& spec) {
  Parts parts;
  std::vector<std::pair<std::string, std::string>> overrides = {
      {"/ppt/presentation.xml", "presentationml.presentation.main+xml"}};
  std::vector<Relationship> presentation_rels;
  std::string slide_ids;
  const std::size_t count = spec.slides.size();
  for (std::size_t i = 0; i < count; ++i) {
    const PptxSlide& slide = spec.slides[i];
    const std::string number = std::to_string(count - i);   // reverse file numbering
    const std::string file = "slides/slide" + number + ".xml";
    parts.emplace_back("ppt/" + file, slide_part("sld", slide.hidden ? " show=\"0\"" : "", shape(drawing_paragraphs(slide.text))));
    overrides.emplace_back("/ppt/" + file, "presentationml.slide+xml");
    const std::string id = "rId" + std::to_string(i + 2);
    presentation_rels.push_back({id, "slide", file});
    slide_ids += "<p:sldId id=\"" + std::to_string(256 + i) + "\" r:id=\"" + id + "\"/>";
    std::vector<Relationship> slide_rels;
    if (!slide.notes.empty()) {
      const std::string notes = "notesSlides/notesSlide" + number + ".xml";
      const std::string slide_number = "<a:p><a:fld id=\"{1}\" type=\"slidenum\"><a:t>" + std::to_string(i + 1) +
                                       "</a:t></a:fld></a:p>";
      parts.emplace_back("ppt/" + notes, slide_part("notes", "", shape(drawing_paragraphs(slide.notes)) + shape(slide_number)));
      overrides.emplace_back("/ppt/" + notes, "presentationml.notesSlide+xml");
      slide_rels.push_back({"rId1", "notesSlide", "../" + notes});
    }
    if (!slide.comment.empty()) {
      const std::string comments = "comments/comment" + number + ".xml";
      parts.emplace_back("ppt/" + comments, std::string(kXmlDeclaration) + "<p:cmLst" + kSlideNamespaces +
                                                "><p:cm authorId=\"0\" dt=\"2024-05-01T09:00:00\" idx=\"1\">"
                                                "<p:pos x=\"10\" y=\"10\"/><p:text>" +
                                                escape(slide.comment) + "</p:text></p:cm></p:cmLst>");
      overrides.emplace_back("/ppt/" + comments, "presentationml.comments+xml");
      slide_rels.push_back({"rId2", "comments", "../" + comments});
    }
    if (!slide_rels.empty()) parts.emplace_back("ppt/slides/_rels/slide" + number + ".xml.rels", relationships(slide_rels));
  }
  parts.emplace_back("ppt/presentation.xml", std::string(kXmlDeclaration) + "<p:presentation" + kSlideNamespaces +
                                                 "><p:sldIdLst>" + slide_ids + "</p:sldIdLst></p:presentation>");
  parts.emplace_back("ppt/_rels/presentation.xml.rels", relationships(presentation_rels));
  parts.emplace_back("[Content_Types].xml", content_types(overrides));
  add_doc_props(parts, spec.props, "ppt/presentation.xml");
  return make_zip(parts);
}

// ---- PDF ----
namespace {

cairo_status_t append_to_string(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

void draw_page(cairo_t* cr, const std::string& text) {
  cairo_select_font_face(cr, "Noto Sans CJK SC", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 14);
  double y = 72;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    cairo_move_to(cr, 72, y);
    cairo_show_text(cr, text.substr(start, end - start).c_str());
    y += 24;
    start = end + 1;
  }
  cairo_show_page(cr);
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xF];
  }
  return out;
}

}  // namespace

std::string make_pdf(const std::vector<std::string>& pages, const PdfInfo& info) {
  std::string pdf;
  cairo_surface_t* surface = cairo_pdf_surface_create_for_stream(append_to_string, &pdf, 595, 842);
  const std::pair<cairo_pdf_metadata_t, const std::string*> metadata[] = {
      {CAIRO_PDF_METADATA_TITLE, &info.title},       {CAIRO_PDF_METADATA_AUTHOR, &info.author},
      {CAIRO_PDF_METADATA_SUBJECT, &info.subject},   {CAIRO_PDF_METADATA_KEYWORDS, &info.keywords},
      {CAIRO_PDF_METADATA_CREATOR, &info.creator}};
  for (const auto& [key, value] : metadata) {
    if (!value->empty()) cairo_pdf_surface_set_metadata(surface, key, value->c_str());
  }
  cairo_t* cr = cairo_create(surface);
  for (const std::string& page : pages) draw_page(cr, page);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  const cairo_status_t status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  check(status == CAIRO_STATUS_SUCCESS, std::string("cairo: ") + cairo_status_to_string(status));
  return pdf;
}

std::string make_encrypted_pdf() {
  // Standard security handler, revision 2 (RC4 40-bit). /O and /U were not derived from any password
  // pair, so the empty user password never authenticates: the document is locked.
  const std::string owner(32, '\x5A'), user(32, '\xA5');
  const std::vector<std::string> objects = {
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
      "<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O <" + hex(owner) + "> /U <" + hex(user) + "> >>"};
  std::string pdf = "%PDF-1.4\n";
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  const std::size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (std::size_t offset : offsets) {
    std::array<char, 24> line{};
    std::snprintf(line.data(), line.size(), "%010zu 00000 n \n", offset);
    pdf += line.data();
  }
  pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) +
         " /Root 1 0 R /Encrypt 4 0 R /ID [<00112233445566778899AABBCCDDEEFF> <00112233445566778899AABBCCDDEEFF>] >>\n"
         "startxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

// ---- plain zips ----

std::string make_zip(const std::vector<std::pair<std::string, std::string>>& members) {
  ZipWriter writer;
  for (const auto& [name, bytes] : members) writer.add(name, bytes);
  return writer.finish();
}

std::string make_zip_with_raw_name(const std::string& raw_name, const std::string& bytes) {
  ZipWriter writer;
  writer.add(raw_name, bytes, ZIP_FL_ENC_RAW);
  return writer.finish();
}

std::string make_encrypted_zip(const std::string& name, const std::string& bytes, const std::string& password) {
  ZipWriter writer;
  const zip_int64_t index = writer.add(name, bytes);
  check(zip_file_set_encryption(writer.archive(), static_cast<zip_uint64_t>(index), ZIP_EM_TRAD_PKWARE,
                                password.c_str()) == 0,
        std::string("zip_file_set_encryption: ") + zip_strerror(writer.archive()));
  return writer.finish();
}

std::string make_zip_bomb(std::uint64_t zeros, std::uint64_t declared_size) {
  std::string bytes;
  {
    ZipWriter writer;
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source = zip_source_function_create(zero_source, new ZeroSource{zeros, 0}, &error);
    check(source != nullptr, "zip_source_function_create");
    writer.add_source("zeros.bin", source);
    bytes = writer.finish();
  }
  if (declared_size != 0) patch_declared_size(bytes, static_cast<std::uint32_t>(declared_size));
  return bytes;
}

std::string make_zip_with_entries(std::size_t count) {
  static const std::string kEmpty;
  ZipWriter writer;
  for (std::size_t i = 0; i < count; ++i) {
    const zip_int64_t index = writer.add("f" + std::to_string(i), kEmpty);
    zip_set_file_compression(writer.archive(), static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0);   // fast to write
  }
  return writer.finish();
}

std::string make_nested_zip(const std::string& inner_name, const std::string& inner, int levels) {
  std::string bytes = make_zip({{inner_name, inner}});
  for (int level = 1; level < levels; ++level) bytes = make_zip({{"level" + std::to_string(level) + ".zip", bytes}});
  return bytes;
}

}  // namespace sw::review::fixtures
