// PublishedReader: the bulk read of what a site shows, for the publisher (issue 5 "Publishing": a
// 10,000-article site renders in seconds). One query, joined, over the content tables this module
// owns: every live article of a site (content::is_live states, not deleted) at the version the
// public sees — the current version while published or while a withdrawal is pending, the earlier
// published version while a correction is under review (never a draft, never a pending correction).
//
// No permission check: the publisher checks site.operate on the site first and reads as the machine
// operator (publish/publisher.h); nothing else should call this. Reads only; each call is one SQL
// statement, so it sees one consistent snapshot of the database.
//
// Thread-safety: as the Database it reads (one call at a time per connection unless the connection
// is shared-safe).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "content/articles.h"
#include "store/database.h"

namespace sw::content {

// One live article as its site shows it.
struct PublishedVersion {
  std::int64_t article_id = 0;
  std::int64_t column_id = 0;
  std::int64_t version = 0;   // the version shown (article_versions.n)
  ArticleFields fields;       // body_html as stored (sanitised when saved)
  TimePoint created_at;       // when the version was saved
  std::vector<Attachment> attachments;  // in their order (file name, blob hash, size, type, mime only)
};

class PublishedReader {
 public:
  explicit PublishedReader(store::Database& db) : db_(&db) {}

  // Every live article of the site, by article id. `only` non-empty: just those articles (ids that
  // are not live on the site are left out). Errors: the store's.
  Result<std::vector<PublishedVersion>> site_articles(std::int64_t site_id,
                                                      std::span<const std::int64_t> only = {}) const;

  // article id -> the version shown, for every live article of the site (no bodies: cheap).
  Result<std::map<std::int64_t, std::int64_t>> live_versions(std::int64_t site_id) const;

 private:
  store::Database* db_;
};

}  // namespace sw::content
