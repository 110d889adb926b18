#include "publish/render.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

#include "publish/manifest.h"

namespace sw::publish {
namespace {

using nlohmann::json;

constexpr std::string_view kHtml = "text/html; charset=utf-8";
constexpr std::string_view kXml = "application/xml; charset=utf-8";
constexpr std::string_view kAtom = "application/atom+xml; charset=utf-8";
constexpr std::string_view kJson = "application/json; charset=utf-8";
constexpr std::string_view kCss = "text/css; charset=utf-8";
constexpr std::string_view kSvg = "image/svg+xml";
constexpr int kSearchIndexFormat = 2;
constexpr std::chrono::hours kBeijingOffset{8};

// Newest first: by date, then by id (deterministic for items of the same day).
bool newer(const ListingEntry& a, const ListingEntry& b) {
  if (a.date != b.date) return a.date > b.date;
  return a.id > b.id;
}

// What a listing shows of an entry is the same (a new version with the same title, summary and date
// leaves the listing's bytes alone).
bool shown_alike(const ListingEntry& a, const ListingEntry& b) {
  return a.id == b.id && a.title == b.title && a.summary == b.summary && a.date == b.date;
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// JSON that stays inert if a page ever embeds it: <, > and & only occur inside strings, as \u escapes.
std::string inert_json(const json& j) {
  std::string out;
  for (char c : dump(j)) {
    switch (c) {
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      default: out += c;
    }
  }
  return out;
}

// True when the first `n` entries (of those `keep` accepts) differ in what a listing shows.
template <class Keep>
bool head_differs(const std::vector<ListingEntry>& a, const std::vector<ListingEntry>& b, std::size_t n, Keep keep) {
  auto ia = a.begin(), ib = b.begin();
  for (std::size_t i = 0; i < n; ++i) {
    while (ia != a.end() && !keep(*ia)) ++ia;
    while (ib != b.end() && !keep(*ib)) ++ib;
    if (ia == a.end() || ib == b.end()) return (ia == a.end()) != (ib == b.end());
    if (!shown_alike(*ia++, *ib++)) return true;
  }
  return false;
}

std::string human_size(std::uint64_t bytes) {
  constexpr std::uint64_t kKiB = 1024, kMiB = 1024 * 1024;
  if (bytes < kKiB) return std::to_string(bytes) + " B";
  if (bytes < kMiB) return std::to_string((bytes + kKiB - 1) / kKiB) + " KB";
  const std::uint64_t tenths = (bytes * 10 + kMiB / 2) / kMiB;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " MB";
}

bool simple_token(std::string_view s) {
  return !s.empty() && s.size() <= 16 &&
         std::ranges::all_of(s, [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

// "type/subtype" of token characters, else the safe default.
std::string served_mime(std::string_view mime) {
  const auto slash = mime.find('/');
  const bool good = slash != std::string_view::npos && slash > 0 && slash + 1 < mime.size() && mime.size() <= 100 &&
                    std::ranges::all_of(mime, [](char c) {
                      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '.' || c == '-' ||
                             c == '+';
                    }) &&
                    mime.find('/', slash + 1) == std::string_view::npos;
  return good ? std::string(mime) : "application/octet-stream";
}

// Archive pages of a column of `items` (from the oldest, kPageSize each; none when empty).
std::size_t archive_pages(std::size_t items) { return (items + kPageSize - 1) / kPageSize; }

// The archive page a column's index links to as "older": the one holding the newest item the index
// does not show (0: the index shows them all).
std::size_t older_than_index(std::size_t items) {
  return items > kPageSize ? (items - kPageSize - 1) / kPageSize + 1 : 0;
}

std::string iso_datetime(std::string_view date) { return std::string(date) + "T00:00:00+08:00"; }

}  // namespace

std::string article_path(std::int64_t id) { return "/articles/" + std::to_string(id) + ".html"; }

std::string column_index_path(std::int64_t column_id) { return "/columns/" + std::to_string(column_id) + "/index.html"; }

std::string column_page_path(std::int64_t column_id, std::size_t page_no) {
  return "/columns/" + std::to_string(column_id) + "/page/" + std::to_string(page_no) + "/index.html";
}

std::string search_shard_path(std::int64_t column_id, std::size_t shard) {
  return "/search/" + std::to_string(column_id) + "/" + std::to_string(shard) + ".json";
}

std::string sitemap_shard_path(std::int64_t column_id, std::size_t shard) {
  return "/sitemaps/" + std::to_string(column_id) + "/" + std::to_string(shard) + ".xml";
}

std::string attachment_path(const AttachmentFile& a) {
  return "/attachments/" + a.digest.hex() + "." + (simple_token(a.type) ? a.type : std::string("bin"));
}

std::string beijing_date(TimePoint t) {
  const auto day = std::chrono::floor<std::chrono::days>(t + kBeijingOffset);
  const std::chrono::year_month_day ymd{day};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string chinese_date(std::string_view iso, const Theme& theme) {
  if (iso.size() != 10) return std::string(iso);
  auto number = [&](std::size_t at, std::size_t n) {
    std::string s(iso.substr(at, n));
    s.erase(0, std::min(s.find_first_not_of('0'), s.size() - 1));
    return s;
  };
  return number(0, 4) + theme.text("date_format_year") + number(5, 2) + theme.text("date_format_month") +
         number(8, 2) + theme.text("date_format_day");
}

namespace {

std::unexpected<Error> bad_index(std::string what) {
  return fail("publish.bad_search_index", "search index: " + std::move(what));
}

Result<ListingEntry> item_from(const json& item, const std::string& at) {
  if (!item.is_object()) return bad_index(at + " is not an object");
  for (const char* key : {"i", "c", "n"}) {
    if (!item.contains(key) || !item[key].is_number_integer()) return bad_index(at + ": \"" + key + "\" is not an integer");
  }
  if (!item.contains("t") || !item["t"].is_string()) return bad_index(at + ": no title");
  if (!item.contains("d") || !item["d"].is_string() || item["d"].get_ref<const std::string&>().size() != 10) {
    return bad_index(at + ": no date");
  }
  ListingEntry e{.id = item["i"].get<std::int64_t>(),
                 .column_id = item["c"].get<std::int64_t>(),
                 .version = item["n"].get<std::int64_t>(),
                 .title = item["t"].get<std::string>(),
                 .date = item["d"].get<std::string>()};
  if (item.contains("s")) {
    if (!item["s"].is_string()) return bad_index(at + ": summary is not a string");
    e.summary = item["s"].get<std::string>();
  }
  if (item.contains("a")) {
    if (!item["a"].is_array()) return bad_index(at + ": attachments are not a list");
    for (const json& a : item["a"]) {
      if (!a.is_string() || !a.get_ref<const std::string&>().starts_with("/attachments/") ||
          !check_path(a.get_ref<const std::string&>())) {
        return bad_index(at + ": an attachment path is not valid");
      }
      e.attachments.push_back(a.get<std::string>());
    }
  }
  return e;
}

json item_json(const ListingEntry& e) {
  json item = {{"i", e.id}, {"c", e.column_id}, {"n", e.version}, {"t", e.title}, {"u", article_path(e.id)}, {"d", e.date}};
  if (!e.summary.empty()) item["s"] = e.summary;
  if (!e.attachments.empty()) item["a"] = e.attachments;
  return item;
}

}  // namespace

Result<SearchIndexTop> parse_search_index(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("v") || j["v"] != kSearchIndexFormat) return bad_index("not format 2");
  if (!j.contains("frame") || !j["frame"].is_string()) return bad_index("no frame fingerprint");
  if (!j.contains("shards") || !j["shards"].is_array()) return bad_index("no shards");
  SearchIndexTop top{j["frame"].get<std::string>(), {}};
  for (const json& s : j["shards"]) {
    if (!s.is_string() || !s.get_ref<const std::string&>().starts_with("/search/") ||
        !check_path(s.get_ref<const std::string&>())) {
      return bad_index("a shard path is not valid");
    }
    top.shards.push_back(s.get<std::string>());
  }
  return top;
}

Status parse_search_shard(std::string_view text, std::vector<ListingEntry>& into) {
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("v") || j["v"] != kSearchIndexFormat) return bad_index("a shard is not format 2");
  if (!j.contains("items") || !j["items"].is_array()) return bad_index("a shard has no items");
  for (const json& item : j["items"]) {
    SW_TRY(e, item_from(item, "item " + std::to_string(into.size())));
    into.push_back(std::move(e));
  }
  return ok();
}

Result<SearchIndex> load_search_index(const std::function<Result<std::string>(const std::string& path)>& read) {
  SW_TRY(top_bytes, read("/search-index.json"));
  SW_TRY(top, parse_search_index(top_bytes));
  SearchIndex index{std::move(top.frame), {}};
  for (const std::string& shard : top.shards) {
    SW_TRY(bytes, read(shard));
    SW_CHECK(parse_search_shard(bytes, index.entries));
  }
  return index;
}

// ----- SiteRenderer ---------------------------------------------------------------------------------

SiteRenderer::SiteRenderer(Theme& theme, SiteFrame frame) : theme_(&theme), frame_(std::move(frame)) {
  std::ranges::sort(frame_.columns, [](const ColumnInfo& a, const ColumnInfo& b) {
    return std::tie(a.position, a.id) < std::tie(b.position, b.id);
  });
  json f = {{"site", frame_.site_id},
            {"name", frame_.name},
            {"domain", frame_.primary_domain},
            {"footer",
             {frame_.footer.sponsor, frame_.footer.icp_number, frame_.footer.address, frame_.footer.phone,
              frame_.footer.postcode, frame_.footer.hotline_12351}},
            {"colour", frame_.look.primary_colour},
            {"logo", frame_.look.logo ? frame_.look.logo->digest.to_string() : ""},
            {"theme", theme.fingerprint()},
            {"columns", json::array()}};
  for (const ColumnInfo& c : frame_.columns) {
    f["columns"].push_back({c.id, c.parent_id.value_or(0), c.name, c.position, c.active});
  }
  fingerprint_ = crypto::suite(crypto::SuiteId::intl).hash(dump(f)).to_string();

  mustache::data nav{mustache::data::type::list};
  for (const ColumnInfo& c : frame_.columns) {
    if (c.parent_id || !c.active) continue;
    mustache::data item;
    item.set("name", c.name);
    item.set("url", "/columns/" + std::to_string(c.id) + "/");
    nav.push_back(item);
  }
  site_data_.set("name", frame_.name);
  site_data_.set("nav", nav);
  if (frame_.look.logo) {
    const bool jpeg = frame_.look.logo->content_type == "image/jpeg";
    site_data_.set("logo", std::string("/assets/logo.") + (jpeg ? "jpg" : "png"));
  }
  footer_data_.set("sponsor", frame_.footer.sponsor);
  footer_data_.set("icp", frame_.footer.icp_number);
  footer_data_.set("address", frame_.footer.address);
  footer_data_.set("phone", frame_.footer.phone);
  footer_data_.set("postcode", frame_.footer.postcode);
  footer_data_.set("hotline", frame_.footer.hotline_12351);
}

const ColumnInfo* SiteRenderer::column(std::int64_t id) const {
  for (const ColumnInfo& c : frame_.columns) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

ListingEntry SiteRenderer::listing_of(const PublishedArticle& a) const {
  ListingEntry e{.id = a.id, .column_id = a.column_id, .version = a.version, .title = a.title, .summary = a.summary,
                 .date = beijing_date(a.date)};
  for (const AttachmentFile& f : a.attachments) e.attachments.push_back(attachment_path(f));
  std::ranges::sort(e.attachments);
  e.attachments.erase(std::unique(e.attachments.begin(), e.attachments.end()), e.attachments.end());
  return e;
}

mustache::data SiteRenderer::item_data(const ListingEntry& e) const {
  mustache::data d;
  d.set("url", article_path(e.id));
  d.set("title", e.title);
  if (!e.summary.empty()) d.set("summary", e.summary);
  d.set("date", chinese_date(e.date, *theme_));
  d.set("iso_date", e.date);
  return d;
}

std::string SiteRenderer::page(std::string_view title, std::string body) {
  mustache::data d;
  d.set("title", std::string(title));
  d.set("site", site_data_);
  d.set("footer", footer_data_);
  d.set("body", std::move(body));
  return theme_->render("layout", std::move(d));
}

std::string SiteRenderer::article_page(const PublishedArticle& a) {
  mustache::data d;
  d.set("title", a.title);
  const std::string date = beijing_date(a.date);
  d.set("date", chinese_date(date, *theme_));
  d.set("iso_date", date);
  if (!a.byline.empty()) d.set("byline", a.byline);
  if (!a.source.empty()) d.set("source", a.source);
  if (!a.summary.empty()) d.set("summary", a.summary);
  d.set("body_html", a.body_html);
  mustache::data col;
  const ColumnInfo* c = column(a.column_id);
  col.set("name", c ? c->name : std::string());
  col.set("url", "/columns/" + std::to_string(a.column_id) + "/");
  d.set("column", col);
  mustache::data files{mustache::data::type::list};
  for (const AttachmentFile& f : a.attachments) {
    mustache::data item;
    item.set("url", attachment_path(f));
    item.set("file_name", f.file_name);
    item.set("size", human_size(f.size));
    files.push_back(item);
  }
  d.set("has_attachments", mustache::data(!a.attachments.empty()));
  d.set("attachments", files);
  return page(a.title, theme_->render("article", std::move(d)));
}

mustache::data SiteRenderer::column_data(const ColumnInfo& c) const {
  mustache::data d;
  mustache::data col;
  col.set("name", c.name);
  col.set("url", "/columns/" + std::to_string(c.id) + "/");
  d.set("column", col);
  if (c.parent_id) {
    if (const ColumnInfo* p = column(*c.parent_id)) {
      mustache::data parent;
      parent.set("name", p->name);
      parent.set("url", "/columns/" + std::to_string(p->id) + "/");
      d.set("parent", parent);
    }
  }
  mustache::data children{mustache::data::type::list};
  bool any_child = false;
  for (const ColumnInfo& child : frame_.columns) {
    if (child.parent_id != c.id || !child.active) continue;
    mustache::data item;
    item.set("name", child.name);
    item.set("url", "/columns/" + std::to_string(child.id) + "/");
    children.push_back(item);
    any_child = true;
  }
  d.set("has_children", mustache::data(any_child));
  d.set("children", children);
  return d;
}

// The column's index: its kPageSize newest items, and a link to the archive page of the next older.
std::string SiteRenderer::column_index(const ColumnInfo& c, const Listing& items) {
  mustache::data d = column_data(c);
  mustache::data list{mustache::data::type::list};
  for (std::size_t i = 0; i < items.size() && i < kPageSize; ++i) list.push_back(item_data(*items[i]));
  d.set("items", list);
  if (const std::size_t older = older_than_index(items.size())) {
    d.set("older", "/columns/" + std::to_string(c.id) + "/page/" + std::to_string(older) + "/");
  }
  return page(c.name, theme_->render("column", std::move(d)));
}

// Archive page `page_no` (from the oldest): its items newest first; "newer" is the next page, or
// the column's index from the last page; "older" the page before.
std::string SiteRenderer::archive_page(const ColumnInfo& c, const Listing& items, std::size_t page_no) {
  mustache::data d = column_data(c);
  mustache::data list{mustache::data::type::list};
  const std::size_t n = items.size();
  const std::size_t end = std::min(page_no * kPageSize, n);  // oldest-first positions [begin, end)
  const std::size_t begin = (page_no - 1) * kPageSize;
  for (std::size_t pos = end; pos > begin; --pos) list.push_back(item_data(*items[n - pos]));
  d.set("items", list);
  d.set("page", std::to_string(page_no));
  const std::string base = "/columns/" + std::to_string(c.id) + "/";
  d.set("newer", page_no < archive_pages(n) ? base + "page/" + std::to_string(page_no + 1) + "/" : base);
  if (page_no > 1) d.set("older", base + "page/" + std::to_string(page_no - 1) + "/");
  return page(c.name, theme_->render("column", std::move(d)));
}

std::string SiteRenderer::home_page(const std::vector<ListingEntry>& entries) {
  mustache::data d;
  mustache::data latest{mustache::data::type::list};
  for (std::size_t i = 0; i < entries.size() && i < kHomeLatest; ++i) latest.push_back(item_data(entries[i]));
  d.set("latest", latest);
  mustache::data sections{mustache::data::type::list};
  for (const ColumnInfo& c : frame_.columns) {
    if (c.parent_id || !c.active) continue;
    mustache::data section;
    section.set("name", c.name);
    section.set("url", "/columns/" + std::to_string(c.id) + "/");
    mustache::data items{mustache::data::type::list};
    std::size_t n = 0;
    for (const ListingEntry& e : entries) {
      if (e.column_id != c.id) continue;
      items.push_back(item_data(e));
      if (++n == kHomePerColumn) break;
    }
    section.set("items", items);
    sections.push_back(section);
  }
  d.set("sections", sections);
  return page(frame_.name, theme_->render("home", std::move(d)));
}

std::string SiteRenderer::sitemap_index(const std::vector<std::string>& sitemaps) const {
  mustache::data list{mustache::data::type::list};
  for (const std::string& path : sitemaps) {
    mustache::data s;
    s.set("path", path);
    list.push_back(s);
  }
  mustache::data d;
  d.set("base", "https://" + frame_.primary_domain);
  d.set("sitemaps", list);
  return theme_->render("sitemap_index", std::move(d));
}

namespace {

struct UrlList {
  mustache::data urls{mustache::data::type::list};
  void add(std::string path, const std::string* lastmod) {
    mustache::data u;
    u.set("path", std::move(path));
    if (lastmod) u.set("lastmod", *lastmod);
    urls.push_back(u);
  }
};

}  // namespace

// The home page (last modified on the newest item's date) and every column's index.
std::string SiteRenderer::site_sitemap(const std::vector<ListingEntry>& entries) {
  UrlList list;
  list.add("/", entries.empty() ? nullptr : &entries.front().date);
  for (const ColumnInfo& c : frame_.columns) list.add("/columns/" + std::to_string(c.id) + "/", nullptr);
  mustache::data d;
  d.set("base", "https://" + frame_.primary_domain);
  d.set("urls", list.urls);
  return theme_->render("sitemap", std::move(d));
}

// Shard `shard` of a column: its archive pages (for a column of the frame) and its articles.
std::string SiteRenderer::shard_sitemap(std::int64_t column_id, const Listing& items, std::size_t shard) {
  UrlList list;
  if (column(column_id)) {
    const std::size_t last = std::min(shard * kPagesPerShard, archive_pages(items.size()));
    for (std::size_t p = (shard - 1) * kPagesPerShard + 1; p <= last; ++p) {
      list.add("/columns/" + std::to_string(column_id) + "/page/" + std::to_string(p) + "/", nullptr);
    }
  }
  const std::size_t n = items.size();
  const std::size_t end = std::min(shard * kShardArticles, n);
  for (std::size_t pos = end; pos > (shard - 1) * kShardArticles; --pos) {
    list.add(article_path(items[n - pos]->id), &items[n - pos]->date);
  }
  mustache::data d;
  d.set("base", "https://" + frame_.primary_domain);
  d.set("urls", list.urls);
  return theme_->render("sitemap", std::move(d));
}

std::string SiteRenderer::feed(const std::vector<ListingEntry>& entries) {
  mustache::data d;
  const std::string base = "https://" + frame_.primary_domain;
  d.set("base", base);
  d.set("site", site_data_);
  d.set("footer", footer_data_);
  d.set("updated", entries.empty() ? std::string("1970-01-01T00:00:00Z") : iso_datetime(entries.front().date));
  mustache::data list{mustache::data::type::list};
  for (std::size_t i = 0; i < entries.size() && i < kFeedEntries; ++i) {
    mustache::data e = item_data(entries[i]);
    e.set("updated", iso_datetime(entries[i].date));
    list.push_back(e);
  }
  d.set("entries", list);
  return theme_->render("feed", std::move(d));
}

std::string SiteRenderer::search_top(const std::vector<ListingEntry>& entries, const std::vector<std::string>& shards) const {
  json latest = json::array();
  for (std::size_t i = 0; i < entries.size() && i < kFeedEntries; ++i) latest.push_back(item_json(entries[i]));
  return inert_json(json{{"v", kSearchIndexFormat}, {"frame", fingerprint_}, {"items", std::move(latest)}, {"shards", shards}});
}

std::string SiteRenderer::search_shard(std::int64_t column_id, const Listing& items, std::size_t shard) const {
  json list = json::array();
  const std::size_t n = items.size();
  const std::size_t end = std::min(shard * kShardArticles, n);
  for (std::size_t pos = end; pos > (shard - 1) * kShardArticles; --pos) list.push_back(item_json(*items[n - pos]));
  return inert_json(json{{"v", kSearchIndexFormat}, {"column", column_id}, {"shard", shard}, {"items", std::move(list)}});
}

void SiteRenderer::add_assets(RenderOutput& out) {
  mustache::data css;
  css.set("primary", frame_.look.primary_colour);
  out.files.push_back({"/assets/site.css", std::string(kCss), theme_->render("site.css", std::move(css)), {}, 0});
  out.files.push_back({"/assets/emblem.svg", std::string(kSvg), std::string(theme_->file("emblem.svg").value_or("")), {}, 0});
  if (const auto& logo = frame_.look.logo) {
    const bool jpeg = logo->content_type == "image/jpeg";
    out.files.push_back({std::string("/assets/logo.") + (jpeg ? "jpg" : "png"), jpeg ? "image/jpeg" : "image/png", {},
                         logo->digest, logo->size});
  }
}


RenderOutput SiteRenderer::render_full(const std::vector<PublishedArticle>& articles, bool article_pages) {
  std::vector<ListingEntry> after;
  after.reserve(articles.size());
  for (const PublishedArticle& a : articles) after.push_back(listing_of(a));
  return render(nullptr, after, articles, {}, article_pages);
}

RenderedFile SiteRenderer::render_article(const PublishedArticle& a) {
  return {article_path(a.id), std::string(kHtml), article_page(a), {}, 0};
}

Result<RenderOutput> SiteRenderer::render_changes(const SearchIndex& before, const std::vector<PublishedArticle>& changed,
                                                  const std::vector<std::int64_t>& removed_ids) {
  if (before.frame != fingerprint_) {
    return fail("publish.frame_changed", "the site's frame (name, domain, footer, look, columns or theme) changed "
                                         "since the live release: publish in full");
  }
  std::set<std::int64_t> gone(removed_ids.begin(), removed_ids.end());
  std::set<std::int64_t> replaced;
  for (const PublishedArticle& a : changed) replaced.insert(a.id);
  std::vector<ListingEntry> after;
  after.reserve(before.entries.size() + changed.size());
  for (const ListingEntry& e : before.entries) {
    if (!gone.contains(e.id) && !replaced.contains(e.id)) after.push_back(e);
  }
  for (const PublishedArticle& a : changed) after.push_back(listing_of(a));
  std::set<std::int64_t> removed_pages;
  for (std::int64_t id : gone) {
    if (!replaced.contains(id)) removed_pages.insert(id);
  }
  return render(&before.entries, after, changed, removed_pages, true);
}

RenderOutput SiteRenderer::render(const std::vector<ListingEntry>* before_in, const std::vector<ListingEntry>& after_in,
                                  const std::vector<PublishedArticle>& pages, const std::set<std::int64_t>& removed_ids,
                                  bool article_pages) {
  RenderOutput out;
  std::vector<ListingEntry> after = after_in;
  std::ranges::sort(after, newer);
  std::vector<ListingEntry> before;
  if (before_in) {
    before = *before_in;
    std::ranges::sort(before, newer);
  }
  const bool full = before_in == nullptr;

  if (article_pages) {
    for (const PublishedArticle& a : pages) out.files.push_back(render_article(a));
  }
  for (std::int64_t id : removed_ids) out.removed.push_back(article_path(id));

  // Every column's listing, newest first (also of articles in a column the frame does not list).
  std::map<std::int64_t, Listing> new_by_column, old_by_column;
  for (const ListingEntry& e : after) new_by_column[e.column_id].push_back(&e);
  for (const ListingEntry& e : before) old_by_column[e.column_id].push_back(&e);
  static const Listing kNone;
  auto listing = [](const std::map<std::int64_t, Listing>& m, std::int64_t id) -> const Listing& {
    auto it = m.find(id);
    return it == m.end() ? kNone : it->second;
  };
  // The item at oldest-first position `pos` of a listing, or null past its end.
  auto at = [](const Listing& l, std::size_t pos) -> const ListingEntry* { return pos < l.size() ? l[l.size() - 1 - pos] : nullptr; };
  // True when positions [begin, end) of the two listings differ by `same`.
  auto range_differs = [&](const Listing& a, const Listing& b, std::size_t begin, std::size_t end, auto same) {
    for (std::size_t pos = begin; pos < end; ++pos) {
      const ListingEntry* x = at(a, pos);
      const ListingEntry* y = at(b, pos);
      if ((x == nullptr) != (y == nullptr) || (x && !same(*x, *y))) return true;
    }
    return false;
  };

  // Column indexes and archive pages: rendered when their items or links differ.
  for (const ColumnInfo& c : frame_.columns) {
    const Listing& now = listing(new_by_column, c.id);
    const Listing& was = listing(old_by_column, c.id);
    const std::size_t new_pages = archive_pages(now.size());
    const std::size_t old_pages = full ? 0 : archive_pages(was.size());
    bool index_differs = full || older_than_index(now.size()) != older_than_index(was.size());
    for (std::size_t i = 0; !index_differs && i < kPageSize; ++i) {
      const bool in_now = i < now.size(), in_was = i < was.size();
      index_differs = in_now != in_was || (in_now && !shown_alike(*now[i], *was[i]));
    }
    if (index_differs) out.files.push_back({column_index_path(c.id), std::string(kHtml), column_index(c, now), {}, 0});
    for (std::size_t p = 1; p <= new_pages; ++p) {
      const bool differs = p > old_pages || (p < new_pages) != (p < old_pages) ||
                           range_differs(now, was, (p - 1) * kPageSize, p * kPageSize, shown_alike);
      if (differs) out.files.push_back({column_page_path(c.id, p), std::string(kHtml), archive_page(c, now, p), {}, 0});
    }
    for (std::size_t p = new_pages + 1; p <= old_pages; ++p) out.removed.push_back(column_page_path(c.id, p));
  }

  // The home page and the feed show the newest items only: rendered when those changed.
  auto any = [](const ListingEntry&) { return true; };
  bool home_changed = full || head_differs(before, after, kHomeLatest, any);
  for (const ColumnInfo& c : frame_.columns) {
    if (home_changed || c.parent_id || !c.active) continue;
    home_changed = head_differs(before, after, kHomePerColumn, [&](const ListingEntry& e) { return e.column_id == c.id; });
  }
  if (home_changed) out.files.push_back({"/index.html", std::string(kHtml), home_page(after), {}, 0});
  if (full || head_differs(before, after, kFeedEntries, any)) {
    out.files.push_back({"/feed.xml", std::string(kAtom), feed(after), {}, 0});
  }

  // Search shards and sitemaps, per column and kShardArticles from the oldest: rendered when their
  // items changed (the sitemap lists ids and dates only).
  std::set<std::int64_t> columns;
  for (const auto& [id, l] : new_by_column) columns.insert(id);
  for (const auto& [id, l] : old_by_column) columns.insert(id);
  std::vector<std::string> new_shards, old_shards, new_sitemaps{"/sitemaps/site.xml"}, old_sitemaps{"/sitemaps/site.xml"};
  auto same_date = [](const ListingEntry& a, const ListingEntry& b) { return a.id == b.id && a.date == b.date; };
  auto same_entry = [](const ListingEntry& a, const ListingEntry& b) { return a == b; };
  for (std::int64_t id : columns) {
    const Listing& now = listing(new_by_column, id);
    const Listing& was = listing(old_by_column, id);
    const std::size_t new_count = (now.size() + kShardArticles - 1) / kShardArticles;
    const std::size_t old_count = (was.size() + kShardArticles - 1) / kShardArticles;
    for (std::size_t k = 1; k <= new_count; ++k) {
      new_shards.push_back(search_shard_path(id, k));
      new_sitemaps.push_back(sitemap_shard_path(id, k));
      const std::size_t begin = (k - 1) * kShardArticles, end = k * kShardArticles;
      const bool fresh = full || k > old_count;
      if (fresh || range_differs(now, was, begin, end, same_entry)) {
        out.files.push_back({search_shard_path(id, k), std::string(kJson), search_shard(id, now, k), {}, 0});
      }
      if (fresh || range_differs(now, was, begin, end, same_date)) {
        out.files.push_back({sitemap_shard_path(id, k), std::string(kXml), shard_sitemap(id, now, k), {}, 0});
      }
    }
    for (std::size_t k = 1; k <= old_count; ++k) {
      old_shards.push_back(search_shard_path(id, k));
      old_sitemaps.push_back(sitemap_shard_path(id, k));
    }
    for (std::size_t k = new_count + 1; k <= old_count; ++k) {
      out.removed.push_back(search_shard_path(id, k));
      out.removed.push_back(sitemap_shard_path(id, k));
    }
  }
  // The small site-wide files: rendered when their bytes differ from the base's.
  std::string top = search_top(after, new_shards);
  if (full || top != search_top(before, old_shards)) {
    out.files.push_back({"/search-index.json", std::string(kJson), std::move(top), {}, 0});
  }
  std::string map_index = sitemap_index(new_sitemaps);
  if (full || map_index != sitemap_index(old_sitemaps)) {
    out.files.push_back({"/sitemap.xml", std::string(kXml), std::move(map_index), {}, 0});
  }
  std::string site_map = site_sitemap(after);
  if (full || site_map != site_sitemap(before)) {
    out.files.push_back({"/sitemaps/site.xml", std::string(kXml), std::move(site_map), {}, 0});
  }

  // Attachments: blobs already in the store, referenced by digest; those no live article names go.
  std::set<std::string> now_files, was_files;
  for (const ListingEntry& e : after) now_files.insert(e.attachments.begin(), e.attachments.end());
  for (const ListingEntry& e : before) was_files.insert(e.attachments.begin(), e.attachments.end());
  std::set<std::string> added;
  for (const PublishedArticle& a : pages) {
    for (const AttachmentFile& f : a.attachments) {
      std::string path = attachment_path(f);
      if (was_files.contains(path) || !added.insert(path).second) continue;
      out.files.push_back({std::move(path), served_mime(f.mime), {}, f.digest, f.size});
    }
  }
  for (const std::string& path : was_files) {
    if (!now_files.contains(path)) out.removed.push_back(path);
  }
  if (full) add_assets(out);
  std::ranges::sort(out.files, {}, &RenderedFile::path);
  std::ranges::sort(out.removed);
  return out;
}

}  // namespace sw::publish
