// MonitorService (monitor_service.h): the monitors' tables of migration 0015, the only place their SQL lives.
#include "monitor/monitor_service.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "base/log.h"

namespace sw::monitor {
namespace {

using identity::Permission;
using identity::Scope;
using identity::ScopeKind;

constexpr std::array<std::pair<Probe, std::string_view>, 8> kProbeNames{{
    {Probe::uptime, "uptime"},
    {Probe::tls, "tls"},
    {Probe::links, "links"},
    {Probe::dns, "dns"},
    {Probe::fingerprint, "fingerprint"},
    {Probe::location, "location"},
    {Probe::lookalike, "lookalike"},
    {Probe::freshness, "freshness"},
}};
constexpr std::array<std::pair<Severity, std::string_view>, 3> kSeverityNames{{
    {Severity::info, "info"},
    {Severity::warning, "warning"},
    {Severity::critical, "critical"},
}};

Severity parse_severity(std::string_view text) {
  for (const auto& [s, name] : kSeverityNames) {
    if (name == text) return s;
  }
  return Severity::warning;
}

TimePoint time_of(const std::string& text) { return parse_rfc3339(text).value_or(TimePoint{}); }

std::optional<TimePoint> optional_time(const store::Row& row, std::size_t i) {
  if (row.is_null(i)) return std::nullopt;
  return time_of(row.text(i));
}

nlohmann::json json_of(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? nlohmann::json::object() : j;
}

// A DNS name as an allowlist entry: 1..253 bytes of [a-z0-9.-], labels 1..63, no leading or
// trailing dot or hyphen in a label.
bool valid_host(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  std::size_t label = 0;
  char prev = '.';
  for (char c : host) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (c == '.') {
      if (label == 0 || prev == '-') return false;
      label = 0;
    } else if (alnum || (c == '-' && label > 0)) {
      if (++label > 63) return false;
    } else {
      return false;
    }
    prev = c;
  }
  return label > 0 && prev != '-';
}

// Allowlist hosts are stored lower-case.
std::string lower_host(std::string host) {
  std::ranges::transform(host, host.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return host;
}

Status check_allowlist_host(const std::string& host) {
  if (valid_host(host)) return ok();
  return fail("monitor.bad_input", "allowlist host '" + host + "' is not a DNS name such as www.gov.cn");
}

constexpr std::string_view kFindingColumns =
    "id, site_id, probe, kind, subject, severity, clause, evidence, first_seen, last_seen, state, resolved_at";

Finding finding_of(const store::Row& r) {
  Finding f;
  f.id = r.integer(0);
  f.site_id = r.integer(1);
  f.probe = parse_probe(r.text(2)).value_or(Probe::uptime);
  f.observation = {r.text(3), r.text(4), parse_severity(r.text(5)), r.text(6), json_of(r.text(7))};
  f.first_seen = time_of(r.text(8));
  f.last_seen = time_of(r.text(9));
  f.state = r.text(10) == "open" ? FindingState::open : FindingState::resolved;
  f.resolved_at = optional_time(r, 11);
  return f;
}

constexpr std::string_view kIncidentColumns = "id, site_id, probe, target, summary, opened_at, closed_at";

Incident incident_of(const store::Row& r) {
  return {r.integer(0),       r.integer(1),          parse_probe(r.text(2)).value_or(Probe::uptime),
          r.text(3),          r.text(4),             time_of(r.text(5)),
          optional_time(r, 6)};
}

}  // namespace

std::string_view to_string(Probe p) {
  for (const auto& [v, name] : kProbeNames) {
    if (v == p) return name;
  }
  return "?";
}

Result<Probe> parse_probe(std::string_view text) {
  for (const auto& [v, name] : kProbeNames) {
    if (name == text) return v;
  }
  return fail("monitor.unknown_probe", "no probe named '" + std::string(text) + "' (uptime, tls, links)");
}

std::string_view to_string(Severity s) {
  for (const auto& [v, name] : kSeverityNames) {
    if (v == s) return name;
  }
  return "?";
}

std::string_view to_string(FindingState s) { return s == FindingState::open ? "open" : "resolved"; }

MonitorService::MonitorService(store::Database& db, audit::AuditLog& audit, MonitorOptions options,
                               const Clock& clock)
    : db_(db), audit_(audit), options_(options), clock_(clock), gate_(db, audit, "monitor") {
  options_.incident_after = std::max(1, options_.incident_after);
}

// ----- passes --------------------------------------------------------------------------------------

Result<std::int64_t> MonitorService::begin_run(Probe probe, const std::string& started_by) {
  std::lock_guard lock(mu_);
  SW_CHECK(db_.exec("INSERT INTO monitor_runs (probe, started_at, started_by) VALUES (?1, ?2, ?3)",
                    {std::string(to_string(probe)), format_rfc3339(clock_.now()), started_by}));
  return db_.last_insert_id();
}

Status MonitorService::finish_run(std::int64_t run_id, const RunCounts& counts) {
  std::lock_guard lock(mu_);
  SW_TRY(changed, db_.exec("UPDATE monitor_runs SET finished_at = ?1, sites = ?2, targets = ?3, failures = ?4 "
                           "WHERE id = ?5",
                           {format_rfc3339(clock_.now()), counts.sites, counts.targets, counts.failures, run_id}));
  if (changed == 0) return fail("monitor.not_found", "no monitor pass with id " + std::to_string(run_id));
  return ok();
}

Result<std::optional<TimePoint>> MonitorService::last_run(Probe probe) {
  std::lock_guard lock(mu_);
  SW_TRY(row, db_.query_one("SELECT started_at FROM monitor_runs WHERE probe = ?1 AND finished_at IS NOT NULL "
                            "ORDER BY id DESC LIMIT 1",
                            {std::string(to_string(probe))}));
  if (!row) return std::optional<TimePoint>{};
  return std::optional<TimePoint>(time_of(row->text(0)));
}

// ----- results and incidents ----------------------------------------------------------------------

Status MonitorService::audit_incident(const std::string& action, const Incident& incident,
                                      const nlohmann::json& detail) {
  audit::Event e;
  e.actor = "monitor";
  e.actor_role = std::string(identity::kSystemRoleName);
  e.site_id = incident.site_id;
  e.action = action;
  e.object = "incident:" + std::to_string(incident.id);
  e.details = {{"probe", to_string(incident.probe)}, {"target", incident.target}, {"detail", detail}};
  return gate_.record(std::move(e));
}

Result<IncidentChange> MonitorService::record(const ProbeResult& r) {
  if (r.site_id <= 0) return fail("monitor.bad_input", "a probe result needs a site id");
  if (r.target.empty() || r.target.size() > 2048) {
    return fail("monitor.bad_input", "a probe result's target must be 1..2048 bytes");
  }
  if (!r.detail.is_object() && !r.detail.is_null()) {
    return fail("monitor.bad_input", "a probe result's detail must be a JSON object");
  }
  std::unique_lock lock(mu_);
  const std::string now = format_rfc3339(clock_.now());
  const std::string probe(to_string(r.probe));
  const std::string detail =
      r.detail.is_null() ? "{}" : r.detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  SW_TRY(tx, db_.begin());
  SW_CHECK(db_.exec("INSERT INTO monitor_results (site_id, probe, target, ok, elapsed_ms, detail, at) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    {r.site_id, probe, r.target, std::int64_t{r.ok ? 1 : 0}, r.elapsed_ms, detail, now}));
  SW_TRY(open, db_.query_one(std::string("SELECT ") + std::string(kIncidentColumns) +
                                 " FROM monitor_incidents WHERE site_id = ?1 AND probe = ?2 AND target = ?3 "
                                 "AND closed_at IS NULL",
                             {r.site_id, probe, r.target}));
  IncidentChange change = IncidentChange::none;
  std::optional<Incident> incident;
  if (open) {
    incident = incident_of(*open);
    change = r.ok ? IncidentChange::closed : IncidentChange::failed;
    if (r.ok) {
      SW_CHECK(db_.exec("UPDATE monitor_incidents SET closed_at = ?1 WHERE id = ?2", {now, incident->id}));
    }
  } else if (!r.ok) {
    // N consecutive failures: the last N results of this target all failed (this one included).
    SW_TRY(rows, db_.query("SELECT ok FROM monitor_results WHERE site_id = ?1 AND probe = ?2 AND target = ?3 "
                           "ORDER BY id DESC LIMIT ?4",
                           {r.site_id, probe, r.target, std::int64_t{options_.incident_after}}));
    const bool all_failed = static_cast<int>(rows.size()) == options_.incident_after &&
                            std::ranges::all_of(rows, [](const store::Row& row) { return row.integer(0) == 0; });
    if (all_failed) {
      const std::string summary = probe + " of " + r.target + " failed " + std::to_string(options_.incident_after) +
                                  " times in a row";
      SW_CHECK(db_.exec("INSERT INTO monitor_incidents (site_id, probe, target, summary, opened_at) "
                        "VALUES (?1, ?2, ?3, ?4, ?5)",
                        {r.site_id, probe, r.target, summary, now}));
      incident = Incident{db_.last_insert_id(), r.site_id, r.probe, r.target, summary, clock_.now(), std::nullopt};
      change = IncidentChange::opened;
    }
  }
  if (incident) {
    static constexpr std::string_view kEventKind[] = {"", "opened", "failed", "recovered"};
    SW_CHECK(db_.exec("INSERT INTO monitor_incident_events (incident_id, at, kind, detail) VALUES (?1, ?2, ?3, ?4)",
                      {incident->id, now, std::string(kEventKind[static_cast<int>(change)]), detail}));
  }
  SW_CHECK(tx.commit());
  lock.unlock();
  if (change == IncidentChange::opened) SW_CHECK(audit_incident("monitor.incident_open", *incident, r.detail));
  if (change == IncidentChange::closed) SW_CHECK(audit_incident("monitor.incident_close", *incident, r.detail));
  return change;
}

Result<Availability> MonitorService::availability(std::int64_t site_id, Probe probe, TimePoint from, TimePoint to) {
  std::lock_guard lock(mu_);
  SW_TRY(row, db_.query_one("SELECT COUNT(*), COALESCE(SUM(ok), 0) FROM monitor_results "
                            "WHERE site_id = ?1 AND probe = ?2 AND at >= ?3 AND at <= ?4",
                            {site_id, std::string(to_string(probe)), format_rfc3339(from), format_rfc3339(to)}));
  return Availability{row->integer(0), row->integer(1)};
}

// ----- findings -----------------------------------------------------------------------------------

Status MonitorService::reconcile(std::int64_t site_id, Probe probe, const std::vector<Observation>& seen) {
  for (const Observation& o : seen) {
    if (o.kind.empty() || o.subject.empty() || o.subject.size() > 2048 || o.clause.empty()) {
      return fail("monitor.bad_input", "an observation needs a kind, a subject (up to 2048 bytes) and a clause");
    }
    if (!o.evidence.is_object() && !o.evidence.is_null()) {
      return fail("monitor.bad_input", "an observation's evidence must be a JSON object");
    }
  }
  std::lock_guard lock(mu_);
  const std::string now = format_rfc3339(clock_.now());
  const std::string probe_name(to_string(probe));
  SW_TRY(tx, db_.begin());
  SW_TRY(open_rows, db_.query("SELECT id, kind, subject FROM monitor_findings WHERE site_id = ?1 AND probe = ?2 "
                              "AND state = 'open'",
                              {site_id, probe_name}));
  for (const Observation& o : seen) {
    const std::string evidence =
        o.evidence.is_null() ? "{}" : o.evidence.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    SW_TRY(changed, db_.exec("UPDATE monitor_findings SET last_seen = ?1, severity = ?2, evidence = ?3, clause = ?4 "
                             "WHERE site_id = ?5 AND kind = ?6 AND subject = ?7 AND state = 'open'",
                             {now, std::string(to_string(o.severity)), evidence, o.clause, site_id, o.kind,
                              o.subject}));
    if (changed == 0) {
      SW_CHECK(db_.exec("INSERT INTO monitor_findings (site_id, probe, kind, subject, severity, clause, evidence, "
                        "first_seen, last_seen, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, 'open')",
                        {site_id, probe_name, o.kind, o.subject, std::string(to_string(o.severity)), o.clause,
                         evidence, now}));
    }
  }
  for (const store::Row& row : open_rows) {
    const bool still = std::ranges::any_of(
        seen, [&](const Observation& o) { return o.kind == row.text(1) && o.subject == row.text(2); });
    if (!still) {
      SW_CHECK(db_.exec("UPDATE monitor_findings SET state = 'resolved', resolved_at = ?1 WHERE id = ?2",
                        {now, row.integer(0)}));
    }
  }
  return tx.commit();
}

// ----- reads for people ---------------------------------------------------------------------------

Result<std::function<bool(std::int64_t)>> MonitorService::visible(const identity::Principal& who, const Scope& scope,
                                                                  const std::string& what) {
  const Permission read = Permission::monitor_read;
  SW_CHECK(gate_.permit_read(who, {&read, 1}, scope, what, scope.to_string()));
  SW_TRY(tree, gate_.tree());
  return std::function<bool(std::int64_t)>([tree, scope](std::int64_t site_id) {
    if (scope.kind == ScopeKind::site) return site_id == scope.id;
    auto org = tree->org_of_site(site_id);
    return org && tree->in_subtree(*org, scope.id);
  });
}

Result<std::vector<Finding>> MonitorService::findings(const identity::Principal& who, const Scope& scope,
                                                      bool open_only) {
  SW_TRY(in_scope, visible(who, scope, "monitor.findings"));
  std::lock_guard lock(mu_);
  SW_TRY(rows, db_.query(std::string("SELECT ") + std::string(kFindingColumns) + " FROM monitor_findings" +
                         (open_only ? " WHERE state = 'open'" : "") + " ORDER BY site_id, id"));
  std::vector<Finding> out;
  for (const store::Row& r : rows) {
    if (in_scope(r.integer(1))) out.push_back(finding_of(r));
  }
  return out;
}

Result<std::vector<Incident>> MonitorService::incidents(const identity::Principal& who, const Scope& scope,
                                                        bool open_only) {
  SW_TRY(in_scope, visible(who, scope, "monitor.incidents"));
  std::lock_guard lock(mu_);
  SW_TRY(rows, db_.query(std::string("SELECT ") + std::string(kIncidentColumns) + " FROM monitor_incidents" +
                         (open_only ? " WHERE closed_at IS NULL" : "") + " ORDER BY id"));
  std::vector<Incident> out;
  for (const store::Row& r : rows) {
    if (in_scope(r.integer(1))) out.push_back(incident_of(r));
  }
  return out;
}

Result<std::vector<IncidentEvent>> MonitorService::timeline(const identity::Principal& who, std::int64_t incident_id) {
  std::optional<std::int64_t> site;
  {
    std::lock_guard lock(mu_);
    SW_TRY(row, db_.query_one("SELECT site_id FROM monitor_incidents WHERE id = ?1", {incident_id}));
    if (row) site = row->integer(0);
  }
  if (!site) return fail("monitor.not_found", "no incident with id " + std::to_string(incident_id));
  SW_TRY(in_scope, visible(who, Scope::site(*site), "monitor.timeline"));
  std::lock_guard lock(mu_);
  SW_TRY(rows, db_.query("SELECT id, incident_id, at, kind, detail FROM monitor_incident_events "
                         "WHERE incident_id = ?1 ORDER BY id",
                         {incident_id}));
  std::vector<IncidentEvent> out;
  for (const store::Row& r : rows) {
    out.push_back({r.integer(0), r.integer(1), time_of(r.text(2)), r.text(3), json_of(r.text(4))});
  }
  return out;
}

Result<std::vector<DeadLink>> MonitorService::dead_links(const identity::Principal& who, std::int64_t site_id) {
  SW_TRY(in_scope, visible(who, Scope::site(site_id), "monitor.dead_links"));
  std::lock_guard lock(mu_);
  SW_TRY(rows, db_.query("SELECT url, page, anchor, status, reason FROM monitor_dead_links WHERE site_id = ?1 AND "
                         "run_id = (SELECT MAX(run_id) FROM monitor_dead_links WHERE site_id = ?1) ORDER BY id",
                         {site_id}));
  std::vector<DeadLink> out;
  for (const store::Row& r : rows) {
    out.push_back({r.text(0), r.text(1), r.text(2), static_cast<int>(r.integer(3)), r.text(4)});
  }
  return out;
}

Result<std::vector<LinkRunCount>> MonitorService::dead_link_history(const identity::Principal& who,
                                                                   std::int64_t site_id, int runs) {
  if (runs < 1 || runs > 100) return fail("monitor.bad_input", "runs must be 1 to 100, not " + std::to_string(runs));
  SW_TRY(in_scope, visible(who, Scope::site(site_id), "monitor.link_history"));
  std::lock_guard lock(mu_);
  SW_TRY(rows, db_.query("SELECT r.id, r.started_at, (SELECT COUNT(*) FROM monitor_dead_links d WHERE d.run_id = r.id "
                         "AND d.site_id = ?1) FROM monitor_runs r WHERE r.probe = 'links' AND r.finished_at IS NOT NULL "
                         "ORDER BY r.id DESC LIMIT ?2",
                         {site_id, std::int64_t{runs}}));
  std::vector<LinkRunCount> out;
  for (const store::Row& r : rows) out.push_back({r.integer(0), time_of(r.text(1)), r.integer(2)});
  std::reverse(out.begin(), out.end());
  return out;
}

// ----- link suitability and the link check's stores ------------------------------------------------

Status MonitorService::allow_link_host(const identity::Actor& actor, std::int64_t site_id, std::string host) {
  host = lower_host(std::move(host));
  auto event = gate_.event_for(actor, "monitor.allowlist_add", "site:" + std::to_string(site_id), Scope::site(site_id));
  event.details["host"] = host;
  SW_CHECK(gate_.permit(actor, Permission::site_configure, Scope::site(site_id), event));
  Status done = [&]() -> Status {
    SW_CHECK(check_allowlist_host(host));
    std::lock_guard lock(mu_);
    SW_CHECK(db_.exec("INSERT INTO monitor_link_allowlist (site_id, host, added_at, added_by) "
                      "SELECT ?1, ?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 FROM monitor_link_allowlist "
                      "WHERE site_id = ?1 AND host = ?2 AND removed_at IS NULL)",
                      {site_id, host, format_rfc3339(clock_.now()), actor.principal.name}));
    return ok();
  }();
  return gate_.conclude(std::move(event), std::move(done));
}

Status MonitorService::disallow_link_host(const identity::Actor& actor, std::int64_t site_id, std::string host) {
  host = lower_host(std::move(host));
  auto event =
      gate_.event_for(actor, "monitor.allowlist_remove", "site:" + std::to_string(site_id), Scope::site(site_id));
  event.details["host"] = host;
  SW_CHECK(gate_.permit(actor, Permission::site_configure, Scope::site(site_id), event));
  Status done = [&]() -> Status {
    SW_CHECK(check_allowlist_host(host));
    std::lock_guard lock(mu_);
    SW_TRY(removed, db_.exec("UPDATE monitor_link_allowlist SET removed_at = ?3 WHERE site_id = ?1 AND host = ?2 "
                             "AND removed_at IS NULL",
                             {site_id, host, format_rfc3339(clock_.now())}));
    if (removed == 0) {
      return fail("monitor.not_found",
                  "host '" + host + "' is not on the link allowlist of site " + std::to_string(site_id));
    }
    return ok();
  }();
  return gate_.conclude(std::move(event), std::move(done));
}

Result<std::vector<std::string>> MonitorService::link_allowlist(std::int64_t site_id) {
  std::lock_guard lock(mu_);
  SW_TRY(rows, db_.query("SELECT host FROM monitor_link_allowlist WHERE site_id = ?1 AND removed_at IS NULL "
                         "ORDER BY host",
                         {site_id}));
  std::vector<std::string> out;
  for (const store::Row& r : rows) out.push_back(r.text(0));
  return out;
}

Status MonitorService::record_dead_links(std::int64_t run_id, std::int64_t site_id, const std::vector<DeadLink>& dead) {
  std::lock_guard lock(mu_);
  SW_TRY(tx, db_.begin());
  SW_TRY(insert, db_.prepare("INSERT INTO monitor_dead_links (run_id, site_id, url, page, anchor, status, reason) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  for (const DeadLink& d : dead) {
    SW_CHECK(insert.exec({run_id, site_id, d.url, d.page, d.anchor, std::int64_t{d.status}, d.reason}));
  }
  return tx.commit();
}

Result<std::optional<CachedLink>> MonitorService::cached_link(const std::string& url, std::chrono::seconds max_age) {
  std::lock_guard lock(mu_);
  SW_TRY(row, db_.query_one("SELECT status, reason, checked_at FROM monitor_link_cache WHERE url = ?1 AND "
                            "checked_at >= ?2",
                            {url, format_rfc3339(clock_.now() - max_age)}));
  if (!row) return std::optional<CachedLink>{};
  return std::optional<CachedLink>(CachedLink{static_cast<int>(row->integer(0)), row->text(1), time_of(row->text(2))});
}

Status MonitorService::cache_links(const std::vector<std::pair<std::string, CachedLink>>& checked) {
  std::lock_guard lock(mu_);
  SW_TRY(tx, db_.begin());
  SW_TRY(upsert, db_.prepare("INSERT INTO monitor_link_cache (url, status, reason, checked_at) VALUES (?1, ?2, ?3, ?4) "
                             "ON CONFLICT (url) DO UPDATE SET status = excluded.status, reason = excluded.reason, "
                             "checked_at = excluded.checked_at"));
  for (const auto& [url, c] : checked) {
    SW_CHECK(upsert.exec({url, std::int64_t{c.status}, c.reason, format_rfc3339(c.checked_at)}));
  }
  return tx.commit();
}

}  // namespace sw::monitor
