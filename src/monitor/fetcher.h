// Fetcher: many HTTP(S) requests at once with libcurl multi, the way the monitors probe sites from
// outside (issue 7): asynchronous on one thread, a cap on connections per host and in total, an
// optional politeness gap between request starts to the same host, a total timeout per attempt
// (15 s by default, as the inspectors use), retries with exponential back-off for failures that may
// pass (connect, timeout, 5xx), bounded bodies and bounded redirects.
//
// Contract:
//  - run() returns when every request (and every request added by `on_done`) has finished; it never
//    hangs: each attempt ends by its timeout, a slow-drip body included.
//  - A body longer than max_body_bytes is cut there (truncated = true) and the transfer stopped; the
//    response still counts as loaded with its status. Nothing else is kept from a response but the
//    status, the final URL, the content type and the Strict-Transport-Security header.
//  - Redirects are followed up to max_redirects; more (a loop) is error "redirect_loop".
//  - on_done runs on run()'s thread, one result at a time; it may queue more requests (a crawl).
//  - Only http and https URLs are fetched ("bad_url" otherwise, without a request).
//
// Thread-safety: one Fetcher per thread; run() is not re-entrant.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

namespace sw::monitor {

struct FetchOptions {
  std::chrono::milliseconds timeout{15'000};         // per attempt, connect to last byte
  std::chrono::milliseconds connect_timeout{10'000};
  int retries = 0;                                   // further attempts after a retryable failure
  std::chrono::milliseconds retry_backoff{1'000};    // before the first retry; doubles each time
  int max_connections = 64;                          // in flight in total
  int max_per_host = 6;                              // in flight per host (host:port)
  std::chrono::milliseconds politeness{0};           // least gap between request starts per host
  std::size_t max_body_bytes = 2 << 20;
  int max_redirects = 10;
  std::string user_agent = "sitewarden-monitor/0.1";
  // Each "HOST:PORT:CONNECT-HOST:CONNECT-PORT" sends requests for HOST:PORT to another address
  // (curl's CONNECT_TO): tests and private networks. The URL, Host header and TLS name stay the same.
  std::vector<std::string> connect_to;
  std::string ca_file;  // extra trust anchors (PEM); empty: the system's
  // When requested, run() returns within about 100 ms: transfers under way are dropped and requests
  // not finished get no on_done (the caller discards a cancelled pass).
  std::stop_token stop;
};

enum class Method { get, head };

struct FetchRequest {
  std::string url;
  Method method = Method::get;
  std::uint64_t tag = 0;  // the caller's: handed back with the result
};

struct FetchResult {
  int status = 0;             // the final response's HTTP status; 0 when none arrived
  std::string error;          // "" when a response arrived; else timeout | connect | dns | tls |
                              // redirect_loop | bad_url | protocol | too_large | other
  std::string error_message;  // curl's words
  std::string final_url;
  int redirects = 0;
  std::string content_type;   // lowercased, without parameters
  std::string hsts;           // the Strict-Transport-Security header of the final response
  std::string body;           // GET only, at most max_body_bytes
  bool truncated = false;
  int attempts = 0;
  std::chrono::milliseconds elapsed{0};  // of the last attempt
  bool loaded() const { return error.empty() && status > 0; }
};

class Fetcher {
 public:
  // What a finished request hands back; `queue` adds requests to the same run.
  using Queue = std::function<void(FetchRequest)>;
  using OnDone = std::function<void(const FetchRequest&, FetchResult&&, const Queue& queue)>;

  explicit Fetcher(FetchOptions options);
  ~Fetcher();
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  void run(std::vector<FetchRequest> requests, const OnDone& on_done);

  // Requests started (attempts, retries included) since construction.
  std::int64_t attempts() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The host:port a URL connects to ("" for a URL curl cannot parse): per-host caps and politeness key.
std::string authority_of(const std::string& url);
// The lowercase host of a URL ("" when it has none).
std::string host_of(const std::string& url);
// `ref` resolved against `base` (RFC 3986), without its fragment; "" when it is not http(s) or bad.
std::string resolve_url(const std::string& base, const std::string& ref);

}  // namespace sw::monitor
