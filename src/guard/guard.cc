// The guard's event loop, written directly on Asio (see guard.h for the contract). The only
// translation unit of the guard module that includes Boost.Asio.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange unincluded

#include "guard/guard.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>

#include "base/log.h"
#include "guard/limits.h"
#include "guard/request.h"
#include "guard/site_table.h"
#include "guard/verified_cache.h"
#include "http/message.h"
#include "http/tls_config.h"

namespace sw::guard {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using SteadyTime = std::chrono::steady_clock::time_point;
using error_code = boost::system::error_code;

namespace {

constexpr std::size_t kMaxStatus = 600;
constexpr std::size_t kLogFlushBytes = 64 * 1024;
constexpr auto kTamperReportInterval = std::chrono::seconds(60);
constexpr auto kFailedLoadMemory = std::chrono::seconds(1);  // a failed file is not re-read for this long
constexpr auto kReloadRetry = std::chrono::seconds(1);
constexpr std::size_t kCorkBytes = 32 * 1024;
constexpr std::size_t kFrontSlots = 4096;
constexpr std::size_t kSendfileBytes = 64 * 1024;  // cached bodies this large go out by sendfile on plain HTTP
constexpr std::size_t kMaxSealedPerThread = 128;  // memfds held per event thread (file descriptors are finite)
// A large body asked for this often within one second gets a sealed copy with its answer's head in
// front (head and body in one sendfile); below it the head goes first with MSG_MORE.
constexpr unsigned kWholeAfterHits = 4;
constexpr std::chrono::milliseconds kLingerQuiet{200};   // lingering close: ends after this without bytes
constexpr std::chrono::milliseconds kLingerTotal{2000};  // and after this in any case

// N7.1/N7.3: headers every answer carries. The CSP suits static sites: their own scripts, styles
// (inline styles allowed for themes), images and fonts only; no plugins; framed only by themselves.
constexpr std::string_view kSecurityHeaders =
    "Content-Security-Policy: default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: SAMEORIGIN\r\n"
    "Referrer-Policy: strict-origin-when-cross-origin\r\n";
constexpr std::string_view kHsts = "Strict-Transport-Security: max-age=31536000\r\n";

// A counter written by one thread and read by the admin thread: a relaxed load and store, no RMW.
void bump(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}
std::uint64_t read(const std::atomic<std::uint64_t>& c) { return c.load(std::memory_order_relaxed); }

struct Counters {
  std::array<std::atomic<std::uint64_t>, kMaxStatus> status{};
  std::atomic<std::uint64_t> requests{0}, bytes{0}, hits{0}, misses{0}, header_timeouts{0}, idle_timeouts{0},
      refused_per_ip{0}, refused_max{0}, refused_filter{0}, filter_blocks{0}, body_timeouts{0}, too_large{0};
};

void append_hex(std::string& out, std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
}

void append_number(std::string& out, std::uint64_t n) {
  char buf[24];
  char* p = buf + sizeof buf;
  do {
    *--p = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n);
  out.append(p, static_cast<std::size_t>(buf + sizeof buf - p));
}

// JSON string content for the access log: quotes, backslashes, control bytes and non-ASCII bytes
// escaped, so a hostile path can neither break a line nor smuggle invalid UTF-8 into the log.
void append_json_escaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
}

tcp::socket& socket_of(tcp::socket& s) { return s; }
tcp::socket& socket_of(asio::ssl::stream<tcp::socket>& s) { return s.next_layer(); }

// The unit connections per IP are counted by (N7.3): an IPv4 address (also when v4-mapped), or an
// IPv6 /64 — one customer's allocation, so 2^64 addresses of one attacker share one count.
std::string ip_key(const tcp::endpoint& e) {
  asio::ip::address a = e.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped()) a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    return std::string(b.begin(), b.end());
  }
  auto b = a.to_v6().to_bytes();
  return std::string(b.begin(), b.begin() + 8);
}

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

// One reading of tls_cert_dir: the default context (SNI picks the others from it) and one context per
// host. Immutable once built; a certificate reload builds a new set and swaps it in, while
// connections keep the set they were accepted with.
struct TlsContexts {
  std::unique_ptr<asio::ssl::context> default_ctx;
  std::unordered_map<std::string, SslCtxPtr> by_host;
  std::string signature;  // names, sizes and mtimes of the files read

  SSL_CTX* for_host(const std::string& host) const {
    auto it = by_host.find(host);
    return it == by_host.end() ? nullptr : it->second.get();
  }
};

}  // namespace

GuardOptions guard_options_from(const GuardConfig& c, const std::filesystem::path& data_dir) {
  GuardOptions o;
  o.listen = c.listen;
  o.port = static_cast<std::uint16_t>(c.port);
  o.tls = !c.tls_cert_dir.empty();
  o.tls_port = static_cast<std::uint16_t>(c.tls_port);
  o.tls_cert_dir = c.tls_cert_dir;
  o.admin_listen = c.admin_listen;
  o.admin_port = static_cast<std::uint16_t>(c.admin_port);
  o.threads = static_cast<std::size_t>(c.threads);
  o.disk_threads = static_cast<std::size_t>(c.disk_threads);
  o.cache_bytes = static_cast<std::uint64_t>(c.cache_bytes);
  o.cache_max_file_bytes = static_cast<std::uint64_t>(c.cache_max_file_bytes);
  o.max_file_bytes = static_cast<std::uint64_t>(c.max_file_bytes);
  o.max_header_bytes = static_cast<std::size_t>(c.max_header_bytes);
  o.max_uri_bytes = static_cast<std::size_t>(c.max_uri_bytes);
  o.header_timeout = std::chrono::seconds(c.header_timeout_seconds);
  o.idle_timeout = std::chrono::seconds(c.idle_timeout_seconds);
  o.max_connections = static_cast<std::size_t>(c.max_connections);
  o.max_connections_per_ip = static_cast<std::size_t>(c.max_connections_per_ip);
  o.reload_interval = std::chrono::seconds(c.reload_interval_seconds);
  o.max_body_bytes = static_cast<std::uint64_t>(c.max_body_bytes);
  o.body_timeout = std::chrono::seconds(c.body_timeout_seconds);
  if (c.access_log != "off" && !c.access_log.empty()) {
    const std::filesystem::path p(c.access_log);
    o.access_log = p.is_absolute() ? p : data_dir / p;
  }
  return o;
}

// A verified body copied into a sealed memfd (N7.1): once F_SEAL_WRITE, F_SEAL_SHRINK, F_SEAL_GROW and
// F_SEAL_SEAL are set nobody can change its bytes, so sendfile(2) from it sends exactly the verified
// bytes without copying them through user space. (Never a file of the store: that one can change.)
struct SealedBody {
  int fd = -1;
  SealedBody() = default;
  SealedBody(const SealedBody&) = delete;
  SealedBody& operator=(const SealedBody&) = delete;
  ~SealedBody() {
    if (fd >= 0) ::close(fd);
  }

