// Fetcher (fetcher.h): libcurl multi on one thread, with our own per-host queues so that a request
// waiting for its host's cap or politeness gap is not yet a curl transfer (its timeout has not started).
#include "monitor/fetcher.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <map>
#include <mutex>
#include <queue>
#include <unordered_map>
#include <utility>

namespace sw::monitor {
namespace {

using Clock = std::chrono::steady_clock;

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lower(std::string s) {
  std::ranges::transform(s, s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// A parsed URL that frees itself.
struct Url {
  CURLU* h = curl_url();
  ~Url() { curl_url_cleanup(h); }
  Url() = default;
  Url(const Url&) = delete;
  Url& operator=(const Url&) = delete;
  bool set(const std::string& text, unsigned flags = 0) {
    return curl_url_set(h, CURLUPART_URL, text.c_str(), flags) == CURLUE_OK;
  }
  std::string get(CURLUPart part, unsigned flags = 0) const {
    char* out = nullptr;
    if (curl_url_get(h, part, &out, flags) != CURLUE_OK || out == nullptr) return "";
    std::string s(out);
    curl_free(out);
    return s;
  }
};

struct Pending {
  FetchRequest request;
  int attempt = 0;
  Clock::time_point ready_at{};
};

struct HostQueue {
  int active = 0;
  Clock::time_point next_start{};
  std::deque<Pending> waiting;
};

struct Transfer {
  CURL* easy = nullptr;
  Pending pending;
  std::string host;
  std::string body;
  std::string hsts;
  bool truncated = false;
  std::size_t max_body = 0;
  Clock::time_point started{};
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  const size_t room = t->max_body > t->body.size() ? t->max_body - t->body.size() : 0;
  if (len > room) {
    t->body.append(data, room);
    t->truncated = true;
    return 0;  // stop the transfer: the page is long enough to judge
  }
  t->body.append(data, len);
  return len;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  std::string_view line(data, len);
  if (line.starts_with("HTTP/")) t->hsts.clear();  // a new response (after a redirect)
  constexpr std::string_view kHsts = "strict-transport-security:";
  if (line.size() > kHsts.size() && lower(std::string(line.substr(0, kHsts.size()))) == kHsts) {
    std::string value(line.substr(kHsts.size()));
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.erase(0, 1);
    t->hsts = value.substr(0, 256);
  }
  return len;
}

std::string error_of(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return "timeout";
    case CURLE_COULDNT_CONNECT:
      return "connect";
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return "dns";
    case CURLE_TOO_MANY_REDIRECTS:
      return "redirect_loop";
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return "bad_url";
    case CURLE_FILESIZE_EXCEEDED:
      return "too_large";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      return "tls";
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_PARTIAL_FILE:
      return "protocol";
    default:
      return "other";
  }
}

bool retryable(const FetchResult& r) {
  return r.error == "timeout" || r.error == "connect" || r.error == "protocol" || (r.error.empty() && r.status >= 500);
}

}  // namespace

std::string authority_of(const std::string& url) {
  Url u;
  if (!u.set(url)) return "";
  const std::string host = lower(u.get(CURLUPART_HOST));
  const std::string port = u.get(CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (host.empty()) return "";
  return host + ":" + port;
}

std::string host_of(const std::string& url) {
  Url u;
  if (!u.set(url)) return "";
  return lower(u.get(CURLUPART_HOST));
}

std::string resolve_url(const std::string& base, const std::string& ref) {
  std::string r = ref;
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  r.erase(r.begin(), std::find_if(r.begin(), r.end(), not_space));
  r.erase(std::find_if(r.rbegin(), r.rend(), not_space).base(), r.end());
  if (r.empty() || r.size() > 4096) return "";
  Url u;
  if (!u.set(base) || !u.set(r)) return "";
  const std::string scheme = lower(u.get(CURLUPART_SCHEME));
  if (scheme != "http" && scheme != "https") return "";
  curl_url_set(u.h, CURLUPART_FRAGMENT, nullptr, 0);
  return u.get(CURLUPART_URL);
}

struct Fetcher::Impl {
  FetchOptions options;
  CURLM* multi = nullptr;
  curl_slist* connect_to = nullptr;
  std::vector<CURL*> idle;  // easy handles to reuse
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> running;
  std::map<std::string, HostQueue> hosts;
  std::multimap<Clock::time_point, Pending> delayed;  // retries waiting for their back-off
  std::size_t waiting = 0;
  bool queued_by_caller = false;  // on_done queued requests since the last start_ready()
  std::int64_t attempts = 0;

  explicit Impl(FetchOptions o) : options(std::move(o)) {
    init_curl_once();
    multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(options.max_per_host));
    curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(options.max_connections));
    for (const std::string& c : options.connect_to) connect_to = curl_slist_append(connect_to, c.c_str());
  }
  ~Impl() {
    for (auto& [easy, t] : running) {
      curl_multi_remove_handle(multi, easy);
      curl_easy_cleanup(easy);
    }
    for (CURL* e : idle) curl_easy_cleanup(e);
    curl_multi_cleanup(multi);
    curl_slist_free_all(connect_to);
  }

  void enqueue(Pending p) {
    const std::string host = authority_of(p.request.url);
    hosts[host].waiting.push_back(std::move(p));
    ++waiting;
  }

