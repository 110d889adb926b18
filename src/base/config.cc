#include "base/config.h"

#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <utility>
#include <sstream>
#include <variant>

#include <toml++/toml.h>

#include <arpa/inet.h>

namespace sw {
namespace {

constexpr std::int64_t kNoMax = std::numeric_limits<std::int64_t>::max();

// One key of the schema. Exactly one of the three member pointers is set.
struct Key {
  std::string_view section;
  std::string_view name;
  std::function<std::string*(Config&)> text;
  std::function<std::int64_t*(Config&)> integer;
  std::function<bool*(Config&)> boolean;
  std::int64_t min = 0;
  std::int64_t max = kNoMax;
  std::vector<std::string_view> allowed;  // for text keys: the only values accepted (empty: any)
  std::string_view meaning;
  bool suffix_list = false;  // for text keys: a list of domain suffixes ([registry] *_domains)
};

template <class S, class T>
std::function<T*(Config&)> field(S Config::*section, T S::*member) {
  return [section, member](Config& c) { return &(c.*section.*member); };
}

Key text(std::string_view sec, std::string_view name, std::function<std::string*(Config&)> f,
         std::vector<std::string_view> allowed, std::string_view meaning) {
  return Key{sec, name, std::move(f), {}, {}, 0, kNoMax, std::move(allowed), meaning};
}
Key integer(std::string_view sec, std::string_view name, std::function<std::int64_t*(Config&)> f, std::int64_t min,
            std::int64_t max, std::string_view meaning) {
  return Key{sec, name, {}, std::move(f), {}, min, max, {}, meaning};
}
Key boolean(std::string_view sec, std::string_view name, std::function<bool*(Config&)> f, std::string_view meaning) {
  return Key{sec, name, {}, {}, std::move(f), 0, kNoMax, {}, meaning};
}

Key suffixes(std::string_view level_key, std::string RegistryConfig::*member, std::string_view meaning) {
  Key k = text("registry", level_key, field(&Config::registry, member), {}, meaning);
  k.suffix_list = true;
  return k;
}

const std::vector<Key>& schema() {
  static const std::vector<Key> keys = {
      text("node", "data_dir", field(&Config::node, &NodeConfig::data_dir), {}, "database, blobs, node key"),
      text("node", "crypto_suite", field(&Config::node, &NodeConfig::crypto_suite), {"gm", "intl"},
           "gm: SM3/SM2/SM4; intl: SHA-256/Ed25519/XChaCha20-Poly1305"),
      text("log", "level", field(&Config::log, &LogConfig::level), {"debug", "info", "warn", "error"}, "log level"),
      text("log", "file", field(&Config::log, &LogConfig::file), {}, "JSON log file; empty: stderr"),
      text("console", "listen", field(&Config::console, &ConsoleConfig::listen), {}, "console address"),
      integer("console", "port", field(&Config::console, &ConsoleConfig::port), 0, 65535, "console port (0: any)"),
      text("console", "tls_cert", field(&Config::console, &ConsoleConfig::tls_cert), {}, "PEM certificate"),
      text("console", "tls_key", field(&Config::console, &ConsoleConfig::tls_key), {}, "PEM private key"),
      text("console", "client_ca", field(&Config::console, &ConsoleConfig::client_ca), {},
           "PEM CA for certificate login"),
      text("console", "language", field(&Config::console, &ConsoleConfig::language), {"zh-CN", "en"},
           "default language"),
      integer("console", "handler_threads", field(&Config::console, &ConsoleConfig::handler_threads), 1, 64,
              "threads running console handlers"),
      text("console", "public_url", field(&Config::console, &ConsoleConfig::public_url), {},
           "URL printed for people"),
      integer("http", "max_header_bytes", field(&Config::http, &HttpLimitsConfig::max_header_bytes), 1024,
              1024 * 1024, "request header limit (431 above)"),
      integer("http", "max_body_bytes", field(&Config::http, &HttpLimitsConfig::max_body_bytes), 0,
              1024LL * 1024 * 1024, "request body limit (413 above)"),
      integer("http", "max_uri_bytes", field(&Config::http, &HttpLimitsConfig::max_uri_bytes), 256, 64 * 1024,
              "request target limit (414 above)"),
      integer("http", "header_read_timeout_seconds",
              field(&Config::http, &HttpLimitsConfig::header_read_timeout_seconds), 1, 300, "slowloris guard"),
      integer("http", "body_read_timeout_seconds", field(&Config::http, &HttpLimitsConfig::body_read_timeout_seconds),
              1, 3600, "slow POST guard"),
      integer("http", "keep_alive_timeout_seconds",
              field(&Config::http, &HttpLimitsConfig::keep_alive_timeout_seconds), 1, 3600, "idle keep-alive"),
      integer("http", "max_connections", field(&Config::http, &HttpLimitsConfig::max_connections), 1, 1'000'000,
              "open connections"),
      integer("identity", "password_min_length", field(&Config::identity, &IdentityConfig::password_min_length), 8,
              128, "N6.3"),
      integer("identity", "password_history", field(&Config::identity, &IdentityConfig::password_history), 1, 24,
              "previous passwords refused"),
      integer("identity", "password_max_age_days", field(&Config::identity, &IdentityConfig::password_max_age_days),
              1, 365, "N6.3: change forced after"),
      integer("identity", "lockout_threshold", field(&Config::identity, &IdentityConfig::lockout_threshold), 1, 100,
              "failures per account"),
      integer("identity", "lockout_ip_threshold", field(&Config::identity, &IdentityConfig::lockout_ip_threshold), 1,
              10000, "failures per client IP"),
      integer("identity", "lockout_minutes", field(&Config::identity, &IdentityConfig::lockout_minutes), 1, 1440,
              "first lockout; doubles on repeat"),
      integer("identity", "session_idle_minutes", field(&Config::identity, &IdentityConfig::session_idle_minutes), 1,
              240, "idle session timeout"),
      integer("identity", "session_absolute_hours", field(&Config::identity, &IdentityConfig::session_absolute_hours),
              1, 24, "absolute session lifetime"),
      boolean("identity", "require_second_factor", field(&Config::identity, &IdentityConfig::require_second_factor),
              "N6.4: TOTP or certificate required"),
      integer("audit", "checkpoint_every_events", field(&Config::audit, &AuditConfig::checkpoint_every_events), 1,
              1'000'000, "signed checkpoint interval"),
      integer("audit", "checkpoint_interval_seconds", field(&Config::audit, &AuditConfig::checkpoint_interval_seconds),
              1, 86400, "signed checkpoint interval"),
      integer("audit", "retention_days", field(&Config::audit, &AuditConfig::retention_days), 183, 36500,
              "N8.4: at least six months"),
      suffixes("province_domains", &RegistryConfig::province_domains, "N2.1: suffixes for province sites; empty: any"),
      suffixes("city_domains", &RegistryConfig::city_domains, "N2.1: suffixes for city union sites"),
      suffixes("county_domains", &RegistryConfig::county_domains, "N2.1: suffixes for county union sites"),
      suffixes("grassroots_domains", &RegistryConfig::grassroots_domains, "N2.1: grassroots; empty: any"),
      suffixes("industry_domains", &RegistryConfig::industry_domains, "N2.1: industry unions; empty: any"),
      suffixes("affiliated_domains", &RegistryConfig::affiliated_domains, "N2.1: affiliated units; empty: any"),
      integer("registry", "rereview_interval_days", field(&Config::registry, &RegistryConfig::rereview_interval_days),
              30, 1095, "N2.3: days between qualification re-reviews"),
      integer("interaction", "warning_days", field(&Config::interaction, &InteractionConfig::warning_days), 1, 365,
              "N4.3: an unanswered question is flagged (提醒) after"),
      integer("interaction", "escalation_days", field(&Config::interaction, &InteractionConfig::escalation_days), 1,
              365, "N4.3: escalated (督办) after; above warning_days"),
      integer("interaction", "inspection_failure_days",
              field(&Config::interaction, &InteractionConfig::inspection_failure_days), 1, 365,
              "N4.3: unanswered this long fails an inspection (检查不合格); above escalation_days"),
      integer("interaction", "per_ip_limit", field(&Config::interaction, &InteractionConfig::per_ip_limit), 1, 1000,
              "N4.3: public submissions per client IP per window"),
      integer("interaction", "per_ip_window_seconds",
              field(&Config::interaction, &InteractionConfig::per_ip_window_seconds), 60, 86400,
              "N4.3: the window of per_ip_limit"),
      boolean("guard", "enabled", field(&Config::guard, &GuardConfig::enabled), "serve starts the public guard"),
      text("guard", "listen", field(&Config::guard, &GuardConfig::listen), {}, "public address"),
      integer("guard", "port", field(&Config::guard, &GuardConfig::port), 0, 65535, "public HTTP port (0: any)"),
      integer("guard", "tls_port", field(&Config::guard, &GuardConfig::tls_port), 0, 65535,
              "public HTTPS port when tls_cert_dir is set (0: any)"),
      text("guard", "tls_cert_dir", field(&Config::guard, &GuardConfig::tls_cert_dir), {},
           "<host>.pem and <host>.key per site, chosen by SNI; empty: no TLS"),
      text("guard", "admin_listen", field(&Config::guard, &GuardConfig::admin_listen), {},
           "/healthz and /metrics address (loopback only)"),
      integer("guard", "admin_port", field(&Config::guard, &GuardConfig::admin_port), 0, 65535, "admin port (0: any)"),
      integer("guard", "threads", field(&Config::guard, &GuardConfig::threads), 1, 64, "event threads"),
      integer("guard", "disk_threads", field(&Config::guard, &GuardConfig::disk_threads), 1, 64,
              "threads reading and verifying files"),
      integer("guard", "cache_bytes", field(&Config::guard, &GuardConfig::cache_bytes), 1 << 20, 64LL << 30,
              "verified-bytes cache (LRU)"),
      integer("guard", "cache_max_file_bytes", field(&Config::guard, &GuardConfig::cache_max_file_bytes), 1024,
              1LL << 30, "largest cached file; larger ones are verified per request"),
      integer("guard", "max_file_bytes", field(&Config::guard, &GuardConfig::max_file_bytes), 1024, 4LL << 30,
              "largest file served"),
      integer("guard", "max_header_bytes", field(&Config::guard, &GuardConfig::max_header_bytes), 1024, 1024 * 1024,
              "request line + headers (431 above)"),
      integer("guard", "max_uri_bytes", field(&Config::guard, &GuardConfig::max_uri_bytes), 256, 64 * 1024,
              "request target (414 above)"),
      integer("guard", "header_timeout_seconds", field(&Config::guard, &GuardConfig::header_timeout_seconds), 1, 300,
              "slowloris: a request head must arrive within"),
      integer("guard", "idle_timeout_seconds", field(&Config::guard, &GuardConfig::idle_timeout_seconds), 1, 3600,
              "idle keep-alive connection closed after"),
      integer("guard", "max_connections", field(&Config::guard, &GuardConfig::max_connections), 1, 1'000'000,
              "open public connections"),
      integer("guard", "max_connections_per_ip", field(&Config::guard, &GuardConfig::max_connections_per_ip), 1,
              1'000'000, "open connections per client IP"),
      integer("guard", "reload_interval_seconds", field(&Config::guard, &GuardConfig::reload_interval_seconds), 1,
              86400, "re-read sites and domains even without a release switch"),
      text("guard", "access_log", field(&Config::guard, &GuardConfig::access_log), {},
           "JSON access log, relative to data_dir; \"off\": none"),
      integer("guard", "max_body_bytes", field(&Config::guard, &GuardConfig::max_body_bytes), 0, 1LL << 30,
              "N7.3: largest request body (413 above)"),
      integer("guard", "body_timeout_seconds", field(&Config::guard, &GuardConfig::body_timeout_seconds), 1, 3600,
              "N7.3 slow POST: a request body must arrive within"),
      integer("watch", "debounce_milliseconds", field(&Config::watch, &WatchConfig::debounce_milliseconds), 1, 1000,
              "N7.1: quiet time that ends a burst of file events"),
      integer("watch", "max_delay_milliseconds", field(&Config::watch, &WatchConfig::max_delay_milliseconds), 1,
              10000, "N7.1: longest a burst is held before it is checked"),
      integer("watch", "full_verify_interval_seconds",
              field(&Config::watch, &WatchConfig::full_verify_interval_seconds), 10, 7 * 86400,
              "N7.1: every byte of every mirror re-hashed this often (backstop)"),
      integer("watch", "verify_threads", field(&Config::watch, &WatchConfig::verify_threads), 1, 64,
              "hashing threads of a full verification"),
      integer("publish", "keep_releases", field(&Config::publish, &PublishConfig::keep_releases), 1, 1000,
              "N7.1: releases kept per site for rollback (the live one always)"),
      text("publish", "blob_gc", field(&Config::publish, &PublishConfig::blob_gc), {"daily", "off"},
           "daily: serve removes blobs nothing names; off: only `sitewarden store gc`"),
      integer("publish", "blob_gc_grace_seconds", field(&Config::publish, &PublishConfig::blob_gc_grace_seconds), 60,
              30 * 86400, "an unreferenced blob younger than this is kept (a writer in flight)"),
      boolean("monitor", "enabled", field(&Config::monitor, &MonitorConfig::enabled),
              "serve runs the probes on their schedules"),
      text("monitor", "scheme", field(&Config::monitor, &MonitorConfig::scheme), {"https", "http"},
           "how site home pages are fetched"),
      integer("monitor", "incident_after", field(&Config::monitor, &MonitorConfig::incident_after), 1, 100,
              "consecutive failed probes of a target that open an incident"),
      integer("monitor", "uptime_interval_seconds", field(&Config::monitor, &MonitorConfig::uptime_interval_seconds),
              60, 86400, "uptime probe of every site every"),
      integer("monitor", "tls_interval_seconds", field(&Config::monitor, &MonitorConfig::tls_interval_seconds), 300,
              7 * 86400, "TLS probe of every domain every"),
      integer("monitor", "links_interval_seconds", field(&Config::monitor, &MonitorConfig::links_interval_seconds),
              3600, 30 * 86400, "N3.6: link check of every site every"),
      integer("monitor", "timeout_seconds", field(&Config::monitor, &MonitorConfig::timeout_seconds), 1, 120,
              "a probe not answered within this failed (inspectors: 15)"),
      integer("monitor", "retries", field(&Config::monitor, &MonitorConfig::retries), 0, 10,
              "further attempts after a failure that may pass, with back-off"),
      integer("monitor", "max_per_host", field(&Config::monitor, &MonitorConfig::max_per_host), 1, 64,
              "requests in flight per host"),
      integer("monitor", "politeness_milliseconds", field(&Config::monitor, &MonitorConfig::politeness_milliseconds),
              0, 60000, "least gap between requests to one host"),
      integer("monitor", "link_max_pages", field(&Config::monitor, &MonitorConfig::link_max_pages), 1, 1'000'000,
              "pages crawled per site"),
      integer("monitor", "link_max_depth", field(&Config::monitor, &MonitorConfig::link_max_depth), 0, 100,
              "links away from the home page crawled"),
      integer("monitor", "link_cache_hours", field(&Config::monitor, &MonitorConfig::link_cache_hours), 0, 168,
              "external link targets not checked again within (0: always)"),
      text("monitor", "connect_to", field(&Config::monitor, &MonitorConfig::connect_to), {},
           "HOST:PORT:ADDR:PORT entries, space separated: where to connect instead"),
      text("monitor", "ca_file", field(&Config::monitor, &MonitorConfig::ca_file), {},
           "extra trust anchors (PEM) besides the system's"),
      text("monitor", "dns_trust_anchor", field(&Config::monitor, &MonitorConfig::dns_trust_anchor), {},
           "N7.2: DNSSEC trust anchor file (DS/DNSKEY lines); empty: no validation"),
      text("monitor", "dns_upstream", field(&Config::monitor, &MonitorConfig::dns_upstream), {},
           "N7.2: empty: resolve from the root; else forwarders IP[@port], comma separated"),
      text("monitor", "dns_resolvers", field(&Config::monitor, &MonitorConfig::dns_resolvers), {},
           "N7.2: resolvers compared with the validated answer, e.g. 223.5.5.5, 119.29.29.29"),
      integer("monitor", "dns_timeout_seconds", field(&Config::monitor, &MonitorConfig::dns_timeout_seconds), 1, 60,
              "a DNS question not answered within this failed"),
      integer("monitor", "dns_in_flight", field(&Config::monitor, &MonitorConfig::dns_in_flight), 1, 10000,
              "DNS questions in flight at once"),
      integer("monitor", "dns_interval_seconds", field(&Config::monitor, &MonitorConfig::dns_interval_seconds), 60,
              7 * 86400, "N7.2: DNS probe of every domain every"),
      integer("monitor", "lookalike_max_per_domain", field(&Config::monitor, &MonitorConfig::lookalike_max_per_domain),
              0, 10000, "N5.3: lookalike names resolved per domain"),
      integer("monitor", "lookalike_similarity_percent",
              field(&Config::monitor, &MonitorConfig::lookalike_similarity_percent), 1, 100,
              "N5.3: text similarity at or above which a lookalike's page is a counterfeit"),
      integer("monitor", "lookalike_interval_seconds",
              field(&Config::monitor, &MonitorConfig::lookalike_interval_seconds), 3600, 30 * 86400,
              "N5.3: lookalike probe of every domain every"),
      integer("monitor", "fingerprint_interval_seconds", field(&Config::monitor, &MonitorConfig::fingerprint_interval_seconds),
              300, 7 * 86400, "N5.3: fingerprint and hidden-link probe of every site every"),
      integer("monitor", "fingerprint_max_pages", field(&Config::monitor, &MonitorConfig::fingerprint_max_pages), 1, 200,
              "pages sampled per site: the home page and its first internal links"),
      integer("monitor", "fingerprint_drift_percent", field(&Config::monitor, &MonitorConfig::fingerprint_drift_percent),
              1, 100, "an external page whose text changed by more than this is fingerprint.changed"),
      integer("monitor", "location_interval_seconds", field(&Config::monitor, &MonitorConfig::location_interval_seconds),
              3600, 30 * 86400, "N2.5/N6.6: hosting and mail location of every site every"),
      text("monitor", "geoip_dat", field(&Config::monitor, &MonitorConfig::geoip_dat), {},
           "legacy GeoIP country database (Debian geoip-database)"),
      text("monitor", "geoip_dat6", field(&Config::monitor, &MonitorConfig::geoip_dat6), {},
           "legacy GeoIP IPv6 country database (empty: IPv6 addresses unknown)"),
      text("monitor", "geoip_mmdb", field(&Config::monitor, &MonitorConfig::geoip_mmdb), {},
           "a MaxMind-format country .mmdb used instead of the legacy files (empty: legacy)"),
      text("monitor", "location_allowed_countries", field(&Config::monitor, &MonitorConfig::location_allowed_countries),
           {}, "ISO country codes, space separated, where sites and mail may be hosted"),
      text("monitor", "location_foreign_severity", field(&Config::monitor, &MonitorConfig::location_foreign_severity),
           {"warning", "critical"}, "severity of location.foreign"),
      boolean("monitor", "location_check_mx", field(&Config::monitor, &MonitorConfig::location_check_mx),
              "locate the mail exchangers (MX) too"),
      integer("monitor", "freshness_interval_seconds",
              field(&Config::monitor, &MonitorConfig::freshness_interval_seconds), 300, 7 * 86400,
              "freshness probe of every site every"),
      integer("monitor", "freshness_home_days", field(&Config::monitor, &MonitorConfig::freshness_home_days), 1, 3650,
              "N8.3: the home page shows a new item at least every (inspectors: 14)"),
      integer("monitor", "freshness_news_days", field(&Config::monitor, &MonitorConfig::freshness_news_days), 1, 3650,
              "N8.3: a news column has a new item at least every (inspectors: 14)"),
      integer("monitor", "freshness_notices_days", field(&Config::monitor, &MonitorConfig::freshness_notices_days), 1,
              3650, "N8.3: a notices column has a new item at least every (inspectors: six months)"),
      integer("monitor", "freshness_other_days", field(&Config::monitor, &MonitorConfig::freshness_other_days), 0, 3650,
              "other columns: a new item at least every (0: only checked for being empty)"),
      integer("monitor", "freshness_warn_days", field(&Config::monitor, &MonitorConfig::freshness_warn_days), 0, 365,
              "a warning this many days before each freshness deadline"),
      text("monitor", "freshness_news_words", field(&Config::monitor, &MonitorConfig::freshness_news_words), {},
           "a column whose name holds one of these words is a news column"),
      text("monitor", "freshness_notices_words", field(&Config::monitor, &MonitorConfig::freshness_notices_words), {},
           "a column whose name holds one of these words is a notices column"),
      integer("monitor", "freshness_max_pages", field(&Config::monitor, &MonitorConfig::freshness_max_pages), 0, 1000,
              "column pages read per external site"),
      text("monitor", "metrics_listen", field(&Config::monitor, &MonitorConfig::metrics_listen), {},
           "127.0.0.1:PORT: serve's Prometheus /metrics of the probes (loopback only; empty: off)"),
      text("notify", "smtp_url", field(&Config::notify, &NotifyConfig::smtp_url), {},
           "smtp://host:port or smtps://host:port: notifications by e-mail (empty: off)"),
      text("notify", "smtp_starttls", field(&Config::notify, &NotifyConfig::smtp_starttls), {"required", "try", "off"},
           "STARTTLS on smtp://"),
      text("notify", "smtp_from", field(&Config::notify, &NotifyConfig::smtp_from), {}, "the sender address"),
      text("notify", "smtp_to", field(&Config::notify, &NotifyConfig::smtp_to), {},
           "recipient addresses, separated by spaces or commas"),
      text("notify", "smtp_credentials_file", field(&Config::notify, &NotifyConfig::smtp_credentials_file), {},
           "user:password on one line, readable by the node user only (empty: no login)"),
      text("notify", "webhook_url", field(&Config::notify, &NotifyConfig::webhook_url), {},
           "http(s) URL: notifications as signed JSON POSTs (empty: off)"),
      text("notify", "webhook_secret_file", field(&Config::notify, &NotifyConfig::webhook_secret_file), {},
           "the webhook's HMAC-SHA256 key, readable by the node user only"),
      text("notify", "language", field(&Config::notify, &NotifyConfig::language), {"zh", "en"},
           "the language of subjects and bodies"),
      text("notify", "ca_file", field(&Config::notify, &NotifyConfig::ca_file), {},
           "extra trust anchors (PEM) for the mail server and webhook"),
      integer("notify", "max_attempts", field(&Config::notify, &NotifyConfig::max_attempts), 1, 100,
              "attempts before a notification is marked failed"),
      integer("notify", "retry_seconds", field(&Config::notify, &NotifyConfig::retry_seconds), 1, 86400,
              "wait before the first retry; doubles each time"),
      integer("notify", "site_quiet_minutes", field(&Config::notify, &NotifyConfig::site_quiet_minutes), 0, 1440,
              "at most one message per site and channel within; what comes meanwhile goes as one digest"),
      integer("notify", "timeout_seconds", field(&Config::notify, &NotifyConfig::timeout_seconds), 1, 300,
              "one delivery attempt gives up after"),
      boolean("waf", "enabled", field(&Config::waf, &WafConfig::enabled),
              "N7.3: the guard inspects every public request with ModSecurity + OWASP CRS"),
      text("waf", "crs_dir", field(&Config::waf, &WafConfig::crs_dir), {},
           "OWASP CRS 3.3.4 (rules/*.conf), Debian's modsecurity-crs"),
      integer("waf", "paranoia", field(&Config::waf, &WafConfig::paranoia), 1, 4,
              "CRS paranoia level of sites without their own settings"),
      text("waf", "mode", field(&Config::waf, &WafConfig::mode), {"blocking", "detection_only"},
           "blocking answers 403; detection_only logs only (sites without their own settings)"),
      integer("waf", "inbound_threshold", field(&Config::waf, &WafConfig::inbound_threshold), 1, 1000,
              "CRS inbound anomaly score that blocks (5: one critical match)"),
      integer("waf", "max_body_no_files_bytes", field(&Config::waf, &WafConfig::max_body_no_files_bytes), 1024,
              1LL << 30, "request body without file parts that ModSecurity inspects"),
      text("waf", "event_log", field(&Config::waf, &WafConfig::event_log), {},
           "WAF events as JSON lines, relative to data_dir; off: none"),
      integer("waf", "threads", field(&Config::waf, &WafConfig::threads), 0, 256,
              "threads running the WAF off the guard's event threads; 0: one per core"),
      integer("waf", "max_queued", field(&Config::waf, &WafConfig::max_queued), 1, 100'000,
              "requests waiting for a WAF thread; more are answered 503 (busy page)"),
      text("waf", "prefilter", field(&Config::waf, &WafConfig::prefilter), {"off", "check", "on"},
           "on: requests no CRS pattern rule can match skip the full rule set; check: both, misses logged"),
      text("waf", "prefilter_cache_dir", field(&Config::waf, &WafConfig::prefilter_cache_dir), {},
           "the prefilter's compiled databases between starts, relative to data_dir; off: none"),
      boolean("limits", "enabled", field(&Config::limits, &LimitsConfig::enabled),
              "N7.3: rate limits, bans and overload mode before the WAF"),
      integer("limits", "rate_per_ip", field(&Config::limits, &LimitsConfig::rate_per_ip), 1, 1'000'000,
              "requests a second per client (IPv4 address or IPv6 /64); over it 429"),
      integer("limits", "burst_per_ip", field(&Config::limits, &LimitsConfig::burst_per_ip), 1, 10'000'000,
              "requests a client may send at once above its rate"),
      integer("limits", "rate_per_site", field(&Config::limits, &LimitsConfig::rate_per_site), 1, 10'000'000,
              "requests a second per site, all clients together; over it 429"),
      integer("limits", "burst_per_site", field(&Config::limits, &LimitsConfig::burst_per_site), 1, 100'000'000,
              "requests a site may get at once above its rate"),
      integer("limits", "ban_after_blocks", field(&Config::limits, &LimitsConfig::ban_after_blocks), 0, 1'000'000,
              "429s and WAF blocks within ban_window_seconds that ban a client (0: never)"),
      integer("limits", "ban_window_seconds", field(&Config::limits, &LimitsConfig::ban_window_seconds), 1, 86400,
              "window of ban_after_blocks"),
      integer("limits", "ban_seconds", field(&Config::limits, &LimitsConfig::ban_seconds), 1, 604800,
              "how long a banned client's connections are refused"),
      text("limits", "allowlist", field(&Config::limits, &LimitsConfig::allowlist), {},
           "CIDRs never rate-limited nor banned (the federation's monitors), space or comma separated"),
      integer("limits", "max_clients", field(&Config::limits, &LimitsConfig::max_clients), 1000, 10'000'000,
              "clients tracked at most (least recently seen evicted)"),
      text("limits", "overload", field(&Config::limits, &LimitsConfig::overload), {"auto", "on", "off"},
           "overload mode (only cached static GETs served, the rest 503): auto, on, off"),
      integer("limits", "overload_in_flight", field(&Config::limits, &LimitsConfig::overload_in_flight), 1,
              1'000'000, "auto overload: requests in flight at or above this"),
      integer("limits", "overload_loop_lag_milliseconds",
              field(&Config::limits, &LimitsConfig::overload_loop_lag_milliseconds), 10, 60'000,
              "auto overload: event-loop lag at or above this (within the last 2 s)"),
      integer("limits", "overload_retry_after_seconds",
              field(&Config::limits, &LimitsConfig::overload_retry_after_seconds), 1, 3600,
              "Retry-After of overload 503s"),
  };
  return keys;
}

std::string where(std::string_view source, const toml::source_region& region) {
  std::ostringstream out;
  out << source << ":" << region.begin.line;
  return out.str();
}

// Built with append rather than "literal" + std::string: GCC 12 at -O3 reports a false -Wrestrict on
// the latter (GCC bug 105329), which -Werror turns into a failed Release build.
std::string key_name(const Key& k) {
  std::string name = "[";
  name.append(k.section).append("] ").append(k.name);
  return name;
}

const Key* find_key(std::string_view section, std::string_view name) {
  for (const Key& k : schema()) {
    if (k.section == section && k.name == name) return &k;
  }
  return nullptr;
}

bool known_section(std::string_view section) {
  for (const Key& k : schema()) {
    if (k.section == section) return true;
  }
  return false;
}

std::string join(const std::vector<std::string_view>& values) {
  std::string out;
  for (auto v : values) out += (out.empty() ? "" : ", ") + std::string(v);
  return out;
}

bool suffix_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

// The first malformed suffix of a list, "" when all are well-formed.
std::string bad_suffix(std::string_view list) {
  for (const std::string& s : split_suffixes(list)) {
    bool good = s.size() >= 2 && s.size() <= 64 && s[0] == '.' && s.back() != '.' &&
                s.find("..") == std::string::npos && s.find("-.") == std::string::npos &&
                s.find(".-") == std::string::npos;
    for (char c : s) good = good && suffix_char(c);
    if (!good) return s;
  }
  return {};
}

void derive_registry(RegistryConfig& r) {
  r.suffixes_by_level.clear();
  const std::pair<std::string_view, const std::string*> levels[] = {
      {"province", &r.province_domains},     {"city", &r.city_domains},
      {"county", &r.county_domains},         {"grassroots", &r.grassroots_domains},
      {"industry", &r.industry_domains},     {"affiliated", &r.affiliated_domains}};
  for (const auto& [level, list] : levels) {
    auto split = split_suffixes(*list);
    if (!split.empty()) r.suffixes_by_level[std::string(level)] = std::move(split);
  }
}

Status apply(const Key& key, const toml::node& node, Config& config, std::string_view source) {
  const std::string at = where(source, node.source()) + ": " + key_name(key) + ": ";
  if (key.text) {
    const auto* v = node.as_string();
    if (!v) return fail("config.bad_type", at + "must be a string");
    const std::string& value = v->get();
    if (!key.allowed.empty()) {
      bool found = false;
      for (auto a : key.allowed) found = found || a == value;
      if (!found) return fail("config.bad_value", at + "'" + value + "' is not one of: " + join(key.allowed));
    }
    if (key.suffix_list) {
      if (auto bad = bad_suffix(value); !bad.empty()) {
        return fail("config.bad_value", at + "'" + bad + "' is not a domain suffix such as .org.cn (a dot and "
                                             "lowercase labels, separated by spaces or commas)");
      }
    }
    *key.text(config) = value;
    return ok();
  }
  if (key.integer) {
    const auto* v = node.as_integer();
    if (!v) return fail("config.bad_type", at + "must be an integer");
    const std::int64_t value = v->get();
    if (value < key.min || value > key.max) {
      return fail("config.out_of_range", at + std::to_string(value) + " is out of range " + std::to_string(key.min) +
                                             ".." + std::to_string(key.max));
    }
    *key.integer(config) = value;
    return ok();
  }
  const auto* v = node.as_boolean();
  if (!v) return fail("config.bad_type", at + "must be true or false");
  *key.boolean(config) = v->get();
  return ok();
}

// [limits] allowlist: every entry an IPv4/IPv6 address with an optional /prefix in range (N7.3).
Status check_allowlist(const Config& c, std::string_view source) {
  for (const std::string& entry : split_suffixes(c.limits.allowlist)) {
    const std::size_t slash = entry.find('/');
    const std::string address = entry.substr(0, slash);
    unsigned char bytes[16];
    const bool v4 = inet_pton(AF_INET, address.c_str(), bytes) == 1;
    const bool v6 = !v4 && inet_pton(AF_INET6, address.c_str(), bytes) == 1;
    bool good = v4 || v6;
    if (good && slash != std::string::npos) {
      const std::string prefix = entry.substr(slash + 1);
      good = !prefix.empty() && prefix.size() <= 3 &&
             prefix.find_first_not_of("0123456789") == std::string::npos && std::stoi(prefix) <= (v4 ? 32 : 128);
    }
    if (!good) {
      return fail("config.bad_value", std::string(source) + ": [limits] allowlist: '" + entry +
                                          "' is not an IP address or CIDR such as 10.1.0.0/16 or 2001:db8::/48");
    }
  }
  return ok();
}

// warning_days < escalation_days < inspection_failure_days, reported at the line of the key that
// breaks the order (the section's line when the key was left at its default).
Status check_interaction(const Config& c, const toml::table& root, std::string_view source) {
  const InteractionConfig& i = c.interaction;
  auto at = [&](std::string_view key) {
    const toml::node* section = root.get("interaction");
    const toml::table* table = section ? section->as_table() : nullptr;
    const toml::node* node = table ? table->get(key) : nullptr;
    if (node) return where(source, node->source());
    if (section) return where(source, section->source());
    return std::string(source);
  };
  if (i.escalation_days <= i.warning_days) {
    return fail("config.bad_value", at("escalation_days") + ": [interaction] escalation_days (" +
                                        std::to_string(i.escalation_days) + ") must be above warning_days (" +
                                        std::to_string(i.warning_days) + ")");
  }
  if (i.inspection_failure_days <= i.escalation_days) {
    return fail("config.bad_value", at("inspection_failure_days") + ": [interaction] inspection_failure_days (" +
                                        std::to_string(i.inspection_failure_days) +
                                        ") must be above escalation_days (" + std::to_string(i.escalation_days) +
                                        ")");
  }
  return ok();
}

Status check_consistency(const Config& c, std::string_view source) {
  const bool loopback = c.console.listen == "127.0.0.1" || c.console.listen == "::1" || c.console.listen == "localhost";
  if (c.console.tls_cert.empty() != c.console.tls_key.empty()) {
    return fail("config.bad_value", std::string(source) + ": [console] tls_cert and tls_key must be set together");
  }
  if (!loopback && c.console.tls_cert.empty()) {
    return fail("config.insecure", std::string(source) + ": [console] listen = '" + c.console.listen +
                                       "' is not loopback: set tls_cert and tls_key (the console is never served "
                                       "in clear text off the machine)");
  }
  if (!c.console.client_ca.empty() && c.console.tls_cert.empty()) {
    return fail("config.bad_value", std::string(source) + ": [console] client_ca needs tls_cert and tls_key");
  }
  if (c.node.data_dir.empty()) return fail("config.bad_value", std::string(source) + ": [node] data_dir is empty");
  if (c.guard.admin_listen != "127.0.0.1" && c.guard.admin_listen != "::1" && c.guard.admin_listen != "localhost") {
    return fail("config.insecure", std::string(source) + ": [guard] admin_listen = '" + c.guard.admin_listen +
                                       "' is not loopback (the metrics listener is never exposed)");
  }
  return ok();
}

}  // namespace

Result<Config> parse_config(std::string_view toml_text, std::string_view source_name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    return fail("config.syntax", where(source_name, e.source()) + ": " + std::string(e.description()));
  }
  Config config;
  config.source = std::string(source_name);
  for (const auto& [section_key, section_node] : root) {
    const std::string_view section = section_key.str();
    if (!known_section(section)) {
      return fail("config.unknown_key", where(source_name, section_node.source()) + ": unknown section [" +
                                            std::string(section) + "]");
    }
    const auto* table = section_node.as_table();
    if (!table) {
      return fail("config.bad_type",
                  where(source_name, section_node.source()) + ": " + std::string(section) + " must be a [section]");
    }
    for (const auto& [name_key, value] : *table) {
      const Key* key = find_key(section, name_key.str());
      if (!key) {
        return fail("config.unknown_key", where(source_name, value.source()) + ": unknown key [" +
                                              std::string(section) + "] " + std::string(name_key.str()));
      }
      SW_CHECK(apply(*key, value, config, source_name));
    }
  }
  SW_CHECK(check_consistency(config, source_name));
  SW_CHECK(check_interaction(config, root, source_name));
  SW_CHECK(check_allowlist(config, source_name));
  derive_registry(config.registry);
  return config;
}

