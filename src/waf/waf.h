// Waf: the guard's web application firewall filter — libmodsecurity 3 running the OWASP Core Rule Set
// 3.3.4 from Debian's modsecurity-crs package (N7.3 防攻击; issue 6; docs/modules/waf.md).
//
// Rules: the ModSecurity configuration of one site is rules_text(options, settings): the project's
// engine and CRS setup files (src/waf/conf/, embedded in the binary), the per-configuration lines
// (rule engine mode, paranoia level, anomaly thresholds, body limits, the site's exclusions as ctl:
// rules scoped to a path prefix) and `Include <crs_dir>/rules/*.conf`. One compiled rule set exists per
// distinct text; every site with that configuration shares it (rule sets are read-only after loading;
// each request gets its own transaction, so inspect() may run on any number of threads at once).
//
// Anomaly scoring: CRS rules add to the request's inbound anomaly score; rule 949110 blocks when it
// reaches the inbound threshold. In blocking mode the answer is a 403 with a Chinese block page (English
// under it) carrying the request id; in detection-only mode the request passes. Either way the
// request is an Event when any rule logged: written as one JSON line to the event log (matched data
// truncated to ~200 bytes, values of password/token/cookie/authorization-like variables masked),
// counted in the metrics by site and rule, and kept in a bounded per-site ring for the console.
// Response inspection is off (the guard serves signed static releases).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "guard/filter.h"
#include "waf/inspect_pool.h"

namespace sw::waf {

enum class Mode { blocking, detection_only };
std::string_view to_string(Mode mode);  // "blocking" | "detection_only"
Result<Mode> parse_mode(std::string_view text);  // "waf.bad_mode" naming the text

// A rule exclusion of one site (CRS "ruleRemoveById" / "ruleRemoveTargetById"), for requests whose
// path (without the query) starts with path_prefix; "" means every path of the site.
struct Exclusion {
  std::string path_prefix;  // "" or "/..." of [A-Za-z0-9/._~%-] only
  std::int64_t rule_id = 0; // 1..999999999
  std::string target;       // "" removes the rule; else one variable, e.g. "ARGS:q" or "REQUEST_COOKIES"
  bool operator==(const Exclusion&) const = default;
};

struct SiteSettings {
  int paranoia = 1;  // CRS paranoia level 1..4
  Mode mode = Mode::blocking;
  std::vector<Exclusion> exclusions;
  bool operator==(const SiteSettings&) const = default;
};

// Checks every field; the error ("waf.bad_settings") names the field and the value refused.
Status validate(const SiteSettings& settings);

struct WafOptions {
  std::filesystem::path crs_dir = "/usr/share/modsecurity-crs";  // holds rules/*.conf (Debian's package)
  std::uint64_t max_body_bytes = 1ULL << 20;             // SecRequestBodyLimit (match the guard's)
  std::uint64_t max_body_no_files_bytes = 128ULL << 10;  // SecRequestBodyNoFilesLimit
  int inbound_threshold = 5;   // CRS inbound anomaly score threshold (5: one critical match)
  int outbound_threshold = 4;
  bool validate_utf8 = false;  // CRS tx.crs_validate_utf8_encoding (rule 920250)
  int arg_name_length = 0;     // CRS tx.arg_name_length (rule 920360); 0: no limit
  int arg_length = 0;          // CRS tx.arg_length (rule 920370); 0: no limit
  // CRS rule 941310 ("US-ASCII Malformed Encoding XSS") guards pages a browser reads as US-ASCII; every
  // page the guard serves is UTF-8, and the rule fires on Chinese full-width punctuation (the UTF-8
  // bytes EF BC xx), i.e. on ordinary Chinese form posts. Off unless set (the CRS suite sets it).
  bool us_ascii_xss_rule = false;
  // The vectorscan prefilter (docs/modules/waf.md "The vectorscan prefilter"): off, on (requests no
  // covered pattern rule can match get the outcome of the reduced rule set, which is the full set's —
  // the soundness argument in the doc; check over the CRS corpus and the benchmark mix: 0 misses), or
  // check (both on every request, the full outcome used; a request where the prefilter said "cannot
  // match" and the full run differed is logged as waf.prefilter_miss and counted — how the CRS runner
  // and waf_prefilter_check prove it). On by default since its databases are cached on disk (below).
  enum class Prefilter { off, on, check };
  Prefilter prefilter = Prefilter::on;
  // Where the prefilter keeps its compiled vectorscan databases between starts (docs/modules/waf.md "The
  // prefilter's disk cache"): a cold build costs ~1.8 s of CPU per rule-set text, a warm one ~0.05 s.
  // Empty: no disk cache (every Waf with the prefilter on pays the cold build). A node's default is
  // <data dir>/cache/waf-prefilter ([waf] prefilter_cache_dir).
  std::filesystem::path prefilter_cache_dir;
  // Load the CRS rules as text generated from the CRS files (crs_text.h: paranoia markers with the rules
  // they skip at the site's level, and the application-exclusion packages the configuration does not
  // enable, left out; for the prefilter's reduced set the covered rules' text left out) instead of
  // `Include rules/*.conf` — the same verdicts, fewer rules for ModSecurity to walk per request. Falls
  // back to the Include (logged waf.trim_unavailable) when an exclusion names a rule the argument
  // rests on or the files are not as expected. rules_text() and --print-rules keep the Include.
  bool trim_rules = true;
  // Check mode of the above: the Include text is compiled too and run on every request; a request where
  // it gives another status, rule ids or anomaly score is logged waf.text_miss and counted (how the CRS
  // runner proves the trimmed text equivalent: --harness-option=--trim-check).
  bool trim_check = false;
  // Threads that run inspect() for the guard, off its event threads (InspectPool); 0: inspect() runs
  // on the caller's thread. At most max_queued requests wait for them; more are answered 503.
  std::size_t threads = 0;
  std::size_t max_queued = 256;
  std::shared_ptr<InspectPool> pool;  // set: used instead of a pool of `threads` (tests fill one up)
  SiteSettings defaults;                       // sites without their own settings
  std::map<std::int64_t, SiteSettings> sites;  // by site id (0: requests that route to no site)
  std::filesystem::path event_log;  // JSON lines, appended; empty: no file
  std::size_t recent_events = 200;  // per-site ring size for recent_events()
};

// The whole ModSecurity configuration for one site's settings (also what the CRS runner gives nginx).
std::string rules_text(const WafOptions& options, const SiteSettings& settings);

// One rule that logged during a request.
struct RuleMatch {
  std::int64_t id = 0;
  int severity = 0;     // ModSecurity: 0 emergency .. 7 debug; CRS critical is 2
  std::string message;  // the rule's msg
  std::string data;     // its logdata, ≤ ~200 bytes, secrets masked
};

struct Event {
  std::int64_t time_ms = 0;  // Unix milliseconds
  std::int64_t site_id = 0;
  std::string client_ip;
  std::string request_id;
  std::string method;
  std::string path;  // without the query
  bool blocked = false;
  int anomaly_score = 0;
  std::vector<RuleMatch> rules;
};

std::string to_json_line(const Event& event);  // one line, no newline

struct Count {
  std::string key;  // rule id or client IP
  std::uint64_t count = 0;
};

class Waf final : public guard::RequestFilter {
 public:
  // Validates every settings value, loads and compiles the rule sets (one per distinct text) and
  // opens the event log. Errors: "waf.bad_settings", "waf.rules" (the CRS directory or ModSecurity's
  // parser message), "waf.event_log" (the path and the reason).
  static Result<std::unique_ptr<Waf>> create(WafOptions options);
  ~Waf() override;

