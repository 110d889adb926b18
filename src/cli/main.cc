// sitewarden: the one binary. Subcommands: init, serve, demo-seed, user add/reset/lock/unlock,
// audit verify/export, config check, scan, version. Exit codes: 0 ok, 1 the operation failed (message on
// stderr names what and why), 2 bad command line, 3 audit verification found tampering.
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <stop_token>
#include <thread>

#include <CLI/CLI.hpp>

#include "base/atomic_file.h"
#include "base/log.h"
#include "cli/commands.h"
#include "cli/publishing.h"
#include "cli/demo.h"
#include "cli/platform.h"
#include "cli/scan.h"
#include "content/interaction.h"
#include "console/console.h"
#include "http/router.h"
#include "http/server.h"
#include "monitor/monitor_config.h"
#include "monitor/monitor_service.h"
#include "waf/site_settings_store.h"
#include "waf/waf_config.h"

namespace {

using namespace sw;
namespace fs = std::filesystem;

constexpr int kExitFailed = 1;
constexpr int kExitTampered = 3;
constexpr std::string_view kVersion = "0.1.0";

int report(const Error& e) {
  std::cerr << "sitewarden: " << e.message << " [" << e.code << "]\n";
  return kExitFailed;
}

// The demo logins, as printed at seeding and again by `serve` on a demo node (kept in demo.txt).
std::string demo_logins_text(const std::vector<cli::DemoLogin>& logins) {
  std::string text = "Demo logins (password for all: " + std::string(cli::kDemoPassword) +
                     "; each account changes it and enrols a one-time-code app at first login):\n";
  for (const auto& l : logins) text += "  " + l.username + "  — " + l.role + "\n";
  return text;
}

void print_demo_logins(const cli::Platform& p, const std::vector<cli::DemoLogin>& logins) {
  const std::string text = demo_logins_text(logins);
  std::cout << "\n" << text;
  if (auto r = write_file_atomic(p.data_dir() / "demo.txt", text); !r) report(r.error());
}

int cmd_init(const fs::path& data_dir, const std::string& suite_name, bool demo) {
  auto suite = crypto::parse_suite_id(suite_name);
  if (!suite) return report(suite.error());
  if (auto r = cli::init_data_dir(data_dir, *suite); !r) return report(r.error());
  std::cout << "Initialised node in " << data_dir.string() << " (crypto suite " << suite_name << ")\n";
  auto p = cli::open_platform(data_dir / "sitewarden.toml");
  if (!p) return report(p.error());
  if (demo) {
    auto logins = cli::seed_demo(**p);
    if (!logins) return report(logins.error());
    std::cout << "Seeded the demo province (江苏省总工会, 13 city federations, counties, sites).\n";
    cli::publish_demo_sites(**p);  // issue 5: the demo sites go live for the guard (publish_cmd.cc)
    print_demo_logins(**p, *logins);
  }
  return 0;
}

int cmd_demo_seed(const fs::path& config) {
  auto p = cli::open_platform(config);
  if (!p) return report(p.error());
  auto logins = cli::seed_demo(**p);
  if (!logins) return report(logins.error());
  cli::publish_demo_sites(**p);
  print_demo_logins(**p, *logins);
  return 0;
}

http::ServerOptions server_options(const Config& c) {
  http::ServerOptions o;
  http::ListenerOptions l;
  l.name = "console";
  l.address = c.console.listen;
  l.port = static_cast<std::uint16_t>(c.console.port);
  if (!c.console.tls_cert.empty()) {
    http::TlsOptions tls;
    tls.certificate_file = c.console.tls_cert;
    tls.private_key_file = c.console.tls_key;
    if (!c.console.client_ca.empty()) {
      tls.client_cert_mode = http::ClientCertMode::optional;
      tls.client_ca_file = c.console.client_ca;
    }
    l.tls = tls;
  }
  o.listeners.push_back(l);
  o.limits.max_header_bytes = static_cast<std::size_t>(c.http.max_header_bytes);
  o.limits.max_body_bytes = static_cast<std::size_t>(c.http.max_body_bytes);
  // Attachment uploads (issue 4) take bodies up to the largest default attachment policy plus the
  // multipart framing; the upload bodies being read at once are bounded (http::Limits::upload_routes).
  constexpr std::size_t kUploadBodyBytes = content::AttachmentPolicy::kDefaultMaxBytes + (std::size_t{1} << 20);
  o.limits.upload_routes = {{"/articles/*/attachments", kUploadBodyBytes},
                            {"/api/v1/articles/*/attachments", kUploadBodyBytes}};
  o.limits.max_upload_bytes_in_flight = std::size_t{256} << 20;
  o.limits.max_uri_bytes = static_cast<std::size_t>(c.http.max_uri_bytes);
  o.limits.header_read_timeout = std::chrono::seconds(c.http.header_read_timeout_seconds);
  o.limits.body_read_timeout = std::chrono::seconds(c.http.body_read_timeout_seconds);
  o.limits.keep_alive_idle_timeout = std::chrono::seconds(c.http.keep_alive_timeout_seconds);
  o.limits.max_connections = static_cast<std::size_t>(c.http.max_connections);
  o.handler_threads = static_cast<std::size_t>(c.console.handler_threads);
  return o;
}

int cmd_serve(const fs::path& config) {
  auto p = cli::open_platform(config);
  if (!p) return report(p.error());
  cli::Platform& pf = **p;
  console::ConsoleOptions co;
  co.default_language = console::parse_language(pf.config.console.language, console::Language::zh_cn);
  co.hsts = !pf.config.console.tls_cert.empty();
  co.secure_cookies = true;
  co.audit_trusted_keys = pf.trusted_keys;
  // Public messages and forum posts (N4.3, N4.5): the console's moderation queue (/interaction).
  auto interaction = pf.scanner ? content::InteractionService::open(*pf.db, *pf.audit, *pf.scanner, system_clock(),
                                                                  cli::interaction_options_from(pf.config))
                                : nullptr;
  // Publishing (issue 5): /sites/{id}/releases and the incremental publish after a content action.
  auto publishing = cli::open_publishing(pf);
  if (!publishing) return report(publishing.error());
  // The WAF page and the monitor pages (issues 6, 7) each read and write on a connection of their own.
  auto waf_db = store::Database::open(pf.data_dir() / "sitewarden.db");
  if (!waf_db) return report(waf_db.error());
  auto monitor_db = store::Database::open(pf.data_dir() / "sitewarden.db");
  if (!monitor_db) return report(monitor_db.error());
  auto waf_options = waf::waf_options_from(pf.config.waf, pf.config.guard, pf.data_dir());
  if (!waf_options) return report(waf_options.error());
  waf::SiteSettingsStore waf_settings(**waf_db, *pf.audit, system_clock());
  monitor::MonitorService monitors(**monitor_db, *pf.audit, monitor::service_options_from(pf.config.monitor));
  console::Console::Services services{pf.registry.get(), pf.content.get(), interaction.get(),
                                      (*publishing)->publisher.get()};
  services.waf_settings = &waf_settings;
  services.waf_defaults = waf_options->defaults;
  services.waf_event_log = waf_options->event_log;
  services.monitor = &monitors;
  console::Console console(*pf.identity, *pf.audit, std::move(services), co);
  http::Router router;
  console.install(router);
  http::Server server(server_options(pf.config), std::move(router));
  server.add_filter(console.security_headers_filter());

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before the server's threads start

  // The content scheduler (定时发布/下线): run_due every 30 s as the machine operator, stopped with the
  // server (docs/modules/content.md "Scheduled publication and withdrawal").
  std::jthread scheduler([&pf, &publishing](std::stop_token stop) {
    const identity::Actor machine{identity::Principal::system("scheduler"), "", "scheduler"};
    std::mutex m;
    std::condition_variable_any wake;
    while (!stop.stop_requested()) {
      if (!pf.content) return;
      if (auto run = pf.content->run_due(machine, system_clock().now()); !run) {
        log::error("content.scheduler_failed", {{"error", run.error().to_string()}});
      } else if (!run->done.empty()) {
        cli::publish_after_schedule(pf, **publishing, run->done);  // the sites they touched, incrementally
      }
      cli::run_blob_gc_if_due(pf);  // [publish] blob_gc = "daily" (issue 5 housekeeping)
      std::unique_lock lock(m);
      wake.wait_for(lock, stop, std::chrono::seconds(30), [] { return false; });
    }
  });

  if (auto r = server.start(); !r) return report(r.error());
  auto stop_guard = cli::start_guard_in_serve(pf);  // the public guard beside the console (issue 5)
  if (!stop_guard) {
    server.stop();
    server.wait();
    return report(stop_guard.error());
  }
  auto stop_monitor = cli::start_monitor_in_serve(pf);  // the probes on their schedules (issue 7)
  if (!stop_monitor) {
    (*stop_guard)();
    server.stop();
    server.wait();
    return report(stop_monitor.error());
  }
  const std::string scheme = pf.config.console.tls_cert.empty() ? "http" : "https";
  const std::string url = !pf.config.console.public_url.empty()
                              ? pf.config.console.public_url
                              : scheme + "://" + pf.config.console.listen + ":" + std::to_string(server.port(0)) + "/";
  log::info("console.listening", {{"url", url}});
  std::cout << "sitewarden console: " << url << "\n";
  if (auto demo = read_file(pf.data_dir() / "demo.txt", 64 * 1024)) std::cout << *demo;
  std::cout << "Stop with Ctrl-C." << std::endl;
  int sig = 0;
  sigwait(&signals, &sig);
  log::info("console.stopping", {{"signal", sig}});
  scheduler.request_stop();
  scheduler.join();
  (*stop_monitor)();
  (*stop_guard)();
  server.stop();
  server.wait();
  return 0;
}

std::string read_password_from_stdin() {
  std::string line;
  std::getline(std::cin, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

identity::Actor cli_actor() { return {identity::Principal::system(cli::os_user()), "local", "cli"}; }

int cmd_user(const std::string& action, const fs::path& config, const identity::NewUser& nu) {
  auto p = cli::open_platform(config);
  if (!p) return report(p.error());
  auto& id = *(*p)->identity;
  const auto actor = cli_actor();
  if (action == "add") {
    identity::NewUser u = nu;
    u.initial_password = read_password_from_stdin();
    auto user = id.create_user(actor, u);
    if (!user) return report(user.error());
    std::cout << "created user " << user->username << " (id " << user->id << "); password change due at first login\n";
    return 0;
  }
  auto user = id.find_user(actor.principal, nu.username);
  if (!user) return report(user.error());
  Status r;
  if (action == "reset") {
    r = id.reset_password(actor, user->id, read_password_from_stdin());
  } else if (action == "lock") {
    r = id.lock_user(actor, user->id, "locked from the command line", std::nullopt);
  } else {
    r = id.unlock_user(actor, user->id);
  }
  if (!r) return report(r.error());
  std::cout << action << ": " << user->username << " done\n";
  return 0;
}

int cmd_audit_verify(const fs::path& config) {
  auto p = cli::load_node(config);
  if (!p) return report(p.error());
  auto report_v = audit::verify_database((*p)->data_dir() / "sitewarden.db", (*p)->trusted_keys);
  if (!report_v) return report(report_v.error());
  if (!report_v->ok) {
    std::cout << "audit log TAMPERED: first bad seq " << report_v->first_bad_seq.value_or(0) << ": "
              << report_v->problem << "\n";
    return kExitTampered;
  }
  std::cout << "audit log intact: " << report_v->events_checked << " events, " << report_v->checkpoints_checked
            << " signed checkpoints verified\n";
  return 0;
}

int cmd_audit_export(const fs::path& config, const std::string& from, const std::string& to, const fs::path& out) {
  auto f = parse_rfc3339(from.size() == 10 ? from + "T00:00:00Z" : from);
  if (!f) return report(f.error());
  auto t = parse_rfc3339(to.size() == 10 ? to + "T23:59:59.999999Z" : to);
  if (!t) return report(t.error());
  auto p = cli::open_platform(config);
  if (!p) return report(p.error());
  if (auto r = (*p)->audit->export_jsonl(*f, *t, out); !r) return report(r.error());
  audit::Event ev{"cli:" + cli::os_user(), "", {}, {}, "audit.export", out.string(), audit::Outcome::success,
                  "local", "cli", {{"from", from}, {"to", to}}};
  (void)(*p)->audit->append(ev);
  std::cout << "exported to " << out.string() << "\n";
  return 0;
}

int cmd_audit_verify_export(const fs::path& file, const std::string& key_text, const fs::path& config) {
  std::vector<crypto::PublicKey> keys;
  if (!key_text.empty()) {
    auto key = crypto::PublicKey::parse(key_text);
    if (!key) return report(key.error());
    keys.push_back(*key);
  } else {
    auto p = cli::load_node(config);
    if (!p) return report(p.error());
    keys = (*p)->trusted_keys;
  }
  Error last{"audit.no_key", "no trusted key"};
  for (const auto& key : keys) {
    auto r = audit::verify_export(file, key);
    if (!r) return report(r.error());
    if (r->ok) {
      std::cout << file.string() << ": intact, " << r->events_checked << " events, signed by " << key.algorithm
                << " node key\n";
      return 0;
    }
    last = Error{"audit.tampered", "seq " + std::to_string(r->first_bad_seq.value_or(0)) + ": " + r->problem};
  }
  std::cout << file.string() << ": TAMPERED: " << last.message << "\n";
  return kExitTampered;
}

int cmd_node_key(const fs::path& config) {
  auto p = cli::load_node(config);
  if (!p) return report(p.error());
  std::cout << (*p)->node_key.public_key.to_string() << "\n";
  return 0;
}

int cmd_config_check(const fs::path& config) {
  auto c = load_config(config);
  if (!c) return report(c.error());
  std::cout << config.string() << ": ok\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sitewarden — run and protect a province's union websites"};
  app.require_subcommand(1);
  std::string default_config = "/etc/sitewarden/sitewarden.toml";

  auto* init = app.add_subcommand("init", "create a node's data directory, keys, config and database");
  fs::path init_dir;
  std::string suite = "gm";
  bool demo = false;
  init->add_option("--data-dir", init_dir, "the data directory to create")->required();
  init->add_option("--suite", suite, "crypto suite: gm (SM2/SM3/SM4) or intl")->check(CLI::IsMember({"gm", "intl"}));
  init->add_flag("--demo", demo, "seed the demo province");

  fs::path config = default_config;
  auto* serve = app.add_subcommand("serve", "serve the console (foreground; stop with SIGINT/SIGTERM)");
  serve->add_option("--config", config, "config file")->capture_default_str();

  auto* seed = app.add_subcommand("demo-seed", "seed the demo province into an empty node");
  seed->add_option("--config", config, "config file")->capture_default_str();

  auto* user = app.add_subcommand("user", "manage accounts from the machine (audited as cli:<os user>)");
  user->require_subcommand(1);
  identity::NewUser nu;
  std::string user_action;
  for (const char* name : {"add", "reset", "lock", "unlock"}) {
    auto* sub = user->add_subcommand(name, std::string(name) + " a user" +
                                               (std::string(name) == "add" || std::string(name) == "reset"
                                                    ? " (password read from standard input)"
                                                    : ""));
    sub->add_option("--config", config, "config file")->capture_default_str();
    sub->add_option("--username", nu.username, "user name")->required();
    if (std::string(name) == "add") {
      sub->add_option("--real-name", nu.real_name, "real name")->required();
      sub->add_option("--org-id", nu.org_id, "organisation id")->required();
      sub->add_option("--phone", nu.phone, "phone (13800000000 or 025-12345678)");
      sub->add_option("--email", nu.email, "e-mail");
    }
    sub->callback([&user_action, name] { user_action = name; });
  }

  auto* audit_cmd = app.add_subcommand("audit", "verify or export the audit log");
  audit_cmd->require_subcommand(1);
  auto* verify = audit_cmd->add_subcommand("verify", "walk the whole log; exit 3 and name the first bad seq on tampering");
  verify->add_option("--config", config, "config file")->capture_default_str();
  auto* exp = audit_cmd->add_subcommand("export", "write a signed JSON Lines file that verifies offline");
  std::string from, to;
  fs::path out;
  exp->add_option("--config", config, "config file")->capture_default_str();
  exp->add_option("--from", from, "first day (YYYY-MM-DD) or RFC 3339 time")->required();
  exp->add_option("--to", to, "last day (YYYY-MM-DD) or RFC 3339 time")->required();
  exp->add_option("--out", out, "output file")->required();

  auto* vexp = audit_cmd->add_subcommand("verify-export", "verify an exported file offline; exit 3 if tampered");
  fs::path export_file;
  std::string public_key;
  vexp->add_option("--file", export_file, "the exported JSON Lines file")->required();
  vexp->add_option("--public-key", public_key, "the node's public key (from `sitewarden audit node-key`)");
  vexp->add_option("--config", config, "config file (its node keys are trusted when --public-key is absent)")
      ->capture_default_str();
  auto* node_key = audit_cmd->add_subcommand("node-key", "print the node's public key for offline verification");
  node_key->add_option("--config", config, "config file")->capture_default_str();

  auto* cfg = app.add_subcommand("config", "check a config file");
  auto* check = cfg->add_subcommand("check", "validate every key");
  check->add_option("--config", config, "config file")->capture_default_str();
  cfg->require_subcommand(1);

  auto* scan = app.add_subcommand(
      "scan", "scan files or directories for secret markings, sensitive content and personal data (exit 10-13 by "
              "highest severity: low..critical; 4 some file could not be scanned)");
  cli::ScanArgs scan_args;
  scan->add_option("paths", scan_args.paths, "files or directories")->required();
  scan->add_option("--lexicon", scan_args.lexicons, "a lexicon file (TOML or plain list) added to the starter set");
  scan->add_option("--protected", scan_args.protected_names,
                   "a protected-names file: near misses of these names are serious wording errors");
  scan->add_flag("--no-builtin", scan_args.no_builtin, "do not use the shipped starter lexicons");
  scan->add_flag("--json", scan_args.json, "print JSON instead of a table");
  scan->add_option("--min-severity", scan_args.min_severity, "list findings at or above: info, low, medium, high, critical")
      ->capture_default_str();
  scan->add_option("--jobs", scan_args.jobs, "files scanned at once (default: one per core)");
  scan->add_option("--max-file-mb", scan_args.max_file_mb, "largest file read, in MiB")->capture_default_str()
      ->check(CLI::Range(1, 4096));
  bool no_progress = false;
  scan->add_flag("--no-progress", no_progress, "no progress bar on standard error");

  // issue 5's modules: releases, publishing, the guard, mirrors and their watcher (cli/commands.h)
  const cli::CommandRunner module_commands[] = {cli::add_release_commands(app), cli::add_publish_commands(app),
                                                cli::add_guard_commands(app), cli::add_watch_commands(app),
                                                cli::add_store_commands(app),
                                                cli::add_monitor_commands(app),
                                                cli::add_waf_commands(app)};

  app.add_subcommand("version", "print the version");

  CLI11_PARSE(app, argc, argv);

  if (init->parsed()) return cmd_init(init_dir, suite, demo);
  if (serve->parsed()) return cmd_serve(config);
  if (seed->parsed()) return cmd_demo_seed(config);
  if (user->parsed()) return cmd_user(user_action, config, nu);
  if (verify->parsed()) return cmd_audit_verify(config);
  if (exp->parsed()) return cmd_audit_export(config, from, to, out);
  if (vexp->parsed()) return cmd_audit_verify_export(export_file, public_key, config);
  if (node_key->parsed()) return cmd_node_key(config);
  if (check->parsed()) return cmd_config_check(config);
  if (scan->parsed()) {
    scan_args.progress = !no_progress;
    return cli::run_scan(scan_args);
  }
  for (const auto& run : module_commands)
    if (const auto code = run()) return *code;
  std::cout << "sitewarden " << kVersion << "\n";
  return 0;
}