  // `prefix` then `bytes` (both already checked by the caller: verified bytes, a head the guard built);
  // null when the kernel refuses (then the body is written from memory as before).
  static std::shared_ptr<const SealedBody> of(std::string_view bytes, std::string_view prefix = {}) {
    auto sealed = std::make_shared<SealedBody>();
    sealed->fd = ::memfd_create(prefix.empty() ? "sitewarden-guard" : "sitewarden-guard-answer",
                                MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (sealed->fd < 0) return nullptr;
    for (std::string_view part : {prefix, bytes}) {
      std::size_t done = 0;
      while (done < part.size()) {
        const ssize_t n = ::write(sealed->fd, part.data() + done, part.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return nullptr;
        done += static_cast<std::size_t>(n);
      }
    }
    constexpr int kSeals = F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
    if (::fcntl(sealed->fd, F_ADD_SEALS, kSeals) != 0) return nullptr;
    if ((::fcntl(sealed->fd, F_GET_SEALS) & kSeals) != kSeals) return nullptr;
    return sealed;
  }
};

// ---------------------------------------------------------------------------------------------
// Per event thread state.

enum class Listener { plain, tls, admin };

class ConnectionBase {
 public:
  enum class Wait { idle, head, body, write, disk };
  virtual ~ConnectionBase() = default;
  virtual void expire() = 0;
  SteadyTime deadline = SteadyTime::max();
  Wait wait = Wait::idle;
};

struct EventThread {
  std::size_t index = 0;
  Counters counters;
  std::shared_ptr<const SiteTable> table;  // this thread's copy of the current table
  std::uint64_t table_version = ~std::uint64_t{0};
  std::unordered_set<ConnectionBase*> live;
  // Cached per second: the Date header line and the access log's time.
  std::time_t clock_second = -1;
  std::string date_line;
  std::string log_time;
  std::string log_buffer;
  SteadyTime last_flush{};
  std::uint64_t request_counter = 0;  // request ids
  // This thread's front of the verified cache: a direct-mapped table of bodies taken from
  // VerifiedCache (so verified), read and written by this thread alone — a hit takes no lock. Bounded
  // by front_budget bytes; a release switch needs no flush, since new manifests name new digests.
  struct FrontSlot {
    std::string key;  // digest bytes
    Body body;
    std::shared_ptr<const SealedBody> sealed;  // for bodies of kSendfileBytes or more
    // The body again with one answer's head in front (`whole_head`, built in second `whole_second`):
    // a hot large file's full answer in one sendfile. Made at most once per second per slot, on the
    // kWholeAfterHits-th ask of that second; an answer whose head differs (another second, Connection)
    // goes head-then-body.
    std::shared_ptr<const SealedBody> whole;
    std::string whole_head;
    std::time_t whole_second = -1;
    std::time_t hot_second = -1;
    unsigned hot_count = 0;
    std::uint64_t whole_bytes() const { return whole ? body->size() + whole_head.size() : 0; }
    void drop_whole(std::uint64_t& bytes, std::size_t& fds) {
      if (whole) bytes -= whole_bytes(), --fds;
      whole.reset();
      whole_head.clear();
    }
  };
  std::vector<FrontSlot> front;
  std::uint64_t front_bytes = 0;
  std::uint64_t front_budget = 0;
  std::size_t front_sealed = 0;  // slots holding a sealed memfd

  const FrontSlot* front_find(const crypto::Digest& d) const {
    if (front.empty()) return nullptr;
    const FrontSlot& slot = front[front_index(d)];
    return slot.body && slot.key == d.bytes ? &slot : nullptr;
  }
  const FrontSlot* front_insert(const crypto::Digest& d, const Body& body) {
    const bool seal = body->size() >= kSendfileBytes;
    const std::uint64_t cost = body->size() * (seal ? 2 : 1);  // a sealed copy costs its size again
    if (front.empty() || cost > front_budget) return nullptr;
    FrontSlot& slot = front[front_index(d)];
    if (slot.body) slot.drop_whole(front_bytes, front_sealed);
    if (slot.body) front_bytes -= slot.body->size() * (slot.sealed ? 2 : 1);
    if (slot.sealed) --front_sealed;
    slot.whole_second = slot.hot_second = -1;
    slot.hot_count = 0;
    slot.key.clear();
    slot.body.reset();
    slot.sealed.reset();
    if (front_bytes + cost > front_budget) return nullptr;  // full: served from the shared cache
    slot.key = d.bytes;
    slot.body = body;
    if (seal && front_sealed < kMaxSealedPerThread) slot.sealed = SealedBody::of(*body);
    if (slot.sealed) ++front_sealed;
    front_bytes += body->size() * (slot.sealed ? 2 : 1);
    return &slot;
  }
  // The sealed copy of the slot's body with `head` in front, when this body is hot (see FrontSlot::whole);
  // null: send the head, then the body.
  std::shared_ptr<const SealedBody> front_whole(const crypto::Digest& d, std::string_view head) {
    if (front.empty()) return nullptr;
    FrontSlot& slot = front[front_index(d)];
    if (!slot.body || !slot.sealed || slot.key != d.bytes) return nullptr;
    if (slot.whole && slot.whole_head == head) return slot.whole;
    if (slot.hot_second != clock_second) slot.hot_second = clock_second, slot.hot_count = 0;
    if (++slot.hot_count < kWholeAfterHits || slot.whole_second == clock_second) return nullptr;
    slot.drop_whole(front_bytes, front_sealed);
    slot.whole_second = clock_second;  // one try a second, built or not
    const std::uint64_t cost = slot.body->size() + head.size();
    if (front_sealed >= kMaxSealedPerThread || front_bytes + cost > front_budget) return nullptr;
    slot.whole = SealedBody::of(*slot.body, head);
    if (!slot.whole) return nullptr;
    slot.whole_head.assign(head);
    front_bytes += cost;
    ++front_sealed;
    return slot.whole;
  }
  std::size_t front_index(const crypto::Digest& d) const {
    std::uint64_t h = 0;  // a digest's bytes are uniformly spread: its first 8 are a fine hash
    std::memcpy(&h, d.bytes.data(), std::min<std::size_t>(8, d.bytes.size()));
    return static_cast<std::size_t>(h % front.size());
  }
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  // One thread runs it: the reactor needs no locking (posts from disk threads still lock the scheduler).
  std::unique_ptr<asio::io_context> ctx = std::make_unique<asio::io_context>(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO);
  std::unique_ptr<asio::steady_timer> sweep;
  std::thread thread;

  void tick_clock() {
    const std::time_t now = std::time(nullptr);
    if (now == clock_second) return;
    clock_second = now;
    date_line = "Date: " + format_http_date(now) + "\r\n";
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    log_time = buf;
  }
};

// What a request resolved to when it names a file: enough to build the answer once the bytes are
// verified (now, from the cache, or later, from a disk thread).
struct FileAnswer {
  const SiteRoute* route = nullptr;
  const publish::ManifestEntry* entry = nullptr;
  Encoding encoding = Encoding::identity;
  crypto::Digest const* digest = nullptr;  // of the served form
  std::uint64_t size = 0;                  // of the served form
  ByteRange range;
  bool has_variants = false;
};

struct Reply {
  std::string head;
  Body body;
  std::size_t offset = 0;
  std::size_t length = 0;
  bool close = false;
  int status = 0;
  std::string_view encoding = "identity";
  std::string_view cache = "-";
  std::string verdict = "-";  // "-" no filter asked, "pass", or the blocking filter's reason
  std::shared_ptr<const SealedBody> sealed;  // body's bytes in a sealed memfd: sent with sendfile
  bool sealed_head = false;                  // `sealed` holds `head` then the body: one sendfile for both
};

// Who is asking: what a filter sees of the connection besides the request.
struct Peer {
  std::string_view client_ip;
  std::uint16_t client_port = 0;
  std::string_view server_ip;
  std::uint16_t server_port = 0;
  bool tls = false;
};

constexpr std::size_t kRequestIdBytes = 48;

class Guard::Impl {
 public:
  Impl(GuardOptions options, ReleaseSource& source, TamperSink sink)
      : o_(std::move(options)), source_(source), sink_(std::move(sink)), cache_(o_.cache_bytes) {
    limits_.max_header_bytes = o_.max_header_bytes;
    limits_.max_uri_bytes = o_.max_uri_bytes;
  }

  Status start();
  void stop();
  void wait();
  Status reload();
  GuardStats stats() const;
  std::string metrics_text() const;

  std::uint16_t port_ = 0, tls_port_ = 0, admin_port_ = 0;

  // ---- used by connections ----
  const GuardOptions o_;
  RequestLimits limits_;

  enum class Handled { ready, miss };
  Handled handle(EventThread& t, const RequestHead& h, const std::optional<std::string>& host, bool tls, Reply& r,
                 FileAnswer& fa, std::shared_ptr<const SiteTable>* hold);
  void build_file_reply(EventThread& t, const RequestHead& h, bool tls, const FileAnswer& fa, Body body,
                        Reply& r, bool not_modified = false);
  void build_error(EventThread& t, int status, bool close, bool tls, Reply& r, std::string_view extra = {});
  void handle_admin(EventThread& t, const RequestHead& h, Reply& r);
  int overload_switch(const RequestHead& h, std::string& body);
  // What the filters see of a request (filter.h); views into h, body, peer, request_id and host.
  void filter_request(EventThread& t, const RequestHead& h, std::string_view body, const Peer& peer,
                      std::string_view request_id, const std::optional<std::string>& host, FilterRequest& fr);
  // A filter's refusal as the answer (r), counted.
  void block(EventThread& t, const RequestHead& h, bool tls, std::string_view request_id, FilterVerdict v,
             Reply& r);
  // An offloading filter's inspect_async(); `resume` runs on t's event thread with the verdict.
  // wait() does not tear the event threads down while one is outstanding.
  void offload(EventThread& t, RequestFilter& f, const FilterRequest& fr, std::function<void(FilterVerdict)> resume);
  void complete(std::string_view request_id, int status, std::uint64_t bytes_sent) {
    for (const auto& f : o_.filters) f->complete(FilterOutcome{request_id, status, bytes_sent});
  }
  // admit() of every filter; false when one refused (the ones that admitted were released).
  bool admit(std::string_view ip) {
    for (std::size_t i = 0; i < o_.filters.size(); ++i) {
      if (!o_.filters[i]->admit(ip)) {
        for (std::size_t j = 0; j < i; ++j) o_.filters[j]->release(ip);
        return false;
      }
    }
    return true;
  }
  void release_filters(std::string_view ip) {
    for (const auto& f : o_.filters) f->release(ip);
  }
  // A request the guard refused itself (filter.h refused()): a strike for the limits' bans (issue 6).
  void note_refused(std::string_view ip, int status) {
    for (const auto& f : o_.filters) f->refused(ip, status);
  }
  // "<start time>-<thread>-<counter>" in hex, into `out`; returns its length.
  std::size_t next_request_id(EventThread& t, char (&out)[kRequestIdBytes]);
  void log_access(EventThread& t, const RequestHead& h, std::string_view ip, std::string_view request_id,
                  const Reply& r);
  void count_limit(EventThread& t, int status) {
    if (status == 408) bump(t.counters.body_timeouts);
    if (status == 413) bump(t.counters.too_large);
  }
  Body load_verified(const FileAnswer& fa, const std::string& path);
  void refresh(EventThread& t) { refresh_table(t); }
  // N7.1: when the source's generation moved past the loaded table, true — the caller waits, and
  // `resume` is posted to t's context once the live releases were re-read on a disk thread (or the
  // re-read failed: then the old table serves, retried at most once a second). Every request that
  // notices the switch waits for the same re-read; the event thread goes on serving others.
  bool reload_before(EventThread& t, std::function<void()> resume);
  void release_ip(const std::string& ip) {
    std::lock_guard lock(ip_mutex_);
    auto it = per_ip_.find(ip);
    if (it != per_ip_.end() && --it->second == 0) per_ip_.erase(it);
    open_connections_.fetch_sub(1, std::memory_order_relaxed);
  }
  asio::thread_pool& disk() { return *disk_; }
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }
  std::shared_ptr<const TlsContexts> tls() const {
    std::lock_guard lock(tls_mutex_);
    return tls_;
  }

 private:
  Status bind(EventThread& t, const std::string& address, std::uint16_t& port, Listener kind);
  void accept(EventThread& t, tcp::acceptor& acceptor, Listener kind);
  void on_accepted(EventThread& t, tcp::socket socket, Listener kind);
  void refused_by_filter(EventThread& t) { bump(t.counters.refused_filter); }
  void schedule_sweep(EventThread& t);
  void schedule_reload();
  void flush_log(EventThread& t);
  void refresh_table(EventThread& t);
  Status reload_locked(std::uint64_t generation);
  void run_reload();  // on a disk thread: the re-read a request noticed, then its waiters resume
  Status load_tls();
  // Re-reads the certificates when a file in tls_cert_dir changed (name, size or mtime); on error
  // the old contexts stay and the error is logged and counted.
  void reload_tls();
  std::string tls_signature() const;
  Result<std::shared_ptr<TlsContexts>> read_tls(std::string signature) const;

  ReleaseSource& source_;
  TamperSink sink_;
  VerifiedCache cache_;

  std::vector<std::unique_ptr<EventThread>> threads_;  // event threads, then the admin thread last
  std::unique_ptr<asio::thread_pool> disk_;
  std::unique_ptr<asio::steady_timer> reload_timer_;
  std::atomic<bool> started_{false}, stopping_{false};
  bool joined_ = false;
  std::mutex stop_mutex_;

  // The current table; event threads copy it when table_version_ moves.
  std::mutex waiters_mutex_;  // taken before reload_mutex_ when both are
  bool reload_running_ = false;
  std::vector<std::pair<EventThread*, std::function<void()>>> reload_waiters_;
  std::mutex reload_mutex_;
  std::mutex table_mutex_;
  std::shared_ptr<const SiteTable> table_;
  std::atomic<std::uint64_t> table_version_{0};
  std::atomic<std::uint64_t> loaded_generation_{0};
  SteadyTime last_failed_reload_{};
  std::atomic<std::uint64_t> reloads_{0}, reload_failures_{0};

  std::mutex offload_mutex_;
  std::condition_variable offload_done_;
  std::size_t offloaded_ = 0;  // inspect_async() calls whose done has not been called yet

  std::mutex ip_mutex_;
  std::unordered_map<std::string, std::size_t> per_ip_;
  std::atomic<std::uint64_t> open_connections_{0};

  std::mutex tamper_mutex_;
  std::unordered_map<std::string, SteadyTime> last_tamper_report_;
  std::unordered_map<std::string, SteadyTime> failed_loads_;
  std::atomic<std::uint64_t> verify_failures_{0};

  int log_fd_ = -1;
  std::uint64_t start_time_ = 0;  // request ids

  mutable std::mutex blocks_mutex_;
  std::map<std::string, std::uint64_t> blocks_by_reason_;  // filter verdicts, by sanitised reason

  mutable std::mutex tls_mutex_;
  std::shared_ptr<const TlsContexts> tls_;
  std::string tls_failed_signature_;  // the last signature that failed to load (logged once)
  std::atomic<std::uint64_t> tls_reloads_{0}, tls_reload_failures_{0};
};

// ---------------------------------------------------------------------------------------------
// One connection: read a request (head, then its body if any), answer it, repeat (keep-alive,
// pipelining), on one event thread.

template <class Stream>
class Connection : public ConnectionBase, public std::enable_shared_from_this<Connection<Stream>> {
 public:
  Connection(Guard::Impl& g, EventThread& t, Stream stream, Listener kind, std::string ip_key, std::string ip,
             std::uint16_t port, std::string server_ip, std::uint16_t server_port)
      : g_(g), t_(t), stream_(std::move(stream)), kind_(kind), ip_key_(std::move(ip_key)), ip_(std::move(ip)),
        port_(port), server_ip_(std::move(server_ip)), server_port_(server_port), base_cap_(g.o_.max_header_bytes),
        cap_(base_cap_), buf_(new char[cap_]) {
    t_.live.insert(this);
  }
  ~Connection() override {
    t_.live.erase(this);
    if (kind_ != Listener::admin) {
      g_.release_filters(ip_);
      g_.release_ip(ip_key_);
    }
  }