  // Replaces one site's settings (compiling a rule set if the configuration is new). Requests already
  // being inspected finish with the old set. Errors as create().
  Status set_site(std::int64_t site_id, const SiteSettings& settings);
  SiteSettings site_settings(std::int64_t site_id) const;

  guard::FilterVerdict inspect(const guard::FilterRequest& request) override;
  // With options.threads > 0 the guard inspects through the WAF's own pool (filter.h "Off the event
  // threads"); a full queue answers 503 with busy_page(), reason "waf_busy".
  bool offloads() const override;
  void inspect_async(const guard::FilterRequest& request, std::function<void(guard::FilterVerdict)> done) override;
  void append_metrics(std::string& out) const override;

  // For the console: the site's latest events (newest first, at most options.recent_events) and the
  // rules and client IPs that appear most in its events since start (most first, at most `limit`).
  std::vector<Event> recent_events(std::int64_t site_id) const;
  std::vector<Count> top_rules(std::int64_t site_id, std::size_t limit) const;
  std::vector<Count> top_ips(std::int64_t site_id, std::size_t limit) const;

  std::size_t rule_set_count() const;  // distinct compiled configurations

  class Impl;

 private:
  explicit Waf(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The 403 page of a blocked request: Chinese, then English; the request id HTML-escaped.
std::string block_page(std::string_view request_id);
// The 503 page when the WAF's queue is full: Chinese, then English; the request id HTML-escaped.
std::string busy_page(std::string_view request_id);

}  // namespace sw::waf
