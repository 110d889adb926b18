// Publishing on a node (publishing.h): the release store, the looks, the publisher `serve` keeps, and
// the incremental publish after the scheduler's publications (issue 5).
#include <iostream>
#include <map>
#include <vector>

#include "base/log.h"
#include "cli/publishing.h"

namespace sw::cli {

Result<std::unique_ptr<Publishing>> open_publishing(Platform& p) {
  auto out = std::make_unique<Publishing>();
  const auto options = publish::release_store_options(p.config.publish, p.data_dir());  // keep_releases
  out->releases = std::make_unique<publish::ReleaseStore>(*p.db, *p.blobs, *p.suite, p.node_key, p.trusted_keys,
                                                          options);
  // Issue 5 crash safety: the next start cleans up what a killed publish left (temp files older than
  // the store's stale_temp_age, so a writer still running elsewhere keeps its file).
  SW_CHECK(out->releases->recover());
  out->looks = std::make_unique<publish::SiteLooks>(*p.db, *p.blobs, *p.audit);
  if (!p.scanner) return fail("cli.no_scanner", "publishing needs the review scanner, which did not load");
  review::ScanOptions scan_options;
  scan_options.entities = false;  // the same lexicon's compilation is reused (Matcher's cache)
  SW_TRY(scanner, review::Scanner::create(p.scanner->matcher().lexicon(), scan_options));
  out->scanner = std::make_unique<review::Scanner>(std::move(scanner));
  out->publisher = std::make_unique<publish::Publisher>(publish::PublisherServices{
      .db = p.db.get(),
      .audit = p.audit.get(),
      .registry = p.registry.get(),
      .content = p.content.get(),
      .blobs = p.blobs.get(),
      .releases = out->releases.get(),
      .looks = out->looks.get(),
      .scanner = out->scanner.get(),
      .suite = p.suite});
  return out;
}

void publish_after_schedule(Platform& p, Publishing& publishing, std::span<const std::int64_t> articles) {
  const identity::Actor machine{identity::Principal::system("scheduler"), "", "scheduler"};
  std::map<std::int64_t, std::vector<std::int64_t>> by_site;
  for (std::int64_t id : articles) {
    if (auto a = p.content->get_article(machine.principal, id)) by_site[a->site_id].push_back(id);
  }
  for (const auto& [site, ids] : by_site) {
    auto r = publishing.publisher->publish_site(machine, site, publish::PublishMode::incremental, ids);
    if (!r) log::error("publish.scheduled_failed", {{"site", site}, {"error", r.error().to_string()}});
  }
}

void publish_demo_sites(Platform& p) {
  auto publishing = open_publishing(p);
  if (!publishing) {
    std::cout << "Publishing the demo sites: " << publishing.error().message << "\n";
    return;
  }
  const identity::Actor actor{identity::Principal::system(os_user()), "local", "demo-seed"};
  auto sites = p.identity->list_sites(actor.principal);
  if (!sites) return;
  for (const identity::Site& site : *sites) {
    auto r = (*publishing)->publisher->publish_site(actor, site.id, publish::PublishMode::full);
    if (r) {
      std::cout << "Published " << site.name << ": release " << r->release_id << ", " << r->files << " files\n";
    } else {
      std::cout << "Not published " << site.name << ": " << r.error().message << " [" << r.error().code << "]\n";
    }
  }
}

}  // namespace sw::cli