  void start() {
    if constexpr (std::is_same_v<Stream, asio::ssl::stream<tcp::socket>>) {
      wait_for(Wait::head, g_.o_.header_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server, [self = this->shared_from_this()](error_code ec) {
        if (ec) return self->close();
        self->await_request();
      });
    } else {
      await_request();
    }
  }

  void hold(std::shared_ptr<const void> keep) { keep_ = std::move(keep); }

  void expire() override {
    // Slow POST (N7.3): a body that did not arrive in time is answered 408, then the connection closes.
    if (wait == Wait::body && !g_.stopping() && !answered_early_ && !lingering_) {
      answered_early_ = true;
      phase_ = Phase::head;
      t_.tick_clock();
      g_.count_limit(t_, 408);
      if (kind_ != Listener::admin) g_.note_refused(ip_, 408);
      reply_.verdict = "-";
      g_.build_error(t_, 408, true, kind_ == Listener::tls, reply_);
      request_bytes_ = len_;
      return send();  // the pending read is left to fail when the socket closes
    }
    // Slowloris (a head or TLS handshake past header_timeout): closed unanswered, a strike all the same.
    if (wait == Wait::head && kind_ != Listener::admin && !g_.stopping()) g_.note_refused(ip_, 408);
    close();
  }

 private:
  enum class Phase { head, body_length, body_chunked };

  void wait_for(Wait w, std::chrono::milliseconds d) {
    wait = w;
    deadline = std::chrono::steady_clock::now() + d;
  }

  void close() {
    error_code ec;
    socket_of(stream_).close(ec);
  }

  void set_cork(bool on) {
    const int value = on ? 1 : 0;
    ::setsockopt(socket_of(stream_).native_handle(), IPPROTO_TCP, TCP_CORK, &value, sizeof value);
  }

  void await_request() {
    if (len_ == 0) wait_for(Wait::idle, g_.o_.idle_timeout);
    read();
  }

  void read() {
    reading_ = true;
    stream_.async_read_some(asio::buffer(buf_.get() + len_, cap_ - len_),
                            [self = this->shared_from_this()](error_code ec, std::size_t n) { self->on_read(ec, n); });
  }

  void on_read(error_code ec, std::size_t n) {
    reading_ = false;
    if (lingering_) return on_dropped(ec, n);
    if (answered_early_) return;  // a 408 is being written; its handler lingers, reading again
    if (ec || n == 0) return close();
    // Slowloris (N7.3): the head's deadline starts at its first byte and is not moved by more bytes.
    if (len_ == 0) wait_for(Wait::head, g_.o_.header_timeout);
    len_ += n;
    process();
  }

  // Grows the buffer (for a body) so that more can be read, never beyond `limit` bytes.
  void make_room(std::size_t limit) {
    if (len_ < cap_ || cap_ >= limit) return;
    const std::size_t cap = std::min(limit, std::max(cap_ * 2, len_ + 16 * 1024));
    std::unique_ptr<char[]> bigger(new char[cap]);
    std::memcpy(bigger.get(), buf_.get(), len_);
    buf_ = std::move(bigger);
    cap_ = cap;
  }

  // An answer the guard gives without the filters: a refused head, a body too large or malformed.
  void refuse(int status, bool keep_head) {
    phase_ = Phase::head;
    if (!keep_head) head_.reset();
    reply_.verdict = "-";
    g_.count_limit(t_, status);
    if (kind_ != Listener::admin) g_.note_refused(ip_, status);
    g_.build_error(t_, status, true, kind_ == Listener::tls, reply_);
    request_bytes_ = len_;
    send();
  }

  void process() {
    if (phase_ == Phase::head) {
      const ParseResult p = parse_request_head(std::string_view(buf_.get(), len_), g_.limits_, head_);
      if (p.outcome == ParseOutcome::incomplete) return read();
      t_.tick_clock();
      if (kind_ != Listener::admin) request_id_len_ = g_.next_request_id(t_, request_id_);
      if (p.outcome == ParseOutcome::refused) return refuse(p.status, false);
      request_bytes_ = head_.head_bytes;
      body_ = {};
      if (kind_ == Listener::admin) {
        if (head_.framing != BodyFraming::none) return refuse(400, true);
        g_.handle_admin(t_, head_, reply_);
        return send();
      }
      if (head_.framing == BodyFraming::length) {
        // 413 at once, before reading the body (N7.3).
        if (head_.content_length > g_.o_.max_body_bytes) return refuse(413, true);
        phase_ = Phase::body_length;
        wait_for(Wait::body, g_.o_.body_timeout);
      } else if (head_.framing == BodyFraming::chunked) {
        chunked_ = ChunkedDecoder{};
        chunked_.read = chunked_.write = head_.head_bytes;
        phase_ = Phase::body_chunked;
        wait_for(Wait::body, g_.o_.body_timeout);
      }
      if (head_.expect_continue && phase_ != Phase::head && len_ == head_.head_bytes) return continue_or_refuse();
    }
    if (phase_ == Phase::body_length) {
      const std::size_t end = head_.head_bytes + static_cast<std::size_t>(head_.content_length);
      if (len_ < end) {
        make_room(end);
        return read();
      }
      body_ = std::string_view(buf_.get() + head_.head_bytes, static_cast<std::size_t>(head_.content_length));
      request_bytes_ = end;
      phase_ = Phase::head;
    } else if (phase_ == Phase::body_chunked) {
      const ParseResult p = decode_chunked(buf_.get(), len_, g_.o_.max_body_bytes, g_.o_.max_header_bytes, chunked_);
      if (p.outcome == ParseOutcome::refused) {
        t_.tick_clock();
        return refuse(p.status, true);
      }
      if (p.outcome == ParseOutcome::incomplete) {
        len_ = chunked_.write;  // every byte up to len_ was consumed: the framing read is dropped
        chunked_.read = chunked_.write;
        make_room(head_.head_bytes + static_cast<std::size_t>(g_.o_.max_body_bytes) + 16 * 1024);
        return read();
      }
      body_ = std::string_view(buf_.get() + head_.head_bytes, chunked_.write - head_.head_bytes);
      request_bytes_ = chunked_.read;
      phase_ = Phase::head;
    }
    t_.tick_clock();
    dispatch();
  }

  void dispatch() {
    if (g_.reload_before(t_, [self = this->shared_from_this()] {
          self->t_.tick_clock();
          self->dispatch();
        })) {
      wait = Wait::disk;  // the release switch is read on a disk thread; this request gets it
      deadline = SteadyTime::max();
      return;
    }
    host_ = normalise_host(head_.host);
    reply_.verdict = "-";
    if (!g_.o_.filters.empty()) {
      inspected_ = true;
      const Peer peer{ip_, port_, server_ip_, server_port_, kind_ == Listener::tls};
      g_.filter_request(t_, head_, body_, peer, request_id(), host_, filter_request_);
      return run_filters(0);
    }
    route();
  }

  // The filters from `next` on, in order (filter.h): an offloading filter works on its own thread while
  // this event thread serves others, and the request resumes here with its verdict.
  void run_filters(std::size_t next) {
    const auto& filters = g_.o_.filters;
    for (; next < filters.size(); ++next) {
      RequestFilter& filter = *filters[next];
      if (filter.offloads()) {
        wait = Wait::disk;  // no timeout while the filter works; the answer follows its verdict
        deadline = SteadyTime::max();
        g_.offload(t_, filter, filter_request_, [self = this->shared_from_this(), next](FilterVerdict v) {
          self->t_.tick_clock();
          if (v.action != FilterVerdict::Action::pass) return self->refused_by(std::move(v));
          self->run_filters(next + 1);
        });
        return;
      }
      FilterVerdict v = filter.inspect(filter_request_);
      if (v.action != FilterVerdict::Action::pass) return refused_by(std::move(v));
    }
    reply_.verdict = "pass";
    route();
  }

