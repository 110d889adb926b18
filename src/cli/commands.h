// Subcommands contributed by the modules of issue 5 (release, publish, guard, mirror/watch), each in
// its own file so that main.cc stays a list. add_*_commands() declares the subcommands on `app`
// before parsing and returns a runner that main calls after parsing: the exit code if one of its
// subcommands was parsed, nullopt otherwise.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>

#include "base/result.h"
#include "cli/platform.h"

namespace sw::cli {

using CommandRunner = std::function<std::optional<int>()>;

CommandRunner add_release_commands(CLI::App& app);  // release_cmd.cc: release list|show|rollback|verify
CommandRunner add_publish_commands(CLI::App& app);  // publish_cmd.cc: publish
CommandRunner add_guard_commands(CLI::App& app);    // guard_cmd.cc: guard (a guard-only node)
CommandRunner add_watch_commands(CLI::App& app);    // watch_cmd.cc: mirror, watch, watch verify
CommandRunner add_store_commands(CLI::App& app);    // store_cmd.cc: store gc (blob garbage collection)
CommandRunner add_monitor_commands(CLI::App& app);  // monitor_cmd.cc: monitor run|findings|allow (issue 7)
CommandRunner add_waf_commands(CLI::App& app);      // waf_cmd.cc: waf show|set|exclude|reset|events (issue 6)

// `serve` starts the guard beside the console (guard_cmd.cc). Returns the function that stops it
// (called once, before the console stops); prints the guard's listeners.
Result<std::function<void()>> start_guard_in_serve(Platform& platform);

// `serve`'s scheduler calls this every pass: with [publish] blob_gc = "daily", a blob garbage
// collection (audited "store.gc") when the last one is a day old (<data_dir>/run/blob-gc-last; a node
// with none recorded starts counting at its first pass, so the first run is a day after the first
// start); failures are logged and audited, never thrown (store_cmd.cc).
void run_blob_gc_if_due(Platform& platform);

// `serve` runs the monitor's probes on their schedules ([monitor], monitor_cmd.cc) on a thread of its
// own. Returns the function that stops it (a pass under way finishes its current fetches first).
Result<std::function<void()>> start_monitor_in_serve(Platform& platform);

}  // namespace sw::cli
