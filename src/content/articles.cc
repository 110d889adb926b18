// ContentService: columns, articles, versions, the review workflow and its archive (N3.1, N3.2, N3.5).
// The contract is in articles.h; the tables in 0004_content.sql; the format of the archive's chain in
// docs/modules/content.md.
#include "content/articles.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <span>
#include <utility>

#include "base/log.h"
#include "content/attachments.h"
#include "content/named_reviewers.h"
#include "content/site_features.h"

namespace sw::content {
namespace {

using identity::Permission;
using identity::Scope;
using identity::ScopeKind;
using review::Severity;

constexpr std::string_view kSystemRole = "system";
constexpr std::string_view kVersionTag = "sitewarden.article_version.v1";
constexpr std::string_view kRecordTag = "sitewarden.review_record.v1";
constexpr std::string_view kDecisionApproved = "approved";
constexpr std::string_view kDecisionRejected = "rejected";
constexpr std::string_view kDecisionReset = "reset";
const std::string kGenesisHex(64, '0');

std::string article_object(std::int64_t id) { return "article:" + std::to_string(id); }
std::string column_object(std::int64_t id) { return "column:" + std::to_string(id); }
std::string site_object(std::int64_t id) { return "site:" + std::to_string(id); }

// canonical encodings: a domain tag, then each field as an 8-byte big-endian length and its bytes,
// so no two different versions or records encode alike.
void put(std::string& out, std::string_view field) {
  const std::uint64_t n = field.size();
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xFF));
  out.append(field);
}
void put(std::string& out, std::int64_t value) { put(out, std::to_string(value)); }

// Attachments (migration 0005) are encoded after the fields only when there are any, so a version
// without attachments encodes as it did before they existed.
std::string canonical_version(std::int64_t article_id, std::int64_t n, const ArticleFields& f,
                              const std::vector<Attachment>& attachments) {
  std::string out;
  put(out, kVersionTag);
  put(out, article_id);
  put(out, n);
  for (const std::string* s : {&f.title, &f.summary, &f.body_html, &f.byline, &f.source}) put(out, *s);
  put(out, f.publish_date ? format_rfc3339(*f.publish_date) : std::string());
  put(out, f.original_author);
  put(out, f.original_url);
  for (const Attachment& a : attachments) {
    put(out, std::string_view("attachment"));
    put(out, a.file_name);
    put(out, a.blob_hash);
    put(out, a.size);
    put(out, a.type);
  }
  return out;
}

std::string canonical_record(const ReviewRecord& r) {
  std::string out;
  put(out, kRecordTag);
  put(out, r.seq);
  put(out, r.site_id);
  put(out, r.article_id);
  put(out, r.version_n);
  put(out, r.version_hash);
  put(out, r.actor_user_id);
  for (const std::string* s : {&r.actor_name, &r.role, &r.stage, &r.decision, &r.reason, &r.justification})
    put(out, *s);
  put(out, std::int64_t{r.same_person ? 1 : 0});
  for (const std::string* s : {&r.reprint.relevance, &r.reprint.authenticity, &r.reprint.copyright,
                               &r.findings_json, &r.at, &r.hash_alg})
    put(out, *s);
  // 0013: the basis is encoded only when set, so records written before it hash as they did.
  if (!r.reviewer_basis.empty()) {
    put(out, std::string_view("reviewer_basis"));
    put(out, r.reviewer_basis);
  }
  return out;
}

// hash = H_alg(bytes(prev_hash) || canonical(record)), in hex.
Result<std::string> record_hash(const ReviewRecord& r) {
  SW_TRY(prev, crypto::from_hex(r.prev_hash));
  SW_TRY(digest, crypto::hash_with(r.hash_alg, prev + canonical_record(r)));
  return digest.hex();
}

using NamedField = std::pair<std::string_view, const std::string*>;

// A write's row count dropped: only whether it worked matters.
Status done(const Result<std::int64_t>& r) {
  if (!r) return std::unexpected(r.error());
  return ok();
}

Status check_text(std::string_view field, const std::string& value, std::size_t max, bool required) {
  if (required && value.empty()) return fail("content.invalid_field", std::string(field) + ": required");
  if (value.size() > max) {
    return fail("content.invalid_field",
                std::string(field) + ": longer than " + std::to_string(max) + " bytes");
  }
  return ok();
}

// The fields of a save; N3.5: a reprint names its source, original author and original URL.
Status check_fields(const ArticleFields& f, bool is_reprint) {
  SW_CHECK(check_text("title", f.title, kMaxTitleBytes, true));
  SW_CHECK(check_text("summary", f.summary, kMaxShortFieldBytes, false));
  SW_CHECK(check_text("byline", f.byline, kMaxShortFieldBytes, false));
  SW_CHECK(check_text("source", f.source, kMaxShortFieldBytes, false));
  SW_CHECK(check_text("original_author", f.original_author, kMaxShortFieldBytes, false));
  SW_CHECK(check_text("original_url", f.original_url, kMaxShortFieldBytes, false));
  if (!f.original_url.empty() && !f.original_url.starts_with("http://") &&
      !f.original_url.starts_with("https://")) {
    return fail("content.invalid_field", "original_url: must be an http or https URL");
  }
  if (!is_reprint) return ok();
  const NamedField required[] = {{"source", &f.source},
                                 {"original_author", &f.original_author},
                                 {"original_url", &f.original_url}};
  for (const auto& [name, value] : required) {
    if (value->empty())
      return fail("content.reprint_missing", "reprint: " + std::string(name) + " is required (N3.5)");
  }
  return ok();
}

// N3.5: the content reviewer's judgement of a reprint, every field present.
Status check_judgement(const ReprintJudgement& j) {
  const NamedField required[] = {{"relevance", &j.relevance},
                                 {"authenticity", &j.authenticity},
                                 {"copyright", &j.copyright}};
  for (const auto& [name, value] : required) {
    if (value->empty()) {
      return fail("content.reprint_judgement_missing",
                  "reprint: the reviewer's judgement of " + std::string(name) + " is required (N3.5)");
    }
    SW_CHECK(check_text(name, *value, kMaxReasonBytes, true));
  }
  return ok();
}

nlohmann::json finding_json(const review::Finding& f) {
  return {{"path", f.path},         {"part", f.part},
          {"locator", f.locator},   {"line", f.line},
          {"hidden", f.hidden},     {"category", f.category},
          {"severity", review::to_string(f.severity)},
          {"matched", f.matched},   {"rule", f.rule},
          {"note", f.note},         {"excerpt", f.excerpt},
          {"source", f.source}};
}

// Adds a report's findings; a part the scanner could not read is a high finding of its own, so an
// unreadable body cannot pass review unseen.
void add_report(const review::ScanReport& report, SubmitResult& out) {
  for (const review::Finding& f : report.findings) {
    out.findings.push_back(finding_json(f));
    out.highest = std::max(out.highest, f.severity);
  }
  for (const review::FileProblem& p : report.problems) {
    out.findings.push_back({{"path", p.path},
                            {"category", "scan_problem"},
                            {"severity", review::to_string(Severity::high)},
                            {"rule", p.error.code},
                            {"note", p.error.message}});
    out.highest = std::max(out.highest, Severity::high);
  }
}

// True when the error is a refusal of who acts, not of what they asked (audited as denied).
bool is_denial(const Error& e) {
  return e.code == "identity.forbidden" || e.code == "content.separation_of_duties" ||
         e.code == "content.same_reviewer" || e.code == "content.not_blog_owner" ||
         e.code == "content.not_named_reviewer";
}

// The same person: the same account, or for the machine operator the same name.
bool same_person(std::int64_t user_a, std::string_view name_a, std::int64_t user_b, std::string_view name_b) {
  if (user_a != 0 && user_b != 0) return user_a == user_b;
  return name_a == name_b;
}

Permission permission_of(Stage s) {
  return s == Stage::content ? Permission::content_review : Permission::secrecy_review;
}

