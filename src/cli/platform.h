// Platform: one node's data directory opened as a whole — config, keys, database, audit log,
// identity service, site register, blob store, review scanner, content service — for the `sitewarden` subcommands. Layout of a data directory:
//
//   sitewarden.toml          the config (written by init; every key validated at load)
//   sitewarden.db            SQLite (WAL): identity, audit and, later, every other module
//   blobs/                   content-addressed blob store
//   keys/node-<suite>.key    the node signing key per crypto suite (0600); the public halves of
//                            every suite's key are the trusted keys for audit verification
//   keys/seal.key            the sealing key for secrets at rest (TOTP secrets), 0600
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "base/config.h"
#include "base/crypto.h"
#include "content/articles.h"
#include "content/interaction.h"
#include "identity/identity.h"
#include "registry/registry.h"
#include "review/scanner.h"
#include "store/blob_store.h"
#include "store/database.h"

namespace sw::cli {

struct Platform {
  Config config;
  const crypto::Suite* suite = nullptr;
  crypto::SigningKey node_key;
  std::vector<crypto::PublicKey> trusted_keys;
  std::unique_ptr<store::Database> db;
  std::unique_ptr<audit::AuditLog> audit;
  std::unique_ptr<identity::IdentityService> identity;
  std::unique_ptr<registry::Registry> registry;  // the site register (default domain rules)
  std::unique_ptr<store::BlobStore> blobs;        // <data_dir>/blobs
  std::unique_ptr<review::Scanner> scanner;       // the review scanner with the shipped lexicons
  std::unique_ptr<content::ContentService> content;  // columns, articles, the review workflow

  std::filesystem::path data_dir() const { return config.node.data_dir; }
};

// Creates a data directory: config, keys (for both suites), database with migrations applied.
// Refuses a directory that already holds a config ("cli.exists"), leaving it untouched.
Status init_data_dir(const std::filesystem::path& data_dir, crypto::SuiteId suite);

// Reads the config and the node's keys only (commands that must not open the database for writing).
Result<std::unique_ptr<Platform>> load_node(const std::filesystem::path& config_file);

// Opens everything a command needs, from a config file.
Result<std::unique_ptr<Platform>> open_platform(const std::filesystem::path& config_file);

// The identity policy the [identity] config keys describe.
identity::Policy policy_from(const Config& config);

// The interaction service's deadlines and rate limit the [interaction] config keys describe (N4.3).
content::InteractionOptions interaction_options_from(const Config& config);

// The operating-system user running the CLI (for the "cli:<user>" principal).
std::string os_user();

}  // namespace sw::cli
