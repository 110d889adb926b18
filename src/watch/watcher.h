// Watcher: guards mirror web roots while it runs (N7.1 防篡改: a tampered page is noticed and
// restored at once).
//
// Detection is event-driven: inotify watches every directory of every root (directories the
// watcher restores are watched as they come back; watches are added through /proc/self/fd of a
// directory opened with O_NOFOLLOW, so a symlink cannot point a watch outside the root). Events are
// coalesced: a burst is checked once it has been quiet for `debounce`, and never held longer than
// `max_delay`. Only the named paths (with everything below them) are checked, then each
// difference is repaired (restorer.h) and recorded as one `watch.tamper` audit event with the diff.
// A kernel queue overflow (IN_Q_OVERFLOW) triggers a full verification, and so does the backstop
// timer every `full_verify_interval`, for anything an event could not show (a change made while no
// watcher ran, an overflow the kernel did not report). fanotify is not used: inotify covers every
// change to a tree the watcher can read, needs no CAP_SYS_ADMIN, and the periodic verification backs
// it up (docs/modules/watch.md).
//
// Releases are followed: when the node's live generation changes, each root whose site has a new
// live release is brought to it as a release switch (`watch.release_switch`, not tamper).
//
// Threading: run() is the event loop on the calling thread; stop() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "base/result.h"
#include "publish/manifest.h"
#include "store/blob_store.h"
#include "watch/mirrors.h"
#include "watch/restorer.h"
#include "watch/tree_check.h"

namespace sw::watch {

// The live releases the watcher follows (the ReleaseStore on a node; a fake in tests).
class ReleaseSource {
 public:
  struct Live {
    std::int64_t release_id = 0;
    crypto::Digest manifest_digest;
  };
  virtual ~ReleaseSource() = default;
  // Changes after every switch of any site's live release (the node's LiveGeneration). Cheap.
  virtual std::uint64_t generation() = 0;
  virtual Result<std::optional<Live>> live(std::int64_t site_id) = 0;
  // The manifest of a signed release document, after its digest and signature were checked.
  virtual Result<publish::Manifest> load(const crypto::Digest& manifest_digest) = 0;
};

struct WatcherOptions {
  std::filesystem::path quarantine_dir;     // <data_dir>/quarantine (a directory per site below)
  std::chrono::milliseconds debounce{5};    // quiet time that ends a burst
  std::chrono::milliseconds max_delay{25};  // longest a burst is held before it is checked
  std::chrono::seconds full_verify_interval{3600};
  unsigned verify_threads = 2;
  std::chrono::milliseconds generation_poll{100};  // how often the live generation is read
};

struct WatcherStats {
  std::uint64_t tampers = 0;          // differences found and recorded
  std::uint64_t repair_failures = 0;  // of which could not be repaired
  std::uint64_t checks = 0;           // targeted checks run
  std::uint64_t full_verifications = 0;
  std::uint64_t release_switches = 0;
  std::uint64_t overflows = 0;  // IN_Q_OVERFLOW seen
};

// One `watch.tamper` audit event for a difference and what its repair did: site, root, path, the
// kind of change, what the release has there, what was found, the action and the quarantine path.
audit::Event tamper_event(const Mirror& mirror, const Difference& d, const Result<Repair>& repair);

class Watcher {
 public:
  // Opens every root (each must be a directory: "watch.root_not_directory", "watch.root_unreadable")
  // and loads its recorded release ("watch.release" when the manifest cannot be loaded or laid out).
  // `registry` (may be null) records release switches. Everything borrowed must outlive the watcher.
  static Result<std::unique_ptr<Watcher>> open(std::vector<Mirror> mirrors, ReleaseSource& releases,
                                               const store::BlobStore& blobs, audit::AuditLog& audit,
                                               Mirrors* registry, WatcherOptions options);
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // Verifies and repairs every root fully, follows a release switched meanwhile, then watches until
  // stop(). Errors only when inotify itself fails ("watch.inotify").
  Status run();
  // Makes run() return soon. Safe from any thread and from a signal handler.
  void stop();
  // True once run() has verified every root and placed its watches.
  bool ready() const { return ready_.load(); }
  WatcherStats stats() const;

 private:
  struct Root;
  Watcher() = default;
  void add_watches(std::size_t root, const std::string& rel);
  void drain_events();
  void check_pending(std::chrono::steady_clock::time_point now, bool force);
  void process(std::size_t root, std::vector<std::string> paths, bool full);
  void follow_releases();
  Status switch_release(std::size_t root, const ReleaseSource::Live& live);

  std::vector<std::unique_ptr<Root>> roots_;
  ReleaseSource* releases_ = nullptr;
  const store::BlobStore* blobs_ = nullptr;
  audit::AuditLog* audit_ = nullptr;
  Mirrors* registry_ = nullptr;
  WatcherOptions options_;
  int inotify_fd_ = -1;
  int stop_fd_ = -1;
  std::uint64_t generation_ = 0;
  std::atomic<bool> ready_{false};
  struct Counters;
  std::unique_ptr<Counters> counters_;
  struct WatchTable;
  std::unique_ptr<WatchTable> watches_;
};

}  // namespace sw::watch
