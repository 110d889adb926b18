#include "console/i18n.h"

#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace sw::console {

std::string_view to_string(Language l) { return l == Language::en ? "en" : "zh-CN"; }

Language parse_language(std::string_view text, Language fallback) {
  if (text == "en" || text.starts_with("en-")) return Language::en;
  if (text == "zh-CN" || text == "zh" || text.starts_with("zh-")) return Language::zh_cn;
  return fallback;
}

// Generated at build time from src/console/assets (cmake/embed_files.cmake).
std::vector<std::pair<std::string_view, std::string_view>> embedded_asset_files();

std::optional<std::string_view> embedded_asset(std::string_view name) {
  static const std::map<std::string_view, std::string_view> assets = [] {
    std::map<std::string_view, std::string_view> m;
    for (const auto& [file, content] : embedded_asset_files()) m.emplace(file, content);
    return m;
  }();
  const auto it = assets.find(name);
  if (it == assets.end()) return std::nullopt;
  return it->second;
}

namespace {
nlohmann::json load(Language l) {
  const auto raw = embedded_asset("i18n/" + std::string(to_string(l)) + ".json");
  if (!raw) return nlohmann::json::object();
  return nlohmann::json::parse(*raw, nullptr, /*allow_exceptions=*/false);
}
}  // namespace

const nlohmann::json& catalogue(Language l) {
  static const nlohmann::json zh = load(Language::zh_cn);
  static const nlohmann::json en = load(Language::en);
  return l == Language::en ? en : zh;
}

std::string text(Language l, std::string_view key) {
  const auto& c = catalogue(l);
  auto it = c.find(std::string(key));
  if (it == c.end() || !it->is_string()) return std::string(key);
  return it->get<std::string>();
}

}  // namespace sw::console
