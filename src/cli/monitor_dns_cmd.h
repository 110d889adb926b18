// `sitewarden monitor dns show|accept` (issue 7, N7.2; docs/monitoring.md "DNS"): declared under the
// `monitor` subcommand by add_monitor_commands (monitor_cmd.cc). See monitor_dns_cmd.cc.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace sw::cli {

CommandRunner add_monitor_dns_commands(CLI::App& monitor);

struct Platform;
// The monitor commands that name a site (dns, fingerprint, allow, disallow) check it is in the
// register first, so an unknown id is an error naming it ("monitor.not_found": "site N is not in the
// register"), never an empty answer nor a bare "forbidden".
Status require_registered_site(Platform& platform, std::int64_t site_id);

}  // namespace sw::cli