std::optional<TimePoint> optional_time(const store::Row& row, std::size_t i) {
  const auto text = row.optional_text(i);
  if (!text) return std::nullopt;
  auto t = parse_rfc3339(*text);
  return t ? std::optional<TimePoint>(*t) : std::nullopt;
}
store::Value time_value(std::optional<TimePoint> t) {
  return t ? store::Value{format_rfc3339(*t)} : store::Value{std::monostate{}};
}

constexpr std::string_view kArticleColumns =
    "SELECT id, site_id, column_id, state, current_version, author_user_id, author_name, is_reprint, "
    "created_at, deleted_at FROM articles";
constexpr std::string_view kVersionColumns =
    "SELECT article_id, n, title, summary, body_html, byline, source, publish_date, original_author, "
    "original_url, content_hash, created_by, created_at FROM article_versions";
constexpr std::string_view kAttachmentColumns =
    "SELECT file_name, blob_hash, size_bytes, detected_type, mime, warnings_json, added_by, added_at "
    "FROM article_attachments";
constexpr std::string_view kColumnColumns =
    "SELECT id, site_id, parent_id, name, position, created_at, deactivated_at FROM columns";
constexpr std::string_view kRecordColumns =
    "SELECT seq, site_id, article_id, version_n, version_hash, actor_user_id, actor_name, role, stage, "
    "decision, reason, justification, same_person, reprint_relevance, reprint_authenticity, "
    "reprint_copyright, findings_json, at, hash_alg, prev_hash, hash, reviewer_basis FROM review_records";

Article article_from(const store::Row& r) {
  Article a;
  a.id = r.integer(0);
  a.site_id = r.integer(1);
  a.column_id = r.integer(2);
  a.state = parse_state(r.text(3)).value_or(State::draft);
  a.current_version = r.integer(4);
  a.author_user_id = r.integer(5);
  a.author_name = r.text(6);
  a.is_reprint = r.integer(7) != 0;
  a.created_at = optional_time(r, 8).value_or(TimePoint{});
  a.deleted_at = optional_time(r, 9);
  return a;
}

ArticleVersion version_from(const store::Row& r) {
  ArticleVersion v;
  v.article_id = r.integer(0);
  v.n = r.integer(1);
  v.fields = ArticleFields{r.text(2), r.text(3), r.text(4), r.text(5), r.text(6),
                           optional_time(r, 7), r.text(8), r.text(9)};
  v.content_hash = r.text(10);
  v.created_by = r.text(11);
  v.created_at = optional_time(r, 12).value_or(TimePoint{});
  return v;
}

Attachment attachment_from(const store::Row& r) {
  Attachment a;
  a.file_name = r.text(0);
  a.blob_hash = r.text(1);
  a.size = r.integer(2);
  a.type = r.text(3);
  a.mime = r.text(4);
  const auto warnings = nlohmann::json::parse(r.text(5), nullptr, false);
  if (warnings.is_array()) {
    for (const auto& w : warnings) {
      if (w.is_string()) a.warnings.push_back(w.get<std::string>());
    }
  }
  a.added_by = r.text(6);
  a.added_at = optional_time(r, 7).value_or(TimePoint{});
  return a;
}

// A file name as stored and shown: 1..255 bytes, one path component, no control characters.
Status check_file_name(const std::string& name) {
  SW_CHECK(check_text("file_name", name, kMaxFileNameBytes, true));
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7F || c == '/' || c == '\\') {
      return fail("content.invalid_field", "file_name: no '/', '\\' or control characters");
    }
  }
  if (name == "." || name == "..") return fail("content.invalid_field", "file_name: not a file name");
  return ok();
}

// A scan problem of an attachment that could not be read at all (the blob missing or corrupt): a high
// finding, so it cannot pass review unseen.
void add_unreadable(const std::string& path, const Error& e, SubmitResult& out) {
  out.findings.push_back({{"path", path},
                          {"category", "scan_problem"},
                          {"severity", review::to_string(Severity::high)},
                          {"rule", e.code},
                          {"note", e.message}});
  out.highest = std::max(out.highest, Severity::high);
}

Column column_from(const store::Row& r) {
  Column c;
  c.id = r.integer(0);
  c.site_id = r.integer(1);
  if (!r.is_null(2)) c.parent_id = r.integer(2);
  c.name = r.text(3);
  c.position = r.integer(4);
  c.created_at = optional_time(r, 5).value_or(TimePoint{});
  c.deactivated_at = optional_time(r, 6);
  return c;
}

ReviewRecord record_from(const store::Row& r) {
  ReviewRecord x;
  x.seq = r.integer(0);
  x.site_id = r.integer(1);
  x.article_id = r.integer(2);
  x.version_n = r.integer(3);
  x.version_hash = r.text(4);
  x.actor_user_id = r.integer(5);
  x.actor_name = r.text(6);
  x.role = r.text(7);
  x.stage = r.text(8);
  x.decision = r.text(9);
  x.reason = r.text(10);
  x.justification = r.text(11);
  x.same_person = r.integer(12) != 0;
  x.reprint = ReprintJudgement{r.text(13), r.text(14), r.text(15)};
  x.findings_json = r.text(16);
  x.at = r.text(17);
  x.hash_alg = r.text(18);
  x.prev_hash = r.text(19);
  x.hash = r.text(20);
  x.reviewer_basis = r.text(21);
  return x;
}

nlohmann::json record_json(const ReviewRecord& r) {
  return {{"seq", r.seq},
          {"site_id", r.site_id},
          {"article_id", r.article_id},
          {"version_n", r.version_n},
          {"version_hash", r.version_hash},
          {"actor_user_id", r.actor_user_id},
          {"actor_name", r.actor_name},
          {"role", r.role},
          {"stage", r.stage},
          {"decision", r.decision},
          {"reason", r.reason},
          {"justification", r.justification},
          {"same_person", r.same_person},
          {"reprint_relevance", r.reprint.relevance},
          {"reprint_authenticity", r.reprint.authenticity},
          {"reprint_copyright", r.reprint.copyright},
          {"findings", nlohmann::json::parse(r.findings_json, nullptr, false)},
          {"at", r.at},
          {"hash_alg", r.hash_alg},
          {"prev_hash", r.prev_hash},
          {"hash", r.hash},
          {"reviewer_basis", r.reviewer_basis}};
}

}  // namespace

class ContentService::Impl {
 public:
  Impl(store::Database& db, audit::AuditLog& audit, const crypto::Suite& suite, const review::Scanner& scanner,
       store::BlobStore* blobs, const Clock& clock, SanitiseOptions sanitise)
      : db_(db),
        audit_(audit),
        suite_(suite),
        scanner_(scanner),
        blobs_(blobs),
        clock_(clock),
        sanitise_(std::move(sanitise)) {}

  // ----- columns ----------------------------------------------------------------------------------

