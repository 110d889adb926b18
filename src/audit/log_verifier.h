// The whole-log walk behind AuditLog::verify(). Internal to sw_audit.
#pragma once

#include <vector>

#include "audit/audit_log.h"
#include "store/database.h"

namespace sw::audit {

// Walks audit_events and audit_checkpoints of `db` as AuditLog::verify() states.
Result<VerifyReport> verify_log(store::Database& db, const std::vector<crypto::PublicKey>& trusted_keys);

}  // namespace sw::audit
