// ReleaseStore (N7.1 防篡改): commit, live pointer, history, pruning, rollback and what it refuses,
// the live generation, live sites for the guard, recovery after a crash.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "release_fixture.h"

namespace sw::publish {
namespace {

using testing::ReleaseFixture;
using ReleaseStoreTest = ReleaseFixture;

void overwrite(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

TEST_F(ReleaseStoreTest, CommitMakesTheReleaseLiveAndRecordsIt) {
  const std::int64_t id = publish(site_, "one");
  auto live = store_->live(site_);
  ASSERT_TRUE(live && *live);
  EXPECT_EQ((*live)->id, id);
  EXPECT_TRUE((*live)->live);
  EXPECT_EQ((*live)->files, 3u);
  EXPECT_EQ((*live)->kind, "full");
  EXPECT_EQ((*live)->created_by, "user:1");
  EXPECT_FALSE((*live)->created_at.empty());
  auto manifest = store_->load(id);
  ASSERT_TRUE(manifest) << manifest.error().to_string();
  EXPECT_EQ(manifest->entries.size(), 3u);
  ASSERT_NE(manifest->find("/index.html"), nullptr);
  auto history = store_->history(site_);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].kind, "publish");
  EXPECT_FALSE((*history)[0].from_release.has_value());
  EXPECT_EQ((*history)[0].to_release, id);
  auto other = store_->live(other_site_);
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->has_value());
}

// N7.1: a release built on a base goes live only over that base. A rollback (or another publish)
// that switched the site while it was built is not silently undone: the commit is refused, names the
// problem, and changes nothing; built again on the live release, it goes live.
TEST_F(ReleaseStoreTest, CommitOverABaseThatIsNoLongerLiveIsRefused) {
  const std::int64_t a = publish(site_, "a");
  const std::int64_t b = publish(site_, "b");
  const std::string b_digest = store_->get(b)->manifest_digest.to_string();
  ASSERT_TRUE(store_->switch_live(site_, a, "cli:root", "the b release had an error"));

  Manifest built_on_b = pages(site_, "c");
  built_on_b.base = b_digest;
  auto refused = store_->commit(built_on_b, "incremental");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "publish.base_changed");
  EXPECT_NE(refused.error().message.find("rollback"), std::string::npos);
  auto live = store_->live(site_);
  ASSERT_TRUE(live && *live);
  EXPECT_EQ((*live)->id, a) << "the rollback stands";
  EXPECT_EQ(store_->list(site_)->size(), 2u) << "no release row for the refused commit";

  Manifest built_on_a = pages(site_, "c");
  built_on_a.base = store_->get(a)->manifest_digest.to_string();
  auto done = store_->commit(built_on_a, "incremental");
  ASSERT_TRUE(done) << done.error().to_string();
  EXPECT_EQ((*store_->live(site_))->id, *done);
}

TEST_F(ReleaseStoreTest, ListIsNewestFirstAndMarksTheLiveOne) {
  const std::int64_t a = publish(site_, "a");
  const std::int64_t b = publish(site_, "b");
  publish(other_site_, "x");
  auto list = store_->list(site_);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, b);
  EXPECT_TRUE((*list)[0].live);
  EXPECT_EQ((*list)[1].id, a);
  EXPECT_FALSE((*list)[1].live);
}

TEST_F(ReleaseStoreTest, ReleasesBeyondKeepArePrunedNeverDeleted) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(publish(site_, "r" + std::to_string(i)));
  auto list = store_->list(site_);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 5u);  // rows stay
  int kept = 0;
  for (const auto& r : *list) kept += r.pruned ? 0 : 1;
  EXPECT_EQ(kept, 3);
  EXPECT_TRUE((*list)[3].pruned);
  EXPECT_FALSE((*list)[3].pruned_at.empty());
  EXPECT_TRUE((*list)[4].pruned);
  EXPECT_FALSE(db_->exec("DELETE FROM releases WHERE id = ?", {ids[0]}));
  EXPECT_FALSE(db_->exec("UPDATE releases SET pruned_at = NULL WHERE id = ?", {ids[0]}));
  EXPECT_FALSE(db_->exec("DELETE FROM release_switches"));
}

