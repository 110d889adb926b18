// DnsBaselines: the DNS probe's records (issue 7, N7.2; migration 0017) — for each domain of a site, the
// accepted answer of each record set (the baseline a pass compares with) and the answer the last pass
// saw. A changed answer becomes the baseline only when an operator accepts it (audited).
//
// Contract:
//  - record_first() stores a domain's first baseline (accepted by "monitor", audited
//    "monitor.dns_baseline" with the records) and is a no-op for a record type that has one already.
//  - record_seen() replaces what the last pass saw of the domain's record sets.
//  - accept() makes what the last pass saw the baseline of every record type of the domain that
//    differs (site.configure on the site; audited "monitor.dns_accepted" with old and new); the old
//    rows stay, marked replaced. "monitor.not_found" when no pass has seen the domain for that site;
//    "monitor.nothing_to_accept" when the last answer already is the baseline (nothing is written).
//  - show() (monitor.read on the site) lists each domain's baseline and last answer.
//  - Errors: "monitor.bad_input", "monitor.not_found", "monitor.nothing_to_accept", "identity.forbidden",
//    the store's errors.
//
// Thread-safety: calls are serialised inside; the Database may be shared with a MonitorService used on
// the same thread (the probe's pass) — never with one used concurrently from another thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "base/clock.h"
#include "base/result.h"
#include "identity/gate.h"
#include "identity/identity.h"
#include "store/database.h"

namespace sw::monitor {

// One record set of a domain as answered: its type ("A", "NS"...), the name asked (the domain, or its
// zone for NS, DS, MX and CAA) and the records in canonical text, sorted.
struct RecordSet {
  std::string rtype;
  std::string owner;
  std::vector<std::string> records;
  bool secure = false;  // seen sets only: validated from the trust anchor
  bool operator==(const RecordSet& o) const { return rtype == o.rtype && owner == o.owner && records == o.records; }
};
using RecordSets = std::map<std::string, RecordSet>;  // by rtype

// A domain of a site as `show` lists it.
struct DnsDomainView {
  std::string domain;
  RecordSets baseline;
  RecordSets seen;
  std::optional<TimePoint> seen_at;
  std::optional<TimePoint> accepted_at;  // of the newest baseline row
  std::string accepted_by;
};

class DnsBaselines {
 public:
  // `db`, `audit` and `clock` must outlive the store.
  DnsBaselines(store::Database& db, audit::AuditLog& audit, const Clock& clock = system_clock());

  Result<RecordSets> baseline(std::int64_t site_id, const std::string& domain);
  Status record_first(std::int64_t site_id, const std::string& domain, const std::vector<RecordSet>& sets);
  Status record_seen(std::int64_t site_id, const std::string& domain, const std::vector<RecordSet>& sets);
  Result<RecordSets> seen(std::int64_t site_id, const std::string& domain);

  Result<std::vector<DnsDomainView>> show(const identity::Principal& who, std::int64_t site_id);
  // Returns the record types whose baseline changed (never empty: see "monitor.nothing_to_accept").
  Result<std::vector<std::string>> accept(const identity::Actor& actor, std::int64_t site_id, std::string domain);

 private:
  Result<RecordSets> read(std::string_view table_sql, std::int64_t site_id, const std::string& domain);

  store::Database& db_;
  audit::AuditLog& audit_;
  const Clock& clock_;
  identity::Gate gate_;
  std::mutex mu_;
};

}  // namespace sw::monitor
