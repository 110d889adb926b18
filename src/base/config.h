// Config: sitewarden.toml, every key validated at start (N4.2 secure configuration).
//
// load_config() refuses the whole file on the first problem: an unknown key, a wrong type or an
// out-of-range value stops the start with an Error whose message names the file, line and key,
// e.g. "sitewarden.toml:12: [console] port: 70000 is out of range 1..65535". Keys that are absent
// take the safe defaults below; docs/operator-guide.md lists every key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sw {

struct NodeConfig {
  std::string data_dir = "/var/lib/sitewarden";
  std::string crypto_suite = "gm";  // "gm" | "intl"
};

struct LogConfig {
  std::string level = "info";  // debug | info | warn | error
  std::string file;            // empty: stderr (journald under systemd)
};

struct ConsoleConfig {
  std::string listen = "127.0.0.1";  // loopback unless configured (DESIGN.md)
  std::int64_t port = 8440;
  std::string tls_cert;      // PEM; empty: plain HTTP (allowed only on loopback)
  std::string tls_key;
  std::string client_ca;     // PEM CA for client-certificate login (N6.4); empty: off
  std::string language = "zh-CN";  // "zh-CN" | "en"
  std::int64_t handler_threads = 4;
  std::string public_url;    // how people reach the console (printed at start); empty: derived
};

struct HttpLimitsConfig {
  std::int64_t max_header_bytes = 8 * 1024;
  std::int64_t max_body_bytes = 1024 * 1024;
  std::int64_t max_uri_bytes = 4 * 1024;
  std::int64_t header_read_timeout_seconds = 10;
  std::int64_t body_read_timeout_seconds = 30;
  std::int64_t keep_alive_timeout_seconds = 60;
  std::int64_t max_connections = 1024;
};

struct IdentityConfig {
  std::int64_t password_min_length = 12;
  std::int64_t password_history = 5;
  std::int64_t password_max_age_days = 90;
  std::int64_t lockout_threshold = 5;
  std::int64_t lockout_ip_threshold = 20;
  std::int64_t lockout_minutes = 15;
  std::int64_t session_idle_minutes = 15;
  std::int64_t session_absolute_hours = 8;
  bool require_second_factor = true;
};

struct AuditConfig {
  std::int64_t checkpoint_every_events = 1000;
  std::int64_t checkpoint_interval_seconds = 60;
  std::int64_t retention_days = 183;  // never below 183 (N8.4: six months)
};

// [registry] (N2.1, N2.3): the domain suffixes allowed per organisation level, as a list separated
// by spaces or commas (each a dot and DNS labels in lowercase, e.g. ".org .org.cn"; empty: any
// domain), and the interval between periodic qualification re-reviews.
struct RegistryConfig {
  std::string province_domains;
  std::string city_domains = ".org .org.cn";
  std::string county_domains = ".org .org.cn";
  std::string grassroots_domains;
  std::string industry_domains;
  std::string affiliated_domains;
  std::int64_t rereview_interval_days = 365;
  // The lists above split, by level name ("city" → {".org", ".org.cn"}); levels with an empty list
  // are absent. Filled by parse_config; the default matches the defaults above.
  std::map<std::string, std::vector<std::string>> suffixes_by_level = {{"city", {".org", ".org.cn"}},
                                                                       {"county", {".org", ".org.cn"}}};
};

// [interaction] (N4.3, N4.5): the reply deadlines of the public's questions, counted in days from
// submission (a reminder, escalation, and unanswered this long fails a government-site inspection;
// warning_days < escalation_days < inspection_failure_days), and the per-client-IP limit on public
// submissions (content::InteractionOptions; cli platform interaction_options_from).
struct InteractionConfig {
  std::int64_t warning_days = 15;
  std::int64_t escalation_days = 30;
  std::int64_t inspection_failure_days = 90;
  std::int64_t per_ip_limit = 5;
  std::int64_t per_ip_window_seconds = 3600;
};

