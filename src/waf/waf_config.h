// The WAF as a node runs it (issue 6, N7.3): WafOptions from the [waf] and [guard] config sections, and
// a running WAF that follows the per-site settings stored by `sitewarden waf set` (SiteSettingsStore).
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "base/config.h"
#include "base/result.h"
#include "waf/waf.h"

namespace sw::audit {
class AuditLog;
}

namespace sw::waf {

// The options the config describes: crs_dir, the default paranoia/mode/threshold, body limits equal to
// the guard's max_body_bytes, the event log and the prefilter's disk cache under data_dir ("off": none). "waf.bad_mode" for a mode
// that is neither "blocking" nor "detection_only".
Result<WafOptions> waf_options_from(const WafConfig& waf, const GuardConfig& guard,
                                    const std::filesystem::path& data_dir);

// A Waf whose per-site settings follow the database: the stored settings are read at start and then
// every `interval` on a thread of its own (its own database connection), and each changed site is given
// to the Waf (Waf::set_site); a site whose settings were reset goes back to the defaults. A failed read
// keeps the settings in force (logged as waf.settings_reload_failed).
class FollowedWaf {
 public:
  // `audit` is only handed to the settings store, which never writes it when reading; it must outlive
  // this object.
  static Result<std::unique_ptr<FollowedWaf>> start(WafOptions options, std::filesystem::path database,
                                                    audit::AuditLog& audit, std::chrono::seconds interval);
  ~FollowedWaf();  // stops the thread

  std::shared_ptr<Waf> waf() const { return waf_; }
  Status refresh();  // reads the stored settings now

 private:
  FollowedWaf() = default;
  void run();

  std::shared_ptr<Waf> waf_;
  SiteSettings defaults_;
  std::filesystem::path database_;
  audit::AuditLog* audit_ = nullptr;
  std::chrono::seconds interval_{30};
  std::map<std::int64_t, SiteSettings> applied_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sw::waf
