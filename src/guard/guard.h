// Guard: the public server of every site's live release (DESIGN.md "guard"; N7.1 防篡改, N7.3, N7.6).
//
// Serves GET and HEAD for the files of each site's live release, routed by Host (lowercase, port
// removed; an unknown host gets 404). A file's bytes are sent only after they hashed to the digest
// the signed manifest names: verified on load into a bounded LRU cache (VerifiedCache); a file over
// cache_max_file_bytes is read and verified whole for each request and never cached; a mismatch is
// never sent: the file is read once more from the source, and if that copy verifies too it is served,
// otherwise the answer is 503. Either way the mismatch is a tamper incident: `on_tamper` is called
// (the CLI writes the audit event "guard.tamper") and guard_verify_failures_total counts it.
//
// HTTP: ETag (the served form's digest) and Last-Modified (the release time), If-None-Match /
// If-Modified-Since → 304, a single Range → 206 / 416 (several ranges: 200 with the whole file),
// precompressed gzip/brotli by Accept-Encoding (Vary: Accept-Encoding), security headers (CSP for
// static sites, X-Content-Type-Options, Referrer-Policy, frame-ancestors / X-Frame-Options, HSTS on
// TLS), HTTP/1.1 keep-alive and pipelining, TLS 1.2+ with the certificate chosen by SNI
// (re-read on reload() when its files changed; the old ones stay on error).
// Limits (N7.3): head size (431), request-target length (414), head timeout against slowloris
// (the whole head must arrive within header_timeout of its first byte), idle keep-alive timeout,
// open connections in total and per client IP — an IPv6 /64 counts as one (refused at accept, before
// a byte is read).
//
// Threading: `threads` event threads, each with its own io_context and its own SO_REUSEPORT
// listener; a connection stays on its thread. Cache hits are answered on the event thread (header
// block + shared body in one gather write); misses are read and hashed on `disk_threads` threads so
// a miss never stalls other connections. Each request reads the source's generation (one atomic
// load); when it changed, the live releases are re-read (on a disk thread; the request waits for it,
// the event thread does not) before the request is answered, so a switch or rollback is what the
// very next request gets. They are also re-read every reload_interval
// (domains change). Swapping releases never touches connections.
//
// Request filters (filter.h; N7.3 — the WAF and the anti-DoS limits): admit() per accepted public
// connection after the per-IP caps (a refusal closes it at once), release() when it closes;
// inspect() once per complete request (head and whole body) on the plain and TLS listeners before
// routing, in the order given, the first verdict other than pass being the answer (the filter's page
// and status with the guard's security headers and X-Request-Id); complete() after the answer was
// written. Each request gets an id (start time, thread index and a counter, in hex) that filters,
// block pages and the access log share. After the filters: GET and HEAD as above, other known
// methods 405 (with Allow), unknown methods 501 — the guard has no dynamic endpoints.
//
// Request bodies (RFC 9112 6): Content-Length or chunked (de-chunked for the filters; extensions
// ignored and bounded, trailers read and dropped). Both framings, a bad or repeated Content-Length
// → 400; another transfer coding → 501; a body over max_body_bytes → 413 at once, without reading
// the rest, and the connection closes; a body not complete within body_timeout of the head's end →
// 408 and close (slow POST). The connection buffer grows with the body (only for requests that
// have one) and shrinks back after it.
//
// The admin listener (loopback) answers GET /healthz and GET /metrics (Prometheus text; each filter's
// lines are appended, and blocks are counted by the verdict's reason). It is never filtered.
// The access log is JSON lines (time, request id, client IP, host, method, path without query,
// status, bytes, encoding, cache, verdict: "-" when no filter ran, "pass", or the blocking reason),
// buffered per event thread and written at 64 KiB or every second.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/config.h"
#include "base/crypto.h"
#include "base/result.h"
#include "guard/filter.h"
#include "guard/release_source.h"