// [guard] (issue 5, N7.1, N7.3): the public server of each site's live release (docs/modules/guard.md).
// Listens on plain HTTP at listen:port and, when tls_cert_dir holds certificates, on tls_port with
// the certificate chosen by SNI; /healthz and /metrics on the admin listener (loopback only).
struct GuardConfig {
  bool enabled = true;  // `serve` starts the guard beside the console
  std::string listen = "127.0.0.1";
  std::int64_t port = 8080;          // 0: any
  std::int64_t tls_port = 8443;      // used only when tls_cert_dir is set
  std::string tls_cert_dir;          // <host>.pem (chain) + <host>.key per site; empty: no TLS
  std::string admin_listen = "127.0.0.1";
  std::int64_t admin_port = 8081;    // 0: any
  std::int64_t threads = 2;          // event threads, one io_context each
  std::int64_t disk_threads = 2;     // reads and verification of cache misses
  std::int64_t cache_bytes = 256LL << 20;
  std::int64_t cache_max_file_bytes = 8LL << 20;  // larger files are verified per request, not cached
  std::int64_t max_file_bytes = 256LL << 20;      // larger files are never served (503)
  std::int64_t max_header_bytes = 8 * 1024;
  std::int64_t max_uri_bytes = 4 * 1024;
  std::int64_t header_timeout_seconds = 10;
  std::int64_t idle_timeout_seconds = 30;
  std::int64_t max_connections = 10'000;
  std::int64_t max_connections_per_ip = 64;
  std::int64_t reload_interval_seconds = 30;
  std::string access_log = "guard-access.log";  // JSON lines; relative to data_dir; "off": none
  std::int64_t max_body_bytes = 1LL << 20;   // request body (413 above); read whole for the filters
  std::int64_t body_timeout_seconds = 10;    // slow POST: the whole body within this of the head (408)
};

// [watch] (issue 5, N7.1): `sitewarden watch`, the guard of mirror web roots (docs/modules/watch.md).
// A burst of file events is checked once quiet for debounce_milliseconds and held at most
// max_delay_milliseconds; every root is also fully re-verified every full_verify_interval_seconds.
struct WatchConfig {
  std::int64_t debounce_milliseconds = 5;
  std::int64_t max_delay_milliseconds = 25;
  std::int64_t full_verify_interval_seconds = 3600;
  std::int64_t verify_threads = 2;  // hashing threads of a full verification
};

