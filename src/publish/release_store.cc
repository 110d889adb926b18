// ReleaseStore: releases, the live pointer and the switch history (release_store.h; SQL for the
// tables of migration 0010 lives here only).
#include "publish/release_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "base/log.h"
#include "registry/registry.h"

namespace sw::publish {
namespace {

constexpr std::string_view kFull = "full";
constexpr std::string_view kIncremental = "incremental";
constexpr std::string_view kSwitchPublish = "publish";
constexpr std::string_view kSwitchRollback = "rollback";
constexpr std::string_view kSwitchRollforward = "rollforward";
constexpr std::string_view kPublishReason = "publish";

constexpr std::string_view kReleaseColumns =
    "r.id, r.site_id, r.manifest_digest, r.created_at, r.created_by, r.kind, r.files, r.bytes, r.pruned_at, "
    "(l.release_id IS NOT NULL)";
constexpr std::string_view kReleaseFrom =
    " FROM releases r LEFT JOIN site_live_releases l ON l.site_id = r.site_id AND l.release_id = r.id ";

std::unexpected<Error> bad_input(std::string what) { return fail("publish.bad_input", std::move(what)); }

std::string release_query(std::string_view where) {
  return "SELECT " + std::string(kReleaseColumns) + std::string(kReleaseFrom) + std::string(where);
}

Result<ReleaseInfo> release_from_row(const store::Row& row) {
  ReleaseInfo r;
  r.id = row.integer(0);
  r.site_id = row.integer(1);
  SW_TRY(digest, store::BlobStore::parse_digest(row.text(2)));
  r.manifest_digest = std::move(digest);
  r.created_at = row.text(3);
  r.created_by = row.text(4);
  r.kind = row.text(5);
  r.files = static_cast<std::size_t>(row.integer(6));
  r.bytes = static_cast<std::uint64_t>(row.integer(7));
  r.pruned = !row.is_null(8);
  r.pruned_at = row.text(8);
  r.live = row.integer(9) != 0;
  return r;
}

Result<std::vector<ReleaseInfo>> releases_from_rows(const std::vector<store::Row>& rows) {
  std::vector<ReleaseInfo> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    SW_TRY(r, release_from_row(row));
    out.push_back(std::move(r));
  }
  return out;
}

Status check_actor_and_reason(std::string_view actor, std::string_view reason) {
  if (actor.empty() || actor.size() > kMaxActorBytes)
    return bad_input("the actor of a release switch must be 1.." + std::to_string(kMaxActorBytes) + " bytes");
  if (reason.empty() || reason.size() > kMaxReasonBytes)
    return bad_input("the reason for a release switch must be 1.." + std::to_string(kMaxReasonBytes) + " bytes");
  return ok();
}

std::string lowercase_ascii(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
  return text;
}

}  // namespace

ReleaseStore::ReleaseStore(store::Database& db, store::BlobStore& blobs, const crypto::Suite& suite,
                           crypto::SigningKey node_key, std::vector<crypto::PublicKey> trusted, Options options)
    : db_(&db),
      blobs_(&blobs),
      suite_(&suite),
      node_key_(std::move(node_key)),
      trusted_(std::move(trusted)),
      options_(std::move(options)) {
  if (options_.keep == 0) options_.keep = 1;
  if (options_.clock == nullptr) options_.clock = &system_clock();
}

// The generation file is opened on first need, so that a store whose file cannot be opened refuses
// to switch (before touching the database) instead of failing at construction.
Status ReleaseStore::open_generation() {
  if (generation_ || options_.generation_file.empty()) return ok();
  SW_TRY(generation, LiveGeneration::open(options_.generation_file));
  generation_ = std::move(generation);
  return ok();
}

Status ReleaseStore::bump_generation() {
  SW_CHECK(open_generation());
  if (generation_) generation_->bump();
  return ok();
}