  // Expect: 100-continue (RFC 9110 10.1.1), the size checks passed and no body byte came yet: the
  // filters' before_continue() (the limits: banned, over budget, overload mode) may answer now and
  // close, so the body is never sent; otherwise "100 Continue", then the body is read as usual.
  void continue_or_refuse() {
    if (kind_ != Listener::admin && !g_.o_.filters.empty()) {
      host_ = normalise_host(head_.host);
      const Peer peer{ip_, port_, server_ip_, server_port_, kind_ == Listener::tls};
      g_.filter_request(t_, head_, {}, peer, request_id(), host_, filter_request_);
      for (const auto& filter : g_.o_.filters) {
        FilterVerdict v = filter->before_continue(filter_request_);
        if (v.action == FilterVerdict::Action::pass) continue;
        v.close = true;  // the body was not read: nothing else can follow on this connection
        phase_ = Phase::head;
        request_bytes_ = len_;
        return refused_by(std::move(v));
      }
    }
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    wait = Wait::write;  // no 408 can start a second write meanwhile
    deadline = SteadyTime::max();
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = this->shared_from_this()](error_code ec, std::size_t) {
                        if (ec) return self->close();
                        self->wait_for(Wait::body, self->g_.o_.body_timeout);  // from the invitation on
                        self->process();  // phase_ is the body's: reads it
                      });
  }

  void refused_by(FilterVerdict v) {
    g_.block(t_, head_, kind_ == Listener::tls, request_id(), std::move(v), reply_);
    send();
  }

  void route() {
    const bool tls = kind_ == Listener::tls;
    if (g_.handle(t_, head_, host_, tls, reply_, file_, &held_table_) == Guard::Impl::Handled::ready) return send();
    // A miss: read and verify on a disk thread, answer back on this thread.
    wait = Wait::disk;
    deadline = SteadyTime::max();
    asio::post(g_.disk(), [self = this->shared_from_this()] {
      Body body = self->g_.load_verified(self->file_, self->file_.entry->path);
      asio::post(*self->t_.ctx, [self, body = std::move(body)]() mutable { self->on_loaded(std::move(body)); });
    });
  }

  void on_loaded(Body body) {
    t_.tick_clock();
    if (body) {
      g_.build_file_reply(t_, head_, kind_ == Listener::tls, file_, std::move(body), reply_);
    } else {
      g_.build_error(t_, 503, false, kind_ == Listener::tls, reply_);
    }
    held_table_.reset();
    send();
  }

  void linger(std::size_t budget) {
    wait_for(Wait::write, kLingerQuiet);
    linger_end_ = deadline + (kLingerTotal - kLingerQuiet);
    lingering_ = true;
    linger_budget_ = budget;
    if (!reading_) read_to_drop();  // else the pending read's handler goes on dropping
  }
  void read_to_drop() {
    reading_ = true;
    stream_.async_read_some(asio::buffer(buf_.get(), cap_), [self = this->shared_from_this()](error_code ec, std::size_t n) {
      self->reading_ = false;
      self->on_dropped(ec, n);
    });
  }
  void on_dropped(error_code ec, std::size_t n) {
    if (ec || n == 0 || n >= linger_budget_) return close();
    linger_budget_ -= n;
    wait_for(Wait::write, kLingerQuiet);
    deadline = std::min(deadline, linger_end_);
    read_to_drop();
  }

  std::string_view request_id() const { return std::string_view(request_id_, request_id_len_); }

  void send() {
    if (kind_ != Listener::admin) g_.log_access(t_, head_, ip_, request_id(), reply_);
    if (g_.stopping()) reply_.close = true;
    wait_for(Wait::write, g_.o_.idle_timeout + std::chrono::milliseconds(reply_.length / 16));  // ≥ 16 KB/s
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      if (reply_.sealed && reply_.body && reply_.length > 0) {
        corked_ = false;  // MSG_MORE and sendfile fill the segments
        head_sent_ = 0;
        file_offset_ = reply_.offset;
        file_left_ = reply_.length;
        if (reply_.sealed_head) {  // the sealed copy starts with this very head: one sendfile
          head_sent_ = reply_.head.size();
          file_offset_ = 0;
          file_left_ = reply_.head.size() + reply_.length;
        }
        return send_sealed();
      }
    }
    // A large body goes out in full segments (nginx's tcp_nopush): corked until the write completes.
    corked_ = reply_.length >= kCorkBytes;
    if (corked_) set_cork(true);
    std::array<asio::const_buffer, 2> buffers = {asio::buffer(reply_.head),
                                                 asio::buffer(reply_.body ? reply_.body->data() + reply_.offset
                                                                          : nullptr,
                                                              reply_.body ? reply_.length : 0)};
    asio::async_write(stream_, buffers, [self = this->shared_from_this()](error_code ec, std::size_t n) {
      self->on_written(ec, n);
    });
  }

  // Plain HTTP, a large cached body: the head with MSG_MORE (it leaves in the body's first segment),
  // then sendfile(2) from the sealed copy, waiting for writability when the socket is full — or, for a
  // hot body whose sealed copy starts with this answer's head (sealed_head), sendfile alone.
  void send_sealed() {
    const int sock = socket_of(stream_).native_handle();
    if (!nonblocking_) {  // once per connection: asio's setter is an ioctl each time
      error_code ec;
      socket_of(stream_).native_non_blocking(true, ec);
      if (ec) return finish_sealed(ec, 0);
      nonblocking_ = true;
    }
    while (head_sent_ < reply_.head.size()) {
      const ssize_t n = ::send(sock, reply_.head.data() + head_sent_, reply_.head.size() - head_sent_,
                               MSG_MORE | MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        head_sent_ += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return wait_writable();
      return finish_sealed(error_code(n < 0 ? errno : EPIPE, boost::system::system_category()), head_sent_);
    }
    while (file_left_ > 0) {
      off_t offset = static_cast<off_t>(file_offset_);
      const ssize_t n = ::sendfile(sock, reply_.sealed->fd, &offset, file_left_);
      if (n > 0) {
        file_offset_ += static_cast<std::size_t>(n);
        file_left_ -= static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return wait_writable();
      return finish_sealed(error_code(n < 0 ? errno : EPIPE, boost::system::system_category()),
                           head_sent_ + reply_.length - file_left_);
    }
    finish_sealed({}, head_sent_ + reply_.length);
  }
  // Completes through the io_context, as async_write would: pipelined answers do not recurse, and the
  // next read is tried after the other ready connections (completing at once measured one failed
  // recv (EAGAIN) more per two answers of the 100 KB benchmark: the client had not sent yet).
  void finish_sealed(error_code ec, std::size_t bytes) {
    asio::post(*t_.ctx, [self = this->shared_from_this(), ec, bytes] { self->on_written(ec, bytes); });
  }
  void wait_writable() {
    socket_of(stream_).async_wait(tcp::socket::wait_write, [self = this->shared_from_this()](error_code ec) {
      if (ec) return self->on_written(ec, self->head_sent_ + self->reply_.length - self->file_left_);
      self->send_sealed();
    });
  }

  void on_written(error_code ec, std::size_t bytes) {
    reply_.body.reset();
    reply_.sealed.reset();
    reply_.sealed_head = false;
    if (corked_) set_cork(false);
    if (inspected_) {
      inspected_ = false;
      g_.complete(request_id(), reply_.status, bytes);
    }
    if (ec) return close();
    if (reply_.close) {
      error_code ignored;
      socket_of(stream_).shutdown(tcp::socket::shutdown_send, ignored);
      // After refusing a request with a body the client may still be sending it (over the limit, too
      // slow): read and drop a little while bytes keep coming (at most 2 s, 256 KiB), as nginx's
      // lingering close does, so its unread bytes do not turn the close into a reset that destroys
      // the answer before the client read it.
      if (head_.framing != BodyFraming::none && !g_.stopping()) return linger(256 * 1024);
      return close();
    }
    const std::size_t used = std::min(request_bytes_, len_);
    std::memmove(buf_.get(), buf_.get() + used, len_ - used);
    len_ -= used;
    request_bytes_ = 0;
    if (cap_ > base_cap_ && len_ <= base_cap_) {  // the body's room is given back
      std::unique_ptr<char[]> smaller(new char[base_cap_]);
      std::memcpy(smaller.get(), buf_.get(), len_);
      buf_ = std::move(smaller);
      cap_ = base_cap_;
    }
    if (len_ > 0) {  // a pipelined request already read
      wait_for(Wait::head, g_.o_.header_timeout);
      return process();
    }
    await_request();
  }

  Guard::Impl& g_;
  EventThread& t_;
  Stream stream_;
  Listener kind_;
  std::string ip_key_;
  std::string ip_;
  std::uint16_t port_;
  std::string server_ip_;
  std::uint16_t server_port_;
  std::size_t base_cap_;
  std::size_t cap_;
  std::unique_ptr<char[]> buf_;
  std::size_t len_ = 0;
  Phase phase_ = Phase::head;
  RequestHead head_;
  ChunkedDecoder chunked_;
  std::string_view body_;          // into buf_, valid until the answer is built
  std::size_t request_bytes_ = 0;  // of buf_ the current request (head and framed body) used
  char request_id_[kRequestIdBytes] = {};
  std::size_t request_id_len_ = 0;
  bool inspected_ = false;       // the filters saw this request: complete() after the write
  bool answered_early_ = false;  // a 408 went out while a read was pending
  bool lingering_ = false;       // reading and dropping before the close
  bool reading_ = false;         // a read is pending
  std::size_t linger_budget_ = 0;
  SteadyTime linger_end_{};
  Reply reply_;
  FileAnswer file_;
  std::shared_ptr<const SiteTable> held_table_;  // keeps file_'s route and entry alive during a miss
  std::optional<std::string> host_;  // the request's normalised host
  FilterRequest filter_request_;     // what the filters see; its views stay valid until the answer
  bool corked_ = false;
  bool nonblocking_ = false;  // the socket was set non-blocking for sendfile
  std::size_t head_sent_ = 0, file_offset_ = 0, file_left_ = 0;  // a sendfile answer in progress
  std::shared_ptr<const void> keep_;  // the TLS contexts this connection was accepted with
};

// ---------------------------------------------------------------------------------------------
// Requests.

bool Guard::Impl::reload_before(EventThread& t, std::function<void()> resume) {
  if (source_.generation() == loaded_generation_.load(std::memory_order_acquire)) return false;
  std::lock_guard lock(waiters_mutex_);
  if (!reload_running_) {
    {
      std::lock_guard reload_lock(reload_mutex_);
      if (source_.generation() == loaded_generation_.load(std::memory_order_acquire)) return false;
      if (std::chrono::steady_clock::now() - last_failed_reload_ <= kReloadRetry) return false;
    }
    reload_running_ = true;
    asio::post(disk(), [this] { run_reload(); });
  }
  reload_waiters_.emplace_back(&t, std::move(resume));
  return true;
}

void Guard::Impl::run_reload() {
  {
    std::lock_guard lock(reload_mutex_);
    const std::uint64_t generation = source_.generation();
    if (generation != loaded_generation_.load(std::memory_order_acquire)) {
      if (!reload_locked(generation)) last_failed_reload_ = std::chrono::steady_clock::now();
    }
  }
  std::vector<std::pair<EventThread*, std::function<void()>>> waiters;
  {
    std::lock_guard lock(waiters_mutex_);
    waiters.swap(reload_waiters_);
    reload_running_ = false;
  }
  for (auto& [t, resume] : waiters) asio::post(*t->ctx, std::move(resume));
}

void Guard::Impl::refresh_table(EventThread& t) {
  // N7.1: one atomic load per request; a new generation means a release was switched.
  const std::uint64_t generation = source_.generation();
  if (generation != loaded_generation_.load(std::memory_order_acquire)) {
    std::lock_guard lock(reload_mutex_);
    if (generation != loaded_generation_.load(std::memory_order_acquire) &&
        std::chrono::steady_clock::now() - last_failed_reload_ > kReloadRetry) {
      if (!reload_locked(generation)) last_failed_reload_ = std::chrono::steady_clock::now();
    }
  }
  const std::uint64_t version = table_version_.load(std::memory_order_acquire);
  if (version != t.table_version) {
    std::lock_guard lock(table_mutex_);
    t.table = table_;
    t.table_version = table_version_.load(std::memory_order_acquire);
  }
}

Guard::Impl::Handled Guard::Impl::handle(EventThread& t, const RequestHead& h, const std::optional<std::string>& host,
                                         bool tls, Reply& r, FileAnswer& fa, std::shared_ptr<const SiteTable>* hold) {
  bump(t.counters.requests);
  r.close = !h.keep_alive;
  if (h.method == Method::other) {
    build_error(t, 405, r.close, tls, r, "Allow: GET, HEAD\r\n");
    return Handled::ready;
  }
  if (h.method == Method::unknown) {
    build_error(t, 501, r.close, tls, r);
    return Handled::ready;
  }
  if (!host) {
    build_error(t, 400, true, tls, r);
    return Handled::ready;
  }
  refresh_table(t);
  const SiteRoute* route = t.table ? t.table->find(*host) : nullptr;
  if (!route) {
    build_error(t, 404, r.close, tls, r);  // an unknown site: a plain page naming nothing of the request
    return Handled::ready;
  }
  RequestPath path = decode_request_path(h.target);
  if (path.status != 0) {
    build_error(t, path.status, true, tls, r);
    return Handled::ready;
  }
  const publish::ManifestEntry* entry = route->manifest->find(path.path);
  if (!entry) {
    if (!path.directory && route->manifest->find(path.path + "/index.html")) {
      std::string location = "Location: ";
      location.append(h.target.substr(0, h.target.find_first_of("?#")));
      location += "/\r\n";
      build_error(t, 301, r.close, tls, r, location);
      return Handled::ready;
    }
    build_error(t, 404, r.close, tls, r);
    return Handled::ready;
  }
  fa = FileAnswer{};
  fa.route = route;
  fa.entry = entry;
  fa.has_variants = entry->gzip || entry->brotli;
  fa.digest = &entry->digest;
  fa.size = entry->size;
  if (!h.range.empty() && h.method == Method::get) {
    std::string etag = "\"";
    append_hex(etag, entry->digest.bytes);
    etag += '"';
    if (h.if_range.empty() || h.if_range == etag || h.if_range == route->last_modified) {
      fa.range = parse_range(h.range, entry->size);
    }
  }
  if (fa.range.kind == ByteRange::Kind::none) {
    fa.encoding = choose_encoding(h.accept_encoding, entry->gzip.has_value(), entry->brotli.has_value());
    if (fa.encoding == Encoding::gzip) fa.digest = &entry->gzip->digest, fa.size = entry->gzip->size;
    if (fa.encoding == Encoding::brotli) fa.digest = &entry->brotli->digest, fa.size = entry->brotli->size;
  }
  // Conditional requests (RFC 9110 13.2.2): If-None-Match wins over If-Modified-Since.
  bool not_modified = false;
  if (!h.if_none_match.empty()) {
    std::string etag = "\"";
    append_hex(etag, fa.digest->bytes);
    etag += '"';
    not_modified = if_none_match_matches(h.if_none_match, etag);
  } else if (!h.if_modified_since.empty()) {
    const auto since = parse_http_date(h.if_modified_since);
    not_modified = since && route->released <= *since;
  }
  if (not_modified) {
    fa.range = ByteRange{};
    build_file_reply(t, h, tls, fa, nullptr, r, /*not_modified=*/true);
    return Handled::ready;
  }
  if (fa.range.kind == ByteRange::Kind::unsatisfiable) {
    std::string extra = "Content-Range: bytes */";
    append_number(extra, entry->size);
    extra += "\r\n";
    build_error(t, 416, r.close, tls, r, extra);
    return Handled::ready;
  }
  if (h.method == Method::head) {
    build_file_reply(t, h, tls, fa, nullptr, r);
    return Handled::ready;
  }
  const EventThread::FrontSlot* slot = t.front_find(*fa.digest);
  Body body = slot ? slot->body : nullptr;
  if (!body) {
    body = cache_.find(*fa.digest);
    if (body) slot = t.front_insert(*fa.digest, body);
  }
  if (body) {
    bump(t.counters.hits);
    build_file_reply(t, h, tls, fa, std::move(body), r);
    r.cache = "hit";
    if (!tls && slot && slot->sealed && r.length >= kSendfileBytes) {
      r.sealed = slot->sealed;
      if (r.offset == 0 && r.length == r.body->size()) {  // the whole body (not a range): head in front?
        if (auto whole = t.front_whole(*fa.digest, r.head)) r.sealed = std::move(whole), r.sealed_head = true;
      }
    }
    return Handled::ready;
  }
  bump(t.counters.misses);
  if (fa.size > o_.max_file_bytes) {
    build_error(t, 503, r.close, tls, r);
    return Handled::ready;
  }
  *hold = t.table;
  return Handled::miss;
}

std::size_t Guard::Impl::next_request_id(EventThread& t, char (&out)[kRequestIdBytes]) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::size_t n = 0;
  auto hex = [&](std::uint64_t v) {
    char tmp[16];
    std::size_t k = 0;
    do {
      tmp[k++] = kHex[v & 15];
      v >>= 4;
    } while (v);
    while (k) out[n++] = tmp[--k];
  };
  hex(start_time_);
  out[n++] = '-';
  hex(t.index);
  out[n++] = '-';
  hex(++t.request_counter);
  return n;
}

