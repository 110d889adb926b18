// The [monitor] config keys (src/base/config.h MonitorConfig) as the monitor's options (issue 7).
#pragma once

#include "base/config.h"
#include "monitor/monitor_pass.h"
#include "monitor/monitor_service.h"

namespace sw::monitor {

MonitorOptions service_options_from(const MonitorConfig& c);
// Fetch timeouts, retries (back-off from 1 s), per-host caps and politeness, link bounds and cache.
// A connect_to entry that is not HOST:PORT:ADDR:PORT (ports numeric or empty) is "monitor.bad_input".
Result<PassOptions> pass_options_from(const MonitorConfig& c);
Schedule schedule_from(const MonitorConfig& c);

}  // namespace sw::monitor