// [monitor] (issue 7): the probes of every site of the register from outside (docs/modules/monitor.md).
// scheme: how site home pages are fetched; connect_to: "HOST:PORT:ADDR:PORT" entries (space separated)
// sending a site's traffic elsewhere (tests, private networks); ca_file: extra trust anchors.
struct MonitorConfig {
  bool enabled = false;  // `serve` runs the probes on their schedules (off until the operator turns it on:
                         // probes go out to every registered domain)
  std::string scheme = "https";
  std::int64_t incident_after = 3;  // consecutive failed probes of a target that open an incident
  std::int64_t uptime_interval_seconds = 300;
  std::int64_t tls_interval_seconds = 6 * 3600;
  std::int64_t links_interval_seconds = 24 * 3600;
  std::int64_t timeout_seconds = 15;  // the inspectors' limit
  std::int64_t retries = 2;
  std::int64_t max_per_host = 4;
  std::int64_t politeness_milliseconds = 250;  // least gap between requests to one host
  std::int64_t link_max_pages = 5000;
  std::int64_t link_max_depth = 10;
  std::int64_t link_cache_hours = 24;  // 0: no cache
  std::string connect_to;
  std::string ca_file;
  // DNS hijack (N7.2) and counterfeit domains (N5.3): validating resolution with libunbound.
  std::string dns_trust_anchor = "/usr/share/dns/root.key";  // DS/DNSKEY file; "": no DNSSEC validation
  std::string dns_upstream;   // "": recursion from the root; else forwarders "IP[@port]", comma separated
  std::string dns_resolvers;  // public resolvers compared with the validated answer, e.g. "223.5.5.5, 119.29.29.29"
  std::int64_t dns_timeout_seconds = 5;
  std::int64_t dns_in_flight = 64;
  std::int64_t dns_interval_seconds = 3600;
  std::int64_t lookalike_max_per_domain = 200;
  std::int64_t lookalike_similarity_percent = 60;
  std::int64_t lookalike_interval_seconds = 24 * 3600;
  // The fingerprint probe (N5.3/N7.1) and the location probe (N2.5/N6.6), docs/modules/monitor.md.
  std::int64_t fingerprint_interval_seconds = 3600;
  std::int64_t fingerprint_max_pages = 10;      // home page + internal links sampled per site
  std::int64_t fingerprint_drift_percent = 40;  // text changed beyond this: fingerprint.changed
  std::int64_t location_interval_seconds = 24 * 3600;
  std::string geoip_dat = "/usr/share/GeoIP/GeoIP.dat";      // Debian geoip-database (2019 data)
  std::string geoip_dat6 = "/usr/share/GeoIP/GeoIPv6.dat";
  std::string geoip_mmdb;                       // a MaxMind .mmdb used instead when set
  std::string location_allowed_countries = "CN";
  std::string location_foreign_severity = "warning";
  bool location_check_mx = true;
  // Freshness (issue 7; docs/monitoring.md "Freshness"): the inspectors' deadlines in days, a warning
  // freshness_warn_days before each; a column's type is read from its name (words, space separated).
  std::int64_t freshness_interval_seconds = 3600;
  std::int64_t freshness_home_days = 14;
  std::int64_t freshness_news_days = 14;
  std::int64_t freshness_notices_days = 183;  // six months
  std::int64_t freshness_other_days = 0;      // 0: other columns are only checked for being empty
  std::int64_t freshness_warn_days = 3;
  std::string freshness_news_words = "新闻 动态 要闻 资讯 news";
  std::string freshness_notices_words = "通知 公告 notice";
  std::int64_t freshness_max_pages = 20;  // column pages read per external site
  std::string metrics_listen;  // "127.0.0.1:PORT": Prometheus /metrics of the probes (loopback only); "": off
};

// [notify] (issue 7; docs/monitoring.md "Notifications"): incidents opened and closed and new critical
// findings, by e-mail (SMTP) and/or webhook, from a durable outbox (migration 0019). Empty URL: off.
struct NotifyConfig {
  std::string smtp_url;          // smtp://host:port or smtps://host:port
  std::string smtp_starttls = "required";  // smtp:// only: "required" | "try" | "off"
  std::string smtp_from;
  std::string smtp_to;                     // addresses, separated by spaces or commas
  std::string smtp_credentials_file;       // "user:password" on one line; readable by the node user only
  std::string webhook_url;                 // http(s)://...: JSON POST, HMAC-SHA256 signed
  std::string webhook_secret_file;         // the HMAC key; readable by the node user only
  std::string language = "zh";             // "zh" | "en"
  std::string ca_file;                     // extra trust anchors for smtps/STARTTLS/https
  std::int64_t max_attempts = 8;
  std::int64_t retry_seconds = 60;         // before the first retry; doubles each time
  std::int64_t site_quiet_minutes = 30;    // one message per site and channel within; the rest as a digest
  std::int64_t timeout_seconds = 30;
};

