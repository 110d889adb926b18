// Prometheus metrics of the probes (issue 7 "Operation"; docs/monitoring.md "Metrics"), exposed on
// serve's own admin listener `[monitor] metrics_listen` (loopback only: the admin surface stays off
// the public listener and off the console).
//
// Per probe (label probe="uptime"|"tls"|"links"|"freshness"|...):
//   sitewarden_monitor_passes_total{probe,outcome="ok"|"failed"}        counter
//   sitewarden_monitor_targets_probed_total{probe}                     counter
//   sitewarden_monitor_probe_failures_total{probe}                     counter (targets not ok)
//   sitewarden_monitor_findings_open{probe,severity}                   gauge
//   sitewarden_monitor_incidents_open{probe}                           gauge
//   sitewarden_monitor_pass_duration_seconds{probe}                    gauge (the last pass)
//   sitewarden_monitor_last_pass_timestamp_seconds{probe}              gauge (Unix time it finished)
// and, when notifications run, sitewarden_notify_messages_total{channel,state} (notify_outbox.h).
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "monitor/findings.h"
#include "monitor/monitor_pass.h"
#include "monitor/monitor_service.h"

namespace sw::monitor {

class ProbeMetrics {
 public:
  // A pass that finished (counts from its summary) and one that failed as a whole.
  void record_pass(const PassSummary& summary, std::chrono::steady_clock::duration took, TimePoint finished);
  void record_failed_pass(Probe probe, std::chrono::steady_clock::duration took, TimePoint finished);
  // Replaces the open findings (by probe and severity) and incidents (by probe) gauges.
  void set_open(std::map<std::pair<Probe, Severity>, std::int64_t> findings, std::map<Probe, std::int64_t> incidents);
  // Extra exposition text appended at the end (e.g. the notification counters), read at each scrape.
  void set_extra(std::function<std::string()> extra);

  // The Prometheus text exposition (version 0.0.4) of everything above.
  std::string text() const;

 private:
  struct PerProbe {
    std::int64_t passes_ok = 0, passes_failed = 0, targets = 0, failures = 0;
    double last_duration_s = 0;
    std::int64_t last_finished = 0;
  };
  mutable std::mutex mu_;
  std::map<Probe, PerProbe> probes_;
  std::map<std::pair<Probe, Severity>, std::int64_t> findings_;
  std::map<Probe, std::int64_t> incidents_;
  std::function<std::string()> extra_;
};

// Reads the open findings and incidents below `roots` as the machine operator into `metrics`.
Status refresh_open_counts(ProbeMetrics& metrics, MonitorService& service, const std::vector<std::int64_t>& roots);

// A minimal HTTP/1.1 listener on loopback answering GET /metrics (the text) and GET /healthz; any other
// request is 404, anything but GET 405; one request per connection, read within 2 s and 8 KiB.
class MetricsListener {
 public:
  // `listen`: "127.0.0.1:PORT", "[::1]:PORT" or "localhost:PORT" (PORT 0: the kernel picks); any
  // other address is "monitor.bad_input" (not loopback). Bind failures are "monitor.bind".
  static Result<std::unique_ptr<MetricsListener>> start(const std::string& listen, std::function<std::string()> text);
  ~MetricsListener();  // stops and joins
  MetricsListener(const MetricsListener&) = delete;
  MetricsListener& operator=(const MetricsListener&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  MetricsListener() = default;
  void serve(std::stop_token stop);
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::function<std::string()> text_;
  std::jthread thread_;
};

}  // namespace sw::monitor
