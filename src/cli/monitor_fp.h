// The fingerprint parts of `sitewarden monitor` (issue 7, N5.3/N7.1; monitor_fp_cmd.cc):
//   sitewarden monitor fingerprint accept --config F --site N
//       makes the site's fingerprints of the last fingerprint pass the accepted ones (audited
//       "monitor.fingerprint_accept"); its fingerprint.changed findings resolve at the next pass.
// and the wiring of a pass's fingerprint options to this node's data: the live releases of hosted
// sites (publish's ReleaseStore) and the fingerprint store, both over `db`.
#pragma once

#include <memory>

#include "base/result.h"
#include "cli/commands.h"
#include "cli/platform.h"
#include "monitor/monitor_pass.h"

namespace sw::cli {

// Adds `fingerprint accept` under the `monitor` command; the runner answers when it was chosen.
CommandRunner add_monitor_fp_commands(CLI::App& monitor);

// Sets options.fingerprint.live_release and .store over `db` (which must outlive the options' use;
// the objects made are owned by the options).
Status wire_fingerprint_probe(Platform& platform, store::Database& db, monitor::PassOptions& options);

}  // namespace sw::cli
