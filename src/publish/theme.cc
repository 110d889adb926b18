#include "publish/theme.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace sw::publish {

// The embedded files of src/publish/themes/default (generated at build time).
std::vector<std::pair<std::string_view, std::string_view>> default_theme_files();

namespace {
constexpr std::string_view kTemplateSuffix = ".mustache";
constexpr std::string_view kTemplateNames[] = {"layout", "home", "column", "article", "sitemap", "sitemap_index", "feed",
                                               "site.css"};

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
}  // namespace

Status check_colour(std::string_view colour) {
  const bool good = colour.size() == 7 && colour[0] == '#' &&
                    std::all_of(colour.begin() + 1, colour.end(), [](char c) { return is_hex(c); });
  if (good) return ok();
  std::string shown(colour.substr(0, 32));
  return fail("publish.bad_colour", "primary colour \"" + shown + "\" is not of the form #rrggbb");
}

Result<std::unique_ptr<Theme>> Theme::load_default() {
  std::unique_ptr<Theme> theme(new Theme);
  std::string all;
  for (const auto& [name, content] : default_theme_files()) {
    all.append(name).append(1, '\0').append(content).append(1, '\0');
    if (name.ends_with(kTemplateSuffix)) {
      std::string key(name.substr(0, name.size() - kTemplateSuffix.size()));
      auto tmpl = std::make_unique<mustache::mustache>(std::string(content));
      if (!tmpl->is_valid()) {
        return fail("publish.theme_invalid", "template " + std::string(name) + ": " + tmpl->error_message());
      }
      theme->templates_.emplace(std::move(key), std::move(tmpl));
    } else {
      theme->files_.emplace(std::string(name), std::string(content));
    }
  }
  for (std::string_view name : kTemplateNames) {
    if (!theme->templates_.contains(name)) {
      return fail("publish.theme_invalid", "the theme has no template " + std::string(name) + ".mustache");
    }
  }
  auto messages = theme->files_.find("messages.json");
  if (messages == theme->files_.end()) return fail("publish.theme_invalid", "the theme has no messages.json");
  const auto catalogue = nlohmann::json::parse(messages->second, nullptr, false);
  if (!catalogue.is_object()) return fail("publish.theme_invalid", "messages.json is not a JSON object");
  for (const auto& [key, value] : catalogue.items()) {
    if (!value.is_string()) return fail("publish.theme_invalid", "messages.json: \"" + key + "\" is not a string");
    theme->messages_.emplace(key, value.get<std::string>());
    theme->catalogue_.set(key, value.get<std::string>());
  }
  theme->fingerprint_ = crypto::suite(crypto::SuiteId::intl).hash(all).to_string();
  return theme;
}

std::string Theme::render(std::string_view name, mustache::data data) {
  auto it = templates_.find(name);
  if (it == templates_.end()) return {};
  data.set("t", catalogue_);
  return it->second->render(data);
}

std::optional<std::string_view> Theme::file(std::string_view name) const {
  auto it = files_.find(name);
  if (it == files_.end()) return std::nullopt;
  return std::string_view(it->second);
}

std::string Theme::text(std::string_view key) const {
  auto it = messages_.find(key);
  return it == messages_.end() ? std::string(key) : it->second;
}

}  // namespace sw::publish
