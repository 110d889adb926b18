#include "publish/publisher.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "content/articles.h"
#include "content/sanitiser.h"
#include "publish/footer.h"
#include "publish/release_builder.h"
#include "publish/render.h"
#include "registry/registry.h"

namespace sw::publish {
namespace {

using identity::Actor;
using identity::Permission;
using identity::Principal;
using identity::Scope;

constexpr std::string_view kSearchIndexPath = "/search-index.json";
constexpr content::State kLiveStates[] = {content::State::published, content::State::withdrawal_requested,
                                          content::State::correction_submitted,
                                          content::State::correction_content_approved};

// The content the publisher reads, it reads as the machine operator after its own check.
const Principal& reader() {
  static const Principal p = Principal::system("publisher");
  return p;
}

// What the scan of the output reads: every page and the feed. The sitemap holds URLs and dates only,
// and the search index the titles and summaries every article page and listing shows (scanned there,
// in this release or the one that first rendered them), so scanning them again finds nothing new.
bool scanned(const RenderedFile& f) {
  if (f.blob) return false;
  return f.content_type.starts_with("text/html") || f.content_type.starts_with("application/atom+xml");
}

std::string object_of(std::int64_t site_id) { return "site:" + std::to_string(site_id); }

}  // namespace

std::string_view to_string(PublishMode m) { return m == PublishMode::full ? "full" : "incremental"; }

class Publisher::Impl {
 public:
  explicit Impl(PublisherServices s) : s_(s), clock_(s.clock ? s.clock : &system_clock()) {
    auto theme = Theme::load_default();
    if (theme) {
      theme_ = std::move(*theme);
    } else {
      theme_error_ = theme.error();
    }
  }

  Result<PublishReport> publish_site(const Actor& actor, std::int64_t site_id, PublishMode mode,
                                     std::span<const std::int64_t> hint) {
    std::lock_guard lock(mu_);
    const auto start = std::chrono::steady_clock::now();
    audit::Event event = event_for(actor, "publish.release", site_id);
    event.details["requested"] = std::string(to_string(mode));
    auto report = publish_locked(actor, site_id, mode, hint, event);
    if (report) {
      report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      event.details.update({{"kind", std::string(to_string(report->mode))},
                            {"release", report->release_id},
                            {"files", report->files},
                            {"bytes", report->bytes},
                            {"rendered", report->rendered},
                            {"changed", report->changed.size()}});
    }
    return conclude(std::move(event), std::move(report));
  }

  Status rollback(const Actor& actor, std::int64_t site_id, std::int64_t release_id) {
    std::lock_guard lock(mu_);
    audit::Event event = event_for(actor, "publish.rollback", site_id);
    event.details["release"] = release_id;
    Status done = permit(actor, Permission::site_operate, site_id, event);
    if (done) done = s_.releases->switch_live(site_id, release_id, actor.principal.name, "rollback");
    return conclude(std::move(event), std::move(done));
  }

  Result<std::vector<ReleaseInfo>> releases(const Principal& who, std::int64_t site_id) {
    std::lock_guard lock(mu_);
    SW_TRY(tree, identity::load_org_tree(*s_.db));
    auto operate = identity::authorize(who, Permission::site_operate, Scope::site(site_id), tree);
    if (!operate && !identity::authorize(who, Permission::site_read, Scope::site(site_id), tree)) {
      audit::Event event = event_for(Actor{who, "", ""}, "publish.releases_read", site_id);
      return conclude(std::move(event), Result<std::vector<ReleaseInfo>>(std::unexpected(operate.error())));
    }
    return s_.releases->list(site_id);
  }

 private:
  audit::Event event_for(const Actor& actor, std::string action, std::int64_t site_id) const {
    audit::Event e;
    e.actor = actor.principal.name;
    e.actor_role = actor.principal.is_system ? "system" : "";
    e.site_id = site_id;
    e.action = std::move(action);
    e.object = object_of(site_id);
    e.client_ip = actor.client_ip;
    e.request_id = actor.request_id;
    return e;
  }

