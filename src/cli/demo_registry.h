// Demo data of the registry details (issue 4): responsible people, training, graded protection,
// providers, re-review dates and an enabled feature for the demo sites (called by seed_demo).
#pragma once

#include <cstdint>

#include "cli/platform.h"

namespace sw::cli {

// Gives 江苏工会网 (`js_site`) and 南京工会网 (`nj_site`) — both live — their register fields,
// responsible people (南京 lacks 应用管理), training (one person overdue), graded protection (江苏
// level 3, 南京 level 2) with rectification items, a provider each (江苏's not yet reviewed), re-review
// history (南京's overdue), and the `interaction` feature enabled on 江苏工会网 after a passed
// assessment (N4.1). Needs the demo users (nj-admin) to exist.
Status seed_registry_details(Platform& p, const identity::Actor& actor, std::int64_t js_site, std::int64_t nj_site);

}  // namespace sw::cli
