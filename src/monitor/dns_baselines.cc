// DnsBaselines (dns_baselines.h): the tables of migration 0017, the only place their SQL lives.
#include "monitor/dns_baselines.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace sw::monitor {
namespace {

using identity::Permission;
using identity::Scope;

std::string records_json(const std::vector<std::string>& records) {
  return nlohmann::json(records).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::string> records_of(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& v : j) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

nlohmann::json sets_json(const RecordSets& sets) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [type, set] : sets) out[type] = {{"owner", set.owner}, {"records", set.records}};
  return out;
}

// A domain as stored: lowercase, no final dot, [a-z0-9.-] (punycode for IDNs), at most 253 bytes.
bool valid_domain(const std::string& d) {
  if (d.empty() || d.size() > 253 || d.front() == '.' || d.back() == '.') return false;
  return std::ranges::all_of(d, [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'; });
}

constexpr std::string_view kBaselineSql =
    "SELECT rtype, owner, records, 1, accepted_at FROM monitor_dns_baselines "
    "WHERE site_id = ?1 AND domain = ?2 AND replaced_at IS NULL ORDER BY rtype";
constexpr std::string_view kSeenSql =
    "SELECT rtype, owner, records, secure, seen_at FROM monitor_dns_seen WHERE site_id = ?1 AND domain = ?2 "
    "ORDER BY rtype";

}  // namespace

DnsBaselines::DnsBaselines(store::Database& db, audit::AuditLog& audit, const Clock& clock)
    : db_(db), audit_(audit), clock_(clock), gate_(db, audit, "monitor") {}

Result<RecordSets> DnsBaselines::read(std::string_view sql, std::int64_t site_id, const std::string& domain) {
  SW_TRY(rows, db_.query(sql, {site_id, domain}));
  RecordSets out;
  for (const store::Row& r : rows) {
    out[r.text(0)] = RecordSet{r.text(0), r.text(1), records_of(r.text(2)), r.integer(3) != 0};
  }
  return out;
}

Result<RecordSets> DnsBaselines::baseline(std::int64_t site_id, const std::string& domain) {
  std::lock_guard lock(mu_);
  return read(kBaselineSql, site_id, domain);
}

Result<RecordSets> DnsBaselines::seen(std::int64_t site_id, const std::string& domain) {
  std::lock_guard lock(mu_);
  return read(kSeenSql, site_id, domain);
}

Status DnsBaselines::record_first(std::int64_t site_id, const std::string& domain, const std::vector<RecordSet>& sets) {
  if (!valid_domain(domain)) return fail("monitor.bad_input", "domain '" + domain + "' is not a DNS name");
  RecordSets added;
  {
    std::lock_guard lock(mu_);
    SW_TRY(tx, db_.begin());
    const std::string now = format_rfc3339(clock_.now());
    for (const RecordSet& s : sets) {
      SW_TRY(n, db_.exec("INSERT INTO monitor_dns_baselines (site_id, domain, rtype, owner, records, accepted_at, "
                         "accepted_by) SELECT ?1, ?2, ?3, ?4, ?5, ?6, 'monitor' WHERE NOT EXISTS (SELECT 1 FROM "
                         "monitor_dns_baselines WHERE site_id = ?1 AND domain = ?2 AND rtype = ?3 AND replaced_at IS NULL)",
                         {site_id, domain, s.rtype, s.owner, records_json(s.records), now}));
      if (n > 0) added[s.rtype] = s;
    }
    SW_CHECK(tx.commit());
  }
  if (added.empty()) return ok();
  audit::Event e;
  e.actor = "monitor";
  e.actor_role = std::string(identity::kSystemRoleName);
  e.site_id = site_id;
  e.action = "monitor.dns_baseline";
  e.object = "domain:" + domain;
  e.details = {{"records", sets_json(added)}};
  return gate_.record(std::move(e));
}

Status DnsBaselines::record_seen(std::int64_t site_id, const std::string& domain, const std::vector<RecordSet>& sets) {
  if (!valid_domain(domain)) return fail("monitor.bad_input", "domain '" + domain + "' is not a DNS name");
  std::lock_guard lock(mu_);
  SW_TRY(tx, db_.begin());
  const std::string now = format_rfc3339(clock_.now());
  for (const RecordSet& s : sets) {
    SW_CHECK(db_.exec("INSERT INTO monitor_dns_seen (site_id, domain, rtype, owner, records, secure, seen_at) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (site_id, domain, rtype) DO UPDATE SET "
                      "owner = excluded.owner, records = excluded.records, secure = excluded.secure, "
                      "seen_at = excluded.seen_at",
                      {site_id, domain, s.rtype, s.owner, records_json(s.records), std::int64_t{s.secure ? 1 : 0}, now}));
  }
  return tx.commit();
}

Result<std::vector<DnsDomainView>> DnsBaselines::show(const identity::Principal& who, std::int64_t site_id) {
  const Permission read_p = Permission::monitor_read;
  SW_CHECK(gate_.permit_read(who, {&read_p, 1}, Scope::site(site_id), "monitor.dns_show",
                             "site:" + std::to_string(site_id)));
  std::lock_guard lock(mu_);
  SW_TRY(rows, db_.query("SELECT domain FROM monitor_dns_baselines WHERE site_id = ?1 UNION "
                         "SELECT domain FROM monitor_dns_seen WHERE site_id = ?1 ORDER BY 1",
                         {site_id}));
  std::vector<DnsDomainView> out;
  for (const store::Row& r : rows) {
    DnsDomainView v;
    v.domain = r.text(0);
    SW_TRY(base, read(kBaselineSql, site_id, v.domain));
    SW_TRY(seen, read(kSeenSql, site_id, v.domain));
    v.baseline = std::move(base);
    v.seen = std::move(seen);
    SW_TRY(at, db_.query_one("SELECT MAX(seen_at) FROM monitor_dns_seen WHERE site_id = ?1 AND domain = ?2",
                             {site_id, v.domain}));
    if (at && !at->is_null(0)) v.seen_at = parse_rfc3339(at->text(0)).value_or(TimePoint{});
    SW_TRY(acc, db_.query_one("SELECT accepted_at, accepted_by FROM monitor_dns_baselines WHERE site_id = ?1 AND "
                              "domain = ?2 AND replaced_at IS NULL ORDER BY accepted_at DESC, id DESC LIMIT 1",
                              {site_id, v.domain}));
    if (acc) {
      v.accepted_at = parse_rfc3339(acc->text(0)).value_or(TimePoint{});
      v.accepted_by = acc->text(1);
    }
    out.push_back(std::move(v));
  }
  return out;
}

Result<std::vector<std::string>> DnsBaselines::accept(const identity::Actor& actor, std::int64_t site_id,
                                                      std::string domain) {
  std::ranges::transform(domain, domain.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!domain.empty() && domain.back() == '.') domain.pop_back();
  auto event = gate_.event_for(actor, "monitor.dns_accepted", "domain:" + domain, Scope::site(site_id));
  SW_CHECK(gate_.permit(actor, Permission::site_configure, Scope::site(site_id), event));
  Result<std::vector<std::string>> done = [&]() -> Result<std::vector<std::string>> {
    if (!valid_domain(domain)) return fail("monitor.bad_input", "domain '" + domain + "' is not a DNS name");
    std::lock_guard lock(mu_);
    SW_TRY(seen, read(kSeenSql, site_id, domain));
    if (seen.empty()) {
      return fail("monitor.not_found", "no DNS pass has seen " + domain + " for site " + std::to_string(site_id) +
                                           " (run `sitewarden monitor run --probe dns` first)");
    }
    SW_TRY(base, read(kBaselineSql, site_id, domain));
    const bool differs = std::ranges::any_of(seen, [&](const auto& kv) {
      auto it = base.find(kv.first);
      return it == base.end() || !(it->second == kv.second);
    });
    if (!differs) {
      return fail("monitor.nothing_to_accept", "the baseline of " + domain + " for site " + std::to_string(site_id) +
                                                   " already is the last answer: nothing to accept");
    }
    RecordSets old_sets;
    RecordSets new_sets;
    std::vector<std::string> changed;
    SW_TRY(tx, db_.begin());
    const std::string now = format_rfc3339(clock_.now());
    for (const auto& [type, s] : seen) {
      auto it = base.find(type);
      if (it != base.end() && it->second == s) continue;
      if (it != base.end()) {
        old_sets[type] = it->second;
        SW_CHECK(db_.exec("UPDATE monitor_dns_baselines SET replaced_at = ?1 WHERE site_id = ?2 AND domain = ?3 AND "
                          "rtype = ?4 AND replaced_at IS NULL",
                          {now, site_id, domain, type}));
      }
      SW_CHECK(db_.exec("INSERT INTO monitor_dns_baselines (site_id, domain, rtype, owner, records, accepted_at, "
                        "accepted_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        {site_id, domain, type, s.owner, records_json(s.records), now, actor.principal.name}));
      new_sets[type] = s;
      changed.push_back(type);
    }
    SW_CHECK(tx.commit());
    event.details["old"] = sets_json(old_sets);
    event.details["new"] = sets_json(new_sets);
    return changed;
  }();
  return gate_.conclude(std::move(event), std::move(done));
}

}  // namespace sw::monitor
