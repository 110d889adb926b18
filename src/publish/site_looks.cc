#include "publish/site_looks.h"

namespace sw::publish {
namespace {

constexpr std::string_view kPngMagic = "\x89PNG\r\n\x1a\n";
constexpr std::string_view kJpegMagic = "\xFF\xD8\xFF";

Result<std::string> logo_type(std::string_view bytes) {
  if (bytes.empty()) return fail("publish.bad_logo", "the logo file is empty");
  if (bytes.size() > kMaxLogoBytes) {
    return fail("publish.bad_logo", "the logo is larger than " + std::to_string(kMaxLogoBytes / 1024) + " KiB");
  }
  if (bytes.starts_with(kPngMagic)) return std::string("image/png");
  if (bytes.starts_with(kJpegMagic)) return std::string("image/jpeg");
  return fail("publish.bad_logo", "the logo is neither a PNG nor a JPEG image");
}

}  // namespace

SiteLooks::SiteLooks(store::Database& db, store::BlobStore& blobs, audit::AuditLog& audit, const Clock& clock)
    : db_(&db), blobs_(&blobs), audit_(&audit), clock_(&clock) {}

Result<SiteLook> SiteLooks::look(std::int64_t site_id) {
  std::lock_guard lock(mu_);
  SW_TRY(row, db_->query_one("SELECT primary_colour, logo_digest, logo_type, logo_size FROM site_looks "
                             "WHERE site_id = ? ORDER BY id DESC LIMIT 1",
                             {site_id}));
  SiteLook look;
  if (!row) return look;
  look.primary_colour = row->text(0);
  if (!row->is_null(1)) {
    SW_TRY(digest, crypto::Digest::parse(row->text(1)));
    look.logo = Logo{digest, static_cast<std::uint64_t>(row->integer(3)), row->text(2)};
  }
  return look;
}

Result<SiteLook> SiteLooks::set_look(const identity::Actor& actor, std::int64_t site_id, const LookChange& change) {
  audit::Event event{.actor = actor.principal.name,
                     .site_id = site_id,
                     .action = "publish.look",
                     .object = "site:" + std::to_string(site_id),
                     .client_ip = actor.client_ip,
                     .request_id = actor.request_id};
  auto attempt = [&]() -> Result<SiteLook> {
    SW_TRY(tree, identity::load_org_tree(*db_));
    auto role = identity::authorize_as(actor.principal, identity::Permission::site_configure,
                                       identity::Scope::site(site_id), tree);
    if (!role) {
      event.outcome = audit::Outcome::denied;
      return std::unexpected(role.error());
    }
    if (*role) event.actor_role = std::string(identity::to_string(**role));
    SW_CHECK(check_colour(change.primary_colour));
    SW_TRY(current, look(site_id));
    SiteLook next = current;
    next.primary_colour = change.primary_colour;
    if (change.remove_logo) next.logo.reset();
    if (change.logo_bytes) {
      SW_TRY(type, logo_type(*change.logo_bytes));
      SW_TRY(digest, blobs_->put(*change.logo_bytes));
      next.logo = Logo{digest, change.logo_bytes->size(), type};
    }
    std::lock_guard lock(mu_);
    store::Value digest = std::monostate{}, type = std::monostate{}, size = std::monostate{};
    if (next.logo) {
      digest = next.logo->digest.to_string();
      type = next.logo->content_type;
      size = static_cast<std::int64_t>(next.logo->size);
    }
    SW_CHECK(db_->exec("INSERT INTO site_looks (site_id, primary_colour, logo_digest, logo_type, logo_size, set_by, "
                       "set_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       {site_id, next.primary_colour, digest, type, size, actor.principal.name,
                        format_rfc3339(clock_->now())}));
    event.details = {{"primary_colour", next.primary_colour},
                     {"logo", next.logo ? next.logo->digest.to_string() : std::string()}};
    return next;
  };
  auto result = attempt();
  if (!result) {
    if (event.outcome != audit::Outcome::denied) event.outcome = audit::Outcome::failure;
    event.details["error"] = result.error().code;
  }
  if (auto appended = audit_->append(std::move(event)); !appended) return std::unexpected(appended.error());
  return result;
}

}  // namespace sw::publish
