// The publish subcommand (issue 5): `sitewarden publish --site N [--full]`; see commands.h.
#include <iostream>
#include <vector>

#include "cli/commands.h"
#include "cli/publishing.h"

namespace sw::cli {

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
