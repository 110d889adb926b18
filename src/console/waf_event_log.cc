#include "console/waf_event_log.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

namespace sw::console {

namespace {

using nlohmann::json;

std::vector<waf::Count> top_of(const std::map<std::string, std::uint64_t>& counts, std::size_t limit) {
  std::vector<waf::Count> out;
  out.reserve(counts.size());
  for (const auto& [key, n] : counts) out.push_back({key, n});
  std::stable_sort(out.begin(), out.end(), [](const waf::Count& a, const waf::Count& b) { return a.count > b.count; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace

std::optional<waf::Event> parse_event_line(std::string_view line) {
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  try {
    waf::Event e;
    e.time_ms = j.at("time_ms").get<std::int64_t>();
    e.site_id = j.at("site_id").get<std::int64_t>();
    e.client_ip = j.at("client_ip").get<std::string>();
    e.request_id = j.value("request_id", std::string{});
    e.method = j.value("method", std::string{});
    e.path = j.value("path", std::string{});
    e.blocked = j.value("action", std::string{}) == "blocked";
    e.anomaly_score = j.value("anomaly_score", 0);
    if (auto r = j.find("rules"); r != j.end() && r->is_array()) {
      for (const auto& rule : *r) {
        waf::RuleMatch m;
        m.id = rule.at("id").get<std::int64_t>();
        m.severity = rule.value("severity", 0);
        m.message = rule.value("message", std::string{});
        m.data = rule.value("data", std::string{});
        e.rules.push_back(std::move(m));
      }
    }
    return e;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

Result<WafEventTail> read_site_events(const std::filesystem::path& log, std::int64_t site_id, std::size_t limit,
                                      std::size_t max_bytes) {
  if (limit < 1 || limit > kMaxWafEventsShown) {
    return fail("waf.bad_limit", "the number of events must be 1 to " + std::to_string(kMaxWafEventsShown) +
                                     ", not " + std::to_string(limit));
  }
  WafEventTail tail;
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(log.c_str(), "rbe"), &std::fclose);
  if (!f) {
    if (errno == ENOENT) return tail;
    return fail("waf.event_log", "cannot read the WAF event log " + log.string() + ": " + std::strerror(errno));
  }
  if (std::fseek(f.get(), 0, SEEK_END) != 0) return fail("waf.event_log", "cannot seek in " + log.string());
  const long size = std::ftell(f.get());
  if (size < 0) return fail("waf.event_log", "cannot size " + log.string());
  const std::size_t start = static_cast<std::size_t>(size) > max_bytes ? static_cast<std::size_t>(size) - max_bytes : 0;
  tail.window_full = start > 0;
  std::string buf(static_cast<std::size_t>(size) - start, '\0');
  if (std::fseek(f.get(), static_cast<long>(start), SEEK_SET) != 0 ||
      std::fread(buf.data(), 1, buf.size(), f.get()) != buf.size()) {
    return fail("waf.event_log", "cannot read the WAF event log " + log.string());
  }
  std::string_view text(buf);
  if (start > 0) {  // the first line may be cut: drop it
    const auto nl = text.find('\n');
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  }
  // From the end backwards: the newest events first, stopping at `limit`.
  std::size_t end = text.size();
  while (end > 0 && tail.events.size() < limit) {
    std::size_t line_end = end;
    if (text[line_end - 1] == '\n') --line_end;
    const auto nl = text.rfind('\n', line_end == 0 ? 0 : line_end - 1);
    const std::size_t line_start = (nl == std::string_view::npos || line_end == 0) ? 0 : nl + 1;
    const std::string_view line = text.substr(line_start, line_end - line_start);
    end = line_start;
    if (line.empty()) continue;
    auto e = parse_event_line(line);
    if (!e) {
      ++tail.skipped;
      continue;
    }
    if (e->site_id == site_id) tail.events.push_back(std::move(*e));
    if (line_start == 0) break;
  }
  return tail;
}

std::vector<waf::Count> top_rules_of(const std::vector<waf::Event>& events, std::size_t limit) {
  std::map<std::string, std::uint64_t> counts;
  for (const auto& e : events) {
    for (const auto& r : e.rules) counts[std::to_string(r.id)]++;
  }
  return top_of(counts, limit);
}

std::vector<waf::Count> top_ips_of(const std::vector<waf::Event>& events, std::size_t limit) {
  std::map<std::string, std::uint64_t> counts;
  for (const auto& e : events) counts[e.client_ip]++;
  return top_of(counts, limit);
}

}  // namespace sw::console