namespace {

// A filter's header line is sent only if it is a token name and a value without line breaks, and is
// not one the guard frames the answer with itself.
bool safe_header(std::string_view name, std::string_view value) {
  if (name.empty() || name.size() > 64 || value.size() > 4096) return false;
  for (char c : name) {
    const bool tchar = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!tchar) return false;
  }
  for (unsigned char c : value) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  for (std::string_view own : {"content-length", "transfer-encoding", "connection", "content-type", "date", "server"}) {
    if (name.size() == own.size() &&
        std::equal(name.begin(), name.end(), own.begin(), [](char a, char b) { return (a | 0x20) == b; })) {
      return false;
    }
  }
  return true;
}

// The metrics label for a verdict's reason: [a-z0-9_], at most 64 bytes; "unnamed" when empty.
std::string reason_label(std::string_view reason) {
  std::string out;
  for (char c : reason.substr(0, 64)) {
    const char l = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    out += ((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '_') ? l : '_';
  }
  return out.empty() ? "unnamed" : out;
}

}  // namespace

void Guard::Impl::filter_request(EventThread& t, const RequestHead& h, std::string_view body, const Peer& peer,
                                 std::string_view request_id, const std::optional<std::string>& host,
                                 FilterRequest& fr) {
  fr = FilterRequest{};
  fr.request_id = request_id;
  fr.client_ip = peer.client_ip;
  fr.client_port = peer.client_port;
  fr.server_ip = peer.server_ip;
  fr.server_port = peer.server_port;
  fr.tls = peer.tls;
  fr.method = h.method_text;
  fr.target = h.target;
  fr.http_version = h.version_text;
  if (host) {
    fr.host = *host;
    refresh_table(t);
    if (const SiteRoute* route = t.table ? t.table->find(*host) : nullptr) fr.site_id = route->site_id;
  }
  fr.headers = h.header_lines();
  fr.body = body;
}

void Guard::Impl::offload(EventThread& t, RequestFilter& f, const FilterRequest& fr,
                          std::function<void(FilterVerdict)> resume) {
  {
    std::lock_guard lock(offload_mutex_);
    ++offloaded_;
  }
  f.inspect_async(fr, [this, ctx = t.ctx.get(), resume = std::move(resume)](FilterVerdict v) mutable {
    asio::post(*ctx, [resume = std::move(resume), v = std::move(v)]() mutable { resume(std::move(v)); });
    std::lock_guard lock(offload_mutex_);
    if (--offloaded_ == 0) offload_done_.notify_all();
  });
}

void Guard::Impl::block(EventThread& t, const RequestHead& h, bool tls, std::string_view request_id,
                        FilterVerdict v, Reply& r) {
  {
    bump(t.counters.requests);
    bump(t.counters.filter_blocks);
    {
      std::string label = reason_label(v.reason);
      std::lock_guard lock(blocks_mutex_);
      ++blocks_by_reason_[std::move(label)];
    }
    const int status = v.status >= 400 && v.status <= 599 ? v.status : 403;
    r.status = status;
    r.close = v.close || !h.keep_alive;
    r.encoding = "identity";
    r.cache = "-";
    r.verdict = v.reason.empty() ? "unnamed" : v.reason.substr(0, 64);
    std::string& out = r.head;
    out.clear();
    out += "HTTP/1.1 ";
    append_number(out, static_cast<std::uint64_t>(status));
    out += ' ';
    out += http::reason_phrase(status);
    out += "\r\nServer: sitewarden\r\n";
    out += t.date_line;
    out += "Content-Type: ";
    out += safe_header("X", v.content_type) ? std::string_view(v.content_type) : "text/plain; charset=utf-8";
    out += "\r\nCache-Control: no-store\r\nContent-Length: ";
    append_number(out, v.body.size());
    out += "\r\nX-Request-Id: ";
    out += request_id;
    out += "\r\n";
    for (const auto& [name, value] : v.headers) {
      if (!safe_header(name, value)) continue;
      out += name;
      out += ": ";
      out += value;
      out += "\r\n";
    }
    out += kSecurityHeaders;
    if (tls) out += kHsts;
    if (r.close) out += "Connection: close\r\n";
    else if (h.minor_version == 0) out += "Connection: keep-alive\r\n";
    out += "\r\n";
    r.offset = 0;
    r.length = h.method == Method::head ? 0 : v.body.size();
    r.body = r.length ? std::make_shared<const std::string>(std::move(v.body)) : nullptr;
  }
}

