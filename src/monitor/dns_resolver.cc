// DnsResolver (dns_resolver.h): libunbound's asynchronous resolution on its own thread, polled here.
#include "monitor/dns_resolver.h"

#include <arpa/inet.h>
#include <poll.h>
#include <unbound.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>

namespace sw::monitor {
namespace {

using Clock = std::chrono::steady_clock;

// A DNS name in wire format (uncompressed, as libunbound hands rdata) as lowercase text with the final
// dot; `at` moves past it. Malformed: "" and at = end.
std::string wire_name(std::string_view d, std::size_t& at) {
  std::string out;
  for (int labels = 0; at < d.size() && labels < 128; ++labels) {
    const auto len = static_cast<unsigned char>(d[at++]);
    if (len == 0) return out.empty() ? "." : out;
    if (len > 63 || at + len > d.size()) break;
    for (std::size_t i = 0; i < len; ++i) {
      const auto c = static_cast<unsigned char>(d[at + i]);
      if (c == '.' || c == '\\' || c <= 0x20 || c >= 0x7f) {
        char esc[8];
        std::snprintf(esc, sizeof esc, "\\%03u", c);
        out += esc;
      } else {
        out += static_cast<char>(std::tolower(c));
      }
    }
    out += '.';
    at += len;
  }
  at = d.size();
  return "";
}

std::string hex(std::string_view d) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : d) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string unknown(std::string_view d) { return "\\# " + std::to_string(d.size()) + (d.empty() ? "" : " " + hex(d)); }

std::uint16_t u16(std::string_view d, std::size_t at) {
  return static_cast<std::uint16_t>((static_cast<unsigned char>(d[at]) << 8) | static_cast<unsigned char>(d[at + 1]));
}

}  // namespace

std::string_view to_string(RrType t) {
  switch (t) {
    case RrType::a: return "A";
    case RrType::ns: return "NS";
    case RrType::cname: return "CNAME";
    case RrType::mx: return "MX";
    case RrType::aaaa: return "AAAA";
    case RrType::ds: return "DS";
    case RrType::caa: return "CAA";
  }
  return "?";
}

std::string_view to_string(DnsStatus s) {
  switch (s) {
    case DnsStatus::answered: return "answered";
    case DnsStatus::nxdomain: return "nxdomain";
    case DnsStatus::servfail: return "servfail";
    case DnsStatus::timeout: return "timeout";
    case DnsStatus::error: return "error";
  }
  return "?";
}

