// The extraction dispatcher: decides what a file is from its bytes (the name's extension only breaks
// ties) and hands it to the extractor for that type, recursing into archives with one budget for the
// whole input (docs/modules/review.md "Extraction").
#include "review/extract.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>

namespace sw::review {
namespace {

bool starts_with(std::string_view bytes, std::string_view magic) { return bytes.substr(0, magic.size()) == magic; }

std::string lower_extension(std::string_view path) {
  const auto slash = path.find_last_of("/!");
  const auto name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return {};
  std::string ext(name.substr(dot + 1));
  std::ranges::transform(ext, ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

bool contains_ci(std::string_view hay, std::string_view needle) {
  return std::ranges::search(hay, needle, [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         }).begin() != hay.end();
}

// Media whose text we cannot read (images, audio, video, fonts): recognised and passed over, not an error.
bool is_media(std::string_view bytes) {
  using namespace std::string_view_literals;  // the magic numbers contain NUL bytes
  static constexpr std::array magics = {"\x89PNG\r\n\x1a\n"sv, "\xff\xd8\xff"sv, "GIF87a"sv, "GIF89a"sv, "wOFF"sv,
                                        "wOF2"sv, "ID3"sv, "\x00\x00\x01\x00"sv, "OggS"sv, "fLaC"sv};
  for (auto m : magics)
    if (starts_with(bytes, m)) return true;
  if (bytes.size() >= 12 && bytes.substr(0, 4) == "RIFF" && (bytes.substr(8, 4) == "WEBP" || bytes.substr(8, 4) == "WAVE"))
    return true;
  return bytes.size() >= 8 && bytes.substr(4, 4) == "ftyp";  // MP4, MOV, HEIC
}

std::string sniff(std::string_view path, std::string_view bytes) {
  if (starts_with(bytes, "PK\x03\x04") || starts_with(bytes, "PK\x05\x06")) return "zip";
  if (bytes.substr(0, 1024).find("%PDF-") != std::string_view::npos) return "pdf";
  if (starts_with(bytes, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")) return "ole2";  // no NUL: a plain literal is safe
  if (is_media(bytes)) return "media";
  const auto ext = lower_extension(path);
  if (ext == "html" || ext == "htm" || ext == "shtml" || ext == "xhtml") return "html";
  const auto head = bytes.substr(0, 1024);
  if (contains_ci(head, "<!doctype html") || contains_ci(head, "<html") || contains_ci(head, "<body") ||
      contains_ci(head, "<head"))
    return "html";
  return "text";
}

// OLE2 compound files are legacy Office documents — or an OOXML file encrypted with a password, which
// Office stores as an OLE2 container with an "EncryptedPackage" stream (MS-OFFCRYPTO).
Error ole2_error(std::string_view path, std::string_view bytes) {
  static constexpr char16_t kEncryptedPackage[] = u"EncryptedPackage";
  std::string needle;
  for (char16_t c : std::u16string_view(kEncryptedPackage)) {
    needle.push_back(static_cast<char>(c));
    needle.push_back('\0');
  }
  if (bytes.find(needle) != std::string_view::npos)
    return Error{"review.encrypted", std::string(path) + ": the Office document is protected by a password; "
                                                          "its text cannot be read — ask for an unprotected copy"};
  return Error{"review.unsupported", std::string(path) + ": a legacy Office file (.doc/.xls/.ppt, OLE2); "
                                                         "save it as .docx/.xlsx/.pptx to have it scanned"};
}

Result<ExtractedFile> extract_at(std::string_view path, std::string_view bytes, int depth, const ExtractLimits& limits,
                                 ExtractBudget& budget);

Result<ExtractedFile> extract_zip_or_ooxml(std::string_view path, std::string_view bytes, int depth,
                                           const ExtractLimits& limits, ExtractBudget& budget) {
  SW_TRY(kind, zip_kind(bytes, limits, budget, path));
  ExtractedFile out{.path = std::string(path), .type = kind};
  Result<std::vector<Segment>> segments;
  if (kind == "docx") {
    segments = extract_docx(path, bytes, limits, budget);
  } else if (kind == "xlsx") {
    segments = extract_xlsx(path, bytes, limits, budget);
  } else if (kind == "pptx") {
    segments = extract_pptx(path, bytes, limits, budget);
  } else {
    return extract_zip(path, bytes, depth, limits, budget,
                       [&limits, &budget](std::string_view member, std::string_view member_bytes, int member_depth) {
                         return extract_at(member, member_bytes, member_depth, limits, budget);
                       });
  }
  if (!segments) return std::unexpected(segments.error());
  out.segments = std::move(*segments);
  return out;
}

Result<ExtractedFile> extract_text_or_html(std::string_view path, std::string_view bytes, const std::string& type,
                                           const ExtractLimits& limits, ExtractBudget& budget) {
  ExtractedFile out{.path = std::string(path), .type = type};
  auto text = type == "html" ? decode_html(bytes, &out.encoding) : decode_text(bytes, &out.encoding);
  if (!text) return std::unexpected(Error{text.error().code, std::string(path) + ": " + text.error().message});
  if (type == "html") {
    SW_TRY(segments, extract_html(path, *text, limits, budget));
    out.segments = std::move(segments);
  } else {
    budget.text += text->size();
    if (budget.text > limits.max_text_bytes)
      return fail("review.limit", std::string(path) + ": " + std::to_string(budget.text) +
                                      " bytes of text, over the limit of " + std::to_string(limits.max_text_bytes));
    out.segments = text_segments(path, *text);
  }
  // Offsets into the file hold only when the text is the file's own bytes (UTF-8, perhaps after a BOM).
  rebase_source_offsets(out.segments, verbatim_start(bytes, out.encoding));
  return out;
}

Result<ExtractedFile> extract_at(std::string_view path, std::string_view bytes, int depth, const ExtractLimits& limits,
                                 ExtractBudget& budget) {
  if (bytes.size() > limits.max_file_bytes)
    return fail("review.limit", std::string(path) + ": " + std::to_string(bytes.size()) +
                                    " bytes, over the file size limit of " + std::to_string(limits.max_file_bytes));
  const auto type = sniff(path, bytes);
  if (type == "zip") return extract_zip_or_ooxml(path, bytes, depth, limits, budget);
  if (type == "ole2") return std::unexpected(ole2_error(path, bytes));
  if (type == "media") return ExtractedFile{.path = std::string(path), .type = "media"};
  if (type == "pdf") {
    SW_TRY(segments, extract_pdf(path, bytes, limits, budget));
    return ExtractedFile{.path = std::string(path), .type = "pdf", .segments = std::move(segments)};
  }
  return extract_text_or_html(path, bytes, type, limits, budget);
}

}  // namespace

Result<ExtractedFile> extract(std::string_view path, std::string_view bytes, const ExtractLimits& limits) {
  ExtractBudget budget;
  return extract_at(path, bytes, 0, limits, budget);
}

Result<ExtractedFile> extract_file(const std::filesystem::path& path, const ExtractLimits& limits) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) return fail("review.not_found", path.string() + ": no such file");
  if (!std::filesystem::is_regular_file(status)) return fail("review.unsupported", path.string() + ": not a regular file");
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return fail("review.io", path.string() + ": " + ec.message());
  if (size > limits.max_file_bytes)
    return fail("review.limit", path.string() + ": " + std::to_string(size) + " bytes, over the file size limit of " +
                                    std::to_string(limits.max_file_bytes));
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("review.io", path.string() + ": cannot be opened for reading");
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::size_t>(in.gcount()) != size) return fail("review.io", path.string() + ": short read");
  return extract(path.string(), bytes, limits);
}

}  // namespace sw::review