TEST_F(ReleaseStoreTest, KeepOneLeavesOnlyTheLiveReleaseAndRollbackThenPublishPrunesTheOld) {
  store_ = make_store(/*keep=*/1);
  const std::int64_t first = publish(site_, "first");
  const std::int64_t second = publish(site_, "second");
  EXPECT_TRUE(store_->get(first)->pruned);
  EXPECT_FALSE(store_->get(second)->pruned);
  EXPECT_TRUE(store_->get(second)->live);
  store_ = make_store(/*keep=*/2);
  const std::int64_t third = publish(site_, "third");
  ASSERT_TRUE(store_->switch_live(site_, second, "cli:root", "third is wrong"));
  const std::int64_t fourth = publish(site_, "fourth");  // keep 2: fourth (live) and third
  EXPECT_TRUE(store_->get(second)->pruned);
  EXPECT_FALSE(store_->get(third)->pruned);
  EXPECT_TRUE(store_->get(fourth)->live);
}

TEST_F(ReleaseStoreTest, RollbackMakesAnEarlierReleaseLiveAndIsRecorded) {
  const std::int64_t a = publish(site_, "a");
  const std::int64_t b = publish(site_, "b");
  ASSERT_TRUE(store_->switch_live(site_, a, "cli:root", "b has a typo"));
  auto live = store_->live(site_);
  ASSERT_TRUE(live && *live);
  EXPECT_EQ((*live)->id, a);
  auto history = store_->history(site_);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].kind, "rollback");
  EXPECT_EQ((*history)[0].from_release, b);
  EXPECT_EQ((*history)[0].to_release, a);
  EXPECT_EQ((*history)[0].switched_by, "cli:root");
  EXPECT_EQ((*history)[0].reason, "b has a typo");
  ASSERT_TRUE(store_->switch_live(site_, b, "cli:root", "typo was fine"));  // roll forward
  EXPECT_EQ((*store_->live(site_))->id, b);
  history = store_->history(site_);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 4u);
  EXPECT_EQ((*history)[0].kind, "rollforward");  // named by direction, not "rollback"
  EXPECT_EQ((*history)[0].from_release, a);
  EXPECT_EQ((*history)[0].to_release, b);
}

// [publish] keep_releases (N7.1) is what every store of a node is made with.
TEST_F(ReleaseStoreTest, OptionsComeFromThePublishConfig) {
  PublishConfig config;
  config.keep_releases = 2;
  const auto options = release_store_options(config, dir_.path());
  EXPECT_EQ(options.keep, 2u);
  EXPECT_EQ(options.generation_file, generation_file(dir_.path()));
  store_ = std::make_unique<ReleaseStore>(*db_, *blobs_, suite_, key_, trusted_, options);
  const std::int64_t first = publish(site_, "1");
  publish(site_, "2");
  publish(site_, "3");
  EXPECT_TRUE(store_->get(first)->pruned);
  EXPECT_EQ(store_->list(site_)->size(), 3u);  // pruned rows stay listed
}

TEST_F(ReleaseStoreTest, RollbackToAPrunedReleaseIsRefused) {
  const std::int64_t old = publish(site_, "old");
  for (int i = 0; i < 3; ++i) publish(site_, "n" + std::to_string(i));
  auto s = store_->switch_live(site_, old, "cli:root", "go back");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "publish.release_pruned");
}

TEST_F(ReleaseStoreTest, RollbackToAnotherSitesReleaseIsRefused) {
  publish(site_, "mine");
  const std::int64_t foreign = publish(other_site_, "theirs");
  auto s = store_->switch_live(site_, foreign, "cli:root", "steal");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "publish.wrong_site");
  auto unknown = store_->switch_live(site_, 9999, "cli:root", "nothing");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, "publish.release_not_found");
}

TEST_F(ReleaseStoreTest, RollbackNeedsAReasonAndAnActor) {
  const std::int64_t a = publish(site_, "a");
  publish(site_, "b");
  auto no_reason = store_->switch_live(site_, a, "cli:root", "");
  ASSERT_FALSE(no_reason);
  EXPECT_EQ(no_reason.error().code, "publish.bad_input");
  auto no_actor = store_->switch_live(site_, a, "", "why");
  ASSERT_FALSE(no_actor);
  EXPECT_EQ(no_actor.error().code, "publish.bad_input");
  auto already = store_->switch_live(site_, publish(site_, "c"), "cli:root", "again");
  ASSERT_FALSE(already);
  EXPECT_EQ(already.error().code, "publish.already_live");
}