// [waf] (issue 6, N7.3): the guard's web application firewall — libmodsecurity 3 with Debian's OWASP
// CRS 3.3.4 (docs/modules/waf.md). paranoia and mode are the defaults of sites without their own
// settings (`sitewarden waf set`); event_log is relative to data_dir, "off" for none.
struct WafConfig {
  bool enabled = true;  // the guard inspects every public request
  std::string crs_dir = "/usr/share/modsecurity-crs";
  std::int64_t paranoia = 1;                 // CRS paranoia level 1..4
  std::string mode = "blocking";             // "blocking" | "detection_only"
  std::int64_t inbound_threshold = 5;        // CRS inbound anomaly score that blocks
  std::int64_t max_body_no_files_bytes = 128LL << 10;  // request body without files ModSecurity reads
  std::string event_log = "waf-events.log";  // JSON lines; "off": none
  std::int64_t threads = 0;       // threads inspecting off the guard's event threads; 0: one per core
  std::int64_t max_queued = 256;  // requests waiting for them; more are answered 503
  std::string prefilter = "on";  // "off" | "check" | "on": the vectorscan prefilter (docs/modules/waf.md)
  std::string prefilter_cache_dir = "cache/waf-prefilter";  // its compiled databases; "" or "off": none
};

// [limits] (issue 6, N7.3 防瘫痪): the guard's anti-DoS filter, run before the WAF on every public request
// (docs/modules/guard.md "Anti-DoS limits"). Rates are requests a second; a client is an IPv4 address
// or an IPv6 /64. allowlist: CIDRs (space or comma separated) never rate-limited nor banned.
// overload: "auto" (on past overload_in_flight or overload_loop_lag_milliseconds), "on", "off".
struct LimitsConfig {
  bool enabled = true;
  std::int64_t rate_per_ip = 100;
  std::int64_t burst_per_ip = 200;
  std::int64_t rate_per_site = 2000;
  std::int64_t burst_per_site = 4000;
  std::int64_t ban_after_blocks = 20;  // 429s and WAF blocks within ban_window_seconds; 0: never ban
  std::int64_t ban_window_seconds = 60;
  std::int64_t ban_seconds = 600;
  std::string allowlist;
  std::int64_t max_clients = 100'000;  // clients tracked (least recently seen evicted)
  std::string overload = "auto";
  std::int64_t overload_in_flight = 512;
  std::int64_t overload_loop_lag_milliseconds = 200;
  std::int64_t overload_retry_after_seconds = 5;
};

// [publish] (issue 5, N7.1): release retention and blob housekeeping (docs/modules/publish.md
// "Retention and blob garbage collection"). keep_releases: the newest releases kept per site (the
// live one always); older ones are pruned and their blobs become garbage unless something else names
// them. blob_gc: "daily" runs the collection in `serve`, "off" leaves it to `sitewarden store gc`.
// blob_gc_grace_seconds: an unreferenced blob younger than this is never removed, so a publish or
// upload running in another process keeps the blobs it has written but not yet recorded.
struct PublishConfig {
  std::int64_t keep_releases = 10;
  std::string blob_gc = "daily";
  std::int64_t blob_gc_grace_seconds = 3600;
};

struct Config {
  std::filesystem::path source;  // the file it was read from (empty for defaults)
  NodeConfig node;
  LogConfig log;
  ConsoleConfig console;
  HttpLimitsConfig http;
  IdentityConfig identity;
  AuditConfig audit;
  RegistryConfig registry;
  InteractionConfig interaction;
  GuardConfig guard;
  WatchConfig watch;
  PublishConfig publish;
  MonitorConfig monitor;
  WafConfig waf;
  NotifyConfig notify;
  LimitsConfig limits;
};

// Splits a [registry] *_domains value (separated by spaces or commas) into its suffixes.
std::vector<std::string> split_suffixes(std::string_view list);

// Reads and validates a config file. See the header comment for the error contract.
Result<Config> load_config(const std::filesystem::path& file);
// Validates TOML text as if read from `source_name` (tests, `sitewarden config check`).
Result<Config> parse_config(std::string_view toml_text, std::string_view source_name);

// One line per key: "[section] key = default  # type, range: meaning" (for docs and `--help`).
std::vector<std::string> describe_config_keys();

// A config file with every key at its default, with comments (written by `sitewarden init`).
std::string default_config_text(const std::filesystem::path& data_dir);

}  // namespace sw
