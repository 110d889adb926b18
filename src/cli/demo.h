// The demo province (`sitewarden init --demo`, `sitewarden demo-seed`): the Jiangsu provincial
// federation, its 13 city federations, some county/district federations, industry unions and
// directly affiliated units, demo sites, and a user for every role.
#pragma once

#include <string>
#include <vector>

#include "cli/platform.h"

namespace sw::cli {

struct DemoLogin {
  std::string username;
  std::string role;  // what the account is for, in words
};

// The one password every demo account starts with (each must change it at first login).
inline constexpr std::string_view kDemoPassword = "Su-Gonghui#2026";

// Seeds the demo into an empty node (no users yet); refuses otherwise ("identity.already_initialised").
Result<std::vector<DemoLogin>> seed_demo(Platform& p);

}  // namespace sw::cli
