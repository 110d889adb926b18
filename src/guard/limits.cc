#include "guard/limits.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <list>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "http/message.h"

namespace sw::guard {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;
constexpr std::size_t kShards = 16;
constexpr std::chrono::seconds kLagMemory{2};        // a lag over the threshold keeps overload on this long
constexpr std::chrono::seconds kStaleInFlight{60};   // an in-flight entry without complete() is dropped
constexpr std::uint32_t kPruneEvery = 1024;           // in-flight inserts per shard between prunes

// A client's address as IPv6 bytes (IPv4 v4-mapped); `ok` false when the text is not an address.
struct Address {
  std::array<unsigned char, 16> bytes{};
  bool ok = false;
};

Address parse_address(std::string_view text) {
  Address a;
  char buf[INET6_ADDRSTRLEN + 1];
  text = text.substr(0, text.find('%'));  // a zone id (fe80::1%eth0) names no other host
  if (text.empty() || text.size() >= sizeof buf) return a;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  unsigned char v4[4];
  if (inet_pton(AF_INET, buf, v4) == 1) {
    a.bytes[10] = a.bytes[11] = 0xff;
    std::memcpy(a.bytes.data() + 12, v4, 4);
    a.ok = true;
  } else {
    a.ok = inet_pton(AF_INET6, buf, a.bytes.data()) == 1;
  }
  return a;
}

bool v4_mapped(const std::array<unsigned char, 16>& b) {
  for (int i = 0; i < 10; ++i) {
    if (b[i] != 0) return false;
  }
  return b[10] == 0xff && b[11] == 0xff;
}

// The unit limits are counted by: the IPv4 address, or the IPv6 /64.
struct ClientKey {
  std::uint64_t hi = 0, lo = 0;
  bool operator==(const ClientKey&) const = default;
};
struct ClientKeyHash {
  std::size_t operator()(const ClientKey& k) const {
    std::uint64_t h = k.hi * 0x9e3779b97f4a7c15ULL ^ (k.lo + 0x632be59bd9b4e019ULL + (k.hi << 6) + (k.hi >> 2));
    h ^= h >> 31;
    return static_cast<std::size_t>(h * 0xbf58476d1ce4e5b9ULL);
  }
};

ClientKey key_of(const Address& a) {
  ClientKey k;
  if (!a.ok) return ClientKey{~0ULL, ~0ULL};  // not an address (never from the guard): one shared client
  std::memcpy(&k.hi, a.bytes.data(), 8);
  if (v4_mapped(a.bytes)) std::memcpy(&k.lo, a.bytes.data() + 8, 8);  // the whole IPv4 address
  return k;                                                            // IPv6: the /64
}

struct Bucket {
  double tokens = 0;
  SteadyTime last{};
  bool fresh = true;

  // Takes a token (or, with take = false, only looks whether there is one); when there is none, the
  // whole seconds until one (at least 1).
  std::int64_t take(SteadyTime now, double rate, double burst, bool take = true) {
    if (fresh) {
      tokens = burst;
      fresh = false;
    } else {
      const double elapsed = std::chrono::duration<double>(now - last).count();
      if (elapsed > 0) tokens = std::min(burst, tokens + elapsed * rate);
    }
    last = std::max(last, now);
    if (tokens >= 1) {
      if (take) tokens -= 1;
      return 0;
    }
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil((1 - tokens) / rate)));
  }
};

struct Client {
  ClientKey key;
  Bucket bucket;
  std::uint32_t blocks = 0;  // within the window starting at window_start
  SteadyTime window_start{};
  SteadyTime banned_until{};
};

struct ClientShard {
  std::mutex mutex;
  std::list<Client> lru;  // most recently seen first
  std::unordered_map<ClientKey, std::list<Client>::iterator, ClientKeyHash> index;
};

struct SiteShard {
  std::mutex mutex;
  std::unordered_map<std::int64_t, Bucket> buckets;  // bounded by the sites the guard routes to
};

struct InFlight {
  ClientKey key;
  SteadyTime since;
  bool counts = false;  // a 403 from a later filter counts towards this client's ban
};

struct InFlightShard {
  std::mutex mutex;
  std::unordered_map<std::string, InFlight> requests;
  std::uint32_t inserts = 0;
};

std::size_t shard_of(std::string_view text) { return std::hash<std::string_view>{}(text) % kShards; }

