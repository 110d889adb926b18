// Specification of store::Database: connection settings, migrations, statements, transactions.
#include "store/database.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include "temp_dir.h"

namespace sw::store {
namespace {

namespace fs = std::filesystem;

using testing::TempDir;

const std::vector<Migration> kTwoMigrations = {
    {1, "0001_notes.sql", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE);"},
    {2, "0002_tags.sql",
     "CREATE TABLE tags (id INTEGER PRIMARY KEY, note_id INTEGER NOT NULL REFERENCES notes(id), "
     "label TEXT NOT NULL);"},
};

std::unique_ptr<Database> open_ok(const fs::path& path, const std::vector<Migration>& list = kTwoMigrations) {
  auto db = Database::open(path, OpenOptions{}, list);
  EXPECT_TRUE(db.has_value()) << (db ? "" : db.error().to_string());
  return db ? std::move(*db) : nullptr;
}

std::int64_t count_rows(Database& db, std::string_view table) {
  auto row = db.query_one("SELECT COUNT(*) FROM " + std::string(table));
  EXPECT_TRUE(row.has_value() && row->has_value());
  return (*row)->integer(0);
}

// ---- connection settings ----------------------------------------------------------------------

TEST(DatabaseOpen, UsesWriteAheadLogging) {
  TempDir dir;
  auto db = open_ok(dir.path() / "sw.db");
  auto mode = db->query_one("PRAGMA journal_mode");
  ASSERT_TRUE(mode && *mode);
  EXPECT_EQ((*mode)->text(0), "wal");
}

TEST(DatabaseOpen, EnforcesForeignKeys) {
  TempDir dir;
  auto db = open_ok(dir.path() / "sw.db");
  auto fk = db->query_one("PRAGMA foreign_keys");
  ASSERT_TRUE(fk && *fk);
  EXPECT_EQ((*fk)->integer(0), 1);
  auto orphan =
      db->exec("INSERT INTO tags (note_id, label) VALUES (?, ?)", {std::int64_t{42}, std::string("x")});
  ASSERT_FALSE(orphan);
  EXPECT_EQ(orphan.error().code, "store.constraint");
}

TEST(DatabaseOpen, SynchronousIsNormal) {
  TempDir dir;
  auto db = open_ok(dir.path() / "sw.db");
  auto sync = db->query_one("PRAGMA synchronous");
  ASSERT_TRUE(sync && *sync);
  EXPECT_EQ((*sync)->integer(0), 1);  // NORMAL
}

TEST(DatabaseOpen, MissingDirectoryNamesThePath) {
  TempDir dir;
  const fs::path path = dir.path() / "absent" / "sw.db";
  auto db = Database::open(path, OpenOptions{}, kTwoMigrations);
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().message.find(path.string()), std::string::npos);
}

TEST(DatabaseOpen, ReadOnlyDoesNotCreateTheFile) {
  TempDir dir;
  const fs::path path = dir.path() / "sw.db";
  auto db = Database::open(path, OpenOptions{.read_only = true}, kTwoMigrations);
  EXPECT_FALSE(db);
  EXPECT_FALSE(fs::exists(path));
}

TEST(DatabaseOpen, ReadOnlyRefusesWrites) {
  TempDir dir;
  const fs::path path = dir.path() / "sw.db";
  open_ok(path);
  auto db = Database::open(path, OpenOptions{.read_only = true}, kTwoMigrations);
  ASSERT_TRUE(db) << db.error().to_string();
  auto write = (*db)->exec("INSERT INTO notes (body) VALUES ('x')");
  ASSERT_FALSE(write);
  EXPECT_EQ(write.error().code, "store.readonly");
}

TEST(DatabaseOpen, NotADatabaseIsAnError) {
  TempDir dir;
  const fs::path path = dir.path() / "sw.db";
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::string junk(4096, 'j');
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
  }
  auto db = Database::open(path, OpenOptions{}, kTwoMigrations);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, "store.corrupt");
}

// ---- migrations -------------------------------------------------------------------------------

