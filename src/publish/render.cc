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
constexpr int kSearchIndexFormat = 1;
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

std::size_t pages_for(std::size_t items) { return std::max<std::size_t>(1, (items + kPageSize - 1) / kPageSize); }

std::string iso_datetime(std::string_view date) { return std::string(date) + "T00:00:00+08:00"; }

}  // namespace

std::string article_path(std::int64_t id) { return "/articles/" + std::to_string(id) + ".html"; }

std::string column_page_path(std::int64_t column_id, std::size_t page_no) {
  const std::string base = "/columns/" + std::to_string(column_id) + "/";
  return page_no <= 1 ? base + "index.html" : base + "page/" + std::to_string(page_no) + "/index.html";
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

Result<SearchIndex> parse_search_index(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  auto bad = [](std::string what) { return fail("publish.bad_search_index", "search index: " + what); };
  if (!j.is_object() || !j.contains("v") || j["v"] != kSearchIndexFormat) return bad("not format 1");
  if (!j.contains("frame") || !j["frame"].is_string()) return bad("no frame fingerprint");
  if (!j.contains("items") || !j["items"].is_array()) return bad("no items");
  SearchIndex index{j["frame"].get<std::string>(), {}};
  for (const json& item : j["items"]) {
    const std::string at = "item " + std::to_string(index.entries.size());
    if (!item.is_object()) return bad(at + " is not an object");
    for (const char* key : {"i", "c", "n"}) {
      if (!item.contains(key) || !item[key].is_number_integer()) return bad(at + ": \"" + key + "\" is not an integer");
    }
    if (!item.contains("t") || !item["t"].is_string()) return bad(at + ": no title");
    if (!item.contains("d") || !item["d"].is_string() || item["d"].get_ref<const std::string&>().size() != 10) {
      return bad(at + ": no date");
    }
    ListingEntry e{.id = item["i"].get<std::int64_t>(),
                   .column_id = item["c"].get<std::int64_t>(),
                   .version = item["n"].get<std::int64_t>(),
                   .title = item["t"].get<std::string>(),
                   .date = item["d"].get<std::string>()};
    if (item.contains("s")) {
      if (!item["s"].is_string()) return bad(at + ": summary is not a string");
      e.summary = item["s"].get<std::string>();
    }
    if (item.contains("a")) {
      if (!item["a"].is_array()) return bad(at + ": attachments are not a list");
      for (const json& a : item["a"]) {
        if (!a.is_string() || !a.get_ref<const std::string&>().starts_with("/attachments/") ||
            !check_path(a.get_ref<const std::string&>())) {
          return bad(at + ": an attachment path is not valid");
        }
        e.attachments.push_back(a.get<std::string>());
      }
    }
    index.entries.push_back(std::move(e));
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

std::string SiteRenderer::column_page(const ColumnInfo& c, const std::vector<const ListingEntry*>& items,
                                      std::size_t page_no, bool has_next) {
  mustache::data d;
  mustache::data col;
  col.set("name", c.name);
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
  mustache::data list{mustache::data::type::list};
  const std::size_t first = (page_no - 1) * kPageSize;
  for (std::size_t i = first; i < items.size() && i < first + kPageSize; ++i) list.push_back(item_data(*items[i]));
  d.set("items", list);
  d.set("page", std::to_string(page_no));
  if (page_no > 1) d.set("prev", page_no == 2 ? "/columns/" + std::to_string(c.id) + "/"
                                                : "/columns/" + std::to_string(c.id) + "/page/" +
                                                      std::to_string(page_no - 1) + "/");
  if (has_next) d.set("next", "/columns/" + std::to_string(c.id) + "/page/" + std::to_string(page_no + 1) + "/");
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

std::string SiteRenderer::sitemap(const std::vector<ListingEntry>& entries,
                                  const std::vector<std::pair<std::int64_t, std::size_t>>& column_pages) {
  mustache::data urls{mustache::data::type::list};
  auto add = [&](std::string path, const std::string* lastmod) {
    mustache::data u;
    u.set("path", std::move(path));
    if (lastmod) u.set("lastmod", *lastmod);
    urls.push_back(u);
  };
  add("/", entries.empty() ? nullptr : &entries.front().date);
  for (const auto& [id, pages] : column_pages) {
    for (std::size_t p = 1; p <= pages; ++p) {
      add(p == 1 ? "/columns/" + std::to_string(id) + "/" : "/columns/" + std::to_string(id) + "/page/" +
                                                               std::to_string(p) + "/",
          nullptr);
    }
  }
  for (const ListingEntry& e : entries) add(article_path(e.id), &e.date);
  mustache::data d;
  d.set("base", "https://" + frame_.primary_domain);
  d.set("urls", urls);
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

std::string SiteRenderer::search_index(const std::vector<ListingEntry>& entries) const {
  json items = json::array();
  for (const ListingEntry& e : entries) {
    json item = {{"i", e.id}, {"c", e.column_id}, {"n", e.version}, {"t", e.title},
                 {"u", article_path(e.id)}, {"d", e.date}};
    if (!e.summary.empty()) item["s"] = e.summary;
    if (!e.attachments.empty()) item["a"] = e.attachments;
    items.push_back(std::move(item));
  }
  return inert_json(json{{"v", kSearchIndexFormat}, {"frame", fingerprint_}, {"items", std::move(items)}});
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

RenderOutput SiteRenderer::render_full(const std::vector<PublishedArticle>& articles) {
  std::vector<ListingEntry> after;
  after.reserve(articles.size());
  for (const PublishedArticle& a : articles) after.push_back(listing_of(a));
  return render(nullptr, after, articles, {});
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
  return render(&before.entries, after, changed, removed_pages);
}

RenderOutput SiteRenderer::render(const std::vector<ListingEntry>* before_in, const std::vector<ListingEntry>& after_in,
                                  const std::vector<PublishedArticle>& pages, const std::set<std::int64_t>& removed_ids) {
  RenderOutput out;
  std::vector<ListingEntry> after = after_in;
  std::ranges::sort(after, newer);
  std::vector<ListingEntry> before;
  if (before_in) {
    before = *before_in;
    std::ranges::sort(before, newer);
  }

  for (const PublishedArticle& a : pages) out.files.push_back({article_path(a.id), std::string(kHtml), article_page(a), {}, 0});
  for (std::int64_t id : removed_ids) out.removed.push_back(article_path(id));

  // Column pages: a page is rendered when its slice of the listing or its "next" link can differ.
  std::map<std::int64_t, std::vector<const ListingEntry*>> new_by_column, old_by_column;
  for (const ListingEntry& e : after) new_by_column[e.column_id].push_back(&e);
  for (const ListingEntry& e : before) old_by_column[e.column_id].push_back(&e);
  std::vector<std::pair<std::int64_t, std::size_t>> column_pages;
  static const std::vector<const ListingEntry*> kNone;
  for (const ColumnInfo& c : frame_.columns) {
    auto n_it = new_by_column.find(c.id);
    auto o_it = old_by_column.find(c.id);
    const auto& now = n_it == new_by_column.end() ? kNone : n_it->second;
    const auto& was = o_it == old_by_column.end() ? kNone : o_it->second;
    const std::size_t new_pages = pages_for(now.size());
    const std::size_t old_pages = before_in ? pages_for(was.size()) : 0;
    column_pages.emplace_back(c.id, new_pages);
    for (std::size_t p = 1; p <= new_pages; ++p) {
      const bool has_next = p * kPageSize < now.size();
      bool differs = p > old_pages || has_next != (p * kPageSize < was.size());
      for (std::size_t i = (p - 1) * kPageSize; !differs && i < p * kPageSize; ++i) {
        const bool in_now = i < now.size(), in_was = i < was.size();
        differs = in_now != in_was || (in_now && !shown_alike(*now[i], *was[i]));
      }
      if (differs) out.files.push_back({column_page_path(c.id, p), std::string(kHtml), column_page(c, now, p, has_next), {}, 0});
    }
    for (std::size_t p = new_pages + 1; p <= old_pages; ++p) out.removed.push_back(column_page_path(c.id, p));
  }

  // The home page and the feed show the newest items only: rendered when those changed.
  auto any = [](const ListingEntry&) { return true; };
  bool home_changed = !before_in || head_differs(before, after, kHomeLatest, any);
  for (const ColumnInfo& c : frame_.columns) {
    if (home_changed || c.parent_id || !c.active) continue;
    home_changed = head_differs(before, after, kHomePerColumn, [&](const ListingEntry& e) { return e.column_id == c.id; });
  }
  if (home_changed) out.files.push_back({"/index.html", std::string(kHtml), home_page(after), {}, 0});
  if (!before_in || head_differs(before, after, kFeedEntries, any)) {
    out.files.push_back({"/feed.xml", std::string(kAtom), feed(after), {}, 0});
  }
  out.files.push_back({"/sitemap.xml", std::string(kXml), sitemap(after, column_pages), {}, 0});
  out.files.push_back({"/search-index.json", std::string(kJson), search_index(after), {}, 0});

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
  if (!before_in) add_assets(out);
  std::ranges::sort(out.files, {}, &RenderedFile::path);
  std::ranges::sort(out.removed);
  return out;
}

}  // namespace sw::publish
