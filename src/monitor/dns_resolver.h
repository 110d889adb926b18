// DnsResolver: many DNS questions at once through libunbound (issue 7, N7.2) — the DNS and lookalike
// probes' view of the DNS from outside, validating DNSSEC from a trust anchor.
//
// Contract:
//  - One resolver is one libunbound context: full recursion from the root hints (upstream empty) or
//    forwarding to `upstream` ("IP" or "IP@port", comma or space separated), validating from
//    `trust_anchor` (a file of DS or DNSKEY lines, e.g. /usr/share/dns/root.key; empty: no validation,
//    every answer is insecure, never bogus).
//  - resolve() asks every question with ub_resolve_async, at most `in_flight` at once, each attempt
//    bounded by `timeout` (cancelled then), a timed-out or SERVFAIL (not bogus) question asked again up
//    to `retries` times. It returns one answer per question, in order, and never hangs: the whole call
//    ends within about (retries + 1) * timeout * ceil(questions / in_flight), sooner when `stop` is
//    requested (unanswered questions are then "timeout").
//  - Records are canonical text, sorted and deduplicated, TTLs left out: A "192.0.2.1", AAAA
//    "2001:db8::1", NS/CNAME "ns1.example.org." (lowercase), MX "10 mail.example.org.", CAA
//    "0 issue \"ca.example\"", DS "12345 13 2 <hex>"; other types "\# <len> <hex>" (RFC 3597).
//
// Thread-safety: one resolve() at a time per resolver; resolvers are independent.
#pragma once

#include <chrono>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sw::monitor {

struct DnsOptions {
  std::string trust_anchor = "/usr/share/dns/root.key";  // "" : no DNSSEC validation
  std::string upstream;                // "" : recursion from the root; else forwarders "IP[@port]"
  std::vector<std::string> resolvers;  // compared with the validated answers ("IP[@port]" each)
  int in_flight = 64;
  std::chrono::milliseconds timeout{5'000};
  int retries = 1;
};

// RR types the monitors ask for (their IANA numbers).
enum class RrType : int { a = 1, ns = 2, cname = 5, mx = 15, aaaa = 28, ds = 43, caa = 257 };
std::string_view to_string(RrType t);  // "A", "NS", "CNAME", "MX", "AAAA", "DS", "CAA"

struct DnsQuestion {
  std::string name;  // a DNS name, with or without the final dot
  RrType type = RrType::a;
};

enum class DnsStatus { answered, nxdomain, servfail, timeout, error };
std::string_view to_string(DnsStatus s);  // "answered" | "nxdomain" | "servfail" | "timeout" | "error"

struct DnsAnswer {
  DnsStatus status = DnsStatus::error;  // answered: NOERROR, with or without records (NODATA)
  std::vector<std::string> records;     // canonical text, sorted (see above); empty for NODATA
  bool secure = false;                  // validated from the trust anchor
  bool bogus = false;                   // validation failed (status is then servfail)
  std::string why_bogus;
  std::string error;                    // libunbound's words for status error
  int attempts = 0;
};

class DnsResolver {
 public:
  // "monitor.bad_input" names a forwarder or an anchor file libunbound refuses.
  static Result<std::unique_ptr<DnsResolver>> create(const std::string& upstream, const std::string& trust_anchor,
                                                     const DnsOptions& options);
  ~DnsResolver();
  DnsResolver(const DnsResolver&) = delete;
  DnsResolver& operator=(const DnsResolver&) = delete;

  std::vector<DnsAnswer> resolve(const std::vector<DnsQuestion>& questions, std::stop_token stop = {});

  // The upstream as given ("" for recursion), for findings' evidence.
  const std::string& upstream() const { return upstream_; }

 private:
  struct Impl;
  DnsResolver(std::unique_ptr<Impl> impl, std::string upstream);
  std::unique_ptr<Impl> impl_;
  std::string upstream_;
};

// The record data of one RR in canonical text (see the contract); exposed for tests.
std::string rdata_text(int type, std::string_view rdata);

// Splits "a, b c" into its entries (commas and spaces separate).
std::vector<std::string> split_list(std::string_view text);

}  // namespace sw::monitor
