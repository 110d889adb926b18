// The watch subcommands (issue 5, N7.1); see commands.h and docs/modules/watch.md.
//
//   sitewarden mirror --config F --site N --root DIR [--file-mode 0644] [--dir-mode 0755]
//   sitewarden watch --config F [--root DIR]...
//   sitewarden watch verify --config F --root DIR        exit 0 clean, 3 tampered
#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "publish/release_store.h"
#include "watch/mirrors.h"
#include "watch/watcher.h"

namespace sw::cli {
namespace {

namespace fs = std::filesystem;
constexpr int kExitFailed = 1;
constexpr int kExitTampered = 3;

int report_error(const Error& e) {
  std::cerr << "sitewarden: " << e.message << " [" << e.code << "]\n";
  return kExitFailed;
}

// The node's ReleaseStore as the watcher's source of live releases.
class StoreReleases final : public watch::ReleaseSource {
 public:
  StoreReleases(publish::ReleaseStore& store, publish::LiveGeneration& generation)
      : store_(&store), generation_(&generation) {}
  std::uint64_t generation() override { return generation_->current(); }
  Result<std::optional<Live>> live(std::int64_t site_id) override {
    SW_TRY(info, store_->live(site_id));
    if (!info) return std::optional<Live>{};
    return std::optional<Live>(Live{info->id, info->manifest_digest});
  }
  Result<publish::Manifest> load(const crypto::Digest& digest) override {
    return store_->load_document(digest);
  }