TEST(Migrations, AreAppliedAndRecordedWithNames) {
  TempDir dir;
  auto db = open_ok(dir.path() / "sw.db");
  auto rows = db->query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].integer(0), 1);
  EXPECT_EQ((*rows)[0].text(1), "0001_notes.sql");
  EXPECT_EQ((*rows)[1].text(1), "0002_tags.sql");
  EXPECT_EQ((*rows)[1].text(2).back(), 'Z');  // RFC 3339 UTC
  EXPECT_EQ(db->applied_migrations(), (std::vector<int>{1, 2}));
}

TEST(Migrations, ReopeningAppliesNothingNew) {
  TempDir dir;
  const fs::path path = dir.path() / "sw.db";
  std::string first_applied_at;
  {
    auto db = open_ok(path);
    first_applied_at =
        (*db->query_one("SELECT applied_at FROM schema_migrations WHERE version = 2"))->text(0);
  }
  auto db = open_ok(path);  // would fail with "table notes already exists" if re-applied
  EXPECT_EQ(count_rows(*db, "schema_migrations"), 2);
  EXPECT_EQ((*db->query_one("SELECT applied_at FROM schema_migrations WHERE version = 2"))->text(0),
            first_applied_at);
}

TEST(Migrations, NewMigrationIsAppliedOnReopen) {
  TempDir dir;
  const fs::path path = dir.path() / "sw.db";
  open_ok(path, {kTwoMigrations[0]});
  auto db = open_ok(path, kTwoMigrations);
  EXPECT_EQ(db->applied_migrations(), (std::vector<int>{1, 2}));
}

TEST(Migrations, FailingMigrationRollsBackAndNamesTheFile) {
  TempDir dir;
  const fs::path path = dir.path() / "sw.db";
  const std::vector<Migration> broken = {
      kTwoMigrations[0],
      {2, "0002_broken.sql", "CREATE TABLE half (id INTEGER PRIMARY KEY); INSERT INTO nowhere VALUES (1);"},
  };
  auto failed = Database::open(path, OpenOptions{}, broken);
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("0002_broken.sql"), std::string::npos);
  EXPECT_NE(failed.error().message.find("no such table: nowhere"), std::string::npos);

  auto db = open_ok(path, {kTwoMigrations[0]});
  EXPECT_EQ(db->applied_migrations(), (std::vector<int>{1}));
  EXPECT_FALSE(db->query("SELECT * FROM half")) << "the failed migration's first statement was kept";
}

TEST(Migrations, DatabaseNewerThanBinaryIsRefused) {
  TempDir dir;
  const fs::path path = dir.path() / "sw.db";
  open_ok(path, kTwoMigrations);
  auto older = Database::open(path, OpenOptions{}, {kTwoMigrations[0]});
  ASSERT_FALSE(older);
  EXPECT_EQ(older.error().code, "store.schema_too_new");
}

TEST(Migrations, RenamedMigrationIsRefused) {
  TempDir dir;
  const fs::path path = dir.path() / "sw.db";
  open_ok(path, {kTwoMigrations[0]});
  auto renamed = Database::open(path, OpenOptions{}, {{1, "0001_other.sql", "SELECT 1;"}});
  ASSERT_FALSE(renamed);
  EXPECT_EQ(renamed.error().code, "store.migration_mismatch");
}

TEST(Migrations, MigrationOlderThanTheNewestAppliedIsRefused) {
  TempDir dir;
  const fs::path path = dir.path() / "sw.db";
  open_ok(path, {kTwoMigrations[0], {3, "0003_c.sql", "CREATE TABLE c (id INTEGER PRIMARY KEY);"}});
  auto late = Database::open(
      path, OpenOptions{},
      {kTwoMigrations[0], kTwoMigrations[1], {3, "0003_c.sql", "CREATE TABLE c (id INTEGER PRIMARY KEY);"}});
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, "store.migration_out_of_order");
}

