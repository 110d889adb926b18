#include "audit/chain.h"

#include <fmt/format.h>

#include "base/crypto.h"

namespace sw::audit {
namespace {

constexpr std::size_t kHashBytes = 32;
constexpr std::size_t kLengthBytes = 8;
constexpr std::size_t kTypicalEncodingBytes = 512;  // a row's encoding fits without reallocation
constexpr std::string_view kEventTag = "sw.audit.event.v1";
constexpr std::string_view kCheckpointTag = "sw.audit.checkpoint.v1";
constexpr std::string_view kTrailerTag = "sw.audit.export.v1";

// Appends length-prefixed fields: an 8-byte big-endian length, then the bytes.
class CanonicalWriter {
 public:
  explicit CanonicalWriter(std::string_view tag) {
    out_.reserve(kTypicalEncodingBytes);
    field(tag);
  }

  CanonicalWriter& field(std::string_view bytes) {
    std::uint64_t n = bytes.size();
    for (std::size_t i = 0; i < kLengthBytes; ++i) {
      out_.push_back(static_cast<char>((n >> (8 * (kLengthBytes - 1 - i))) & 0xff));
    }
    out_.append(bytes);
    return *this;
  }
  CanonicalWriter& field(std::int64_t value) { return field(std::string_view{std::to_string(value)}); }
  // An absent integer encodes as the empty field, which no present integer can produce.
  CanonicalWriter& field(const std::optional<std::int64_t>& value) {
    return value ? field(*value) : field(std::string_view{});
  }

  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

const std::string& genesis_hash_hex() {
  static const std::string genesis(2 * kHashBytes, '0');
  return genesis;
}

std::string canonical_event(const EventRecord& r) {
  return CanonicalWriter(kEventTag)
      .field(r.seq)
      .field(r.time)
      .field(r.actor)
      .field(r.actor_role)
      .field(r.org_id)
      .field(r.site_id)
      .field(r.action)
      .field(r.object)
      .field(r.outcome)
      .field(r.client_ip)
      .field(r.request_id)
      .field(r.details)
      .field(r.hash_alg)
      .take();
}

std::string checkpoint_message(std::int64_t seq, std::string_view hash_text, std::string_view time) {
  return CanonicalWriter(kCheckpointTag).field(seq).field(hash_text).field(time).take();
}

std::string trailer_message(const ExportTrailer& t) {
  return CanonicalWriter(kTrailerTag)
      .field(t.first_seq)
      .field(t.last_seq)
      .field(t.count)
      .field(t.first_prev_hash)
      .field(t.last_hash)
      .field(t.time)
      .take();
}

Result<crypto::Digest> chain_digest(const EventRecord& r, std::string_view prev_bytes) {
  std::string input(prev_bytes);
  input.append(canonical_event(r));
  return crypto::hash_with(r.hash_alg, input);
}

Result<std::string> chain_hash_hex(const EventRecord& r) {
  SW_TRY(prev, crypto::from_hex(r.prev_hash));
  if (prev.size() != kHashBytes) {
    return fail("audit.bad_hash", fmt::format("prev_hash of seq {} is not {} bytes", r.seq, kHashBytes));
  }
  SW_TRY(digest, chain_digest(r, prev));
  return digest.hex();
}

ChainChecker::ChainChecker() : ChainChecker(1, genesis_hash_hex()) {}

ChainChecker::ChainChecker(std::int64_t first_seq, std::string prev_hash_hex)
    : expected_seq_(first_seq),
      head_hash_(std::move(prev_hash_hex)),
      head_bytes_(crypto::from_hex(head_hash_).value_or(std::string{})) {}

std::optional<ChainProblem> ChainChecker::check(const EventRecord& r) {
  if (r.seq > expected_seq_)
    return ChainProblem{expected_seq_, fmt::format("gap: seq {} missing", expected_seq_)};
  if (r.seq < expected_seq_) {
    return ChainProblem{r.seq, fmt::format("out of order: seq {} after seq {}", r.seq, expected_seq_ - 1)};
  }
  if (r.prev_hash != head_hash_) {
    return ChainProblem{r.seq, fmt::format("out of order: prev_hash does not link to seq {} "
                                           "(a row moved, inserted or replaced)",
                                           r.seq - 1)};
  }
  if (head_bytes_.size() != kHashBytes) {
    return ChainProblem{r.seq, fmt::format("unreadable row: prev_hash is not {} bytes of hex", kHashBytes)};
  }
  auto digest = chain_digest(r, head_bytes_);
  if (!digest) return ChainProblem{r.seq, fmt::format("unreadable row: {}", digest.error().message)};
  if (digest->hex() != r.hash) return ChainProblem{r.seq, "hash mismatch: row edited"};
  head_hash_ = r.hash;
  head_bytes_ = std::move(digest->bytes);
  ++expected_seq_;
  return std::nullopt;
}

}  // namespace sw::audit
