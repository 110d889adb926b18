// `sitewarden monitor dns show|accept` (issue 7, N7.2; docs/monitoring.md "DNS"): declared under the
// `monitor` subcommand by add_monitor_commands (monitor_cmd.cc). See monitor_dns_cmd.cc.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace sw::cli {

CommandRunner add_monitor_dns_commands(CLI::App& monitor);

}  // namespace sw::cli
