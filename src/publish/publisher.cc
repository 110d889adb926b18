#include "publish/publisher.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "base/log.h"
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

// Where one publish's time goes, phase by phase, logged at debug level as "publish.timing"
// (milliseconds): permit + frame, live state (kept or loaded), read, render, scan, build (blobs,
// variants, sign, durable, switch), audit.
class Spans {
 public:
  void mark(const char* phase) {
    const auto now = std::chrono::steady_clock::now();
    fields_[phase] = std::chrono::duration<double, std::milli>(now - last_).count();
    last_ = now;
  }
  void report(std::int64_t site_id, std::string_view kind) {
    fields_["site"] = site_id;
    fields_["kind"] = kind;
    log::debug("publish.timing", fields_);
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
  nlohmann::json fields_ = nlohmann::json::object();
};

}  // namespace

std::string_view to_string(PublishMode m) { return m == PublishMode::full ? "full" : "incremental"; }

class Publisher::Impl {
  // The verified state of a site's live release, kept between publishes (see live_state()).
  struct LiveState {
    std::int64_t release_id = 0;
    crypto::Digest manifest_digest;
    std::optional<Manifest> manifest;   // verified when loaded, or as this publisher signed it
    std::optional<SearchIndex> index;   // none: the release has no usable search index (publish in full)
    std::uint64_t used = 0;             // for forgetting the least recently used site
  };
  // Manifest entries kept in all (~250 bytes each with the index's entry): a few 10,000-article sites.
  static constexpr std::size_t kKeptEntries = 200'000;

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
    Spans spans;
    auto report = publish_locked(actor, site_id, mode, hint, event, spans);
    if (report) {
      report->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      event.details.update({{"kind", std::string(to_string(report->mode))},
                            {"release", report->release_id},
                            {"files", report->files},
                            {"bytes", report->bytes},
                            {"rendered", report->rendered},
                            {"changed", report->changed.size()}});
    }
    auto concluded = conclude(std::move(event), std::move(report));
    spans.mark("audit_ms");
    spans.report(site_id, concluded ? to_string(concluded->mode) : "failed");
    return concluded;
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
                                       std::span<const std::int64_t> hint, audit::Event& event, Spans& spans) {
    if (!theme_) return std::unexpected(theme_error_);
    SW_CHECK(permit(actor, Permission::site_operate, site_id, event));
    SW_TRY(frame, frame_of(site_id));
    spans.mark("frame_ms");
    SiteRenderer renderer(*theme_, frame);

    // The live release's verified manifest and its search index, the listing model of an incremental
    // publish: kept from the last publish when the site's live release is still that one, else
    // loaded (and verified) now.
    LiveState* base = nullptr;
    if (mode == PublishMode::incremental) {
      SW_TRY(live, s_.releases->live(site_id));
      if (live) {
        SW_TRY(state, live_state(site_id, *live));
        if (state->index && state->index->frame == renderer.frame_fingerprint()) base = state;
      }
    }

    spans.mark("live_state_ms");
    PublishReport report;
    report.site_id = site_id;
    if (!base) {
      report.mode = PublishMode::full;
      return publish_full(actor, site_id, std::move(frame), renderer, report, spans);
    }
    report.mode = PublishMode::incremental;
    const SearchIndex* index = &*base->index;
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
    spans.mark("read_ms");
    SW_TRY(out, renderer.render_changes(*index, changed, removed));
    report.rendered = out.files.size();
    spans.mark("render_ms");
    SW_CHECK(scan(out));
    spans.mark("scan_ms");
    report.changed = changed_paths(&*base->manifest, out);
    if (report.changed.empty()) {  // nothing the public sees changed: the live release stays
      report.release_id = base->release_id;
      report.files = base->manifest->entries.size();
      report.bytes = base->manifest->total_bytes();
      return report;
    }
    // The index of the new release, as render_changes() made it: the base's without the removed and
    // the changed articles, with the changed ones as they are now.
    SearchIndex next{index->frame, {}};
    {
      std::set<std::int64_t> gone(removed.begin(), removed.end());
      for (const PublishedArticle& a : changed) gone.insert(a.id);
      next.entries.reserve(index->entries.size() + changed.size());
      for (const ListingEntry& e : index->entries) {
        if (!gone.contains(e.id)) next.entries.push_back(e);
      }
      for (const PublishedArticle& a : changed) next.entries.push_back(renderer.listing_of(a));
    }
    // The base manifest moves into the build; the kept state is dropped until the commit hands the
    // new release's manifest back (a failed build leaves nothing kept: the next publish reloads).
    const std::int64_t base_id = base->release_id;
    Manifest base_manifest = std::move(*base->manifest);
    live_.erase(site_id);
    SW_TRY(built, build(actor, site_id, base_id, std::move(base_manifest), std::move(out)));
    SW_TRY(info, s_.releases->get(built.first));
    keep_live_state(site_id, info, std::move(built.second), std::move(next));
    spans.mark("build_ms");
    report.release_id = built.first;
    report.files = info.files;
    report.bytes = info.bytes;
    return report;
  }

  // A full publish: the listings rendered on this thread while kRenderThreads threads sanitise,
  // render and scan the article pages; every file goes to the builder as soon as it passed the scan
  // (a page that does not pass is never stored, and the build is abandoned: nothing goes live).
  Result<PublishReport> publish_full(const Actor& actor, std::int64_t site_id, const SiteFrame& frame,
                                     SiteRenderer& renderer, PublishReport& report, Spans& spans) {
    SW_TRY(articles, read_articles(site_id, {}, false));
    spans.mark("read_ms");
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
    spans.mark("render_scan_ms");
    if (error) return std::unexpected(*error);
    report.rendered = paths.size();
    std::ranges::sort(paths);
    report.changed = std::move(paths);
    SW_TRY(id, builder->commit());
    spans.mark("build_ms");
    SW_TRY(info, s_.releases->get(id));
    SearchIndex index{renderer.frame_fingerprint(), {}};  // what the release's search index holds
    index.entries.reserve(articles.size());
    for (const PublishedArticle& a : articles) index.entries.push_back(renderer.listing_of(a));
    keep_live_state(site_id, info, builder->take_committed_manifest(), std::move(index));
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
  // (release_builder.h). Returns its id and its manifest as signed.
  Result<std::pair<std::int64_t, std::optional<Manifest>>> build(const Actor& actor, std::int64_t site_id,
                                                                 std::int64_t base_id, Manifest base, RenderOutput out) {
    SW_TRY(builder, ReleaseBuilder::start(*s_.releases, *s_.blobs,
                                          ReleaseBuilder::Plan{site_id, actor.principal.name, base_id, std::move(base)}));
    for (const std::string& path : out.removed) {
      if (builder->base()->find(path)) SW_CHECK(builder->remove(path));
    }
    for (RenderedFile& f : out.files) {
      SW_CHECK(builder->add(ReleaseFile{std::move(f.path), std::move(f.content_type), std::move(f.bytes), f.blob}));
    }
    SW_TRY(id, builder->commit());
    return std::pair{id, builder->take_committed_manifest()};
  }

  // ----- the live state kept between publishes -------------------------------------------------------

  // The kept state of the site's live release `live`: the kept one when it is of this release (id and
  // manifest digest, read from the database at every publish: a rollback, a publish by another
  // process or another Publisher is noticed), else loaded now — the manifest verified (ReleaseStore::
  // load: document re-hashed, signature checked) and the search index read from its verified blobs
  // (none when the release has no usable one: format 1, or a blob that does not read).
  Result<LiveState*> live_state(std::int64_t site_id, const ReleaseInfo& live) {
    if (auto it = live_.find(site_id); it != live_.end()) {
      LiveState& kept = it->second;
      if (kept.release_id == live.id && kept.manifest_digest == live.manifest_digest && kept.manifest) {
        kept.used = ++tick_;
        return &kept;
      }
      live_.erase(it);
    }
    SW_TRY(manifest, s_.releases->load(live.id));
    auto parsed = load_search_index([&](const std::string& path) -> Result<std::string> {
      const ManifestEntry* e = manifest.find(path);
      if (!e) return fail("publish.bad_search_index", "the live release has no " + path);
      return s_.blobs->get(e->digest);
    });
    std::optional<SearchIndex> index;
    if (parsed) index = std::move(*parsed);
    return keep_live_state(site_id, live, std::move(manifest), std::move(index));
  }

  // Keeps the state of the site's live release (and forgets the least recently used sites' beyond
  // kKeptEntries manifest entries in all). A missing manifest keeps nothing.
  LiveState* keep_live_state(std::int64_t site_id, const ReleaseInfo& release, std::optional<Manifest> manifest,
                             std::optional<SearchIndex> index) {
    live_.erase(site_id);
    if (!manifest) return nullptr;
    std::size_t total = manifest->entries.size();
    for (const auto& [id, kept] : live_) total += kept.manifest ? kept.manifest->entries.size() : 0;
    while (total > kKeptEntries && !live_.empty()) {
      auto oldest = std::ranges::min_element(live_, {}, [](const auto& kv) { return kv.second.used; });
      total -= oldest->second.manifest ? oldest->second.manifest->entries.size() : 0;
      live_.erase(oldest);
    }
    LiveState& state = live_[site_id];
    state.release_id = release.id;
    state.manifest_digest = release.manifest_digest;
    state.manifest = std::move(manifest);
    state.index = std::move(index);
    state.used = ++tick_;
    return &state;
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
  std::map<std::int64_t, LiveState> live_;  // by site
  std::uint64_t tick_ = 0;
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