std::string retry_page(std::string_view title, std::string_view text, std::string_view english,
                       std::string_view request_id) {
  const std::string id = http::escape_html(request_id);
  std::string out = "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>";
  out.append(title).append("</title></head>\n<body><h1>").append(title).append("</h1>\n<p>").append(text);
  out.append("</p>\n<p>请求编号：<code>").append(id).append("</code></p>\n<hr>\n<p lang=\"en\">").append(english);
  out.append(" Request id: <code>").append(id).append("</code></p>\n</body></html>\n");
  return out;
}

FilterVerdict refusal(int status, std::int64_t retry_after, std::string reason, std::string body, bool close) {
  FilterVerdict v;
  v.action = FilterVerdict::Action::block;
  v.status = status;
  v.body = std::move(body);
  if (retry_after > 0) v.headers.emplace_back("Retry-After", std::to_string(retry_after));
  v.close = close;
  v.reason = std::move(reason);
  return v;
}

// Cheap requests keep being served in overload mode: GET/HEAD, no body, no query — the guard
// answers them from its verified cache; anything else may cost parsing, the WAF or a backend.
bool expensive(const FilterRequest& r) {
  return (r.method != "GET" && r.method != "HEAD") || !r.body.empty() ||
         r.target.find('?') != std::string_view::npos;
}

bool in_cidr(const Address& a, const Cidr& c) {
  const int whole = c.prefix / 8, rest = c.prefix % 8;
  if (std::memcmp(a.bytes.data(), c.bytes, static_cast<std::size_t>(whole)) != 0) return false;
  if (rest == 0) return true;
  const unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (a.bytes[static_cast<std::size_t>(whole)] & mask) == (c.bytes[whole] & mask);
}

void counter(std::string& out, std::string_view name, std::string_view help, std::string_view type,
             std::initializer_list<std::pair<std::string_view, std::uint64_t>> samples) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ").append(name).append(" ");
  out.append(type).append("\n");
  for (const auto& [labels, value] : samples) out.append(name).append(labels).append(" ") += std::to_string(value) + "\n";
}

}  // namespace

Result<Cidr> parse_cidr(std::string_view text) {
  const std::size_t slash = text.find('/');
  const std::string_view address = text.substr(0, slash);
  const Address a = address.find('%') == std::string_view::npos ? parse_address(address) : Address{};
  Cidr c;
  bool good = a.ok;
  if (good) std::memcpy(c.bytes, a.bytes.data(), 16);
  const bool v4 = good && address.find(':') == std::string_view::npos;
  if (good && slash != std::string_view::npos) {
    const std::string_view prefix = text.substr(slash + 1);
    good = !prefix.empty() && prefix.size() <= 3 && prefix.find_first_not_of("0123456789") == std::string_view::npos;
    int n = 0;
    for (char ch : prefix) n = n * 10 + (ch - '0');
    good = good && n <= (v4 ? 32 : 128);
    c.prefix = v4 ? 96 + n : n;
  }
  if (!good) {
    return fail("limits.bad_cidr", "[limits] allowlist: '" + std::string(text) +
                                       "' is not an IP address or CIDR such as 10.1.0.0/16 or 2001:db8::/48");
  }
  return c;
}

Result<LimitsOptions> limits_options_from(const LimitsConfig& config) {
  LimitsOptions o;
  o.rate_per_ip = static_cast<double>(config.rate_per_ip);
  o.burst_per_ip = static_cast<double>(config.burst_per_ip);
  o.rate_per_site = static_cast<double>(config.rate_per_site);
  o.burst_per_site = static_cast<double>(config.burst_per_site);
  o.ban_after_blocks = static_cast<std::size_t>(config.ban_after_blocks);
  o.ban_window = std::chrono::seconds(config.ban_window_seconds);
  o.ban_duration = std::chrono::seconds(config.ban_seconds);
  for (const std::string& entry : split_suffixes(config.allowlist)) {
    SW_CHECK(parse_cidr(entry));
    o.allowlist.push_back(entry);
  }
  o.max_clients = static_cast<std::size_t>(config.max_clients);
  o.overload = config.overload == "on"    ? OverloadMode::on
               : config.overload == "off" ? OverloadMode::off
                                          : OverloadMode::automatic;
  o.overload_in_flight = static_cast<std::size_t>(config.overload_in_flight);
  o.overload_loop_lag = std::chrono::milliseconds(config.overload_loop_lag_milliseconds);
  o.overload_retry_after = std::chrono::seconds(config.overload_retry_after_seconds);
  return o;
}

