// TlsProbe (tls_probe.h): OpenSSL handshakes over sockets with timeouts.
#include "monitor/tls_probe.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <ctime>
#include <memory>
#include <utility>


namespace sw::monitor {
namespace {

// An owned socket (movable, closed once).
class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  Socket(Socket&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Socket& operator=(Socket&& o) noexcept {
    if (this != &o) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

struct CtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};
using CtxPtr = std::unique_ptr<SSL_CTX, CtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;

// Where to connect for host:port: a connect_to entry "HOST:PORT:ADDR:APORT" or the host itself.
std::pair<std::string, int> address_for(const std::string& host, int port, const std::vector<std::string>& connect_to) {
  for (const std::string& entry : connect_to) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= entry.size(); ++i) {
      if (i == entry.size() || entry[i] == ':') {
        parts.push_back(entry.substr(start, i - start));
        start = i + 1;
      }
    }
    if (parts.size() != 4) continue;
    const bool host_match = parts[0].empty() || parts[0] == host;
    const bool port_match = parts[1].empty() || parts[1] == std::to_string(port);
    if (host_match && port_match) {
      return {parts[2].empty() ? host : parts[2], parts[3].empty() ? port : std::atoi(parts[3].c_str())};
    }
  }
  return {host, port};
}

// A connected TCP socket with send/receive timeouts, or -1.
int connect_with_timeout(const std::string& address, int port, std::chrono::milliseconds timeout, std::string& error) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(address.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || found == nullptr) {
    error = "dns";
    return -1;
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, freeaddrinfo);
  error = "connect";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    Socket guard(fd);
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) continue;
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) != 1) {
      error = "timeout";
      continue;
    }
    int so_error = 0;
    socklen_t len = sizeof so_error;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0 || so_error != 0) continue;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return guard.release();
  }
  return -1;
}

std::optional<TimePoint> time_of(const ASN1_TIME* t) {
  if (t == nullptr) return std::nullopt;
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

// The weak cipher classes probed (tls_probe.h), as OpenSSL cipher-list strings.
struct WeakClass {
  const char* name;
  const char* ciphers;
};
constexpr WeakClass kWeakClasses[] = {
    {"anonymous", "aNULL"},
    {"null_encryption", "eNULL"},
    {"no_forward_secrecy", "kRSA"},
};

// Which class the suite `cipher` (an SSL_CIPHER) belongs to; nullptr when none of them.
const char* weak_class_of(const SSL_CIPHER* cipher) {
  if (cipher == nullptr) return nullptr;
  if (SSL_CIPHER_get_auth_nid(cipher) == NID_auth_null) return "anonymous";
  if (SSL_CIPHER_get_cipher_nid(cipher) == NID_undef) return "null_encryption";
  if (SSL_CIPHER_get_kx_nid(cipher) == NID_kx_rsa) return "no_forward_secrecy";
  return nullptr;
}

CtxPtr client_context(const TlsOptions& options, int only_version) {
  CtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return ctx;
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);  // judged after the handshake, not refused
  if (only_version != 0) {
    // Offer only the old version, with the security level that still allows it: the question is
    // what the server accepts, not what we would.
    SSL_CTX_set_security_level(ctx.get(), 0);
    SSL_CTX_set_cipher_list(ctx.get(), "ALL:@SECLEVEL=0");
    SSL_CTX_set_min_proto_version(ctx.get(), only_version);
    SSL_CTX_set_max_proto_version(ctx.get(), only_version);
  } else {
    SSL_CTX_set_default_verify_paths(ctx.get());
    if (!options.ca_file.empty()) SSL_CTX_load_verify_locations(ctx.get(), options.ca_file.c_str(), nullptr);
  }
  return ctx;
}

// The SSL is declared after the socket so that it is freed first.
struct Session {
  Socket fd;
  SslPtr ssl;
};

