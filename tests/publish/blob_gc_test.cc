// Blob garbage collection (publish/blob_gc.h; issue 5 housekeeping, N7.1): what a collection removes
// and, above all, what it never removes.
#include "publish/blob_gc.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "release_fixture.h"

namespace sw::publish::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;

class BlobGcTest : public ReleaseFixture {
 protected:
  // Every file of the store modified `age` ago, as if written then.
  void age_store(std::chrono::seconds age) {
    const auto when = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - age);
    const timespec times[2] = {{when, 0}, {when, 0}};
    for (const auto& e : fs::recursive_directory_iterator(blobs_->root()))
      if (e.is_regular_file()) {
        ASSERT_EQ(::utimensat(AT_FDCWD, e.path().c_str(), times, AT_SYMLINK_NOFOLLOW), 0);
      }
  }

  // A manifest of `tag`'s own pages plus one page every release shares.
  Manifest with_shared(const std::string& tag) {
    Manifest m = pages(site_, tag, 2);
    const std::string bytes = "<p>the shared about page</p>";
    ManifestEntry e;
    e.path = "/about.html";
    e.content_type = "text/html; charset=utf-8";
    e.size = bytes.size();
    e.digest = *blobs_->put(bytes);
    e.gzip = Variant{*blobs_->put("gz:" + tag), 3 + tag.size()};  // a variant unique to the release
    m.entries.push_back(e);
    return m;
  }

  std::int64_t commit(const std::string& tag) {
    auto id = store_->commit(with_shared(tag), "full");
    EXPECT_TRUE(id) << id.error().to_string();
    return id.value_or(0);
  }

  Result<BlobGcReport> collect(bool dry_run = false) {
    return collect_blob_garbage(*db_, *blobs_, trusted_, BlobGcOptions{hours(1), dry_run});
  }

  // Whether every blob `manifest` names is in the store.
  bool whole(const Manifest& m) {
    for (const auto& e : m.entries)
      if (!blobs_->contains(e.digest) || (e.gzip && !blobs_->contains(e.gzip->digest))) return false;
    return true;
  }
  bool none(const Manifest& m, const crypto::Digest& except) {
    for (const auto& e : m.entries) {
      if (e.digest != except && blobs_->contains(e.digest)) return false;
      if (e.gzip && blobs_->contains(e.gzip->digest)) return false;
    }
    return true;
  }
};

TEST_F(BlobGcTest, APrunedReleasesOwnBlobsGoAndSharedOnesStay) {
  const std::int64_t first = commit("1");  // keep 3: pruned by the fourth
  const Manifest first_manifest = *store_->load(first);
  const crypto::Digest first_document = store_->get(first)->manifest_digest;
  for (const char* tag : {"2", "3", "4"}) commit(tag);
  ASSERT_TRUE(store_->get(first)->pruned);
  age_store(hours(2));

  auto report = collect();
  ASSERT_TRUE(report) << report.error().to_string();
  const crypto::Digest shared = first_manifest.find("/about.html")->digest;
  EXPECT_TRUE(none(first_manifest, shared)) << "the pruned release's own pages and variant are gone";
  EXPECT_FALSE(blobs_->contains(first_document));
  EXPECT_TRUE(blobs_->contains(shared)) << "the page the kept releases share stays";
  // two pages, one variant, the manifest document and its one chunk (format 2: the kept releases'
  // chunks are marked, so each of them still loads below)
  EXPECT_EQ(report->sweep.removed, 5u);
  ASSERT_EQ(first_manifest.chunks.size(), 1u);
  EXPECT_FALSE(blobs_->contains(first_manifest.chunks[0].digest));
  EXPECT_GT(report->sweep.removed_bytes, 0u);
  auto releases = store_->list(site_);
  ASSERT_TRUE(releases);
  for (const auto& r : *releases) {
    if (r.pruned) continue;
    auto m = store_->load(r.id);
    ASSERT_TRUE(m) << m.error().to_string();
    EXPECT_TRUE(whole(*m)) << "release " << r.id;
  }
  EXPECT_EQ(collect()->sweep.removed, 0u) << "a second run finds nothing more";
}

TEST_F(BlobGcTest, ADryRunRemovesNothing) {
  const std::int64_t first = commit("1");
  for (const char* tag : {"2", "3", "4"}) commit(tag);
  const Manifest first_manifest = *store_->load(first);
  age_store(hours(2));
  auto report = collect(/*dry_run=*/true);
  ASSERT_TRUE(report) << report.error().to_string();
  EXPECT_TRUE(report->dry_run);
  EXPECT_EQ(report->sweep.removed, 5u);  // what would go (pages, variant, document, its chunk)
  EXPECT_TRUE(whole(first_manifest));
  EXPECT_TRUE(blobs_->contains(store_->get(first)->manifest_digest));
}