// The answer for a file: 200, 206, 304 (when body is null and the caller sets it) or HEAD's 200.
void Guard::Impl::build_file_reply(EventThread& t, const RequestHead& h, bool tls, const FileAnswer& fa, Body body,
                                   Reply& r, bool not_modified) {
  const bool partial = fa.range.kind == ByteRange::Kind::satisfiable && !not_modified;
  r.status = not_modified ? 304 : partial ? 206 : 200;
  r.close = !h.keep_alive;
  r.encoding = to_string(fa.encoding);
  r.cache = body ? "miss" : "-";
  std::string& out = r.head;
  out.clear();
  out.reserve(1024);
  out += not_modified ? "HTTP/1.1 304 Not Modified\r\n" : partial ? "HTTP/1.1 206 Partial Content\r\n"
                                                                   : "HTTP/1.1 200 OK\r\n";
  out += "Server: sitewarden\r\n";
  out += t.date_line;
  out += "Content-Type: ";
  out += fa.entry->content_type;
  out += "\r\nLast-Modified: ";
  out += fa.route->last_modified;
  out += "\r\nETag: \"";
  append_hex(out, fa.digest->bytes);
  out += "\"\r\nCache-Control: no-cache\r\nAccept-Ranges: bytes\r\n";
  if (fa.has_variants) out += "Vary: Accept-Encoding\r\n";
  if (fa.encoding != Encoding::identity) {
    out += "Content-Encoding: ";
    out += to_string(fa.encoding);
    out += "\r\n";
  }
  std::uint64_t length = fa.size;
  if (partial) {
    length = fa.range.last - fa.range.first + 1;
    out += "Content-Range: bytes ";
    append_number(out, fa.range.first);
    out += '-';
    append_number(out, fa.range.last);
    out += '/';
    append_number(out, fa.size);
    out += "\r\n";
  }
  if (!not_modified) {
    out += "Content-Length: ";
    append_number(out, length);
    out += "\r\n";
  }
  out += kSecurityHeaders;
  if (tls) out += kHsts;
  if (r.close) out += "Connection: close\r\n";
  else if (h.minor_version == 0) out += "Connection: keep-alive\r\n";
  out += "\r\n";
  r.offset = partial ? static_cast<std::size_t>(fa.range.first) : 0;
  const bool send_body = h.method == Method::get && !not_modified && body;
  r.length = send_body ? static_cast<std::size_t>(length) : 0;
  r.body = send_body ? std::move(body) : nullptr;
}

void Guard::Impl::build_error(EventThread& t, int status, bool close, bool tls, Reply& r, std::string_view extra) {
  r.status = status;
  r.close = close;
  r.encoding = "identity";
  r.cache = "-";
  const std::string_view reason = http::reason_phrase(status);
  auto text = std::make_shared<std::string>();
  append_number(*text, static_cast<std::uint64_t>(status));
  *text += ' ';
  *text += reason;
  *text += '\n';
  std::string& out = r.head;
  out.clear();
  out += "HTTP/1.1 ";
  append_number(out, static_cast<std::uint64_t>(status));
  out += ' ';
  out += reason;
  out += "\r\nServer: sitewarden\r\n";
  out += t.date_line;
  out += "Content-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\nContent-Length: ";
  append_number(out, text->size());
  out += "\r\n";
  out += extra;
  out += kSecurityHeaders;
  if (tls) out += kHsts;
  if (close) out += "Connection: close\r\n";
  out += "\r\n";
  r.offset = 0;
  r.length = text->size();
  r.body = std::move(text);
}

// POST /overload?mode=on|off|auto on the admin listener (issue 6): the operator's overload switch on a
// running guard, acting on the LimitsFilter among the filters. The listener is loopback-only; a browser
// on this machine must not flip it for a page it shows (a cross-site POST needs no preflight), so a
// request with an Origin or Sec-Fetch-Site header, or a Host other than a loopback one (DNS
// rebinding), is refused 403. Fills `body` on 200; else returns the status to answer.
int Guard::Impl::overload_switch(const RequestHead& h, std::string& body) {
  if (h.method_text != "POST") return 405;
  bool loopback_host = false;
  if (const auto host = normalise_host(h.host)) {
    loopback_host = *host == "localhost" || *host == "[::1]" || *host == "::1" || host->starts_with("127.");
  }
  if (!loopback_host) return 403;
  for (const FilterHeader& line : h.header_lines()) {
    if (http::iequals(line.name, "origin") || http::iequals(line.name, "sec-fetch-site")) return 403;
  }
  const std::string_view query = h.target.substr(std::min(h.target.size(), h.target.find('?') + 1));
  if (!query.starts_with("mode=")) return 400;
  const std::optional<OverloadMode> mode = parse_overload_mode(query.substr(5));
  if (!mode) return 400;
  LimitsFilter* limits = nullptr;
  for (const auto& f : o_.filters) {
    if (auto* l = dynamic_cast<LimitsFilter*>(f.get())) limits = l;
  }
  if (!limits) return 404;  // [limits] disabled: nothing to switch
  const OverloadMode previous = limits->overload_mode();
  limits->set_overload(*mode);
  log::info("guard.overload_switched", {{"mode", std::string(to_string(*mode))},
                                        {"previous", std::string(to_string(previous))}});
  body = "overload mode " + std::string(to_string(*mode)) + " (was " + std::string(to_string(previous)) +
         "); overloaded now: " + (limits->overloaded() ? "yes" : "no") + "\n";
  return 200;
}

void Guard::Impl::handle_admin(EventThread& t, const RequestHead& h, Reply& r) {
  const std::string_view path = h.target.substr(0, h.target.find('?'));
  std::string body;
  if (path == "/overload") {
    const int status = overload_switch(h, body);
    if (status != 200) return build_error(t, status, false, false, r, status == 405 ? "Allow: POST\r\n" : "");
  } else if (h.method != Method::get && h.method != Method::head) {
    return build_error(t, 405, false, false, r, "Allow: GET\r\n");
  } else if (path == "/healthz") {
    std::lock_guard lock(table_mutex_);
    if (!table_) return build_error(t, 503, false, false, r);
    body = "ok\n";
  } else if (path == "/metrics") {
    body = metrics_text();
  } else {
    return build_error(t, 404, false, false, r);
  }
  r.status = 200;
  r.close = !h.keep_alive;
  auto text = std::make_shared<std::string>(std::move(body));
  r.head = "HTTP/1.1 200 OK\r\n" + t.date_line +
           "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\nCache-Control: no-store\r\nContent-Length: " +
           std::to_string(text->size()) + "\r\n" + (r.close ? "Connection: close\r\n" : "") + "\r\n";
  r.offset = 0;
  r.length = h.method == Method::head ? 0 : text->size();
  r.body = std::move(text);
}

void Guard::Impl::log_access(EventThread& t, const RequestHead& h, std::string_view ip, std::string_view request_id,
                             const Reply& r) {
  bump(t.counters.status[static_cast<std::size_t>(r.status) % kMaxStatus]);
  bump(t.counters.bytes, r.head.size() + r.length);
  if (log_fd_ < 0) return;
  std::string& out = t.log_buffer;
  out += "{\"time\":\"";
  out += t.log_time;
  out += "\",\"event\":\"guard.access\",\"request_id\":\"";
  out += request_id;
  out += "\",\"client_ip\":\"";
  out += ip;
  out += "\",\"host\":\"";
  append_json_escaped(out, h.host.substr(0, 256));
  out += "\",\"method\":\"";
  if (h.method_text.empty()) out += '-';
  else append_json_escaped(out, h.method_text.substr(0, 32));
  out += "\",\"path\":\"";
  append_json_escaped(out, h.target.substr(0, std::min<std::size_t>(h.target.find('?'), 2048)));
  out += "\",\"status\":";
  append_number(out, static_cast<std::uint64_t>(r.status));
  out += ",\"bytes\":";
  append_number(out, r.length);
  out += ",\"encoding\":\"";
  out += r.encoding;
  out += "\",\"cache\":\"";
  out += r.cache;
  out += "\",\"verdict\":\"";
  append_json_escaped(out, r.verdict);
  out += "\"}\n";
  if (out.size() >= kLogFlushBytes) flush_log(t);
}

void Guard::Impl::flush_log(EventThread& t) {
  t.last_flush = std::chrono::steady_clock::now();
  if (log_fd_ < 0 || t.log_buffer.empty()) return;
  std::size_t done = 0;
  while (done < t.log_buffer.size()) {
    const ssize_t n = ::write(log_fd_, t.log_buffer.data() + done, t.log_buffer.size() - done);
    if (n <= 0) break;  // a full disk drops access lines, never requests
    done += static_cast<std::size_t>(n);
  }
  t.log_buffer.clear();
}

// N7.1: the bytes leave this function only if they hashed to the manifest's digest.
Body Guard::Impl::load_verified(const FileAnswer& fa, const std::string& path) {
  const crypto::Digest& expected = *fa.digest;
  const std::string key = expected.to_string();
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(tamper_mutex_);
    auto it = failed_loads_.find(key);
    if (it != failed_loads_.end()) {
      if (now - it->second < kFailedLoadMemory) return nullptr;
      failed_loads_.erase(it);
    }
  }
  std::string first_problem;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto bytes = source_.read_blob(expected, o_.max_file_bytes);
    std::string problem;
    if (!bytes) {
      problem = bytes.error().code;
    } else {
      auto actual = crypto::hash_with(expected.algorithm, *bytes);
      if (actual && *actual == expected) {
        auto body = std::make_shared<const std::string>(std::move(*bytes));
        if (body->size() <= o_.cache_max_file_bytes) cache_.insert(expected, body);
        if (attempt == 0) return body;
        verify_failures_.fetch_add(1, std::memory_order_relaxed);
        TamperReport report{fa.route->site_id, fa.route->release_id, path, expected, first_problem, true};
        bool report_now = false;
        {
          std::lock_guard lock(tamper_mutex_);
          auto& last = last_tamper_report_[key];
          report_now = last == SteadyTime{} || now - last > kTamperReportInterval;
          if (report_now) last = now;
        }
        if (report_now && sink_) sink_(report);
        return body;
      }
      problem = actual ? actual->to_string() : actual.error().code;
    }
    if (attempt == 0) first_problem = problem;
  }
  verify_failures_.fetch_add(1, std::memory_order_relaxed);
  bool report_now = false;
  {
    std::lock_guard lock(tamper_mutex_);
    failed_loads_[key] = now;
    auto& last = last_tamper_report_[key];
    report_now = last == SteadyTime{} || now - last > kTamperReportInterval;
    if (report_now) last = now;
  }
  log::error("guard.tamper", {{"site_id", fa.route->site_id}, {"path", path}, {"expected", key},
                              {"actual", first_problem}});
  if (report_now && sink_) sink_(TamperReport{fa.route->site_id, fa.route->release_id, path, expected, first_problem, false});
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Releases.

