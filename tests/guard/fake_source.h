// A ReleaseSource held in memory for the guard tests: releases are built from (path, bytes) pairs,
// blobs live in a map the test can tamper with, and the generation is bumped by hand.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>

#include "base/crypto.h"
#include "guard/release_source.h"

namespace sw::guard::testing {

struct FakeFile {
  std::string path;
  std::string bytes;
  std::string content_type = "text/html; charset=utf-8";
  std::string gzip;    // stored form, empty: none
  std::string brotli;  // stored form, empty: none
};

class FakeSource : public ReleaseSource {
 public:
  explicit FakeSource(crypto::SuiteId suite = crypto::SuiteId::intl) : suite_(crypto::suite(suite)) {}

  // Makes `files` the live release of `site_id` (served at `hosts`) and bumps the generation unless
  // `bump` is false. Returns the release id.
  std::int64_t publish(std::int64_t site_id, std::vector<std::string> hosts, const std::vector<FakeFile>& files,
                       std::string created_at = "2026-11-01T08:00:00Z", bool bump = true) {
    auto m = std::make_shared<publish::Manifest>();
    m->site_id = site_id;
    m->created_at = std::move(created_at);
    m->created_by = "test";
    for (const FakeFile& f : files) {
      publish::ManifestEntry e;
      e.path = f.path;
      e.content_type = f.content_type;
      e.size = f.bytes.size();
      e.digest = put(f.bytes);
      if (!f.gzip.empty()) e.gzip = publish::Variant{put(f.gzip), f.gzip.size()};
      if (!f.brotli.empty()) e.brotli = publish::Variant{put(f.brotli), f.brotli.size()};
      m->entries.push_back(std::move(e));
    }
    (void)m->normalise();
    std::lock_guard lock(mutex_);
    const std::int64_t id = ++next_release_;
    auto& slot = live_[site_id];
    slot = LiveRelease{site_id, std::move(hosts), id, m};
    if (bump) generation_.fetch_add(1);
    return id;
  }

  crypto::Digest put(const std::string& bytes) {
    crypto::Digest d = suite_.hash(bytes);
    std::lock_guard lock(mutex_);
    blobs_[d.to_string()] = bytes;
    return d;
  }
  // Replaces what is stored under `digest` (a tamper of the store).
  void tamper(const crypto::Digest& digest, std::string bytes) {
    std::lock_guard lock(mutex_);
    blobs_[digest.to_string()] = std::move(bytes);
  }
  // The next read of `digest` returns `bytes` once, then the stored bytes again.
  void tamper_next_read(const crypto::Digest& digest, std::string bytes) {
    std::lock_guard lock(mutex_);
    next_reads_[digest.to_string()].push_back(std::move(bytes));
  }
  std::size_t reads() const { return reads_.load(); }
  void fail_listing(bool fail) { fail_listing_ = fail; }
  // While held, live_releases() blocks (at most 5 s) — a slow re-read of the releases.
  void hold_listing(bool hold) {
    {
      std::lock_guard lock(gate_mutex_);
      held_ = hold;
    }
    gate_.notify_all();
  }
  void bump() { generation_.fetch_add(1); }

  Result<std::vector<LiveRelease>> live_releases() override {
    if (fail_listing_) return fail("test.down", "the fake source is down");
    {
      std::unique_lock gate(gate_mutex_);
      gate_.wait_for(gate, std::chrono::seconds(5), [this] { return !held_; });
    }
    std::lock_guard lock(mutex_);
    std::vector<LiveRelease> out;
    for (const auto& [id, r] : live_) out.push_back(r);
    return out;
  }
  Result<std::string> read_blob(const crypto::Digest& digest, std::uint64_t max_bytes) override {
    reads_.fetch_add(1);
    std::lock_guard lock(mutex_);
    auto queued = next_reads_.find(digest.to_string());
    if (queued != next_reads_.end() && !queued->second.empty()) {
      std::string bytes = std::move(queued->second.front());
      queued->second.pop_front();
      return bytes;
    }
    auto it = blobs_.find(digest.to_string());
    if (it == blobs_.end()) return fail("guard.blob_missing", digest.to_string());
    if (it->second.size() > max_bytes) return fail("guard.blob_too_large", digest.to_string());
    return it->second;
  }
  std::uint64_t generation() const override { return generation_.load(); }

 private:
  const crypto::Suite& suite_;
  mutable std::mutex mutex_;
  std::map<std::int64_t, LiveRelease> live_;
  std::map<std::string, std::string> blobs_;
  std::map<std::string, std::deque<std::string>> next_reads_;
  std::int64_t next_release_ = 0;
  std::atomic<std::uint64_t> generation_{1};
  std::atomic<std::size_t> reads_{0};
  std::atomic<bool> fail_listing_{false};
  std::mutex gate_mutex_;
  std::condition_variable gate_;
  bool held_ = false;
};

}  // namespace sw::guard::testing
