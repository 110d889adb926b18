// The store subcommands (issue 5 housekeeping; docs/modules/publish.md "Retention and blob garbage
// collection"); see commands.h.
//
//   sitewarden store gc [--dry-run] --config F   remove the blobs nothing names (older than the grace)
//
// Exit codes: 0 done (the figures on stdout, foreign files listed); 1 refused or failed (stderr names
// what and why with the error code; nothing was removed when the mark was incomplete); 2 bad command
// line. Every run, done or refused, is the audit event "store.gc" with its figures (N8.4).
#include <iostream>

#include "base/atomic_file.h"
#include "base/clock.h"
#include "base/log.h"
#include "cli/commands.h"
#include "publish/blob_gc.h"

namespace sw::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kGcAction = "store.gc";
constexpr auto kDailyInterval = std::chrono::hours(24);

fs::path last_run_file(const Platform& p) { return p.data_dir() / "run" / "blob-gc-last"; }

// One collection over its own database connection (serve's scheduler runs beside the console's
// threads), audited as `actor`.
Result<publish::BlobGcReport> collect(Platform& p, const std::string& actor, bool dry_run) {
  publish::BlobGcOptions options;
  options.grace = std::chrono::seconds(p.config.publish.blob_gc_grace_seconds);
  options.dry_run = dry_run;
  auto report = [&]() -> Result<publish::BlobGcReport> {
    SW_TRY(db, store::Database::open(p.data_dir() / "sitewarden.db"));
    return publish::collect_blob_garbage(*db, *p.blobs, p.trusted_keys, options);
  }();
  audit::Event event;
  event.actor = actor;
  event.action = std::string(kGcAction);
  event.object = "blobs";
  event.outcome = report ? audit::Outcome::success : audit::Outcome::failure;
  event.details = report ? publish::blob_gc_details(*report)
                         : nlohmann::json{{"dry_run", dry_run}, {"error", report.error().code}};
  SW_CHECK(p.audit->append(std::move(event)));
  return report;
}

int cmd_gc(const fs::path& config, bool dry_run) {
  const auto failed = [](const Error& e) {
    std::cerr << "sitewarden: " << e.message << " [" << e.code << "]\n";
    return 1;
  };
  auto p = open_platform(config);
  if (!p) return failed(p.error());
  auto report = collect(**p, "cli:" + os_user(), dry_run);
  if (!report) return failed(report.error());
  const auto& s = report->sweep;
  std::cout << (dry_run ? "store gc (dry run, nothing removed): " : "store gc: ") << s.blobs << " blobs, "
            << report->referenced << " digests referenced, " << s.removed << (dry_run ? " would be removed (" : " removed (")
            << s.removed_bytes << " bytes freed), " << s.kept_young << " unreferenced kept within the grace of "
            << (*p)->config.publish.blob_gc_grace_seconds << " s, " << s.temp_files << " temp files, "
            << s.foreign_count << " foreign entries left alone\n";
  for (const std::string& path : s.foreign) std::cout << "  foreign (not a blob, left alone): " << path << "\n";
  if (s.foreign_count > s.foreign.size())
    std::cout << "  ... and " << s.foreign_count - s.foreign.size() << " more foreign entries\n";
  return 0;
}

}  // namespace

CommandRunner add_store_commands(CLI::App& app) {
  struct Args {
    fs::path config = "/etc/sitewarden/sitewarden.toml";
    bool dry_run = false;
  };
  auto args = std::make_shared<Args>();
  auto* store = app.add_subcommand("store", "housekeeping of the node's blob store");
  store->require_subcommand(1);
  auto* gc = store->add_subcommand("gc",
                                   "remove the blobs no kept release, mirror, site look or attachment names "
                                   "(older than [publish] blob_gc_grace_seconds; audited)");
  gc->add_option("--config", args->config, "config file")->capture_default_str();
  gc->add_flag("--dry-run", args->dry_run, "report what would be removed; remove nothing");
  return [gc, args]() -> std::optional<int> {
    if (!gc->parsed()) return std::nullopt;
    return cmd_gc(args->config, args->dry_run);
  };
}

void run_blob_gc_if_due(Platform& p) {
  if (p.config.publish.blob_gc != "daily") return;
  const fs::path stamp = last_run_file(p);
  std::error_code ec;
  fs::create_directory(stamp.parent_path(), ec);  // run/ (0700) is made by the live generation already
  const auto last = fs::last_write_time(stamp, ec);
  if (!ec && fs::file_time_type::clock::now() - last < kDailyInterval) return;
  const bool first = static_cast<bool>(ec);  // no run recorded: start counting the day now
  // Stamped before the run, so a collection that fails is not retried every 30 s (it is logged and
  // audited; the next try is a day later or at `sitewarden store gc`).
  if (auto stamped = write_file_atomic(stamp, format_rfc3339(system_clock().now()) + "\n"); !stamped) {
    log::error("store.gc_failed", {{"error", stamped.error().to_string()}});
    return;
  }
  if (first) return;
  auto report = collect(p, "scheduler", false);
  if (!report) {
    log::error("store.gc_failed", {{"error", report.error().to_string()}});
    return;
  }
  log::info("store.gc", publish::blob_gc_details(*report));
}

}  // namespace sw::cli
