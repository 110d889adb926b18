#include "console/view.h"

#include "http/message.h"

#include <map>
#include <memory>

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

// Parsed templates, per handler thread: kainjow's render() is not const, so each thread keeps its
// own; a template is parsed once per thread instead of on every request.
mustache::mustache* compiled(std::string_view name) {
  thread_local std::map<std::string, std::unique_ptr<mustache::mustache>, std::less<>> cache;
  if (auto it = cache.find(name); it != cache.end()) return it->second.get();
  const auto source = embedded_asset("templates/" + std::string(name) + ".mustache");
  if (!source) return nullptr;
  auto tmpl = std::make_unique<mustache::mustache>(std::string(*source));
  return cache.emplace(std::string(name), std::move(tmpl)).first->second.get();
}

std::string render_raw(std::string_view name, const mustache::data& data) {
  mustache::mustache* tmpl = compiled(name);
  if (!tmpl) return "<p>missing template " + escape_html(name) + "</p>";
  if (!tmpl->is_valid()) return "<p>template error in " + escape_html(name) + "</p>";
  return tmpl->render(data);
}

// The catalogue of a language as mustache data, converted once.
const mustache::data& catalogue_data(Language lang) {
  static const mustache::data zh = to_data(catalogue(Language::zh_cn));
  static const mustache::data en = to_data(catalogue(Language::en));
  return lang == Language::en ? en : zh;
}

}  // namespace

std::string escape_html(std::string_view text) { return http::escape_html(text); }

std::string render_template(std::string_view name, const nlohmann::json& data) {
  return render_raw(name, to_data(data));
}

std::string render_page(std::string_view name, const nlohmann::json& data, const nlohmann::json& page,
                        Language lang) {
  nlohmann::json body_data = data;
  body_data["lang"] = std::string(to_string(lang));
  if (page.contains("csrf") && !body_data.contains("csrf")) body_data["csrf"] = page["csrf"];
  if (page.contains("nav") && !body_data.contains("nav")) body_data["nav"] = page["nav"];
  mustache::data body = to_data(body_data);
  body.set("t", catalogue_data(lang));
  nlohmann::json layout = page;
  layout["lang"] = std::string(to_string(lang));
  mustache::data layout_data = to_data(layout);
  layout_data.set("t", catalogue_data(lang));
  layout_data.set("body", render_raw(name, body));
  return render_raw("layout", layout_data);
}

}  // namespace sw::console