class LimitsFilter::Impl {
 public:
  Impl(LimitsOptions o, std::vector<Cidr> allow)
      : o_(std::move(o)), allow_(std::move(allow)), per_shard_(std::max<std::size_t>(1, o_.max_clients / kShards)),
        mode_(static_cast<int>(o_.overload)) {}

  SteadyTime now() const { return o_.clock ? o_.clock() : std::chrono::steady_clock::now(); }

  bool allowlisted(const Address& a) const {
    for (const Cidr& c : allow_) {
      if (in_cidr(a, c)) return true;
    }
    return false;
  }

  bool admit(std::string_view ip) {
    const Address a = parse_address(ip);
    if (o_.ban_after_blocks == 0 || allowlisted(a)) return true;
    const ClientKey key = key_of(a);
    const SteadyTime t = now();
    ClientShard& s = clients_[ClientKeyHash{}(key) % kShards];
    std::lock_guard lock(s.mutex);
    auto it = s.index.find(key);
    if (it == s.index.end() || it->second->banned_until <= t) return true;
    s.lru.splice(s.lru.begin(), s.lru, it->second);  // a banned client that keeps trying stays known
    refused_banned_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }

  FilterVerdict inspect(const FilterRequest& r) {
    const SteadyTime t = now();
    const Address a = parse_address(r.client_ip);
    const ClientKey key = key_of(a);
    const bool allowed = allowlisted(a);
    const bool refuse = expensive(r) && overloaded(t);  // the requests in flight before this one
    track(r.request_id, key, t, !allowed && !refuse);
    if (refuse) {
      overload_refused_.fetch_add(1, std::memory_order_relaxed);
      return refusal(503, o_.overload_retry_after.count(), "overload",
                     retry_page("网站繁忙", "网站当前访问量过大，暂时只提供页面浏览，提交、搜索等功能请稍后再试。",
                                "The site is busy: pages can be read, but forms and search are paused for now.",
                                r.request_id),
                     false);
    }
    if (allowed) return {};
    if (auto v = check_client(key, t, r.request_id)) return std::move(*v);
    if (auto v = check_site(r.site_id, t, r.request_id)) return std::move(*v);
    return {};
  }

  // The guard refused a request itself (a malformed or oversized head, a slow one): a strike like a 429.
  void refused(std::string_view ip) {
    const Address a = parse_address(ip);
    if (o_.ban_after_blocks == 0 || allowlisted(a)) return;
    guard_refusals_.fetch_add(1, std::memory_order_relaxed);
    note_block(key_of(a), now());
  }

  // Before "100 Continue": a banned client, overload mode (a body is expensive) or an empty bucket is
  // answered now, so the body is never sent. No token is taken: inspect() takes it with the body.
  FilterVerdict before_continue(const FilterRequest& r) {
    const SteadyTime t = now();
    const Address a = parse_address(r.client_ip);
    const ClientKey key = key_of(a);
    if (overloaded(t)) {
      overload_refused_.fetch_add(1, std::memory_order_relaxed);
      FilterVerdict v = refusal(503, o_.overload_retry_after.count(), "overload",
                                retry_page("网站繁忙", "网站当前访问量过大，暂时只提供页面浏览，提交、搜索等功能请稍后再试。",
                                           "The site is busy: pages can be read, but forms and search are paused for now.",
                                           r.request_id),
                                true);
      return v;
    }
    if (allowlisted(a)) return {};
    std::int64_t wait = 0;
    {
      ClientShard& s = clients_[ClientKeyHash{}(key) % kShards];
      std::lock_guard lock(s.mutex);
      Client& c = touch(s, key);
      if (c.banned_until > t) {
        banned_requests_.fetch_add(1, std::memory_order_relaxed);
        return refusal(403, std::chrono::ceil<std::chrono::seconds>(c.banned_until - t).count(), "banned",
                       retry_page("访问已被暂时禁止",
                                  "您的地址在短时间内多次触发网站防护，已被暂时禁止访问，请稍后再试。",
                                  "Your address triggered the site's protection repeatedly and is blocked for a "
                                  "while.",
                                  r.request_id),
                       true);
      }
      wait = c.bucket.take(t, o_.rate_per_ip, o_.burst_per_ip, /*take=*/false);
      if (wait > 0) count_block(c, t);
    }
    if (wait == 0) return {};
    limited_ip_.fetch_add(1, std::memory_order_relaxed);
    FilterVerdict v = too_many(wait, "rate_limit", r.request_id);
    v.close = true;
    return v;
  }

