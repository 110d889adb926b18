// Prometheus metrics of the probes (metrics.h).
#include "monitor/metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

namespace sw::monitor {
namespace {

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ").append(name).append(" ").append(type).append("\n");
}

}  // namespace

void ProbeMetrics::record_pass(const PassSummary& summary, std::chrono::steady_clock::duration took, TimePoint finished) {
  std::lock_guard lock(mu_);
  PerProbe& p = probes_[summary.probe];
  ++p.passes_ok;
  p.targets += summary.counts.targets;
  p.failures += summary.counts.failures;
  p.last_duration_s = std::chrono::duration<double>(took).count();
  p.last_finished = unix_seconds(finished);
}

void ProbeMetrics::record_failed_pass(Probe probe, std::chrono::steady_clock::duration took, TimePoint finished) {
  std::lock_guard lock(mu_);
  PerProbe& p = probes_[probe];
  ++p.passes_failed;
  p.last_duration_s = std::chrono::duration<double>(took).count();
  p.last_finished = unix_seconds(finished);
}

void ProbeMetrics::set_open(std::map<std::pair<Probe, Severity>, std::int64_t> findings,
                            std::map<Probe, std::int64_t> incidents) {
  std::lock_guard lock(mu_);
  findings_ = std::move(findings);
  incidents_ = std::move(incidents);
}

void ProbeMetrics::set_extra(std::function<std::string()> extra) {
  std::lock_guard lock(mu_);
  extra_ = std::move(extra);
}

std::string ProbeMetrics::text() const {
  std::function<std::string()> extra;
  std::string out;
  {
    std::lock_guard lock(mu_);
    extra = extra_;
    auto label = [](Probe p) { return std::string("probe=\"") + std::string(to_string(p)) + "\""; };
    header(out, "sitewarden_monitor_passes_total", "counter", "Passes of each probe, by outcome.");
    for (Probe p : kAllProbes) {
      const PerProbe& v = probes_.contains(p) ? probes_.at(p) : PerProbe{};
      out += "sitewarden_monitor_passes_total{" + label(p) + ",outcome=\"ok\"} " + std::to_string(v.passes_ok) + "\n";
      out += "sitewarden_monitor_passes_total{" + label(p) + ",outcome=\"failed\"} " + std::to_string(v.passes_failed) + "\n";
    }
    header(out, "sitewarden_monitor_targets_probed_total", "counter", "Targets probed (URLs, host:ports, sites).");
    for (Probe p : kAllProbes) {
      const auto it = probes_.find(p);
      out += "sitewarden_monitor_targets_probed_total{" + label(p) + "} " + std::to_string(it == probes_.end() ? 0 : it->second.targets) + "\n";
    }
    header(out, "sitewarden_monitor_probe_failures_total", "counter", "Targets whose probe failed.");
    for (Probe p : kAllProbes) {
      const auto it = probes_.find(p);
      out += "sitewarden_monitor_probe_failures_total{" + label(p) + "} " + std::to_string(it == probes_.end() ? 0 : it->second.failures) + "\n";
    }
    header(out, "sitewarden_monitor_findings_open", "gauge", "Open findings by probe and severity.");
    for (Probe p : kAllProbes) {
      for (Severity s : {Severity::info, Severity::warning, Severity::critical}) {
        const auto it = findings_.find({p, s});
        out += "sitewarden_monitor_findings_open{" + label(p) + ",severity=\"" + std::string(to_string(s)) + "\"} " +
               std::to_string(it == findings_.end() ? 0 : it->second) + "\n";
      }
    }
    header(out, "sitewarden_monitor_incidents_open", "gauge", "Open incidents by probe.");
    for (Probe p : kAllProbes) {
      const auto it = incidents_.find(p);
      out += "sitewarden_monitor_incidents_open{" + label(p) + "} " + std::to_string(it == incidents_.end() ? 0 : it->second) + "\n";
    }
    header(out, "sitewarden_monitor_pass_duration_seconds", "gauge", "How long the last pass of each probe took.");
    for (const auto& [p, v] : probes_) out += "sitewarden_monitor_pass_duration_seconds{" + label(p) + "} " + number(v.last_duration_s) + "\n";
    header(out, "sitewarden_monitor_last_pass_timestamp_seconds", "gauge", "When the last pass of each probe finished (Unix time).");
    for (const auto& [p, v] : probes_) out += "sitewarden_monitor_last_pass_timestamp_seconds{" + label(p) + "} " + std::to_string(v.last_finished) + "\n";
  }
  if (extra) out += extra();
  return out;
}

