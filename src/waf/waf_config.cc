#include "waf/waf_config.h"

#include <algorithm>
#include <thread>

#include "audit/audit_log.h"
#include "base/clock.h"
#include "base/log.h"
#include "store/database.h"
#include "waf/site_settings_store.h"

namespace sw::waf {

namespace {

// A path key of [waf]: none for "" or "off", else the path, relative ones under the data directory.
std::filesystem::path data_path(const std::string& value, const std::filesystem::path& data_dir) {
  if (value.empty() || value == "off") return {};
  const std::filesystem::path p(value);
  return p.is_absolute() ? p : data_dir / p;
}

}  // namespace

Result<WafOptions> waf_options_from(const WafConfig& c, const GuardConfig& guard,
                                    const std::filesystem::path& data_dir) {
  WafOptions o;
  o.crs_dir = c.crs_dir;
  SW_TRY(mode, parse_mode(c.mode));
  o.defaults.mode = mode;
  o.defaults.paranoia = static_cast<int>(c.paranoia);
  o.inbound_threshold = static_cast<int>(c.inbound_threshold);
  o.max_body_bytes = static_cast<std::uint64_t>(guard.max_body_bytes);
  o.max_body_no_files_bytes =
      std::min(static_cast<std::uint64_t>(c.max_body_no_files_bytes), std::max<std::uint64_t>(o.max_body_bytes, 1024));
  o.threads = c.threads > 0 ? static_cast<std::size_t>(c.threads)
                            : std::max<std::size_t>(1, std::thread::hardware_concurrency());
  o.max_queued = static_cast<std::size_t>(c.max_queued);
  o.prefilter = c.prefilter == "on"      ? WafOptions::Prefilter::on
                : c.prefilter == "check" ? WafOptions::Prefilter::check
                                         : WafOptions::Prefilter::off;
  o.event_log = data_path(c.event_log, data_dir);
  o.prefilter_cache_dir = data_path(c.prefilter_cache_dir, data_dir);
  return o;
}

namespace {

// The stored settings, read on a connection of its own (SiteSettingsStore only reads here, so the audit
// log it is given is never written).
Result<std::map<std::int64_t, SiteSettings>> read_stored(const std::filesystem::path& database,
                                                         audit::AuditLog& audit) {
  SW_TRY(db, store::Database::open(database));
  SiteSettingsStore settings(*db, audit, system_clock());
  return settings.load_all();
}

}  // namespace

Result<std::unique_ptr<FollowedWaf>> FollowedWaf::start(WafOptions options, std::filesystem::path database,
                                                        audit::AuditLog& audit, std::chrono::seconds interval) {
  std::unique_ptr<FollowedWaf> f(new FollowedWaf());
  SW_TRY(stored, read_stored(database, audit));
  options.sites = stored;
  f->defaults_ = options.defaults;
  SW_TRY(waf, Waf::create(std::move(options)));
  f->waf_ = std::shared_ptr<Waf>(std::move(waf));
  f->applied_ = std::move(stored);
  f->database_ = std::move(database);
  f->audit_ = &audit;
  f->interval_ = interval;
  f->thread_ = std::thread([p = f.get()] { p->run(); });
  return f;
}

FollowedWaf::~FollowedWaf() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status FollowedWaf::refresh() {
  SW_TRY(stored, read_stored(database_, *audit_));
  std::lock_guard lock(mu_);
  for (const auto& [site, settings] : stored) {
    auto it = applied_.find(site);
    if (it != applied_.end() && it->second == settings) continue;
    SW_CHECK(waf_->set_site(site, settings));
    log::info("waf.settings_applied", {{"site_id", site}});
  }
  for (const auto& [site, settings] : applied_) {
    if (stored.contains(site)) continue;
    SW_CHECK(waf_->set_site(site, defaults_));
    log::info("waf.settings_applied", {{"site_id", site}, {"defaults", true}});
  }
  applied_ = std::move(stored);
  return {};
}

void FollowedWaf::run() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    if (auto s = refresh(); !s) log::error("waf.settings_reload_failed", {{"error", s.error().to_string()}});
    lock.lock();
  }
}

}  // namespace sw::waf