  Status permit(const Actor& actor, Permission p, std::int64_t site_id, audit::Event& event) {
    SW_TRY(tree, identity::load_org_tree(*s_.db));
    auto role = identity::authorize_as(actor.principal, p, Scope::site(site_id), tree);
    if (!role) {
      event.outcome = audit::Outcome::denied;
      return std::unexpected(role.error());
    }
    if (*role) event.actor_role = std::string(identity::to_string(**role));
    return ok();
  }

  template <class T>
  Result<T> conclude(audit::Event event, Result<T> result) {
    if (!result) {
      if (event.outcome != audit::Outcome::denied) event.outcome = audit::Outcome::failure;
      event.details["error"] = result.error().code;
      event.details["message"] = result.error().message.substr(0, 500);
    }
    if (auto appended = s_.audit->append(std::move(event)); !appended) return std::unexpected(appended.error());
    return result;
  }

  // ----- gathering ---------------------------------------------------------------------------------

  Result<SiteFrame> frame_of(std::int64_t site_id) {
    SW_TRY(site, s_.registry->get_site(reader(), site_id));
    if (site.state == registry::SiteState::closed) {
      return fail("publish.site_closed", object_of(site_id) + " is closed and cannot be published");
    }
    SW_TRY(footer, footer_from_register(*s_.registry, reader(), site_id));
    SW_CHECK(check_footer(footer));  // N5.2: a site missing any footer item cannot be published
    if (site.fields.domains.empty()) {
      return fail("publish.no_domain", object_of(site_id) + " has no domain in the register (the sitemap and feed "
                                                            "need the primary domain)");
    }
    SiteFrame frame{.site_id = site_id, .name = site.fields.name, .primary_domain = site.fields.domains.front(),
                    .footer = std::move(footer)};
    if (s_.looks) {
      SW_TRY(look, s_.looks->look(site_id));
      frame.look = std::move(look);
    }
    SW_TRY(columns, s_.content->columns(reader(), site_id));
    for (const content::Column& c : columns) {
      frame.columns.push_back({.id = c.id, .parent_id = c.parent_id, .name = c.name, .position = c.position,
                               .active = !c.deactivated_at.has_value()});
    }
    return frame;
  }

  // Every live article of the site with the version it shows (an article whose correction is pending
  // shows its earlier published version: `known` gives it when the base release has it).
  Result<std::map<std::int64_t, std::int64_t>> live_versions(std::int64_t site_id,
                                                             const std::map<std::int64_t, std::int64_t>& known) {
    std::map<std::int64_t, std::int64_t> out;
    for (content::State state : kLiveStates) {
      content::ArticleFilter filter;
      filter.state = state;
      for (std::int64_t offset = 0;; offset += content::kMaxArticlePage) {
        SW_TRY(page, s_.content->list_articles(reader(), site_id, filter, offset, content::kMaxArticlePage));
        for (const content::ArticleListItem& item : page.items) {
          const auto& a = item.article;
          if (state == content::State::published || state == content::State::withdrawal_requested) {
            out[a.id] = a.current_version;
          } else if (auto k = known.find(a.id); k != known.end()) {
            out[a.id] = k->second;
          } else {
            SW_TRY(full, s_.content->get_article(reader(), a.id));
            if (full.published_version) out[a.id] = *full.published_version;
          }
        }
        if (page.items.size() < static_cast<std::size_t>(content::kMaxArticlePage)) break;
      }
    }
    return out;
  }

