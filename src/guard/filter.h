// Request filters: what the guard runs on every public request before anything else (N7.3 抗攻击、
// 防瘫痪; DESIGN.md "guard"). The WAF (src/waf/) and the anti-DoS limits are filters.
//
// Contract with the guard (src/guard/guard.cc):
// - admit() is asked once per accepted public connection, before a byte is read (limits counted from
//   accept, bans). Refused connections are closed at once and counted.
// - inspect() is called once per complete request on the public listeners (plain and TLS), after the
//   head parsed and the whole body arrived, and before routing to a file or answering 405. Requests
//   the parser refuses (400/414/431/505), bodies over the guard's max_body_bytes (413) and bodies
//   that do not arrive within body_timeout (408) are answered by the guard without inspect(); they
//   are still counted and logged. The admin listener is never filtered.
// - Filters run in the order given in GuardOptions::filters; the first verdict that is not pass is
//   the answer and later filters are not asked.
// - Both may be called from any guard thread at the same time; implementations are thread-safe.
//   inspect() may use CPU (a WAF costs milliseconds) but never blocks on I/O for long.
// - complete() is called once the answer to a request was written (status and bytes sent), for
//   filters that log or count by outcome; optional.
// - The views in FilterRequest are valid only during the call (for inspect_async: until done is called).
// - Off the event threads (issue 6): a filter whose inspect() is costly (the WAF's CRS run, milliseconds)
//   says so with offloads(); the guard then calls inspect_async() instead of inspect(), and the event
//   thread goes on serving other connections while the filter works on a thread of its own. `done` is
//   called exactly once with the verdict, from any thread, possibly before inspect_async() returns; the
//   guard resumes the connection on its event thread. The filter bounds its own queue: when it is full
//   it calls done at once with a refusal (503 and a "busy" page), never queueing without bound.
#pragma once

#include <functional>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sw::guard {

struct FilterHeader {
  std::string_view name;   // as sent (case preserved)
  std::string_view value;  // leading/trailing whitespace removed
};

struct FilterRequest {
  std::string_view request_id;  // unique per request (shown on block pages, in logs and events)
  std::string_view client_ip;
  std::uint16_t client_port = 0;
  std::string_view server_ip;
  std::uint16_t server_port = 0;
  bool tls = false;
  std::string_view method;        // as sent, e.g. "GET", "POST", "PROPFIND"
  std::string_view target;        // the raw request-target (path and query, percent-escapes intact)
  std::string_view http_version;  // "1.0" or "1.1"
  std::string_view host;          // normalised routing host; "" when absent or malformed
  std::int64_t site_id = 0;       // the site the host routes to; 0 when none
  std::span<const FilterHeader> headers;  // every header line, in order
  std::string_view body;          // the whole body (de-chunked); empty when none
};

struct FilterVerdict {
  enum class Action { pass, block };
  Action action = Action::pass;
  int status = 403;                                      // for block
  std::string content_type = "text/html; charset=utf-8";  // for block
  std::string body;                                      // for block: the page to send
  std::vector<std::pair<std::string, std::string>> headers;  // for block: extra headers (Retry-After…)
  bool close = false;                                    // close the connection after the answer
  std::string reason;  // short machine word for the access log and metrics ("waf", "rate_limit"…)
};

struct FilterOutcome {
  std::string_view request_id;
  int status = 0;
  std::uint64_t bytes_sent = 0;
};

class RequestFilter {
 public:
  virtual ~RequestFilter() = default;

  // false: close the new connection without reading from it.
  virtual bool admit(std::string_view client_ip) {
    (void)client_ip;
    return true;
  }
  // Called when an admitted connection closes (pairs with admit for connection counting).
  virtual void release(std::string_view client_ip) { (void)client_ip; }

  virtual FilterVerdict inspect(const FilterRequest& request) = 0;

  // true: the guard calls inspect_async() instead of inspect() (see the contract above).
  virtual bool offloads() const { return false; }
  virtual void inspect_async(const FilterRequest& request, std::function<void(FilterVerdict)> done) {
    done(inspect(request));
  }

  virtual void complete(const FilterOutcome& outcome) { (void)outcome; }

  // A request on a public listener that the guard refused itself, without inspect(): the client broke
  // the protocol or a limit (400, 408, 413, 414, 431, 501, 505; a head or TLS handshake not complete
  // within header_timeout counts as 408). For filters that count misbehaviour (the limits' bans).
  virtual void refused(std::string_view client_ip, int status) {
    (void)client_ip;
    (void)status;
  }

  // Expect: 100-continue (RFC 9110 10.1.1): asked with the head only (body empty) before the guard
  // answers "100 Continue", after its own size checks. The first verdict that is not pass is the final
  // answer instead: the body is never read and the connection closes. inspect() still sees the whole
  // request once the body arrived.
  virtual FilterVerdict before_continue(const FilterRequest& head) {
    (void)head;
    return {};
  }

  // Prometheus text lines (with their # HELP / # TYPE) appended to the admin /metrics answer.
  virtual void append_metrics(std::string& out) const { (void)out; }
};

}  // namespace sw::guard
