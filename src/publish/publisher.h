// Publisher: publishes a site — footer gate, render, scan, build, sign, switch live — and rolls it
// back, each checked and audited (issue 5; N5.2, N7.1, N3.2).
//
// publish_site(actor, site, mode):
//   1. site.operate on the site (identity::authorize_as against the organisation tree), else
//      identity.forbidden, audited as denied;
//   2. the frame from the register: name, primary domain (publish.no_domain), the identity footer
//      (publish.footer_incomplete naming every missing item, N5.2), the site's look, its columns;
//   3. the live articles (content::is_live states) at their PUBLISHED version, never the draft; the
//      stored body is sanitised again (defence in depth) and placed in the article body of a page
//      whose Content-Security-Policy forbids scripts;
//   4. render (render.h): in full, or incrementally on the live release: only the articles whose
//      live version differs from the live release's search index are re-read and re-rendered, and
//      only the pages that change are written; the rest of the base manifest is carried over. A
//      site without a live release, or whose frame changed, is published in full;
//   5. every rendered page is scanned with the review scanner; a finding of severity high or
//      critical stops the release ("publish.scan_blocked" naming the page and the finding);
//   6. the release builder writes the blobs and their gzip/brotli variants, signs the manifest and
//      makes it live in one transaction (release_store.h); a crash at any point leaves the previous
//      release live.
// Every call appends one audit event: "publish.release" (details: kind, release, files, bytes,
// changed) or "publish.rollback" (details: release), outcome success, failure or denied.
//
// The content it reads it reads as the machine operator, after its own site.operate check:
// operations publish what the reviewers approved without holding the reviewers' read permission.
//
// Thread-safety: all methods may be called from any thread; publishing is serialised inside (one at
// a time per Publisher).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_log.h"
#include "base/clock.h"
#include "base/result.h"
#include "identity/identity.h"
#include "publish/release_store.h"
#include "publish/site_looks.h"
#include "publish/theme.h"
#include "review/scanner.h"
#include "store/blob_store.h"
#include "store/database.h"

namespace sw::registry {
class Registry;
}
namespace sw::content {
class ContentService;
}

namespace sw::publish {

enum class PublishMode { full, incremental };
std::string_view to_string(PublishMode m);  // "full" | "incremental"

struct PublishReport {
  std::int64_t release_id = 0;           // the new live release (the same live release when nothing changed)
  std::int64_t site_id = 0;
  PublishMode mode = PublishMode::full;  // what was done (an incremental request may become full)
  std::size_t files = 0;                 // files in the release
  std::uint64_t bytes = 0;               // their identity bytes
  std::size_t rendered = 0;              // files rendered by this publish
  std::vector<std::string> changed;      // paths added, changed or removed against the previous live release
  double seconds = 0;                    // wall time of the whole publish
};

struct PublisherServices {
  store::Database* db = nullptr;             // migrations applied
  audit::AuditLog* audit = nullptr;
  registry::Registry* registry = nullptr;
  content::ContentService* content = nullptr;
  store::BlobStore* blobs = nullptr;
  ReleaseStore* releases = nullptr;
  SiteLooks* looks = nullptr;                // null: every site has the default look
  const review::Scanner* scanner = nullptr;
  const crypto::Suite* suite = nullptr;      // hashes of rendered files
  const Clock* clock = nullptr;              // null: the system clock
};

class Publisher {
 public:
  // Every service but `looks` is required and must outlive the publisher.
  explicit Publisher(PublisherServices services);
  ~Publisher();

  // Publishes the site (see the top of this file). `changed_articles` is a hint for an incremental
  // publish: the articles whose state changed (a console action, the scheduler); when empty, the
  // publisher compares every live article's version with the live release's index.
  Result<PublishReport> publish_site(const identity::Actor& actor, std::int64_t site_id, PublishMode mode,
                                     std::span<const std::int64_t> changed_articles = {});

  // Makes an earlier release of the site live again (site.operate; audited "publish.rollback").
  // Errors as ReleaseStore::switch_live.
  Status rollback(const identity::Actor& actor, std::int64_t site_id, std::int64_t release_id);

  // The site's releases, newest first (site.operate or site.read on the site; a refusal is audited).
  Result<std::vector<ReleaseInfo>> releases(const identity::Principal& who, std::int64_t site_id);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sw::publish
