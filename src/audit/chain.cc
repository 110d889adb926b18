#include "audit/chain.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "base/crypto.h"

namespace sw::audit {
namespace {

constexpr std::size_t kLengthBytes = 8;
constexpr std::size_t kMaxInt64Digits = 20;         // "-9223372036854775808"
constexpr std::size_t kTypicalEncodingBytes = 512;  // a row's encoding fits without reallocation
constexpr std::string_view kEventTag = "sw.audit.event.v1";
constexpr std::string_view kCheckpointTag = "sw.audit.checkpoint.v1";
constexpr std::string_view kTrailerTag = "sw.audit.export.v1";

// Appends length-prefixed fields to `out`: an 8-byte big-endian length, then the bytes.
class CanonicalWriter {
 public:
  CanonicalWriter(std::string& out, std::string_view tag) : out_(out) { field(tag); }

  CanonicalWriter& field(std::string_view bytes) {
    std::uint64_t n = bytes.size();
    char length[kLengthBytes];
    for (std::size_t i = 0; i < kLengthBytes; ++i) {
      length[i] = static_cast<char>((n >> (8 * (kLengthBytes - 1 - i))) & 0xff);
    }
    out_.append(length, kLengthBytes).append(bytes);
    return *this;
  }
  // Decimal, as std::to_string writes it.
  CanonicalWriter& field(std::int64_t value) {
    char digits[kMaxInt64Digits];
    auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    return field(std::string_view(digits, static_cast<std::size_t>(end - digits)));
  }
  // An absent integer encodes as the empty field, which no present integer can produce.
  CanonicalWriter& field(const std::optional<std::int64_t>& value) {
    return value ? field(*value) : field(std::string_view{});
  }

 private:
  std::string& out_;
};

// Appends canonical(r) to `out`.
void append_canonical_event(std::string& out, const EventFields& r) {
  CanonicalWriter(out, kEventTag)
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
      .field(r.hash_alg);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Writes the 64 lowercase hex digits of `value` to `out`.
void write_hex(const ChainValue& value, char* out) {
  constexpr std::string_view kDigits = "0123456789abcdef";
  for (unsigned char b : value) {
    *out++ = kDigits[b >> 4];
    *out++ = kDigits[b & 0x0f];
  }
}

std::string_view as_text(const ChainValue& value) {
  return {reinterpret_cast<const char*>(value.data()), value.size()};
}

}  // namespace

EventFields fields_of(const EventRecord& r) {
  return EventFields{.seq = r.seq,
                     .time = r.time,
                     .actor = r.actor,
                     .actor_role = r.actor_role,
                     .org_id = r.org_id,
                     .site_id = r.site_id,
                     .action = r.action,
                     .object = r.object,
                     .outcome = r.outcome,
                     .client_ip = r.client_ip,
                     .request_id = r.request_id,
                     .details = r.details,
                     .hash_alg = r.hash_alg,
                     .prev_hash = r.prev_hash,
                     .hash = r.hash};
}

const std::string& genesis_hash_hex() {
  static const std::string genesis(2 * kChainValueBytes, '0');
  return genesis;
}

std::string chain_hex(const ChainValue& value) {
  std::string out(2 * kChainValueBytes, '\0');
  write_hex(value, out.data());
  return out;
}

std::optional<ChainValue> parse_chain_hex(std::string_view hex) {
  if (hex.size() != 2 * kChainValueBytes) return std::nullopt;
  ChainValue value;
  for (std::size_t i = 0; i < kChainValueBytes; ++i) {
    const int high = hex_value(hex[2 * i]);
    const int low = hex_value(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    value[i] = static_cast<unsigned char>((high << 4) | low);
  }
  return value;
}

Result<ChainValue> ChainHasher::digest(const EventFields& r, const ChainValue& prev) {
  buffer_.clear();
  buffer_.append(as_text(prev));
  append_canonical_event(buffer_, r);
  SW_TRY(digest, crypto::hash_with(r.hash_alg, buffer_));
  ChainValue value;
  if (digest.bytes.size() != value.size()) {
    return fail("audit.bad_hash", fmt::format("{} digest is not {} bytes", r.hash_alg, kChainValueBytes));
  }
  std::copy(digest.bytes.begin(), digest.bytes.end(), value.begin());
  return value;
}

std::string canonical_event(const EventRecord& r) {
  std::string out;
  out.reserve(kTypicalEncodingBytes);
  append_canonical_event(out, fields_of(r));
  return out;
}

std::string checkpoint_message(std::int64_t seq, std::string_view hash_text, std::string_view time) {
  std::string out;
  CanonicalWriter(out, kCheckpointTag).field(seq).field(hash_text).field(time);
  return out;
}

std::string trailer_message(const ExportTrailer& t) {
  std::string out;
  CanonicalWriter(out, kTrailerTag)
      .field(t.first_seq)
      .field(t.last_seq)
      .field(t.count)
      .field(t.first_prev_hash)
      .field(t.last_hash)
      .field(t.time);
  return out;
}

Result<crypto::Digest> chain_digest(const EventRecord& r, std::string_view prev_bytes) {
  std::string input(prev_bytes);
  input.append(canonical_event(r));
  return crypto::hash_with(r.hash_alg, input);
}

Result<std::string> chain_hash_hex(const EventRecord& r) {
  auto prev = parse_chain_hex(r.prev_hash);
  if (!prev) {
    return fail("audit.bad_hash",
                fmt::format("prev_hash of seq {} is not {} bytes of hex", r.seq, kChainValueBytes));
  }
  ChainHasher hasher;
  SW_TRY(value, hasher.digest(fields_of(r), *prev));
  return chain_hex(value);
}

ChainChecker::ChainChecker() : ChainChecker(1, genesis_hash_hex()) {}

ChainChecker::ChainChecker(std::int64_t first_seq, std::string prev_hash_hex)
    : expected_seq_(first_seq),
      head_hash_(std::move(prev_hash_hex)),
      head_value_(parse_chain_hex(head_hash_)) {}

std::optional<ChainProblem> ChainChecker::check(const EventFields& r) {
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
  if (!head_value_) {
    return ChainProblem{r.seq,
                        fmt::format("unreadable row: prev_hash is not {} bytes of hex", kChainValueBytes)};
  }
  auto value = hasher_.digest(r, *head_value_);
  if (!value) return ChainProblem{r.seq, fmt::format("unreadable row: {}", value.error().message)};
  char hex[2 * kChainValueBytes];
  write_hex(*value, hex);
  if (std::string_view(hex, sizeof hex) != r.hash) return ChainProblem{r.seq, "hash mismatch: row edited"};
  head_hash_.assign(hex, sizeof hex);
  head_value_ = *value;
  ++expected_seq_;
  return std::nullopt;
}

}  // namespace sw::audit