  Result<Column> create_column(const Actor& actor, std::int64_t site_id, std::optional<std::int64_t> parent_id,
                               const std::string& name, std::int64_t position) {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "content.column_create", "column:" + name, site_id);
    SW_CHECK(permit(actor, Permission::site_manage, Scope::site(site_id), event));
    return conclude(event, create_column_locked(event, site_id, parent_id, name, position));
  }

  Result<std::vector<Column>> columns(const Principal& who, std::int64_t site_id) {
    std::lock_guard lock(mu_);
    SW_CHECK(permit_any_read(who, kContentReaders, site_id, "content.read", site_object(site_id)));
    SW_TRY(rows, db_.query(std::string(kColumnColumns) +
                           " WHERE site_id = ? ORDER BY COALESCE(parent_id, 0), position, id",
                           {site_id}));
    std::vector<Column> out;
    for (const store::Row& r : rows) out.push_back(column_from(r));
    return out;
  }

  // ----- articles ---------------------------------------------------------------------------------

  Result<Saved> create_article(const Actor& actor, std::int64_t column_id, const ArticleFields& fields,
                               bool is_reprint) {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "content.create", column_object(column_id), std::nullopt);
    auto column = column_by_id(column_id);
    if (!column) return conclude(event, Result<Saved>(std::unexpected(column.error())));
    event.site_id = column->site_id;
    SW_CHECK(permit(actor, Permission::content_edit, Scope::site(column->site_id), event));
    return conclude(event, create_article_locked(event, actor, *column, fields, is_reprint));
  }

  Result<Saved> edit(const Actor& actor, std::int64_t article_id, const ArticleFields& fields) {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "content.edit", article_object(article_id), std::nullopt);
    SW_TRY(article, begin_on_article(actor, article_id, Permission::content_edit, event));
    return conclude(event, edit_locked(event, actor, article, fields));
  }

  Result<Saved> add_attachment(const Actor& actor, std::int64_t article_id, const std::string& file_name,
                               std::string_view bytes) {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "content.attach", article_object(article_id), std::nullopt);
    event.details = {{"file_name", file_name}, {"size", bytes.size()}};
    SW_TRY(article, begin_on_article(actor, article_id, Permission::content_edit, event));
    return conclude(event, add_attachment_locked(event, actor, article, file_name, bytes));
  }

  Result<SubmitResult> submit(const Actor& actor, std::int64_t article_id) {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "content.submit", article_object(article_id), std::nullopt);
    SW_TRY(article, begin_on_article(actor, article_id, Permission::content_edit, event));
    return conclude(event, submit_locked(event, article));
  }

  Status delete_article(const Actor& actor, std::int64_t article_id) {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "content.delete", article_object(article_id), std::nullopt);
    SW_TRY(article, begin_on_article(actor, article_id, Permission::content_edit, event));
    event.details = {{"state", to_string(article.state)}};
    return conclude(event, done(db_.exec("UPDATE articles SET deleted_at = ?, deleted_by = ? WHERE id = ?",
                                         {format_rfc3339(clock_.now()), actor.principal.name, article.id})));
  }

  // ----- review -----------------------------------------------------------------------------------

  Status approve(const Actor& actor, std::int64_t article_id, Stage stage, const ReviewInput& input) {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "content.approve", article_object(article_id), std::nullopt);
    event.details = {{"stage", to_string(stage)}};
    SW_TRY(article, begin_on_article(actor, article_id, permission_of(stage), event));
    return conclude(event, approve_locked(event, actor, article, stage, input));
  }

  Status reject(const Actor& actor, std::int64_t article_id, Stage stage, const std::string& reason) {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "content.reject", article_object(article_id), std::nullopt);
    event.details = {{"stage", to_string(stage)}};
    SW_TRY(article, begin_on_article(actor, article_id, permission_of(stage), event));
    return conclude(event, reject_locked(event, actor, article, stage, reason));
  }

  Status publish(const Actor& actor, std::int64_t article_id) {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "content.publish", article_object(article_id), std::nullopt);
    SW_TRY(article, begin_on_article(actor, article_id, Permission::site_operate, event));
    event.details = {{"version", article.current_version}};
    return conclude(event, set_state(article, Action::publish));
  }

  Status set_review_settings(const Actor& actor, std::int64_t site_id, bool allowed) {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "content.review_settings", site_object(site_id), site_id);
    event.details = {{"same_person_both_stages", allowed}};
    SW_CHECK(permit(actor, Permission::site_configure, Scope::site(site_id), event));
    return conclude(event, done(db_.exec("INSERT INTO site_review_settings (site_id, same_person_both_stages, "
                                         "set_by, set_at) VALUES (?, ?, ?, ?)",
                                         {site_id, std::int64_t{allowed ? 1 : 0}, actor.principal.name,
                                          format_rfc3339(clock_.now())})));
  }

  Status set_attachment_policy(const Actor& actor, std::int64_t site_id, const AttachmentPolicy& policy) {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "content.attachment_policy", site_object(site_id), site_id);
    event.details = {{"allowed_types", policy.allowed_types}, {"max_bytes", policy.max_bytes}};
    SW_CHECK(permit(actor, Permission::site_configure, Scope::site(site_id), event));
    if (auto valid = validate_policy(policy); !valid) return conclude(event, valid);
    return conclude(event, done(db_.exec("INSERT INTO site_attachment_policies (site_id, allowed_types_json, "
                                         "max_bytes, set_by, set_at) VALUES (?, ?, ?, ?, ?)",
                                         {site_id, nlohmann::json(policy.allowed_types).dump(),
                                          static_cast<std::int64_t>(policy.max_bytes), actor.principal.name,
                                          format_rfc3339(clock_.now())})));
  }

  // The newest policy of the site, or the default. Called with mu_ held.
  Result<AttachmentPolicy> policy_of(std::int64_t site_id) {
    SW_TRY(row, db_.query_one("SELECT allowed_types_json, max_bytes FROM site_attachment_policies WHERE site_id = ? "
                              "ORDER BY id DESC LIMIT 1",
                              {site_id}));
    AttachmentPolicy policy;
    if (!row) return policy;
    const auto types = nlohmann::json::parse(row->text(0), nullptr, /*allow_exceptions=*/false);
    if (!types.is_array()) return fail("content.bad_policy", "the attachment policy of site " + std::to_string(site_id) + " is unreadable");
    policy.allowed_types.clear();
    for (const auto& t : types) {
      if (t.is_string()) policy.allowed_types.push_back(t.get<std::string>());
    }
    policy.max_bytes = static_cast<std::size_t>(row->integer(1));
    return policy;
  }

  Result<AttachmentPolicy> attachment_policy(const Principal& who, std::int64_t site_id) {
    std::lock_guard lock(mu_);
    static constexpr Permission kPolicyReaders[] = {Permission::content_edit, Permission::content_review,
                                                    Permission::secrecy_review, Permission::site_configure};
    SW_CHECK(permit_any_read(who, kPolicyReaders, site_id, "content.read", site_object(site_id)));
    return policy_of(site_id);
  }

  // ----- reads ------------------------------------------------------------------------------------

  Result<Article> get_article(const Principal& who, std::int64_t article_id) {
    std::lock_guard lock(mu_);
    SW_TRY(article, article_by_id(article_id));
    SW_CHECK(permit_any_read(who, kContentReaders, article.site_id, "content.read", article_object(article_id)));
    return article;
  }

  Result<ArticleVersion> get_version(const Principal& who, std::int64_t article_id, std::int64_t n) {
    std::lock_guard lock(mu_);
    SW_TRY(article, article_by_id(article_id));
    SW_CHECK(permit_any_read(who, kContentReaders, article.site_id, "content.read", article_object(article_id)));
    return version_of(article_id, n);
  }

  Result<std::string> attachment(const Principal& who, std::int64_t article_id, std::int64_t n,
                                 std::string_view file_name) {
    std::lock_guard lock(mu_);
    SW_TRY(article, article_by_id(article_id));
    SW_CHECK(permit_any_read(who, kContentReaders, article.site_id, "content.read", article_object(article_id)));
    SW_TRY(row, db_.query_one(std::string(kAttachmentColumns) +
                                  " WHERE article_id = ? AND version_n = ? AND file_name = ?",
                              {article_id, n, std::string(file_name)}));
    if (!row) {
      return fail("content.not_found", article_object(article_id) + " version " + std::to_string(n) +
                                           " has no attachment \"" + std::string(file_name) + "\"");
    }
    return read_blob(attachment_from(*row));
  }

  Result<std::vector<QueueItem>> review_queue(const Principal& who, std::int64_t site_id, Stage stage) {
    std::lock_guard lock(mu_);
    const Permission p = permission_of(stage);
    SW_CHECK(permit_any_read(who, {&p, 1}, site_id, "content.queue", site_object(site_id)));
    const State waiting = stage == Stage::content ? State::submitted : State::content_approved;
    // A correction (0008) waits at the same stages as a first submission.
    const State correction =
        stage == Stage::content ? State::correction_submitted : State::correction_content_approved;
    SW_TRY(rows, db_.query(std::string(kArticleColumns) +
                               " WHERE site_id = ? AND state IN (?, ?) AND deleted_at IS NULL ORDER BY id",
                           {site_id, std::string(to_string(waiting)), std::string(to_string(correction))}));
    std::vector<QueueItem> out;
    for (const store::Row& r : rows) {
      QueueItem item{article_from(r)};
      SW_TRY(version, version_of(item.article.id, item.article.current_version));
      item.title = version.fields.title;
      SW_TRY(scan, latest_scan(item.article.id, item.article.current_version));
      item.highest = scan.highest;
      item.findings = scan.findings.size();
      out.push_back(std::move(item));
    }
    return out;
  }

  Result<std::vector<ReviewRecord>> review_records(const Principal& who, std::int64_t article_id) {
    std::lock_guard lock(mu_);
    SW_TRY(article, article_by_id(article_id));
    SW_CHECK(permit_any_read(who, kRecordReaders, article.site_id, "content.records", article_object(article_id)));
    SW_TRY(rows, db_.query(std::string(kRecordColumns) + " WHERE article_id = ? ORDER BY seq", {article_id}));
    std::vector<ReviewRecord> out;
    std::map<std::int64_t, std::string> names;  // the accounts' real names, read once each
    for (const store::Row& r : rows) {
      ReviewRecord record = record_from(r);
      if (record.actor_user_id != 0) {
        auto [it, fresh] = names.try_emplace(record.actor_user_id);
        if (fresh) {
          SW_TRY(user, db_.query_one("SELECT real_name FROM users WHERE id = ?", {record.actor_user_id}));
          if (user) it->second = user->text(0);
        }
        record.actor_real_name = it->second;
      }
      out.push_back(std::move(record));
    }
    return out;
  }

  Result<RecordsReport> verify_review_records(const Principal& who, std::int64_t site_id) {
    std::lock_guard lock(mu_);
    const Permission p = Permission::audit_read;
    SW_CHECK(permit_any_read(who, {&p, 1}, site_id, "content.records_verify", site_object(site_id)));
    SW_TRY(rows, db_.query(std::string(kRecordColumns) + " WHERE site_id = ? ORDER BY seq", {site_id}));
    RecordsReport report;
    std::string head = kGenesisHex;
    for (const store::Row& row : rows) {
      const ReviewRecord r = record_from(row);
      std::string problem;
      if (r.prev_hash != head) {
        problem = "prev_hash does not link to the previous record of the site";
      } else if (auto h = record_hash(r); !h) {
        problem = "cannot hash: " + h.error().message;
      } else if (*h != r.hash) {
        problem = "stored hash does not match the record's content";
      }
      if (!problem.empty()) {
        report.ok = false;
        report.first_bad_seq = r.seq;
        report.problem = std::move(problem);
        return report;
      }
      head = r.hash;
      ++report.records_checked;
    }
    return report;
  }

  Result<std::string> export_review_records(const Principal& who, std::int64_t site_id, TimePoint from,
                                            TimePoint to) {
    std::lock_guard lock(mu_);
    Audit event = event_for(Actor{who, "", ""}, "content.records_export", site_object(site_id), site_id);
    event.details = {{"from", format_rfc3339(from)}, {"to", format_rfc3339(to)}};
    SW_CHECK(permit(Actor{who, "", ""}, Permission::audit_export, Scope::site(site_id), event));
    auto rows = db_.query(std::string(kRecordColumns) + " WHERE site_id = ? AND at >= ? AND at <= ? ORDER BY seq",
                          {site_id, format_rfc3339(from), format_rfc3339(to)});
    if (!rows) return conclude(event, Result<std::string>(std::unexpected(rows.error())));
    std::string out;
    for (const store::Row& r : *rows) {
      out += record_json(record_from(r)).dump();
      out += '\n';
    }
    event.details["records"] = rows->size();
    return conclude(event, Result<std::string>(std::move(out)));
  }

  // ----- the console's list and findings (issue 4, content console) --------------------------------

  Result<ArticlePage> list_articles(const Principal& who, std::int64_t site_id, const ArticleFilter& filter,
                                    std::int64_t offset, std::int64_t limit) {
    if (offset < 0) return fail("content.invalid_field", "offset must not be negative");
    if (limit < 1 || limit > kMaxArticlePage) {
      return fail("content.invalid_field", "limit must be 1.." + std::to_string(kMaxArticlePage));
    }
    if (filter.title_contains.size() > kMaxTitleBytes) {
      return fail("content.invalid_field", "title filter longer than " + std::to_string(kMaxTitleBytes) + " bytes");
    }
    std::lock_guard lock(mu_);
    // Operations (site.operate) see the list too: it is where they find what is approved to publish.
    static constexpr Permission kListReaders[] = {Permission::content_edit, Permission::content_review,
                                                  Permission::secrecy_review, Permission::site_operate};
    SW_CHECK(permit_any_read(who, kListReaders, site_id, "content.list", site_object(site_id)));
    // One WHERE for the count and the page; the join to the current version only when the title is
    // filtered (the count of a plain list reads the index alone).
    std::string where = " WHERE a.site_id = ? AND a.deleted_at IS NULL";
    std::vector<store::Value> params{site_id};
    if (filter.state) {
      where += " AND a.state = ?";
      params.emplace_back(std::string(to_string(*filter.state)));
    }
    if (filter.column_id) {
      where += " AND a.column_id = ?";
      params.emplace_back(*filter.column_id);
    }
    constexpr std::string_view kJoin =
        " JOIN article_versions v ON v.article_id = a.id AND v.n = a.current_version";
    if (!filter.title_contains.empty()) {
      where += " AND instr(v.title, ?) > 0";  // instr: no LIKE wildcards to escape
      params.emplace_back(filter.title_contains);
    }
    const std::string count_join = filter.title_contains.empty() ? std::string{} : std::string(kJoin);
    SW_TRY(count, db_.query_one("SELECT COUNT(*) FROM articles a" + count_join + where, params));
    ArticlePage page;
    page.total = count ? count->integer(0) : 0;
    params.emplace_back(limit);
    params.emplace_back(offset);
    SW_TRY(rows, db_.query("SELECT a.id, a.site_id, a.column_id, a.state, a.current_version, a.author_user_id, "
                           "a.author_name, a.is_reprint, a.created_at, a.deleted_at, v.title, v.created_at "
                           "FROM articles a" + std::string(kJoin) + where + " ORDER BY a.id DESC LIMIT ? OFFSET ?",
                           params));
    for (const store::Row& r : rows) {
      ArticleListItem item{article_from(r), r.text(10), {}};
      item.updated_at = optional_time(r, 11).value_or(item.article.created_at);
      page.items.push_back(std::move(item));
    }
    return page;
  }

  Result<SubmitResult> findings(const Principal& who, std::int64_t article_id, std::int64_t n) {
    std::lock_guard lock(mu_);
    SW_TRY(article, article_by_id(article_id));
    SW_CHECK(permit_any_read(who, kContentReaders, article.site_id, "content.read", article_object(article_id)));
    SW_TRY(scan, latest_scan(article_id, n));
    return SubmitResult{scan.highest, std::move(scan.findings)};
  }

 private:
  using Audit = audit::Event;
  // Operations (site.operate) read the articles they schedule and publish, as themselves.
  static constexpr Permission kContentReaders[] = {Permission::content_edit, Permission::content_review,
                                                   Permission::secrecy_review, Permission::site_operate};
  static constexpr Permission kRecordReaders[] = {Permission::content_edit, Permission::content_review,
                                                  Permission::secrecy_review, Permission::site_operate,
                                                  Permission::audit_read};

  struct Scan {
    Severity highest = Severity::info;
    nlohmann::json findings = nlohmann::json::array();
  };

  Audit event_for(const Actor& actor, std::string action, std::string object,
                  std::optional<std::int64_t> site_id) const {
    Audit a;
    a.actor = actor.principal.name;
    a.actor_role = actor.principal.is_system ? std::string(kSystemRole) : "";
    a.action = std::move(action);
    a.object = std::move(object);
    a.site_id = site_id;
    a.client_ip = actor.client_ip;
    a.request_id = actor.request_id;
    return a;
  }

  Status record(Audit a) {
    auto appended = audit_.append(std::move(a));
    if (!appended) {
      log::error("content.audit_failed", {{"error", appended.error().to_string()}});
      return std::unexpected(appended.error());
    }
    return ok();
  }

  // Audits the end of a mutating call: success, or failure (denied for a refusal of the actor).
  template <class T>
  Result<T> conclude(Audit a, Result<T> result) {
    if (!result) {
      a.outcome = is_denial(result.error()) ? audit::Outcome::denied : audit::Outcome::failure;
      a.details["reason"] = result.error().code;
      (void)record(std::move(a));  // the refusal stands even if auditing it failed (logged in record)
      return result;
    }
    SW_CHECK(record(std::move(a)));
    return result;
  }

  // Checks p on target; a refusal is audited (denied). On success the event carries the role.
  Status permit(const Actor& actor, Permission p, const Scope& target, Audit& event) {
    SW_TRY(tree, load_tree());
    auto role = identity::authorize_as(actor.principal, p, target, tree);
    if (!role) return conclude(event, Status(std::unexpected(role.error())));
    event.actor_role = *role ? std::string(identity::to_string(**role)) : std::string(kSystemRole);
    return ok();
  }

  // Reads: allowed with any of `ps` on the site; a refusal is audited (denied), a permitted read not.
  Status permit_any_read(const Principal& who, std::span<const Permission> ps, std::int64_t site_id,
                         std::string action, std::string object) {
    SW_TRY(tree, load_tree());
    std::optional<Error> first;
    for (Permission p : ps) {
      auto role = identity::authorize_as(who, p, Scope::site(site_id), tree);
      if (role) return ok();
      if (!first) first = role.error();
    }
    Audit event = event_for(Actor{who, "", ""}, std::move(action), std::move(object), site_id);
    return conclude(event, Status(std::unexpected(*first)));
  }

  // The live article, its site on the event, permission p on the site.
  Result<Article> begin_on_article(const Actor& actor, std::int64_t article_id, Permission p, Audit& event) {
    auto article = live_article(article_id);
    if (!article) return conclude(event, Result<Article>(std::unexpected(article.error())));
    event.site_id = article->site_id;
    SW_CHECK(permit(actor, p, Scope::site(article->site_id), event));
    return article;
  }

  Result<identity::OrgTree> load_tree() { return identity::load_org_tree(db_); }

  Result<Column> column_by_id(std::int64_t id) {
    SW_TRY(row, db_.query_one(std::string(kColumnColumns) + " WHERE id = ?", {id}));
    if (!row) return fail("content.not_found", "no column with id " + std::to_string(id));
    return column_from(*row);
  }

  Result<Article> article_by_id(std::int64_t id) {
    SW_TRY(row, db_.query_one(std::string(kArticleColumns) + " WHERE id = ?", {id}));
    if (!row) return fail("content.not_found", "no article with id " + std::to_string(id));
    Article article = article_from(*row);
    SW_TRY(published, db_.query_one("SELECT published_version FROM articles WHERE id = ?", {id}));
    if (published && !published->is_null(0)) article.published_version = published->integer(0);
    return article;
  }

  Result<Article> live_article(std::int64_t id) {
    SW_TRY(article, article_by_id(id));
    if (article.deleted_at) return fail("content.not_found", article_object(id) + " is deleted");
    return article;
  }

  Result<ArticleVersion> version_of(std::int64_t article_id, std::int64_t n) {
    SW_TRY(row, db_.query_one(std::string(kVersionColumns) + " WHERE article_id = ? AND n = ?", {article_id, n}));
    if (!row) {
      return fail("content.not_found",
                  article_object(article_id) + " has no version " + std::to_string(n));
    }
    ArticleVersion v = version_from(*row);
    SW_TRY(attachments, db_.query(std::string(kAttachmentColumns) +
                                      " WHERE article_id = ? AND version_n = ? ORDER BY position",
                                  {article_id, n}));
    for (const store::Row& a : attachments) v.attachments.push_back(attachment_from(a));
    return v;
  }

  Result<std::string> read_blob(const Attachment& a) {
    if (!blobs_) return fail("content.no_blob_store", "the content service was opened without a blob store");
    SW_TRY(digest, store::BlobStore::parse_digest(a.blob_hash));
    return blobs_->get(digest);
  }

  // The version as reviewers see it, checked against its content_hash (N3.1: what is approved is
  // exactly what was saved).
  Result<ArticleVersion> checked_version(const Article& article) {
    SW_TRY(v, version_of(article.id, article.current_version));
    SW_TRY(stored, crypto::Digest::parse(v.content_hash));
    SW_TRY(now, crypto::hash_with(stored.algorithm, canonical_version(article.id, v.n, v.fields, v.attachments)));
    if (!(now == stored)) {
      return fail("content.version_tampered", article_object(article.id) + " version " + std::to_string(v.n) +
                                                  " no longer matches its content_hash");
    }
    return v;
  }

  Result<Scan> latest_scan(std::int64_t article_id, std::int64_t n) {
    SW_TRY(row, db_.query_one("SELECT highest, findings_json FROM article_scans WHERE article_id = ? AND "
                              "version_n = ? ORDER BY id DESC LIMIT 1",
                              {article_id, n}));
    Scan scan;
    if (!row) return scan;
    scan.highest = review::parse_severity(row->text(0)).value_or(Severity::critical);
    scan.findings = nlohmann::json::parse(row->text(1), nullptr, false);
    if (!scan.findings.is_array()) scan.findings = nlohmann::json::array();
    return scan;
  }

  // Call inside a transaction: the version row and its attachment rows.
  Status insert_version(std::int64_t article_id, std::int64_t n, const ArticleFields& f, const Actor& actor,
                        TimePoint now, const std::vector<Attachment>& attachments = {}) {
    const std::string hash = suite_.hash(canonical_version(article_id, n, f, attachments)).to_string();
    SW_CHECK(db_.exec("INSERT INTO article_versions (article_id, n, title, summary, body_html, byline, source, "
                      "publish_date, original_author, original_url, content_hash, created_by, created_at) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      {article_id, n, f.title, f.summary, f.body_html, f.byline, f.source,
                       time_value(f.publish_date), f.original_author, f.original_url, hash,
                       actor.principal.name, format_rfc3339(now)}));
    std::int64_t position = 0;
    for (const Attachment& a : attachments) {
      SW_CHECK(db_.exec("INSERT INTO article_attachments (article_id, version_n, position, file_name, blob_hash, "
                        "size_bytes, detected_type, mime, warnings_json, added_by, added_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        {article_id, n, position++, a.file_name, a.blob_hash, a.size, a.type, a.mime,
                         nlohmann::json(a.warnings).dump(), a.added_by, format_rfc3339(a.added_at)}));
    }
    return ok();
  }

  // Validates and sanitises what an editor saves.
  Result<std::pair<ArticleFields, std::vector<std::string>>> prepare(const ArticleFields& fields, bool is_reprint) {
    SW_CHECK(check_fields(fields, is_reprint));
    SW_TRY(clean, sanitise_html(fields.body_html, sanitise_));
    ArticleFields f = fields;
    f.body_html = std::move(clean.html);
    return std::pair{std::move(f), std::move(clean.removed)};
  }

  Result<Column> create_column_locked(Audit& event, std::int64_t site_id, std::optional<std::int64_t> parent_id,
                                      const std::string& name, std::int64_t position) {
    SW_TRY(site, db_.query_one("SELECT id FROM sites WHERE id = ?", {site_id}));
    if (!site) return fail("content.unknown_site", "no site with id " + std::to_string(site_id));
    SW_CHECK(check_text("name", name, kMaxTitleBytes, true));
    if (parent_id) {
      SW_TRY(parent, column_by_id(*parent_id));
      if (parent.site_id != site_id) {
        return fail("content.bad_column", column_object(parent.id) + " belongs to " + site_object(parent.site_id));
      }
      if (parent.deactivated_at) return fail("content.column_inactive", column_object(parent.id) + " is deactivated");
    }
    const store::Value parent = parent_id ? store::Value{*parent_id} : store::Value{std::monostate{}};
    // N4.1 (0008): a column created on a live site needs its own security assessment before use.
    SW_CHECK(db_.exec("INSERT INTO columns (site_id, parent_id, name, position, created_at, needs_assessment) "
                      "VALUES (?, ?, ?, ?, ?, (SELECT CASE WHEN state = 'live' THEN 1 ELSE 0 END FROM sites "
                      "WHERE id = ?))",
                      {site_id, parent, name, position, format_rfc3339(clock_.now()), site_id}));
    const std::int64_t id = db_.last_insert_id();
    event.object = column_object(id);
    event.details = {{"name", name}};
    return column_by_id(id);
  }

  Result<Saved> create_article_locked(Audit& event, const Actor& actor, const Column& column,
                                      const ArticleFields& fields, bool is_reprint) {
    if (column.deactivated_at) return fail("content.column_inactive", column_object(column.id) + " is deactivated");
    SW_CHECK(check_column_usable(column.id));      // N4.1 (0008)
    SW_CHECK(check_blog_writer(actor, column.id));  // N4.4 (0008)
    SW_TRY(prepared, prepare(fields, is_reprint));
    const TimePoint now = clock_.now();
    SW_TRY(tx, db_.begin());
    SW_CHECK(db_.exec("INSERT INTO articles (site_id, column_id, state, current_version, author_user_id, "
                      "author_name, is_reprint, created_at) VALUES (?, ?, ?, 1, ?, ?, ?, ?)",
                      {column.site_id, column.id, std::string(to_string(State::draft)), actor.principal.user_id,
                       actor.principal.name, std::int64_t{is_reprint ? 1 : 0}, format_rfc3339(now)}));
    const std::int64_t id = db_.last_insert_id();
    SW_CHECK(insert_version(id, 1, prepared.first, actor, now));
    SW_CHECK(tx.commit());
    event.object = article_object(id);
    event.details = {{"column", column.id}, {"version", 1}, {"reprint", is_reprint}, {"removed", prepared.second}};
    SW_TRY(article, article_by_id(id));
    return Saved{std::move(article), std::move(prepared.second)};
  }

  // N3.1: an edit makes a new version; a submission or review of an earlier version no longer applies.
  // The attachments are carried forward to the new version.
  Result<Saved> edit_locked(Audit& event, const Actor& actor, const Article& article, const ArticleFields& fields) {
    if (auto allowed = next(article.state, Action::edit); !allowed) return std::unexpected(allowed.error());
    SW_TRY(prepared, prepare(fields, article.is_reprint));
    SW_TRY(old, version_of(article.id, article.current_version));
    SW_CHECK(save_new_version(event, actor, article, old, prepared.first, old.attachments));
    event.details["removed"] = prepared.second;
    SW_TRY(saved, article_by_id(article.id));
    return Saved{std::move(saved), std::move(prepared.second)};
  }

  // A file on a new version: the current fields and attachments plus this one. Nothing is stored when
  // the check refuses the file.
  Result<Saved> add_attachment_locked(Audit& event, const Actor& actor, const Article& article,
                                      const std::string& file_name, std::string_view bytes) {
    if (auto allowed = next(article.state, Action::edit); !allowed) return std::unexpected(allowed.error());
    if (!blobs_) return fail("content.no_blob_store", "the content service was opened without a blob store");
    SW_CHECK(check_file_name(file_name));
    SW_TRY(old, version_of(article.id, article.current_version));
    for (const Attachment& a : old.attachments) {
      if (a.file_name == file_name) {
        return fail("content.invalid_field", "file_name: \"" + file_name + "\" is already attached to " +
                                                 article_object(article.id));
      }
    }
    // The site's policy (set_attachment_policy), or the default.
    SW_TRY(policy, policy_of(article.site_id));
    SW_TRY(check, check_attachment(file_name, bytes, policy));
    event.details["type"] = check.type;
    event.details["warnings"] = check.warnings;
    if (!check.accepted) {
      event.details["problems"] = check.problems;
      std::string message = "\"" + file_name + "\" is refused:";
      for (std::size_t i = 0; i < check.problems.size(); ++i) message += (i ? "; " : " ") + check.problems[i];
      return fail("content.attachment_refused", std::move(message));
    }
    SW_TRY(digest, blobs_->put(bytes));
    Attachment a;
    a.file_name = file_name;
    a.blob_hash = digest.to_string();
    a.size = static_cast<std::int64_t>(bytes.size());
    a.type = check.type;
    a.mime = check.mime;
    a.warnings = check.warnings;
    a.added_by = actor.principal.name;
    a.added_at = clock_.now();
    event.details["blob"] = a.blob_hash;
    std::vector<Attachment> attachments = old.attachments;
    attachments.push_back(std::move(a));
    SW_CHECK(save_new_version(event, actor, article, old, old.fields, attachments));
    SW_TRY(saved, article_by_id(article.id));
    return Saved{std::move(saved), {}};
  }

  // N3.1: a new version (fields, attachments); from any state but draft, a review record "reset" says
  // the earlier submission or reviews no longer apply.
  Status save_new_version(Audit& event, const Actor& actor, const Article& article, const ArticleVersion& old,
                          const ArticleFields& fields, const std::vector<Attachment>& attachments) {
    SW_TRY(to, next(article.state, Action::edit));
    const std::int64_t n = article.current_version + 1;
    const TimePoint now = clock_.now();
    SW_TRY(tx, db_.begin());
    SW_CHECK(insert_version(article.id, n, fields, actor, now, attachments));
    if (article.state != State::draft) {
      ReviewRecord r = record_for(actor, event, article, old);
      r.stage = awaiting(article.state) ? std::string(to_string(*awaiting(article.state))) : "";
      r.decision = kDecisionReset;
      r.reason = "version " + std::to_string(n) + " replaces version " + std::to_string(old.n) + " (" +
                 std::string(to_string(article.state)) + "): its submission and reviews no longer apply";
      SW_TRY(seq, append_record(std::move(r), now));
      event.details["reset_record"] = seq;
    }
    SW_CHECK(db_.exec("UPDATE articles SET state = ?, current_version = ? WHERE id = ?",
                      {std::string(to_string(to)), n, article.id}));
    SW_CHECK(tx.commit());
    event.details["version"] = n;
    event.details["from_state"] = to_string(article.state);
    return ok();
  }

  // N3.2: every submission is scanned; the findings are kept with the version for the reviewers.
  Result<SubmitResult> submit_locked(Audit& event, const Article& article) {
    SW_TRY(to, next(article.state, Action::submit));
    SW_TRY(v, version_of(article.id, article.current_version));
    const SubmitResult result = scan_version(v);
    SW_TRY(tx, db_.begin());
    SW_CHECK(insert_scan(article.id, v.n, result));
    SW_CHECK(db_.exec("UPDATE articles SET state = ? WHERE id = ?", {std::string(to_string(to)), article.id}));
    SW_CHECK(tx.commit());
    event.details = {{"version", v.n},
                     {"highest", review::to_string(result.highest)},
                     {"findings", result.findings.size()}};
    return result;
  }

  // N3.2: title, summary, body and every attachment of a version.
  SubmitResult scan_version(const ArticleVersion& v) {
    SubmitResult result;
    add_report(scanner_.scan_text("title", v.fields.title, "title"), result);
    add_report(scanner_.scan_text("summary", v.fields.summary, "summary"), result);
    add_report(scanner_.scan_bytes("body.html", v.fields.body_html), result);
    // N3.2: every attachment too, its name as the findings' path; the check's warnings (a legacy Office
    // file, a suspicious YARA match) are shown to the reviewers as findings of medium severity.
    for (const Attachment& a : v.attachments) {
      for (const std::string& w : a.warnings) {
        result.findings.push_back({{"path", a.file_name},
                                   {"category", "attachment_warning"},
                                   {"severity", review::to_string(Severity::medium)},
                                   {"rule", w.substr(0, w.find(':'))},
                                   {"note", w}});
        result.highest = std::max(result.highest, Severity::medium);
      }
      auto bytes = read_blob(a);
      if (!bytes) {
        add_unreadable(a.file_name, bytes.error(), result);
        continue;
      }
      add_report(scanner_.scan_bytes(a.file_name, *bytes), result);
    }
    return result;
  }

  // Call inside a transaction: the scan of version n.
  Status insert_scan(std::int64_t article_id, std::int64_t n, const SubmitResult& result) {
    return done(db_.exec("INSERT INTO article_scans (article_id, version_n, highest, findings_json, scanned_at) "
                         "VALUES (?, ?, ?, ?, ?)",
                         {article_id, n, std::string(review::to_string(result.highest)), result.findings.dump(),
                          format_rfc3339(clock_.now())}));
  }

  // N3.1: nobody reviews what they wrote or saved.
  Status check_not_author(const Actor& actor, const Article& article, const ArticleVersion& v) {
    const Principal& p = actor.principal;
    if (same_person(p.user_id, p.name, article.author_user_id, article.author_name) || p.name == v.created_by) {
      return fail("content.separation_of_duties", "\"" + p.name + "\" wrote " + article_object(article.id) +
                                                      " or saved its version " + std::to_string(v.n) +
                                                      " and cannot review it (N3.1)");
    }
    return ok();
  }

  // N3.1/N8.1: the site's named reviewer (or deputy) for the stage decides it when one has an account;
  // otherwise the permission alone did, and the basis on the record and the event says so.
  Result<std::string> check_named(const Actor& actor, const Article& article, Stage stage, Audit& event) {
    SW_TRY(basis, check_named_reviewer(db_, article.site_id, stage, actor.principal.user_id, actor.principal.name));
    event.details["reviewer_basis"] = basis;
    return std::string(basis);
  }

  // The stage asked for must be the stage the article awaits.
  static Status check_stage(const Article& article, Stage stage, Action action) {
    if (auto allowed = next(article.state, action); !allowed) return std::unexpected(allowed.error());
    if (awaiting(article.state) != stage) {
      return fail("content.bad_transition", "cannot " + std::string(to_string(action)) + " at the " +
                                                std::string(to_string(stage)) + " stage: " +
                                                article_object(article.id) + " is " +
                                                std::string(to_string(article.state)));
    }
    return ok();
  }

  // N3.1: two distinct people for the two stages, unless the site allows one person (then recorded).
  Result<bool> check_second_reviewer(const Actor& actor, const Article& article) {
    SW_TRY(row, db_.query_one("SELECT actor_user_id, actor_name FROM review_records WHERE article_id = ? AND "
                              "version_n = ? AND stage = ? AND decision = ? ORDER BY seq DESC LIMIT 1",
                              {article.id, article.current_version, std::string(to_string(Stage::content)),
                               std::string(kDecisionApproved)}));
    if (!row || !same_person(actor.principal.user_id, actor.principal.name, row->integer(0), row->text(1)))
      return false;
    SW_TRY(setting, db_.query_one("SELECT same_person_both_stages FROM site_review_settings WHERE site_id = ? "
                                  "ORDER BY id DESC LIMIT 1",
                                  {article.site_id}));
    if (setting && setting->integer(0) != 0) return true;
    return fail("content.same_reviewer", "\"" + actor.principal.name + "\" approved the content review of " +
                                             article_object(article.id) +
                                             " and cannot also approve its secrecy review (N3.1)");
  }

  Status approve_locked(Audit& event, const Actor& actor, const Article& article, Stage stage,
                        const ReviewInput& input) {
    SW_CHECK(check_stage(article, stage, approval_of(stage)));
    SW_TRY(v, checked_version(article));
    SW_CHECK(check_not_author(actor, article, v));
    SW_TRY(basis, check_named(actor, article, stage, event));
    bool same = false;
    if (stage == Stage::secrecy) {
      SW_TRY(allowed_same, check_second_reviewer(actor, article));
      same = allowed_same;
    }
    if (stage == Stage::content && article.is_reprint) SW_CHECK(check_judgement(input.reprint));
    SW_CHECK(check_text("reason", input.reason, kMaxReasonBytes, false));
    SW_CHECK(check_text("justification", input.justification, kMaxReasonBytes, false));
    SW_TRY(scan, latest_scan(article.id, v.n));
    if (scan.highest >= Severity::high && input.justification.empty()) {
      return fail("content.findings_block", article_object(article.id) + " version " + std::to_string(v.n) +
                                                " has a finding of severity " +
                                                std::string(review::to_string(scan.highest)) +
                                                "; approving it needs a justification");
    }
    ReviewRecord r = record_for(actor, event, article, v);
    r.stage = to_string(stage);
    r.decision = kDecisionApproved;
    r.reason = input.reason;
    r.justification = input.justification;
    r.same_person = same;
    r.reviewer_basis = basis;
    if (stage == Stage::content && article.is_reprint) r.reprint = input.reprint;
    r.findings_json = scan.findings.dump();
    const TimePoint now = clock_.now();
    SW_TRY(tx, db_.begin());
    SW_TRY(seq, append_record(std::move(r), now));
    SW_CHECK(set_state(article, approval_of(stage)));
    SW_CHECK(tx.commit());
    event.details["version"] = v.n;
    event.details["record"] = seq;
    event.details["same_person"] = same;
    event.details["justified"] = !input.justification.empty();
    event.details["highest"] = review::to_string(scan.highest);
    return ok();
  }

  Status reject_locked(Audit& event, const Actor& actor, const Article& article, Stage stage,
                       const std::string& reason) {
    SW_CHECK(check_stage(article, stage, Action::reject));
    SW_TRY(v, checked_version(article));
    SW_CHECK(check_not_author(actor, article, v));
    SW_TRY(basis, check_named(actor, article, stage, event));
    if (reason.empty()) return fail("content.reason_required", "a rejection needs a reason for the author");
    SW_CHECK(check_text("reason", reason, kMaxReasonBytes, true));
    SW_TRY(scan, latest_scan(article.id, v.n));
    ReviewRecord r = record_for(actor, event, article, v);
    r.stage = to_string(stage);
    r.decision = kDecisionRejected;
    r.reason = reason;
    r.reviewer_basis = basis;
    r.findings_json = scan.findings.dump();
    SW_TRY(tx, db_.begin());
    SW_TRY(seq, append_record(std::move(r), clock_.now()));
    SW_CHECK(set_state(article, Action::reject));
    SW_CHECK(tx.commit());
    event.details["version"] = v.n;
    event.details["record"] = seq;
    return ok();
  }

  Status set_state(const Article& article, Action action) {
    SW_TRY(to, next(article.state, action));
    if (to == State::published && (action == Action::publish || action == Action::approve_secrecy)) {
      // 0008: what becomes published is the current version (a first publication or an approved
      // correction); N4.1: never in a column of a live site that has not passed its assessment.
      SW_CHECK(check_column_usable(article.column_id));
      SW_CHECK(db_.exec("UPDATE articles SET state = ?, published_version = current_version WHERE id = ?",
                        {std::string(to_string(to)), article.id}));
      return ok();
    }
    SW_CHECK(db_.exec("UPDATE articles SET state = ? WHERE id = ?", {std::string(to_string(to)), article.id}));
    return ok();
  }

  ReviewRecord record_for(const Actor& actor, const Audit& event, const Article& article, const ArticleVersion& v) {
    ReviewRecord r;
    r.site_id = article.site_id;
    r.article_id = article.id;
    r.version_n = v.n;
    r.version_hash = v.content_hash;
    r.actor_user_id = actor.principal.user_id;
    r.actor_name = actor.principal.name;
    r.role = event.actor_role;
    r.findings_json = "[]";
    return r;
  }

  // Appends a review record, chained to the site's previous one; call inside a transaction. The audit
  // event of the action carries its hash, so the signed audit checkpoints also vouch for the archive.
  Result<std::int64_t> append_record(ReviewRecord r, TimePoint now) {
    SW_TRY(last, db_.query_one("SELECT hash FROM review_records WHERE site_id = ? ORDER BY seq DESC LIMIT 1",
                               {r.site_id}));
    SW_TRY(max, db_.query_one("SELECT COALESCE(MAX(seq), 0) FROM review_records"));
    r.seq = max->integer(0) + 1;
    r.at = format_rfc3339(now);
    r.hash_alg = suite_.hash_algorithm();
    r.prev_hash = last ? last->text(0) : kGenesisHex;
    SW_TRY(hash, record_hash(r));
    r.hash = hash;
    SW_CHECK(db_.exec(
        "INSERT INTO review_records (seq, site_id, article_id, version_n, version_hash, actor_user_id, actor_name, "
        "role, stage, decision, reason, justification, same_person, reprint_relevance, reprint_authenticity, "
        "reprint_copyright, findings_json, at, hash_alg, prev_hash, hash, reviewer_basis) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {r.seq, r.site_id, r.article_id, r.version_n, r.version_hash, r.actor_user_id, r.actor_name, r.role,
         r.stage, r.decision, r.reason, r.justification, std::int64_t{r.same_person ? 1 : 0},
         r.reprint.relevance, r.reprint.authenticity, r.reprint.copyright, r.findings_json, r.at, r.hash_alg,
         r.prev_hash, r.hash, r.reviewer_basis}));
    return r.seq;
  }

  std::mutex mu_;  // serialises all database work
  store::Database& db_;
  audit::AuditLog& audit_;
  const crypto::Suite& suite_;
  const review::Scanner& scanner_;
  store::BlobStore* blobs_;  // null: no attachments
  const Clock& clock_;
  SanitiseOptions sanitise_;

  // Withdrawal, correction, scheduling, reporting upward, blogs, the column gate (migration 0008).
