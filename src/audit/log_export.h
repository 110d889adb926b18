// The export file behind AuditLog::export_jsonl() (verify_export() is public). Internal to sw_audit.
//
// Format: one JSON object per line. Event lines: {"type":"event", "seq", "time", "actor",
// "actor_role", "org_id", "site_id", "action", "object", "outcome", "client_ip", "request_id",
// "details" (object), "hash_alg", "prev_hash", "hash"}. The last line: {"type":"trailer",
// "first_seq", "last_seq", "count", "first_prev_hash", "last_hash", "time", "signature",
// "public_key"}, the signature covering trailer_message() (chain.h).
#pragma once

#include <filesystem>
#include <string>

#include "audit/audit_log.h"
#include "store/database.h"

namespace sw::audit {

struct ExportSigner {
  const crypto::Suite& suite;
  const crypto::SigningKey& key;
  std::string time;  // RFC 3339, recorded in the trailer
};

// Writes the events of `db` with from <= time <= to to `out` (atomically), signed by `signer`.
Status export_log(store::Database& db, const ExportSigner& signer, TimePoint from, TimePoint to,
                  const std::filesystem::path& out);

}  // namespace sw::audit