// One handshake to host:port (SNI host); nullopt-like empty ssl on failure with `error` set.
Session handshake(const std::string& host, int port, const TlsOptions& options, SSL_CTX* ctx, std::string& error) {
  Session s;
  const auto [address, aport] = address_for(host, port, options.connect_to);
  const int fd = connect_with_timeout(address, aport, options.timeout, error);
  if (fd < 0) return s;
  s.fd = Socket(fd);
  s.ssl.reset(SSL_new(ctx));
  SSL_set_fd(s.ssl.get(), fd);
  SSL_set_tlsext_host_name(s.ssl.get(), host.c_str());
  if (SSL_connect(s.ssl.get()) != 1) {
    error = "handshake";
    ERR_clear_error();
    s.ssl.reset();
  }
  return s;
}

// HEAD / over the session; the Strict-Transport-Security header's value, "" when absent.
std::string read_hsts(SSL* ssl, const std::string& host, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string request = "HEAD / HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: sitewarden-monitor/0.1\r\n"
                              "Connection: close\r\n\r\n";
  if (SSL_write(ssl, request.data(), static_cast<int>(request.size())) <= 0) return "";
  std::string head;
  char buf[4096];
  while (head.size() < 32 * 1024 && head.find("\r\n\r\n") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    const int n = SSL_read(ssl, buf, sizeof buf);
    if (n <= 0) break;
    head.append(buf, static_cast<std::size_t>(n));
  }
  std::string lower = head;
  std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::string key = "\r\nstrict-transport-security:";
  const auto at = lower.find(key);
  if (at == std::string::npos || at > lower.find("\r\n\r\n")) return "";
  const auto end = head.find("\r\n", at + key.size());
  std::string value = head.substr(at + key.size(), end - at - key.size());
  value.erase(0, value.find_first_not_of(' '));
  return value.substr(0, 256);
}

std::int64_t max_age_of(const std::string& hsts) {
  std::string lower = hsts;
  std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto at = lower.find("max-age=");
  if (at == std::string::npos) return 0;
  std::int64_t v = 0;
  for (std::size_t i = at + 8; i < lower.size() && std::isdigit(static_cast<unsigned char>(lower[i])) && v < 1'000'000'000'000; ++i) {
    v = v * 10 + (lower[i] - '0');
  }
  return v;
}

constexpr std::int64_t kHstsMinAge = 180LL * 86400;

}  // namespace

TlsReport probe_tls(const std::string& host, int port, const TlsOptions& options) {
  TlsReport r;
  r.host = host;
  r.port = port;
  CtxPtr ctx = client_context(options, 0);
  if (!ctx) {
    r.error = "handshake";
    return r;
  }
  Session s = handshake(host, port, options, ctx.get(), r.error);
  if (!s.ssl) return r;
  r.connected = true;
  r.error.clear();
  r.protocol = SSL_get_version(s.ssl.get());
  r.cipher = SSL_get_cipher_name(s.ssl.get());
  const long verify = SSL_get_verify_result(s.ssl.get());
  r.chain_ok = verify == X509_V_OK;
  if (!r.chain_ok) r.chain_error = X509_verify_cert_error_string(verify);
  if (X509* cert = SSL_get1_peer_certificate(s.ssl.get())) {
    r.hostname_ok = X509_check_host(cert, host.c_str(), host.size(), 0, nullptr) == 1;
    r.not_before = time_of(X509_get0_notBefore(cert));
    r.not_after = time_of(X509_get0_notAfter(cert));
    X509_free(cert);
  }
  r.hsts = read_hsts(s.ssl.get(), host, options.timeout);
  r.hsts_max_age = max_age_of(r.hsts);
  s = Session{};
  for (const auto& [version, name] : {std::pair{TLS1_VERSION, "TLSv1"}, std::pair{TLS1_1_VERSION, "TLSv1.1"}}) {
    CtxPtr old = client_context(options, version);
    std::string ignored;
    if (old && handshake(host, port, options, old.get(), ignored).ssl) r.old_protocols.push_back(name);
  }
  // One handshake offering every weak class still unseen; the suite the server picks names a class;
  // that class is taken out and the rest offered again, so a server that accepts none costs one.
  std::vector<std::string> offered;
  for (const auto& c : kWeakClasses) offered.emplace_back(c.name);
  while (!offered.empty()) {
    std::string list;
    for (const auto& c : kWeakClasses) {
      if (std::ranges::find(offered, c.name) != offered.end()) list += std::string(list.empty() ? "" : ":") + c.ciphers;
    }
    CtxPtr weak = client_context(options, TLS1_2_VERSION);
    if (!weak || SSL_CTX_set_cipher_list(weak.get(), (list + ":@SECLEVEL=0").c_str()) != 1) {
      ERR_clear_error();
      break;
    }
    std::string ignored;
    Session w = handshake(host, port, options, weak.get(), ignored);
    if (!w.ssl) break;
    const SSL_CIPHER* chosen = SSL_get_current_cipher(w.ssl.get());
    const char* cls = weak_class_of(chosen);
    if (cls == nullptr || std::ranges::find(offered, cls) == offered.end()) break;  // not what we offered
    r.weak_ciphers.emplace_back(cls, SSL_CIPHER_get_name(chosen));
    std::erase(offered, std::string(cls));
  }
  return r;
}

