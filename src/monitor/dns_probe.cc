// The DNS probe (dns_probe.h): every question of every site at once, then each domain judged against
// its baseline.
#include "monitor/dns_probe.h"

#include <algorithm>
#include <chrono>

#include "monitor/monitor_pass.h"
#include "monitor/monitor_service.h"
#include "monitor/registrable_domain.h"

namespace sw::monitor {
namespace {

constexpr std::string_view kClause = "N7.2";

// The questions: A, AAAA, CNAME of the name; NS, DS, MX, CAA of the zone.
constexpr RrType kNameTypes[] = {RrType::a, RrType::aaaa, RrType::cname};
constexpr RrType kZoneTypes[] = {RrType::ns, RrType::ds, RrType::mx, RrType::caa};
constexpr std::size_t kA = 0;  // index of the A question in dns_questions()

Severity change_severity(const std::string& type) {
  return type == "NS" || type == "DS" ? Severity::critical : Severity::warning;
}

nlohmann::json answer_json(const DnsAnswer& a) {
  nlohmann::json j = {{"status", to_string(a.status)}, {"records", a.records}, {"secure", a.secure}};
  if (a.bogus) j["why_bogus"] = a.why_bogus;
  if (!a.error.empty()) j["error"] = a.error;
  return j;
}

}  // namespace

std::string dns_zone(const std::string& domain) { return registrable_domain(domain); }

std::vector<DnsQuestion> dns_questions(const std::string& domain) {
  std::vector<DnsQuestion> q;
  for (RrType t : kNameTypes) q.push_back({domain, t});
  const std::string zone = dns_zone(domain);
  for (RrType t : kZoneTypes) q.push_back({zone, t});
  return q;
}

std::vector<RecordSet> answered_sets(const std::string& domain, const std::vector<DnsAnswer>& validated) {
  const auto questions = dns_questions(domain);
  std::vector<RecordSet> sets;
  for (std::size_t i = 0; i < questions.size() && i < validated.size(); ++i) {
    const DnsAnswer& a = validated[i];
    // NXDOMAIN of a name that has a baseline is a change to nothing; a failure or a bogus answer is no
    // answer at all.
    if (a.bogus || (a.status != DnsStatus::answered && a.status != DnsStatus::nxdomain)) continue;
    sets.push_back({std::string(to_string(questions[i].type)), questions[i].name, a.records, a.secure});
  }
  return sets;
}

std::vector<Observation> dns_observations(const DomainAnswers& a, const RecordSets& baseline) {
  std::vector<Observation> seen;
  const std::string& d = a.domain;
  const auto questions = dns_questions(d);
  if (a.validated.size() != questions.size()) return seen;
  // Bogus: any record set failing validation.
  nlohmann::json bogus = nlohmann::json::object();
  for (std::size_t i = 0; i < questions.size(); ++i) {
    if (a.validated[i].bogus) bogus[std::string(to_string(questions[i].type))] = a.validated[i].why_bogus;
  }
  if (!bogus.empty()) {
    seen.push_back({"dns.bogus", d, Severity::critical, std::string(kClause),
                    {{"domain", d}, {"why_bogus", bogus}}});
  }
  const DnsAnswer& addr = a.validated[kA];
  if (addr.status != DnsStatus::answered && !addr.bogus) {
    seen.push_back({"dns.unresolvable", d,
                    addr.status == DnsStatus::nxdomain ? Severity::critical : Severity::warning,
                    std::string(kClause), {{"domain", d}, {"A", answer_json(addr)}}});
  }
  // Drift from the baseline, record set by record set (those not answered now are not compared).
  if (!baseline.empty()) {
    for (const RecordSet& now : answered_sets(d, a.validated)) {
      auto it = baseline.find(now.rtype);
      if (it == baseline.end() || it->second == now) continue;
      seen.push_back({"dns.changed", d + " " + now.rtype, change_severity(now.rtype), std::string(kClause),
                      {{"domain", d},
                       {"type", now.rtype},
                       {"owner", now.owner},
                       {"baseline", it->second.records},
                       {"now", now.records},
                       {"secure", now.secure}}});
    }
    auto ds = baseline.find("DS");
    if (ds != baseline.end() && !ds->second.records.empty() && addr.status == DnsStatus::answered && !addr.secure &&
        !addr.bogus) {
      seen.push_back({"dns.unsigned", d, Severity::critical, std::string(kClause),
                      {{"domain", d}, {"baseline_ds", ds->second.records}, {"A", answer_json(addr)}}});
    }
  }
  // Public resolvers against the validated answers, question by question (every baseline type). DS is
  // compared only when the resolver gives DS records: a non-validating resolver forwarding to the
  // zone's own servers may answer DS with nothing, which is not an answer to compare.
  for (const auto& [resolver, answers] : a.resolvers) {
    if (answers.size() != questions.size()) continue;
    const DnsAnswer* failed = nullptr;
    for (std::size_t k = 0; k < questions.size(); ++k) {
      const DnsAnswer& r = answers[k];
      const DnsAnswer& v = a.validated[k];
      const std::string type(to_string(questions[k].type));
      if (r.status == DnsStatus::timeout || r.status == DnsStatus::error || r.status == DnsStatus::servfail) {
        if (failed == nullptr) failed = &r;
        continue;
      }
      if (v.bogus || (v.status != DnsStatus::answered && v.status != DnsStatus::nxdomain)) continue;
      if (questions[k].type == RrType::ds && (r.status != DnsStatus::answered || r.records.empty())) continue;
      if (r.status != v.status || r.records != v.records) {
        seen.push_back({"dns.resolver_mismatch", d + " " + type + " via " + resolver, Severity::critical,
                        std::string(kClause),
                        {{"domain", d},
                         {"type", type},
                         {"owner", questions[k].name},
                         {"resolver", resolver},
                         {"validated", answer_json(v)},
                         {"resolver_answer", answer_json(r)}}});
      }
    }
    if (failed != nullptr) {
      seen.push_back({"dns.resolver_failed", resolver, Severity::warning, std::string(kClause),
                      {{"resolver", resolver}, {"domain", d}, {"answer", answer_json(*failed)}}});
    }
  }
  return seen;
}

Result<std::vector<SiteWork>> probe_dns(MonitorService& service, const std::vector<SiteTarget>& sites,
                                        const PassOptions& options, TimePoint now) {
  (void)now;
  const DnsOptions& o = options.dns;
  DnsBaselines baselines(service.database(), service.audit_log());
  // Every question of every domain, in one batch per resolver.
  std::vector<DnsQuestion> questions;
  for (const SiteTarget& site : sites) {
    for (const std::string& d : site.domains) {
      for (DnsQuestion& q : dns_questions(d)) questions.push_back(std::move(q));
    }
  }
  const auto started = std::chrono::steady_clock::now();
  SW_TRY(validating, DnsResolver::create(o.upstream, o.trust_anchor, o));
  const std::vector<DnsAnswer> validated = validating->resolve(questions, options.stop);
  std::vector<std::pair<std::string, std::vector<DnsAnswer>>> by_resolver;
  for (const std::string& r : o.resolvers) {
    if (options.stop.stop_requested()) break;
    SW_TRY(resolver, DnsResolver::create(r, "", o));
    by_resolver.emplace_back(r, resolver->resolve(questions, options.stop));
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  if (options.stop.stop_requested()) return std::vector<SiteWork>(sites.size());

  std::vector<SiteWork> work;
  const std::size_t per_domain = dns_questions("x.example").size();
  std::size_t at = 0;
  std::size_t domain_index = 0;
  for (const SiteTarget& site : sites) {
    SiteWork w;
    int recorded = 0;
    for (const std::string& d : site.domains) {
      DomainAnswers answers;
      answers.domain = d;
      answers.validated.assign(validated.begin() + static_cast<std::ptrdiff_t>(at),
                               validated.begin() + static_cast<std::ptrdiff_t>(at + per_domain));
      at += per_domain;
      for (const auto& [r, list] : by_resolver) {
        const auto from = list.begin() + static_cast<std::ptrdiff_t>(per_domain * domain_index);
        answers.resolvers.emplace_back(r, std::vector<DnsAnswer>(from, from + static_cast<std::ptrdiff_t>(per_domain)));
      }
      ++domain_index;
      SW_TRY(base, baselines.baseline(site.site_id, d));
      const DnsAnswer& addr = answers.validated[kA];
      const bool resolved = addr.status == DnsStatus::answered && !addr.bogus;
      auto sets = answered_sets(d, answers.validated);
      auto seen = dns_observations(answers, base);
      if (resolved) {
        SW_CHECK(baselines.record_seen(site.site_id, d, sets));
        // The first answer of a domain (or of a record type that never answered before) is its baseline.
        std::vector<RecordSet> missing;
        for (const RecordSet& s : sets) {
          if (!base.contains(s.rtype)) missing.push_back(s);
        }
        if (!missing.empty()) {
          SW_CHECK(baselines.record_first(site.site_id, d, missing));
          recorded += base.empty() ? 1 : 0;
        }
      }
      ProbeResult r;
      r.site_id = site.site_id;
      r.probe = Probe::dns;
      r.target = d;
      r.ok = resolved;
      r.elapsed_ms = elapsed.count();
      r.detail = {{"A", answer_json(addr)}, {"secure", addr.secure}};
      w.results.push_back(std::move(r));
      for (Observation& ob : seen) w.seen.push_back(std::move(ob));
    }
    if (w.seen.empty()) {
      w.headline = recorded > 0 ? "baseline recorded" : "as accepted";
    } else {
      std::vector<std::string> kinds;
      for (const Observation& ob : w.seen) {
        std::string k = ob.kind == "dns.changed" ? ob.subject.substr(ob.subject.rfind(' ') + 1) + " changed" : ob.kind;
        if (std::ranges::find(kinds, k) == kinds.end()) kinds.push_back(k);
      }
      for (const std::string& k : kinds) w.headline += (w.headline.empty() ? "" : ", ") + k;
    }
    work.push_back(std::move(w));
  }
  return work;
}

}  // namespace sw::monitor