Status Guard::Impl::reload() {
  reload_tls();
  std::lock_guard lock(reload_mutex_);
  return reload_locked(source_.generation());
}

Status Guard::Impl::reload_locked(std::uint64_t generation) {
  auto releases = source_.live_releases();
  if (!releases) {
    reload_failures_.fetch_add(1, std::memory_order_relaxed);
    log::error("guard.reload_failed", {{"error", releases.error().to_string()}});
    return std::unexpected(releases.error());
  }
  std::vector<std::string> conflicts;
  auto table = SiteTable::build(*releases, &conflicts);
  for (const auto& c : conflicts) log::warn("guard.host_conflict", {{"host", c}});
  {
    std::lock_guard lock(table_mutex_);
    table_ = std::move(table);
  }
  table_version_.fetch_add(1, std::memory_order_acq_rel);
  loaded_generation_.store(generation, std::memory_order_release);
  reloads_.fetch_add(1, std::memory_order_relaxed);
  return ok();
}

// ---------------------------------------------------------------------------------------------
// Listeners and threads.

std::string Guard::Impl::tls_signature() const {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> parts;
  for (const auto& e : fs::directory_iterator(o_.tls_cert_dir, ec)) {
    const auto ext = e.path().extension();
    if (ext != ".pem" && ext != ".key") continue;
    std::error_code fec;
    const auto size = fs::file_size(e.path(), fec);
    const auto mtime = fs::last_write_time(e.path(), fec).time_since_epoch().count();
    parts.push_back(e.path().filename().string() + ":" + std::to_string(size) + ":" + std::to_string(mtime));
  }
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (const auto& p : parts) out += p + "\n";
  return out;
}

Result<std::shared_ptr<TlsContexts>> Guard::Impl::read_tls(std::string signature) const {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(o_.tls_cert_dir, ec)) {
    return fail("guard.tls", o_.tls_cert_dir.string() + ": not a directory of certificates");
  }
  std::vector<fs::path> pems;
  for (const auto& e : fs::directory_iterator(o_.tls_cert_dir, ec)) {
    if (e.path().extension() == ".pem") pems.push_back(e.path());
  }
  std::sort(pems.begin(), pems.end());
  auto set = std::make_shared<TlsContexts>();
  set->signature = std::move(signature);
  set->default_ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  fs::path default_pem;
  for (const fs::path& pem : pems) {
    fs::path key = pem;
    key.replace_extension(".key");
    if (!fs::exists(key, ec)) return fail("guard.tls", pem.string() + ": no matching " + key.filename().string());
    http::TlsOptions t;
    t.certificate_file = pem;
    t.private_key_file = key;
    SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
    if (!ctx) return fail("guard.tls", "cannot create a TLS context");
    SW_CHECK(http::configure_server_tls(ctx.get(), t));
    const std::string host = pem.stem().string();
    if (host == "default" || default_pem.empty()) default_pem = pem;
    set->by_host.emplace(host, std::move(ctx));
  }
  if (default_pem.empty()) return fail("guard.tls", o_.tls_cert_dir.string() + ": no <host>.pem certificate");
  http::TlsOptions t;
  t.certificate_file = default_pem;
  t.private_key_file = fs::path(default_pem).replace_extension(".key");
  SW_CHECK(http::configure_server_tls(set->default_ctx->native_handle(), t));
  // SNI looks up the set the connection was accepted with (connections hold it).
  SSL_CTX_set_tlsext_servername_arg(set->default_ctx->native_handle(), set.get());
  SSL_CTX_set_tlsext_servername_callback(
      set->default_ctx->native_handle(), +[](SSL* ssl, int*, void* arg) -> int {
        const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
        if (!name) return SSL_TLSEXT_ERR_OK;  // no SNI: the default certificate
        auto host = normalise_host(name);
        if (!host) return SSL_TLSEXT_ERR_ALERT_FATAL;
        if (SSL_CTX* ctx = static_cast<const TlsContexts*>(arg)->for_host(*host)) SSL_set_SSL_CTX(ssl, ctx);
        return SSL_TLSEXT_ERR_OK;
      });
  return set;
}

Status Guard::Impl::load_tls() {
  auto set = read_tls(tls_signature());
  if (!set) return std::unexpected(set.error());
  std::lock_guard lock(tls_mutex_);
  tls_ = std::move(*set);
  return ok();
}

void Guard::Impl::reload_tls() {
  if (!o_.tls) return;
  std::string signature = tls_signature();
  {
    std::lock_guard lock(tls_mutex_);
    if (!tls_) return;  // start() has not loaded them yet
    if (tls_->signature == signature) return;
    if (signature == tls_failed_signature_) return;  // already reported; wait for the next change
  }
  auto set = read_tls(signature);
  std::lock_guard lock(tls_mutex_);
  if (!set) {
    tls_failed_signature_ = std::move(signature);
    tls_reload_failures_.fetch_add(1, std::memory_order_relaxed);
    log::error("guard.tls_reload_failed", {{"error", set.error().to_string()}});
    return;
  }
  tls_ = std::move(*set);
  tls_failed_signature_.clear();
  tls_reloads_.fetch_add(1, std::memory_order_relaxed);
  log::info("guard.tls_reloaded", {{"dir", o_.tls_cert_dir.string()}});
}

Status Guard::Impl::bind(EventThread& t, const std::string& address, std::uint16_t& port, Listener kind) {
  error_code ec;
  const auto addr = asio::ip::make_address(address == "localhost" ? "127.0.0.1" : address, ec);
  if (ec) return fail("guard.bad_options", "listen address '" + address + "': " + ec.message());
  const tcp::endpoint endpoint(addr, port);
  auto acceptor = std::make_unique<tcp::acceptor>(*t.ctx);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec && kind != Listener::admin) {
    acceptor->set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true), ec);
  }
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("guard.bind", address + ":" + std::to_string(port) + ": " + ec.message());
  port = acceptor->local_endpoint().port();
  accept(t, *acceptor, kind);
  t.acceptors.push_back(std::move(acceptor));
  return ok();
}

void Guard::Impl::accept(EventThread& t, tcp::acceptor& acceptor, Listener kind) {
  acceptor.async_accept(*t.ctx, [this, &t, &acceptor, kind](error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || stopping()) return;
    if (!ec) on_accepted(t, std::move(socket), kind);
    accept(t, acceptor, kind);
  });
}

void Guard::Impl::on_accepted(EventThread& t, tcp::socket socket, Listener kind) {
  error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) return;
  socket.set_option(tcp::no_delay(true), ec);
  std::string key = ip_key(remote);
  if (kind != Listener::admin) {
    std::lock_guard lock(ip_mutex_);
    if (open_connections_.load(std::memory_order_relaxed) >= o_.max_connections) {
      bump(t.counters.refused_max);
      return;  // closed by the socket's destructor
    }
    std::size_t& n = per_ip_[key];
    if (n >= o_.max_connections_per_ip) {
      bump(t.counters.refused_per_ip);
      if (n == 0) per_ip_.erase(key);
      return;
    }
    ++n;
    open_connections_.fetch_add(1, std::memory_order_relaxed);
  }
  std::string ip = remote.address().to_string();
  std::string server_ip;
  std::uint16_t server_port = 0;
  if (kind != Listener::admin && !o_.filters.empty()) {
    if (!admit(ip)) {  // a filter's ban or connection limit (N7.3): closed without reading
      refused_by_filter(t);
      release_ip(key);
      return;
    }
    const auto local = socket.local_endpoint(ec);
    if (!ec) server_ip = local.address().to_string(), server_port = local.port();
  }
  if (kind == Listener::tls) {
    std::shared_ptr<const TlsContexts> set = tls();
    auto c = std::make_shared<Connection<asio::ssl::stream<tcp::socket>>>(
        *this, t, asio::ssl::stream<tcp::socket>(std::move(socket), *set->default_ctx), kind, std::move(key),
        std::move(ip), remote.port(), std::move(server_ip), server_port);
    c->hold(std::move(set));
    c->start();
  } else {
    auto c = std::make_shared<Connection<tcp::socket>>(*this, t, std::move(socket), kind, std::move(key),
                                                       std::move(ip), remote.port(), std::move(server_ip),
                                                       server_port);
    c->start();
  }
}

void Guard::Impl::schedule_sweep(EventThread& t) {
  const auto period = std::clamp(std::min({o_.header_timeout, o_.idle_timeout, o_.body_timeout}) / 4,
                                 std::chrono::milliseconds(10),
                                 std::chrono::milliseconds(500));
  t.sweep->expires_after(period);
  t.sweep->async_wait([this, &t](error_code ec) {
    if (ec || stopping()) return;
    const auto now = std::chrono::steady_clock::now();
    if (o_.loop_lag) {  // how late this timer ran: the event loop's lag (limits.h overload mode)
      o_.loop_lag(std::chrono::duration_cast<std::chrono::milliseconds>(now - t.sweep->expiry()));
    }
    std::vector<ConnectionBase*> expired;
    for (ConnectionBase* c : t.live) {
      if (c->deadline <= now) expired.push_back(c);
    }
    for (ConnectionBase* c : expired) {
      if (c->wait == ConnectionBase::Wait::head) bump(t.counters.header_timeouts);
      if (c->wait == ConnectionBase::Wait::idle) bump(t.counters.idle_timeouts);
      // Wait::body is counted by the connection as it answers 408.
      c->deadline = SteadyTime::max();
      c->expire();
    }
    if (now - t.last_flush >= std::chrono::seconds(1)) flush_log(t);
    schedule_sweep(t);
  });
}

void Guard::Impl::schedule_reload() {
  reload_timer_->expires_after(o_.reload_interval);
  reload_timer_->async_wait([this](error_code ec) {
    if (ec || stopping()) return;
    (void)reload();
    schedule_reload();
  });
}

