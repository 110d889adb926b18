// Specification of store::BlobStore: content-addressed, atomic, verified on read (N7.1, N7.4).
#include "store/blob_store.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "temp_dir.h"

namespace sw::store {
namespace {

namespace fs = std::filesystem;

using testing::TempDir;

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::string read_whole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Runs each blob test under both crypto suites.
class BlobStoreTest : public ::testing::TestWithParam<crypto::SuiteId> {
 protected:
  void SetUp() override {
    auto store = BlobStore::open(dir_.path() / "blobs", suite());
    ASSERT_TRUE(store) << store.error().to_string();
    store_.emplace(std::move(*store));
  }
  const crypto::Suite& suite() const { return crypto::suite(GetParam()); }
  BlobStore& store() { return *store_; }

  TempDir dir_;
  std::optional<BlobStore> store_;
};

INSTANTIATE_TEST_SUITE_P(BothSuites, BlobStoreTest,
                         ::testing::Values(crypto::SuiteId::gm, crypto::SuiteId::intl),
                         [](const auto& info) { return std::string(crypto::to_string(info.param)); });

TEST_P(BlobStoreTest, PutThenGetReturnsTheBytes) {
  const std::string bytes("approved page\0with a nul", 24);
  auto digest = store().put(bytes);
  ASSERT_TRUE(digest) << digest.error().to_string();
  EXPECT_EQ(digest->algorithm, suite().hash_algorithm());
  EXPECT_EQ(*digest, suite().hash(bytes));
  EXPECT_EQ(store().get(*digest), bytes);
}

TEST_P(BlobStoreTest, EmptyBlobRoundTrips) {
  auto digest = store().put("");
  ASSERT_TRUE(digest);
  EXPECT_EQ(store().get(*digest), "");
}

TEST_P(BlobStoreTest, BlobLivesAtAlgorithmFanOutPath) {
  auto digest = store().put("layout");
  ASSERT_TRUE(digest);
  const std::string hex = digest->hex();
  const fs::path expected = dir_.path() / "blobs" / digest->algorithm / hex.substr(0, 2) / hex.substr(2);
  EXPECT_EQ(store().path_of(*digest), expected);
  EXPECT_EQ(read_whole(expected), "layout");
}

TEST_P(BlobStoreTest, RootAndBlobsArePrivateToTheOwner) {
  auto digest = store().put("private");
  ASSERT_TRUE(digest);
  struct stat st {};
  ASSERT_EQ(::stat((dir_.path() / "blobs").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat(store().path_of(*digest)->c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u);
}

TEST_P(BlobStoreTest, ContainsOnlyWhatWasPut) {
  auto digest = store().put("here");
  ASSERT_TRUE(digest);
  EXPECT_TRUE(store().contains(*digest));
  EXPECT_FALSE(store().contains(suite().hash("not here")));
}

TEST_P(BlobStoreTest, FlippedByteOnDiskIsReportedCorrupt) {
  auto digest = store().put("the approved bytes");
  ASSERT_TRUE(digest);
  const fs::path path = *store().path_of(*digest);
  std::string bytes = read_whole(path);
  bytes[4] ^= 0x01;
  fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
  write_file(path, bytes);

  auto got = store().get(*digest);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, "store.blob_corrupt");
  EXPECT_NE(got.error().message.find(digest->to_string()), std::string::npos);
  auto verified = store().verify(*digest);
  ASSERT_FALSE(verified);
  EXPECT_EQ(verified.error().code, "store.blob_corrupt");
}

TEST_P(BlobStoreTest, PuttingTheGoodBytesAgainRepairsACorruptBlob) {
  auto digest = store().put("the approved bytes");
  ASSERT_TRUE(digest);
  const fs::path path = *store().path_of(*digest);
  fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
  write_file(path, "tampered");
  ASSERT_FALSE(store().get(*digest));

  ASSERT_TRUE(store().put("the approved bytes"));
  EXPECT_EQ(store().get(*digest), "the approved bytes");
}

TEST_P(BlobStoreTest, PutFileRepairsACorruptBlob) {
  auto digest = store().put("the approved bytes");
  ASSERT_TRUE(digest);
  write_file(*store().path_of(*digest), "tampered");
  const fs::path source = dir_.path() / "good.txt";
  write_file(source, "the approved bytes");

  ASSERT_TRUE(store().put_file(source));
  EXPECT_EQ(store().get(*digest), "the approved bytes");
}

TEST_P(BlobStoreTest, MissingBlobIsReportedMissing) {
  const crypto::Digest absent = suite().hash("never stored");
  auto got = store().get(absent);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, "store.blob_missing");
  auto verified = store().verify(absent);
  ASSERT_FALSE(verified);
  EXPECT_EQ(verified.error().code, "store.blob_missing");
}

TEST_P(BlobStoreTest, PuttingTwiceDoesNotRewrite) {
  auto first = store().put("same bytes");
  ASSERT_TRUE(first);
  const fs::path path = *store().path_of(*first);
  struct stat before {};
  ASSERT_EQ(::stat(path.c_str(), &before), 0);
  auto second = store().put("same bytes");
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, *first);
  struct stat after {};
  ASSERT_EQ(::stat(path.c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);  // the same file: not rewritten
  // Its modification time is renewed (the garbage collection's grace counts from the last put);
  // PutOfAPresentBlobRenewsItsGrace.
}

TEST_P(BlobStoreTest, PutFileStoresTheSameBlobAsPut) {
  std::string large;
  for (int i = 0; large.size() < 300 * 1024; ++i) large += "line " + std::to_string(i) + "\n";
  const fs::path source = dir_.path() / "upload.bin";
  write_file(source, large);

  auto streamed = store().put_file(source);
  ASSERT_TRUE(streamed) << streamed.error().to_string();
  EXPECT_EQ(*streamed, suite().hash(large));
  EXPECT_EQ(store().get(*streamed), large);
  EXPECT_TRUE(store().verify(*streamed));
}

TEST_P(BlobStoreTest, PutFileOfPresentBlobDoesNotRewrite) {
  auto first = store().put("already here");
  ASSERT_TRUE(first);
  struct stat before {};
  ASSERT_EQ(::stat(store().path_of(*first)->c_str(), &before), 0);
  const fs::path source = dir_.path() / "again.txt";
  write_file(source, "already here");
  ASSERT_TRUE(store().put_file(source));
  struct stat after {};
  ASSERT_EQ(::stat(store().path_of(*first)->c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);
}

// A bulk writer's blobs (put_unsynced, as a release build writes them): the first blob of a fan-out
// directory takes the temp-file path that creates it, the next ones are linked from an unnamed file.
// Every one reads back sound with owner-only permissions, nothing else is left in the directories,
// and a corrupt copy is replaced by the good bytes on either path.
TEST_P(BlobStoreTest, BulkPutsReadBackWholeAndLeaveNoStrayFiles) {
  constexpr int kBlobs = 600;  // more than the 256 fan-out directories, so most writes find theirs
  std::vector<crypto::Digest> digests;
  for (int i = 0; i < kBlobs; ++i) {
    auto digest = store().put_unsynced("页面 " + std::to_string(i));
    ASSERT_TRUE(digest) << digest.error().to_string();
    digests.push_back(*digest);
  }
  ASSERT_TRUE(store().sync());
  for (int i = 0; i < kBlobs; ++i) {
    EXPECT_EQ(store().get(digests[i]), "页面 " + std::to_string(i));
    const auto mode = fs::status(*store().path_of(digests[i])).permissions();
    EXPECT_EQ(mode & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
  }
  std::size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(store().root())) {
    if (!entry.is_regular_file()) continue;
    ++files;
    EXPECT_NE(entry.path().filename().string().front(), '.') << "a temp file left: " << entry.path();
  }
  EXPECT_EQ(files, static_cast<std::size_t>(kBlobs));

  const fs::path path = *store().path_of(digests[7]);
  fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
  write_file(path, "tampered");
  ASSERT_TRUE(store().put_unsynced("页面 7"));
  EXPECT_EQ(store().get(digests[7]), "页面 7");
}

// A writer's guess that blobs are new (put_unsynced's expect_new, as a build that has just written
// several new blobs in a row passes it) changes only how the bytes get there: a new blob is written,
// a sound copy already there is kept (and reported as not written), a corrupt one is replaced — the
// same outcomes as without the guess, and no stray file either way.
TEST_P(BlobStoreTest, GuessingABlobIsNewNeverChangesTheOutcome) {
  ASSERT_TRUE(store().put_unsynced("first, so the fan-out directories exist"));
  for (const bool expect_new : {false, true}) {
    SCOPED_TRACE(expect_new ? "guessed new" : "no guess");
    const std::string bytes = std::string("页面 ") + (expect_new ? "甲" : "乙");
    bool written = false;
    auto digest = store().put_unsynced(bytes, expect_new, &written);
    ASSERT_TRUE(digest) << digest.error().to_string();
    EXPECT_TRUE(written);
    struct stat before {};
    ASSERT_EQ(::stat(store().path_of(*digest)->c_str(), &before), 0);
    // Present and sound: kept as it is, not written again.
    auto again = store().put_unsynced(bytes, expect_new, &written);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, *digest);
    EXPECT_FALSE(written);
    struct stat after {};
    ASSERT_EQ(::stat(store().path_of(*digest)->c_str(), &after), 0);
    EXPECT_EQ(after.st_ino, before.st_ino);
    // Corrupt: replaced by the good bytes.
    const fs::path path = *store().path_of(*digest);
    fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
    write_file(path, "tampered");
    ASSERT_TRUE(store().put_unsynced(bytes, expect_new, &written));
    EXPECT_TRUE(written);
    EXPECT_EQ(store().get(*digest), bytes);
  }
  for (const auto& entry : fs::recursive_directory_iterator(store().root())) {
    EXPECT_NE(entry.path().filename().string().front(), '.') << "a temp file left: " << entry.path();
  }
}

TEST_P(BlobStoreTest, PutFileLeavesNoTemporaryFiles) {
  const fs::path source = dir_.path() / "a.txt";
  write_file(source, "content");
  ASSERT_TRUE(store().put_file(source));
  ASSERT_TRUE(store().put_file(source));
  EXPECT_TRUE(fs::is_empty(dir_.path() / "blobs" / "tmp"));
}

TEST_P(BlobStoreTest, PutFileOfMissingSourceIsAnError) {
  auto missing = store().put_file(dir_.path() / "absent");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "store.io");
}

TEST_P(BlobStoreTest, BlobTooLargeForGetIsRefused) {
  auto digest = store().put("0123456789");
  ASSERT_TRUE(digest);
  auto got = store().get(*digest, 9);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, "store.blob_too_large");
}