#include "content/lifecycle.inc"
};

// ----- ContentService: forwards to Impl ------------------------------------------------------------

std::unique_ptr<ContentService> ContentService::open(store::Database& db, audit::AuditLog& audit,
                                                     const crypto::Suite& suite, const review::Scanner& scanner,
                                                     const Clock& clock, SanitiseOptions sanitise) {
  return std::unique_ptr<ContentService>(
      new ContentService(std::make_unique<Impl>(db, audit, suite, scanner, nullptr, clock, std::move(sanitise))));
}
std::unique_ptr<ContentService> ContentService::open(store::Database& db, audit::AuditLog& audit,
                                                     const crypto::Suite& suite, const review::Scanner& scanner,
                                                     store::BlobStore& blobs, const Clock& clock,
                                                     SanitiseOptions sanitise) {
  return std::unique_ptr<ContentService>(
      new ContentService(std::make_unique<Impl>(db, audit, suite, scanner, &blobs, clock, std::move(sanitise))));
}
ContentService::ContentService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ContentService::~ContentService() = default;

Result<Column> ContentService::create_column(const Actor& actor, std::int64_t site_id,
                                             std::optional<std::int64_t> parent_id, std::string name,
                                             std::int64_t position) {
  return impl_->create_column(actor, site_id, parent_id, name, position);
}
Result<std::vector<Column>> ContentService::columns(const Principal& who, std::int64_t site_id) {
  return impl_->columns(who, site_id);
}
Result<Saved> ContentService::create_article(const Actor& actor, std::int64_t column_id,
                                             const ArticleFields& fields, bool is_reprint) {
  return impl_->create_article(actor, column_id, fields, is_reprint);
}
Result<Saved> ContentService::edit(const Actor& actor, std::int64_t article_id, const ArticleFields& fields) {
  return impl_->edit(actor, article_id, fields);
}
Result<Saved> ContentService::add_attachment(const Actor& actor, std::int64_t article_id, std::string file_name,
                                             std::string_view bytes) {
  return impl_->add_attachment(actor, article_id, file_name, bytes);
}
Result<SubmitResult> ContentService::submit(const Actor& actor, std::int64_t article_id) {
  return impl_->submit(actor, article_id);
}
Status ContentService::delete_article(const Actor& actor, std::int64_t article_id) {
  return impl_->delete_article(actor, article_id);
}
Status ContentService::approve(const Actor& actor, std::int64_t article_id, Stage stage, const ReviewInput& input) {
  return impl_->approve(actor, article_id, stage, input);
}
Status ContentService::reject(const Actor& actor, std::int64_t article_id, Stage stage, std::string reason) {
  return impl_->reject(actor, article_id, stage, reason);
}
Status ContentService::publish(const Actor& actor, std::int64_t article_id) {
  return impl_->publish(actor, article_id);
}
Status ContentService::set_attachment_policy(const Actor& actor, std::int64_t site_id,
                                             const AttachmentPolicy& policy) {
  return impl_->set_attachment_policy(actor, site_id, policy);
}