TEST(Migrations, DuplicateVersionsAreRefused) {
  TempDir dir;
  auto db = Database::open(dir.path() / "sw.db", OpenOptions{},
                           {kTwoMigrations[0], {1, "0001_again.sql", "SELECT 1;"}});
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, "store.bad_migrations");
}

TEST(Migrations, DecreasingVersionsAreRefused) {
  TempDir dir;
  auto db = Database::open(dir.path() / "sw.db", OpenOptions{}, {kTwoMigrations[1], kTwoMigrations[0]});
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, "store.bad_migrations");
}

TEST(Migrations, NoMigrationsWhenDisabled) {
  TempDir dir;
  auto db = Database::open(dir.path() / "sw.db", OpenOptions{.apply_migrations = false}, kTwoMigrations);
  ASSERT_TRUE(db);
  EXPECT_FALSE((*db)->query("SELECT * FROM notes"));
}

TEST(Migrations, EmbeddedListIsStrictlyIncreasingAndNamedByVersion) {
  const auto& list = migrations();
  for (std::size_t i = 0; i < list.size(); ++i) {
    char prefix[8];
    std::snprintf(prefix, sizeof prefix, "%04d_", list[i].version);
    EXPECT_TRUE(list[i].name.starts_with(prefix)) << list[i].name;
    EXPECT_TRUE(list[i].name.ends_with(".sql")) << list[i].name;
    if (i > 0) {
      EXPECT_LT(list[i - 1].version, list[i].version);
    }
  }
}

TEST(Migrations, DefaultOpenAppliesTheEmbeddedList) {
  TempDir dir;
  auto db = Database::open(dir.path() / "sw.db");
  ASSERT_TRUE(db) << db.error().to_string();
  std::vector<int> expected;
  for (const Migration& m : migrations()) expected.push_back(m.version);
  EXPECT_EQ((*db)->applied_migrations(), expected);
}

TEST(Migrations, InMemoryDatabaseHasTheEmbeddedList) {
  auto db = Database::open_memory();
  ASSERT_TRUE(db) << db.error().to_string();
  EXPECT_EQ((*db)->applied_migrations()->size(), migrations().size());
}

// ---- statements -------------------------------------------------------------------------------