char TlsReport::grade(TimePoint now) const {
  const bool in_date = not_after && not_before && *not_before <= now && now <= *not_after;
  if (!connected || !chain_ok || !hostname_ok || !in_date) return 'F';
  const auto accepts = [&](std::string_view cls) {
    return std::ranges::any_of(weak_ciphers, [&](const auto& w) { return w.first == cls; });
  };
  if (accepts("anonymous") || accepts("null_encryption")) return 'F';
  if (!old_protocols.empty()) return 'C';
  if (hsts_max_age < kHstsMinAge || accepts("no_forward_secrecy")) return 'B';
  return 'A';
}

std::vector<Observation> tls_observations(const TlsReport& r, TimePoint now) {
  const std::string subject = r.host + ":" + std::to_string(r.port);
  std::vector<Observation> seen;
  nlohmann::json base = {{"grade", std::string(1, r.grade(now))}};
  if (!r.connected) {
    seen.push_back({"tls.unreachable", subject, Severity::critical, "N7.4", {{"error", r.error}, {"grade", "F"}}});
    return seen;
  }
  if (r.not_after) base["not_after"] = format_rfc3339(*r.not_after);
  base["protocol"] = r.protocol;
  if (r.not_after && *r.not_after < now) {
    seen.push_back({"tls.expired", subject, Severity::critical, "N7.4", base});
  } else if (r.not_after) {
    const auto days = std::chrono::duration_cast<std::chrono::hours>(*r.not_after - now).count() / 24;
    if (days <= 30) {
      auto e = base;
      e["days_left"] = days;
      e["threshold_days"] = days <= 7 ? 7 : days <= 14 ? 14 : 30;
      seen.push_back({"tls.expiring", subject, days <= 7 ? Severity::critical : Severity::warning, "N7.4", e});
    }
  }
  if (!r.chain_ok && !(r.not_after && *r.not_after < now)) {
    auto e = base;
    e["verify_error"] = r.chain_error;
    seen.push_back({"tls.untrusted", subject, Severity::critical, "N7.4", e});
  }
  if (!r.hostname_ok) seen.push_back({"tls.hostname_mismatch", subject, Severity::critical, "N7.2", base});
  if (!r.old_protocols.empty()) {
    auto e = base;
    e["accepted"] = r.old_protocols;
    seen.push_back({"tls.old_protocol", subject, Severity::warning, "N7.4", e});
  }
  if (!r.weak_ciphers.empty()) {
    auto e = base;
    bool severe = false;
    for (const auto& [cls, suite] : r.weak_ciphers) {
      e["accepted"].push_back({{"class", cls}, {"suite", suite}});
      severe = severe || cls != "no_forward_secrecy";
    }
    seen.push_back({"tls.weak_cipher", subject, severe ? Severity::critical : Severity::warning, "N7.4", e});
  }
  if (r.hsts_max_age < kHstsMinAge) {
    auto e = base;
    e["hsts"] = r.hsts;
    seen.push_back({"tls.no_hsts", subject, Severity::warning, "N7.2", e});
  }
  return seen;
}

}  // namespace sw::monitor
