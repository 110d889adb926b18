// The guard subcommands (issue 5; docs/modules/guard.md); see commands.h.
//
//   sitewarden guard --config F    a guard-only node: serves the live releases until SIGINT/SIGTERM;
//                                  at start it recovers the release store as serve does (the temp
//                                  files a killed publish left, older than the stale-temp age, removed;
//                                  the live generation bumped)
//   sitewarden serve               starts the same guard beside the console ([guard] enabled)
//
// Tamper incidents (N7.1) become audit events "guard.tamper" (site, release, path, expected and
// actual digest, whether a good copy was served after the refetch).
#include <signal.h>

#include <iostream>

#include "base/log.h"
#include "cli/commands.h"
#include "guard/guard.h"
#include "guard/limits.h"
#include "guard/store_source.h"
#include "publish/release_store.h"
#include "waf/waf_config.h"

namespace sw::cli {
namespace {

// Everything a running guard holds; destroyed in reverse order after the guard has stopped.
struct GuardNode {
  std::unique_ptr<store::Database> db;  // the guard's own connection (ReleaseStore is per thread)
  std::unique_ptr<publish::ReleaseStore> releases;
  std::unique_ptr<publish::LiveGeneration> generation;
  std::unique_ptr<guard::StoreReleaseSource> source;
  std::unique_ptr<waf::FollowedWaf> waf;  // [waf] enabled: the first filter of every public request
  std::unique_ptr<guard::Guard> guard;
  ~GuardNode() {
    if (guard) {
      guard->stop();
      guard->wait();
    }
  }
};

guard::Guard::TamperSink audit_tamper(audit::AuditLog* audit) {
  return [audit](const guard::TamperReport& r) {
    audit::Event e;
    e.actor = "system";
    e.site_id = r.site_id;
    e.action = "guard.tamper";
    e.object = "release:" + std::to_string(r.release_id);
    e.outcome = audit::Outcome::failure;
    e.details = {{"path", r.path},
                 {"expected", r.expected.to_string()},
                 {"actual", r.actual},
                 {"served_after_refetch", r.served_after_refetch}};
    (void)audit->append_async(std::move(e));  // never blocks a disk thread on the commit
  };
}

// `recover`: a guard-only node runs ReleaseStore::recover() first (serve has done so in
// open_publishing already).
Result<std::unique_ptr<GuardNode>> start_guard(Platform& p, bool recover) {
  auto n = std::make_unique<GuardNode>();
  SW_TRY(db, store::Database::open(p.data_dir() / "sitewarden.db"));
  n->db = std::move(db);
  const auto options = publish::release_store_options(p.config.publish, p.data_dir());
  n->releases = std::make_unique<publish::ReleaseStore>(*n->db, *p.blobs, *p.suite, p.node_key, p.trusted_keys,
                                                        options);
  if (recover) {
    SW_CHECK(n->releases->recover());
    log::info("guard.recovered", {{"stale_temp_age_seconds", options.stale_temp_age.count()}});
  }
  SW_TRY(generation, publish::LiveGeneration::open(options.generation_file));
  n->generation = std::move(generation);
  n->source = std::make_unique<guard::StoreReleaseSource>(*n->releases, *p.blobs, n->generation.get());
  auto guard_options = guard::guard_options_from(p.config.guard, p.data_dir());
  if (p.config.limits.enabled) {
    // Issue 6, N7.3 防瘫痪: rate limits, bans and overload mode run before the WAF, so a flood never
    // costs CRS time; the overload mode also watches the guard's event-loop lag.
    SW_TRY(limits_options, guard::limits_options_from(p.config.limits));
    SW_TRY(limits, guard::LimitsFilter::create(std::move(limits_options)));
    guard_options.filters.push_back(limits);
    guard_options.loop_lag = [limits](std::chrono::milliseconds lag) { limits->note_loop_lag(lag); };
  }
  if (p.config.waf.enabled) {
    // Issue 6, N7.3: ModSecurity + OWASP CRS inspects every public request before it is answered; the
    // per-site settings (`sitewarden waf set`) are followed at the guard's reload interval.
    SW_TRY(waf_options, waf::waf_options_from(p.config.waf, p.config.guard, p.data_dir()));
    SW_TRY(followed, waf::FollowedWaf::start(std::move(waf_options), p.data_dir() / "sitewarden.db", *p.audit,
                                             std::chrono::seconds(p.config.guard.reload_interval_seconds)));
    n->waf = std::move(followed);
    guard_options.filters.push_back(n->waf->waf());
    log::info("waf.enabled", {{"crs_dir", p.config.waf.crs_dir}, {"paranoia", p.config.waf.paranoia},
                              {"mode", p.config.waf.mode}});
  }
  n->guard = std::make_unique<guard::Guard>(std::move(guard_options), *n->source, audit_tamper(p.audit.get()));
  if (auto s = n->guard->start(); !s) {
    n->guard.reset();
    return std::unexpected(s.error());
  }
  return n;
}

void print_listeners(const Platform& p, const guard::Guard& g) {
  const auto& c = p.config.guard;
  std::cout << "sitewarden guard: http://" << c.listen << ":" << g.port() << "/";
  if (g.tls_port()) std::cout << " and https://" << c.listen << ":" << g.tls_port() << "/";
  std::cout << " (metrics http://" << c.admin_listen << ":" << g.admin_port() << "/metrics)" << std::endl;
  log::info("guard.listening", {{"port", g.port()}, {"tls_port", g.tls_port()}, {"admin_port", g.admin_port()}});
}

int run_guard_node(const std::string& config) {
  auto p = open_platform(config);
  if (!p) {
    std::cerr << "error: " << p.error().to_string() << "\n";
    return 1;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before the guard's threads start
  auto node = start_guard(**p, /*recover=*/true);
  if (!node) {
    std::cerr << "error: " << node.error().to_string() << "\n";
    return 1;
  }
  print_listeners(**p, *(*node)->guard);
  int sig = 0;
  sigwait(&signals, &sig);
  log::info("guard.stopping", {{"signal", sig}});
  node->reset();
  return 0;
}

}  // namespace

CommandRunner add_guard_commands(CLI::App& app) {
  auto* cmd = app.add_subcommand("guard", "serve the live releases only (a guard-only node)");
  auto config = std::make_shared<std::string>();
  cmd->add_option("--config", *config, "sitewarden.toml")->required();
  return [cmd, config]() -> std::optional<int> {
    if (!cmd->parsed()) return std::nullopt;
    return run_guard_node(*config);
  };
}

Result<std::function<void()>> start_guard_in_serve(Platform& platform) {
  if (!platform.config.guard.enabled) return std::function<void()>([] {});
  auto node = start_guard(platform, /*recover=*/false);
  if (!node) {
    // The console still starts when the guard's port is taken (another node on this machine, a test
    // running beside a demo); the operator sees why the public side is missing.
    if (node.error().code != "guard.bind") return std::unexpected(node.error());
    std::cerr << "warning: the guard did not start: " << node.error().message << "\n";
    log::error("guard.not_started", {{"error", node.error().to_string()}});
    return std::function<void()>([] {});
  }
  print_listeners(platform, *(*node)->guard);
  auto shared = std::shared_ptr<GuardNode>(std::move(*node));
  return std::function<void()>([shared]() mutable { shared.reset(); });
}

}  // namespace sw::cli
