// The release subcommands (issue 5); see commands.h.
#include "cli/commands.h"

namespace sw::cli {

CommandRunner add_release_commands(CLI::App& /*app*/) {
  return [] { return std::optional<int>{}; };
}

}  // namespace sw::cli