// ---- digests that name no blob ----------------------------------------------------------------

TEST_P(BlobStoreTest, ShortDigestIsRefused) {
  crypto::Digest digest = suite().hash("x");
  digest.bytes.pop_back();
  auto path = store().path_of(digest);
  ASSERT_FALSE(path);
  EXPECT_EQ(path.error().code, "store.bad_digest");
  EXPECT_EQ(store().get(digest).error().code, "store.bad_digest");
  EXPECT_FALSE(store().contains(digest));
}

TEST_P(BlobStoreTest, LongDigestIsRefused) {
  crypto::Digest digest = suite().hash("x");
  digest.bytes.push_back('\0');
  EXPECT_EQ(store().path_of(digest).error().code, "store.bad_digest");
}

TEST_P(BlobStoreTest, AlgorithmThatIsAPathIsRefused) {
  for (const char* algorithm : {"../..", "sm3/../../etc", "", "SM3", ".", "sm3\n"}) {
    crypto::Digest digest = suite().hash("x");
    digest.algorithm = algorithm;
    auto path = store().path_of(digest);
    ASSERT_FALSE(path) << algorithm;
    EXPECT_EQ(path.error().code, "store.bad_digest");
  }
}

TEST_P(BlobStoreTest, UnknownAlgorithmIsNotReadable) {
  crypto::Digest digest = suite().hash("x");
  digest.algorithm = "md5";
  EXPECT_FALSE(store().get(digest));
  EXPECT_FALSE(store().contains(digest));
}

