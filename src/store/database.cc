// Database: SQLite connection, statements, transactions and the migration runner.
#include "store/database.h"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <set>
#include <utility>

#include "base/clock.h"

namespace sw::store {
namespace {

// Error messages quote at most this much of the SQL (never parameter values, which may be secrets).
constexpr std::size_t kSqlQuoteLength = 80;
constexpr std::string_view kMemoryPath = ":memory:";

std::string sql_start(std::string_view sql) {
  std::string quoted(sql.substr(0, kSqlQuoteLength));
  std::replace_if(
      quoted.begin(), quoted.end(), [](unsigned char c) { return std::isspace(c); }, ' ');
  return quoted;
}

// Maps SQLite's primary result code to the stable "store.<kind>" error code.
std::string error_code(int rc) {
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return "store.constraint";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return "store.busy";
    case SQLITE_READONLY:
      return "store.readonly";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return "store.corrupt";
    case SQLITE_FULL:
      return "store.full";
    case SQLITE_IOERR:
      return "store.io";
    case SQLITE_CANTOPEN:
      return "store.cantopen";
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
      return "store.bind";
    default:
      return "store.sql";
  }
}

std::unexpected<Error> sqlite_error(sqlite3* db, int rc, std::string_view sql) {
  return fail(error_code(rc), "\"" + sql_start(sql) + "\": " + sqlite3_errmsg(db));
}

// Prefixes a failed Status's message with `context` (the path, the migration file).
Status with_context(Status status, const std::string& context) {
  if (!status) return fail(status.error().code, context + status.error().message);
  return status;
}

std::string_view statement_sql(sqlite3_stmt* stmt) {
  const char* sql = sqlite3_sql(stmt);
  return sql ? std::string_view(sql) : std::string_view();
}

// True when `tail` holds nothing but whitespace and semicolons.
bool only_separators(std::string_view tail) {
  return std::all_of(tail.begin(), tail.end(), [](unsigned char c) { return std::isspace(c) || c == ';'; });
}

struct BindVisitor {
  sqlite3_stmt* stmt;
  int index;
  int operator()(std::monostate) const { return sqlite3_bind_null(stmt, index); }
  int operator()(std::int64_t v) const { return sqlite3_bind_int64(stmt, index, v); }
  int operator()(double v) const { return sqlite3_bind_double(stmt, index, v); }
  int operator()(const std::string& v) const {
    return sqlite3_bind_text64(stmt, index, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  int operator()(const Blob& v) const {
    // A null pointer would bind SQL NULL; an empty blob must stay an empty blob.
    if (v.bytes.empty()) return sqlite3_bind_zeroblob(stmt, index, 0);
    return sqlite3_bind_blob64(stmt, index, v.bytes.data(), v.bytes.size(), SQLITE_TRANSIENT);
  }
};

Value column_value(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER:
      return std::int64_t{sqlite3_column_int64(stmt, i)};
    case SQLITE_FLOAT:
      return sqlite3_column_double(stmt, i);
    case SQLITE_TEXT: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
      return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, i)));
    }
    case SQLITE_BLOB: {
      const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt, i));
      const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt, i));
      return Blob{data ? std::string(data, size) : std::string()};
    }
    default:
      return std::monostate{};
  }
}

struct BindRefVisitor {
  sqlite3_stmt* stmt;
  int index;
  int operator()(std::monostate) const { return sqlite3_bind_null(stmt, index); }
  int operator()(std::int64_t v) const { return sqlite3_bind_int64(stmt, index, v); }
  int operator()(double v) const { return sqlite3_bind_double(stmt, index, v); }
  // SQLITE_STATIC: the caller keeps the text alive until exec_refs() returns, and it unbinds.
  // An empty view may have a null data(), which would bind NULL: bind "" instead.
  int operator()(std::string_view v) const {
    return sqlite3_bind_text64(stmt, index, v.empty() ? "" : v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
  }
};

Row current_row(sqlite3_stmt* stmt) {
  const int columns = sqlite3_column_count(stmt);
  std::vector<Value> values;
  values.reserve(static_cast<std::size_t>(columns));
  for (int i = 0; i < columns; ++i) values.push_back(column_value(stmt, i));
  return Row(std::move(values));
}

// Steps `stmt` until done (or `max_rows` rows are collected), then resets it so it holds no lock.
Result<std::vector<Row>> collect_rows(sqlite3* db, sqlite3_stmt* stmt, std::size_t max_rows) {
  std::vector<Row> rows;
  int rc = SQLITE_ROW;
  while (rows.size() < max_rows && (rc = sqlite3_step(stmt)) == SQLITE_ROW) rows.push_back(current_row(stmt));
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    auto error = sqlite_error(db, rc, statement_sql(stmt));
    sqlite3_reset(stmt);
    return error;
  }
  sqlite3_reset(stmt);
  return rows;
}