Status refresh_open_counts(ProbeMetrics& metrics, MonitorService& service, const std::vector<std::int64_t>& roots) {
  static const identity::Principal machine = identity::Principal::system("monitor");
  std::map<std::pair<Probe, Severity>, std::int64_t> findings;
  std::map<Probe, std::int64_t> incidents;
  std::set<std::int64_t> seen_findings, seen_incidents;  // roots do not overlap, but be safe
  for (std::int64_t root : roots) {
    SW_TRY(f, service.findings(machine, identity::Scope::org(root), true));
    for (const Finding& x : f) {
      if (seen_findings.insert(x.id).second) ++findings[{x.probe, x.observation.severity}];
    }
    SW_TRY(i, service.incidents(machine, identity::Scope::org(root), true));
    for (const Incident& x : i) {
      if (seen_incidents.insert(x.id).second) ++incidents[x.probe];
    }
  }
  metrics.set_open(std::move(findings), std::move(incidents));
  return ok();
}

// ---- the listener -------------------------------------------------------------------------------------

Result<std::unique_ptr<MetricsListener>> MetricsListener::start(const std::string& listen,
                                                                 std::function<std::string()> text) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size()) {
    return fail("monitor.bad_input", "[monitor] metrics_listen '" + listen + "' is not ADDRESS:PORT");
  }
  std::string host = listen.substr(0, colon);
  const std::string port_text = listen.substr(colon + 1);
  if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos || std::stoi(port_text) > 65535) {
    return fail("monitor.bad_input", "[monitor] metrics_listen '" + listen + "' has no valid port");
  }
  const int port = std::stoi(port_text);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  sockaddr_storage addr{};
  socklen_t len = 0;
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127) {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    a->sin_addr = v4;
    a->sin_port = htons(static_cast<std::uint16_t>(port));
    len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6)) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    a->sin6_family = AF_INET6;
    a->sin6_addr = v6;
    a->sin6_port = htons(static_cast<std::uint16_t>(port));
    len = sizeof(sockaddr_in6);
  } else {
    return fail("monitor.bad_input", "[monitor] metrics_listen '" + listen +
                                         "' is not a loopback address (the admin surface stays off public listeners)");
  }
  std::unique_ptr<MetricsListener> l(new MetricsListener());
  l->fd_ = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (l->fd_ < 0) return fail("monitor.bind", "metrics listener: socket() failed");
  const int one = 1;
  setsockopt(l->fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(l->fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(l->fd_, 16) != 0) {
    const std::string why = std::strerror(errno);
    return fail("monitor.bind", "metrics listener on " + listen + ": " + why);
  }
  sockaddr_storage bound{};
  socklen_t blen = sizeof bound;
  getsockname(l->fd_, reinterpret_cast<sockaddr*>(&bound), &blen);
  l->port_ = ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                              : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  l->text_ = std::move(text);
  l->thread_ = std::jthread([p = l.get()](std::stop_token stop) { p->serve(stop); });
  return l;
}

MetricsListener::~MetricsListener() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
  if (fd_ >= 0) close(fd_);
}

void MetricsListener::serve(std::stop_token stop) {
  while (!stop.stop_requested()) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    const int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    std::string request;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    char buf[2048];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 8192 &&
           std::chrono::steady_clock::now() < deadline && !stop.stop_requested()) {
      pollfd cp{c, POLLIN, 0};
      if (poll(&cp, 1, 100) <= 0) continue;
      const ssize_t n = recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      request.append(buf, static_cast<std::size_t>(n));
    }
    std::string status = "404 Not Found", type = "text/plain; charset=utf-8", body = "not found\n";
    if (request.find("\r\n\r\n") == std::string::npos) {
      status = "400 Bad Request", body = "bad request\n";
    } else if (!request.starts_with("GET ")) {
      status = "405 Method Not Allowed", body = "GET only\n";
    } else if (request.starts_with("GET /metrics ") || request.starts_with("GET /metrics?")) {
      status = "200 OK", type = "text/plain; version=0.0.4; charset=utf-8", body = text_();
    } else if (request.starts_with("GET /healthz ")) {
      status = "200 OK", body = "ok\n";
    }
    const std::string response = "HTTP/1.1 " + status + "\r\nContent-Type: " + type + "\r\nContent-Length: " +
                                 std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    std::size_t sent = 0;
    while (sent < response.size()) {
      const ssize_t n = send(c, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    close(c);
  }
}

}  // namespace sw::monitor