TEST(BlobStoreDigestText, CanonicalTextParses) {
  const crypto::Digest digest = crypto::suite(crypto::SuiteId::gm).hash("abc");
  EXPECT_EQ(BlobStore::parse_digest(digest.to_string()), digest);
}

TEST(BlobStoreDigestText, NonCanonicalTextIsRefused) {
  const std::string upper = "sm3:66C7F0F462EEEDD9D1F2D46BDC10E4E24167C4875CF2F7A2297DA02B8F4BA8E0";
  for (const std::string& text : {std::string("sm3:../../etc/passwd"), std::string("sm3:abcdef"),
                                  std::string("sha256:zz"), std::string("sm3:"), std::string(""), upper,
                                  std::string("md5:66c7f0f462eeedd9d1f2d46bdc10e4e2"), " " + upper}) {
    auto parsed = BlobStore::parse_digest(text);
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.error().code, "store.bad_digest");
  }
}

// ---- switching suites -------------------------------------------------------------------------

TEST(BlobStoreSuites, BlobsOfEitherAlgorithmStayReadableAfterASwitch) {
  TempDir dir;
  auto gm = BlobStore::open(dir.path() / "blobs", crypto::suite(crypto::SuiteId::gm));
  ASSERT_TRUE(gm);
  auto old_digest = gm->put("written under gm");
  ASSERT_TRUE(old_digest);

  auto intl = BlobStore::open(dir.path() / "blobs", crypto::suite(crypto::SuiteId::intl));
  ASSERT_TRUE(intl);
  auto new_digest = intl->put("written under intl");
  ASSERT_TRUE(new_digest);
  EXPECT_EQ(old_digest->algorithm, "sm3");
  EXPECT_EQ(new_digest->algorithm, "sha256");
  EXPECT_EQ(intl->get(*old_digest), "written under gm");
  EXPECT_EQ(gm->get(*new_digest), "written under intl");
}

