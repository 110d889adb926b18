#include "audit/log_export.h"

#include <fstream>
#include <limits>

#include <fmt/format.h>

#include "audit/audit_tables.h"
#include "audit/chain.h"
#include "base/atomic_file.h"

namespace sw::audit {
namespace {

using nlohmann::json;

constexpr std::string_view kEventType = "event";
constexpr std::string_view kTrailerType = "trailer";

json optional_json(const std::optional<std::int64_t>& v) { return v ? json(*v) : json(nullptr); }
std::optional<std::int64_t> optional_from(const json& v) {
  return v.is_null() ? std::nullopt : std::optional<std::int64_t>{v.get<std::int64_t>()};
}

json event_json(const EventFields& r, json details) {
  return json{{"type", kEventType},
              {"seq", r.seq},
              {"time", r.time},
              {"actor", r.actor},
              {"actor_role", r.actor_role},
              {"org_id", optional_json(r.org_id)},
              {"site_id", optional_json(r.site_id)},
              {"action", r.action},
              {"object", r.object},
              {"outcome", r.outcome},
              {"client_ip", r.client_ip},
              {"request_id", r.request_id},
              {"details", std::move(details)},
              {"hash_alg", r.hash_alg},
              {"prev_hash", r.prev_hash},
              {"hash", r.hash}};
}

// Throws nlohmann::json::exception on a missing or mistyped field.
EventRecord event_from_json(const json& j) {
  return EventRecord{.seq = j.at("seq").get<std::int64_t>(),
                     .time = j.at("time").get<std::string>(),
                     .actor = j.at("actor").get<std::string>(),
                     .actor_role = j.at("actor_role").get<std::string>(),
                     .org_id = optional_from(j.at("org_id")),
                     .site_id = optional_from(j.at("site_id")),
                     .action = j.at("action").get<std::string>(),
                     .object = j.at("object").get<std::string>(),
                     .outcome = j.at("outcome").get<std::string>(),
                     .client_ip = j.at("client_ip").get<std::string>(),
                     .request_id = j.at("request_id").get<std::string>(),
                     .details = j.at("details").dump(),
                     .hash_alg = j.at("hash_alg").get<std::string>(),
                     .prev_hash = j.at("prev_hash").get<std::string>(),
                     .hash = j.at("hash").get<std::string>()};
}

json trailer_json(const ExportTrailer& t, const crypto::Signature& signature, const crypto::PublicKey& key) {
  return json{{"type", kTrailerType},
              {"first_seq", t.first_seq},
              {"last_seq", t.last_seq},
              {"count", t.count},
              {"first_prev_hash", t.first_prev_hash},
              {"last_hash", t.last_hash},
              {"time", t.time},
              {"signature", signature.to_string()},
              {"public_key", key.to_string()}};
}

// Throws nlohmann::json::exception on a missing or mistyped field.
ExportTrailer trailer_from_json(const json& j) {
  return ExportTrailer{.first_seq = j.at("first_seq").get<std::int64_t>(),
                       .last_seq = j.at("last_seq").get<std::int64_t>(),
                       .count = j.at("count").get<std::int64_t>(),
                       .first_prev_hash = j.at("first_prev_hash").get<std::string>(),
                       .last_hash = j.at("last_hash").get<std::string>(),
                       .time = j.at("time").get<std::string>()};
}

// Appends one line per row to `out`, rechecking the chain, and sums the rows up in `trailer`.
class ExportWriter {
 public:
  explicit ExportWriter(ExportTrailer& trailer) : trailer_(trailer) {}

  Status add(const EventFields& r) {
    if (!chain_) {
      chain_.emplace(r.seq, std::string(r.prev_hash));
      trailer_.first_seq = r.seq;
      trailer_.first_prev_hash = r.prev_hash;
    }
    if (auto problem = chain_->check(r)) {
      return fail("audit.tampered",
                  fmt::format("seq {}: {}; run `sitewarden audit verify`", problem->seq, problem->what));
    }
    auto details = json::parse(r.details, nullptr, false);
    // The line must rehash to the same bytes offline, so details must survive a parse and a dump.
    if (details.is_discarded() || details.dump() != r.details) {
      return fail("audit.tampered", fmt::format("seq {}: details are not canonical JSON", r.seq));
    }
    out_.append(event_json(r, std::move(details)).dump()).push_back('\n');
    trailer_.last_seq = r.seq;
    trailer_.last_hash = fmt::format("{}:{}", r.hash_alg, r.hash);
    ++trailer_.count;
    return ok();
  }

  std::string take() { return std::move(out_); }

 private:
  ExportTrailer& trailer_;
  std::optional<ChainChecker> chain_;
  std::string out_;
};

// Reads an export line by line: chain rules within the file, then the trailer.
class ExportChecker {
 public:
  explicit ExportChecker(const crypto::PublicKey& trusted) : trusted_(trusted) {}