  // The article at the version the site shows, body sanitised again.
  Result<PublishedArticle> published(std::int64_t article_id, std::int64_t version) {
    SW_TRY(article, s_.content->get_article(reader(), article_id));
    SW_TRY(v, s_.content->get_version(reader(), article_id, version));
    SW_TRY(clean, content::sanitise_html(v.fields.body_html));
    PublishedArticle p{.id = article.id,
                       .column_id = article.column_id,
                       .version = v.n,
                       .title = v.fields.title,
                       .summary = v.fields.summary,
                       .body_html = std::move(clean.html),
                       .byline = v.fields.byline,
                       .source = v.fields.source,
                       .date = v.fields.publish_date.value_or(v.created_at)};
    for (const content::Attachment& a : v.attachments) {
      SW_TRY(digest, crypto::Digest::parse(a.blob_hash));
      p.attachments.push_back({a.file_name, digest, static_cast<std::uint64_t>(a.size), a.type, a.mime});
    }
    return p;
  }

  // The version an article shows now, or nullopt when it is not live on `site_id`.
  Result<std::optional<std::int64_t>> live_version_of(std::int64_t site_id, std::int64_t article_id) {
    auto article = s_.content->get_article(reader(), article_id);
    if (!article) {
      if (article.error().code == "content.not_found") return std::optional<std::int64_t>{};
      return std::unexpected(article.error());
    }
    if (article->site_id != site_id || article->deleted_at || !content::is_live(article->state) ||
        !article->published_version) {
      return std::optional<std::int64_t>{};
    }
    return article->published_version;
  }

  // ----- publishing --------------------------------------------------------------------------------

  Result<PublishReport> publish_locked(const Actor& actor, std::int64_t site_id, PublishMode mode,
                                       std::span<const std::int64_t> hint, audit::Event& event) {
    if (!theme_) return std::unexpected(theme_error_);
    SW_CHECK(permit(actor, Permission::site_operate, site_id, event));
    SW_TRY(frame, frame_of(site_id));
    SiteRenderer renderer(*theme_, std::move(frame));

    std::optional<Manifest> base;
    std::int64_t base_id = 0;
    std::optional<SearchIndex> index;
    if (mode == PublishMode::incremental) {
      SW_TRY(live, s_.releases->live(site_id));
      if (live) {
        SW_TRY(manifest, s_.releases->load(live->id));
        if (const ManifestEntry* e = manifest.find(kSearchIndexPath)) {
          SW_TRY(bytes, s_.blobs->get(e->digest));
          auto parsed = parse_search_index(bytes);
          if (parsed && parsed->frame == renderer.frame_fingerprint()) {
            index = std::move(*parsed);
            base = std::move(manifest);
            base_id = live->id;
          }
        }
      }
    }

    PublishReport report;
    report.site_id = site_id;
    RenderOutput out;
    if (!base) {
      report.mode = PublishMode::full;
      SW_TRY(versions, live_versions(site_id, {}));
      std::vector<PublishedArticle> articles;
      articles.reserve(versions.size());
      for (const auto& [id, v] : versions) {
        SW_TRY(a, published(id, v));
        articles.push_back(std::move(a));
      }
      out = renderer.render_full(articles);
    } else {
      report.mode = PublishMode::incremental;
      std::map<std::int64_t, std::int64_t> known;
      for (const ListingEntry& e : index->entries) known[e.id] = e.version;
      std::vector<PublishedArticle> changed;
      std::vector<std::int64_t> removed;
      auto consider = [&](std::int64_t id, std::optional<std::int64_t> now) -> Status {
        auto was = known.find(id);
        if (!now) {
          if (was != known.end()) removed.push_back(id);
          return ok();
        }
        if (was != known.end() && was->second == *now) return ok();
        SW_TRY(a, published(id, *now));
        changed.push_back(std::move(a));
        return ok();
      };
      if (!hint.empty()) {
        for (std::int64_t id : std::set<std::int64_t>(hint.begin(), hint.end())) {
          SW_TRY(now, live_version_of(site_id, id));
          SW_CHECK(consider(id, now));
        }
      } else {
        SW_TRY(versions, live_versions(site_id, known));
        for (const auto& [id, v] : versions) SW_CHECK(consider(id, v));
        for (const auto& [id, v] : known) {
          if (!versions.contains(id)) removed.push_back(id);
        }
      }
      SW_TRY(delta, renderer.render_changes(*index, changed, removed));
      out = std::move(delta);
    }
    report.rendered = out.files.size();
    SW_CHECK(scan(out));
    report.changed = changed_paths(base ? &*base : nullptr, out);
    if (base && report.changed.empty()) {  // nothing the public sees changed: the live release stays
      report.release_id = base_id;
      report.files = base->entries.size();
      report.bytes = base->total_bytes();
      return report;
    }
    SW_TRY(id, build(actor, site_id, base ? std::optional<std::int64_t>(base_id) : std::nullopt, std::move(out)));
    SW_TRY(info, s_.releases->get(id));
    report.release_id = id;
    report.files = info.files;
    report.bytes = info.bytes;
    return report;
  }

