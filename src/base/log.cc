#include "base/log.h"

#include <array>
#include <cctype>
#include <memory>
#include <mutex>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "base/clock.h"

namespace sw::log {
namespace {

// Any key containing one of these words (case-insensitive) has its value replaced.
constexpr std::array<std::string_view, 10> kSecretWords = {"password", "secret", "token",  "totp", "otp",
                                                           "cookie",   "authorization", "session", "key", "csrf"};
constexpr std::string_view kRedacted = "[redacted]";

bool names_a_secret(std::string_view key) {
  std::string lower(key);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (auto word : kSecretWords) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

struct State {
  std::mutex mu;
  std::shared_ptr<spdlog::logger> logger;
  Level min_level = Level::info;
};

State& state() {
  static State s;
  return s;
}

std::shared_ptr<spdlog::logger> make_stderr_logger() {
  auto logger = std::make_shared<spdlog::logger>("sitewarden", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("%v");
  return logger;
}

std::string_view level_name(Level level) {
  switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

}  // namespace

Result<Level> parse_level(std::string_view name) {
  for (Level l : {Level::debug, Level::info, Level::warn, Level::error}) {
    if (name == level_name(l)) return l;
  }
  return fail("log.bad_level", "unknown log level '" + std::string(name) + "' (debug, info, warn, error)");
}

Status init(Level min_level, const std::optional<std::filesystem::path>& file) {
  std::shared_ptr<spdlog::logger> logger;
  if (file) {
    try {
      logger = std::make_shared<spdlog::logger>(
          "sitewarden", std::make_shared<spdlog::sinks::basic_file_sink_mt>(file->string(), false));
    } catch (const spdlog::spdlog_ex& e) {
      return fail("log.open", "cannot open log file " + file->string() + ": " + e.what());
    }
    logger->set_pattern("%v");
    logger->flush_on(spdlog::level::info);
  } else {
    logger = make_stderr_logger();
  }
  auto& s = state();
  std::lock_guard lock(s.mu);
  s.logger = std::move(logger);
  s.min_level = min_level;
  return ok();
}

nlohmann::json redact(const nlohmann::json& fields) {
  if (fields.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, value] : fields.items()) {
      out[key] = names_a_secret(key) ? nlohmann::json(kRedacted) : redact(value);
    }
    return out;
  }
  if (fields.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : fields) out.push_back(redact(v));
    return out;
  }
  return fields;
}

void write(Level level, std::string_view event, const nlohmann::json& fields) {
  auto& s = state();
  std::shared_ptr<spdlog::logger> logger;
  {
    std::lock_guard lock(s.mu);
    if (level < s.min_level) return;
    if (!s.logger) s.logger = make_stderr_logger();
    logger = s.logger;
  }
  nlohmann::json record = {{"time", format_rfc3339(system_clock().now())},
                           {"level", level_name(level)},
                           {"event", event}};
  if (fields.is_object()) {
    const nlohmann::json safe = redact(fields);
    for (const auto& [key, value] : safe.items()) {
      if (!record.contains(key)) record[key] = value;
    }
  }
  logger->info(record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace sw::log
