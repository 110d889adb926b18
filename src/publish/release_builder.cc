// ReleaseBuilder: blobs, precompressed variants on worker threads, then one commit (release_builder.h).
#include "publish/release_builder.h"

#include <brotli/encode.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "publish/compress.h"

namespace sw::publish {
namespace {

constexpr std::string_view kFull = "full";
constexpr std::string_view kIncremental = "incremental";

constexpr std::array<std::string_view, 13> kCompressibleTypes = {
    "text/html",          "text/css",          "text/plain",           "text/xml",
    "text/javascript",    "application/javascript", "application/json", "application/xml",
    "image/svg+xml",      "application/rss+xml",    "application/atom+xml", "application/manifest+json",
    "application/ld+json"};

std::unexpected<Error> bad_input(std::string what) { return fail("publish.bad_input", std::move(what)); }

std::string media_type(std::string_view content_type) {
  std::string type(content_type.substr(0, content_type.find(';')));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
  return type;
}

}  // namespace

bool worth_brotli(std::uint64_t brotli_size, std::uint64_t fallback_size) {
  // brotli_size <= 97 % of fallback_size, in integers (sizes are far below 2^57).
  return brotli_size * 100 <= fallback_size * (100 - kMinBrotliGainPercent);
}

int brotli_quality_for(std::size_t size, int configured) {
  if (size >= (std::size_t{1} << 20)) return std::min(configured, 5);
  if (size >= (std::size_t{128} << 10)) return std::min(configured, 7);
  return configured;
}

bool is_compressible(std::string_view content_type) {
  const std::string type = media_type(content_type);
  return std::find(kCompressibleTypes.begin(), kCompressibleTypes.end(), type) != kCompressibleTypes.end();
}

Result<std::unique_ptr<ReleaseBuilder>> ReleaseBuilder::start(ReleaseStore& releases, store::BlobStore& blobs,
                                                              Plan plan, Options options) {
  if (options.gzip_level < 1 || options.gzip_level > 9) return bad_input("gzip level must be 1..9");
  if (options.brotli_quality < BROTLI_MIN_QUALITY || options.brotli_quality > BROTLI_MAX_QUALITY)
    return bad_input("brotli quality must be 0..11");
  if (options.threads == 0 || options.max_queued_files == 0)
    return bad_input("a release build needs at least one worker thread and one queued file");
  if (plan.created_by.empty() || plan.created_by.size() > kMaxActorBytes)
    return bad_input("a release build needs who publishes it (1.." + std::to_string(kMaxActorBytes) + " bytes)");
  std::unique_ptr<ReleaseBuilder> builder(new ReleaseBuilder(releases, blobs, std::move(plan), options));
  if (builder->plan_.base_release) {
    SW_TRY(info, releases.get(*builder->plan_.base_release));
    if (info.site_id != builder->plan_.site_id)
      return fail("publish.wrong_site", "base release " + std::to_string(info.id) + " belongs to site " +
                                            std::to_string(info.site_id) + ", not site " +
                                            std::to_string(builder->plan_.site_id));
    Manifest manifest;
    if (builder->plan_.base_manifest) {
      manifest = std::move(*builder->plan_.base_manifest);
      builder->plan_.base_manifest.reset();
      if (manifest.site_id != info.site_id)
        return fail("publish.wrong_site", "the base manifest given is not release " + std::to_string(info.id) + "'s");
    } else {
      SW_TRY(loaded, releases.load(info.id));
      manifest = std::move(loaded);
    }
    builder->base_digest_ = info.manifest_digest.to_string();
    for (const auto& e : manifest.entries)
      if (e.gzip || e.brotli) builder->base_variants_[e.digest.to_string()] = {e.gzip, e.brotli};
    builder->base_ = std::move(manifest);
  }
  for (std::size_t i = 0; i < options.threads; ++i) builder->workers_.emplace_back([b = builder.get()] { b->work(); });
  if (!builder->base_) {
    builder->flusher_ = std::jthread([b = builder.get()](std::stop_token stop) { b->flush_while_building(stop); });
  }
  return builder;
}

ReleaseBuilder::ReleaseBuilder(ReleaseStore& releases, store::BlobStore& blobs, Plan plan, Options options)
    : releases_(&releases), blobs_(&blobs), plan_(std::move(plan)), options_(options) {}

ReleaseBuilder::~ReleaseBuilder() { stop_workers(); }

void ReleaseBuilder::stop_workers() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  work_ready_.notify_all();
  room_.notify_all();
  for (auto& w : workers_)
    if (w.joinable()) w.join();
  if (flusher_.joinable()) {
    flusher_.request_stop();  // wakes its wait at once
    flusher_.join();
  }
}

