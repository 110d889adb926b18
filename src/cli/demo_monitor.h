// Demo data for the WAF and monitor pages (`sitewarden init --demo`): a few WAF events in the event log
// and a few monitor findings, an incident with its timeline and link-check passes with dead links, so
// that /sites/{id}/waf and /monitor are not empty in `make demo`. Every item is marked as demo data
// (request ids "demo-…", evidence {"demo": "演示数据"}, runs started by "demo-seed").
#pragma once

#include <cstdint>

#include "cli/platform.h"

namespace sw::cli {

Status seed_demo_monitoring(Platform& p, std::int64_t province_site, std::int64_t nanjing_site);

}  // namespace sw::cli
