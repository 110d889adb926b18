// SiteSettingsStore: where each site's WAF settings live — paranoia level, mode and rule exclusions in
// the database (tables waf_site_settings and waf_exclusions, migration 0016), every change audited as
// "waf.settings_changed" with the settings before and after (issue 6, N7.3, N7.4 audit).
// A site without a row has the [waf] defaults of the config; the guard loads all rows at start
// (load_all) and a change is given to the running Waf with Waf::set_site.
//
// Permission checks are the caller's (the console or the CLI decides who may change a site's WAF);
// the store validates the settings (waf::validate) and writes them atomically: a refused or failed
// change leaves the stored settings as they were.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "audit/audit_log.h"
#include "base/clock.h"
#include "base/result.h"
#include "store/database.h"
#include "waf/waf.h"

namespace sw::waf {

struct SettingsChange {
  std::string actor;       // user name or "cli:<os user>"
  std::string actor_role;  // the role acted under, "" when none
  std::string client_ip;
  std::string request_id;
};

class SiteSettingsStore {
 public:
  // Uses (does not own) the three; they must outlive the store. Use from one thread at a time.
  SiteSettingsStore(store::Database& db, audit::AuditLog& audit, const Clock& clock);

  // Every site that has its own settings.
  Result<std::map<std::int64_t, SiteSettings>> load_all();
  // The site's own settings, or nullopt when it uses the defaults.
  Result<std::optional<SiteSettings>> load(std::int64_t site_id);

  // Replaces the site's settings (exclusions included) and audits the change. Errors: "waf.bad_settings"
  // (names the field), "waf.no_site" (no such site), the store's and the audit log's errors.
  Status save(std::int64_t site_id, const SiteSettings& settings, const SettingsChange& change);

  // The site goes back to the defaults (its row and exclusions removed); audited. No-op if it had none.
  Status reset(std::int64_t site_id, const SettingsChange& change);

 private:
  Status write(std::int64_t site_id, const std::optional<SiteSettings>& settings, const std::string& by);
  Status audit(std::int64_t site_id, const std::optional<SiteSettings>& before,
               const std::optional<SiteSettings>& after, const SettingsChange& change);

  store::Database& db_;
  audit::AuditLog& audit_;
  const Clock& clock_;
};

// The settings as JSON (audit details, `sitewarden waf show`): {"paranoia", "mode", "exclusions": [...]}.
nlohmann::json to_json(const SiteSettings& settings);

}  // namespace sw::waf