  void set_overload(OverloadMode mode) { mode_.store(static_cast<int>(mode), std::memory_order_relaxed); }
  OverloadMode overload_mode() const { return static_cast<OverloadMode>(mode_.load(std::memory_order_relaxed)); }

  void complete(const FilterOutcome& outcome) {
    InFlightShard& s = in_flight_[shard_of(outcome.request_id)];
    InFlight done;
    {
      std::lock_guard lock(s.mutex);
      auto it = s.requests.find(std::string(outcome.request_id));
      if (it == s.requests.end()) return;
      done = it->second;
      s.requests.erase(it);
    }
    in_flight_count_.fetch_sub(1, std::memory_order_relaxed);
    if (done.counts && outcome.status == 403) note_block(done.key, now());  // a later filter's (WAF) block
  }

  void note_loop_lag(std::chrono::milliseconds lag) {
    loop_lag_ms_.store(lag.count(), std::memory_order_relaxed);
    if (lag >= o_.overload_loop_lag) {
      lag_over_at_.store(now().time_since_epoch().count(), std::memory_order_relaxed);
    }
  }

  bool overloaded(SteadyTime t) const {
    const OverloadMode mode = overload_mode();
    if (mode == OverloadMode::on) return true;
    if (mode == OverloadMode::off) return false;
    if (in_flight_count_.load(std::memory_order_relaxed) >= o_.overload_in_flight) return true;
    const auto over_at = lag_over_at_.load(std::memory_order_relaxed);
    return over_at != kNever && t - SteadyTime(SteadyTime::duration(over_at)) < kLagMemory;
  }

  LimitsStats stats() const {
    LimitsStats s;
    s.limited_ip = limited_ip_.load(std::memory_order_relaxed);
    s.limited_site = limited_site_.load(std::memory_order_relaxed);
    s.bans = bans_.load(std::memory_order_relaxed);
    s.refused_banned = refused_banned_.load(std::memory_order_relaxed);
    s.banned_requests = banned_requests_.load(std::memory_order_relaxed);
    s.overload_refused = overload_refused_.load(std::memory_order_relaxed);
    s.guard_refusals = guard_refusals_.load(std::memory_order_relaxed);
    s.evictions = evictions_.load(std::memory_order_relaxed);
    s.in_flight = in_flight_count_.load(std::memory_order_relaxed);
    const SteadyTime t = now();
    s.overloaded = overloaded(t);
    for (auto& shard : clients_) {
      std::lock_guard lock(shard.mutex);
      s.clients += shard.lru.size();
      for (const Client& c : shard.lru) s.active_bans += c.banned_until > t ? 1 : 0;
    }
    return s;
  }

  std::int64_t loop_lag_ms() const { return loop_lag_ms_.load(std::memory_order_relaxed); }

 private:
  static constexpr SteadyTime::rep kNever = std::numeric_limits<SteadyTime::rep>::min();

  // The client's entry, created (evicting the least recently seen of a full shard) or moved to the front.
  Client& touch(ClientShard& s, const ClientKey& key) {
    if (auto it = s.index.find(key); it != s.index.end()) {
      s.lru.splice(s.lru.begin(), s.lru, it->second);
      return s.lru.front();
    }
    if (s.lru.size() >= per_shard_) {
      s.index.erase(s.lru.back().key);
      s.lru.pop_back();
      evictions_.fetch_add(1, std::memory_order_relaxed);
    }
    s.lru.push_front(Client{key, {}, 0, {}, {}});
    s.index.emplace(key, s.lru.begin());
    return s.lru.front();
  }