TEST_F(ReleaseStoreTest, ATamperedManifestBlobIsRefused) {
  const std::int64_t a = publish(site_, "a");
  publish(site_, "b");
  auto info = store_->get(a);
  ASSERT_TRUE(info);
  auto path = blobs_->path_of(info->manifest_digest);
  ASSERT_TRUE(path);
  auto document = blobs_->get(info->manifest_digest);
  ASSERT_TRUE(document);
  std::string changed = *document;
  changed.replace(changed.find("user:1"), 6, "user:9");
  overwrite(*path, changed);
  auto loaded = store_->load(a);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, "store.blob_corrupt");
  auto s = store_->switch_live(site_, a, "cli:root", "go back");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "store.blob_corrupt");
}

TEST_F(ReleaseStoreTest, AManifestSignedByAnUntrustedKeyIsRefused) {
  const std::int64_t a = publish(site_, "a");
  auto stranger = *suite_.generate_signing_key();
  ReleaseStore other(*db_, *blobs_, suite_, stranger, {stranger.public_key}, {});
  auto loaded = other.load(a);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, "publish.manifest_untrusted");
}

TEST_F(ReleaseStoreTest, CommitWithAMissingBlobIsRefusedNamingThePath) {
  Manifest m = pages(site_, "m");
  m.entries[1].digest = suite_.hash("never stored");
  auto id = store_->commit(m, "full");
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code, "publish.blob_missing");
  EXPECT_NE(id.error().message.find("/p/1.html"), std::string::npos) << id.error().message;
  m = pages(site_, "m");
  m.entries[0].gzip = Variant{suite_.hash("no gzip"), 3};
  auto gz = store_->commit(m, "full");
  ASSERT_FALSE(gz);
  EXPECT_EQ(gz.error().code, "publish.blob_missing");
  auto list = store_->list(site_);
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
}

TEST_F(ReleaseStoreTest, RollbackToAReleaseWithAMissingBlobIsRefused) {
  const std::int64_t a = publish(site_, "only-in-a");
  publish(site_, "b");
  auto manifest = store_->load(a);
  ASSERT_TRUE(manifest);
  std::filesystem::remove(*blobs_->path_of(manifest->find("/p/2.html")->digest));
  auto s = store_->switch_live(site_, a, "cli:root", "go back");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "publish.blob_missing");
  EXPECT_NE(s.error().message.find("/p/2.html"), std::string::npos);
}

TEST_F(ReleaseStoreTest, BadCommitsAreRefused) {
  auto kind = store_->commit(pages(site_, "k"), "partial");
  ASSERT_FALSE(kind);
  EXPECT_EQ(kind.error().code, "publish.bad_input");
  auto unknown = store_->commit(pages(4242, "k"), "full");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, "publish.site_not_found");
  Manifest anonymous = pages(site_, "k");
  anonymous.created_by.clear();
  auto nobody = store_->commit(anonymous, "full");
  ASSERT_FALSE(nobody);
  EXPECT_EQ(nobody.error().code, "publish.bad_input");
  Manifest dup = pages(site_, "k");
  dup.entries[1].path = "/index.html";
  auto duplicate = store_->commit(dup, "full");
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, "publish.manifest_invalid");
}

TEST_F(ReleaseStoreTest, EverySwitchBumpsTheGenerationSeenByASecondMapping) {
  auto watcher = LiveGeneration::open(generation_file(dir_.path()));
  ASSERT_TRUE(watcher) << watcher.error().to_string();
  const std::uint64_t start = (*watcher)->current();
  const std::int64_t a = publish(site_, "a");
  EXPECT_EQ((*watcher)->current(), start + 1);
  publish(site_, "b");
  EXPECT_EQ((*watcher)->current(), start + 2);
  ASSERT_TRUE(store_->switch_live(site_, a, "cli:root", "back"));
  EXPECT_EQ((*watcher)->current(), start + 3);
  EXPECT_FALSE(store_->switch_live(site_, 9999, "cli:root", "refused"));
  EXPECT_EQ((*watcher)->current(), start + 3);  // a refused switch does not bump
  EXPECT_EQ((*watcher)->bump(), start + 4);
}

