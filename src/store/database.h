// Database: the SQLite store every module's tables live in (DESIGN.md "Data").
//
// Opened with WAL, foreign keys on, a busy timeout, and every numbered migration applied and
// recorded in `schema_migrations` before open() returns. SQL uses bound parameters only; each
// table's statements live in the module that owns the table. SQL is kept portable to PostgreSQL
// (no SQLite-only syntax beyond what both accept; INTEGER PRIMARY KEY ids, TEXT timestamps in
// RFC 3339 UTC).
//
// Thread-safety: a Database is one connection; use it from one thread at a time (the owning
// service serialises writers). Open several Database objects on the same file for readers.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sw::store {

// A bound parameter or a column value. std::monostate is SQL NULL; Blob holds raw bytes.
struct Blob {
  std::string bytes;
};
using Value = std::variant<std::monostate, std::int64_t, double, std::string, Blob>;

// One result row: column values in select order, with typed accessors that fail loudly
// (std::bad_variant_access is a programming error, not input error).
class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  std::size_t size() const { return values_.size(); }
  bool is_null(std::size_t i) const { return std::holds_alternative<std::monostate>(values_.at(i)); }
  std::int64_t integer(std::size_t i) const;  // NULL reads as 0
  double real(std::size_t i) const;
  std::string text(std::size_t i) const;  // NULL reads as ""; a Blob reads as its bytes
  std::optional<std::string> optional_text(std::size_t i) const;
  const Value& value(std::size_t i) const { return values_.at(i); }

 private:
  std::vector<Value> values_;
};

// A bound parameter that borrows its text instead of copying it (hot loops): the text must stay
// alive until the call that binds it returns. std::monostate is SQL NULL.
using ValueRef = std::variant<std::monostate, std::int64_t, double, std::string_view>;

// The current row of a statement being stepped, read in place: the text views stay valid only until
// the visitor returns (SQLite reuses the buffers on the next step). Indexes are checked by SQLite:
// out of range reads as NULL.
class RowView {
 public:
  std::size_t size() const;
  bool is_null(std::size_t i) const;
  std::int64_t integer(std::size_t i) const;   // NULL reads as 0
  std::string_view text(std::size_t i) const;  // NULL reads as ""; a blob reads as its bytes

 private:
  friend class Statement;
  explicit RowView(sqlite3_stmt* stmt) : stmt_(stmt) {}
  sqlite3_stmt* stmt_;
};

// A prepared statement. Parameters are passed to exec/query and bound in order to ?1..?N; their
// count must match the statement's. Errors carry "store.<kind>" (store.constraint, store.busy,
// store.sql, ...), the SQL's first 80 characters and SQLite's message, never parameter values.
// The statement is reset after every run, so it holds no read snapshot between runs.
class Statement {
 public:
  Statement(Statement&&) noexcept;
  Statement& operator=(Statement&&) noexcept;
  ~Statement();

  // Runs the statement to completion with the given parameters (reset first). Returns rows changed.
  Result<std::int64_t> exec(const std::vector<Value>& params = {});
  // Runs a query and returns all rows.
  Result<std::vector<Row>> query(const std::vector<Value>& params = {});
  // Runs a query and returns the first row, or nothing.
  Result<std::optional<Row>> query_one(const std::vector<Value>& params = {});

  // exec() without copying parameters (text is bound in place, SQLITE_STATIC): for statements run
  // once per row in a bulk write. Returns rows changed.
  Result<std::int64_t> exec_refs(std::span<const ValueRef> params);
  // Runs a query and streams its rows in order to `visit` without copying them; `visit` returns
  // false to stop early. The walk is one statement, so it reads one consistent snapshot however
  // long it takes, and memory does not grow with the number of rows. The statement is reset
  // afterwards (also when stopped early). Errors are the store's usual ones.
  Status for_each(const std::vector<Value>& params, const std::function<bool(const RowView&)>& visit);

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Status bind_all(const std::vector<Value>& params);
  Status check_parameter_count(std::size_t given);
  Result<std::int64_t> run_to_completion();
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

struct OpenOptions {
  bool read_only = false;
  bool apply_migrations = true;  // false: open as is (tools that must not change the schema)
  int busy_timeout_ms = 5000;
  // SQLITE_OPEN_NOMUTEX: SQLite skips its per-call connection mutex. Only for a connection that
  // is never used by two threads at once, which the owner guarantees (e.g. a writer thread's own
  // connection, guarded by the owner's mutex).
  bool no_mutex = false;
};

// One numbered migration, built from src/store/migrations/NNNN_name.sql at build time
// (src/store/embed_migrations.cmake). `name` is the file name, e.g. "0001_identity.sql".
// Files are never edited after they land, only new ones added.
struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};
// Every migration the binary knows, in strictly increasing version order.
const std::vector<Migration>& migrations();

class Database {
 public:
  // Opens (creating if absent) the database at `path` and applies pending migrations.
  // An error names the path and SQLite's reason.
  static Result<std::unique_ptr<Database>> open(const std::filesystem::path& path, OpenOptions options = {});
  // As above with an explicit migration list instead of migrations() (tests, tools). The list
  // must be strictly increasing in version ("store.bad_migrations" otherwise). Each pending
  // migration runs in its own transaction with its record in schema_migrations; a failing one is
  // rolled back and the error names its file and SQLite's message. A database recording a version
  // newer than the list knows fails with "store.schema_too_new". A read-only open applies nothing.
  static Result<std::unique_ptr<Database>> open(const std::filesystem::path& path, OpenOptions options,
                                                const std::vector<Migration>& migration_list);
  // An in-memory database with all migrations applied (tests).
  static Result<std::unique_ptr<Database>> open_memory();

  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Prepares one statement; SQL holding a second statement is refused ("store.sql"), so none can
  // be smuggled in. Errors name the SQL's first 80 characters and SQLite's message.
  Result<Statement> prepare(std::string_view sql);

  // Prepare + exec / query in one call (convenience for statements run once).
  Result<std::int64_t> exec(std::string_view sql, const std::vector<Value>& params = {});
  Result<std::vector<Row>> query(std::string_view sql, const std::vector<Value>& params = {});
  Result<std::optional<Row>> query_one(std::string_view sql, const std::vector<Value>& params = {});

  // Runs several statements without parameters (migrations only).
  Status exec_script(std::string_view sql);

  std::int64_t last_insert_id() const;

  // Transactions: begin() returns a guard that rolls back unless commit() succeeds.
  class Transaction {
   public:
    Transaction(Transaction&&) noexcept;
    ~Transaction();
    Status commit();

   private:
    friend class Database;
    explicit Transaction(Database* db) : db_(db) {}
    Database* db_;
  };
  // BEGIN IMMEDIATE: takes the write lock at once so writers queue on busy_timeout, not deadlock.
  // Beginning while a transaction is open on this connection is "store.nested_transaction".
  Result<Transaction> begin();

  // Versions of the migrations applied, ascending.
  Result<std::vector<int>> applied_migrations();

  sqlite3* handle() { return db_; }

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  Status migrate(const std::vector<Migration>& migration_list);
  sqlite3* db_ = nullptr;
};

}  // namespace sw::store
