// What the monitors record (issue 7; docs/modules/monitor.md): the result of probing one target, a
// finding (something wrong with a site, named by site, kind and subject, with its evidence and the
// notice's clause) and an incident (a target failing N consecutive probes) with its timeline.
//
// Probes and severities are enums with to_string; the text forms are what the database and the
// console show. New probes (dns, fingerprint, location, lookalike, freshness) add an enumerator here
// and a kind prefix; nothing else in the foundation changes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/result.h"

namespace sw::monitor {

// Every probe the module knows. kAllProbes lists those built and scheduled, in the order a full pass
// runs them; a probe is added to it in the commit that lands its body (probe_body.h).
enum class Probe { uptime, tls, links, dns, fingerprint, location, lookalike, freshness };
inline constexpr Probe kAllProbes[] = {Probe::uptime, Probe::tls, Probe::links, Probe::dns, Probe::freshness, Probe::fingerprint, Probe::location, Probe::lookalike};
std::string_view to_string(Probe p);  // "uptime" | "tls" | "links" | "dns" | "fingerprint" | "location" | "lookalike" | "freshness"
Result<Probe> parse_probe(std::string_view text);   // "monitor.unknown_probe" names the text

enum class Severity { info, warning, critical };
std::string_view to_string(Severity s);             // "info" | "warning" | "critical"

// One probe of one target of one site. `detail` is a JSON object (status, error, dates...).
struct ProbeResult {
  std::int64_t site_id = 0;
  Probe probe = Probe::uptime;
  std::string target;  // the URL or host:port probed
  bool ok = false;
  std::int64_t elapsed_ms = 0;
  nlohmann::json detail = nlohmann::json::object();
};

// Something a pass of a probe saw wrong with a site. (site_id, kind, subject) names it across passes:
// kind is "<probe>.<what>" (e.g. "tls.expiring", "links.dead"), subject what it is about (a host:port,
// a URL, or the site's home page).
struct Observation {
  std::string kind;
  std::string subject;
  Severity severity = Severity::warning;
  std::string clause;  // the notice's clause: "N3.6", "N7.2", "N7.3", "N5.3"...
  nlohmann::json evidence = nlohmann::json::object();
};

enum class FindingState { open, resolved };
std::string_view to_string(FindingState s);  // "open" | "resolved"

struct Finding {
  std::int64_t id = 0;
  std::int64_t site_id = 0;
  Probe probe = Probe::uptime;
  Observation observation;
  TimePoint first_seen;
  TimePoint last_seen;
  FindingState state = FindingState::open;
  std::optional<TimePoint> resolved_at;
};

struct Incident {
  std::int64_t id = 0;
  std::int64_t site_id = 0;
  Probe probe = Probe::uptime;
  std::string target;
  std::string summary;
  TimePoint opened_at;
  std::optional<TimePoint> closed_at;
};

// One row of an incident's timeline (append-only): opened, failed (each further failure while
// open), recovered (the probe that closed it).
struct IncidentEvent {
  std::int64_t id = 0;
  std::int64_t incident_id = 0;
  TimePoint at;
  std::string kind;
  nlohmann::json detail = nlohmann::json::object();
};

}  // namespace sw::monitor
