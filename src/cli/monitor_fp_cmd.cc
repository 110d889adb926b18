// `sitewarden monitor fingerprint accept` and the fingerprint probe's wiring (monitor_fp.h).
#include <iostream>

#include "cli/monitor_dns_cmd.h"
#include "cli/monitor_fp.h"
#include "monitor/fingerprint_store.h"
#include "publish/release_store.h"

namespace sw::cli {
namespace {

namespace fs = std::filesystem;

int accept_fingerprint(const fs::path& config, std::int64_t site) {
  auto pf = open_platform(config);
  if (!pf) {
    std::cerr << "sitewarden: " << pf.error().message << " [" << pf.error().code << "]\n";
    return 2;
  }
  Platform& p = **pf;
  if (auto known = require_registered_site(p, site); !known) {
    std::cerr << "sitewarden: " << known.error().message << " [" << known.error().code << "]\n";
    return 2;
  }
  monitor::FingerprintStore store(*p.db, *p.audit);
  const identity::Actor actor{identity::Principal::system(os_user()), "local", "cli"};
  auto n = store.accept(actor, site);
  if (!n) {
    std::cerr << "sitewarden: " << n.error().message << " [" << n.error().code << "]\n";
    return 2;
  }
  std::cout << "site " << site << ": accepted the fingerprints of " << *n
            << " pages; changes are measured from them from the next pass\n";
  return 0;
}

}  // namespace

CommandRunner add_monitor_fp_commands(CLI::App& monitor) {
  struct Args {
    fs::path config;
    std::int64_t site = 0;
  };
  auto args = std::make_shared<Args>();
  auto* fp = monitor.add_subcommand("fingerprint", "external sites' page fingerprints (N5.3)");
  auto* accept = fp->add_subcommand("accept", "accept the site's pages as they are now (after checking them)");
  accept->add_option("--config", args->config, "config file")->required();
  accept->add_option("--site", args->site, "site id")->required();
  fp->require_subcommand(1);
  return [args, accept]() -> std::optional<int> {
    if (accept->parsed()) return accept_fingerprint(args->config, args->site);
    return std::nullopt;
  };
}

Status wire_fingerprint_probe(Platform& platform, store::Database& db, monitor::PassOptions& options) {
  options.fingerprint.store = std::make_shared<monitor::FingerprintStore>(db, *platform.audit);
  auto releases = std::make_shared<publish::ReleaseStore>(db, *platform.blobs, *platform.suite, platform.node_key,
                                                           platform.trusted_keys, publish::ReleaseStore::Options{});
  store::BlobStore* blobs = platform.blobs.get();
  options.fingerprint.live_release =
      [releases, blobs](std::int64_t site_id) -> Result<std::optional<monitor::LiveRelease>> {
    SW_TRY(live, releases->live(site_id));
    if (!live) return std::optional<monitor::LiveRelease>();
    SW_TRY(manifest, releases->load(live->id));
    monitor::LiveRelease out;
    out.release_id = live->id;
    for (const publish::ManifestEntry& e : manifest.entries) out.pages[e.path] = {e.digest.to_string(), e.size};
    out.bytes = [blobs](const std::string& digest) -> Result<std::string> {
      SW_TRY(d, crypto::Digest::parse(digest));
      return blobs->get(d);
    };
    return std::optional<monitor::LiveRelease>(std::move(out));
  };
  return ok();
}

}  // namespace sw::cli
