// Attachment checks (issue 4; N7.3 防攻击/防病毒, N3.2): before an uploaded file is stored in the blob store
// and attached to an article, its type is found from its bytes (libmagic; OOXML confirmed from
// [Content_Types].xml), its name must agree with that type, the type must be one the site allows and
// never active content, its size is bounded, and YARA rules (src/content/rules/*.yar, embedded at build
// time) look for executables, scripts, macros, PDF actions and polyglots. The text of an attachment is
// scanned by the review scanner elsewhere (N3.2); nothing here extracts text. docs/modules/content.md
// "Attachments".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace sw::content {

// What a site accepts. Types are our short names (see kAttachmentTypes in attachments.cc):
// "pdf", "docx", "xlsx", "pptx", "doc", "xls", "ppt", "odt", "ods", "odp", "jpg", "png", "gif", "webp",
// "txt", "zip". Active content ("exe", "elf", "macho", "php", "shell", "script", "html", "svg", "xml",
// "hta", "java", "rtf") is refused even when listed here.
struct AttachmentPolicy {
  std::vector<std::string> allowed_types = default_allowed_types();
  std::size_t max_bytes = kDefaultMaxBytes;

  static constexpr std::size_t kDefaultMaxBytes = std::size_t{50} << 20;  // 50 MiB
  // Documents and pictures a union site publishes. Legacy doc/xls/ppt are allowed but each one is
  // flagged for a reviewer (they may hide macros the rules cannot see). zip is not: what is inside an
  // archive escapes these checks, so a site must add it deliberately.
  static std::vector<std::string> default_allowed_types();
};

// The largest max_bytes a site may set, and the smallest (a policy is about documents, not fragments).
inline constexpr std::size_t kMaxPolicyBytes = std::size_t{200} << 20;  // 200 MiB
inline constexpr std::size_t kMinPolicyBytes = std::size_t{1} << 10;    // 1 KiB

// Checks a policy a site administrator sets: every type one of ours, none of them active content, no
// type twice, max_bytes within [kMinPolicyBytes, kMaxPolicyBytes]. "content.invalid_field" naming the
// field and the offending value. An empty type list is valid: the site accepts no attachments.
Status validate_policy(const AttachmentPolicy& policy);

// Every type a policy may list (the non-active types), in the table's order.
std::vector<std::string> allowable_attachment_types();

struct AttachmentCheck {
  std::string type;                 // our short name ("pdf", "docx", "png" …); "unknown" for other content
  std::string mime;                 // as libmagic reports it, e.g. "application/pdf"
  std::string extension_from_name;  // lower case, without the dot; empty when the name has none
  // Why the file is refused, each "code: message" (Error::to_string): "content.attachment_type_mismatch",
  // "content.attachment_type_not_allowed", "content.attachment_type_forbidden",
  // "content.attachment_malicious" (a YARA rule of severity "high"), "content.attachment_corrupt",
  // "content.attachment_archive_bomb" (an OOXML/OpenDocument/zip member inflating past the review
  // scanner's ExtractLimits: size, ratio, total or member count — headers lying or not),
  // "content.attachment_encrypted" (an encrypted archive member, which nothing can check).
  std::vector<std::string> problems;
  // Accepted, but a reviewer should look: "content.attachment_suspicious" (a YARA rule of severity
  // "medium"), "content.attachment_legacy_office".
  std::vector<std::string> warnings;
  std::vector<std::string> yara_matches;  // names of the rules that matched, in rule order
  bool accepted = false;                  // problems.empty()
};

// Checks one upload. The size comes first, before any parsing: "content.attachment_too_large" (names
// the size and the limit) and "content.attachment_empty" are returned as errors, as are failures of
// the checks themselves ("content.attachment_check_failed": libmagic or YARA could not run, the scan
// timed out — the file must then be refused). Every other verdict is in the AttachmentCheck, with all
// problems found so the uploader learns them at once. Thread-safe: libmagic has one handle per thread,
// the YARA rules are compiled once and shared.
Result<AttachmentCheck> check_attachment(std::string_view file_name, std::string_view bytes,
                                         const AttachmentPolicy& policy = {});

// The starter rule files, compiled (once) into one set: Ok when all compile, otherwise
// "content.attachment_rules" naming file:line and the compiler's message. check_attachment fails the same
// way. `rule_count` receives the number of public rules.
Status attachment_rules_status(std::size_t* rule_count = nullptr);

// The embedded rule files as (file name, text), in name order (generated from src/content/rules).
std::vector<std::pair<std::string_view, std::string_view>> embedded_yara_rules();

}  // namespace sw::content
