// Attachment checks: libmagic for the type, review's zip_kind for OOXML, YARA for what a type check
// cannot see. See attachments.h for the contract, docs/modules/content.md "Attachments".
#include "content/attachments.h"

#include <magic.h>
#include <yara.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "review/extract.h"
#include "review/zip_reader.h"

namespace sw::content {
namespace {

// A scan taking longer than this cannot be finished, so the file is refused (N7.3 防瘫痪).
constexpr int kYaraTimeoutSeconds = 10;

struct FileType {
  std::string_view name;
  std::vector<std::string_view> mimes;
  std::vector<std::string_view> extensions;
  bool active = false;         // executables, scripts, markup a browser runs: never accepted (N7.3)
  bool legacy_office = false;  // accepted when allowed, but flagged for a reviewer
};

const std::vector<FileType>& file_types() {
  static const std::vector<FileType> types = {
      {"pdf", {"application/pdf"}, {"pdf"}},
      {"docx", {"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}, {"docx"}},
      {"xlsx", {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, {"xlsx"}},
      {"pptx", {"application/vnd.openxmlformats-officedocument.presentationml.presentation"}, {"pptx"}},
      {"doc", {"application/msword"}, {"doc"}, false, true},
      {"xls", {"application/vnd.ms-excel"}, {"xls"}, false, true},
      {"ppt", {"application/vnd.ms-powerpoint"}, {"ppt"}, false, true},
      {"odt", {"application/vnd.oasis.opendocument.text"}, {"odt"}},
      {"ods", {"application/vnd.oasis.opendocument.spreadsheet"}, {"ods"}},
      {"odp", {"application/vnd.oasis.opendocument.presentation"}, {"odp"}},
      {"jpg", {"image/jpeg"}, {"jpg", "jpeg"}},
      {"png", {"image/png"}, {"png"}},
      {"gif", {"image/gif"}, {"gif"}},
      {"webp", {"image/webp"}, {"webp"}},
      {"txt", {"text/plain", "text/csv"}, {"txt", "csv"}},
      {"zip", {"application/zip"}, {"zip"}},
      {"rtf", {"text/rtf", "application/rtf"}, {"rtf"}},
      {"exe",
       {"application/vnd.microsoft.portable-executable", "application/x-dosexec", "application/x-msdownload"},
       {"exe", "dll", "scr", "com"},
       true},
      {"elf",
       {"application/x-executable", "application/x-sharedlib", "application/x-pie-executable",
        "application/x-object", "application/x-coredump"},
       {},
       true},
      {"macho", {"application/x-mach-binary"}, {}, true},
      {"java", {"application/x-java-applet", "application/java-archive"}, {"class", "jar"}, true},
      {"php", {"text/x-php"}, {"php"}, true},
      {"shell", {"text/x-shellscript"}, {"sh"}, true},
      {"script",
       {"text/x-python", "text/x-script.python", "text/x-perl", "text/x-ruby", "text/x-lua", "text/x-tcl",
        "text/x-awk", "application/javascript", "text/javascript", "text/x-msdos-batch", "application/x-bat"},
       {"py", "pl", "rb", "lua", "tcl", "js", "bat", "cmd"},
       true},
      {"html", {"text/html", "application/xhtml+xml"}, {"html", "htm", "xhtml"}, true},
      {"svg", {"image/svg+xml"}, {"svg"}, true},
      {"xml", {"text/xml", "application/xml"}, {"xml"}, true},
      {"hta", {"application/hta"}, {"hta"}, true},
  };
  return types;
}

// libmagic's names for an OLE compound file it could not attribute to Word, Excel or PowerPoint.
constexpr std::string_view kOleMimes[] = {"application/vnd.ms-office", "application/CDFV2",
                                          "application/x-ole-storage"};
constexpr std::string_view kZipMime = "application/zip";

const FileType* type_by_name(std::string_view name) {
  for (const FileType& type : file_types()) {
    if (type.name == name) return &type;
  }
  return nullptr;
}

const FileType* type_by_mime(std::string_view mime) {
  for (const FileType& type : file_types()) {
    if (std::ranges::find(type.mimes, mime) != type.mimes.end()) return &type;
  }
  return nullptr;
}

bool contains(const auto& range, std::string_view value) {
  return std::ranges::find(range, value) != std::ranges::end(range);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string problem(std::string code, std::string message) {
  return Error{std::move(code), std::move(message)}.to_string();
}

// The extension of the last path component, ASCII lower case, without the dot.
std::string extension_of(std::string_view file_name) {
  const std::size_t slash = file_name.find_last_of("/\\");
  if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
  const std::size_t dot = file_name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return {};
  std::string ext(file_name.substr(dot + 1));
  for (char& c : ext) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return ext;
}

// ---- libmagic: a cookie is not thread-safe, so each thread opens its own ----

class MagicCookie {
 public:
  MagicCookie() {
    // No decompression (a bomb is not our business here), no ELF parsing (the database names ELF
    // already, and readelf.c is libmagic's largest attack surface).
    cookie_ = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_ELF | MAGIC_ERROR);
    if (cookie_ == nullptr) {
      error_ = "magic_open failed";
    } else if (magic_load(cookie_, nullptr) != 0) {
      error_ = std::string("magic_load: ") + (magic_error(cookie_) ? magic_error(cookie_) : "unknown error");
      magic_close(cookie_);
      cookie_ = nullptr;
    }
  }
  ~MagicCookie() {
    if (cookie_ != nullptr) magic_close(cookie_);
  }
  MagicCookie(const MagicCookie&) = delete;
  MagicCookie& operator=(const MagicCookie&) = delete;

  Result<std::string> mime_of(std::string_view bytes) {
    if (cookie_ == nullptr) return fail("content.attachment_check_failed", "libmagic: " + error_);
    const char* found = magic_buffer(cookie_, bytes.data(), bytes.size());
    if (found == nullptr) {
      const char* why = magic_error(cookie_);
      return fail("content.attachment_check_failed",
                  std::string("libmagic: ") + (why ? why : "unknown error"));
    }
    // Some entries append details ("application/x-executable, no program header"): keep the type.
    std::string_view mime(found);
    mime = mime.substr(0, mime.find_first_of(",; "));
    return std::string(mime);
  }

 private:
  magic_t cookie_ = nullptr;
  std::string error_;
};

Result<std::string> detect_mime(std::string_view bytes) {
  thread_local MagicCookie cookie;
  return cookie.mime_of(bytes);
}

// ---- YARA: the rules are compiled once and shared; yr_rules_scan_mem is thread-safe ----

struct Rules;
void compile_into(struct Rules& out);

struct Rules {
  YR_RULES* rules = nullptr;
  std::size_t public_rules = 0;
  std::string error;  // "file:line: message" when the rules did not compile

  Rules() { compile_into(*this); }
  Rules(const Rules&) = delete;
  Rules& operator=(const Rules&) = delete;
  ~Rules() {
    if (rules != nullptr) yr_rules_destroy(rules);
    if (initialised) yr_finalize();
  }
  bool initialised = false;
};

struct CompileContext {
  std::string_view file;
  std::vector<std::string> messages;
};

// Warnings count as errors: a rule the compiler finds slow or dubious is fixed, not shipped.
void on_compile_message(int level, const char* /*file_name*/, int line, const YR_RULE* /*rule*/,
                        const char* message, void* user_data) {
  auto& context = *static_cast<CompileContext*>(user_data);
  context.messages.push_back(std::string(context.file) + ":" + std::to_string(line) + ": " +
                             (level == YARA_ERROR_LEVEL_WARNING ? "warning: " : "") + message);
}

void compile_into(Rules& out) {
  if (int rc = yr_initialize(); rc != ERROR_SUCCESS) {
    out.error = "yr_initialize failed with code " + std::to_string(rc);
    return;
  }
  out.initialised = true;
  YR_COMPILER* compiler = nullptr;
  if (yr_compiler_create(&compiler) != ERROR_SUCCESS) {
    out.error = "yr_compiler_create failed";
    return;
  }
  CompileContext context;
  yr_compiler_set_callback(compiler, on_compile_message, &context);
  for (const auto& [name, text] : embedded_yara_rules()) {
    context.file = name;
    // Each file is added as its own NUL-terminated string; all share the default namespace, so the
    // private type rules of 00_file_types.yar serve the files after it.
    const std::string source(text);
    yr_compiler_add_string(compiler, source.c_str(), nullptr);
    if (!context.messages.empty()) break;  // the compiler cannot take more input after an error
  }
  if (context.messages.empty() && yr_compiler_get_rules(compiler, &out.rules) != ERROR_SUCCESS) {
    context.messages.push_back("yr_compiler_get_rules failed");
  }
  yr_compiler_destroy(compiler);
  if (!context.messages.empty()) {
    out.error = join(context.messages);
    if (out.rules != nullptr) yr_rules_destroy(out.rules);
    out.rules = nullptr;
    return;
  }
  YR_RULE* rule = nullptr;
  yr_rules_foreach(out.rules, rule) {
    if (!RULE_IS_PRIVATE(rule)) ++out.public_rules;
  }
}

const Rules& compiled_rules() {
  static const Rules rules;  // compiled on first use; a function-local static is initialised once
  return rules;
}

struct RuleMatch {
  std::string name;
  std::string severity;
  std::string description_en;
  std::string description_zh;
};

int on_scan_message(YR_SCAN_CONTEXT* /*context*/, int message, void* message_data, void* user_data) {
  if (message != CALLBACK_MSG_RULE_MATCHING) return CALLBACK_CONTINUE;
  const auto* rule = static_cast<const YR_RULE*>(message_data);
  RuleMatch match{rule->identifier, "", "", ""};
  const YR_META* meta = nullptr;
  yr_rule_metas_foreach(rule, meta) {
    if (meta->type != META_TYPE_STRING) continue;
    const std::string_view key = meta->identifier;
    if (key == "severity") match.severity = meta->string;
    if (key == "description_en") match.description_en = meta->string;
    if (key == "description_zh") match.description_zh = meta->string;
  }
  static_cast<std::vector<RuleMatch>*>(user_data)->push_back(std::move(match));
  return CALLBACK_CONTINUE;
}

Result<std::vector<RuleMatch>> scan(std::string_view bytes) {
  const Rules& rules = compiled_rules();
  if (rules.rules == nullptr) return fail("content.attachment_rules", rules.error);
  std::vector<RuleMatch> matches;
  const int rc = yr_rules_scan_mem(rules.rules, reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                   bytes.size(), 0, on_scan_message, &matches, kYaraTimeoutSeconds);
  if (rc == ERROR_SCAN_TIMEOUT) {
    return fail("content.attachment_check_failed",
                "the YARA scan took over " + std::to_string(kYaraTimeoutSeconds) + " s");
  }
  if (rc != ERROR_SUCCESS) {
    return fail("content.attachment_check_failed", "the YARA scan failed with code " + std::to_string(rc));
  }
  return matches;
}

// ---- the type ----

// OOXML is a zip whose [Content_Types].xml names its main part; libmagic guesses from the order of
// the first members (WPS and some converters write them in another order), so the package decides.
void settle_zip_kind(std::string_view file_name, std::string_view bytes, AttachmentCheck& check) {
  review::ExtractLimits limits;
  limits.max_file_bytes = std::max(limits.max_file_bytes, bytes.size());
  review::ExtractBudget budget;
  auto kind = review::zip_kind(bytes, limits, budget, file_name);
  if (!kind) {
    check.problems.push_back(
        problem("content.attachment_corrupt", "the archive cannot be read: " + kind.error().to_string()));
    return;
  }
  check.type = *kind;
}

// Archive-based types (OOXML, OpenDocument, zip) are inflated member by member under the review
// scanner's extraction limits before they are accepted, so a zip bomb — a member that inflates past
// max_entry_bytes or max_ratio, or members that together pass max_total_bytes, whether its headers tell
// the truth or lie — is refused at upload rather than left for the scan at submission (N7.3 防瘫痪).
// Inflated bytes are discarded at once; at most one member is held at a time.
bool archive_type(std::string_view type) {
  return type == "docx" || type == "xlsx" || type == "pptx" || type == "odt" || type == "ods" || type == "odp" ||
         type == "zip";
}

void check_archive(std::string_view file_name, std::string_view bytes, AttachmentCheck& check) {
  review::ExtractLimits limits;
  limits.max_file_bytes = std::max(limits.max_file_bytes, bytes.size());
  auto archive = review::ZipArchive::open(file_name, bytes, limits);
  if (!archive) {
    const bool too_many = archive.error().code == "review.limit";
    check.problems.push_back(problem(too_many ? "content.attachment_archive_bomb" : "content.attachment_corrupt",
                                     "the archive cannot be accepted: " + archive.error().message));
    return;
  }
  review::ExtractBudget budget;
  for (const review::ZipEntry& entry : archive->entries()) {
    if (entry.directory) continue;
    auto inflated = archive->read(entry, budget);
    if (inflated) continue;
    const Error& e = inflated.error();
    if (e.code == "review.limit") {
      check.problems.push_back(problem("content.attachment_archive_bomb", "a decompression bomb: " + e.message));
    } else if (e.code == "review.encrypted") {
      check.problems.push_back(problem("content.attachment_encrypted",
                                       "an encrypted member cannot be checked: " + e.message));
    } else {
      check.problems.push_back(problem("content.attachment_corrupt", "the archive cannot be read: " + e.message));
    }
    return;
  }
}

void settle_type(std::string_view file_name, std::string_view bytes, AttachmentCheck& check) {
  const FileType* type = type_by_mime(check.mime);
  check.type = type ? std::string(type->name) : "unknown";
  if (check.mime == kZipMime ||
      (type && (type->name == "docx" || type->name == "xlsx" || type->name == "pptx"))) {
    settle_zip_kind(file_name, bytes, check);
  } else if (contains(kOleMimes, check.mime)) {
    // One container for doc, xls and ppt: the name says which, when it names one of them.
    const bool office = check.extension_from_name == "doc" || check.extension_from_name == "xls" ||
                        check.extension_from_name == "ppt";
    check.type = office ? check.extension_from_name : "ole";
  }
}

void check_type(std::string_view file_name, const AttachmentPolicy& policy, AttachmentCheck& check) {
  const FileType* type = type_by_name(check.type);
  const std::string described = check.type + " (" + check.mime + ")";
  if (type && !contains(type->extensions, check.extension_from_name)) {
    const std::string says =
        check.extension_from_name.empty() ? "has no extension" : "says ." + check.extension_from_name;
    check.problems.push_back(
        problem("content.attachment_type_mismatch",
                "the name " + std::string(file_name) + " " + says + " but the content is " + described));
  }
  if (type && type->active) {
    check.problems.push_back(
        problem("content.attachment_type_forbidden",
                "the content is " + described + ", active content that is never accepted"));
  } else if (!contains(policy.allowed_types, check.type)) {
    check.problems.push_back(
        problem("content.attachment_type_not_allowed", "the content is " + described +
                                                           ", which this site does not allow; "
                                                           "allowed: " +
                                                           join(policy.allowed_types)));
  } else if (type && type->legacy_office) {
    check.warnings.push_back(
        problem("content.attachment_legacy_office",
                "legacy Office format " + check.type +
                    ": it may carry macros or objects the checks cannot see; open it with care"));
  }
}

void record_matches(const std::vector<RuleMatch>& matches, AttachmentCheck& check) {
  for (const RuleMatch& match : matches) {
    check.yara_matches.push_back(match.name);
    const std::string message =
        "rule " + match.name + ": " + match.description_en + " / " + match.description_zh;
    // Unknown severities count as high: a rule that forgot its meta still refuses.
    if (match.severity == "medium" || match.severity == "low") {
      check.warnings.push_back(problem("content.attachment_suspicious", message));
    } else {
      check.problems.push_back(problem("content.attachment_malicious", message));
    }
  }
}

}  // namespace

std::vector<std::string> AttachmentPolicy::default_allowed_types() {
  return {"pdf", "docx", "xlsx", "pptx", "doc", "xls",  "ppt", "odt",
          "ods", "odp",  "jpg",  "png",  "gif", "webp", "txt"};
}

std::vector<std::string> allowable_attachment_types() {
  std::vector<std::string> out;
  for (const FileType& type : file_types()) {
    if (!type.active) out.emplace_back(type.name);
  }
  return out;
}

Status validate_policy(const AttachmentPolicy& policy) {
  std::vector<std::string_view> seen;
  for (const std::string& name : policy.allowed_types) {
    const FileType* type = type_by_name(name);
    if (type == nullptr) {
      return fail("content.invalid_field", "allowed_types: unknown type \"" + name + "\"");
    }
    if (type->active) {
      return fail("content.invalid_field",
                  "allowed_types: \"" + name + "\" is active content and is never accepted (N7.3)");
    }
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      return fail("content.invalid_field", "allowed_types: \"" + name + "\" is listed twice");
    }
    seen.push_back(name);
  }
  if (policy.max_bytes < kMinPolicyBytes || policy.max_bytes > kMaxPolicyBytes) {
    return fail("content.invalid_field", "max_bytes: " + std::to_string(policy.max_bytes) +
                                             " is outside 1024.." + std::to_string(kMaxPolicyBytes));
  }
  return ok();
}

Status attachment_rules_status(std::size_t* rule_count) {
  const Rules& rules = compiled_rules();
  if (rules.rules == nullptr) return fail("content.attachment_rules", rules.error);
  if (rule_count != nullptr) *rule_count = rules.public_rules;
  return ok();
}

Result<AttachmentCheck> check_attachment(std::string_view file_name, std::string_view bytes,
                                         const AttachmentPolicy& policy) {
  // The size first, before any parser sees a byte (N7.3 防瘫痪).
  if (bytes.size() > policy.max_bytes) {
    return fail("content.attachment_too_large", std::string(file_name) + " is " +
                                                    std::to_string(bytes.size()) + " bytes; the limit is " +
                                                    std::to_string(policy.max_bytes) + " bytes");
  }
  if (bytes.empty()) return fail("content.attachment_empty", std::string(file_name) + " is empty");

  AttachmentCheck check;
  check.extension_from_name = extension_of(file_name);
  SW_TRY(mime, detect_mime(bytes));
  check.mime = std::move(mime);
  settle_type(file_name, bytes, check);
  check_type(file_name, policy, check);
  if (archive_type(check.type) && check.problems.empty()) check_archive(file_name, bytes, check);
  SW_TRY(matches, scan(bytes));
  record_matches(matches, check);
  check.accepted = check.problems.empty();
  return check;
}

}  // namespace sw::content
