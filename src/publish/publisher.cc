#include "publish/publisher.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "content/articles.h"
#include "content/published_reader.h"
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

// Threads rendering, sanitising and scanning article pages in a full publish (besides the thread
// rendering the listings): both cores of the reference machine.
constexpr std::size_t kRenderThreads = 2;

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

  // The article as the renderer takes it, body as stored (published_article() sanitises it).
  static Result<PublishedArticle> article_of(content::PublishedVersion v) {
    PublishedArticle p{.id = v.article_id,
                       .column_id = v.column_id,
                       .version = v.version,
                       .title = std::move(v.fields.title),
                       .summary = std::move(v.fields.summary),
                       .body_html = std::move(v.fields.body_html),
                       .byline = std::move(v.fields.byline),
                       .source = std::move(v.fields.source),
                       .date = v.fields.publish_date.value_or(v.created_at)};
    for (const content::Attachment& a : v.attachments) {
      SW_TRY(digest, crypto::Digest::parse(a.blob_hash));
      p.attachments.push_back({a.file_name, digest, static_cast<std::uint64_t>(a.size), a.type, a.mime});
    }
    return p;
  }

  // The stored body sanitised again (defence in depth): what goes into the page.
  static Status sanitise_body(PublishedArticle& a) {
    SW_TRY(clean, content::sanitise_html(a.body_html));
    a.body_html = std::move(clean.html);
    return ok();
  }

  // The live articles of the site (only those of `ids` when given), ready to render.
  Result<std::vector<PublishedArticle>> read_articles(std::int64_t site_id, std::span<const std::int64_t> ids,
                                                      bool sanitise) {
    SW_TRY(versions, content::PublishedReader(*s_.db).site_articles(site_id, ids));
    std::vector<PublishedArticle> out;
    out.reserve(versions.size());
    for (content::PublishedVersion& v : versions) {
      SW_TRY(a, article_of(std::move(v)));
      if (sanitise) SW_CHECK(sanitise_body(a));
      out.push_back(std::move(a));
    }
    return out;
  }

  // A theme for each extra render thread (Theme is not thread-safe), loaded once.
  Result<Theme*> extra_theme(std::size_t i) {
    while (extra_themes_.size() <= i) {
      SW_TRY(theme, Theme::load_default());
      extra_themes_.push_back(std::move(theme));
    }
    return extra_themes_[i].get();
  }

  // ----- publishing --------------------------------------------------------------------------------

  Result<PublishReport> publish_locked(const Actor& actor, std::int64_t site_id, PublishMode mode,
                                       std::span<const std::int64_t> hint, audit::Event& event) {
    if (!theme_) return std::unexpected(theme_error_);
    SW_CHECK(permit(actor, Permission::site_operate, site_id, event));
    SW_TRY(frame, frame_of(site_id));
    SiteRenderer renderer(*theme_, frame);

    // The live release's manifest (loaded and verified once, then handed to the builder) and its
    // search index, the listing model of an incremental publish.
    std::optional<Manifest> base;
    std::int64_t base_id = 0;
    std::optional<SearchIndex> index;
    if (mode == PublishMode::incremental) {
      SW_TRY(live, s_.releases->live(site_id));
      if (live) {
        SW_TRY(manifest, s_.releases->load(live->id));
        auto parsed = load_search_index([&](const std::string& path) -> Result<std::string> {
          const ManifestEntry* e = manifest.find(path);
          if (!e) return fail("publish.bad_search_index", "the live release has no " + path);
          return s_.blobs->get(e->digest);
        });
        if (parsed && parsed->frame == renderer.frame_fingerprint()) {
          index = std::move(*parsed);
          base = std::move(manifest);
          base_id = live->id;
        }
      }
    }

    PublishReport report;
    report.site_id = site_id;
    if (!base) {
      report.mode = PublishMode::full;
      return publish_full(actor, site_id, std::move(frame), renderer, report);
    }
    report.mode = PublishMode::incremental;
    std::map<std::int64_t, std::int64_t> known;
    for (const ListingEntry& e : index->entries) known[e.id] = e.version;
    // The articles to read: the hinted ones, or those whose live version differs from the index.
    std::set<std::int64_t> wanted;
    std::vector<std::int64_t> removed;
    if (!hint.empty()) {
      wanted.insert(hint.begin(), hint.end());
    } else {
      SW_TRY(versions, content::PublishedReader(*s_.db).live_versions(site_id));
      for (const auto& [id, v] : versions) {
        auto was = known.find(id);
        if (was == known.end() || was->second != v) wanted.insert(id);
      }
      for (const auto& [id, v] : known) {
        if (!versions.contains(id)) removed.push_back(id);
      }
    }
    std::vector<PublishedArticle> changed;
    if (!wanted.empty()) {
      const std::vector<std::int64_t> ids(wanted.begin(), wanted.end());
      SW_TRY(live_now, read_articles(site_id, ids, false));
      std::set<std::int64_t> live_ids;
      for (PublishedArticle& a : live_now) {
        live_ids.insert(a.id);
        auto was = known.find(a.id);
        if (was != known.end() && was->second == a.version) continue;  // unchanged
        SW_CHECK(sanitise_body(a));
        changed.push_back(std::move(a));
      }
      if (!hint.empty()) {  // a hinted article no longer live on the site leaves it
        for (std::int64_t id : ids) {
          if (!live_ids.contains(id) && known.contains(id)) removed.push_back(id);
        }
      }
    }
    SW_TRY(out, renderer.render_changes(*index, changed, removed));
    report.rendered = out.files.size();
    SW_CHECK(scan(out));
    report.changed = changed_paths(&*base, out);
    if (report.changed.empty()) {  // nothing the public sees changed: the live release stays
      report.release_id = base_id;
      report.files = base->entries.size();
      report.bytes = base->total_bytes();
      return report;
    }
    SW_TRY(id, build(actor, site_id, base_id, std::move(*base), std::move(out)));
    SW_TRY(info, s_.releases->get(id));
    report.release_id = id;
    report.files = info.files;
    report.bytes = info.bytes;
    return report;
  }

  // A full publish: the listings rendered on this thread while kRenderThreads threads sanitise,
  // render and scan the article pages; every file goes to the builder as soon as it passed the scan
  // (a page that does not pass is never stored, and the build is abandoned: nothing goes live).
  Result<PublishReport> publish_full(const Actor& actor, std::int64_t site_id, const SiteFrame& frame,
                                     SiteRenderer& renderer, PublishReport& report) {
    SW_TRY(articles, read_articles(site_id, {}, false));
    SW_TRY(builder, ReleaseBuilder::start(*s_.releases, *s_.blobs, ReleaseBuilder::Plan{site_id, actor.principal.name}));
    std::vector<std::unique_ptr<SiteRenderer>> renderers;
    for (std::size_t i = 0; i < kRenderThreads; ++i) {
      SW_TRY(theme, extra_theme(i));
      renderers.push_back(std::make_unique<SiteRenderer>(*theme, frame));
    }
    std::mutex mu;
    std::optional<Error> error;
    std::vector<std::string> paths;
    std::atomic<std::size_t> next{0};
    std::atomic<bool> stop{false};
    auto failed = [&](Error e) {
      std::lock_guard lock(mu);
      if (!error) error = std::move(e);
      stop = true;
    };
    auto store = [&](RenderedFile f) -> Status {
      if (scanned(f)) SW_CHECK(scan_file(f));
      std::string path = f.path;
      SW_CHECK(builder->add(ReleaseFile{std::move(f.path), std::move(f.content_type), std::move(f.bytes), f.blob}));
      std::lock_guard lock(mu);
      paths.push_back(std::move(path));
      return ok();
    };
    {
      std::vector<std::jthread> workers;
      for (std::size_t t = 0; t < kRenderThreads; ++t) {
        workers.emplace_back([&, r = renderers[t].get()] {
          for (std::size_t i = next++; i < articles.size() && !stop; i = next++) {
            PublishedArticle& a = articles[i];
            Status done = sanitise_body(a);
            if (done) done = store(r->render_article(a));
            if (!done) return failed(done.error());
            std::string().swap(a.body_html);  // the page is rendered: its body is not needed again
          }
        });
      }
      RenderOutput listings = renderer.render_full(articles, false);
      for (RenderedFile& f : listings.files) {
        if (stop) break;
        if (Status done = store(std::move(f)); !done) failed(done.error());
      }
    }  // the workers join here
    if (error) return std::unexpected(*error);
    report.rendered = paths.size();
    std::ranges::sort(paths);
    report.changed = std::move(paths);
    SW_TRY(id, builder->commit());
    SW_TRY(info, s_.releases->get(id));
    report.release_id = id;
    report.files = info.files;
    report.bytes = info.bytes;
    return report;
  }

  // The paths of the new release that differ from the base.
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

  // Stores the files (and their gzip/brotli variants) on the base release and commits the release
  // (release_builder.h).
  Result<std::int64_t> build(const Actor& actor, std::int64_t site_id, std::int64_t base_id, Manifest base,
                             RenderOutput out) {
    SW_TRY(builder, ReleaseBuilder::start(*s_.releases, *s_.blobs,
                                          ReleaseBuilder::Plan{site_id, actor.principal.name, base_id, std::move(base)}));
    for (const std::string& path : out.removed) {
      if (builder->base()->find(path)) SW_CHECK(builder->remove(path));
    }
    for (RenderedFile& f : out.files) {
      SW_CHECK(builder->add(ReleaseFile{std::move(f.path), std::move(f.content_type), std::move(f.bytes), f.blob}));
    }
    return builder->commit();
  }

  // N3.2 again on the output: a high or critical finding in any rendered page stops the release.
  Status scan(const RenderOutput& out) {
    for (const RenderedFile& f : out.files) {
      if (scanned(f)) SW_CHECK(scan_file(f));
    }
    return ok();
  }

  Status scan_file(const RenderedFile& f) const {
    const review::ScanReport r = s_.scanner->scan_bytes(f.path, f.bytes);
    for (const review::Finding& finding : r.findings) {
      if (finding.severity < review::Severity::high) continue;
      return fail("publish.scan_blocked",
                  "page " + f.path + ": " + std::string(review::to_string(finding.severity)) + " finding \"" +
                      finding.matched + "\" (" + finding.category + ", rule " + finding.rule + ")" +
                      (finding.note.empty() ? "" : ": " + finding.note));
    }
    return ok();
  }

  PublisherServices s_;
  const Clock* clock_;
  std::unique_ptr<Theme> theme_;
  std::vector<std::unique_ptr<Theme>> extra_themes_;  // one per render thread of a full publish
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
