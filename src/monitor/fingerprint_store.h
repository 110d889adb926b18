// FingerprintStore: the accepted and latest fingerprints of external sites' pages (issue 7, N5.3;
// migration 0018_monitor_fingerprint.sql). The fingerprint probe reads the accepted ones, stores the
// latest after each pass, and records the first ones itself; an operator accepts a changed site.
//
// Contract:
//  - record_first() stores `pages` as the site's accepted fingerprints when it has none (audited
//    "monitor.fingerprint_record" as the machine operator); a site that has some is left alone.
//  - save_latest() replaces the site's latest fingerprints with `pages` (a transaction).
//  - accept() needs site.configure on the site; it retires the accepted fingerprints and makes the
//    latest ones accepted, in one transaction, audited "monitor.fingerprint_accept" with the URLs.
//    "monitor.not_found" when the site has no latest fingerprints (no pass has sampled it).
//  - Errors: "monitor.bad_input" (a site id <= 0), the store's.
// Thread-safety: one call at a time (the pass's thread, or a CLI command); the Database is the
// caller's, not used concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "audit/audit_log.h"
#include "base/clock.h"
#include "base/result.h"
#include "identity/gate.h"
#include "identity/identity.h"
#include "store/database.h"

namespace sw::monitor {

using PageFingerprints = std::map<std::string, nlohmann::json>;  // page URL → fingerprint

class FingerprintStore {
 public:
  FingerprintStore(store::Database& db, audit::AuditLog& audit, const Clock& clock = system_clock());

  Result<PageFingerprints> accepted(std::int64_t site_id);
  Result<PageFingerprints> latest(std::int64_t site_id);
  // True when it recorded them (the site had none).
  Result<bool> record_first(std::int64_t site_id, const PageFingerprints& pages);
  Status save_latest(std::int64_t site_id, const PageFingerprints& pages);
  // The number of pages accepted.
  Result<std::size_t> accept(const identity::Actor& actor, std::int64_t site_id);

 private:
  Status insert_accepted(std::int64_t site_id, const PageFingerprints& pages, const std::string& by);

  store::Database& db_;
  const Clock& clock_;
  identity::Gate gate_;
};

}  // namespace sw::monitor