Status check_migration_list(const std::vector<Migration>& list) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i].version < 0) {
      return fail("store.bad_migrations",
                  "migration " + std::string(list[i].name) + " has a negative version");
    }
    if (i > 0 && list[i].version <= list[i - 1].version) {
      return fail("store.bad_migrations",
                  "migrations are not strictly increasing: " + std::string(list[i - 1].name) + " then " +
                      std::string(list[i].name));
    }
  }
  return ok();
}

const Migration* find_migration(const std::vector<Migration>& list, int version) {
  auto it = std::find_if(list.begin(), list.end(), [&](const Migration& m) { return m.version == version; });
  return it == list.end() ? nullptr : &*it;
}

// WAL lets readers proceed while the one writer commits; synchronous=NORMAL is safe in WAL mode
// (a power loss may lose the last commits, never corrupt the file).
Status enable_wal(Database& db, bool in_memory) {
  SW_TRY(mode, db.query_one("PRAGMA journal_mode=WAL"));
  if (!in_memory && (!mode || mode->text(0) != "wal")) {
    return fail("store.open", "cannot switch the database to WAL journal mode");
  }
  return db.exec_script("PRAGMA synchronous=NORMAL");
}

// Refuses a schema this binary cannot run on: a newer version than it knows, a recorded version
// whose file it does not have or names differently, or a pending migration older than one applied.
// Returns the versions applied.
Result<std::set<int>> check_applied(Database& db, const std::vector<Migration>& migration_list) {
  SW_TRY(rows, db.query("SELECT version, name FROM schema_migrations ORDER BY version"));
  std::set<int> applied;
  if (rows.empty()) return applied;
  const int newest = static_cast<int>(rows.back().integer(0));
  const int known = migration_list.empty() ? -1 : migration_list.back().version;
  if (newest > known) {
    return fail("store.schema_too_new", "the database has migration " + std::to_string(newest) + " (" +
                                            rows.back().text(1) + ") but this binary knows up to " +
                                            std::to_string(known) + "; upgrade sitewarden");
  }
  for (const Row& row : rows) {
    const Migration* m = find_migration(migration_list, static_cast<int>(row.integer(0)));
    if (m == nullptr || m->name != row.text(1)) {
      return fail("store.migration_mismatch", "the database records migration " + row.text(1) +
                                                  " which this binary does not have under that number");
    }
    applied.insert(m->version);
  }
  for (const Migration& m : migration_list) {
    if (m.version < newest && !applied.contains(m.version)) {
      return fail(
          "store.migration_out_of_order",
          "migration " + std::string(m.name) + " is older than the newest applied one and was never applied");
    }
  }
  return applied;
}

// Applies one migration and records it, in one transaction. Re-checks inside the write lock so two
// processes opening the same file at once do not both apply it.
Status apply(Database& db, const Migration& migration) {
  SW_TRY(tx, db.begin());
  SW_TRY(done, db.query_one("SELECT 1 FROM schema_migrations WHERE version = ?",
                            {std::int64_t{migration.version}}));
  if (done) return tx.commit();
  SW_CHECK(
      with_context(db.exec_script(migration.sql), "migration " + std::string(migration.name) + " failed: "));
  SW_CHECK(db.exec(
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
      {std::int64_t{migration.version}, std::string(migration.name), format_rfc3339(system_clock().now())}));
  return tx.commit();
}

}  // namespace

// ---- Row --------------------------------------------------------------------------------------

std::int64_t Row::integer(std::size_t i) const {
  if (is_null(i)) return 0;
  return std::get<std::int64_t>(values_.at(i));
}

double Row::real(std::size_t i) const {
  if (const auto* v = std::get_if<std::int64_t>(&values_.at(i))) return static_cast<double>(*v);
  return std::get<double>(values_.at(i));
}

std::string Row::text(std::size_t i) const {
  if (is_null(i)) return {};
  if (const auto* blob = std::get_if<Blob>(&values_.at(i))) return blob->bytes;
  return std::get<std::string>(values_.at(i));
}