// `checked`: entries equal to one of its entries are skipped (both sorted by path: one merge walk);
// so are those at `stored_paths` (CommitOptions::stored_paths).
Status ReleaseStore::check_blobs(const Manifest& manifest, const Manifest* checked,
                                 const std::set<std::string>* stored_paths) const {
  const auto missing = [&](const ManifestEntry& e, std::string_view form) {
    return fail("publish.blob_missing", "release of site " + std::to_string(manifest.site_id) + ": the " +
                                            std::string(form) + " bytes of \"" + e.path +
                                            "\" are not in the blob store");
  };
  auto known = checked ? checked->entries.begin() : std::vector<ManifestEntry>::const_iterator{};
  for (const auto& e : manifest.entries) {
    if (checked) {
      while (known != checked->entries.end() && known->path < e.path) ++known;
      if (known != checked->entries.end() && *known == e) continue;
    }
    if (stored_paths != nullptr && stored_paths->contains(e.path)) continue;
    if (!blobs_->contains(e.digest)) return missing(e, "identity");
    if (e.gzip && !blobs_->contains(e.gzip->digest)) return missing(e, "gzip");
    if (e.brotli && !blobs_->contains(e.brotli->digest)) return missing(e, "brotli");
  }
  return ok();
}

Status make_durable(std::span<const std::filesystem::path> files) {
  if (files.empty()) return ok();
  std::vector<std::filesystem::path> dirs;
  dirs.reserve(files.size());
  for (const std::filesystem::path& f : files) dirs.push_back(f.parent_path());
  std::ranges::sort(dirs);
  dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
  const auto sync_all = [](std::span<const std::filesystem::path> paths) -> Status {
    constexpr std::size_t kMaxThreads = 16;
    std::atomic<std::size_t> next{0};
    std::mutex mu;
    std::optional<Error> error;
    const auto work = [&] {
      for (std::size_t i = next++; i < paths.size(); i = next++) {
        const int fd = ::open(paths[i].c_str(), O_RDONLY | O_CLOEXEC);
        const bool synced = fd >= 0 && ::fsync(fd) == 0;
        if (fd >= 0) ::close(fd);
        if (!synced) {
          std::lock_guard lock(mu);
          if (!error) error = Error{"store.io", "cannot fsync " + paths[i].string()};
          return;
        }
      }
    };
    {
      std::vector<std::jthread> helpers;
      for (std::size_t t = 1; t < std::min(paths.size(), kMaxThreads); ++t) helpers.emplace_back(work);
      work();
    }
    if (error) return std::unexpected(*error);
    return ok();
  };
  SW_CHECK(sync_all(files));  // the files' data and their renames (one journal on ext4)
  return sync_all(dirs);      // the directory entries, wherever the filesystem keeps them apart
}

Result<std::int64_t> ReleaseStore::commit(Manifest manifest, std::string_view kind, const Manifest* checked_base) {
  return commit(std::move(manifest), kind, CommitOptions{.checked_base = checked_base});
}

