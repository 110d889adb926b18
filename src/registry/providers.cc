// Third-party service providers of a site and their security reviews (N2.6). The contract is in
// registry.h; tables site_providers and provider_reviews (0007_registry_details.sql).
#include "registry/service_core.h"

namespace sw::registry::detail {
namespace {

constexpr std::string_view kProviderColumns =
    "SELECT id, site_id, name, uscc, service, contract_from, contract_to, nda_signed, nda_on, recorded_by, "
    "recorded_at, ended_at, end_reason FROM site_providers";

Provider provider_from(const store::Row& r) {
  Provider p;
  p.id = r.integer(0);
  p.site_id = r.integer(1);
  p.fields.name = r.text(2);
  p.fields.uscc = r.text(3);
  p.fields.service = parse_provider_service(r.text(4)).value_or(ProviderService::other);
  p.fields.contract_from = r.text(5);
  p.fields.contract_to = r.text(6);
  p.fields.nda_signed = r.integer(7) != 0;
  p.fields.nda_on = r.text(8);
  p.recorded_by = r.text(9);
  p.recorded_at = time_at(r, 10);
  p.ended_at = optional_time(r, 11);
  p.end_reason = r.optional_text(12).value_or("");
  return p;
}

Status validate_provider(const ProviderFields& f) {
  SW_CHECK(validate_text_field("provider_name", f.name));
  SW_CHECK(validate_uscc(f.uscc));
  SW_CHECK(validate_date("contract_from", f.contract_from));
  SW_CHECK(validate_date("contract_to", f.contract_to));
  if (f.contract_to < f.contract_from) {
    return fail("registry.invalid_contract_to", "contract_to: the contract ends before it starts");
  }
  if (f.nda_signed) {
    SW_CHECK(validate_date("nda_on", f.nda_on));
  } else if (!f.nda_on.empty()) {
    return fail("registry.invalid_nda_on", "nda_on: a date only when the confidentiality agreement is signed");
  }
  return ok();
}

}  // namespace

Result<Provider> ServiceCore::add_provider_locked(const Actor& actor, std::int64_t site_id,
                                                 const ProviderFields& f) {
  SW_TRY(site, site_by_id(site_id));
  SW_CHECK(check_not_closed(site));
  SW_CHECK(validate_provider(f));
  SW_CHECK(db_.exec("INSERT INTO site_providers (site_id, name, uscc, service, contract_from, contract_to, "
                    "nda_signed, nda_on, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    {site_id, f.name, f.uscc, std::string(to_string(f.service)), f.contract_from, f.contract_to,
                     std::int64_t{f.nda_signed ? 1 : 0}, f.nda_on, actor.principal.name,
                     format_rfc3339(clock_.now())}));
  const std::int64_t id = db_.last_insert_id();
  SW_TRY(row, db_.query_one(std::string(kProviderColumns) + " WHERE id = ?", {id}));
  return provider_from(*row);
}

Result<std::int64_t> ServiceCore::provider_site(std::int64_t provider_id) {
  SW_TRY(row, db_.query_one("SELECT site_id FROM site_providers WHERE id = ?", {provider_id}));
  if (!row) return fail("registry.not_found", "no provider with id " + std::to_string(provider_id));
  return row->integer(0);
}

Status ServiceCore::provider_review_locked(const Actor& actor, std::int64_t provider_id,
                                           const std::string& reviewed_on, bool passed, const std::string& reviewer,
                                           const std::string& summary) {
  SW_TRY(row, db_.query_one(std::string(kProviderColumns) + " WHERE id = ?", {provider_id}));
  if (provider_from(*row).ended_at) {
    return fail("registry.bad_state", "provider " + std::to_string(provider_id) + " has ended");
  }
  SW_CHECK(validate_date("reviewed_on", reviewed_on));
  SW_CHECK(validate_text_field("reviewer", reviewer));
  if (!summary.empty()) SW_CHECK(validate_text_field("summary", summary, kMaxSummary));
  SW_CHECK(db_.exec("INSERT INTO provider_reviews (provider_id, reviewed_on, result, reviewer, summary, recorded_by, "
                    "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    {provider_id, reviewed_on, std::string(passed ? "passed" : "failed"), reviewer, summary,
                     actor.principal.name, format_rfc3339(clock_.now())}));
  return ok();
}

Status ServiceCore::end_provider_locked(const Actor& actor, std::int64_t provider_id, const std::string& reason) {
  SW_CHECK(validate_text_field("reason", reason, kMaxSummary));
  SW_TRY(changed, db_.exec("UPDATE site_providers SET ended_at = ?, ended_by = ?, end_reason = ? "
                           "WHERE id = ? AND ended_at IS NULL",
                           {format_rfc3339(clock_.now()), actor.principal.name, reason, provider_id}));
  if (changed == 0) return fail("registry.bad_state", "provider " + std::to_string(provider_id) + " has ended");
  return ok();
}

Result<std::vector<Provider>> ServiceCore::providers_locked(std::int64_t site_id) {
  SW_TRY(site, site_by_id(site_id));
  SW_TRY(rows, db_.query(std::string(kProviderColumns) + " WHERE site_id = ? ORDER BY id", {site.id}));
  std::vector<Provider> out;
  for (const store::Row& r : rows) {
    Provider p = provider_from(r);
    SW_TRY(reviews, db_.query("SELECT id, reviewed_on, result, reviewer, summary, recorded_by, recorded_at "
                              "FROM provider_reviews WHERE provider_id = ? ORDER BY id",
                              {p.id}));
    for (const store::Row& v : reviews) {
      p.reviews.push_back(
          ProviderReview{v.integer(0), v.text(1), v.text(2) == "passed", v.text(3), v.text(4), v.text(5), time_at(v, 6)});
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace sw::registry::detail
