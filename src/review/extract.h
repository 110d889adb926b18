// Text extraction for the review scanner (N3.2, N3.4, N4.6): everything a reader sees and everything a
// reader does not see but a crawler, a search engine or the next person to open the file does —
// alt and title attributes, hidden elements, comments, document properties, hidden sheets, tracked
// deletions. Every extractor works on bytes in memory and obeys ExtractLimits, so a zip bomb or a
// huge file ends in an Error naming the limit, never in an exhausted machine.
// docs/modules/review.md "Extraction".
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sw::review {

// Bounds on what one file may cost. Defaults suit a web upload or a mail attachment.
struct ExtractLimits {
  std::size_t max_file_bytes = 64u << 20;     // the input file itself
  std::size_t max_entry_bytes = 64u << 20;    // one decompressed archive member
  std::size_t max_total_bytes = 256u << 20;   // all bytes decompressed for one input, nested ones included
  std::size_t max_entries = 10000;            // members of one archive
  double max_ratio = 200.0;                   // decompressed / compressed size of one member
  int max_depth = 3;                          // archives inside archives (the outer file is depth 0)
  std::size_t max_text_bytes = 32u << 20;     // extracted text of one input
  std::size_t max_pages = 5000;               // PDF pages
};

// Running totals for one input across nested archives; every extractor charges it.
struct ExtractBudget {
  std::size_t decompressed = 0;
  std::size_t text = 0;
};

// One piece of text and exactly where it came from.
struct Segment {
  std::string path;      // the file; archive members as "outer.zip!/dir/inner.docx"
  std::string part;      // where inside the file (see the table in docs/modules/review.md):
                         // "text", "html:body", "html:title", "html:alt", "html:title-attr", "html:hidden",
                         // "html:comment", "html:meta", "docx:body", "docx:header", "docx:footer",
                         // "docx:comment", "docx:insert", "docx:delete", "docx:textbox", "docx:footnote",
                         // "property:creator", "property:company", "property:lastModifiedBy", ...,
                         // "xlsx:sheet", "xlsx:comment", "xlsx:defined-name", "pptx:slide", "pptx:notes",
                         // "pdf:page", "pdf:info"
  std::string locator;   // the place within the part: "Sheet2!B7" (sheet names kept), "slide 3", "page 4",
                         // "header1.xml", "comment 2", "<img src=...>", "line 12" ... empty when the part says it all
  std::string text;      // UTF-8
  bool hidden = false;   // not shown to a reader: alt/title/comments/meta/hidden elements, hidden or very
                         // hidden sheets, tracked deletions, document properties, speaker notes
  // Byte offset in the file where `text` starts when `text` is a verbatim slice of the file (plain
  // UTF-8 text, HTML text without entities); npos otherwise.
  std::size_t source_offset = static_cast<std::size_t>(-1);
};

// A member of an archive that could not be read; the rest of the archive still is.
struct FileProblem {
  std::string path;
  Error error;
};

struct ExtractedFile {
  std::string path;
  std::string type;       // "text", "html", "docx", "xlsx", "pptx", "pdf", "zip"
  std::string encoding;   // text and html: "UTF-8", "GB18030", "UTF-16LE", "UTF-16BE", "BIG5"; else empty
  std::vector<Segment> segments;
  std::vector<FileProblem> problems;
};

// ---- the dispatcher (extract.cc) ----
// Sniffs the type from the bytes (zip/OOXML by content types, %PDF, HTML markers) with the name's
// extension as a hint, and extracts. Errors: "review.limit" (names the limit and the sizes),
// "review.unsupported" (names the type), "review.corrupt", "review.encrypted".
Result<ExtractedFile> extract(std::string_view path, std::string_view bytes, const ExtractLimits& limits = {});
// Reads the file (refusing one over max_file_bytes before reading it) and extracts it.
Result<ExtractedFile> extract_file(const std::filesystem::path& path, const ExtractLimits& limits = {});

// ---- plain text and HTML (encoding.cc, html.cc) ----
// Decodes text to UTF-8: BOMs first, then valid UTF-8, then uchardet's guess (GB18030 for GBK/GB2312,
// BIG5, UTF-16 without BOM), converted with iconv. Sets *encoding to the name used.
Result<std::string> decode_text(std::string_view bytes, std::string* encoding);
// HTML bytes to UTF-8 as a browser reads them: a BOM first; bytes that are valid UTF-8 are UTF-8; else
// the charset declared by <meta charset=...> or <meta http-equiv=Content-Type content="...; charset=...">
// in the first 1024 bytes (GBK/GB2312 read as GB18030), when the page decodes in it; else decode_text.
// Binary data and undecodable bytes give "review.encoding" as for decode_text.
Result<std::string> decode_html(std::string_view bytes, std::string* encoding);
// Where the UTF-8 that decode_text/decode_html returned starts in `bytes` as a verbatim copy: 0 for
// UTF-8, 3 after a UTF-8 BOM, npos when the input was transcoded (any other `encoding`).
std::size_t verbatim_start(std::string_view bytes, std::string_view encoding);
// Turns source offsets into the decoded text (text_segments, extract_html) into offsets in the file:
// adds verbatim_start's `start`, or sets them to npos when `start` is npos.
void rebase_source_offsets(std::vector<Segment>& segments, std::size_t start);
// Plain text as one segment per file (part "text"), with source_offset 0: an offset into `utf8`; the
// caller applies rebase_source_offsets(segments, verbatim_start(bytes, encoding)).
std::vector<Segment> text_segments(std::string_view path, std::string_view utf8);
// HTML guards, checked on the markup before gumbo parses it (gumbo takes time quadratic in the depth
// of nesting and memory tens of times the size of dense markup): elements open at once, as a small
// model of gumbo's tree builder counts them, misnested formatting reopened included (Blink stops
// nesting at 512 too), and tags + attributes + comments in one page. Over either: "review.limit".
inline constexpr std::size_t kMaxHtmlNesting = 512;
inline constexpr std::size_t kMaxHtmlMarkup = 500000;
// HTML (already UTF-8) parsed with gumbo: visible text (part "html:body", locator "line N" of the
// source), <title>, and the hidden parts listed above, each reported with its place.
// Most pages (everything the publisher renders) are read by a one-pass reader that takes only markup
// whose tree is its source order and gives exactly gumbo's segments; gumbo reads the rest.
Result<std::vector<Segment>> extract_html(std::string_view path, std::string_view utf8_html,
                                          const ExtractLimits& limits, ExtractBudget& budget);
namespace detail {
// extract_html's two readers, for the test that compares them (check_markup not applied): the
// one-pass reader (nullopt when the page is outside what it takes, the budget then unchanged) and gumbo.
std::optional<std::vector<Segment>> extract_html_simple(std::string_view path, std::string_view utf8_html,
                                                        const ExtractLimits& limits, ExtractBudget& budget);
Result<std::vector<Segment>> extract_html_gumbo(std::string_view path, std::string_view utf8_html,
                                                const ExtractLimits& limits, ExtractBudget& budget);
}  // namespace detail

// ---- archives, OOXML and PDF (zip_reader.cc, ooxml.cc, pdf.cc) ----
// Called for each member of a zip that is itself worth extracting: (member path, bytes, depth).
using MemberExtractor = std::function<Result<ExtractedFile>(std::string_view path, std::string_view bytes, int depth)>;
// A plain zip: each member handed to `member` (which the dispatcher points back at itself with depth+1);
// a member that fails becomes a FileProblem, the others go on. Refuses depth > max_depth.
Result<ExtractedFile> extract_zip(std::string_view path, std::string_view bytes, int depth, const ExtractLimits& limits,
                                  ExtractBudget& budget, const MemberExtractor& member);
// OOXML parts as listed on Segment::part. `bytes` is the whole .docx/.xlsx/.pptx.
Result<std::vector<Segment>> extract_docx(std::string_view path, std::string_view bytes, const ExtractLimits& limits,
                                          ExtractBudget& budget);
Result<std::vector<Segment>> extract_xlsx(std::string_view path, std::string_view bytes, const ExtractLimits& limits,
                                          ExtractBudget& budget);
Result<std::vector<Segment>> extract_pptx(std::string_view path, std::string_view bytes, const ExtractLimits& limits,
                                          ExtractBudget& budget);
// Every page's text (part "pdf:page", locator "page N") and the info dictionary (part "pdf:info",
// locator the key: Title, Author, Subject, Keywords, Creator, Producer). "review.encrypted" for a
// password-protected PDF.
Result<std::vector<Segment>> extract_pdf(std::string_view path, std::string_view bytes, const ExtractLimits& limits,
                                         ExtractBudget& budget);
// The kind of OOXML package ("docx", "xlsx", "pptx") from [Content_Types].xml, or "zip" for any other zip.
// Errors ("review.corrupt" for a damaged zip...) name `path` when given.
Result<std::string> zip_kind(std::string_view bytes, const ExtractLimits& limits, ExtractBudget& budget,
                             std::string_view path = {});

}  // namespace sw::review