Result<std::int64_t> ReleaseStore::commit(Manifest manifest, std::string_view kind, CommitOptions options) {
  const Manifest* checked_base = options.checked_base;
  if (kind != kFull && kind != kIncremental) return bad_input("release kind must be full or incremental");
  if (manifest.created_by.empty() || manifest.created_by.size() > kMaxActorBytes)
    return bad_input("a release needs who published it (created_by, 1.." + std::to_string(kMaxActorBytes) + " bytes)");
  if (manifest.created_at.empty()) manifest.created_at = format_rfc3339(options_.clock->now());
  SW_CHECK(manifest.normalise());
  if (checked_base && !manifest.base.empty()) {  // only a base that is the live release counts as checked
    SW_TRY(live_base, db_->query_one("SELECT r.manifest_digest FROM site_live_releases l JOIN releases r ON "
                                     "r.id = l.release_id WHERE l.site_id = ?",
                                     {manifest.site_id}));
    if (!live_base || live_base->text(0) != manifest.base || checked_base->site_id != manifest.site_id)
      checked_base = nullptr;
  } else {
    checked_base = nullptr;
  }
  const auto started = std::chrono::steady_clock::now();
  const auto ms_since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
  };
  SW_CHECK(check_blobs(manifest, checked_base, options.stored_paths));
  SW_CHECK(open_generation());
  SW_TRY(site, db_->query_one("SELECT id FROM sites WHERE id = ?", {manifest.site_id}));
  if (!site) return fail("publish.site_not_found", "no site " + std::to_string(manifest.site_id) + " to publish");
  const std::int64_t site_id = manifest.site_id;
  const std::string created_at = manifest.created_at;
  const std::string created_by = manifest.created_by;
  const auto files = static_cast<std::int64_t>(manifest.entries.size());
  const auto bytes = static_cast<std::int64_t>(manifest.total_bytes());
  // The document is a blob before the transaction, durable with every unsynced blob the manifest
  // names: a crash here leaves unnamed blobs, never a release row naming a missing one.
  const double checked_ms = ms_since(started);
  // Format 2: the entries in chunks (manifest.h). The chunks of the checked base (the live release,
  // whose blobs are present and kept) that hold the same entries are named again by digest; only the
  // changed ones are written, unsynced, made durable below with the document.
  std::size_t chunks_written = 0;
  std::size_t chunks_reused = 0;
  const auto write_chunk = [&](std::string_view bytes) -> Result<crypto::Digest> {
    SW_TRY(chunk, blobs_->put_unsynced(bytes));
    SW_TRY(chunk_path, blobs_->path_of(chunk));
    options.unsynced.push_back(std::move(chunk_path));
    ++chunks_written;
    return chunk;
  };
  SW_TRY(document, sign_chunked_manifest(manifest, checked_base, *suite_, node_key_, write_chunk, &chunks_reused));
  if (chunks_reused > 0) {  // cheap (one stat each): a reused chunk must still be in the store
    for (const ManifestChunk& c : manifest.chunks)
      if (!blobs_->contains(c.digest))
        return fail("publish.blob_missing", "release of site " + std::to_string(manifest.site_id) +
                                                ": the manifest chunk " + c.digest.to_string() +
                                                " is not in the blob store");
  }
  const double signed_ms = ms_since(started);
  SW_TRY(digest, blobs_->put_unsynced(document));
  SW_TRY(document_path, blobs_->path_of(digest));
  options.unsynced.push_back(std::move(document_path));
  const double stored_ms = ms_since(started);
  SW_CHECK(make_durable(options.unsynced));
  const double durable_ms = ms_since(started);

  const std::string now = format_rfc3339(options_.clock->now());
  SW_TRY(tx, db_->begin());
  SW_CHECK(db_->exec(
      "INSERT INTO releases (site_id, manifest_digest, created_at, created_by, kind, files, bytes) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)",
      {site_id, digest.to_string(), created_at, created_by, std::string(kind), files, bytes}));
  const std::int64_t id = db_->last_insert_id();
  SW_TRY(previous, db_->query_one("SELECT l.release_id, r.manifest_digest FROM site_live_releases l "
                                  "JOIN releases r ON r.id = l.release_id WHERE l.site_id = ?",
                                  {site_id}));
  // Compare and swap: a release built on a base goes live only over that base. Another publish or a
  // rollback that switched the site meanwhile is not silently undone; the caller builds again.
  if (!manifest.base.empty() && (!previous || previous->text(1) != manifest.base)) {
    return fail("publish.base_changed", "the live release of site " + std::to_string(site_id) +
                                            " changed while this release was built on " + manifest.base +
                                            " (another publish or a rollback): nothing was switched; publish again");
  }
  const store::Value from = previous ? store::Value{previous->integer(0)} : store::Value{};
  SW_CHECK(db_->exec(
      "INSERT INTO site_live_releases (site_id, release_id, switched_at, switched_by) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (site_id) DO UPDATE SET release_id = excluded.release_id, switched_at = excluded.switched_at, "
      "switched_by = excluded.switched_by",
      {site_id, id, now, created_by}));
  SW_CHECK(db_->exec(
      "INSERT INTO release_switches (site_id, from_release, to_release, switched_at, switched_by, reason, kind) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)",
      {site_id, from, id, now, created_by, std::string(kPublishReason), std::string(kSwitchPublish)}));
  // Prune: the newest `keep` unpruned releases stay, and the live one (just made live) always.
  SW_CHECK(db_->exec(
      "UPDATE releases SET pruned_at = ? WHERE site_id = ? AND pruned_at IS NULL AND id <> ? AND id NOT IN "
      "(SELECT id FROM releases WHERE site_id = ? AND pruned_at IS NULL ORDER BY id DESC LIMIT ?)",
      {now, site_id, id, site_id, static_cast<std::int64_t>(options_.keep)}));
  SW_CHECK(tx.commit());
  SW_CHECK(bump_generation());
  // Where a commit's time goes (cumulative milliseconds), for "publish.timing"'s build phase.
  log::debug("publish.commit_timing", {{"release", id},
                                       {"files", files},
                                       {"synced", options.unsynced.size()},
                                       {"chunks_written", chunks_written},
                                       {"chunks_reused", chunks_reused},
                                       {"checked_ms", checked_ms},
                                       {"signed_ms", signed_ms},
                                       {"stored_ms", stored_ms},
                                       {"durable_ms", durable_ms},
                                       {"switched_ms", ms_since(started)}});
  if (options.committed) *options.committed = std::move(manifest);
  return id;
}

