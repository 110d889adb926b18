// The release subcommands (issue 5; docs/modules/publish.md "Releases"); see commands.h.
//
//   sitewarden release list --site N                         the site's releases, newest first
//   sitewarden release show --id R                           one release: its files, sizes, digests
//   sitewarden release history --site N                      every switch of the live release, newest first
//   sitewarden release rollback --site N --to R --reason T   make release R live again (audited)
//   sitewarden release verify --site N                       re-hash every blob of the live release
//
// Exit codes: 0 ok; 1 the operation failed or was refused (stderr names what and why, with the error
// code); 2 bad command line; 3 `verify` found the live release damaged (its manifest or a file does
// not match; the first bad path is named).
#include <iostream>

#include "cli/commands.h"
#include "publish/release_store.h"

namespace sw::cli {
namespace {

namespace fs = std::filesystem;

constexpr int kExitFailed = 1;
constexpr int kExitDamaged = 3;
constexpr std::string_view kRollbackAction = "publish.rollback";  // the console's rollback writes the same

int failed(const Error& e) {
  std::cerr << "sitewarden: " << e.message << " [" << e.code << "]\n";
  return kExitFailed;
}

// The platform and a ReleaseStore over it (the node key signs, every suite's public key is trusted).
struct ReleaseNode {
  std::unique_ptr<Platform> platform;
  std::unique_ptr<publish::ReleaseStore> releases;
};

Result<ReleaseNode> open_releases(const fs::path& config) {
  SW_TRY(platform, open_platform(config));
  const auto options = publish::release_store_options(platform->config.publish, platform->data_dir());
  auto releases = std::make_unique<publish::ReleaseStore>(*platform->db, *platform->blobs, *platform->suite,
                                                          platform->node_key, platform->trusted_keys, options);
  return ReleaseNode{std::move(platform), std::move(releases)};
}

std::string status_of(const publish::ReleaseInfo& r) {
  if (r.live) return "live";
  return r.pruned ? "pruned " + r.pruned_at : "kept";
}

int cmd_list(const fs::path& config, std::int64_t site) {
  auto node = open_releases(config);
  if (!node) return failed(node.error());
  auto list = node->releases->list(site);
  if (!list) return failed(list.error());
  if (list->empty()) {
    std::cout << "site " << site << " has no releases\n";
    return 0;
  }
  std::cout << "id\tcreated_at\tkind\tfiles\tbytes\tcreated_by\tstatus\n";
  for (const auto& r : *list)
    std::cout << r.id << '\t' << r.created_at << '\t' << r.kind << '\t' << r.files << '\t' << r.bytes << '\t'
              << r.created_by << '\t' << status_of(r) << '\n';
  return 0;
}

// kind: publish (a new release), rollback (to an older release), rollforward (to a newer one).
int cmd_history(const fs::path& config, std::int64_t site) {
  auto node = open_releases(config);
  if (!node) return failed(node.error());
  auto history = node->releases->history(site);
  if (!history) return failed(history.error());
  if (history->empty()) {
    std::cout << "site " << site << " has no release switches\n";
    return 0;
  }
  std::cout << "switched_at\tkind\tfrom\tto\tswitched_by\treason\n";
  for (const auto& h : *history)
    std::cout << h.switched_at << '\t' << h.kind << '\t' << (h.from_release ? std::to_string(*h.from_release) : "-")
              << '\t' << h.to_release << '\t' << h.switched_by << '\t' << h.reason << '\n';
  return 0;
}

int cmd_show(const fs::path& config, std::int64_t id) {
  auto node = open_releases(config);
  if (!node) return failed(node.error());
  auto info = node->releases->get(id);
  if (!info) return failed(info.error());
  auto manifest = node->releases->load(id);  // signature and document hash verified
  if (!manifest) return failed(manifest.error());
  std::cout << "release " << info->id << " of site " << info->site_id << " (" << info->kind << ", "
            << status_of(*info) << "), created " << info->created_at << " by " << info->created_by << "\n"
            << "manifest " << info->manifest_digest.to_string() << (manifest->base.empty() ? "" : ", built on ")
            << manifest->base << "\n"
            << info->files << " files, " << info->bytes << " bytes\n"
            << "path\tsize\ttype\tdigest\tgzip\tbrotli\n";
  for (const auto& e : manifest->entries)
    std::cout << e.path << '\t' << e.size << '\t' << e.content_type << '\t' << e.digest.to_string() << '\t'
              << (e.gzip ? std::to_string(e.gzip->size) : "-") << '\t'
              << (e.brotli ? std::to_string(e.brotli->size) : "-") << '\n';
  return 0;
}

// N8.4: every rollback, done or refused, is an audit event naming who, which release and why; a
// done one also names its direction ("rollback" to an older release, "rollforward" to a newer one).
int cmd_rollback(const fs::path& config, std::int64_t site, std::int64_t to, const std::string& reason) {
  auto node = open_releases(config);
  if (!node) return failed(node.error());
  const std::string actor = "cli:" + os_user();
  auto before = node->releases->live(site);
  Status switched = node->releases->switch_live(site, to, actor, reason);
  audit::Event event;
  event.actor = actor;
  event.site_id = site;
  event.action = std::string(kRollbackAction);
  event.object = "release:" + std::to_string(to);
  event.outcome = switched ? audit::Outcome::success : audit::Outcome::failure;
  event.details = {{"reason", reason}, {"to_release", to}};
  if (before && *before) event.details["from_release"] = (*before)->id;
  if (!switched) event.details["error"] = switched.error().code;
  if (switched) {
    if (auto history = node->releases->history(site); history && !history->empty())
      event.details["direction"] = history->front().kind;
  }
  if (auto logged = node->platform->audit->append(event); !logged) return failed(logged.error());
  if (!switched) return failed(switched.error());
  std::cout << "site " << site << ": release " << to << " is live";
  if (before && *before) std::cout << " (was " << (*before)->id << ")";
  std::cout << "\n";
  return 0;
}

int cmd_verify(const fs::path& config, std::int64_t site) {
  auto node = open_releases(config);
  if (!node) return failed(node.error());
  auto live = node->releases->live(site);
  if (!live) return failed(live.error());
  if (!*live) return failed(Error{"publish.no_live_release", "site " + std::to_string(site) + " has no live release"});
  const std::int64_t id = (*live)->id;
  const std::string what = "release " + std::to_string(id) + " of site " + std::to_string(site);
  auto manifest = node->releases->load(id);
  if (!manifest) {
    std::cout << what << " DAMAGED: its manifest: " << manifest.error().message << " [" << manifest.error().code << "]\n";
    return kExitDamaged;
  }
  std::uint64_t bytes = 0;
  for (const auto& e : manifest->entries) {
    const auto check = [&](const crypto::Digest& d, std::string_view form) -> bool {
      Status s = node->platform->blobs->verify(d);
      if (s) return true;
      std::cout << what << " DAMAGED: " << e.path << " (" << form << "): " << s.error().message << " ["
                << s.error().code << "]\n";
      return false;
    };
    if (!check(e.digest, "identity")) return kExitDamaged;
    if (e.gzip && !check(e.gzip->digest, "gzip")) return kExitDamaged;
    if (e.brotli && !check(e.brotli->digest, "brotli")) return kExitDamaged;
    bytes += e.size + (e.gzip ? e.gzip->size : 0) + (e.brotli ? e.brotli->size : 0);
  }
  std::cout << what << " intact: manifest signature verified, " << manifest->entries.size() << " files ("
            << bytes << " bytes with variants) re-hashed\n";
  return 0;
}

}  // namespace

CommandRunner add_release_commands(CLI::App& app) {
  struct Args {
    fs::path config = "/etc/sitewarden/sitewarden.toml";
    std::int64_t site = 0;
    std::int64_t id = 0;
    std::int64_t to = 0;
    std::string reason;
  };
  auto args = std::make_shared<Args>();
  auto* release = app.add_subcommand("release", "list, show, roll back and verify a site's signed releases");
  release->require_subcommand(1);
  const auto config_option = [&](CLI::App* sub) {
    sub->add_option("--config", args->config, "config file")->capture_default_str();
  };
  auto* list = release->add_subcommand("list", "a site's releases, newest first");
  config_option(list);
  list->add_option("--site", args->site, "site id")->required()->check(CLI::PositiveNumber);
  auto* show = release->add_subcommand("show", "one release's files (paths, sizes, types, digests)");
  config_option(show);
  show->add_option("--id", args->id, "release id")->required()->check(CLI::PositiveNumber);
  auto* history = release->add_subcommand("history", "every switch of a site's live release, newest first");
  config_option(history);
  history->add_option("--site", args->site, "site id")->required()->check(CLI::PositiveNumber);
  auto* rollback = release->add_subcommand("rollback", "make an earlier kept release live again (audited)");
  config_option(rollback);
  rollback->add_option("--site", args->site, "site id")->required()->check(CLI::PositiveNumber);
  rollback->add_option("--to", args->to, "the release to make live")->required()->check(CLI::PositiveNumber);
  rollback->add_option("--reason", args->reason, "why (recorded in the switch history and the audit log)")->required();
  auto* verify = release->add_subcommand("verify", "re-hash every file of the live release; exit 3 naming the first bad path");
  config_option(verify);
  verify->add_option("--site", args->site, "site id")->required()->check(CLI::PositiveNumber);

  return [=]() -> std::optional<int> {
    if (list->parsed()) return cmd_list(args->config, args->site);
    if (show->parsed()) return cmd_show(args->config, args->id);
    if (history->parsed()) return cmd_history(args->config, args->site);
    if (rollback->parsed()) return cmd_rollback(args->config, args->site, args->to, args->reason);
    if (verify->parsed()) return cmd_verify(args->config, args->site);
    return std::nullopt;
  };
}

}  // namespace sw::cli
