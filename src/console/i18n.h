// Message catalogues (zh-CN default, en): all text people read in the console lives in
// assets/i18n/<lang>.json and assets/i18n/<lang>/<module>.json (merged), never in C++ (STYLE.md).
// Both catalogues carry the same keys and no key is defined twice; a test checks it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace sw::console {

enum class Language { zh_cn, en };
std::string_view to_string(Language l);             // "zh-CN" | "en"
Language parse_language(std::string_view text, Language fallback);  // unknown text: fallback

// The catalogue of a language (loaded once from the embedded assets).
const nlohmann::json& catalogue(Language l);
// What went wrong loading a catalogue: a file that is not a JSON object, a key defined twice.
const std::vector<std::string>& catalogue_problems(Language l);
// One message; a missing key yields the key itself (visible in review, never a crash).
std::string text(Language l, std::string_view key);

// The embedded file under assets/ (templates/…, i18n/…, static/…), generated at build time.
std::optional<std::string_view> embedded_asset(std::string_view name);

}  // namespace sw::console