class StatementTest : public ::testing::Test {
 protected:
  void SetUp() override { db_ = open_ok(dir_.path() / "sw.db"); }
  TempDir dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(StatementTest, BoundTextStaysData) {
  const std::string hostile = "'; DROP TABLE notes; --";
  ASSERT_TRUE(db_->exec("INSERT INTO notes (body) VALUES (?)", {hostile}));
  auto row = db_->query_one("SELECT body FROM notes WHERE body = ?", {hostile});
  ASSERT_TRUE(row && *row);
  EXPECT_EQ((*row)->text(0), hostile);
  EXPECT_EQ(count_rows(*db_, "notes"), 1);
}

TEST_F(StatementTest, EveryValueKindRoundTrips) {
  auto row = db_->query_one("SELECT ?, ?, ?, ?, ?, ?",
                            {std::monostate{}, std::int64_t{-9'007'199'254'740'993}, 2.5, std::string("文本"),
                             Blob{std::string("\0\x01\xff", 3)}, Blob{}});
  ASSERT_TRUE(row && *row);
  const Row& r = **row;
  EXPECT_TRUE(r.is_null(0));
  EXPECT_EQ(r.integer(1), -9'007'199'254'740'993);
  EXPECT_DOUBLE_EQ(r.real(2), 2.5);
  EXPECT_EQ(r.text(3), "文本");
  EXPECT_EQ(std::get<Blob>(r.value(4)).bytes, std::string("\0\x01\xff", 3));
  ASSERT_TRUE(std::holds_alternative<Blob>(r.value(5))) << "an empty blob must not become NULL";
  EXPECT_EQ(r.text(5), "");
}

TEST_F(StatementTest, NullReadsAsDefaults) {
  auto row = db_->query_one("SELECT NULL");
  ASSERT_TRUE(row && *row);
  EXPECT_EQ((*row)->integer(0), 0);
  EXPECT_EQ((*row)->text(0), "");
  EXPECT_EQ((*row)->optional_text(0), std::nullopt);
}

TEST_F(StatementTest, ExecReturnsRowsChanged) {
  ASSERT_TRUE(db_->exec("INSERT INTO notes (body) VALUES ('a'), ('b'), ('c')"));
  EXPECT_EQ(db_->exec("UPDATE notes SET body = body || '!' WHERE body <> ?", {std::string("b")}), 2);
}

TEST_F(StatementTest, LastInsertIdIsTheNewRow) {
  ASSERT_TRUE(db_->exec("INSERT INTO notes (body) VALUES ('a')"));
  const std::int64_t id = db_->last_insert_id();
  EXPECT_EQ((*db_->query_one("SELECT body FROM notes WHERE id = ?", {id}))->text(0), "a");
}

TEST_F(StatementTest, QueryOneWithoutRowsIsEmpty) {
  auto row = db_->query_one("SELECT body FROM notes WHERE id = ?", {std::int64_t{7}});
  ASSERT_TRUE(row);
  EXPECT_FALSE(row->has_value());
}

TEST_F(StatementTest, PreparedStatementRunsRepeatedly) {
  auto insert = db_->prepare("INSERT INTO notes (body) VALUES (?)");
  ASSERT_TRUE(insert);
  for (const char* body : {"a", "b", "c"}) {
    ASSERT_TRUE(insert->exec({std::string(body)}));
  }
  EXPECT_EQ(count_rows(*db_, "notes"), 3);
}

TEST_F(StatementTest, MovedStatementStillRuns) {
  auto prepared = db_->prepare("SELECT 41 + 1");
  ASSERT_TRUE(prepared);
  Statement moved = std::move(*prepared);
  Statement assigned = std::move(moved);
  EXPECT_EQ((*assigned.query_one())->integer(0), 42);
}

TEST_F(StatementTest, ConstraintViolationIsStoreConstraint) {
  ASSERT_TRUE(db_->exec("INSERT INTO notes (body) VALUES (?)", {std::string("same")}));
  auto again = db_->exec("INSERT INTO notes (body) VALUES (?)", {std::string("same")});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "store.constraint");
  EXPECT_NE(again.error().message.find("UNIQUE"), std::string::npos);
}

TEST_F(StatementTest, ErrorsNeverContainParameterValues) {
  const std::string secret = "hunter2-secret-value";
  ASSERT_TRUE(db_->exec("INSERT INTO notes (body) VALUES (?)", {secret}));
  auto again = db_->exec("INSERT INTO notes (body) VALUES (?)", {secret});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().to_string().find(secret), std::string::npos);
}

TEST_F(StatementTest, SqlErrorNamesTheStatement) {
  auto bad = db_->query("SELECT body FROM nowhere");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "store.sql");
  EXPECT_NE(bad.error().message.find("SELECT body FROM nowhere"), std::string::npos);
  EXPECT_NE(bad.error().message.find("no such table"), std::string::npos);
}

TEST_F(StatementTest, LongSqlIsQuotedShortened) {
  const std::string sql = "SELECT " + std::string(200, ' ') + "nothing_here FROM nowhere";
  auto bad = db_->query(sql);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.find("nothing_here"), std::string::npos);
}

TEST_F(StatementTest, WrongParameterCountIsRefused) {
  auto bad = db_->exec("INSERT INTO notes (body) VALUES (?)", {});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "store.bind");
  EXPECT_EQ(count_rows(*db_, "notes"), 0);
}

TEST_F(StatementTest, SeveralStatementsInOnePrepareAreRefused) {
  auto bad = db_->exec("INSERT INTO notes (body) VALUES ('a'); DROP TABLE notes");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "store.sql");
  EXPECT_EQ(count_rows(*db_, "notes"), 0);
}

TEST_F(StatementTest, EmptySqlIsRefused) {
  auto bad = db_->prepare("  ");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "store.sql");
}

TEST_F(StatementTest, TrailingSemicolonIsAccepted) { EXPECT_TRUE(db_->exec("DELETE FROM notes;  ")); }