  // The paths of the new release that differ from the base (all of them for a full build).
  std::vector<std::string> changed_paths(const Manifest* base, const RenderOutput& out) const {
    std::vector<std::string> changed;
    for (const RenderedFile& f : out.files) {
      if (base) {
        const ManifestEntry* was = base->find(f.path);
        const crypto::Digest now = f.blob ? *f.blob : s_.suite->hash(f.bytes);
        if (was && was->digest == now && was->content_type == f.content_type) continue;
      }
      changed.push_back(f.path);
    }
    for (const std::string& path : out.removed) {
      if (base && base->find(path)) changed.push_back(path);
    }
    std::ranges::sort(changed);
    return changed;
  }

  // Stores the files (and their gzip/brotli variants) and commits the release (release_builder.h).
  Result<std::int64_t> build(const Actor& actor, std::int64_t site_id, std::optional<std::int64_t> base_id,
                             RenderOutput out) {
    SW_TRY(builder, ReleaseBuilder::start(*s_.releases, *s_.blobs,
                                          ReleaseBuilder::Plan{site_id, actor.principal.name, base_id}));
    for (const std::string& path : out.removed) {
      if (builder->base() && builder->base()->find(path)) SW_CHECK(builder->remove(path));
    }
    for (RenderedFile& f : out.files) {
      SW_CHECK(builder->add(ReleaseFile{std::move(f.path), std::move(f.content_type), std::move(f.bytes), f.blob}));
    }
    return builder->commit();
  }

  // N3.2 again on the output: a high or critical finding in any rendered page stops the release.
  Status scan(const RenderOutput& out) {
    for (const RenderedFile& f : out.files) {
      if (!scanned(f)) continue;
      const review::ScanReport r = s_.scanner->scan_bytes(f.path, f.bytes);
      for (const review::Finding& finding : r.findings) {
        if (finding.severity < review::Severity::high) continue;
        return fail("publish.scan_blocked",
                    "page " + f.path + ": " + std::string(review::to_string(finding.severity)) + " finding \"" +
                        finding.matched + "\" (" + finding.category + ", rule " + finding.rule + ")" +
                        (finding.note.empty() ? "" : ": " + finding.note));
      }
    }
    return ok();
  }

  PublisherServices s_;
  const Clock* clock_;
  std::unique_ptr<Theme> theme_;
  Error theme_error_;
  std::mutex mu_;
};

Publisher::Publisher(PublisherServices services) : impl_(std::make_unique<Impl>(services)) {}
Publisher::~Publisher() = default;

Result<PublishReport> Publisher::publish_site(const identity::Actor& actor, std::int64_t site_id, PublishMode mode,
                                              std::span<const std::int64_t> changed_articles) {
  return impl_->publish_site(actor, site_id, mode, changed_articles);
}

Status Publisher::rollback(const identity::Actor& actor, std::int64_t site_id, std::int64_t release_id) {
  return impl_->rollback(actor, site_id, release_id);
}

Result<std::vector<ReleaseInfo>> Publisher::releases(const identity::Principal& who, std::int64_t site_id) {
  return impl_->releases(who, site_id);
}

}  // namespace sw::publish