Status Guard::Impl::start() {
  if (started_.exchange(true)) return fail("guard.bad_options", "start() called twice");
  if (o_.threads < 1 || o_.disk_threads < 1) return fail("guard.bad_options", "threads and disk_threads must be >= 1");
  if (o_.max_header_bytes < 256 || o_.max_uri_bytes < 16) return fail("guard.bad_options", "header limits too small");
  if (o_.max_body_bytes > (1ULL << 30)) return fail("guard.bad_options", "max_body_bytes over 1 GiB");
  if (o_.body_timeout.count() < 1) return fail("guard.bad_options", "body_timeout must be positive");
  for (const auto& f : o_.filters) {
    if (!f) return fail("guard.bad_options", "a request filter is null");
  }
  start_time_ = static_cast<std::uint64_t>(std::time(nullptr));
  SW_CHECK(reload());
  if (o_.tls) SW_CHECK(load_tls());
  if (!o_.access_log.empty()) {
    log_fd_ = ::open(o_.access_log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (log_fd_ < 0) return fail("guard.bad_options", "access log " + o_.access_log.string() + ": " + std::strerror(errno));
  }
  for (std::size_t i = 0; i <= o_.threads; ++i) {
    threads_.push_back(std::make_unique<EventThread>());
    threads_.back()->index = i;
    if (i < o_.threads) {
      threads_.back()->front.resize(kFrontSlots);
      threads_.back()->front_budget = o_.cache_bytes / 4 / o_.threads;
    }
    threads_.back()->sweep = std::make_unique<asio::steady_timer>(*threads_.back()->ctx);
  }
  auto fail_cleanly = [&](Error e) -> Status {
    threads_.clear();
    if (log_fd_ >= 0) ::close(log_fd_), log_fd_ = -1;
    return std::unexpected(std::move(e));
  };
  std::uint16_t port = o_.port, tls_port = o_.tls_port, admin_port = o_.admin_port;
  for (std::size_t i = 0; i < o_.threads; ++i) {
    if (auto s = bind(*threads_[i], o_.listen, port, Listener::plain); !s) return fail_cleanly(s.error());
    if (o_.tls) {
      if (auto s = bind(*threads_[i], o_.listen, tls_port, Listener::tls); !s) return fail_cleanly(s.error());
    }
  }
  EventThread& admin = *threads_.back();
  if (auto s = bind(admin, o_.admin_listen, admin_port, Listener::admin); !s) return fail_cleanly(s.error());
  port_ = port;
  tls_port_ = o_.tls ? tls_port : 0;
  admin_port_ = admin_port;
  reload_timer_ = std::make_unique<asio::steady_timer>(*admin.ctx);
  schedule_reload();
  disk_ = std::make_unique<asio::thread_pool>(o_.disk_threads);
  for (auto& t : threads_) {
    schedule_sweep(*t);
    EventThread* raw = t.get();
    t->thread = std::thread([this, raw] {
      // sendfile(2) has no MSG_NOSIGNAL: a peer gone mid-answer must give EPIPE here, not kill the
      // process. Blocked for the event threads only (the signal is thread-directed).
      sigset_t pipe;
      sigemptyset(&pipe);
      sigaddset(&pipe, SIGPIPE);
      pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
      raw->ctx->run();
      flush_log(*raw);
    });
  }
  return ok();
}

void Guard::Impl::stop() {
  if (stopping_.exchange(true)) return;
  for (auto& t : threads_) {
    EventThread* raw = t.get();
    asio::post(*t->ctx, [this, raw] {
      error_code ec;
      for (auto& a : raw->acceptors) a->close(ec);
      raw->sweep->cancel();
      if (raw == threads_.back().get() && reload_timer_) reload_timer_->cancel();
      std::vector<ConnectionBase*> all(raw->live.begin(), raw->live.end());
      for (ConnectionBase* c : all) c->expire();
    });
  }
}

void Guard::Impl::wait() {
  std::lock_guard lock(stop_mutex_);
  if (joined_ || threads_.empty()) return;
  if (disk_) disk_->join();
  for (auto& t : threads_) t->ctx->stop();
  for (auto& t : threads_) {
    if (t->thread.joinable()) t->thread.join();
  }
  {  // an offloading filter still working posts its verdict to an event thread's context: keep them
    std::unique_lock lock(offload_mutex_);
    offload_done_.wait(lock, [this] { return offloaded_ == 0; });
  }
  reload_timer_.reset();
  for (auto& t : threads_) {
    t->sweep.reset();
    t->acceptors.clear();
    t->ctx.reset();  // destroys pending handlers and the connections they hold
  }
  if (log_fd_ >= 0) ::close(log_fd_), log_fd_ = -1;
  joined_ = true;
}

GuardStats Guard::Impl::stats() const {
  GuardStats s;
  for (const auto& t : threads_) {
    const Counters& c = t->counters;
    s.requests += read(c.requests);
    s.bytes_sent += read(c.bytes);
    s.cache_hits += read(c.hits);
    s.cache_misses += read(c.misses);
    s.header_timeouts += read(c.header_timeouts);
    s.idle_timeouts += read(c.idle_timeouts);
    s.refused_per_ip += read(c.refused_per_ip);
    s.refused_max_connections += read(c.refused_max);
    s.refused_by_filter += read(c.refused_filter);
    s.filter_blocks += read(c.filter_blocks);
    s.body_timeouts += read(c.body_timeouts);
    s.bodies_too_large += read(c.too_large);
    for (std::size_t i = 0; i < kMaxStatus; ++i) {
      if (const auto n = read(c.status[i])) s.responses[static_cast<int>(i)] += n;
    }
  }
  s.verify_failures = verify_failures_.load(std::memory_order_relaxed);
  s.reloads = reloads_.load(std::memory_order_relaxed);
  s.reload_failures = reload_failures_.load(std::memory_order_relaxed);
  s.tls_reloads = tls_reloads_.load(std::memory_order_relaxed);
  s.tls_reload_failures = tls_reload_failures_.load(std::memory_order_relaxed);
  s.open_connections = open_connections_.load(std::memory_order_relaxed);
  s.cache_bytes = cache_.bytes();
  return s;
}

std::string Guard::Impl::metrics_text() const {
  const GuardStats s = stats();
  std::string out;
  auto counter = [&](std::string_view name, std::string_view help, std::uint64_t v) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += " counter\n";
    out += name;
    out += ' ';
    append_number(out, v);
    out += '\n';
  };
  counter("guard_requests_total", "Requests answered on the public listeners.", s.requests);
  out += "# HELP guard_responses_total Responses by status.\n# TYPE guard_responses_total counter\n";
  for (const auto& [status, n] : s.responses) {
    out += "guard_responses_total{status=\"" + std::to_string(status) + "\"} ";
    append_number(out, n);
    out += '\n';
  }
  counter("guard_bytes_sent_total", "Bytes written (headers and bodies).", s.bytes_sent);
  counter("guard_cache_hits_total", "Files answered from the verified cache.", s.cache_hits);
  counter("guard_cache_misses_total", "Files read and verified from the store.", s.cache_misses);
  counter("guard_verify_failures_total", "Files whose bytes did not hash to the manifest digest (N7.1).",
          s.verify_failures);
  out += "# HELP guard_blocks_total Connections cut or refused by a limit.\n# TYPE guard_blocks_total counter\n";
  out += "guard_blocks_total{limit=\"header_timeout\"} " + std::to_string(s.header_timeouts) + "\n";
  out += "guard_blocks_total{limit=\"idle_timeout\"} " + std::to_string(s.idle_timeouts) + "\n";
  out += "guard_blocks_total{limit=\"connections_per_ip\"} " + std::to_string(s.refused_per_ip) + "\n";
  out += "guard_blocks_total{limit=\"max_connections\"} " + std::to_string(s.refused_max_connections) + "\n";
  auto at = [&](int status) {
    auto it = s.responses.find(status);
    return it == s.responses.end() ? std::uint64_t{0} : it->second;
  };
  out += "guard_blocks_total{limit=\"header_size\"} " + std::to_string(at(431)) + "\n";
  out += "guard_blocks_total{limit=\"uri_length\"} " + std::to_string(at(414)) + "\n";
  out += "guard_blocks_total{limit=\"bad_request\"} " + std::to_string(at(400)) + "\n";
  out += "guard_blocks_total{limit=\"body_size\"} " + std::to_string(s.bodies_too_large) + "\n";
  out += "guard_blocks_total{limit=\"body_timeout\"} " + std::to_string(s.body_timeouts) + "\n";
  out += "guard_blocks_total{limit=\"filter_admit\"} " + std::to_string(s.refused_by_filter) + "\n";
  out += "# HELP guard_filter_blocks_total Requests a filter blocked, by the verdict's reason.\n"
         "# TYPE guard_filter_blocks_total counter\n";
  {
    std::lock_guard lock(blocks_mutex_);
    for (const auto& [reason, n] : blocks_by_reason_) {
      out += "guard_filter_blocks_total{reason=\"" + reason + "\"} ";
      append_number(out, n);
      out += '\n';
    }
  }
  counter("guard_reloads_total", "Times the live releases were read.", s.reloads);
  counter("guard_reload_failures_total", "Failed reads of the live releases.", s.reload_failures);
  counter("guard_tls_reloads_total", "Times changed certificates were loaded.", s.tls_reloads);
  counter("guard_tls_reload_failures_total", "Certificate changes that failed to load (the old ones stay).",
          s.tls_reload_failures);
  out += "# HELP guard_connections_open Open public connections.\n# TYPE guard_connections_open gauge\n";
  out += "guard_connections_open " + std::to_string(s.open_connections) + "\n";
  out += "# HELP guard_cache_bytes Bytes in the verified cache.\n# TYPE guard_cache_bytes gauge\n";
  out += "guard_cache_bytes " + std::to_string(s.cache_bytes) + "\n";
  for (const auto& f : o_.filters) f->append_metrics(out);
  return out;
}

// ---------------------------------------------------------------------------------------------

Guard::Guard(GuardOptions options, ReleaseSource& source, TamperSink on_tamper)
    : impl_(std::make_unique<Impl>(std::move(options), source, std::move(on_tamper))) {}
Guard::~Guard() {
  stop();
  wait();
}
Status Guard::start() { return impl_->start(); }
std::uint16_t Guard::port() const { return impl_->port_; }
std::uint16_t Guard::tls_port() const { return impl_->tls_port_; }
std::uint16_t Guard::admin_port() const { return impl_->admin_port_; }
Status Guard::reload() { return impl_->reload(); }
void Guard::stop() { impl_->stop(); }
void Guard::wait() { impl_->wait(); }
GuardStats Guard::stats() const { return impl_->stats(); }
std::string Guard::metrics_text() const { return impl_->metrics_text(); }

}  // namespace sw::guard