  std::optional<ChainProblem> line(std::int64_t number, std::string_view text) {
    auto j = json::parse(text, nullptr, false);
    if (trailer_seen_) return problem(number, "a line after the trailer");
    if (j.is_discarded() || !j.is_object() || !j.contains("type"))
      return problem(number, "not a JSON record");
    try {
      if (j.at("type") == kEventType) return event(number, event_from_json(j));
      if (j.at("type") == kTrailerType) return trailer(number, trailer_from_json(j), j);
    } catch (const json::exception& e) {
      return problem(number, fmt::format("bad field: {}", e.what()));
    }
    return problem(number, "neither an event nor the trailer");
  }

  VerifyReport finish(std::int64_t lines) const {
    VerifyReport report{.events_checked = written_.count, .checkpoints_checked = trailer_seen_ ? 1 : 0};
    if (trailer_seen_) return report;
    auto p = problem(lines + 1, "no trailer: the file is truncated");
    return VerifyReport{
        .ok = false, .events_checked = written_.count, .first_bad_seq = p.seq, .problem = p.what};
  }

 private:
  std::optional<ChainProblem> event(std::int64_t number, const EventRecord& r) {
    if (!chain_) {
      chain_.emplace(r.seq, r.prev_hash);
      written_.first_seq = r.seq;
      written_.first_prev_hash = r.prev_hash;
    }
    if (auto p = chain_->check(r))
      return ChainProblem{p->seq, fmt::format("line {} (seq {}): {}", number, p->seq, p->what)};
    written_.last_seq = r.seq;
    written_.last_hash = r.hash_alg + ":" + r.hash;
    ++written_.count;
    return std::nullopt;
  }

  std::optional<ChainProblem> trailer(std::int64_t number, const ExportTrailer& t, const json& j) {
    trailer_seen_ = true;
    if (t.count != written_.count || t.last_seq != written_.last_seq || t.first_seq != written_.first_seq) {
      return problem(
          number,
          fmt::format("trailer names seq {}..{} ({} events) but the file holds seq {}..{} ({})", t.first_seq,
                      t.last_seq, t.count, written_.first_seq, written_.last_seq, written_.count));
    }
    if (t.last_hash != written_.last_hash || t.first_prev_hash != written_.first_prev_hash) {
      return problem(number, "trailer hashes do not match the events");
    }
    auto key = crypto::PublicKey::parse(j.at("public_key").get<std::string>());
    if (!key || !(*key == trusted_)) return problem(number, "trailer signed by an untrusted key");
    auto signature = crypto::Signature::parse(j.at("signature").get<std::string>());
    if (!signature || !crypto::verify(*key, trailer_message(t), *signature)) {
      return problem(number, "trailer signature invalid");
    }
    return std::nullopt;
  }

  // A problem with a line as a whole: it concerns the seq the chain expects next.
  ChainProblem problem(std::int64_t number, std::string_view what) const {
    std::int64_t seq = chain_ ? chain_->expected_seq() : written_.first_seq;
    return ChainProblem{seq, fmt::format("line {}: {}", number, what)};
  }

  const crypto::PublicKey& trusted_;
  std::optional<ChainChecker> chain_;
  ExportTrailer written_;
  bool trailer_seen_ = false;
};

}  // namespace

Status export_log(store::Database& db, const ExportSigner& signer, TimePoint from, TimePoint to,
                  const std::filesystem::path& out) {
  SW_TRY(range, seq_range(db, from, to));
  ExportTrailer trailer{.time = signer.time};
  ExportWriter writer(trailer);
  if (range) {
    Status added = ok();
    SW_CHECK(for_each_event(db, range->first - 1, range->second, [&](const EventFields& r) {
      added = writer.add(r);
      return added.has_value();
    }));
    SW_CHECK(added);
  }
  SW_TRY(signature, signer.suite.sign(signer.key, trailer_message(trailer)));
  std::string content = writer.take();
  content.append(trailer_json(trailer, signature, signer.key.public_key).dump()).push_back('\n');
  return write_file_atomic(out, content);
}

Result<VerifyReport> verify_export(const std::filesystem::path& file, const crypto::PublicKey& trusted_key) {
  std::ifstream in(file);
  if (!in) return fail("audit.export_unreadable", fmt::format("cannot open {}", file.string()));
  ExportChecker checker(trusted_key);
  std::string text;
  std::int64_t number = 0;
  while (std::getline(in, text)) {
    ++number;
    if (auto p = checker.line(number, text)) {
      return VerifyReport{.ok = false, .first_bad_seq = p->seq, .problem = std::move(p->what)};
    }
  }
  if (in.bad()) return fail("audit.export_unreadable", fmt::format("reading {} failed", file.string()));
  return checker.finish(number);
}

}  // namespace sw::audit