  void start(Pending p, const std::string& host, HostQueue& q) {
    CURL* easy = nullptr;
    if (!idle.empty()) {
      easy = idle.back();
      idle.pop_back();
      curl_easy_reset(easy);
    } else {
      easy = curl_easy_init();
    }
    auto t = std::make_unique<Transfer>();
    t->easy = easy;
    t->pending = std::move(p);
    t->host = host;
    t->max_body = options.max_body_bytes;
    t->started = Clock::now();
    ++t->pending.attempt;
    ++attempts;
    curl_easy_setopt(easy, CURLOPT_URL, t->pending.request.url.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(easy, CURLOPT_MAXREDIRS, static_cast<long>(options.max_redirects));
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, options.user_agent.c_str());
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(easy, CURLOPT_NOBODY, t->pending.request.method == Method::head ? 1L : 0L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, t.get());
    curl_easy_setopt(easy, CURLOPT_PRIVATE, t.get());
    if (connect_to) curl_easy_setopt(easy, CURLOPT_CONNECT_TO, connect_to);
    if (!options.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options.ca_file.c_str());
    ++q.active;
    q.next_start = t->started + options.politeness;
    curl_multi_add_handle(multi, easy);
    running.emplace(easy, std::move(t));
  }

  // Starts what the caps and politeness allow; returns how long until something more could start.
  std::chrono::milliseconds start_ready() {
    const auto now = Clock::now();
    while (!delayed.empty() && delayed.begin()->first <= now) {
      auto node = delayed.extract(delayed.begin());
      const std::string host = authority_of(node.mapped().request.url);
      hosts[host].waiting.push_front(std::move(node.mapped()));
      ++waiting;
    }
    auto wait = std::chrono::milliseconds(100);
    if (!delayed.empty()) {
      wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(delayed.begin()->first - now));
    }
    for (auto it = hosts.begin(); it != hosts.end() && waiting > 0;) {
      auto& [host, q] = *it;
      while (!q.waiting.empty() && q.active < options.max_per_host &&
             static_cast<int>(running.size()) < options.max_connections && q.next_start <= Clock::now()) {
        Pending p = std::move(q.waiting.front());
        q.waiting.pop_front();
        --waiting;
        start(std::move(p), host, q);
      }
      if (!q.waiting.empty() && q.next_start > now) {
        wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(q.next_start - now));
      }
      if (q.waiting.empty() && q.active == 0 && q.next_start <= now) {
        it = hosts.erase(it);
      } else {
        ++it;
      }
    }
    return std::max(wait, std::chrono::milliseconds(0));
  }

  FetchResult finish(Transfer& t, CURLcode code) {
    FetchResult r;
    r.attempts = t.pending.attempt;
    r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t.started);
    const bool cut = code == CURLE_WRITE_ERROR && t.truncated;
    long status = 0;
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
    if (code == CURLE_OK || cut) {
      r.status = static_cast<int>(status);
    } else {
      r.error = error_of(code);
      r.error_message = curl_easy_strerror(code);
    }
    char* final_url = nullptr;
    curl_easy_getinfo(t.easy, CURLINFO_EFFECTIVE_URL, &final_url);
    r.final_url = final_url ? final_url : t.pending.request.url;
    long redirects = 0;
    curl_easy_getinfo(t.easy, CURLINFO_REDIRECT_COUNT, &redirects);
    r.redirects = static_cast<int>(redirects);
    char* type = nullptr;
    curl_easy_getinfo(t.easy, CURLINFO_CONTENT_TYPE, &type);
    if (type) {
      std::string ct = lower(type);
      ct = ct.substr(0, ct.find(';'));
      while (!ct.empty() && ct.back() == ' ') ct.pop_back();
      r.content_type = ct;
    }
    r.hsts = std::move(t.hsts);
    r.body = std::move(t.body);
    r.truncated = t.truncated;
    return r;
  }

  void run(std::vector<FetchRequest> requests, const OnDone& on_done) {
    for (auto& req : requests) enqueue(Pending{std::move(req), 0, {}});
    const Queue queue = [this](FetchRequest req) {
      enqueue(Pending{std::move(req), 0, {}});
      queued_by_caller = true;
    };
    while (!running.empty() || waiting > 0 || !delayed.empty()) {
      if (options.stop.stop_requested()) return;  // the destructor drops what is under way
      const auto wait = start_ready();
      int still = 0;
      curl_multi_perform(multi, &still);
      int left = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
        if (msg->msg != CURLMSG_DONE) continue;
        CURL* easy = msg->easy_handle;
        const CURLcode code = msg->data.result;
        curl_multi_remove_handle(multi, easy);
        auto node = running.extract(easy);
        Transfer& t = *node.mapped();
        if (auto h = hosts.find(t.host); h != hosts.end()) --h->second.active;
        FetchResult r = finish(t, code);
        idle.push_back(easy);
        if (retryable(r) && t.pending.attempt <= options.retries) {
          auto backoff = options.retry_backoff * (1 << std::min(t.pending.attempt - 1, 10));
          Pending again = std::move(t.pending);
          delayed.emplace(Clock::now() + backoff, std::move(again));
          continue;
        }
        on_done(t.pending.request, std::move(r), queue);
      }
      if (running.empty() && waiting == 0 && delayed.empty()) break;
      // Requests the caller just queued (a crawl's next pages) start now, not after the poll's wait
      // (up to 100 ms with nothing else in flight: that made a crawl of one site at a time ~10 sites/s).
      if (std::exchange(queued_by_caller, false)) continue;
      curl_multi_poll(multi, nullptr, 0, static_cast<int>(std::max<std::int64_t>(1, wait.count())), nullptr);
    }
  }
};

Fetcher::Fetcher(FetchOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Fetcher::~Fetcher() = default;

void Fetcher::run(std::vector<FetchRequest> requests, const OnDone& on_done) { impl_->run(std::move(requests), on_done); }

std::int64_t Fetcher::attempts() const { return impl_->attempts; }

}  // namespace sw::monitor