TEST_F(BlobGcTest, AFreshUnreferencedBlobStaysWithinTheGrace) {
  commit("1");
  age_store(hours(2));
  const auto in_flight = *blobs_->put("a page a running publish has just written");
  auto report = collect();
  ASSERT_TRUE(report) << report.error().to_string();
  EXPECT_TRUE(blobs_->contains(in_flight));
  EXPECT_EQ(report->sweep.kept_young, 1u);
  EXPECT_EQ(report->sweep.removed, 0u);
}

TEST_F(BlobGcTest, AttachmentsLogosAndMirrorsKeepTheirBlobs) {
  const std::int64_t first = commit("1");
  const Manifest first_manifest = *store_->load(first);
  const crypto::Digest first_document = store_->get(first)->manifest_digest;
  for (const char* tag : {"2", "3", "4"}) commit(tag);
  const auto attachment = *blobs_->put("%PDF- an attachment of an article version");
  const auto logo = *blobs_->put("\x89PNG a site's logo");
  // The rows as their owners write them (content, SiteLooks, Mirrors); the article rows they hang
  // from are not this test's subject.
  ASSERT_TRUE(db_->exec_script("PRAGMA foreign_keys = OFF"));
  ASSERT_TRUE(db_->exec("INSERT INTO article_attachments (article_id, version_n, position, file_name, blob_hash, "
                        "size_bytes, detected_type, mime, warnings_json, added_by, added_at) "
                        "VALUES (1, 1, 0, 'report.pdf', ?, 10, 'pdf', 'application/pdf', '[]', 'user:1', "
                        "'2026-11-26T00:00:00Z')",
                        {attachment.to_string()}));
  ASSERT_TRUE(db_->exec("INSERT INTO site_looks (site_id, primary_colour, logo_digest, logo_type, logo_size, set_by, "
                        "set_at) VALUES (?, '#c00000', ?, 'image/png', 10, 'user:1', '2026-11-26T00:00:00Z')",
                        {site_, logo.to_string()}));
  // A mirror still held to the pruned first release: the watcher restores its root from those blobs.
  ASSERT_TRUE(db_->exec("INSERT INTO mirrors (site_id, root, release_id, manifest_digest, file_mode, dir_mode, "
                        "created_at, created_by, updated_at) VALUES (?, '/srv/www/jsgh', ?, ?, 420, 493, "
                        "'2026-11-26T00:00:00Z', 'cli:root', '2026-11-26T00:00:00Z')",
                        {site_, first, first_document.to_string()}));
  age_store(hours(2));
  auto report = collect();
  ASSERT_TRUE(report) << report.error().to_string();
  EXPECT_TRUE(blobs_->contains(attachment));
  EXPECT_TRUE(blobs_->contains(logo));
  EXPECT_TRUE(whole(first_manifest)) << "the mirror's release stays whole though pruned";
  EXPECT_TRUE(blobs_->contains(first_document));
  EXPECT_EQ(report->sweep.removed, 0u);
}

TEST_F(BlobGcTest, AColumnItDoesNotKnowStopsItBeforeRemovingAnything) {
  const std::int64_t first = commit("1");
  for (const char* tag : {"2", "3", "4"}) commit(tag);
  const Manifest first_manifest = *store_->load(first);
  ASSERT_TRUE(db_->exec_script("CREATE TABLE future_feature (id INTEGER PRIMARY KEY, banner_digest TEXT)"));
  age_store(hours(2));
  auto report = collect();
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, "publish.gc_unknown_reference");
  EXPECT_NE(report.error().message.find("future_feature.banner_digest"), std::string::npos) << report.error().message;
  EXPECT_TRUE(whole(first_manifest));
}

TEST_F(BlobGcTest, AKeptReleaseWhoseManifestCannotBeReadStopsIt) {
  const std::int64_t first = commit("1");
  const std::int64_t second = commit("2");
  const Manifest first_manifest = *store_->load(first);
  const fs::path document = *blobs_->path_of(store_->get(second)->manifest_digest);
  fs::permissions(document, fs::perms::owner_write, fs::perm_options::add);
  std::ofstream(document, std::ios::binary | std::ios::trunc) << "{\"not\":\"a manifest\"}";
  age_store(hours(2));
  auto report = collect();
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, "publish.gc_unreadable_manifest");
  EXPECT_NE(report.error().message.find("release " + std::to_string(second)), std::string::npos);
  EXPECT_TRUE(whole(first_manifest));
}

TEST_F(BlobGcTest, TheReportBecomesAuditDetails) {
  commit("1");
  auto report = collect(/*dry_run=*/true);
  ASSERT_TRUE(report) << report.error().to_string();
  const auto details = blob_gc_details(*report);
  for (const char* key : {"dry_run", "referenced", "blobs", "removed", "removed_bytes", "kept_young", "foreign"})
    EXPECT_TRUE(details.contains(key)) << key;
  EXPECT_EQ(details["referenced"], report->referenced);
}

}  // namespace
}  // namespace sw::publish::testing
