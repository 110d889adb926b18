// Mirrors: the register of mirror web roots (table `mirrors`, migration 0012) — which site's
// release each root must hold, so `sitewarden watch` knows what a root must contain (N7.1).
//
// A root is stored canonical (absolute, symlinks resolved), and one root mirrors one site.
// Thread-safety: one Mirrors per Database connection, used from one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/crypto.h"
#include "base/result.h"
#include "store/database.h"
#include "watch/mirror_layout.h"

namespace sw::watch {

struct Mirror {
  std::int64_t site_id = 0;
  std::string root;  // canonical absolute path
  std::int64_t release_id = 0;
  crypto::Digest manifest_digest;
  Modes modes;
  std::string created_at;
  std::string created_by;
  std::string updated_at;
};

class Mirrors {
 public:
  explicit Mirrors(store::Database& db) : db_(&db) {}

  // Records `mirror` (a new root, or the same root's new release): created_* are kept from the
  // first record. "watch.root_taken" when the root already mirrors another site; "watch.bad_input"
  // when the root is not absolute.
  Status record(const Mirror& mirror);
  // The mirror at `root` (canonical), or nullopt.
  Result<std::optional<Mirror>> find(const std::string& root);
  Result<std::vector<Mirror>> list();

 private:
  store::Database* db_;
};

}  // namespace sw::watch