Status ReleaseStore::switch_live(std::int64_t site_id, std::int64_t release_id, std::string_view actor,
                                 std::string_view reason) {
  SW_CHECK(check_actor_and_reason(actor, reason));
  SW_TRY(release, get(release_id));
  if (release.site_id != site_id)
    return fail("publish.wrong_site", "release " + std::to_string(release_id) + " belongs to site " +
                                          std::to_string(release.site_id) + ", not site " + std::to_string(site_id));
  if (release.pruned)
    return fail("publish.release_pruned", "release " + std::to_string(release_id) + " was pruned at " +
                                              release.pruned_at + " and can no longer be made live");
  if (release.live)
    return fail("publish.already_live", "release " + std::to_string(release_id) + " is already live for site " +
                                            std::to_string(site_id));
  SW_TRY(manifest, load(release_id));
  SW_CHECK(check_blobs(manifest));
  SW_CHECK(open_generation());

  const std::string now = format_rfc3339(options_.clock->now());
  SW_TRY(tx, db_->begin());
  // Checked again under the write lock: a concurrent publish may have pruned it meanwhile.
  SW_TRY(still, db_->query_one("SELECT pruned_at IS NULL FROM releases WHERE id = ?", {release_id}));
  if (!still || still->integer(0) == 0)
    return fail("publish.release_pruned", "release " + std::to_string(release_id) + " was pruned meanwhile");
  SW_TRY(previous, db_->query_one("SELECT release_id FROM site_live_releases WHERE site_id = ?", {site_id}));
  const store::Value from = previous ? store::Value{previous->integer(0)} : store::Value{};
  SW_CHECK(db_->exec(
      "INSERT INTO site_live_releases (site_id, release_id, switched_at, switched_by) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (site_id) DO UPDATE SET release_id = excluded.release_id, switched_at = excluded.switched_at, "
      "switched_by = excluded.switched_by",
      {site_id, release_id, now, std::string(actor)}));
  SW_CHECK(db_->exec(
      "INSERT INTO release_switches (site_id, from_release, to_release, switched_at, switched_by, reason, kind) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)",
      {site_id, from, release_id, now, std::string(actor), std::string(reason),
       std::string(previous && previous->integer(0) < release_id ? kSwitchRollforward : kSwitchRollback)}));
  SW_CHECK(tx.commit());
  return bump_generation();
}

Result<std::optional<ReleaseInfo>> ReleaseStore::live(std::int64_t site_id) {
  SW_TRY(row, db_->query_one("SELECT " + std::string(kReleaseColumns) +
                                 " FROM site_live_releases l JOIN releases r ON r.id = l.release_id WHERE l.site_id = ?",
                             {site_id}));
  if (!row) return std::optional<ReleaseInfo>{};
  SW_TRY(r, release_from_row(*row));
  return std::optional<ReleaseInfo>{std::move(r)};
}

