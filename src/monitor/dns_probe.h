// The DNS probe (issue 7, N7.2; docs/modules/monitor.md "DNS"): each domain of each site resolved with
// DNSSEC validation from the trust anchor and compared with its accepted baseline (dns_baselines.h),
// and its address asked of each configured public resolver too, compared with the validated answer.
//
// What is asked: A, AAAA and CNAME of the domain; NS, DS, MX and CAA of its zone — the registrable
// domain (registrable_domain.h, public-suffix aware: www.jsgh.org.cn → jsgh.org.cn), where a hijack at
// the registrar shows. All questions of all sites go out at once (DnsResolver, a bounded number in
// flight); each configured resolver is asked the same questions.
//
// Findings (clause N7.2), subject in brackets:
//  - dns.changed [<domain> <TYPE>]: a record set differs from the baseline — critical for NS and DS,
//    warning otherwise; evidence: baseline and now. Resolves once an operator accepts the new answer
//    (`sitewarden monitor dns accept`) or the answer returns to the baseline.
//  - dns.bogus [<domain>]: DNSSEC validation failed (critical), with libunbound's reason.
//  - dns.unsigned [<domain>]: the baseline has DS records but the answer is not signed (critical).
//  - dns.unresolvable [<domain>]: NXDOMAIN (critical), SERVFAIL, timeout (warning).
//  - dns.resolver_mismatch [<domain> <TYPE> via <resolver>]: a resolver's answer to any of the
//    questions (A, AAAA, CNAME, NS, MX, CAA; DS when the resolver gives DS records) differs from the
//    validated answer (critical: a hijacking or poisoned resolver).
//  - dns.resolver_failed [<resolver>]: a resolver did not answer (warning) — bounded by the timeout.
// The first pass that resolves a domain records its baseline (accepted by "monitor", audited).
#pragma once

#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "monitor/dns_baselines.h"
#include "monitor/dns_resolver.h"
#include "monitor/probe_body.h"

namespace sw::monitor {

// The probe body (probe_body.h): reads and writes the baselines in the service's database.
Result<std::vector<SiteWork>> probe_dns(MonitorService& service, const std::vector<SiteTarget>& sites,
                                        const PassOptions& options, TimePoint now);

// What one domain's answers mean against its baseline (the body's judgement, exposed for tests).
// `answers` holds one answer per entry of dns_questions(domain), in that order.
struct DomainAnswers {
  std::string domain;
  std::vector<DnsAnswer> validated;                              // dns_questions(domain) order
  std::vector<std::pair<std::string, std::vector<DnsAnswer>>> resolvers;  // (resolver, dns_questions order)
};
// The zone whose NS, DS, MX and CAA are asked: registrable_domain(domain).
std::string dns_zone(const std::string& domain);
std::vector<DnsQuestion> dns_questions(const std::string& domain);
// The record sets answered (a question that failed is left out: nothing to compare).
std::vector<RecordSet> answered_sets(const std::string& domain, const std::vector<DnsAnswer>& validated);
std::vector<Observation> dns_observations(const DomainAnswers& a, const RecordSets& baseline);

}  // namespace sw::monitor