// A full build writes its blobs unsynced and syncs the store once at commit (store()). Waiting then
// for all of them (~80 MB for 10,000 pages) is time the commit spends idle, so while the build
// renders and compresses, every kFlushBytes written are synced in the background: the commit's sync
// finds most already on disk. Only earlier: what is durable is decided by the commit's sync alone,
// so a failure here is left for it to report.
void ReleaseBuilder::flush_while_building(std::stop_token stop) {
  constexpr std::size_t kFlushBytes = std::size_t{16} << 20;
  constexpr auto kPoll = std::chrono::milliseconds(100);
  std::mutex mu;
  std::condition_variable_any wake;  // only ever woken by the stop request
  std::unique_lock lock(mu);
  while (!wake.wait_for(lock, stop, kPoll, [] { return false; }) && !stop.stop_requested()) {
    if (unflushed_bytes_.load(std::memory_order_relaxed) < kFlushBytes) continue;
    unflushed_bytes_.store(0, std::memory_order_relaxed);
    (void)blobs_->sync();
  }
}

Status ReleaseBuilder::first_error() const {
  if (error_) return std::unexpected(*error_);
  return ok();
}

Status ReleaseBuilder::add(ReleaseFile file) {
  if (committed_) return bad_input("the release was already committed");
  SW_CHECK(check_path(file.path));
  if (file.blob && !file.bytes.empty())
    return bad_input("\"" + file.path + "\" gives both bytes and a blob; give one");
  if (file.content_type.empty()) return bad_input("\"" + file.path + "\" has no content type");
  if (file.blob && !blobs_->contains(*file.blob))
    return fail("publish.blob_missing", "\"" + file.path + "\" names blob " + file.blob->to_string() +
                                            ", which is not in the blob store");
  std::unique_lock lock(mutex_);
  if (!added_paths_.insert(file.path).second)
    return fail("publish.manifest_invalid", "release manifest: path \"" + file.path + "\" added twice");
  room_.wait(lock, [&] { return error_ || queue_.size() < options_.max_queued_files; });
  SW_CHECK(first_error());
  ++stats_.files_added;
  stats_.bytes_added += file.blob ? 0 : file.bytes.size();
  queue_.push_back(Job{std::move(file)});
  lock.unlock();
  work_ready_.notify_one();
  return ok();
}

Status ReleaseBuilder::remove(std::string_view path) {
  if (!base_) return bad_input("remove(\"" + std::string(path) + "\") needs a base release (an incremental build)");
  if (base_->find(path) == nullptr)
    return fail("publish.not_in_base", "the base release holds no \"" + std::string(path) + "\" to remove");
  if (!removed_paths_.insert(std::string(path)).second) return ok();
  std::lock_guard lock(mutex_);
  ++stats_.files_removed;
  return ok();
}

void ReleaseBuilder::work() {
  for (;;) {
    std::unique_lock lock(mutex_);
    work_ready_.wait(lock, [&] { return closing_ || !queue_.empty(); });
    if (queue_.empty() || error_) {
      if (closing_) return;
      queue_.clear();
      lock.unlock();
      room_.notify_all();  // producers waiting for room see the error
      continue;
    }
    Job job = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
    lock.unlock();
    // One slot more: one waiting add() may go on (a bounded buffer's notify_one per pop and per push;
    // broadcasting every change woke every thread for each of ~10,000 files).
    room_.notify_one();
    auto entry = build_entry(std::move(job.file));
    lock.lock();
    --busy_;
    const bool failed = !entry && !error_;
    if (failed) error_ = entry.error();
    if (entry) built_.push_back(std::move(*entry));
    lock.unlock();
    if (failed) room_.notify_all();
  }
}

// An incremental build stores few files: they are made durable at commit, all at once with the signed
// document (ReleaseStore::CommitOptions::unsynced, make_durable: concurrent fsyncs of just those files
// and their directories), instead of one syncfs of the whole filesystem, which also waits for every
// other writer's dirty pages, or one fsync after another. A full build stores thousands: unsynced,
// then one syncfs.
Result<crypto::Digest> ReleaseBuilder::store(std::string_view bytes) {
  constexpr unsigned kNewInARow = 4;  // a first publish writes all new blobs, a republish almost none
  bool written = false;
  SW_TRY(digest, blobs_->put_unsynced(bytes, new_in_a_row_.load(std::memory_order_relaxed) >= kNewInARow, &written));
  if (written) {
    new_in_a_row_.fetch_add(1, std::memory_order_relaxed);
    unflushed_bytes_.fetch_add(bytes.size(), std::memory_order_relaxed);
  } else {
    new_in_a_row_.store(0, std::memory_order_relaxed);
  }
  if (base_) {
    SW_TRY(path, blobs_->path_of(digest));
    std::lock_guard lock(mutex_);
    unsynced_.push_back(std::move(path));
  }
  return digest;
}

