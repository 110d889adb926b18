// ContentService: columns, articles and their versions, and the review workflow with its permanent,
// hash-chained archive of review records (issue 4; N3.1 publication and confidentiality review by
// named people, N3.2 every submission scanned and the findings shown, N3.5 reprint records). The
// state machine is workflow.h; the tables are migrations 0004_content.sql and
// 0005_content_attachments.sql (attachments, add_attachment); docs/modules/content.md.
//
// Built like the registry: every mutating call takes an identity::Actor, checks one permission with
// identity::authorize_as() against the organisation tree loaded from the database, and appends one
// audit event (outcome success, failure or denied). A refused read is audited (denied).
//
// Permissions (all on the article's site):
//   create_column            site.manage       columns are the site's structure
//   create/edit/submit/delete content.edit
//   add_attachment            content.edit
//   approve/reject content   content.review    (信息审核)
//   approve/reject secrecy   secrecy.review    (保密审查)
//   publish                  site.operate      the release is operations' step (the build is a later issue)
//   set_review_settings      site.configure
//   set_attachment_policy    site.configure  (allowed types and size per site; add_attachment uses it)
//   reads of articles         content.edit, content.review, secrecy.review or site.operate (operations
//                             read what they schedule and publish)
//   review queue              content.review / secrecy.review
//   review_records           content.edit, content.review, secrecy.review, site.operate or audit.read
//   verify / export records  audit.read / audit.export
//
// Named reviewers (N3.1, N8.1; named_reviewers.h): when the registry names a person with a linked
// account for the stage (duty content_review / secrecy_review, or its deputy *_deputy), only that
// account decides the stage (approve, reject, and the same stages of a correction); anyone else,
// the machine operator included, gets "content.not_named_reviewer" (denied) naming the duty. When
// nobody is named, or nobody named has an account, the permission alone decides and the review
// record's reviewer_basis says so ("no_named_reviewer" / "named_not_linked").
//
// Separation of duties (N3.1), checked for users and the machine operator alike:
//   - nobody reviews an article they wrote or a version they saved ("content.separation_of_duties",
//     audited as denied);
//   - the secrecy approver of a version is not its content approver ("content.same_reviewer",
//     denied) unless the site's review settings allow it; then the record says same_person = true
//     and so does the audit event.
//
// Error codes (Error::code):
//   content.bad_transition       the workflow refuses the action in the article's state (workflow.h),
//                                or the review stage asked for is not the one awaited
//   content.not_found            no such article, version or column (deleted articles included for writes)
//   content.unknown_site | content.column_inactive | content.bad_column (parent on another site)
//   content.column_not_assessed  N4.1: a column created on a live site without a passed security
//                                assessment for feature "column:<id>" (create_article, publish)
//   content.feature_disabled     the site's feature ("blog", N4.4) is not enabled
//   content.not_blog_owner       a blog column written by someone other than its owner (denied)
//   content.not_staff            a blog owner without a real name or a grant on the site's organisation
//   content.not_ancestor         submit_upward to a site that is not of an ancestor organisation
//   content.invalid_field        a field empty or too long; the field named
//   content.reprint_missing      a reprint without source / original_author / original_url (field named)
//   content.reprint_judgement_missing   a content approval of a reprint without relevance /
//                                authenticity / copyright (field named; N3.5)
//   content.reason_required      a rejection without a reason
//   content.findings_block       a finding of severity high or critical and no justification
//   content.version_tampered     the stored version no longer matches its content_hash
//   content.separation_of_duties | content.same_reviewer | content.not_named_reviewer   (denied, above)
//   content.too_large | too_deep | unstable   (from sanitise_html)
//   content.attachment_refused   check_attachment did not accept the file; the message names every problem
//   content.attachment_too_large | attachment_empty | attachment_check_failed   (from check_attachment)
//   content.no_blob_store        add_attachment or attachment() on a service opened without a blob store
//   store.*                      the blob store could not store or return the bytes (attachment())
//   identity.forbidden           (from authorize_as; audited as denied)
//
// Thread-safety: all methods may be called from any thread; database work is serialised inside.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/audit_log.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/result.h"
#include "content/lifecycle.h"
#include "content/attachments.h"
#include "content/sanitiser.h"
#include "content/workflow.h"
#include "identity/identity.h"
#include "review/scanner.h"
#include "store/blob_store.h"
#include "store/database.h"

