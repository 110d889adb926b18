// The audit hash chain: the canonical encoding of rows, checkpoints and export trailers, and the
// rules a sequence of rows must obey. Internal to sw_audit; docs/modules/audit.md states the format.
//
//   hash(n) = H_alg(n)(bytes(hash(n-1)) || canonical(row n)),  hash(0) = 32 zero bytes
//
// canonical(row) is a domain tag followed by every field (seq, time, actor, actor_role, org_id,
// site_id, action, object, outcome, client_ip, request_id, details, hash_alg), each as an 8-byte
// big-endian length and the field's bytes, so no two different rows encode alike. The details JSON
// is hashed as stored (nlohmann's dump: keys sorted, no whitespace).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/crypto.h"
#include "base/result.h"

namespace sw::audit {

// One audit_events row as stored: hashes as lowercase hex, time as RFC 3339 text.
struct EventRecord {
  std::int64_t seq = 0;
  std::string time;
  std::string actor;
  std::string actor_role;
  std::optional<std::int64_t> org_id;
  std::optional<std::int64_t> site_id;
  std::string action;
  std::string object;
  std::string outcome;
  std::string client_ip;
  std::string request_id;
  std::string details;
  std::string hash_alg;
  std::string prev_hash;
  std::string hash;
};

// The same fields borrowed, without copies: from an EventRecord (fields_of) or read in place from
// the database while it is being walked. Valid only as long as what it borrows from.
struct EventFields {
  std::int64_t seq = 0;
  std::string_view time;
  std::string_view actor;
  std::string_view actor_role;
  std::optional<std::int64_t> org_id;
  std::optional<std::int64_t> site_id;
  std::string_view action;
  std::string_view object;
  std::string_view outcome;
  std::string_view client_ip;
  std::string_view request_id;
  std::string_view details;
  std::string_view hash_alg;
  std::string_view prev_hash;
  std::string_view hash;
};
EventFields fields_of(const EventRecord& r);

// One audit_checkpoints row as stored.
struct CheckpointRecord {
  std::int64_t id = 0;
  std::int64_t seq = 0;
  std::string hash;  // Digest text form "<alg>:<hex>" of the chain value at seq
  std::string time;
  std::string signature;   // Signature text form "<alg>:<base64>"
  std::string public_key;  // PublicKey text form "<alg>:<base64>"
};

// The signed summary at the end of an export file.
struct ExportTrailer {
  std::int64_t first_seq = 0;  // 0 when the export holds no event
  std::int64_t last_seq = 0;
  std::int64_t count = 0;
  std::string first_prev_hash;  // hex: the chain value the first exported row links to
  std::string last_hash;        // Digest text form of the last row's hash ("" when empty)
  std::string time;
};

// A chain value: 32 raw bytes (SM3 and SHA-256 alike).
inline constexpr std::size_t kChainValueBytes = 32;
using ChainValue = std::array<unsigned char, kChainValueBytes>;

// The previous-hash of seq 1: 32 zero bytes, in hex.
const std::string& genesis_hash_hex();

// A chain value as stored: 64 lowercase hex digits.
std::string chain_hex(const ChainValue& value);
// Parses exactly 64 hex digits (either case); nothing when the text is anything else.
std::optional<ChainValue> parse_chain_hex(std::string_view hex);

// Computes chain values, reusing one buffer for the bytes hashed: the writer and the verifier
// hash every row, and this keeps them free of per-row allocation for the encoding. Not
// thread-safe; one per thread of use.
class ChainHasher {
 public:
  // hash(n) = H_{r.hash_alg}(prev || canonical(r)). Fails on an unknown hash_alg.
  Result<ChainValue> digest(const EventFields& r, const ChainValue& prev);

 private:
  std::string buffer_;
};

// The bytes hashed for a row (everything but prev_hash and hash).
std::string canonical_event(const EventRecord& r);
// The bytes a checkpoint signature covers.
std::string checkpoint_message(std::int64_t seq, std::string_view hash_text, std::string_view time);
// The bytes an export trailer signature covers.
std::string trailer_message(const ExportTrailer& t);

// hash(n) for a row that links to `prev_bytes` (its prev_hash, decoded). Fails on an unknown hash_alg.
Result<crypto::Digest> chain_digest(const EventRecord& r, std::string_view prev_bytes);
// hash(n) in hex for a row whose prev_hash is already set. Fails on an unknown hash_alg or bad hex.
Result<std::string> chain_hash_hex(const EventRecord& r);

// What is wrong with a row, and the first seq it concerns.
struct ChainProblem {
  std::int64_t seq;
  std::string what;
};

// Checks rows one by one in seq order against the chain rules: seq continuity, prev_hash linkage
// and the stored hash. After the first problem, later verdicts are not meaningful.
class ChainChecker {
 public:
  // A checker for a log starting at seq 1 (prev = genesis).
  ChainChecker();
  // A checker for a run that starts at `first_seq` linking to `prev_hash_hex` (exports).
  ChainChecker(std::int64_t first_seq, std::string prev_hash_hex);

  // Checks the next row. On success the row becomes the chain head. A gap names the missing seq.
  std::optional<ChainProblem> check(const EventFields& r);
  std::optional<ChainProblem> check(const EventRecord& r) { return check(fields_of(r)); }

  std::int64_t expected_seq() const { return expected_seq_; }
  const std::string& head_hash_hex() const { return head_hash_; }

 private:
  std::int64_t expected_seq_;
  std::string head_hash_;                 // hex, as stored
  std::optional<ChainValue> head_value_;  // the same, decoded; nothing if it is not 32 bytes of hex
  ChainHasher hasher_;
};

}  // namespace sw::audit