namespace sw::guard {

struct GuardOptions {
  std::string listen = "127.0.0.1";
  std::uint16_t port = 0;  // 0: the kernel picks; read it with Guard::port()
  bool tls = false;        // also listen with TLS on tls_port, certificates from tls_cert_dir
  std::uint16_t tls_port = 0;
  std::filesystem::path tls_cert_dir;  // <host>.pem (chain) and <host>.key; default.pem/.key for no SNI
  std::string admin_listen = "127.0.0.1";
  std::uint16_t admin_port = 0;
  std::size_t threads = 2;
  std::size_t disk_threads = 2;
  std::uint64_t cache_bytes = 256ULL << 20;
  std::uint64_t cache_max_file_bytes = 8ULL << 20;
  std::uint64_t max_file_bytes = 256ULL << 20;
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_uri_bytes = 4 * 1024;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds idle_timeout{30'000};
  std::size_t max_connections = 10'000;
  std::size_t max_connections_per_ip = 64;
  std::chrono::milliseconds reload_interval{30'000};
  std::filesystem::path access_log;  // empty: no access log
  std::uint64_t max_body_bytes = 1ULL << 20;       // a request body over this: 413 and close
  std::chrono::milliseconds body_timeout{10'000};  // the whole body within this of the head's end, else 408
  std::vector<std::shared_ptr<RequestFilter>> filters;  // run in order on every public request (filter.h)
  // Called by each event thread at every timeout sweep with how late the sweep's timer fired (the
  // event loop's lag; the anti-DoS overload mode watches it, limits.h). Empty: not measured.
  std::function<void(std::chrono::milliseconds)> loop_lag;
};

// The options a [guard] config section describes (relative access_log under data_dir).
GuardOptions guard_options_from(const GuardConfig& config, const std::filesystem::path& data_dir);

// A file whose bytes did not hash to the manifest's digest (N7.1).
struct TamperReport {
  std::int64_t site_id = 0;
  std::int64_t release_id = 0;
  std::string path;              // manifest path
  crypto::Digest expected;
  std::string actual;            // the digest the bytes had, or why they could not be read
  bool served_after_refetch = false;  // the second read verified and was served
};

struct GuardStats {
  std::uint64_t requests = 0;
  std::map<int, std::uint64_t> responses;  // by status
  std::uint64_t bytes_sent = 0;
  std::uint64_t cache_hits = 0;
  std::uint64_t cache_misses = 0;
  std::uint64_t verify_failures = 0;
  std::uint64_t header_timeouts = 0;
  std::uint64_t idle_timeouts = 0;
  std::uint64_t refused_per_ip = 0;
  std::uint64_t refused_max_connections = 0;
  std::uint64_t refused_by_filter = 0;  // admit() said no
  std::uint64_t filter_blocks = 0;      // inspect() verdicts other than pass
  std::uint64_t body_timeouts = 0;      // 408
  std::uint64_t bodies_too_large = 0;   // 413
  std::uint64_t reloads = 0;
  std::uint64_t reload_failures = 0;
  std::uint64_t tls_reloads = 0;          // certificates re-read after a change
  std::uint64_t tls_reload_failures = 0;  // a change that did not load (the old certificates stay)
  std::uint64_t open_connections = 0;
  std::uint64_t cache_bytes = 0;
};

class Guard {
 public:
  using TamperSink = std::function<void(const TamperReport&)>;

  // Uses (does not own) `source`, which must outlive the guard. `on_tamper` is called from a disk
  // thread, at most once a minute per file form, and must not block for long.
  Guard(GuardOptions options, ReleaseSource& source, TamperSink on_tamper);
  ~Guard();  // stop() and wait()
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;

  // Reads the live releases, loads TLS certificates, binds every listener and starts the threads.
  // Errors: "guard.bad_options", "guard.tls" (names the file), "guard.bind" (address:port and the
  // reason), the source's error. Nothing keeps running on error. Call at most once.
  Status start();

  std::uint16_t port() const;
  std::uint16_t tls_port() const;
  std::uint16_t admin_port() const;

  // Re-reads the live releases now (also done on a generation change and every reload_interval),
  // and the TLS certificates when a file in tls_cert_dir changed (name, size or mtime) — not on a
  // generation change. On error the guard keeps serving what it had (releases or certificates; a
  // certificate error is logged as guard.tls_reload_failed and counted, and does not fail reload()).
  Status reload();

  // Stops accepting and closes every connection; wait() joins the threads. Idempotent.
  void stop();
  void wait();

  GuardStats stats() const;
  std::string metrics_text() const;  // Prometheus exposition format

  class Impl;  // guard.cc (its connections use it too)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sw::guard