std::string rdata_text(int type, std::string_view d) {
  char buf[INET6_ADDRSTRLEN] = {};
  switch (type) {
    case 1:
      if (d.size() != 4 || inet_ntop(AF_INET, d.data(), buf, sizeof buf) == nullptr) return unknown(d);
      return buf;
    case 28:
      if (d.size() != 16 || inet_ntop(AF_INET6, d.data(), buf, sizeof buf) == nullptr) return unknown(d);
      return buf;
    case 2:
    case 5: {
      std::size_t at = 0;
      std::string n = wire_name(d, at);
      return n.empty() || at != d.size() ? unknown(d) : n;
    }
    case 15: {
      if (d.size() < 3) return unknown(d);
      std::size_t at = 2;
      std::string n = wire_name(d, at);
      return n.empty() || at != d.size() ? unknown(d) : std::to_string(u16(d, 0)) + " " + n;
    }
    case 43:
      if (d.size() < 5) return unknown(d);
      return std::to_string(u16(d, 0)) + " " + std::to_string(static_cast<unsigned char>(d[2])) + " " +
             std::to_string(static_cast<unsigned char>(d[3])) + " " + hex(d.substr(4));
    case 257: {
      if (d.size() < 2) return unknown(d);
      const std::size_t tag_len = static_cast<unsigned char>(d[1]);
      if (tag_len == 0 || 2 + tag_len > d.size()) return unknown(d);
      std::string value;
      for (unsigned char c : d.substr(2 + tag_len)) {
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\%03u", c);
          value += esc;
        } else {
          value += static_cast<char>(c);
        }
      }
      std::string tag(d.substr(2, tag_len));
      std::ranges::transform(tag, tag.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      return std::to_string(static_cast<unsigned char>(d[0])) + " " + tag + " \"" + value + "\"";
    }
    default:
      return unknown(d);
  }
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (c == ',' || c == ' ' || c == '\t' || c == '\n') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

struct DnsResolver::Impl {
  ub_ctx* ctx = nullptr;
  DnsOptions options;
  ~Impl() {
    if (ctx != nullptr) ub_ctx_delete(ctx);
  }
};

namespace {

// One question in flight: what the callback fills in.
struct Pending {
  std::size_t index = 0;
  int async_id = 0;
  Clock::time_point deadline;
  bool done = false;
  int err = 0;
  ub_result* result = nullptr;
};

void on_answer(void* data, int err, ub_result* result) {
  auto* p = static_cast<Pending*>(data);
  p->done = true;
  p->err = err;
  p->result = result;
}

DnsAnswer answer_of(int err, ub_result* r) {
  DnsAnswer a;
  if (err != 0 || r == nullptr) {
    a.status = DnsStatus::error;
    a.error = ub_strerror(err);
    return a;
  }
  a.secure = r->secure != 0;
  a.bogus = r->bogus != 0;
  if (a.bogus && r->why_bogus != nullptr) a.why_bogus = r->why_bogus;
  if (r->nxdomain != 0) {
    a.status = DnsStatus::nxdomain;
  } else if (r->rcode == 0) {
    a.status = DnsStatus::answered;
    for (int i = 0; r->havedata != 0 && r->data != nullptr && r->data[i] != nullptr; ++i) {
      a.records.push_back(rdata_text(r->qtype, std::string_view(r->data[i], static_cast<std::size_t>(r->len[i]))));
    }
    std::ranges::sort(a.records);
    a.records.erase(std::unique(a.records.begin(), a.records.end()), a.records.end());
  } else if (r->rcode == 2) {
    a.status = DnsStatus::servfail;
  } else {
    a.status = DnsStatus::error;
    a.error = "rcode " + std::to_string(r->rcode);
  }
  return a;
}

}  // namespace

DnsResolver::DnsResolver(std::unique_ptr<Impl> impl, std::string upstream)
    : impl_(std::move(impl)), upstream_(std::move(upstream)) {}
DnsResolver::~DnsResolver() = default;

Result<std::unique_ptr<DnsResolver>> DnsResolver::create(const std::string& upstream, const std::string& trust_anchor,
                                                        const DnsOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->options.in_flight = std::clamp(options.in_flight, 1, 10'000);
  impl->options.retries = std::clamp(options.retries, 0, 10);
  impl->ctx = ub_ctx_create();
  if (impl->ctx == nullptr) return fail("monitor.dns_failed", "libunbound could not create a resolver context");
  ub_ctx_async(impl->ctx, 1);  // a thread, not a forked process
  auto set = [&](const char* opt, const char* val) { (void)ub_ctx_set_option(impl->ctx, opt, val); };
  set("do-not-query-localhost:", "no");  // forwarders and test servers on 127.0.0.1
  set("qname-minimisation:", "no");
  set("prefetch:", "no");
  // Each question is its own: libunbound's internal retransmission stays under our deadline.
  set("outgoing-range:", "1024");
  for (const std::string& fwd : split_list(upstream)) {
    if (int err = ub_ctx_set_fwd(impl->ctx, fwd.c_str()); err != 0) {
      return fail("monitor.bad_input", "DNS forwarder '" + fwd + "' is not IP or IP@port: " + ub_strerror(err));
    }
  }
  if (!trust_anchor.empty()) {
    // libunbound reads the file only at the first question: a missing one is refused here, by name.
    if (access(trust_anchor.c_str(), R_OK) != 0) {
      return fail("monitor.bad_input", "DNS trust anchor file '" + trust_anchor + "' cannot be read");
    }
    if (int err = ub_ctx_add_ta_file(impl->ctx, trust_anchor.c_str()); err != 0) {
      return fail("monitor.bad_input", "DNS trust anchor file '" + trust_anchor + "' is not usable: " + ub_strerror(err));
    }
  }
  return std::unique_ptr<DnsResolver>(new DnsResolver(std::move(impl), upstream));
}

std::vector<DnsAnswer> DnsResolver::resolve(const std::vector<DnsQuestion>& questions, std::stop_token stop) {
  const DnsOptions& o = impl_->options;
  std::vector<DnsAnswer> out(questions.size());
  std::deque<std::size_t> queue;
  for (std::size_t i = 0; i < questions.size(); ++i) queue.push_back(i);
  std::vector<std::unique_ptr<Pending>> flying;
  auto submit = [&](std::size_t i) {
    auto p = std::make_unique<Pending>();
    p->index = i;
    ++out[i].attempts;
    p->deadline = Clock::now() + o.timeout;
    const int err = ub_resolve_async(impl_->ctx, questions[i].name.c_str(), static_cast<int>(questions[i].type), 1,
                                     p.get(), on_answer, &p->async_id);
    if (err != 0) {
      out[i].status = DnsStatus::error;
      out[i].error = ub_strerror(err);
      return;
    }
    flying.push_back(std::move(p));
  };
  auto retryable = [&](const DnsAnswer& a, std::size_t i) {
    return out[i].attempts <= o.retries &&
           (a.status == DnsStatus::timeout || (a.status == DnsStatus::servfail && !a.bogus));
  };
  const int fd = ub_fd(impl_->ctx);
  while (!queue.empty() || !flying.empty()) {
    while (!queue.empty() && static_cast<int>(flying.size()) < o.in_flight && !stop.stop_requested()) {
      const std::size_t i = queue.front();
      queue.pop_front();
      submit(i);
    }
    if (stop.stop_requested()) {
      for (auto& p : flying) {
        if (!p->done) (void)ub_cancel(impl_->ctx, p->async_id);
        if (p->result != nullptr) ub_resolve_free(p->result);
        out[p->index].status = DnsStatus::timeout;
      }
      for (std::size_t i : queue) out[i].status = DnsStatus::timeout;
      return out;
    }
    if (flying.empty()) continue;
    pollfd pfd{fd, POLLIN, 0};
    (void)poll(&pfd, 1, 50);
    if ((pfd.revents & POLLIN) != 0) (void)ub_process(impl_->ctx);
    const auto now = Clock::now();
    for (auto it = flying.begin(); it != flying.end();) {
      Pending& p = **it;
      DnsAnswer a;
      if (p.done) {
        a = answer_of(p.err, p.result);
        if (p.result != nullptr) ub_resolve_free(p.result);
        p.result = nullptr;
      } else if (now >= p.deadline) {
        (void)ub_cancel(impl_->ctx, p.async_id);
        a.status = DnsStatus::timeout;
        a.error = "no answer within " + std::to_string(o.timeout.count()) + " ms";
      } else {
        ++it;
        continue;
      }
      const std::size_t i = p.index;
      a.attempts = out[i].attempts;
      out[i] = std::move(a);
      it = flying.erase(it);
      if (retryable(out[i], i)) queue.push_back(i);
    }
  }
  return out;
}

}  // namespace sw::monitor
