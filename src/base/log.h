// Structured JSON logs (spdlog underneath): one JSON object per line with time, level, event and
// fields. Secrets never reach a log: fields whose key names a secret (password, secret, token,
// totp, otp, cookie, authorization, session, key, csrf) are replaced by "[redacted]" at any depth.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace sw::log {

enum class Level { debug, info, warn, error };
Result<Level> parse_level(std::string_view name);

// Sends logs to stderr (no file) or appends to `file`. Safe to call again (replaces the sink).
Status init(Level min_level, const std::optional<std::filesystem::path>& file = std::nullopt);

// Writes {"time":..., "level":..., "event": event, ...fields}. Thread-safe.
void write(Level level, std::string_view event, const nlohmann::json& fields = nlohmann::json::object());
inline void debug(std::string_view e, const nlohmann::json& f = nlohmann::json::object()) { write(Level::debug, e, f); }
inline void info(std::string_view e, const nlohmann::json& f = nlohmann::json::object()) { write(Level::info, e, f); }
inline void warn(std::string_view e, const nlohmann::json& f = nlohmann::json::object()) { write(Level::warn, e, f); }
inline void error(std::string_view e, const nlohmann::json& f = nlohmann::json::object()) { write(Level::error, e, f); }

// The redaction applied to every record, exposed for tests.
nlohmann::json redact(const nlohmann::json& fields);

}  // namespace sw::log
