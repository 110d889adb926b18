// View: renders a page from an embedded mustache template inside the layout (kainjow mustache with
// HTML escaping on: every {{value}} is escaped; only the layout's {{{body}}} takes pre-rendered HTML).
// Templates hold no logic beyond sections and loops (STYLE.md).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "console/i18n.h"

namespace sw::console {

// Renders templates/<name>.mustache with `data` (+ "t": the catalogue, "lang") and wraps it in the
// layout with `page` (title, user, nav, csrf, notice, error). Unknown template: a plain error page.
std::string render_page(std::string_view name, const nlohmann::json& data, const nlohmann::json& page,
                        Language lang);

// Renders one template without the layout (tests).
std::string render_template(std::string_view name, const nlohmann::json& data);

// HTML-escapes text the way the templates do (&, <, >, ", ').
std::string escape_html(std::string_view text);

}  // namespace sw::console