Result<std::vector<ReleaseInfo>> ReleaseStore::list(std::int64_t site_id) {
  SW_TRY(rows, db_->query(release_query("WHERE r.site_id = ? ORDER BY r.id DESC"), {site_id}));
  return releases_from_rows(rows);
}

Result<ReleaseInfo> ReleaseStore::get(std::int64_t release_id) {
  SW_TRY(row, db_->query_one(release_query("WHERE r.id = ?"), {release_id}));
  if (!row) return fail("publish.release_not_found", "no release " + std::to_string(release_id));
  return release_from_row(*row);
}

Result<std::vector<ReleaseSwitch>> ReleaseStore::history(std::int64_t site_id) {
  SW_TRY(rows, db_->query("SELECT id, site_id, from_release, to_release, switched_at, switched_by, reason, kind "
                          "FROM release_switches WHERE site_id = ? ORDER BY id DESC",
                          {site_id}));
  std::vector<ReleaseSwitch> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    ReleaseSwitch s{row.integer(0), row.integer(1), std::nullopt, row.integer(3), row.text(4), row.text(5),
                    row.text(6), row.text(7)};
    if (!row.is_null(2)) s.from_release = row.integer(2);
    out.push_back(std::move(s));
  }
  return out;
}

Result<Manifest> ReleaseStore::load(std::int64_t release_id) {
  SW_TRY(release, get(release_id));
  SW_TRY(manifest, load_document(release.manifest_digest));
  if (manifest.site_id != release.site_id)
    return fail("publish.wrong_site", "the manifest of release " + std::to_string(release_id) + " names site " +
                                          std::to_string(manifest.site_id) + ", not its own site " +
                                          std::to_string(release.site_id));
  return manifest;
}

Result<Manifest> ReleaseStore::load_document(const crypto::Digest& manifest_digest) {
  return load_manifest(*blobs_, manifest_digest, trusted_);
}

Result<Manifest> load_manifest(const store::BlobStore& blobs, const crypto::Digest& manifest_digest,
                               std::span<const crypto::PublicKey> trusted) {
  SW_TRY(document, blobs.get(manifest_digest));  // re-hashed: a changed document is "store.blob_corrupt"
  return verify_manifest(document, trusted, [&](const crypto::Digest& chunk) { return blobs.get(chunk); });
}

// N7.1: only sites in the register's `live` state are served; an application, an approved site
// not yet opened, a suspended or a closed site keeps its releases but is not routed.
Result<std::vector<LiveSite>> ReleaseStore::live_sites() {
  SW_TRY(rows, db_->query("SELECT l.site_id, l.release_id, r.manifest_digest, d.domain "
                          "FROM site_live_releases l JOIN releases r ON r.id = l.release_id "
                          "JOIN sites s ON s.id = l.site_id "
                          "LEFT JOIN site_domains d ON d.site_id = l.site_id AND d.removed_at IS NULL "
                          "WHERE s.state = ? ORDER BY l.site_id, d.domain",
                          {std::string(registry::to_string(registry::SiteState::live))}));
  std::vector<LiveSite> out;
  for (const auto& row : rows) {
    if (out.empty() || out.back().site_id != row.integer(0)) {
      SW_TRY(digest, store::BlobStore::parse_digest(row.text(2)));
      out.push_back(LiveSite{row.integer(0), {}, row.integer(1), std::move(digest)});
    }
    if (!row.is_null(3)) out.back().hosts.push_back(lowercase_ascii(row.text(3)));
  }
  return out;
}

ReleaseStore::Options release_store_options(const PublishConfig& config, const std::filesystem::path& data_dir) {
  ReleaseStore::Options options;
  options.keep = static_cast<std::size_t>(std::max<std::int64_t>(config.keep_releases, 1));
  options.generation_file = generation_file(data_dir);
  return options;
}

Status ReleaseStore::recover() {
  SW_CHECK(blobs_->remove_temp_files(options_.stale_temp_age));
  return bump_generation();
}

}  // namespace sw::publish