  // Counts a block against the client (shard locked); true when it started a ban.
  bool count_block(Client& c, SteadyTime t) {
    if (o_.ban_after_blocks == 0 || c.banned_until > t) return false;
    if (c.blocks == 0 || t - c.window_start >= o_.ban_window) {
      c.window_start = t;
      c.blocks = 0;
    }
    if (++c.blocks < o_.ban_after_blocks) return false;
    c.blocks = 0;
    c.banned_until = t + o_.ban_duration;
    bans_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  void note_block(const ClientKey& key, SteadyTime t) {
    ClientShard& s = clients_[ClientKeyHash{}(key) % kShards];
    std::lock_guard lock(s.mutex);
    count_block(touch(s, key), t);
  }

  std::optional<FilterVerdict> check_client(const ClientKey& key, SteadyTime t, std::string_view request_id) {
    std::int64_t wait = 0;
    {
      ClientShard& s = clients_[ClientKeyHash{}(key) % kShards];
      std::lock_guard lock(s.mutex);
      Client& c = touch(s, key);
      if (c.banned_until > t) {
        banned_requests_.fetch_add(1, std::memory_order_relaxed);
        untrack_count(request_id);
        return refusal(403, std::chrono::ceil<std::chrono::seconds>(c.banned_until - t).count(), "banned",
                       retry_page("访问已被暂时禁止",
                                  "您的地址在短时间内多次触发网站防护，已被暂时禁止访问，请稍后再试。",
                                  "Your address triggered the site's protection repeatedly and is blocked for a "
                                  "while.",
                                  request_id),
                       true);
      }
      wait = c.bucket.take(t, o_.rate_per_ip, o_.burst_per_ip);
      if (wait > 0) count_block(c, t);
    }
    if (wait == 0) return std::nullopt;
    limited_ip_.fetch_add(1, std::memory_order_relaxed);
    untrack_count(request_id);
    return too_many(wait, "rate_limit", request_id);
  }

  std::optional<FilterVerdict> check_site(std::int64_t site_id, SteadyTime t, std::string_view request_id) {
    std::int64_t wait = 0;
    {
      SiteShard& s = sites_[static_cast<std::size_t>(site_id) % kShards];
      std::lock_guard lock(s.mutex);
      wait = s.buckets[site_id].take(t, o_.rate_per_site, o_.burst_per_site);
    }
    if (wait == 0) return std::nullopt;
    limited_site_.fetch_add(1, std::memory_order_relaxed);
    untrack_count(request_id);
    return too_many(wait, "rate_limit_site", request_id);
  }

  static FilterVerdict too_many(std::int64_t wait, std::string reason, std::string_view request_id) {
    return refusal(429, wait, std::move(reason),
                   retry_page("请求过于频繁", "您的请求过于频繁，请稍后再试。",
                              "Too many requests: please try again in a moment.", request_id),
                   false);
  }

  void track(std::string_view request_id, const ClientKey& key, SteadyTime t, bool counts) {
    InFlightShard& s = in_flight_[shard_of(request_id)];
    std::size_t dropped = 0;
    {
      std::lock_guard lock(s.mutex);
      if (++s.inserts % kPruneEvery == 0) {
        dropped = std::erase_if(s.requests, [&](const auto& e) { return t - e.second.since > kStaleInFlight; });
      }
      if (!s.requests.try_emplace(std::string(request_id), InFlight{key, t, counts}).second) return;
    }
    in_flight_count_.fetch_add(1, std::memory_order_relaxed);
    if (dropped) in_flight_count_.fetch_sub(dropped, std::memory_order_relaxed);
  }

  // Our own refusal: its 403 (a ban) must not count again when it completes.
  void untrack_count(std::string_view request_id) {
    InFlightShard& s = in_flight_[shard_of(request_id)];
    std::lock_guard lock(s.mutex);
    if (auto it = s.requests.find(std::string(request_id)); it != s.requests.end()) it->second.counts = false;
  }

  LimitsOptions o_;
  std::vector<Cidr> allow_;
  std::size_t per_shard_;
  mutable std::array<ClientShard, kShards> clients_;
  std::array<SiteShard, kShards> sites_;
  std::array<InFlightShard, kShards> in_flight_;
  std::atomic<std::uint64_t> in_flight_count_{0};
  std::atomic<std::int64_t> loop_lag_ms_{0};
  std::atomic<SteadyTime::rep> lag_over_at_{kNever};
  std::atomic<int> mode_;  // OverloadMode: the configured one until an operator switches it
  std::atomic<std::uint64_t> limited_ip_{0}, limited_site_{0}, bans_{0}, refused_banned_{0}, banned_requests_{0},
      overload_refused_{0}, evictions_{0}, guard_refusals_{0};
};

Result<std::shared_ptr<LimitsFilter>> LimitsFilter::create(LimitsOptions options) {
  if (!(options.rate_per_ip > 0) || !(options.burst_per_ip >= 1) || !(options.rate_per_site > 0) ||
      !(options.burst_per_site >= 1) || options.max_clients == 0 || options.overload_in_flight == 0) {
    return fail("limits.bad_options",
                "limits: rates must be above 0, bursts at least 1, max_clients and overload_in_flight above 0");
  }
  std::vector<Cidr> allow;
  for (const std::string& entry : options.allowlist) {
    SW_TRY(c, parse_cidr(entry));
    allow.push_back(c);
  }
  return std::shared_ptr<LimitsFilter>(
      new LimitsFilter(std::make_unique<Impl>(std::move(options), std::move(allow))));
}

LimitsFilter::LimitsFilter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LimitsFilter::~LimitsFilter() = default;

bool LimitsFilter::admit(std::string_view client_ip) { return impl_->admit(client_ip); }
FilterVerdict LimitsFilter::inspect(const FilterRequest& request) { return impl_->inspect(request); }
void LimitsFilter::complete(const FilterOutcome& outcome) { impl_->complete(outcome); }
void LimitsFilter::refused(std::string_view client_ip, int) { impl_->refused(client_ip); }
FilterVerdict LimitsFilter::before_continue(const FilterRequest& head) { return impl_->before_continue(head); }
void LimitsFilter::set_overload(OverloadMode mode) { impl_->set_overload(mode); }
OverloadMode LimitsFilter::overload_mode() const { return impl_->overload_mode(); }

std::optional<OverloadMode> parse_overload_mode(std::string_view text) {
  if (text == "on") return OverloadMode::on;
  if (text == "off") return OverloadMode::off;
  if (text == "auto") return OverloadMode::automatic;
  return std::nullopt;
}
std::string_view to_string(OverloadMode mode) {
  return mode == OverloadMode::on ? "on" : mode == OverloadMode::off ? "off" : "auto";
}
void LimitsFilter::note_loop_lag(std::chrono::milliseconds lag) { impl_->note_loop_lag(lag); }
bool LimitsFilter::overloaded() const { return impl_->overloaded(impl_->now()); }
LimitsStats LimitsFilter::stats() const { return impl_->stats(); }

void LimitsFilter::append_metrics(std::string& out) const {
  const LimitsStats s = stats();
  counter(out, "guard_limits_rate_limited_total", "Requests answered 429 by the anti-DoS limits, by bucket.",
          "counter", {{"{scope=\"ip\"}", s.limited_ip}, {"{scope=\"site\"}", s.limited_site}});
  counter(out, "guard_limits_bans_total", "Temporary bans started (repeated 429s or WAF blocks).", "counter",
          {{"", s.bans}});
  counter(out, "guard_limits_refused_total", "Connections and requests refused because the client is banned.",
          "counter", {{"{at=\"accept\"}", s.refused_banned}, {"{at=\"request\"}", s.banned_requests}});
  counter(out, "guard_limits_overload_refused_total", "Expensive requests answered 503 in overload mode.",
          "counter", {{"", s.overload_refused}});
  counter(out, "guard_limits_overload", "1 while overload mode serves cached static GETs only.", "gauge",
          {{"", s.overloaded ? 1u : 0u}});
  const OverloadMode mode = overload_mode();
  counter(out, "guard_limits_overload_mode", "The overload switch: 1 on the mode in force (config or operator).",
          "gauge",
          {{"{mode=\"auto\"}", mode == OverloadMode::automatic ? 1u : 0u},
           {"{mode=\"on\"}", mode == OverloadMode::on ? 1u : 0u},
           {"{mode=\"off\"}", mode == OverloadMode::off ? 1u : 0u}});
  counter(out, "guard_limits_guard_refusals_total",
          "Requests the guard refused itself (400, 408, 413, 414, 431, 501, 505) counted as ban strikes.", "counter",
          {{"", s.guard_refusals}});
  counter(out, "guard_limits_in_flight", "Requests inspected and not yet answered.", "gauge", {{"", s.in_flight}});
  counter(out, "guard_limits_loop_lag_milliseconds", "How late the guard's event loop last ran its sweep.", "gauge",
          {{"", static_cast<std::uint64_t>(std::max<std::int64_t>(0, impl_->loop_lag_ms()))}});
  counter(out, "guard_limits_clients", "Clients (IPv4 addresses, IPv6 /64s) tracked.", "gauge", {{"", s.clients}});
  counter(out, "guard_limits_active_bans", "Clients banned now.", "gauge", {{"", s.active_bans}});
  counter(out, "guard_limits_evictions_total", "Clients dropped from the full table (least recently seen).",
          "counter", {{"", s.evictions}});
}

}  // namespace sw::guard