// Format 2 (issue 5): the store writes a manifest's entries as chunk blobs; an incremental commit on
// the live release writes only the chunks that changed and names the rest again; a changed or missing
// chunk makes the release unreadable (never read as fewer files), so it cannot be served or made live.
TEST_F(ReleaseStoreTest, ChunkedManifestsShareUnchangedChunksAndAChangedChunkIsRefused) {
  Manifest first = pages(site_, "v1", 400);
  Manifest committed_first;
  auto a = store_->commit(first, "full", ReleaseStore::CommitOptions{.committed = &committed_first});
  ASSERT_TRUE(a) << a.error().to_string();
  ASSERT_GT(committed_first.chunks.size(), 2u);
  auto document = blobs_->get(store_->get(*a)->manifest_digest);
  ASSERT_TRUE(document);
  EXPECT_TRUE(document->starts_with("{\"format\":2,"));
  auto loaded = store_->load(*a);
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  EXPECT_EQ(loaded->entries.size(), 400u);
  EXPECT_EQ(loaded->chunks, committed_first.chunks);

  // One page changed, built on the live release as the builder does.
  Manifest next = *loaded;
  next.chunks.clear();
  next.created_at.clear();
  next.base = store_->get(*a)->manifest_digest.to_string();
  const std::string bytes = "<p>page 7, corrected</p>";
  auto& seven = *std::find_if(next.entries.begin(), next.entries.end(),
                              [](const ManifestEntry& e) { return e.path == "/p/7.html"; });
  seven.digest = *blobs_->put(bytes);
  seven.size = bytes.size();
  Manifest committed_next;
  auto b = store_->commit(next, "incremental",
                          ReleaseStore::CommitOptions{.checked_base = &*loaded, .committed = &committed_next});
  ASSERT_TRUE(b) << b.error().to_string();
  std::size_t shared = 0;
  for (const auto& c : committed_next.chunks)
    shared += std::count(committed_first.chunks.begin(), committed_first.chunks.end(), c) > 0 ? 1 : 0;
  EXPECT_GE(shared + 2, committed_next.chunks.size()) << "only the changed page's chunk is new";
  EXPECT_LT(shared, committed_next.chunks.size());
  auto second = store_->load(*b);
  ASSERT_TRUE(second) << second.error().to_string();
  EXPECT_EQ(second->find("/p/7.html")->digest, seven.digest);
  EXPECT_EQ(second->entries.size(), 400u);

  // A chunk of release a that b does not share, defaced: a no longer loads or goes live; b is whole.
  const ManifestChunk* own = nullptr;
  for (const auto& c : committed_first.chunks)
    if (std::count(committed_next.chunks.begin(), committed_next.chunks.end(), c) == 0) own = &c;
  ASSERT_NE(own, nullptr);
  const auto own_path = *blobs_->path_of(own->digest);
  std::string chunk = *blobs_->get(own->digest);
  chunk.replace(chunk.find("\"size\":"), 8, "\"size\":1");
  overwrite(own_path, chunk);
  auto changed = store_->load(*a);
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().code, "store.blob_corrupt");
  auto s = store_->switch_live(site_, *a, "cli:root", "go back");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "store.blob_corrupt");
  EXPECT_TRUE(store_->load(*b));
  std::filesystem::remove(own_path);
  auto missing = store_->load(*a);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "store.blob_missing");
}

// Releases committed before format 2 (the entries in the signed document) still load.
TEST_F(ReleaseStoreTest, AFormatOneDocumentStillLoads) {
  Manifest m = pages(site_, "old", 5);
  m.created_at = "2026-11-26T10:00:00Z";
  auto document = sign_manifest(m, suite_, key_);
  ASSERT_TRUE(document);
  ASSERT_TRUE(document->starts_with("{\"format\":1,"));
  auto digest = blobs_->put(*document);
  ASSERT_TRUE(digest);
  auto loaded = store_->load_document(*digest);
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  EXPECT_EQ(loaded->entries.size(), 5u);
  EXPECT_TRUE(loaded->chunks.empty());
}