TEST(BlobStoreSuites, SameBytesUnderBothSuitesAreTwoBlobs) {
  TempDir dir;
  auto gm = BlobStore::open(dir.path() / "blobs", crypto::suite(crypto::SuiteId::gm));
  auto intl = BlobStore::open(dir.path() / "blobs", crypto::suite(crypto::SuiteId::intl));
  ASSERT_TRUE(gm && intl);
  auto a = gm->put("same");
  auto b = intl->put("same");
  ASSERT_TRUE(a && b);
  EXPECT_NE(*gm->path_of(*a), *intl->path_of(*b));
}

// ---- opening ----------------------------------------------------------------------------------

TEST(BlobStoreOpen, CreatesMissingParents) {
  TempDir dir;
  const fs::path root = dir.path() / "a" / "b" / "blobs";
  ASSERT_TRUE(BlobStore::open(root, crypto::suite(crypto::SuiteId::gm)));
  EXPECT_TRUE(fs::is_directory(root));
}

TEST(BlobStoreOpen, RootThatIsAFileIsRefused) {
  TempDir dir;
  const fs::path root = dir.path() / "blobs";
  write_file(root, "not a directory");
  auto store = BlobStore::open(root, crypto::suite(crypto::SuiteId::gm));
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, "store.blob_root");
}

TEST(BlobStoreOpen, ReopeningFindsEarlierBlobs) {
  TempDir dir;
  crypto::Digest digest;
  {
    auto store = BlobStore::open(dir.path() / "blobs", crypto::suite(crypto::SuiteId::gm));
    ASSERT_TRUE(store);
    digest = *store->put("durable");
  }
  auto store = BlobStore::open(dir.path() / "blobs", crypto::suite(crypto::SuiteId::gm));
  ASSERT_TRUE(store);
  EXPECT_EQ(store->get(digest), "durable");
}


// ---- sweep(): the blob garbage collection's sweep (issue 5 housekeeping) ----

// Sets a file's modification time `age` in the past (never follows a symlink).
void age_file(const fs::path& path, std::chrono::seconds age) {
  const auto when = std::chrono::system_clock::now() - age;
  const timespec t{static_cast<time_t>(std::chrono::system_clock::to_time_t(when)), 0};
  const timespec times[2] = {t, t};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << path;
}

