// Responsible people of a site (N8.1) and their security training (N8.2). The contract is in
// registry.h; the tables site_people and training_records (0007_registry_details.sql).
#include <algorithm>

#include "registry/service_core.h"

namespace sw::registry::detail {
namespace {

constexpr std::size_t kMaxPersonText = 64;
constexpr int kMaxHoursTenths = 2400;   // 240 hours
constexpr int kTrainingMonths = 12;     // N8.2: trained within the last 12 months

constexpr std::string_view kPersonColumns =
    "SELECT id, site_id, duty, name, job_title, phone, user_id, appointed_on, recorded_by, recorded_at, ended_at, "
    "ended_by FROM site_people";

ResponsiblePerson person_from(const store::Row& r) {
  ResponsiblePerson p;
  p.id = r.integer(0);
  p.site_id = r.integer(1);
  p.duty = parse_duty(r.text(2)).value_or(Duty::leader);
  p.fields.name = r.text(3);
  p.fields.job_title = r.text(4);
  p.fields.phone = r.text(5);
  if (!r.is_null(6)) p.fields.user_id = r.integer(6);
  p.fields.appointed_on = r.text(7);
  p.recorded_by = r.text(8);
  p.recorded_at = time_at(r, 9);
  p.ended_at = optional_time(r, 10);
  p.ended_by = r.optional_text(11).value_or("");
  return p;
}

TrainingRecord training_from(const store::Row& r) {
  TrainingRecord t;
  t.id = r.integer(0);
  t.person_id = r.integer(1);
  t.site_id = r.integer(2);
  t.fields.held_on = r.text(3);
  t.fields.course = r.text(4);
  t.fields.hours_tenths = static_cast<int>(r.integer(5));
  t.fields.organiser = r.text(6);
  t.fields.certificate = r.text(7);
  t.recorded_by = r.text(8);
  t.recorded_at = time_at(r, 9);
  return t;
}

Status validate_person(const PersonFields& f) {
  SW_CHECK(validate_text_field("person_name", f.name, kMaxPersonText));
  SW_CHECK(validate_text_field("job_title", f.job_title, kMaxPersonText));
  SW_CHECK(validate_phone(f.phone));
  SW_CHECK(validate_date("appointed_on", f.appointed_on));
  if (f.user_id && *f.user_id <= 0) return fail("registry.invalid_user_id", "user_id: a platform user id");
  return ok();
}

}  // namespace

Result<ResponsiblePerson> ServiceCore::person_by_id(std::int64_t person_id) {
  SW_TRY(row, db_.query_one(std::string(kPersonColumns) + " WHERE id = ?", {person_id}));
  if (!row) return fail("registry.not_found", "no responsible person with id " + std::to_string(person_id));
  return person_from(*row);
}

Result<ResponsiblePerson> ServiceCore::appoint_locked(const Actor& actor, std::int64_t site_id, Duty duty,
                                                     const PersonFields& fields) {
  SW_TRY(site, site_by_id(site_id));
  SW_CHECK(check_not_closed(site));
  SW_CHECK(validate_person(fields));
  if (fields.user_id) {
    SW_TRY(user, db_.query_one("SELECT id FROM users WHERE id = ?", {*fields.user_id}));
    if (!user) return fail("registry.invalid_user_id", "user_id: no platform user " + std::to_string(*fields.user_id));
  }
  const TimePoint now = clock_.now();
  const std::string by = actor.principal.name;
  const store::Value user = fields.user_id ? store::Value{*fields.user_id} : store::Value{std::monostate{}};
  SW_TRY(tx, db_.begin());
  // Appointing a successor ends the current appointment (history kept).
  SW_CHECK(db_.exec("UPDATE site_people SET ended_at = ?, ended_by = ? WHERE site_id = ? AND duty = ? AND "
                    "ended_at IS NULL",
                    {format_rfc3339(now), by, site_id, std::string(to_string(duty))}));
  SW_CHECK(db_.exec("INSERT INTO site_people (site_id, duty, name, job_title, phone, user_id, appointed_on, "
                    "recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    {site_id, std::string(to_string(duty)), fields.name, fields.job_title, fields.phone, user,
                     fields.appointed_on, by, format_rfc3339(now)}));
  const std::int64_t id = db_.last_insert_id();
  SW_CHECK(tx.commit());
  return person_by_id(id);
}

