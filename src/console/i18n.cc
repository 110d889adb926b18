#include "console/i18n.h"

#include <algorithm>
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
struct Loaded {
  nlohmann::json keys = nlohmann::json::object();
  std::vector<std::string> problems;
};

// i18n/<lang>.json, then every i18n/<lang>/*.json (one file per module) in name order, merged.
Loaded load(Language l) {
  Loaded out;
  const std::string lang(to_string(l));
  std::vector<std::string> files;
  if (embedded_asset("i18n/" + lang + ".json")) files.push_back("i18n/" + lang + ".json");
  std::vector<std::string> parts;
  for (const auto& [file, content] : embedded_asset_files()) {
    if (file.starts_with("i18n/" + lang + "/") && file.ends_with(".json")) parts.emplace_back(file);
  }
  std::sort(parts.begin(), parts.end());
  files.insert(files.end(), parts.begin(), parts.end());
  for (const auto& file : files) {
    const auto parsed = nlohmann::json::parse(*embedded_asset(file), nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_object()) {
      out.problems.push_back(file + ": not a JSON object");
      continue;
    }
    for (const auto& [key, value] : parsed.items()) {
      if (out.keys.contains(key)) out.problems.push_back(file + ": duplicate key " + key);
      out.keys[key] = value;
    }
  }
  return out;
}

const Loaded& loaded(Language l) {
  static const Loaded zh = load(Language::zh_cn);
  static const Loaded en = load(Language::en);
  return l == Language::en ? en : zh;
}
}  // namespace

const nlohmann::json& catalogue(Language l) { return loaded(l).keys; }

const std::vector<std::string>& catalogue_problems(Language l) { return loaded(l).problems; }

std::string text(Language l, std::string_view key) {
  const auto& c = catalogue(l);
  auto it = c.find(std::string(key));
  if (it == c.end() || !it->is_string()) return std::string(key);
  return it->get<std::string>();
}

}  // namespace sw::console