TEST_P(BlobStoreTest, SweepRemovesOnlyOldUnreferencedBlobs) {
  const auto keep = *store().put("named by a release");
  const auto old_garbage = *store().put("a pruned release's page");
  const auto young_garbage = *store().put("written by a publish still running");
  age_file(*store().path_of(keep), std::chrono::hours(2));
  age_file(*store().path_of(old_garbage), std::chrono::hours(2));
  const auto referenced = [&](const crypto::Digest& d) { return d == keep; };

  auto dry = store().sweep(referenced, std::chrono::hours(1), /*dry_run=*/true);
  ASSERT_TRUE(dry) << dry.error().to_string();
  EXPECT_EQ(dry->blobs, 3u);
  EXPECT_EQ(dry->removed, 1u);
  EXPECT_EQ(dry->removed_bytes, std::string("a pruned release's page").size());
  EXPECT_TRUE(store().contains(old_garbage)) << "a dry run removes nothing";

  auto done = store().sweep(referenced, std::chrono::hours(1), /*dry_run=*/false);
  ASSERT_TRUE(done) << done.error().to_string();
  EXPECT_EQ(done->kept_referenced, 1u);
  EXPECT_EQ(done->kept_young, 1u);
  EXPECT_EQ(done->removed, 1u);
  EXPECT_FALSE(store().contains(old_garbage));
  EXPECT_TRUE(store().contains(young_garbage));
  EXPECT_EQ(store().get(keep), "named by a release");
}

// A writer that re-uses a blob already present (put() finds it) renews its modification time, so
// the grace period protects it until the writer records it.
TEST_P(BlobStoreTest, PutOfAPresentBlobRenewsItsGrace) {
  const auto digest = *store().put("shared page");
  age_file(*store().path_of(digest), std::chrono::hours(2));
  ASSERT_TRUE(store().put_unsynced("shared page"));
  auto swept = store().sweep([](const crypto::Digest&) { return false; }, std::chrono::hours(1), false);
  ASSERT_TRUE(swept) << swept.error().to_string();
  EXPECT_EQ(swept->kept_young, 1u);
  EXPECT_TRUE(store().contains(digest));
}

TEST_P(BlobStoreTest, SweepLeavesForeignFilesAloneAndReportsThem) {
  const auto digest = *store().put("a blob");
  const fs::path blob = *store().path_of(digest);
  const fs::path root = store().root();
  write_file(blob.parent_path() / "notes.txt", "an operator's file");
  write_file(root / "README", "junk at the root");
  fs::create_directories(root / "md5" / "ab");  // not an algorithm the node knows
  write_file(root / "md5" / "ab" / std::string(62, 'a'), "x");
  fs::create_directories(root / blob.parent_path().parent_path().filename() / "zz");  // not hex
  write_file(root / "outside", "outside the fan-out");
  // A symlink named like a blob, pointing at a file that must survive.
  const std::string fake_name(62, 'b');
  fs::create_symlink(root / "outside", blob.parent_path() / fake_name);
  write_file(blob.parent_path() / ("." + blob.filename().string() + ".tmp-0123"), "a writer's temp");
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (!e.is_symlink()) age_file(e.path(), std::chrono::hours(2));

  auto swept = store().sweep([](const crypto::Digest&) { return false; }, std::chrono::hours(1), false);
  ASSERT_TRUE(swept) << swept.error().to_string();
  EXPECT_EQ(swept->removed, 1u);  // the one real blob, referenced by nothing
  EXPECT_EQ(swept->temp_files, 1u);
  EXPECT_EQ(swept->foreign_count, 6u);  // notes.txt, README, outside, md5/, zz/, the symlink
  EXPECT_TRUE(fs::exists(blob.parent_path() / "notes.txt"));
  EXPECT_TRUE(fs::exists(root / "README"));
  EXPECT_TRUE(fs::exists(root / "md5" / "ab" / std::string(62, 'a')));
  EXPECT_TRUE(fs::is_symlink(blob.parent_path() / fake_name));
  EXPECT_EQ(read_whole(root / "outside"), "outside the fan-out");
  bool listed = false;
  for (const auto& p : swept->foreign) listed = listed || p.find("notes.txt") != std::string::npos;
  EXPECT_TRUE(listed);
}

}  // namespace
}  // namespace sw::store
