#include "cli/platform.h"

#include <pwd.h>
#include <unistd.h>

#include "base/atomic_file.h"
#include "base/log.h"

namespace sw::cli {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kMaxKeyFileBytes = 64 * 1024;
constexpr auto kSecretFileMode = fs::perms::owner_read | fs::perms::owner_write;

fs::path key_path(const fs::path& data_dir, crypto::SuiteId suite) {
  return data_dir / "keys" / ("node-" + std::string(crypto::to_string(suite)) + ".key");
}

Result<crypto::SigningKey> read_key(const fs::path& path) {
  SW_TRY(text, read_file(path, kMaxKeyFileBytes));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  auto key = crypto::SigningKey::parse(text);
  if (!key) return fail(key.error().code, path.string() + ": " + key.error().message);
  return key;
}

Status make_private_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail("cli.mkdir", "cannot create " + dir.string() + ": " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, ec);
  if (ec) return fail("cli.mkdir", "cannot restrict " + dir.string() + ": " + ec.message());
  return ok();
}

}  // namespace

std::string os_user() {
  if (const passwd* pw = getpwuid(geteuid())) return pw->pw_name;
  return std::to_string(geteuid());
}

Status init_data_dir(const fs::path& data_dir, crypto::SuiteId suite_id) {
  const fs::path config_file = data_dir / "sitewarden.toml";
  if (fs::exists(config_file)) {
    return fail("cli.exists", config_file.string() + " already exists: refusing to overwrite a node");
  }
  SW_CHECK(make_private_dir(data_dir));
  SW_CHECK(make_private_dir(data_dir / "keys"));
  SW_CHECK(make_private_dir(data_dir / "blobs"));
  for (auto id : {crypto::SuiteId::gm, crypto::SuiteId::intl}) {
    SW_TRY(key, crypto::suite(id).generate_signing_key());
    SW_CHECK(write_file_atomic(key_path(data_dir, id), key.to_string() + "\n", kSecretFileMode));
  }
  const std::string seal = crypto::to_hex(crypto::random_bytes(crypto::suite(suite_id).seal_key_size()));
  SW_CHECK(write_file_atomic(data_dir / "keys" / "seal.key", seal + "\n", kSecretFileMode));
  SW_TRY(db, store::Database::open(data_dir / "sitewarden.db"));
  std::string config = default_config_text(fs::absolute(data_dir));
  const std::string suite_line = "crypto_suite = \"gm\"";
  if (auto pos = config.find(suite_line); pos != std::string::npos) {
    config.replace(pos, suite_line.size(), "crypto_suite = \"" + std::string(crypto::to_string(suite_id)) + "\"");
  }
  // Written last: a directory with a config is a complete node.
  return write_file_atomic(config_file, config, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
}

identity::Policy policy_from(const Config& c) {
  identity::Policy p;
  p.min_password_length = static_cast<std::size_t>(c.identity.password_min_length);
  p.password_history = static_cast<std::size_t>(c.identity.password_history);
  p.password_max_age = std::chrono::hours(24 * c.identity.password_max_age_days);
  p.max_account_failures = static_cast<int>(c.identity.lockout_threshold);
  p.max_client_ip_failures = static_cast<int>(c.identity.lockout_ip_threshold);
  p.lock_duration = std::chrono::minutes(c.identity.lockout_minutes);
  p.session_idle_timeout = std::chrono::minutes(c.identity.session_idle_minutes);
  p.session_absolute_timeout = std::chrono::hours(c.identity.session_absolute_hours);
  p.require_second_factor = c.identity.require_second_factor;
  return p;
}

content::InteractionOptions interaction_options_from(const Config& c) {
  content::InteractionOptions o;
  o.warning_after = std::chrono::days(c.interaction.warning_days);
  o.escalation_after = std::chrono::days(c.interaction.escalation_days);
  o.inspection_failure_after = std::chrono::days(c.interaction.inspection_failure_days);
  o.per_ip_limit = static_cast<std::size_t>(c.interaction.per_ip_limit);
  o.per_ip_window = std::chrono::seconds(c.interaction.per_ip_window_seconds);
  return o;
}

Result<std::unique_ptr<Platform>> load_node(const fs::path& config_file) {
  auto p = std::make_unique<Platform>();
  SW_TRY(config, load_config(config_file));
  p->config = std::move(config);
  SW_TRY(level, log::parse_level(p->config.log.level));
  SW_CHECK(log::init(level, p->config.log.file.empty() ? std::nullopt
                                                        : std::optional<fs::path>(p->config.log.file)));
  SW_TRY(suite_id, crypto::parse_suite_id(p->config.node.crypto_suite));
  p->suite = &crypto::suite(suite_id);
  const fs::path dir = p->data_dir();
  for (auto id : {crypto::SuiteId::gm, crypto::SuiteId::intl}) {
    if (!fs::exists(key_path(dir, id))) continue;
    SW_TRY(key, read_key(key_path(dir, id)));
    p->trusted_keys.push_back(key.public_key);
    if (id == suite_id) p->node_key = std::move(key);
  }
  if (p->node_key.secret.empty()) {
    return fail("cli.no_key", key_path(dir, suite_id).string() + " is missing: run `sitewarden init` first");
  }
  return p;
}

Result<std::unique_ptr<Platform>> open_platform(const fs::path& config_file) {
  SW_TRY(p, load_node(config_file));
  const fs::path dir = p->data_dir();
  SW_TRY(seal_text, read_file(dir / "keys" / "seal.key", kMaxKeyFileBytes));
  while (!seal_text.empty() && seal_text.back() == '\n') seal_text.pop_back();
  SW_TRY(seal, crypto::from_hex(seal_text));
  SW_TRY(db, store::Database::open(dir / "sitewarden.db"));
  p->db = std::move(db);
  audit::Options ao;
  ao.checkpoint_every_events = p->config.audit.checkpoint_every_events;
  ao.checkpoint_interval = std::chrono::seconds(p->config.audit.checkpoint_interval_seconds);
  ao.retention_days = static_cast<int>(p->config.audit.retention_days);
  SW_TRY(audit_log, audit::AuditLog::open(dir / "sitewarden.db", *p->suite, p->node_key, ao));
  p->audit = std::move(audit_log);
  SW_TRY(identity, identity::IdentityService::open(*p->db, *p->audit, *p->suite, seal, policy_from(p->config)));
  p->identity = std::move(identity);
  p->registry = registry::Registry::open(*p->db, *p->audit, registry::rules_from(p->config));
  SW_TRY(blobs, store::BlobStore::open(dir / "blobs", *p->suite));
  p->blobs = std::make_unique<store::BlobStore>(std::move(blobs));
  p->scanner = std::make_unique<review::Scanner>(review::Scanner::shipped());
  p->content = content::ContentService::open(*p->db, *p->audit, *p->suite, *p->scanner, *p->blobs);
  return p;
}

}  // namespace sw::cli
