#include "console/view.h"

#include "http/message.h"

#include <kainjow/mustache.hpp>

namespace sw::console {
namespace mustache = kainjow::mustache;
namespace {

// JSON → mustache data: objects become maps, arrays lists, scalars strings; false/null/empty are
// falsy so {{#flag}} sections work.
mustache::data to_data(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      mustache::data d{mustache::data::type::object};
      for (const auto& [k, v] : j.items()) d.set(k, to_data(v));
      return d;
    }
    case nlohmann::json::value_t::array: {
      mustache::data d{mustache::data::type::list};
      for (const auto& v : j) d.push_back(to_data(v));
      return d;
    }
    case nlohmann::json::value_t::string: {
      const auto& s = j.get_ref<const std::string&>();
      return s.empty() ? mustache::data{false} : mustache::data{s};
    }
    case nlohmann::json::value_t::boolean:
      return mustache::data{j.get<bool>()};
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return mustache::data{j.dump()};
    default:
      return mustache::data{false};
  }
}

std::string render_raw(std::string_view name, const mustache::data& data) {
  const auto source = embedded_asset("templates/" + std::string(name) + ".mustache");
  if (!source) return "<p>missing template " + escape_html(name) + "</p>";
  mustache::mustache tmpl{std::string(*source)};
  if (!tmpl.is_valid()) return "<p>template error in " + escape_html(name) + "</p>";
  return tmpl.render(data);
}

}  // namespace

std::string escape_html(std::string_view text) { return http::escape_html(text); }

std::string render_template(std::string_view name, const nlohmann::json& data) {
  return render_raw(name, to_data(data));
}

std::string render_page(std::string_view name, const nlohmann::json& data, const nlohmann::json& page,
                        Language lang) {
  nlohmann::json body_data = data;
  body_data["t"] = catalogue(lang);
  body_data["lang"] = std::string(to_string(lang));
  if (page.contains("csrf") && !body_data.contains("csrf")) body_data["csrf"] = page["csrf"];
  if (page.contains("nav") && !body_data.contains("nav")) body_data["nav"] = page["nav"];
  nlohmann::json layout = page;
  layout["t"] = catalogue(lang);
  layout["lang"] = std::string(to_string(lang));
  mustache::data layout_data = to_data(layout);
  layout_data.set("body", render_raw(name, to_data(body_data)));
  return render_raw("layout", layout_data);
}

}  // namespace sw::console