TEST_F(StatementTest, WriterBlockedByAnotherConnectionGetsStoreBusy) {
  auto other = Database::open(dir_.path() / "sw.db", OpenOptions{.busy_timeout_ms = 10}, kTwoMigrations);
  ASSERT_TRUE(other);
  auto tx = db_->begin();
  ASSERT_TRUE(tx);
  auto blocked = (*other)->exec("INSERT INTO notes (body) VALUES ('x')");
  ASSERT_FALSE(blocked);
  EXPECT_EQ(blocked.error().code, "store.busy");
}

// ---- transactions -----------------------------------------------------------------------------

TEST_F(StatementTest, CommittedTransactionKeepsItsWrites) {
  {
    auto tx = db_->begin();
    ASSERT_TRUE(tx);
    ASSERT_TRUE(db_->exec("INSERT INTO notes (body) VALUES ('kept')"));
    ASSERT_TRUE(tx->commit());
  }
  EXPECT_EQ(count_rows(*db_, "notes"), 1);
}

TEST_F(StatementTest, TransactionRollsBackOnScopeExit) {
  {
    auto tx = db_->begin();
    ASSERT_TRUE(tx);
    ASSERT_TRUE(db_->exec("INSERT INTO notes (body) VALUES ('dropped')"));
  }
  EXPECT_EQ(count_rows(*db_, "notes"), 0);
  EXPECT_TRUE(db_->begin()) << "the connection is usable after the rollback";
}

TEST_F(StatementTest, MovedTransactionRollsBackOnce) {
  {
    auto tx = db_->begin();
    ASSERT_TRUE(tx);
    Database::Transaction moved = std::move(*tx);
    ASSERT_TRUE(db_->exec("INSERT INTO notes (body) VALUES ('dropped')"));
  }
  EXPECT_EQ(count_rows(*db_, "notes"), 0);
}

TEST_F(StatementTest, NestedBeginIsAnError) {
  auto outer = db_->begin();
  ASSERT_TRUE(outer);
  auto inner = db_->begin();
  ASSERT_FALSE(inner);
  EXPECT_EQ(inner.error().code, "store.nested_transaction");
  EXPECT_TRUE(outer->commit()) << "the outer transaction is unaffected";
}

TEST_F(StatementTest, CommittingTwiceIsAnError) {
  auto tx = db_->begin();
  ASSERT_TRUE(tx);
  ASSERT_TRUE(tx->commit());
  auto again = tx->commit();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "store.transaction_done");
}

TEST_F(StatementTest, CommittedTransactionDoesNotRollBackALaterOne) {
  auto first = db_->begin();
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->commit());
  auto second = db_->begin();
  ASSERT_TRUE(second);
  ASSERT_TRUE(db_->exec("INSERT INTO notes (body) VALUES ('second')"));
  ASSERT_TRUE(second->commit());
  EXPECT_EQ(count_rows(*db_, "notes"), 1);
}

// ---- streaming and borrowed parameters ---------------------------------------------------------

TEST_F(StatementTest, ForEachVisitsEveryRowInOrderWithoutCopies) {
  ASSERT_TRUE(db_->exec("INSERT INTO notes (body) VALUES ('a'), ('b'), ('c')"));
  auto select = db_->prepare("SELECT id, body FROM notes WHERE id >= ? ORDER BY id");
  ASSERT_TRUE(select);
  std::vector<std::string> seen;
  ASSERT_TRUE(select->for_each({std::int64_t{2}}, [&](const RowView& row) {
    seen.push_back(std::to_string(row.integer(0)) + std::string(row.text(1)));
    return true;
  }));
  EXPECT_EQ(seen, (std::vector<std::string>{"2b", "3c"}));
}

