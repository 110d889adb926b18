// SiteRenderer: turns a site's live articles into the files of a release — home page, column pages
// with paging, article pages, attachments (by blob digest, never copied), a sitemap index with its
// sitemaps, an Atom feed, a sharded search index and the theme's assets — with the identity footer on
// every page (N5.2) and the emblem at the head of every page (N5.1). A pure library: no database, no
// store; the publisher (publisher.h) gathers the input and builds the release.
//
// URL layout (all output is deterministic: the same input renders the same bytes):
//   /index.html                               the home page: the newest items, then each top column
//   /columns/<id>/index.html                  a column's index: its kPageSize newest items
//   /columns/<id>/page/<n>/index.html         archive page n >= 1, numbered from the OLDEST: page n
//                                             holds the column's items n*kPageSize-kPageSize+1 ..
//                                             n*kPageSize counted from the oldest (shown newest first),
//                                             so a page keeps its URL and content as articles are added
//   /articles/<id>.html                       an article (its published version)
//   /attachments/<digest hex>.<type>          an attachment: the blob named by digest
//   /feed.xml                                 Atom, the kFeedEntries newest
//   /sitemap.xml                              a sitemap index (sitemaps.org) of the sitemaps below
//   /sitemaps/site.xml                        the home page and every column's index
//   /sitemaps/<column>/<k>.xml                shard k of a column: its archive pages and articles
//   /search-index.json                        the top of the search index: frame, newest items, shards
//   /search/<column>/<k>.json                 shard k of a column's search index
//   /assets/site.css  /assets/emblem.svg  /assets/logo.<png|jpg>
// Shard k (from 1) of a column holds its items (k-1)*kShardArticles+1 .. k*kShardArticles counted
// from the oldest, the archive pages of those items in its sitemap: like the archive pages, a shard
// only changes when one of its own items does.
//
// Incremental rendering (N7.1 without re-rendering the world): the search index carries what every
// listing needs of every article (ListingEntry) and a fingerprint of the frame (everything a page
// shows besides its own content: site name, domain, footer, look, columns, theme). Given the index
// of the live release and the articles that changed, render_changes() re-renders exactly the files
// whose bytes differ: the changed articles' pages; the column indexes whose newest items or "older"
// link changed; the archive pages whose items or "newer" link changed (a new newest article changes
// the last archive page only, or starts a new one and changes the link of the one before); the pages
// a column no longer has (removed); the home page and feed when their newest items changed; the
// search shards and sitemaps whose items changed, the top index and sitemap index when they did; the
// attachments that appear or disappear. Everything else is carried over from the base release. When
// the frame changed, only a full render is right.
#pragma once

#include <cstdint>
#include <functional>
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
inline constexpr std::size_t kFeedEntries = 20;    // entries of /feed.xml, and the newest of the top search index
inline constexpr std::size_t kShardArticles = 500; // items of a column in one search shard and one sitemap
inline constexpr std::size_t kPagesPerShard = kShardArticles / kPageSize;
static_assert(kShardArticles % kPageSize == 0, "a shard holds whole archive pages");

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

// The whole search index of a release: the top (/search-index.json) and every shard it names.
struct SearchIndex {
  std::string frame;                  // frame fingerprint of the release
  std::vector<ListingEntry> entries;  // every live article (any order)
};

// /search-index.json, format 2: {"v":2,"frame":"…","items":[the kFeedEntries newest items],
// "shards":["/search/<column>/<k>.json",…]}; a shard: {"v":2,"column":<id>,"shard":<k>,"items":[…]}.
// An item: {"i":id,"c":column,"n":version,"t":title,"s":summary,"u":url,"d":"2026-11-26","a":[paths]}.
struct SearchIndexTop {
  std::string frame;
  std::vector<std::string> shards;  // paths, each under /search/
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

// "publish.bad_search_index" naming what is wrong (format 1 of earlier releases is refused: the
// publisher then publishes in full).
Result<SearchIndexTop> parse_search_index(std::string_view json);
// Appends a shard's items to `into`; "publish.bad_search_index" naming what is wrong.
Status parse_search_shard(std::string_view json, std::vector<ListingEntry>& into);
// The top and every shard, read through `read` (path -> bytes): the listing model of a release.
Result<SearchIndex> load_search_index(const std::function<Result<std::string>(const std::string& path)>& read);

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

  // Every file of the site; with article_pages false, every file but the article pages, which the
  // caller renders with render_article() (e.g. on several threads, one renderer and theme each).
  RenderOutput render_full(const std::vector<PublishedArticle>& articles, bool article_pages = true);

  // The page of one article (/articles/<id>.html).
  RenderedFile render_article(const PublishedArticle& article);

  // The files that change when the live release's index `before` becomes: `before` without
  // `removed_ids`, with `changed` (new articles and new versions) in. See the top of this file.
  // Requires before.frame == frame_fingerprint() ("publish.frame_changed" otherwise: do a full render).
  Result<RenderOutput> render_changes(const SearchIndex& before, const std::vector<PublishedArticle>& changed,
                                      const std::vector<std::int64_t>& removed_ids);

 private:
  struct Column;
  using Listing = std::vector<const ListingEntry*>;  // of one column, newest first
  RenderOutput render(const std::vector<ListingEntry>* before, const std::vector<ListingEntry>& after,
                      const std::vector<PublishedArticle>& pages, const std::set<std::int64_t>& removed_ids,
                      bool article_pages);
  std::string page(std::string_view title, std::string body);
  std::string article_page(const PublishedArticle& a);
  std::string column_index(const ColumnInfo& c, const Listing& items);
  std::string archive_page(const ColumnInfo& c, const Listing& items, std::size_t page_no);
  mustache::data column_data(const ColumnInfo& c) const;
  std::string home_page(const std::vector<ListingEntry>& entries);
  std::string sitemap_index(const std::vector<std::string>& sitemaps) const;
  std::string site_sitemap(const std::vector<ListingEntry>& entries);
  std::string shard_sitemap(std::int64_t column_id, const Listing& items, std::size_t shard);
  std::string feed(const std::vector<ListingEntry>& entries);
  std::string search_top(const std::vector<ListingEntry>& entries, const std::vector<std::string>& shards) const;
  std::string search_shard(std::int64_t column_id, const Listing& items, std::size_t shard) const;
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
std::string column_index_path(std::int64_t column_id);
std::string column_page_path(std::int64_t column_id, std::size_t page_no);  // archive page, page_no from 1
std::string search_shard_path(std::int64_t column_id, std::size_t shard);   // shard from 1
std::string sitemap_shard_path(std::int64_t column_id, std::size_t shard);
std::string attachment_path(const AttachmentFile& a);

}  // namespace sw::publish
