// Test fixtures for the review scanner (N3.2, N4.6): zip archives, OOXML packages (docx, xlsx, pptx) and
// PDFs generated in memory, so no binary file is committed. Shared by review_office_test,
// review_extract_test and review_scanner_test.
//
// The OOXML makers write the XML parts themselves, as Word, Excel and PowerPoint do (same part names,
// content types and relationships), and zip them with libzip. PDFs are drawn with cairo's PDF surface
// in "Noto Sans CJK SC" (fonts-noto-cjk), so Chinese text is real text that poppler extracts.
// Every maker returns the file's bytes. Text is UTF-8 and is XML-escaped by the makers.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sw::review::fixtures {

// docProps/core.xml and docProps/app.xml; an empty field is left out.
struct DocProps {
  std::string creator;            // dc:creator
  std::string last_modified_by;   // cp:lastModifiedBy
  std::string title;              // dc:title
  std::string subject;            // dc:subject
  std::string keywords;           // cp:keywords
  std::string description;        // dc:description
  std::string company;            // Company (app.xml)
  std::string manager;            // Manager (app.xml)
};

// A Word document. Empty fields make no such part or element.
struct DocxSpec {
  std::vector<std::string> paragraphs;   // word/document.xml body, one w:p each
  std::string header;                    // word/header1.xml
  std::string footer;                    // word/footer1.xml
  std::string comment;                   // word/comments.xml, anchored on the first paragraph
  std::string comment_author = "审核人";
  std::string insertion;                 // a tracked insertion (w:ins) in its own paragraph
  std::string deletion;                  // a tracked deletion (w:del / w:delText) in its own paragraph
  std::string change_author = "修订人";
  std::string textbox;                   // a text box (w:txbxContent, with the VML fallback Word writes)
  std::string hidden_text;               // a run formatted hidden (w:vanish) at the end of the first paragraph
  std::string footnote;                  // word/footnotes.xml, referenced from the last paragraph
  DocProps props;
};
std::string make_docx(const DocxSpec& spec);

// One cell of a sheet: its reference ("B7") and value.
struct XlsxCell {
  enum class Kind { shared_string, inline_string, number };
  std::string ref;
  std::string value;
  Kind kind = Kind::shared_string;
};
struct XlsxComment {
  std::string ref;
  std::string text;
  std::string author = "审核人";
};
struct XlsxSheet {
  std::string name;
  std::string state;                     // "" (visible), "hidden" or "veryHidden"
  std::vector<XlsxCell> cells;           // in row order
  std::vector<XlsxComment> comments;     // xl/commentsN.xml, related from this sheet
};
struct XlsxSpec {
  std::vector<XlsxSheet> sheets;
  std::vector<std::pair<std::string, std::string>> defined_names;   // name, formula
  DocProps props;
};
std::string make_xlsx(const XlsxSpec& spec);

struct PptxSlide {
  std::string text;                      // a title shape; '\n' starts a new paragraph
  std::string notes;                     // ppt/notesSlides/notesSlideN.xml
  std::string comment;                   // ppt/comments/commentN.xml
  bool hidden = false;                   // <p:sld show="0">
};
struct PptxSpec {
  std::vector<PptxSlide> slides;         // in presentation order (slide files are numbered in reverse,
                                         // so order must come from presentation.xml)
  DocProps props;
};
std::string make_pptx(const PptxSpec& spec);

// PDF info dictionary; an empty field is left out.
struct PdfInfo {
  std::string title;
  std::string author;
  std::string subject;
  std::string keywords;
  std::string creator;
};
// One A4 page per string; '\n' starts a new line.
std::string make_pdf(const std::vector<std::string>& pages, const PdfInfo& info = {});
// A hand-written PDF with a standard-security /Encrypt dictionary that no empty user password opens.
std::string make_encrypted_pdf();

// A zip of the given members (name, bytes), deflated, names flagged UTF-8.
std::string make_zip(const std::vector<std::pair<std::string, std::string>>& members);
// A zip whose member `name` is stored under its raw bytes (e.g. GB18030), without the UTF-8 flag.
std::string make_zip_with_raw_name(const std::string& raw_name, const std::string& bytes);
// A zip of one member `name` encrypted with traditional PKWARE encryption and `password`.
std::string make_encrypted_zip(const std::string& name, const std::string& bytes, const std::string& password);
// A zip of one member "zeros.bin" of `zeros` zero bytes, generated while compressing (never held in
// memory). When declared_size is set, both headers claim that size instead (a lying header).
std::string make_zip_bomb(std::uint64_t zeros, std::uint64_t declared_size = 0);
// A zip of `count` empty members "f0", "f1", ...
std::string make_zip_with_entries(std::size_t count);
// `inner` wrapped in `levels` zips, each holding the previous one as "level<N>.zip".
std::string make_nested_zip(const std::string& inner_name, const std::string& inner, int levels);

}  // namespace sw::review::fixtures
