// The guard subcommands (issue 5; docs/modules/guard.md); see commands.h.
//
//   sitewarden guard --config F    a guard-only node: serves the live releases until SIGINT/SIGTERM;
//                                  at start it recovers the release store as serve does (the temp
//                                  files a killed publish left, older than the stale-temp age, removed;
//                                  the live generation bumped)
//   sitewarden serve               starts the same guard beside the console ([guard] enabled)
//   sitewarden guard overload on|off|auto --config F [--admin-port N]
//                                  the overload switch of the running guard (issue 6): POST
//                                  /overload?mode=… to its admin listener ([guard] admin_listen and
//                                  admin_port, or --admin-port when the config lets the kernel pick);
//                                  audited "guard.overload" (actor cli:<os user>, outcome, answer)
//
// Tamper incidents (N7.1) become audit events "guard.tamper" (site, release, path, expected and
// actual digest, whether a good copy was served after the refetch).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
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

// One request to the guard's admin listener (loopback: the config refuses anything else), the whole
// answer read until the guard closes; every step bounded by 5 s.
Result<std::string> admin_request(const std::string& listen, std::uint16_t port, const std::string& request) {
  const std::string address = listen == "localhost" ? "127.0.0.1" : listen;
  sockaddr_storage to{};
  socklen_t to_len = 0;
  if (auto* v4 = reinterpret_cast<sockaddr_in*>(&to); inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    to_len = sizeof(sockaddr_in);
  } else if (auto* v6 = reinterpret_cast<sockaddr_in6*>(&to); inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    to_len = sizeof(sockaddr_in6);
  } else {
    return fail("guard.admin_address", "[guard] admin_listen '" + listen + "' is not a loopback address");
  }
  const int fd = ::socket(to.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail("guard.admin_unreachable", std::string("socket: ") + std::strerror(errno));
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  std::string answer;
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&to), to_len) == 0 &&
            ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size());
  const std::string why = ok ? "" : std::strerror(errno);
  for (char buf[4096]; ok && answer.size() < 65536;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    answer.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (!ok || answer.empty()) {
    return fail("guard.admin_unreachable", "no answer from the guard's admin listener " + address + ":" +
                                               std::to_string(port) + (why.empty() ? "" : " (" + why + ")") +
                                               ": is the guard running?");
  }
  return answer;
}

int run_overload(const std::string& config, const std::string& mode, int admin_port) {
  if (!guard::parse_overload_mode(mode)) {
    std::cerr << "error: the overload mode must be on, off or auto (not '" << mode << "')\n";
    return 2;
  }
  auto p = open_platform(config);
  if (!p) {
    std::cerr << "error: " << p.error().to_string() << "\n";
    return 1;
  }
  const auto& g = (*p)->config.guard;
  const int port = admin_port > 0 ? admin_port : static_cast<int>(g.admin_port);
  if (port <= 0 || port > 65535) {
    std::cerr << "error: [guard] admin_port is 0 (the kernel picks it): give the running guard's --admin-port\n";
    return 2;
  }
  auto answer = admin_request(g.admin_listen, static_cast<std::uint16_t>(port),
                              "POST /overload?mode=" + mode + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Content-Length: 0\r\nConnection: close\r\n\r\n");
  int status = 0;
  std::string body;
  if (answer && answer->size() > 12 && answer->starts_with("HTTP/1.1 ")) {
    status = std::atoi(answer->c_str() + 9);
    if (const auto end = answer->find("\r\n\r\n"); end != std::string::npos) body = answer->substr(end + 4);
  }
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
  audit::Event e;
  e.actor = "cli:" + os_user();
  e.action = "guard.overload";
  e.object = "guard:" + std::to_string(port);
  e.outcome = status == 200 ? audit::Outcome::success : audit::Outcome::failure;
  e.details = {{"mode", mode}, {"status", status},
               {"answer", answer ? body.substr(0, 200) : answer.error().to_string()}};
  const auto logged = (*p)->audit->append(e);
  if (!answer) {
    std::cerr << "error: " << answer.error().to_string() << "\n";
    return 1;
  }
  if (status != 200) {
    std::cerr << "error: the guard answered " << status
              << (status == 404 ? " ([limits] enabled = false: there is no overload mode to switch)" : "") << "\n";
    return 1;
  }
  std::cout << body << "\n";
  if (!logged) {
    std::cerr << "error: switched, but the audit event was not written: " << logged.error().to_string() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

CommandRunner add_guard_commands(CLI::App& app) {
  auto* cmd = app.add_subcommand("guard", "serve the live releases only (a guard-only node)");
  auto config = std::make_shared<std::string>();
  cmd->add_option("--config", *config, "sitewarden.toml");
  auto* overload = cmd->add_subcommand("overload", "switch the running guard's overload mode: on, off or auto (audited)");
  auto mode = std::make_shared<std::string>();
  auto overload_config = std::make_shared<std::string>();
  auto admin_port = std::make_shared<int>(0);
  overload->add_option("mode", *mode, "on | off | auto")->required();
  overload->add_option("--config", *overload_config, "sitewarden.toml")->required();
  overload->add_option("--admin-port", *admin_port, "the guard's admin port when [guard] admin_port is 0");
  return [cmd, config, overload, mode, overload_config, admin_port]() -> std::optional<int> {
    if (!cmd->parsed()) return std::nullopt;
    if (overload->parsed()) return run_overload(*overload_config, *mode, *admin_port);
    if (config->empty()) {
      std::cerr << "error: sitewarden guard needs --config sitewarden.toml\n";
      return 2;
    }
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