TEST_F(StatementTest, ForEachStopsWhenTheVisitorSaysSoAndReleasesTheSnapshot) {
  ASSERT_TRUE(db_->exec("INSERT INTO notes (body) VALUES ('a'), ('b'), ('c')"));
  auto select = db_->prepare("SELECT body FROM notes ORDER BY id");
  ASSERT_TRUE(select);
  int visits = 0;
  ASSERT_TRUE(select->for_each({}, [&](const RowView&) { return ++visits < 2; }));
  EXPECT_EQ(visits, 2);
  // The statement was reset: no read snapshot is left open, so another connection's write can be
  // checkpointed completely (busy = 0); a stale reader would make the TRUNCATE checkpoint busy.
  auto other = open_ok(dir_.path() / "sw.db");
  ASSERT_TRUE(other->exec("INSERT INTO notes (body) VALUES ('d')"));
  auto checkpoint = other->query_one("PRAGMA wal_checkpoint(TRUNCATE)");
  ASSERT_TRUE(checkpoint && *checkpoint);
  EXPECT_EQ((*checkpoint)->integer(0), 0);
}

TEST_F(StatementTest, RowViewReadsNullBlobAndTextInPlace) {
  auto select = db_->prepare("SELECT NULL, ?, ?, 7");
  ASSERT_TRUE(select);
  int rows = 0;
  ASSERT_TRUE(select->for_each({Blob{std::string("\0\x01", 2)}, std::string("文本")}, [&](const RowView& r) {
    ++rows;
    EXPECT_EQ(r.size(), 4u);
    EXPECT_TRUE(r.is_null(0));
    EXPECT_EQ(r.integer(0), 0);
    EXPECT_EQ(r.text(0), "");
    EXPECT_FALSE(r.is_null(1));
    EXPECT_EQ(r.text(1), std::string_view("\0\x01", 2));
    EXPECT_EQ(r.text(2), "文本");
    EXPECT_EQ(r.integer(3), 7);
    return true;
  }));
  EXPECT_EQ(rows, 1);
}

TEST_F(StatementTest, ForEachReportsSqlErrors) {
  auto select = db_->prepare("SELECT abs(?)");
  ASSERT_TRUE(select);
  auto walked = select->for_each({std::int64_t{INT64_MIN}}, [](const RowView&) { return true; });
  ASSERT_FALSE(walked);
  EXPECT_EQ(walked.error().code, "store.sql");
  EXPECT_EQ(walked.error().message.find("9223372036854775808"), std::string::npos);
}

TEST_F(StatementTest, ExecRefsBindsBorrowedValuesAndUnbindsThem) {
  auto insert = db_->prepare("INSERT INTO notes (id, body) VALUES (?, ?)");
  ASSERT_TRUE(insert);
  for (std::int64_t id = 1; id <= 3; ++id) {
    std::string body = "note " + std::to_string(id);
    const ValueRef params[] = {id, std::string_view(body)};
    ASSERT_EQ(insert->exec_refs(params), 1);
  }
  const ValueRef empty_and_null[] = {std::monostate{}, std::string_view()};
  ASSERT_TRUE(insert->exec_refs(empty_and_null)) << "an empty view binds \"\", not NULL";
  auto rows = db_->query("SELECT body FROM notes ORDER BY id");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 4u);
  EXPECT_EQ((*rows)[0].text(0), "note 1");
  EXPECT_EQ((*rows)[2].text(0), "note 3");
  EXPECT_FALSE((*rows)[3].is_null(0));
  EXPECT_EQ((*rows)[3].text(0), "");
}

TEST_F(StatementTest, ExecRefsRefusesAWrongParameterCount) {
  auto insert = db_->prepare("INSERT INTO notes (body) VALUES (?)");
  ASSERT_TRUE(insert);
  const ValueRef two[] = {std::int64_t{1}, std::string_view("x")};
  auto result = insert->exec_refs(two);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, "store.bind");
}

TEST(DatabaseOpen, NoMutexConnectionWorks) {
  TempDir dir;
  auto db = Database::open(dir.path() / "sw.db", OpenOptions{.no_mutex = true}, kTwoMigrations);
  ASSERT_TRUE(db) << db.error().to_string();
  EXPECT_EQ((*(*db)->query_one("SELECT 6 * 7"))->integer(0), 42);
}

}  // namespace
}  // namespace sw::store
