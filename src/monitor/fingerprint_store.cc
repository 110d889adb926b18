// FingerprintStore (fingerprint_store.h): SQL on the tables of migration 0018, bound parameters only.
#include "monitor/fingerprint_store.h"

namespace sw::monitor {
namespace {

using identity::Permission;
using identity::Scope;

Status check_site(std::int64_t site_id) {
  if (site_id <= 0) return fail("monitor.bad_input", "site id " + std::to_string(site_id) + " is not a site");
  return ok();
}

Result<PageFingerprints> read_rows(store::Database& db, std::string_view sql, std::int64_t site_id) {
  SW_TRY(rows, db.query(sql, {site_id}));
  PageFingerprints out;
  for (const store::Row& r : rows) {
    auto json = nlohmann::json::parse(r.text(1), nullptr, false);
    if (json.is_discarded()) {
      return fail("monitor.corrupt", "stored fingerprint of " + r.text(0) + " (site " + std::to_string(site_id) +
                                         ") is not JSON");
    }
    out.emplace(r.text(0), std::move(json));
  }
  return out;
}

}  // namespace

FingerprintStore::FingerprintStore(store::Database& db, audit::AuditLog& audit, const Clock& clock)
    : db_(db), clock_(clock), gate_(db, audit, "monitor") {}

Result<PageFingerprints> FingerprintStore::accepted(std::int64_t site_id) {
  SW_CHECK(check_site(site_id));
  return read_rows(db_, "SELECT url, fingerprint FROM monitor_fingerprints WHERE site_id = ?1 AND retired_at IS NULL "
                        "ORDER BY url", site_id);
}

Result<PageFingerprints> FingerprintStore::latest(std::int64_t site_id) {
  SW_CHECK(check_site(site_id));
  return read_rows(db_, "SELECT url, fingerprint FROM monitor_fingerprint_latest WHERE site_id = ?1 ORDER BY url",
                   site_id);
}

Status FingerprintStore::insert_accepted(std::int64_t site_id, const PageFingerprints& pages, const std::string& by) {
  const std::string now = format_rfc3339(clock_.now());
  for (const auto& [url, fp] : pages) {
    SW_CHECK(db_.exec("INSERT INTO monitor_fingerprints (site_id, url, fingerprint, accepted_at, accepted_by) "
                      "VALUES (?1, ?2, ?3, ?4, ?5)",
                      {site_id, url, fp.dump(), now, by}));
  }
  return ok();
}

Result<bool> FingerprintStore::record_first(std::int64_t site_id, const PageFingerprints& pages) {
  SW_CHECK(check_site(site_id));
  if (pages.empty()) return false;
  SW_TRY(have, db_.query_one("SELECT 1 FROM monitor_fingerprints WHERE site_id = ?1 LIMIT 1", {site_id}));
  if (have) return false;
  const identity::Actor actor{identity::Principal::system("monitor"), "local", "monitor"};
  auto event = gate_.event_for(actor, "monitor.fingerprint_record", "site:" + std::to_string(site_id),
                               Scope::site(site_id));
  nlohmann::json urls = nlohmann::json::array();
  for (const auto& [url, fp] : pages) urls.push_back(url);
  event.details["pages"] = urls;
  Status done = [&]() -> Status {
    SW_TRY(tx, db_.begin());
    SW_CHECK(insert_accepted(site_id, pages, "monitor"));
    return tx.commit();
  }();
  SW_CHECK(gate_.conclude(std::move(event), std::move(done)));
  return true;
}

Status FingerprintStore::save_latest(std::int64_t site_id, const PageFingerprints& pages) {
  SW_CHECK(check_site(site_id));
  const std::string now = format_rfc3339(clock_.now());
  SW_TRY(tx, db_.begin());
  SW_CHECK(db_.exec("DELETE FROM monitor_fingerprint_latest WHERE site_id = ?1", {site_id}));
  for (const auto& [url, fp] : pages) {
    SW_CHECK(db_.exec("INSERT INTO monitor_fingerprint_latest (site_id, url, fingerprint, seen_at) VALUES (?1, ?2, ?3, ?4)",
                      {site_id, url, fp.dump(), now}));
  }
  return tx.commit();
}

Result<std::size_t> FingerprintStore::accept(const identity::Actor& actor, std::int64_t site_id) {
  auto event = gate_.event_for(actor, "monitor.fingerprint_accept", "site:" + std::to_string(site_id),
                               site_id > 0 ? std::optional<Scope>(Scope::site(site_id)) : std::nullopt);
  if (site_id <= 0) return gate_.conclude<std::size_t>(std::move(event), std::unexpected(check_site(site_id).error()));
  SW_CHECK(gate_.permit(actor, Permission::site_configure, Scope::site(site_id), event));
  Result<std::size_t> done = [&]() -> Result<std::size_t> {
    SW_TRY(pages, latest(site_id));
    if (pages.empty()) {
      return fail("monitor.not_found", "site " + std::to_string(site_id) +
                                           " has no fingerprint to accept: run `sitewarden monitor run --probe fingerprint` first");
    }
    SW_TRY(tx, db_.begin());
    SW_CHECK(db_.exec("UPDATE monitor_fingerprints SET retired_at = ?2 WHERE site_id = ?1 AND retired_at IS NULL",
                      {site_id, format_rfc3339(clock_.now())}));
    SW_CHECK(insert_accepted(site_id, pages, actor.principal.name));
    SW_CHECK(tx.commit());
    nlohmann::json urls = nlohmann::json::array();
    for (const auto& [url, fp] : pages) urls.push_back(url);
    event.details["pages"] = urls;
    return pages.size();
  }();
  return gate_.conclude(std::move(event), std::move(done));
}

}  // namespace sw::monitor