 private:
  publish::ReleaseStore* store_;
  publish::LiveGeneration* generation_;
};

struct Node {
  std::unique_ptr<Platform> platform;
  std::unique_ptr<publish::ReleaseStore> releases;
  std::unique_ptr<publish::LiveGeneration> generation;
  std::unique_ptr<watch::Mirrors> mirrors;
};

Result<Node> open_node(const fs::path& config) {
  Node n;
  SW_TRY(p, open_platform(config));
  n.platform = std::move(p);
  Platform& pf = *n.platform;
  const auto options = publish::release_store_options(pf.config.publish, pf.data_dir());
  n.releases = std::make_unique<publish::ReleaseStore>(*pf.db, *pf.blobs, *pf.suite, pf.node_key,
                                                       pf.trusted_keys, options);
  SW_TRY(generation, publish::LiveGeneration::open(options.generation_file));
  n.generation = std::move(generation);
  n.mirrors = std::make_unique<watch::Mirrors>(*pf.db);
  return n;
}

Result<mode_t> parse_mode(const std::string& text, std::string_view what) {
  mode_t mode = 0;
  bool good = !text.empty() && text.size() <= 4;
  for (char c : text) {
    good = good && c >= '0' && c <= '7';
    mode = mode * 8 + static_cast<mode_t>(c - '0');
  }
  if (!good || (mode & 07000) != 0) {
    return fail("watch.bad_input",
                std::string(what) + " '" + text + "' is not permission bits in octal such as 0644");
  }
  return mode;
}

// The root as stored: canonical. A mirror root may not hold the node's data directory or lie inside it.
Result<std::string> canonical_root(const fs::path& root, const fs::path& data_dir, bool create) {
  std::error_code ec;
  if (create && !fs::exists(fs::symlink_status(root))) {
    fs::create_directories(root, ec);
    if (ec) return fail("watch.root_unreadable", "cannot create " + root.string() + ": " + ec.message());
  }
  if (!fs::is_directory(root, ec))
    return fail("watch.root_not_directory", root.string() + " is not a directory");
  const fs::path canonical = fs::canonical(root, ec);
  if (ec) return fail("watch.root_unreadable", root.string() + ": " + ec.message());
  const fs::path data = fs::weakly_canonical(data_dir, ec);
  auto inside = [](const fs::path& a, const fs::path& b) {  // a is b or below b
    auto [ai, bi] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
    return bi == b.end();
  };
  if (canonical == canonical.root_path() || inside(canonical, data) || inside(data, canonical)) {
    return fail("watch.bad_root", canonical.string() +
                                      " cannot be a mirror root: it is / or overlaps the data "
                                      "directory " +
                                      data.string());
  }
  return canonical.string();
}

watch::MirrorLayout empty_layout() { return watch::MirrorLayout::build({}).value(); }

int cmd_mirror(const fs::path& config, std::int64_t site, const fs::path& root_arg,
               const std::string& file_mode, const std::string& dir_mode) {
  auto node = open_node(config);
  if (!node) return report_error(node.error());
  Platform& pf = *node->platform;
  auto fmode = parse_mode(file_mode, "--file-mode");
  if (!fmode) return report_error(fmode.error());
  auto dmode = parse_mode(dir_mode, "--dir-mode");
  if (!dmode) return report_error(dmode.error());
  auto live = node->releases->live(site);
  if (!live) return report_error(live.error());
  if (!*live)
    return report_error(
        {"watch.no_live_release", "site " + std::to_string(site) + " has no live release: publish it first"});
  auto root = canonical_root(root_arg, pf.data_dir(), true);
  if (!root) return report_error(root.error());
  auto previous = node->mirrors->find(*root);
  if (!previous) return report_error(previous.error());
  if (*previous && (*previous)->site_id != site) {
    return report_error(
        {"watch.root_taken", *root + " already mirrors site " + std::to_string((*previous)->site_id)});
  }
  auto manifest = node->releases->load((*live)->id);
  if (!manifest) return report_error(manifest.error());
  auto layout = watch::MirrorLayout::build(std::move(*manifest));
  if (!layout) return report_error(layout.error());
  watch::MirrorLayout before = empty_layout();
  if (*previous) {
    if (auto old = node->releases->load_document((*previous)->manifest_digest)) {
      if (auto l = watch::MirrorLayout::build(std::move(*old))) before = std::move(*l);
    }
  }
  auto checker = watch::TreeChecker::open(*root);
  if (!checker) return report_error(checker.error());
  const watch::Modes modes{*fmode, *dmode};
  watch::Restorer restorer(checker->fd(), *pf.blobs, modes,
                           pf.data_dir() / "quarantine" / std::to_string(site));
  const watch::CheckOptions options{.modes = modes,
                                    .threads = static_cast<unsigned>(pf.config.watch.verify_threads)};
  auto report = watch::sync_to_release(*checker, restorer, *layout, before, options);
  if (!report) return report_error(report.error());
  watch::Mirror m{.site_id = site,
                  .root = *root,
                  .release_id = (*live)->id,
                  .manifest_digest = (*live)->manifest_digest,
                  .modes = modes,
                  .created_by = "cli:" + os_user()};
  if (auto r = node->mirrors->record(m); !r) return report_error(r.error());
  std::size_t failed = 0;
  std::vector<audit::Event> events;
  for (const auto& [d, repair] : report->tampers) {
    if (!repair) failed++;
    // A root already registered was guarded: what is foreign there now is tampering.
    if (*previous) events.push_back(watch::tamper_event(m, d, repair));
  }
  events.push_back(audit::Event{.actor = "cli:" + os_user(),
                                .actor_role = "local",
                                .site_id = site,
                                .action = "watch.mirror",
                                .object = "mirror:" + *root,
                                .outcome = failed ? audit::Outcome::failure : audit::Outcome::success,
                                .details = {{"root", *root},
                                            {"release", (*live)->id},
                                            {"files", layout->manifest().entries.size()},
                                            {"updated", report->updated},
                                            {"removed", report->removed},
                                            {"repaired_or_quarantined", report->tampers.size()}}});
  if (auto a = pf.audit->append_all(std::move(events)); !a) return report_error(a.error());
  std::cout << "Mirrored release " << (*live)->id << " of site " << site << " into " << *root << ": "
            << layout->manifest().entries.size() << " files (" << report->updated << " written, "
            << report->removed << " removed, " << report->tampers.size()
            << " foreign or changed items put right";
  if (report->tampers.size())
    std::cout << ", foreign ones kept in " << (pf.data_dir() / "quarantine" / std::to_string(site)).string();
  std::cout << ")\n";
  for (const auto& [d, repair] : report->tampers) {
    if (!repair) std::cerr << "sitewarden: " << d.path << ": " << repair.error().message << "\n";
  }
  return failed ? kExitFailed : 0;
}

std::string describe(const watch::Difference& d) {
  std::string out = std::string(watch::to_string(d.change)) + "\t" + d.path;
  const auto& f = d.found;
  if (d.expected)
    out +=
        "\texpected " + d.expected->digest.to_string() + " (" + std::to_string(d.expected->size) + " bytes)";
  if (d.expected_directory) out += "\texpected a directory";
  out += "\tfound " + std::string(watch::to_string(f.type));
  if (f.type != watch::FileType::none) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", f.mode);
    out += std::string(" mode ") + mode;
  }
  if (f.type == watch::FileType::file) out += " " + std::to_string(f.size) + " bytes";
  if (f.digest) out += " " + f.digest->to_string();
  if (!f.link_target.empty()) out += " -> " + f.link_target;
  if (!d.renamed_to.empty()) out += " (now at " + d.renamed_to + ")";
  return out;
}

int cmd_verify(const fs::path& config, const fs::path& root_arg) {
  auto node = open_node(config);
  if (!node) return report_error(node.error());
  Platform& pf = *node->platform;
  auto root = canonical_root(root_arg, pf.data_dir(), false);
  if (!root) return report_error(root.error());
  auto mirror = node->mirrors->find(*root);
  if (!mirror) return report_error(mirror.error());
  if (!*mirror) {
    return report_error(
        {"watch.root_not_registered", *root + " is not a registered mirror (sitewarden mirror --root ...)"});
  }
  auto manifest = node->releases->load_document((*mirror)->manifest_digest);
  if (!manifest) return report_error(manifest.error());
  auto layout = watch::MirrorLayout::build(std::move(*manifest));
  if (!layout) return report_error(layout.error());
  auto checker = watch::TreeChecker::open(*root);
  if (!checker) return report_error(checker.error());
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  auto diffs = checker->verify_all(*layout, {.modes = (*mirror)->modes, .threads = threads});
  if (!diffs) return report_error(diffs.error());
  for (const auto& d : *diffs) std::cout << describe(d) << "\n";
  const auto files = layout->manifest().entries.size();
  if (diffs->empty()) {
    std::cout << *root << ": intact — " << files << " files of release " << (*mirror)->release_id
              << " re-hashed, nothing else present\n";
    return 0;
  }
  std::cout << *root << ": TAMPERED — " << diffs->size() << " difference(s) from release "
            << (*mirror)->release_id << " (" << files << " files)\n";
  return kExitTampered;
}

int cmd_watch(const fs::path& config, const std::vector<fs::path>& roots) {
  // Blocked before any thread starts (the audit log's writer among them), so sigwait below gets them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto node = open_node(config);
  if (!node) return report_error(node.error());
  Platform& pf = *node->platform;
  auto all = node->mirrors->list();
  if (!all) return report_error(all.error());
  std::vector<watch::Mirror> chosen;
  for (const auto& r : roots) {
    auto root = canonical_root(r, pf.data_dir(), false);
    if (!root) return report_error(root.error());
    auto it = std::find_if(all->begin(), all->end(), [&](const watch::Mirror& m) { return m.root == *root; });
    if (it == all->end()) {
      return report_error({"watch.root_not_registered",
                           *root + " is not a registered mirror (sitewarden mirror --root ...)"});
    }
    chosen.push_back(*it);
  }
  if (roots.empty()) chosen = *all;
  if (chosen.empty())
    return report_error({"watch.no_mirrors", "no mirror is registered: run sitewarden mirror first"});
  StoreReleases source(*node->releases, *node->generation);
  const auto& c = pf.config.watch;
  watch::WatcherOptions options{.quarantine_dir = pf.data_dir() / "quarantine",
                                .debounce = std::chrono::milliseconds(c.debounce_milliseconds),
                                .max_delay = std::chrono::milliseconds(c.max_delay_milliseconds),
                                .full_verify_interval = std::chrono::seconds(c.full_verify_interval_seconds),
                                .verify_threads = static_cast<unsigned>(c.verify_threads)};
  auto watcher = watch::Watcher::open(chosen, source, *pf.blobs, *pf.audit, node->mirrors.get(), options);
  if (!watcher) return report_error(watcher.error());

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    (*watcher)->stop();
  });
  for (const auto& m : chosen)
    std::cout << "watching " << m.root << " (site " << m.site_id << ", release " << m.release_id << ")\n";
  std::cout << "Stop with Ctrl-C." << std::endl;
  auto status = (*watcher)->run();
  pthread_kill(waiter.native_handle(), SIGTERM);  // run() ended on its own: release the waiter
  waiter.join();
  const auto s = (*watcher)->stats();
  std::cout << "stopped: " << s.tampers << " tamper(s) restored or quarantined, " << s.full_verifications
            << " full verification(s), " << s.release_switches << " release switch(es)\n";
  if (!status) return report_error(status.error());
  return 0;
}

}  // namespace