std::optional<std::string> Row::optional_text(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return text(i);
}

// ---- RowView ----------------------------------------------------------------------------------

std::size_t RowView::size() const { return static_cast<std::size_t>(sqlite3_column_count(stmt_)); }

bool RowView::is_null(std::size_t i) const {
  return sqlite3_column_type(stmt_, static_cast<int>(i)) == SQLITE_NULL;
}

std::int64_t RowView::integer(std::size_t i) const {
  return sqlite3_column_int64(stmt_, static_cast<int>(i));
}

std::string_view RowView::text(std::size_t i) const {
  const int column = static_cast<int>(i);
  // sqlite3_column_blob returns the bytes unconverted for text and blob alike; call _bytes after it.
  const int type = sqlite3_column_type(stmt_, column);
  const void* data = type == SQLITE_BLOB ? sqlite3_column_blob(stmt_, column)
                                         : static_cast<const void*>(sqlite3_column_text(stmt_, column));
  if (data == nullptr) return {};
  return {static_cast<const char*>(data), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

// ---- Statement --------------------------------------------------------------------------------

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Status Statement::check_parameter_count(std::size_t given) {
  if (stmt_ == nullptr) return fail("store.sql", "statement was moved from");
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  const int expected = sqlite3_bind_parameter_count(stmt_);
  if (static_cast<std::size_t>(expected) != given) {
    return fail("store.bind", "\"" + sql_start(statement_sql(stmt_)) + "\": expects " +
                                  std::to_string(expected) + " parameters, got " + std::to_string(given));
  }
  return ok();
}

Status Statement::bind_all(const std::vector<Value>& params) {
  SW_CHECK(check_parameter_count(params.size()));
  for (std::size_t i = 0; i < params.size(); ++i) {
    const int rc = std::visit(BindVisitor{stmt_, static_cast<int>(i + 1)}, params[i]);
    if (rc != SQLITE_OK) return sqlite_error(db_, rc, statement_sql(stmt_));
  }
  return ok();
}

Result<std::int64_t> Statement::exec(const std::vector<Value>& params) {
  SW_CHECK(bind_all(params));
  return run_to_completion();
}

Result<std::int64_t> Statement::exec_refs(std::span<const ValueRef> params) {
  SW_CHECK(check_parameter_count(params.size()));
  for (std::size_t i = 0; i < params.size(); ++i) {
    const int rc = std::visit(BindRefVisitor{stmt_, static_cast<int>(i + 1)}, params[i]);
    if (rc != SQLITE_OK) return sqlite_error(db_, rc, statement_sql(stmt_));
  }
  auto changed = run_to_completion();
  // The bound views die with the caller's frame: never leave them bound.
  sqlite3_clear_bindings(stmt_);
  return changed;
}

Status Statement::for_each(const std::vector<Value>& params,
                           const std::function<bool(const RowView&)>& visit) {
  SW_CHECK(bind_all(params));
  const RowView row(stmt_);
  int rc;
  while ((rc = sqlite3_step(stmt_)) == SQLITE_ROW) {
    if (!visit(row)) {
      rc = SQLITE_DONE;
      break;
    }
  }
  if (rc != SQLITE_DONE) {
    auto error = sqlite_error(db_, rc, statement_sql(stmt_));
    sqlite3_reset(stmt_);
    return error;
  }
  sqlite3_reset(stmt_);
  return ok();
}

Result<std::int64_t> Statement::run_to_completion() {
  int rc;
  while ((rc = sqlite3_step(stmt_)) == SQLITE_ROW) {
  }
  if (rc != SQLITE_DONE) {
    auto error = sqlite_error(db_, rc, statement_sql(stmt_));
    sqlite3_reset(stmt_);
    return error;
  }
  sqlite3_reset(stmt_);
  return static_cast<std::int64_t>(sqlite3_changes64(db_));
}

Result<std::vector<Row>> Statement::query(const std::vector<Value>& params) {
  SW_CHECK(bind_all(params));
  return collect_rows(db_, stmt_, std::numeric_limits<std::size_t>::max());
}

Result<std::optional<Row>> Statement::query_one(const std::vector<Value>& params) {
  SW_CHECK(bind_all(params));
  SW_TRY(rows, collect_rows(db_, stmt_, 1));
  if (rows.empty()) return std::optional<Row>();
  return std::optional<Row>(std::move(rows.front()));
}

// ---- Database ---------------------------------------------------------------------------------

Result<std::unique_ptr<Database>> Database::open(const std::filesystem::path& path, OpenOptions options) {
  return open(path, options, migrations());
}

Result<std::unique_ptr<Database>> Database::open(const std::filesystem::path& path, OpenOptions options,
                                                 const std::vector<Migration>& migration_list) {
  SW_CHECK(check_migration_list(migration_list));
  const int flags = (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    (options.no_mutex ? SQLITE_OPEN_NOMUTEX : 0);
  sqlite3* handle = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
  // The Database owns the handle from here, even when opening failed (sqlite3_close_v2 frees it).
  std::unique_ptr<Database> db(new Database(handle));
  if (rc != SQLITE_OK) {
    return fail(error_code(rc), "cannot open database " + path.string() + ": " +
                                    (handle ? sqlite3_errmsg(handle) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(handle, 1);
  sqlite3_busy_timeout(handle, options.busy_timeout_ms);
  const std::string context = path.string() + ": ";
  SW_CHECK(with_context(db->exec_script("PRAGMA foreign_keys=ON"), context));
  if (!options.read_only) {
    SW_CHECK(with_context(enable_wal(*db, path.native() == kMemoryPath), context));
    if (options.apply_migrations) SW_CHECK(with_context(db->migrate(migration_list), context));
  }
  return db;
}

Result<std::unique_ptr<Database>> Database::open_memory() {
  return open(std::string(kMemoryPath), OpenOptions{});
}

Database::~Database() { sqlite3_close_v2(db_); }

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), 0, &stmt, &tail);
  if (rc != SQLITE_OK) return sqlite_error(db_, rc, sql);
  Statement statement(db_, stmt);
  if (stmt == nullptr) return fail("store.sql", "\"" + sql_start(sql) + "\": no statement");
  if (!only_separators(sql.substr(static_cast<std::size_t>(tail - sql.data())))) {
    return fail("store.sql", "\"" + sql_start(sql) + "\": more than one statement (use exec_script)");
  }
  return statement;
}

Result<std::int64_t> Database::exec(std::string_view sql, const std::vector<Value>& params) {
  SW_TRY(statement, prepare(sql));
  return statement.exec(params);
}

Result<std::vector<Row>> Database::query(std::string_view sql, const std::vector<Value>& params) {
  SW_TRY(statement, prepare(sql));
  return statement.query(params);
}

Result<std::optional<Row>> Database::query_one(std::string_view sql, const std::vector<Value>& params) {
  SW_TRY(statement, prepare(sql));
  return statement.query_one(params);
}

Status Database::exec_script(std::string_view sql) {
  const std::string script(sql);
  const int rc = sqlite3_exec(db_, script.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db_, rc, sql);
  return ok();
}

std::int64_t Database::last_insert_id() const { return sqlite3_last_insert_rowid(db_); }

// ---- Transactions -----------------------------------------------------------------------------

Result<Database::Transaction> Database::begin() {
  if (!sqlite3_get_autocommit(db_)) {
    return fail("store.nested_transaction", "a transaction is already open on this connection");
  }
  SW_CHECK(exec_script("BEGIN IMMEDIATE"));
  return Transaction(this);
}

Database::Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Database::Transaction::~Transaction() {
  // Rolls back unless commit() succeeded; a failed COMMIT leaves the transaction open, so it is
  // rolled back here too.
  if (db_ != nullptr && !sqlite3_get_autocommit(db_->db_)) {
    sqlite3_exec(db_->db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

Status Database::Transaction::commit() {
  if (db_ == nullptr) return fail("store.transaction_done", "the transaction was already committed");
  SW_CHECK(db_->exec_script("COMMIT"));
  db_ = nullptr;
  return ok();
}

// ---- Migrations -------------------------------------------------------------------------------

Result<std::vector<int>> Database::applied_migrations() {
  SW_TRY(rows, query("SELECT version FROM schema_migrations ORDER BY version"));
  std::vector<int> versions;
  for (const Row& row : rows) versions.push_back(static_cast<int>(row.integer(0)));
  return versions;
}

Status Database::migrate(const std::vector<Migration>& migration_list) {
  SW_CHECK(
      exec_script("CREATE TABLE IF NOT EXISTS schema_migrations ("
                  "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"));
  SW_TRY(applied, check_applied(*this, migration_list));
  for (const Migration& migration : migration_list) {
    if (!applied.contains(migration.version)) SW_CHECK(apply(*this, migration));
  }
  return ok();
}

}  // namespace sw::store
