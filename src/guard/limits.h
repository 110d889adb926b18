// Anti-DoS limits (N7.3 防瘫痪; issue 6): a RequestFilter (filter.h) the guard runs before the WAF on
// every public request, so a flood never costs CRS time.
//
// What it does, per client — an IPv4 address, or an IPv6 /64 (one customer's allocation: an
// attacker holding a /64 must not get 2^64 budgets); a v4-mapped IPv6 address counts as its IPv4:
// - Request rate: a token bucket per client (rate_per_ip tokens a second, at most burst_per_ip)
//   and one per site (rate_per_site / burst_per_site; requests to no known host share site 0). A
//   request without a token is answered 429 with Retry-After (whole seconds until the next token)
//   and a short Chinese page carrying the request id; the connection stays open.
// - Temporary bans: a client that collects ban_after_blocks blocks (its own 429s, and 403 answers
//   of later filters — the WAF — seen through complete()) within ban_window is banned for
//   ban_duration: admit() refuses its new connections (the guard closes them before reading a
//   byte), and requests on connections it already had are answered 403 and closed.
//   The guard's own refusals (a malformed head 400, 408 for a head or body too slow, 413, 414, 431,
//   501, 505; filter.h refused()) are strikes too: a client sending garbage gets banned like a flood.
// - Expect: 100-continue (before_continue): a banned client, overload mode or an empty bucket is
//   answered at once (403 / 503 / 429, connection closed), so the body is never sent; no token taken.
// - Allowlist: clients in the allowlist CIDRs (the federation's monitors) are never rate-limited
//   nor banned.
// - Overload mode: on when the operator says so (LimitsOptions::overload = on, or set_overload() on a
//   running guard: the admin listener's POST /overload?mode=on|off|auto, guard.h), or in auto when the
//   requests in flight (inspected, not yet complete()d) reach overload_in_flight, or the event-loop
//   lag the guard reports (note_loop_lag) reached overload_loop_lag within the last two seconds.
//   While on, cheap requests still pass — GET/HEAD without a body and without a query, which the
//   guard answers from its verified cache — and everything else (POST and other methods, any body,
//   a query: search, forms, what the WAF must parse) is answered 503 with Retry-After. It applies to
//   allowlisted clients too (it protects the node, not a budget).
// Not here: the count of open connections per client is the guard's max_connections_per_ip, counted
// at accept before this filter's admit() (guard.h), so it is not counted twice.
//
// Memory is bounded: clients live in a sharded table of at most max_clients entries, least recently
// seen evicted first (a client with many addresses only ever gets fresh buckets, never more memory);
// the table of requests in flight holds only what the guard is answering right now, and entries
// older than a minute (a complete() that never came) are dropped.
//
// Thread-safe: every method may be called from any guard thread at once (one mutex per shard).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/config.h"
#include "base/result.h"
#include "guard/filter.h"

namespace sw::guard {

enum class OverloadMode { automatic, on, off };

struct LimitsOptions {
  double rate_per_ip = 100;     // tokens a second
  double burst_per_ip = 200;    // bucket size
  double rate_per_site = 2000;
  double burst_per_site = 4000;
  std::size_t ban_after_blocks = 20;  // 0: never ban
  std::chrono::seconds ban_window{60};
  std::chrono::seconds ban_duration{600};
  std::vector<std::string> allowlist;  // CIDRs ("10.1.0.0/16", "2001:db8::/48") or single addresses
  std::size_t max_clients = 100'000;
  OverloadMode overload = OverloadMode::automatic;
  std::size_t overload_in_flight = 512;
  std::chrono::milliseconds overload_loop_lag{200};
  std::chrono::seconds overload_retry_after{5};
  // The time source of buckets, windows and bans (tests inject one; default steady_clock::now).
  std::function<std::chrono::steady_clock::time_point()> clock;
};

// "on" | "off" | "auto" (the config's and the admin endpoint's words); nullopt for anything else.
std::optional<OverloadMode> parse_overload_mode(std::string_view text);
std::string_view to_string(OverloadMode mode);

// The options a [limits] config section describes. Errors: "limits.bad_cidr" naming the entry.
Result<LimitsOptions> limits_options_from(const LimitsConfig& config);

// One allowlist entry parsed: "limits.bad_cidr" with the text when it is not an address or
// address/prefix (prefix 0..32 or 0..128).
struct Cidr {
  unsigned char bytes[16] = {};  // IPv4 as v4-mapped IPv6
  int prefix = 128;              // over the 128 bits
};
Result<Cidr> parse_cidr(std::string_view text);

struct LimitsStats {
  std::uint64_t limited_ip = 0;      // 429 by a client's bucket
  std::uint64_t limited_site = 0;    // 429 by a site's bucket
  std::uint64_t bans = 0;            // bans started
  std::uint64_t refused_banned = 0;  // connections refused at admit()
  std::uint64_t banned_requests = 0; // requests answered 403 on a connection opened before the ban
  std::uint64_t overload_refused = 0;  // 503 in overload mode
  std::uint64_t guard_refusals = 0;  // the guard's own refusals counted as strikes
  std::uint64_t evictions = 0;       // clients dropped from the full table
  std::uint64_t clients = 0;         // clients tracked now
  std::uint64_t active_bans = 0;     // of them, banned now
  std::uint64_t in_flight = 0;
  bool overloaded = false;
};

class LimitsFilter final : public RequestFilter {
 public:
  // Errors: "limits.bad_options" (a rate or burst not above 0, max_clients 0), "limits.bad_cidr".
  static Result<std::shared_ptr<LimitsFilter>> create(LimitsOptions options);
  ~LimitsFilter() override;

  bool admit(std::string_view client_ip) override;   // false: banned (and not allowlisted)
  FilterVerdict inspect(const FilterRequest& request) override;
  void complete(const FilterOutcome& outcome) override;  // 403s count towards a ban
  void refused(std::string_view client_ip, int status) override;  // a strike towards a ban
  FilterVerdict before_continue(const FilterRequest& head) override;
  void append_metrics(std::string& out) const override;

  // The guard's event-loop lag (GuardOptions::loop_lag): how late its sweep timer fired.
  void note_loop_lag(std::chrono::milliseconds lag);
  // Whether cheap-only serving is on now (mode on, or auto past a threshold).
  bool overloaded() const;
  // The operator's switch on a running guard (thread-safe; takes effect with the next request).
  void set_overload(OverloadMode mode);
  OverloadMode overload_mode() const;
  LimitsStats stats() const;

  class Impl;

 private:
  explicit LimitsFilter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sw::guard