TEST(LiveGeneration, FileIsPrivateAndABadFileIsRefused) {
  store::testing::TempDir dir("sw_generation_");
  const auto file = generation_file(dir.path());
  auto g = LiveGeneration::open(file);
  ASSERT_TRUE(g) << g.error().to_string();
  EXPECT_EQ((*g)->current(), 0u);
  EXPECT_EQ(std::filesystem::file_size(file), 8u);
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_EQ(std::filesystem::status(file.parent_path()).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);
  const auto big = dir.path() / "big";
  std::ofstream(big) << "more than eight bytes";
  auto refused = LiveGeneration::open(big);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "publish.generation");
  const auto link = dir.path() / "link";
  std::filesystem::create_symlink(file, link);
  EXPECT_FALSE(LiveGeneration::open(link));
}

TEST_F(ReleaseStoreTest, LiveSitesListsOnlyLiveRegisterSitesWithCurrentHosts) {
  const std::int64_t a = publish(site_, "a");
  publish(other_site_, "x");
  ASSERT_TRUE(db_->exec("INSERT INTO site_domains (site_id, domain, added_at, added_by) VALUES (?, 'WWW.Example.ORG', "
                        "'2026-11-26T00:00:00Z', 'test')",
                        {site_}));
  ASSERT_TRUE(db_->exec("INSERT INTO site_domains (site_id, domain, added_at, added_by, removed_at, removed_by) "
                        "VALUES (?, 'old.jsgh.org', '2026-01-01T00:00:00Z', 'test', '2026-02-01T00:00:00Z', 'test')",
                        {site_}));
  ASSERT_TRUE(db_->exec("UPDATE sites SET state = 'suspended' WHERE id = ?", {other_site_}));
  auto sites = store_->live_sites();
  ASSERT_TRUE(sites) << sites.error().to_string();
  ASSERT_EQ(sites->size(), 1u);
  EXPECT_EQ((*sites)[0].site_id, site_);
  EXPECT_EQ((*sites)[0].release_id, a);
  EXPECT_EQ((*sites)[0].manifest_digest, store_->get(a)->manifest_digest);
  EXPECT_EQ((*sites)[0].hosts, (std::vector<std::string>{"www.example.org", "www.jsgh.org"}));
}

TEST_F(ReleaseStoreTest, RecoverRemovesStaleTempFilesAndKeepsBlobs) {
  const std::int64_t a = publish(site_, "a");
  auto manifest = store_->load(a);
  ASSERT_TRUE(manifest);
  const auto blob = *blobs_->path_of(manifest->entries[0].digest);
  const auto beside = blob.parent_path() / ("." + blob.filename().string() + ".tmp-0123abcd");
  std::ofstream(beside) << "half a blob";
  std::filesystem::create_directories(blobs_->root() / "tmp");
  const auto staged = blobs_->root() / "tmp" / "deadbeef";
  std::ofstream(staged) << "half a file";
  auto before = LiveGeneration::open(generation_file(dir_.path()));
  ASSERT_TRUE(before);
  const std::uint64_t generation = (*before)->current();

  ReleaseStore::Options patient;
  patient.generation_file = generation_file(dir_.path());  // default age: fresh temp files stay
  ReleaseStore careful(*db_, *blobs_, suite_, key_, trusted_, patient);
  ASSERT_TRUE(careful.recover());
  EXPECT_TRUE(std::filesystem::exists(beside));
  EXPECT_TRUE(std::filesystem::exists(staged));

  ASSERT_TRUE(store_->recover());  // age 0
  EXPECT_FALSE(std::filesystem::exists(beside));
  EXPECT_FALSE(std::filesystem::exists(staged));
  EXPECT_TRUE(std::filesystem::exists(blob));
  EXPECT_TRUE(blobs_->verify(manifest->entries[0].digest));
  EXPECT_GT((*before)->current(), generation);
  ASSERT_TRUE(store_->recover());  // idempotent
  EXPECT_TRUE(store_->load(a));
}

TEST_F(ReleaseStoreTest, UnsyncedBlobsAreWholeAndVerified) {
  auto digest = blobs_->put_unsynced("bulk page");
  ASSERT_TRUE(digest) << digest.error().to_string();
  EXPECT_EQ(*digest, suite_.hash("bulk page"));
  EXPECT_EQ(*blobs_->get(*digest), "bulk page");
  ASSERT_TRUE(blobs_->sync());
  overwrite(*blobs_->path_of(*digest), "tampered");
  auto again = blobs_->put_unsynced("bulk page");  // a corrupt copy is replaced
  ASSERT_TRUE(again);
  EXPECT_EQ(*blobs_->get(*digest), "bulk page");
}

}  // namespace
}  // namespace sw::publish
