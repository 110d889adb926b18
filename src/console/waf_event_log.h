// WAF event log reading (issue 6): the newest events of one site, read from the end of the WAF's JSON
// event log ([waf] event_log, one line per event, written by the guard's Waf; docs/modules/waf.md
// "Events"), and the rules and client IPs that appear most in them. Used by the console's WAF page
// (/sites/{id}/waf) and by `sitewarden waf events`.
//
// Bounded: at most `max_bytes` are read from the end of the file (a partial first line is dropped),
// so a large log costs the same as a small one; lines that are not events are skipped and counted.
// Nothing read is trusted: fields of the wrong type make the line skipped; text is shown escaped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "waf/waf.h"

namespace sw::console {

inline constexpr std::size_t kWafEventLogTailBytes = 8u << 20;  // what one read looks at, from the end
inline constexpr std::size_t kMaxWafEventsShown = 1000;         // the largest `limit` accepted

struct WafEventTail {
  std::vector<waf::Event> events;  // the site's newest events, newest first
  std::size_t skipped = 0;         // lines in the window that were not events
  bool window_full = false;        // the file is larger than the window read
};

// The newest `limit` (1..kMaxWafEventsShown) events of `site_id` within the last `max_bytes` of the
// log. A missing log file: no events. Errors: "waf.event_log" naming the file and the reason,
// "waf.bad_limit".
Result<WafEventTail> read_site_events(const std::filesystem::path& log, std::int64_t site_id, std::size_t limit,
                                      std::size_t max_bytes = kWafEventLogTailBytes);

// One log line as an event; nullopt when it is not one.
std::optional<waf::Event> parse_event_line(std::string_view line);

// Rule ids / client IPs by how many of `events` carry them (most first, ties by key), at most `limit`.
std::vector<waf::Count> top_rules_of(const std::vector<waf::Event>& events, std::size_t limit);
std::vector<waf::Count> top_ips_of(const std::vector<waf::Event>& events, std::size_t limit);

}  // namespace sw::console