Result<ManifestEntry> ReleaseBuilder::build_entry(ReleaseFile file) {
  ManifestEntry entry;
  entry.path = std::move(file.path);
  entry.content_type = std::move(file.content_type);
  const bool compressible = is_compressible(entry.content_type);
  std::string bytes;
  if (file.blob) {
    entry.digest = *file.blob;
    SW_TRY(path, blobs_->path_of(entry.digest));
    std::error_code ec;
    entry.size = std::filesystem::file_size(path, ec);
    if (ec) return fail("publish.blob_missing", "blob " + entry.digest.to_string() + " of \"" + entry.path + "\" vanished");
    // Only read (and re-hash) an existing blob when it is to be compressed.
    if (compressible && entry.size >= options_.min_compress_bytes && entry.size <= options_.max_compress_bytes &&
        !base_variants_.contains(entry.digest.to_string())) {
      SW_TRY(content, blobs_->get(entry.digest, options_.max_compress_bytes));
      bytes = std::move(content);
    }
  } else {
    SW_TRY(digest, store(file.bytes));
    entry.digest = std::move(digest);
    entry.size = file.bytes.size();
    bytes = std::move(file.bytes);
  }
  // Unchanged bytes: the base's variants are reused, nothing is compressed again.
  if (const auto it = base_variants_.find(entry.digest.to_string()); it != base_variants_.end()) {
    entry.gzip = it->second.first;
    entry.brotli = it->second.second;
    std::lock_guard lock(mutex_);
    stats_.variants_reused += (entry.gzip ? 1 : 0) + (entry.brotli ? 1 : 0);
    return entry;
  }
  if (compressible && entry.size >= options_.min_compress_bytes && entry.size <= options_.max_compress_bytes &&
      bytes.size() == entry.size)
    SW_CHECK(compress_into(entry, bytes));
  return entry;
}

// N7.1 still holds for variants: each is a blob named by its own digest in the signed manifest.
Status ReleaseBuilder::compress_into(ManifestEntry& entry, std::string_view bytes) {
  SW_TRY(gz, gzip_compress(bytes, options_.gzip_level));
  if (gz.size() < bytes.size()) {
    SW_TRY(digest, store(gz));
    entry.gzip = Variant{std::move(digest), gz.size()};
  }
  SW_TRY(br, brotli_compress(bytes, brotli_quality_for(bytes.size(), options_.brotli_quality)));
  if (worth_brotli(br.size(), entry.gzip ? entry.gzip->size : bytes.size())) {
    SW_TRY(digest, store(br));
    entry.brotli = Variant{std::move(digest), br.size()};
  }
  std::lock_guard lock(mutex_);
  stats_.compressions += 2;
  return ok();
}

Result<std::int64_t> ReleaseBuilder::commit() {
  if (committed_) return bad_input("the release was already committed");
  committed_ = true;
  stop_workers();
  SW_CHECK(first_error());
  // Crash safety (power loss too): every blob is durable before the release that names it commits
  // (an incremental build synced each as it stored it, see store()).
  if (!base_) SW_CHECK(blobs_->sync());
  Manifest manifest;
  manifest.site_id = plan_.site_id;
  manifest.created_by = plan_.created_by;
  manifest.base = base_digest_;
  manifest.entries = std::move(built_);
  if (base_) {
    for (auto& e : base_->entries) {
      if (added_paths_.contains(e.path) || removed_paths_.contains(e.path)) continue;
      manifest.entries.push_back(e);
    }
    std::lock_guard lock(mutex_);
    stats_.files_carried = manifest.entries.size() - stats_.files_added;
  }
  ReleaseStore::CommitOptions commit_options{.checked_base = base_ ? &*base_ : nullptr,
                                             .unsynced = std::move(unsynced_),
                                             .committed = &committed_manifest_,
                                             .stored_paths = &added_paths_};
  SW_TRY(id, releases_->commit(std::move(manifest), base_ ? kIncremental : kFull, std::move(commit_options)));
  has_committed_ = true;
  return id;
}

std::optional<Manifest> ReleaseBuilder::take_committed_manifest() {
  if (!has_committed_) return std::nullopt;
  has_committed_ = false;
  return std::optional<Manifest>(std::move(committed_manifest_));
}

BuildStats ReleaseBuilder::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace sw::publish
