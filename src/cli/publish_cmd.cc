// The publish subcommand (issue 5): `sitewarden publish --site N [--full]`; see commands.h.
#include <iostream>
#include <map>
#include <vector>

#include "base/log.h"
#include "cli/commands.h"
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

namespace {

int publish_now(const std::filesystem::path& config, std::int64_t site, bool full, const std::vector<std::int64_t>& articles) {
  auto report_error = [](const Error& e) {
    std::cerr << "sitewarden: " << e.message << " [" << e.code << "]\n";
    return 1;
  };
  auto p = open_platform(config);
  if (!p) return report_error(p.error());
  auto publishing = open_publishing(**p);
  if (!publishing) return report_error(publishing.error());
  const identity::Actor actor{identity::Principal::system(os_user()), "local", "cli"};
  auto r = (*publishing)->publisher->publish_site(actor, site, full ? publish::PublishMode::full
                                                                    : publish::PublishMode::incremental,
                                                    articles);
  if (!r) return report_error(r.error());
  std::cout << "published site " << r->site_id << ": release " << r->release_id << " ("
            << publish::to_string(r->mode) << "), " << r->files << " files, " << r->bytes << " bytes, "
            << r->rendered << " rendered, " << r->changed.size() << " changed, " << r->seconds << " s\n";
  for (const std::string& path : r->changed) std::cout << "  changed " << path << "\n";
  return 0;
}

}  // namespace

CommandRunner add_publish_commands(CLI::App& app) {
  struct Args {
    std::filesystem::path config = "/etc/sitewarden/sitewarden.toml";
    std::int64_t site = 0;
    bool full = false;
    std::vector<std::int64_t> articles;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("publish",
                                 "publish a site's approved articles as a signed release and make it live "
                                 "(incremental on the live release unless --full; audited as cli:<os user>)");
  cmd->add_option("--config", args->config, "config file")->capture_default_str();
  cmd->add_option("--site", args->site, "the site's id")->required()->check(CLI::PositiveNumber);
  cmd->add_flag("--full", args->full, "render every page instead of only what changed");
  cmd->add_option("--article", args->articles,
                  "an article whose state changed (repeatable): only these are compared with the live release")
      ->check(CLI::PositiveNumber);
  return [cmd, args]() -> std::optional<int> {
    if (!cmd->parsed()) return std::nullopt;
    return publish_now(args->config, args->site, args->full, args->articles);
  };
}

}  // namespace sw::cli
