// The guard subcommands (issue 5); see commands.h.
#include "cli/commands.h"

namespace sw::cli {

CommandRunner add_guard_commands(CLI::App& /*app*/) {
  return [] { return std::optional<int>{}; };
}

Result<std::function<void()>> start_guard_in_serve(Platform& /*platform*/) {
  return std::function<void()>([] {});
}

}  // namespace sw::cli