CommandRunner add_watch_commands(CLI::App& app) {
  struct Args {
    fs::path config;
    std::int64_t site = 0;
    fs::path root;
    std::vector<fs::path> roots;
    std::string file_mode = "0644";
    std::string dir_mode = "0755";
  };
  auto args = std::make_shared<Args>();
  auto* mirror =
      app.add_subcommand("mirror", "write a site's live release into a web root served by another server");
  mirror->add_option("--config", args->config, "config file")->required();
  mirror->add_option("--site", args->site, "site id")->required();
  mirror->add_option("--root", args->root, "the web root (created if absent)")->required();
  mirror->add_option("--file-mode", args->file_mode, "permission bits of files (octal)");
  mirror->add_option("--dir-mode", args->dir_mode, "permission bits of directories (octal)");
  auto* watch =
      app.add_subcommand("watch", "guard mirror web roots: detect and restore tampering until stopped");
  watch->add_option("--config", args->config, "config file (required)");
  watch->add_option("--root", args->roots, "a registered mirror root (default: all)");
  auto* verify =
      watch->add_subcommand("verify", "re-hash a mirror root and list every difference (exit 3: tampered)");
  verify->add_option("--config", args->config, "config file")->required();
  verify->add_option("--root", args->root, "a registered mirror root")->required();
  watch->require_subcommand(0, 1);
  return [args, mirror, watch, verify]() -> std::optional<int> {
    if (mirror->parsed())
      return cmd_mirror(args->config, args->site, args->root, args->file_mode, args->dir_mode);
    if (verify->parsed()) return cmd_verify(args->config, args->root);
    if (watch->parsed()) {
      if (args->config.empty()) {
        std::cerr << "sitewarden: watch: --config is required\n";
        return 2;
      }
      return cmd_watch(args->config, args->roots);
    }
    return std::nullopt;
  };
}

}  // namespace sw::cli