namespace sw::content {

using identity::Actor;
using identity::Principal;

// Field limits (characters counted as bytes of UTF-8).
inline constexpr std::size_t kMaxTitleBytes = 600;
inline constexpr std::size_t kMaxShortFieldBytes = 2000;   // summary, source, byline, original_*
inline constexpr std::size_t kMaxReasonBytes = 4000;       // reasons, justifications, judgements

struct Column {
  std::int64_t id = 0;
  std::int64_t site_id = 0;
  std::optional<std::int64_t> parent_id;
  std::string name;
  std::int64_t position = 0;
  TimePoint created_at;
  std::optional<TimePoint> deactivated_at;
};

// What an editor writes. body_html is sanitised on every save (sanitise_html).
struct ArticleFields {
  std::string title;
  std::string summary;
  std::string body_html;
  std::string byline;  // the author named on the page (作者)
  std::string source;  // 来源; required for reprints
  std::optional<TimePoint> publish_date;
  // N3.5, required for reprints (and kept, but not required, otherwise).
  std::string original_author;
  std::string original_url;
};

// A file attached to a version (table article_attachments, migration 0005). The bytes are in the blob
// store under blob_hash; type and mime are what check_attachment found from the bytes.
struct Attachment {
  std::string file_name;
  std::string blob_hash;  // "<alg>:<64 hex>"
  std::int64_t size = 0;
  std::string type;       // "pdf", "docx", ... (AttachmentCheck::type)
  std::string mime;
  std::vector<std::string> warnings;  // AttachmentCheck::warnings, for the reviewers
  std::string added_by;
  TimePoint added_at;
};

// Longest attachment file name, in bytes.
inline constexpr std::size_t kMaxFileNameBytes = 255;

struct ArticleVersion {
  std::int64_t article_id = 0;
  std::int64_t n = 0;
  ArticleFields fields;       // body_html as stored (sanitised)
  std::vector<Attachment> attachments;  // in the order they were added; part of the version's content_hash
  std::string content_hash;   // "<alg>:<hex>" of the canonical version
  std::string created_by;
  TimePoint created_at;
};

struct Article {
  std::int64_t id = 0;
  std::int64_t site_id = 0;
  std::int64_t column_id = 0;
  State state = State::draft;
  std::int64_t current_version = 1;
  std::int64_t author_user_id = 0;  // 0 for the machine operator
  std::string author_name;
  bool is_reprint = false;
  TimePoint created_at;
  std::optional<TimePoint> deleted_at;
  // The version the site shows (migration 0008): set on publication and when a correction is
  // approved; nullopt for an article never published. Kept after a withdrawal.
  std::optional<std::int64_t> published_version;
};

// A save: the article and what the sanitiser removed from the body (for the editor to see).
struct Saved {
  Article article;
  std::vector<std::string> removed;
};

// N3.5: the content reviewer's judgement of a reprint.
struct ReprintJudgement {
  std::string relevance;     // e.g. "与工会工作相关"
  std::string authenticity;  // e.g. "已核实原文"
  std::string copyright;     // e.g. "已获授权"
};

// A reviewer's decision input.
struct ReviewInput {
  std::string reason;         // required for a rejection, optional for an approval
  std::string justification;  // required to approve over a high or critical finding
  ReprintJudgement reprint;   // required for the content approval of a reprint
};

// One row of the review archive (N3.1), as stored.
struct ReviewRecord {
  std::int64_t seq = 0;
  std::int64_t site_id = 0;
  std::int64_t article_id = 0;
  std::int64_t version_n = 0;
  std::string version_hash;
  std::int64_t actor_user_id = 0;
  std::string actor_name;
  std::string role;      // the role acted under ("system" for the machine operator)
  std::string stage;     // "content" | "secrecy" | "" (reset)
  std::string decision;  // "approved" | "rejected" | "reset"
  std::string reason;
  std::string justification;
  bool same_person = false;
  ReprintJudgement reprint;
  std::string findings_json;  // JSON array of the findings the reviewer saw
  std::string at;             // RFC 3339
  std::string hash_alg;
  std::string prev_hash;  // hex
  std::string hash;       // hex
  // 0013, content and secrecy decisions: "named" (the site's named reviewer or deputy decided),
  // "no_named_reviewer" or "named_not_linked" (nobody usable named: the permission alone decided);
  // "" for earlier records, resets and lifecycle records. Hashed only when not empty.
  std::string reviewer_basis;
  // The account's real name (users.real_name) as review_records() reads it now, for people to read;
  // "" for the machine operator or an unknown account. Not stored with the record, not hashed.
  std::string actor_real_name;
};

// An article waiting at a stage, with what the scanner found in its current version.
struct QueueItem {
  Article article;
  std::string title;
  review::Severity highest = review::Severity::info;
  std::size_t findings = 0;
};

struct SubmitResult {
  review::Severity highest = review::Severity::info;
  nlohmann::json findings = nlohmann::json::array();
};

struct RecordsReport {
  bool ok = true;
  std::int64_t records_checked = 0;
  std::optional<std::int64_t> first_bad_seq;
  std::string problem;
};

// --- the console's list of a site's articles (issue 4, content console) ---------------------------
// What list_articles filters on; every field empty = all articles of the site that are not deleted.
struct ArticleFilter {
  std::optional<State> state;
  std::optional<std::int64_t> column_id;
  std::string title_contains;  // a substring of the current version's title, at most kMaxTitleBytes
};

// One row of the list: the article and its current version's title and time.
struct ArticleListItem {
  Article article;
  std::string title;
  TimePoint updated_at;  // when the current version was saved
};

// A page of the list and how many articles match in all.
struct ArticlePage {
  std::vector<ArticleListItem> items;
  std::int64_t total = 0;
};

// Longest page list_articles returns.
inline constexpr std::int64_t kMaxArticlePage = 200;

class ContentService {
 public:
  // `db` (migrations applied), `audit`, `scanner` and `clock` must outlive the service; `suite` hashes
  // versions and review records.
  static std::unique_ptr<ContentService> open(store::Database& db, audit::AuditLog& audit,
                                              const crypto::Suite& suite, const review::Scanner& scanner,
                                              const Clock& clock = system_clock(),
                                              SanitiseOptions sanitise = {});
  // The same, with the blob store that keeps attachments (must outlive the service). Without one,
  // add_attachment and attachment() fail "content.no_blob_store" and a version's attachments, if the
  // database has any, are scanned as unreadable (high findings).
  static std::unique_ptr<ContentService> open(store::Database& db, audit::AuditLog& audit,
                                              const crypto::Suite& suite, const review::Scanner& scanner,
                                              store::BlobStore& blobs, const Clock& clock = system_clock(),
                                              SanitiseOptions sanitise = {});
  ~ContentService();