Result<std::vector<ResponsiblePerson>> ServiceCore::people_locked(std::int64_t site_id, bool include_ended) {
  SW_TRY(site, site_by_id(site_id));
  SW_TRY(rows, db_.query(std::string(kPersonColumns) + " WHERE site_id = ?" +
                             (include_ended ? "" : " AND ended_at IS NULL") + " ORDER BY id",
                         {site.id}));
  std::vector<ResponsiblePerson> out;
  for (const store::Row& r : rows) out.push_back(person_from(r));
  if (!include_ended) std::ranges::stable_sort(out, {}, &ResponsiblePerson::duty);
  return out;
}

Result<std::vector<Duty>> ServiceCore::missing_people_locked(std::int64_t site_id) {
  SW_TRY(current, people_locked(site_id, false));
  std::vector<Duty> out;
  for (Duty d : kRequiredDuties) {
    if (std::ranges::find(current, d, &ResponsiblePerson::duty) == current.end()) out.push_back(d);
  }
  return out;
}

Result<std::vector<Duty>> ServiceCore::unlinked_reviewers_locked(std::int64_t site_id) {
  SW_TRY(current, people_locked(site_id, false));
  std::vector<Duty> out;
  for (Duty d : kReviewDuties) {
    auto it = std::ranges::find(current, d, &ResponsiblePerson::duty);
    if (it != current.end() && !it->fields.user_id) out.push_back(d);
  }
  return out;
}

Result<TrainingRecord> ServiceCore::training_locked(const Actor& actor, const ResponsiblePerson& person,
                                                   const TrainingFields& f) {
  SW_CHECK(validate_date("held_on", f.held_on));
  SW_CHECK(validate_text_field("course", f.course));
  if (f.hours_tenths < 1 || f.hours_tenths > kMaxHoursTenths) {
    return fail("registry.invalid_hours", "hours: more than 0 and at most 240");
  }
  SW_CHECK(validate_text_field("organiser", f.organiser));
  SW_CHECK(validate_certificate(f.certificate));
  if (f.held_on > today()) return fail("registry.invalid_held_on", "held_on: a training cannot lie in the future");
  const TimePoint now = clock_.now();
  SW_CHECK(db_.exec("INSERT INTO training_records (person_id, site_id, held_on, course, hours_tenths, organiser, "
                    "certificate, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    {person.id, person.site_id, f.held_on, f.course, std::int64_t{f.hours_tenths}, f.organiser,
                     f.certificate, actor.principal.name, format_rfc3339(now)}));
  return TrainingRecord{db_.last_insert_id(), person.id, person.site_id, f, actor.principal.name, now};
}

Result<std::vector<TrainingRecord>> ServiceCore::training_of_site_locked(std::int64_t site_id) {
  SW_TRY(site, site_by_id(site_id));
  SW_TRY(rows, db_.query("SELECT id, person_id, site_id, held_on, course, hours_tenths, organiser, certificate, "
                         "recorded_by, recorded_at FROM training_records WHERE site_id = ? "
                         "ORDER BY held_on DESC, id DESC",
                         {site.id}));
  std::vector<TrainingRecord> out;
  for (const store::Row& r : rows) out.push_back(training_from(r));
  return out;
}

Result<std::optional<std::string>> ServiceCore::last_training_on(std::int64_t person_id) {
  SW_TRY(row, db_.query_one("SELECT MAX(held_on) FROM training_records WHERE person_id = ?", {person_id}));
  if (!row || row->is_null(0)) return std::optional<std::string>{};
  return std::optional<std::string>{row->text(0)};
}

// N8.2: overdue when never trained, or the last training is more than 12 months before today.
bool ServiceCore::training_overdue(const std::optional<std::string>& last_trained_on) const {
  if (!last_trained_on) return true;
  return add_months(*last_trained_on, kTrainingMonths) < today();
}

}  // namespace sw::registry::detail
