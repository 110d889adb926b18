#include "http/stats.h"

#include "http/counters.h"

namespace sw::http {
namespace {

constexpr int kClientErrorClass = 4;
constexpr int kServerErrorClass = 5;

void append_metric(std::string& out, std::string_view prefix, std::string_view name, std::string_view type,
                   std::string_view help) {
  out += "# HELP " + std::string(prefix) + "_" + std::string(name) + " " + std::string(help) + "\n";
  out += "# TYPE " + std::string(prefix) + "_" + std::string(name) + " " + std::string(type) + "\n";
}

void append_sample(std::string& out, std::string_view prefix, std::string_view name, std::string_view labels,
                   std::uint64_t value) {
  out += std::string(prefix) + "_" + std::string(name) + std::string(labels) + " " + std::to_string(value) +
         "\n";
}

void append_simple(std::string& out, std::string_view prefix, std::string_view name, std::string_view type,
                   std::string_view help, std::uint64_t value) {
  append_metric(out, prefix, name, type, help);
  append_sample(out, prefix, name, "", value);
}

}  // namespace

std::string_view to_string(RejectReason reason) {
  switch (reason) {
    case RejectReason::header_too_large:
      return "header_too_large";
    case RejectReason::body_too_large:
      return "body_too_large";
    case RejectReason::uri_too_long:
      return "uri_too_long";
    case RejectReason::malformed:
      return "malformed";
    case RejectReason::unsupported_transfer_encoding:
      return "unsupported_transfer_encoding";
    case RejectReason::connection_limit:
      return "connection_limit";
    case RejectReason::refused_at_accept:
      return "refused_at_accept";
    case RejectReason::tls_handshake:
      return "tls_handshake";
    case RejectReason::uploads_busy:
      return "uploads_busy";
  }
  return "unknown";
}

std::string_view to_string(TimeoutPhase phase) {
  switch (phase) {
    case TimeoutPhase::header:
      return "header";
    case TimeoutPhase::body:
      return "body";
    case TimeoutPhase::idle:
      return "idle";
    case TimeoutPhase::write:
      return "write";
  }
  return "unknown";
}

std::string render_prometheus(const Stats& stats, std::string_view prefix) {
  std::string out;
  append_simple(out, prefix, "connections_accepted_total", "counter", "TCP connections accepted.",
                stats.connections_accepted);
  append_simple(out, prefix, "connections_active", "gauge", "Connections open now.",
                stats.connections_active);
  append_simple(out, prefix, "requests_total", "counter", "Responses written.", stats.requests);
  append_simple(out, prefix, "received_bytes_total", "counter", "Request bytes read.", stats.bytes_received);
  append_simple(out, prefix, "sent_bytes_total", "counter", "Response bytes written.", stats.bytes_sent);
  append_simple(out, prefix, "responses_4xx_total", "counter", "Responses with a 4xx status.",
                stats.responses_4xx);
  append_simple(out, prefix, "responses_5xx_total", "counter", "Responses with a 5xx status.",
                stats.responses_5xx);
  append_metric(out, prefix, "rejected_total", "counter", "Connections or requests refused by a limit.");
  for (std::size_t i = 0; i < kRejectReasonCount; ++i) {
    const std::string labels = "{reason=\"" + std::string(to_string(static_cast<RejectReason>(i))) + "\"}";
    append_sample(out, prefix, "rejected_total", labels, stats.rejected[i]);
  }
  append_metric(out, prefix, "timeouts_total", "counter", "Connections closed because a wait ran out.");
  for (std::size_t i = 0; i < kTimeoutPhaseCount; ++i) {
    const std::string labels = "{phase=\"" + std::string(to_string(static_cast<TimeoutPhase>(i))) + "\"}";
    append_sample(out, prefix, "timeouts_total", labels, stats.timeouts[i]);
  }
  return out;
}

void Counters::count_response(int status, std::uint64_t bytes) {
  ++requests;
  bytes_sent += bytes;
  if (status / 100 == kClientErrorClass) ++responses_4xx;
  if (status / 100 == kServerErrorClass) ++responses_5xx;
}

Stats Counters::snapshot() const {
  Stats stats;
  stats.connections_accepted = connections_accepted.load();
  stats.connections_active = connections_active.load();
  stats.requests = requests.load();
  stats.bytes_received = bytes_received.load();
  stats.bytes_sent = bytes_sent.load();
  stats.responses_4xx = responses_4xx.load();
  stats.responses_5xx = responses_5xx.load();
  for (std::size_t i = 0; i < kRejectReasonCount; ++i) stats.rejected[i] = rejected_[i].load();
  for (std::size_t i = 0; i < kTimeoutPhaseCount; ++i) stats.timeouts[i] = timeouts_[i].load();
  return stats;
}

}  // namespace sw::http