  // --- columns (site.manage) ---------------------------------------------------------------------
  // "content.column_create": under `parent_id` (an active column of the same site) or at the top.
  Result<Column> create_column(const Actor& actor, std::int64_t site_id, std::optional<std::int64_t> parent_id,
                               std::string name, std::int64_t position = 0);
  Result<std::vector<Column>> columns(const Principal& who, std::int64_t site_id);  // by parent, position

  // --- articles (content.edit) -------------------------------------------------------------------
  // "content.create": version 1, state draft, the actor is the author. The body is sanitised.
  Result<Saved> create_article(const Actor& actor, std::int64_t column_id, const ArticleFields& fields,
                               bool is_reprint = false);
  // "content.edit": a new version. From any state but draft this resets the workflow to draft, and a
  // review record with decision "reset" says the earlier submission or reviews no longer apply.
  Result<Saved> edit(const Actor& actor, std::int64_t article_id, const ArticleFields& fields);
  // "content.attach": checks the file (check_attachment with the site's policy — the default
  // AttachmentPolicy for now), stores accepted bytes in the blob store and saves a new version: the
  // current fields, the current attachments and this one. Like edit, from any state but draft this
  // resets the workflow (a review record "reset"). A refused file is "content.attachment_refused"
  // naming every problem, and nothing is stored. file_name: 1..255 bytes, no '/', backslash or control
  // characters, not already attached to the current version ("content.invalid_field").
  Result<Saved> add_attachment(const Actor& actor, std::int64_t article_id, std::string file_name,
                               std::string_view bytes);
  // "content.submit": draft → submitted. Scans title, summary, body and every attachment (N3.2; a
  // finding in an attachment has the file name as its path) and keeps the findings.
  Result<SubmitResult> submit(const Actor& actor, std::int64_t article_id);
  // "content.delete": soft; versions, scans and review records stay (N3.1).
  Status delete_article(const Actor& actor, std::int64_t article_id);

