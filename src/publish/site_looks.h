// SiteLooks: each site's look for the default theme — a primary colour and an optional logo
// (table site_looks, migration 0011; append-only, the newest row of a site is its look).
//
// set_look needs site.configure on the site and appends one audit event "publish.look" (outcome
// success, failure or denied). The colour is "#rrggbb" (publish.bad_colour); the logo is a PNG or
// JPEG recognised by its first bytes, 1..kMaxLogoBytes (publish.bad_logo naming the problem), kept
// in the blob store. A look takes effect at the site's next full publish (the frame changed).
//
// Thread-safety: all methods may be called from any thread (single statements; a mutex inside).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "audit/audit_log.h"
#include "base/clock.h"
#include "base/result.h"
#include "identity/identity.h"
#include "publish/theme.h"
#include "store/blob_store.h"
#include "store/database.h"

namespace sw::publish {

inline constexpr std::size_t kMaxLogoBytes = 512 * 1024;

// What a site operator changes: the colour, and the logo (nullopt: keep the current one).
struct LookChange {
  std::string primary_colour;
  std::optional<std::string> logo_bytes;
  bool remove_logo = false;
};

class SiteLooks {
 public:
  // db, blobs, audit and clock must outlive it.
  SiteLooks(store::Database& db, store::BlobStore& blobs, audit::AuditLog& audit, const Clock& clock = system_clock());

  // The site's look, or the default (kDefaultPrimaryColour, no logo) when none was set.
  Result<SiteLook> look(std::int64_t site_id);
  // See the top of this file.
  Result<SiteLook> set_look(const identity::Actor& actor, std::int64_t site_id, const LookChange& change);

 private:
  store::Database* db_;
  store::BlobStore* blobs_;
  audit::AuditLog* audit_;
  const Clock* clock_;
  std::mutex mu_;
};

}  // namespace sw::publish
