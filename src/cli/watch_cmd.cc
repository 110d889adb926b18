// The watch subcommands (issue 5); see commands.h.
#include "cli/commands.h"

namespace sw::cli {

CommandRunner add_watch_commands(CLI::App& /*app*/) {
  return [] { return std::optional<int>{}; };
}

}  // namespace sw::cli
