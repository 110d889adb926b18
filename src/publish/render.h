// SiteRenderer: turns a site's live articles into the files of a release — home page, column pages
// with paging, article pages, attachments (by blob digest, never copied), sitemap.xml, an Atom feed,
// a search index and the theme's assets — with the identity footer on every page (N5.2) and the
// emblem at the head of every page (N5.1). A pure library: no database, no store; the publisher
// (publisher.h) gathers the input and builds the release.
//
// URL layout (all output is deterministic: the same input renders the same bytes):
//   /index.html                               the home page: the newest items, then each top column
//   /columns/<id>/index.html                  page 1 of a column, newest first, kPageSize a page
//   /columns/<id>/page/<n>/index.html         page n >= 2
//   /articles/<id>.html                       an article (its published version)
//   /attachments/<digest hex>.<type>          an attachment: the blob named by digest
//   /sitemap.xml  /feed.xml  /search-index.json
//   /assets/site.css  /assets/emblem.svg  /assets/logo.<png|jpg>
//
// Incremental rendering (N7.1 without re-rendering the world): the search index carries what every
// listing needs of every article (ListingEntry) and a fingerprint of the frame (everything a page
// shows besides its own content: site name, domain, footer, look, columns, theme). Given the index
// of the live release and the articles that changed, render_changes() re-renders exactly the files
// whose bytes can differ: the changed articles' pages, the column pages whose slice of the listing
// or whose "next page" link changed (newest-first paging: a new article shifts every later page of
// its column, and only those), the pages a column no longer has (removed), the home page, feed,
// sitemap and search index, and the attachments that appear or disappear. Everything else is carried
// over from the base release. When the frame changed, only a full render is right.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/result.h"
#include "publish/footer.h"
#include "publish/theme.h"

namespace sw::publish {

inline constexpr std::size_t kPageSize = 20;       // items on a column page
inline constexpr std::size_t kHomeLatest = 10;     // newest items on the home page
inline constexpr std::size_t kHomePerColumn = 5;   // items per top column on the home page
inline constexpr std::size_t kFeedEntries = 20;    // entries of /feed.xml

struct ColumnInfo {
  std::int64_t id = 0;
  std::optional<std::int64_t> parent_id;
  std::string name;
  std::int64_t position = 0;
  bool active = true;  // inactive columns keep their pages (their articles may be live) but leave the nav
  bool operator==(const ColumnInfo&) const = default;
};

// Everything every page shows besides its own content.
struct SiteFrame {
  std::int64_t site_id = 0;
  std::string name;
  std::string primary_domain;  // the sitemap's and feed's base: https://<primary_domain>
  IdentityFooter footer;
  SiteLook look;
  std::vector<ColumnInfo> columns;
};

struct AttachmentFile {
  std::string file_name;  // as uploaded; shown and offered as the download name
  crypto::Digest digest;  // the blob
  std::uint64_t size = 0;
  std::string type;       // "pdf", "docx", ... (content's check; [a-z0-9]{1,16} or the file is "bin")
  std::string mime;       // served type; "application/octet-stream" when not type/subtype
};

// One live article as the site shows it: its published version (never the draft).
struct PublishedArticle {
  std::int64_t id = 0;
  std::int64_t column_id = 0;
  std::int64_t version = 0;
  std::string title;
  std::string summary;
  std::string body_html;  // sanitised HTML (content's sanitiser); placed raw inside the article body
  std::string byline;
  std::string source;
  TimePoint date;         // the version's publish date, else when it was saved
  std::vector<AttachmentFile> attachments;
};

// What the listings need of an article; the search index stores one per live article.
struct ListingEntry {
  std::int64_t id = 0;
  std::int64_t column_id = 0;
  std::int64_t version = 0;
  std::string title;
  std::string summary;
  std::string date;  // Beijing date "2026-11-26"
  std::vector<std::string> attachments;  // the attachment paths of the article
  bool operator==(const ListingEntry&) const = default;
};

// The search index as stored in /search-index.json.
struct SearchIndex {
  std::string frame;                  // frame fingerprint of the release
  std::vector<ListingEntry> entries;  // newest first
};

// A file of the release: bytes rendered now, or an existing blob named by digest (attachments, logo).
struct RenderedFile {
  std::string path;
  std::string content_type;
  std::string bytes;                  // when blob is empty
  std::optional<crypto::Digest> blob;  // an existing blob of blob_size bytes
  std::uint64_t blob_size = 0;
};

struct RenderOutput {
  std::vector<RenderedFile> files;   // to add or replace, sorted by path
  std::vector<std::string> removed;  // paths of the base release that are no longer part of the site
};

// "publish.bad_search_index" naming what is wrong.
Result<SearchIndex> parse_search_index(std::string_view json);

// "2026年11月26日" from "2026-11-26" (the theme's 年/月/日, no leading zeros).
std::string chinese_date(std::string_view iso_date, const Theme& theme);
// The Beijing (UTC+8) calendar date of a time point, "2026-11-26".
std::string beijing_date(TimePoint t);

class SiteRenderer {
 public:
  // `theme` must outlive the renderer.
  SiteRenderer(Theme& theme, SiteFrame frame);

  // Identifies the frame (site name, domain, footer, look, columns, theme).
  const std::string& frame_fingerprint() const { return fingerprint_; }

  ListingEntry listing_of(const PublishedArticle& article) const;

  // Every file of the site.
  RenderOutput render_full(const std::vector<PublishedArticle>& articles);

  // The files that change when the live release's index `before` becomes: `before` without
  // `removed_ids`, with `changed` (new articles and new versions) in. See the top of this file.
  // Requires before.frame == frame_fingerprint() ("publish.frame_changed" otherwise: do a full render).
  Result<RenderOutput> render_changes(const SearchIndex& before, const std::vector<PublishedArticle>& changed,
                                      const std::vector<std::int64_t>& removed_ids);

 private:
  struct Column;
  RenderOutput render(const std::vector<ListingEntry>* before, const std::vector<ListingEntry>& after,
                      const std::vector<PublishedArticle>& pages, const std::set<std::int64_t>& removed_ids);
  std::string page(std::string_view title, std::string body);
  std::string article_page(const PublishedArticle& a);
  std::string column_page(const ColumnInfo& c, const std::vector<const ListingEntry*>& items, std::size_t page_no,
                          bool has_next);
  std::string home_page(const std::vector<ListingEntry>& entries);
  std::string sitemap(const std::vector<ListingEntry>& entries, const std::vector<std::pair<std::int64_t, std::size_t>>& column_pages);
  std::string feed(const std::vector<ListingEntry>& entries);
  std::string search_index(const std::vector<ListingEntry>& entries) const;
  void add_assets(RenderOutput& out);
  mustache::data item_data(const ListingEntry& e) const;
  const ColumnInfo* column(std::int64_t id) const;

  Theme* theme_;
  SiteFrame frame_;
  std::string fingerprint_;
  mustache::data site_data_;
  mustache::data footer_data_;
};

// The URL paths of the layout above.
std::string article_path(std::int64_t id);
std::string column_page_path(std::int64_t column_id, std::size_t page_no);  // page_no from 1
std::string attachment_path(const AttachmentFile& a);

}  // namespace sw::publish