  // --- review (content.review / secrecy.review) -------------------------------------------------
  // "content.approve": the stage must be the one the article awaits. Writes one review record.
  Status approve(const Actor& actor, std::int64_t article_id, Stage stage, const ReviewInput& input);
  // "content.reject": back to draft with the reason (required). Writes one review record.
  Status reject(const Actor& actor, std::int64_t article_id, Stage stage, std::string reason);
  // "content.publish" (site.operate): approved → published.
  Status publish(const Actor& actor, std::int64_t article_id);
  // "content.review_settings" (site.configure): whether one person may approve both stages.
  Status set_review_settings(const Actor& actor, std::int64_t site_id, bool same_person_both_stages);
  // "content.attachment_policy" (site.configure): the types and largest size the site accepts from now
  // on (validate_policy: "content.invalid_field" naming the type or the size). Appended, never
  // overwritten (migration 0009_attachment_policy.sql); files already attached stay.
  Status set_attachment_policy(const Actor& actor, std::int64_t site_id, const AttachmentPolicy& policy);
  // The policy in force for the site: its newest one, or the default AttachmentPolicy. Readers of the
  // site's articles (content.edit, content.review, secrecy.review) and site.configure.
  Result<AttachmentPolicy> attachment_policy(const Principal& who, std::int64_t site_id);

  // --- reads -------------------------------------------------------------------------------------
  Result<Article> get_article(const Principal& who, std::int64_t article_id);
  Result<ArticleVersion> get_version(const Principal& who, std::int64_t article_id, std::int64_t n);
  // The bytes of an attachment of version n, verified by the blob store against its hash.
  Result<std::string> attachment(const Principal& who, std::int64_t article_id, std::int64_t n,
                                 std::string_view file_name);
  // Articles (not deleted) of the site awaiting `stage`, oldest first. content.review for the content
  // stage, secrecy.review for the secrecy stage.
  Result<std::vector<QueueItem>> review_queue(const Principal& who, std::int64_t site_id, Stage stage);
  // The review records of an article, deleted or not, oldest first.
  Result<std::vector<ReviewRecord>> review_records(const Principal& who, std::int64_t article_id);
  // Walks the site's chain of review records: linkage and every hash. Names the first bad seq.
  Result<RecordsReport> verify_review_records(const Principal& who, std::int64_t site_id);
  // The site's records with `at` in [from, to], as JSON Lines (one object per record, every column).
  Result<std::string> export_review_records(const Principal& who, std::int64_t site_id, TimePoint from,
                                            TimePoint to);

  // --- the console's list and findings (issue 4, content console) --------------------------------
  // The site's articles (not deleted) matching `filter`, newest first, `limit` (1..kMaxArticlePage)
  // from `offset`, and the number matching. content.edit, content.review, secrecy.review or
  // site.operate (operations find what to publish here) on the site; a refusal is audited (denied). Paged in SQL (index articles_site_state), so a site with
  // 100,000 articles costs one page. "content.invalid_field" for a bad offset, limit or title filter.
  Result<ArticlePage> list_articles(const Principal& who, std::int64_t site_id, const ArticleFilter& filter,
                                    std::int64_t offset, std::int64_t limit);
  // The findings of the latest scan of version n (N3.2: what the reviewers are shown) — the same
  // JSON objects submit returned; empty when the version was never submitted. Readers as get_version.
  Result<SubmitResult> findings(const Principal& who, std::int64_t article_id, std::int64_t n);