Result<AttachmentPolicy> ContentService::attachment_policy(const Principal& who, std::int64_t site_id) {
  return impl_->attachment_policy(who, site_id);
}

Status ContentService::set_review_settings(const Actor& actor, std::int64_t site_id, bool same_person_both_stages) {
  return impl_->set_review_settings(actor, site_id, same_person_both_stages);
}
Result<Article> ContentService::get_article(const Principal& who, std::int64_t article_id) {
  return impl_->get_article(who, article_id);
}
Result<ArticleVersion> ContentService::get_version(const Principal& who, std::int64_t article_id, std::int64_t n) {
  return impl_->get_version(who, article_id, n);
}
Result<std::string> ContentService::attachment(const Principal& who, std::int64_t article_id, std::int64_t n,
                                              std::string_view file_name) {
  return impl_->attachment(who, article_id, n, file_name);
}
Result<std::vector<QueueItem>> ContentService::review_queue(const Principal& who, std::int64_t site_id,
                                                            Stage stage) {
  return impl_->review_queue(who, site_id, stage);
}
Result<std::vector<ReviewRecord>> ContentService::review_records(const Principal& who, std::int64_t article_id) {
  return impl_->review_records(who, article_id);
}
Result<RecordsReport> ContentService::verify_review_records(const Principal& who, std::int64_t site_id) {
  return impl_->verify_review_records(who, site_id);
}
Result<std::string> ContentService::export_review_records(const Principal& who, std::int64_t site_id,
                                                          TimePoint from, TimePoint to) {
  return impl_->export_review_records(who, site_id, from, to);
}

// --- the console's list and findings (issue 4, content console) ------------------------------------
Result<ArticlePage> ContentService::list_articles(const Principal& who, std::int64_t site_id,
                                                  const ArticleFilter& filter, std::int64_t offset,
                                                  std::int64_t limit) {
  return impl_->list_articles(who, site_id, filter, offset, limit);
}
Result<SubmitResult> ContentService::findings(const Principal& who, std::int64_t article_id, std::int64_t n) {
  return impl_->findings(who, article_id, n);
}

// --- withdrawal, correction, scheduling, reporting upward, blogs (migration 0008) -------------------
#include "content/lifecycle_forward.inc"

}  // namespace sw::content