std::vector<std::string> split_suffixes(std::string_view list) {
  std::vector<std::string> out;
  std::string word;
  for (char c : std::string(list) + " ") {
    if (c == ' ' || c == ',' || c == '\t') {
      if (!word.empty()) out.push_back(std::exchange(word, {}));
    } else {
      word += c;
    }
  }
  return out;
}

Result<Config> load_config(const std::filesystem::path& file) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) return fail("config.unreadable", file.string() + ": " + ec.message());
  constexpr std::uintmax_t kMaxConfigBytes = 1024 * 1024;
  if (size > kMaxConfigBytes) return fail("config.too_large", file.string() + ": larger than 1 MiB");
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail("config.unreadable", file.string() + ": cannot open");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_config(text, file.string());
}

namespace {
std::string default_value(const Key& k) {
  Config defaults;
  if (k.text) return "\"" + *k.text(defaults) + "\"";
  if (k.integer) return std::to_string(*k.integer(defaults));
  return *k.boolean(defaults) ? "true" : "false";
}
std::string range_of(const Key& k) {
  if (k.text) return k.allowed.empty() ? "string" : "one of " + join(k.allowed);
  if (k.integer) return "integer " + std::to_string(k.min) + ".." + (k.max == kNoMax ? "" : std::to_string(k.max));
  return "true/false";
}
}  // namespace

std::vector<std::string> describe_config_keys() {
  std::vector<std::string> lines;
  for (const Key& k : schema()) {
    lines.push_back(key_name(k) + " = " + default_value(k) + "  # " + range_of(k) + ": " + std::string(k.meaning));
  }
  return lines;
}

std::string default_config_text(const std::filesystem::path& data_dir) {
  std::string out = "# sitewarden configuration. Every key is checked at start; see docs/operator-guide.md.\n";
  std::string_view section;
  for (const Key& k : schema()) {
    if (k.section != section) {
      section = k.section;
      out += "\n[" + std::string(section) + "]\n";
    }
    std::string value = default_value(k);
    if (k.section == "node" && k.name == "data_dir") value = std::string("\"").append(data_dir.string()).append("\"");
    out += std::string(k.name) + " = " + value + "  # " + range_of(k) + ": " + std::string(k.meaning) + "\n";
  }
  return out;
}

}  // namespace sw
