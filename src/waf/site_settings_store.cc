#include "waf/site_settings_store.h"

#include <nlohmann/json.hpp>

namespace sw::waf {

nlohmann::json to_json(const SiteSettings& settings) {
  nlohmann::json exclusions = nlohmann::json::array();
  for (const auto& e : settings.exclusions) {
    exclusions.push_back({{"path_prefix", e.path_prefix}, {"rule_id", e.rule_id}, {"target", e.target}});
  }
  return {{"paranoia", settings.paranoia}, {"mode", std::string(to_string(settings.mode))},
          {"exclusions", std::move(exclusions)}};
}

SiteSettingsStore::SiteSettingsStore(store::Database& db, audit::AuditLog& audit, const Clock& clock)
    : db_(db), audit_(audit), clock_(clock) {}

Result<std::map<std::int64_t, SiteSettings>> SiteSettingsStore::load_all() {
  SW_TRY(rows, db_.query("SELECT site_id, paranoia, mode FROM waf_site_settings ORDER BY site_id"));
  std::map<std::int64_t, SiteSettings> out;
  for (const auto& r : rows) {
    SW_TRY(mode, parse_mode(r.text(2)));
    out[r.integer(0)] = SiteSettings{static_cast<int>(r.integer(1)), mode, {}};
  }
  SW_TRY(exclusions, db_.query("SELECT site_id, path_prefix, rule_id, target FROM waf_exclusions ORDER BY id"));
  for (const auto& r : exclusions) {
    auto it = out.find(r.integer(0));
    if (it != out.end()) it->second.exclusions.push_back({r.text(1), r.integer(2), r.text(3)});
  }
  return out;
}

Result<std::optional<SiteSettings>> SiteSettingsStore::load(std::int64_t site_id) {
  SW_TRY(all, load_all());
  auto it = all.find(site_id);
  if (it == all.end()) return std::optional<SiteSettings>();
  return std::optional<SiteSettings>(it->second);
}

Status SiteSettingsStore::write(std::int64_t site_id, const std::optional<SiteSettings>& settings,
                                const std::string& by) {
  SW_TRY(tx, db_.begin());
  SW_CHECK(db_.exec("DELETE FROM waf_exclusions WHERE site_id = ?1", {site_id}));
  SW_CHECK(db_.exec("DELETE FROM waf_site_settings WHERE site_id = ?1", {site_id}));
  if (settings) {
    SW_CHECK(db_.exec("INSERT INTO waf_site_settings (site_id, paranoia, mode, updated_at, updated_by) "
                      "VALUES (?1, ?2, ?3, ?4, ?5)",
                      {site_id, std::int64_t{settings->paranoia}, std::string(to_string(settings->mode)),
                       format_rfc3339(clock_.now()), by}));
    SW_TRY(insert, db_.prepare("INSERT OR IGNORE INTO waf_exclusions (site_id, path_prefix, rule_id, target) "
                               "VALUES (?1, ?2, ?3, ?4)"));
    for (const auto& e : settings->exclusions) {
      SW_CHECK(insert.exec({site_id, e.path_prefix, e.rule_id, e.target}));
    }
  }
  return tx.commit();
}

Status SiteSettingsStore::audit(std::int64_t site_id, const std::optional<SiteSettings>& before,
                                const std::optional<SiteSettings>& after, const SettingsChange& change) {
  audit::Event event;
  event.actor = change.actor;
  event.actor_role = change.actor_role;
  event.site_id = site_id;
  event.action = "waf.settings_changed";
  event.object = "site:" + std::to_string(site_id);
  event.client_ip = change.client_ip;
  event.request_id = change.request_id;
  event.details = {{"before", before ? to_json(*before) : nlohmann::json("defaults")},
                   {"after", after ? to_json(*after) : nlohmann::json("defaults")}};
  auto appended = audit_.append(std::move(event));
  if (!appended) return std::unexpected(appended.error());
  return ok();
}

Status SiteSettingsStore::save(std::int64_t site_id, const SiteSettings& settings, const SettingsChange& change) {
  SW_CHECK(validate(settings));
  SW_TRY(site, db_.query_one("SELECT id FROM sites WHERE id = ?1", {site_id}));
  if (!site) return fail("waf.no_site", "there is no site with id " + std::to_string(site_id));
  SW_TRY(before, load(site_id));
  SW_CHECK(write(site_id, settings, change.actor));
  if (auto audited = audit(site_id, before, settings, change); !audited) {
    (void)write(site_id, before, change.actor);  // no unaudited change stays
    return audited;
  }
  return ok();
}

Status SiteSettingsStore::reset(std::int64_t site_id, const SettingsChange& change) {
  SW_TRY(before, load(site_id));
  if (!before) return ok();
  SW_CHECK(write(site_id, std::nullopt, change.actor));
  if (auto audited = audit(site_id, before, std::nullopt, change); !audited) {
    (void)write(site_id, before, change.actor);
    return audited;
  }
  return ok();
}

}  // namespace sw::waf