  // --- withdrawal, correction, scheduling, reporting upward, blogs (migration 0008) ---------------
  // The states are workflow.h's; every decision below writes a review record in the site's chain
  // (stage "withdrawal" / "secrecy_withdrawal" / "correction", decisions "requested", "approved",
  // "rejected", "scheduled", "withdrawn", "published"), and every call one audit event.
  //
  // "content.withdrawal_request" (content.edit or site.operate): published → withdrawal_requested,
  // the published version stays live. reason: 1..kMaxReasonBytes. secrecy_related: a secrecy
  // reviewer may decide it as well as a content reviewer.
  Result<WithdrawalRequest> request_withdrawal(const Actor& actor, std::int64_t article_id, std::string reason,
                                               bool secrecy_related);
  // "content.withdrawal_decide" (content.review; secrecy.review also for a secrecy-related request):
  // approve → withdrawn, reject → published (reason required). The decider is neither the requester
  // nor the author ("content.separation_of_duties", denied).
  Status decide_withdrawal(const Actor& actor, std::int64_t article_id, bool approve, std::string reason);
  // The article's withdrawal requests, oldest first (readers as get_article).
  Result<std::vector<WithdrawalRequest>> withdrawal_requests(const Principal& who, std::int64_t article_id);
  // "content.correct" (content.edit): a correction (更正) of a published article — a new version with
  // `fields`, scanned like a submission, awaiting content then secrecy review
  // (published → correction_submitted); the published version stays live until the secrecy approval
  // makes the correction the published version. A rejection at either stage returns to published.
  // reason: why the correction is made, 1..kMaxReasonBytes.
  Result<SubmitResult> correct(const Actor& actor, std::int64_t article_id, const ArticleFields& fields,
                               std::string reason);
  // "content.schedule": a scheduled publication (定时发布, site.operate, the article approved; the
  // current version is the one that will be published) or withdrawal (定时下线, content.review — the
  // withdrawal is decided now; the article published; reason required). due_at must be in the future.
  // Replaces a pending schedule of the same kind (cancelled, outcome says so).
  Result<Schedule> schedule(const Actor& actor, std::int64_t article_id, ScheduleKind kind, TimePoint due_at,
                            std::string reason = {});
  // "content.schedule_cancel": the same permission as setting it; "content.not_found" when none pending.
  Status cancel_schedule(const Actor& actor, std::int64_t article_id, ScheduleKind kind);
  // The article's schedules, oldest first (readers as get_article).
  Result<std::vector<Schedule>> schedules(const Principal& who, std::int64_t article_id);
  // Carries out every pending schedule with due_at <= now, oldest first, each in its own transaction
  // (a crash leaves each schedule done or still pending, never half done) and audited
  // ("content.scheduled_publish" / "content.scheduled_withdraw", the scheduling user named). A
  // schedule whose article is no longer in the state (or, for a publication, at the version) it was
  // made for is void, audited as failure. A second run finds nothing. Only the machine operator
  // (identity.forbidden otherwise).
  Result<DueRun> run_due(const Actor& actor, TimePoint now);
  // "content.upward_submit" (信息报送; content.edit on the source article's site): an approved or
  // published item (its published version if it has one) becomes a new article in `target_column_id`,
  // a column of the site of an ancestor organisation of the source site's organisation: state
  // submitted (scanned), author the submitting user, source the unit's site name, attachments carried.
  // The target's reviewers adopt it through their own workflow (adopted = published there).
  // "content.not_ancestor" when the target site's organisation is not above the source's.
  Result<UpwardSubmission> submit_upward(const Actor& actor, std::int64_t article_id,
                                         std::int64_t target_column_id);
  // The submissions upward made from the article (readers as get_article).
  Result<std::vector<UpwardSubmission>> upward_submissions(const Principal& who, std::int64_t article_id);
  // Per organisation of the subtree of org_id (itself included): submissions with submitted_at in
  // [from, to] and how many were adopted, ranked by adoptions, then submissions, then name.
  // content.review or audit.read on the organisation; a refusal is audited (denied).
  Result<std::vector<UpwardRow>> upward_stats(const Principal& who, std::int64_t org_id, TimePoint from,
                                              TimePoint to);
  // "content.blog_create" (site.manage; feature "blog" enabled on the site, else
  // "content.feature_disabled"): N4.4, a blog column owned by a user with a real name and an active
  // grant of a role with content.edit on the site or its organisation ("content.not_staff"). Only the
  // owner creates articles in it ("content.not_blog_owner", denied); posts are reviewed as usual.
  Result<Blog> create_blog(const Actor& actor, std::int64_t site_id, std::int64_t owner_user_id, std::string name);
  // The site's blogs: readers as get_article, and site.manage.
  Result<std::vector<Blog>> blogs(const Principal& who, std::int64_t site_id);

 private:
  class Impl;
  explicit ContentService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sw::content
