#include "watch/watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include "base/clock.h"
#include "base/log.h"
#include "watch/tree_fs.h"

namespace sw::watch {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

constexpr std::uint32_t kWatchMask = IN_ATTRIB | IN_CLOSE_WRITE | IN_MODIFY | IN_CREATE | IN_DELETE |
                                     IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
constexpr std::size_t kEventBufferBytes = 64 * 1024;

nlohmann::json found_json(const FoundState& f) {
  nlohmann::json j = {{"type", to_string(f.type)}};
  if (f.type == FileType::none) return j;
  j["mode"] = f.mode;
  j["size"] = f.size;
  if (f.digest) j["digest"] = f.digest->to_string();
  if (f.type == FileType::symlink) j["link_target"] = f.link_target;
  return j;
}

}  // namespace

audit::Event tamper_event(const Mirror& mirror, const Difference& d, const Result<Repair>& repair) {
  nlohmann::json expected = {{"type", d.expected_directory ? "directory" : d.expected ? "file" : "none"}};
  if (d.expected) {
    expected["digest"] = d.expected->digest.to_string();
    expected["size"] = d.expected->size;
    expected["mode"] = mirror.modes.file;
  } else if (d.expected_directory) {
    expected["mode"] = mirror.modes.dir;
    if (d.files_below) expected["files_below"] = d.files_below;
  }
  nlohmann::json details = {{"root", mirror.root},
                            {"path", d.path},
                            {"change", to_string(d.change)},
                            {"release", mirror.release_id},
                            {"expected", std::move(expected)},
                            {"found", found_json(d.found)}};
  if (!d.renamed_to.empty()) details["renamed_to"] = d.renamed_to;
  if (repair) {
    details["action"] = repair->action;
    if (!repair->quarantined_as.empty()) details["quarantined_as"] = repair->quarantined_as;
    if (repair->evidence_digest) details["evidence_digest"] = repair->evidence_digest->to_string();
  } else {
    details["action"] = "none";
    details["error"] = repair.error().to_string();
  }
  return audit::Event{.actor = "system",
                      .actor_role = "watch",
                      .site_id = mirror.site_id,
                      .action = "watch.tamper",
                      .object = "mirror:" + mirror.root + d.path,
                      .outcome = repair ? audit::Outcome::success : audit::Outcome::failure,
                      .details = std::move(details)};
}

struct Watcher::Root {
  Mirror mirror;
  TreeChecker checker;
  std::unique_ptr<MirrorLayout> layout;
  std::unique_ptr<Restorer> restorer;
  std::set<std::string> pending;
  bool pending_full = false;
  SteadyTime first_event{};
  SteadyTime last_event{};
  SteadyTime last_full{};
};

struct Watcher::Counters {
  std::atomic<std::uint64_t> tampers{0}, repair_failures{0}, checks{0}, full{0}, switches{0}, overflows{0};
};

struct Watcher::WatchTable {
  struct Watched {
    std::size_t root;
    std::string rel;
  };
  std::map<int, Watched> by_wd;
};

Result<std::unique_ptr<Watcher>> Watcher::open(std::vector<Mirror> mirrors, ReleaseSource& releases,
                                               const store::BlobStore& blobs, audit::AuditLog& audit,
                                               Mirrors* registry, WatcherOptions options) {
  std::unique_ptr<Watcher> w(new Watcher());
  w->releases_ = &releases;
  w->blobs_ = &blobs;
  w->audit_ = &audit;
  w->registry_ = registry;
  w->options_ = std::move(options);
  w->counters_ = std::make_unique<Counters>();
  w->watches_ = std::make_unique<WatchTable>();
  w->generation_ = releases.generation();
  for (auto& m : mirrors) {
    SW_TRY(checker, TreeChecker::open(m.root));
    auto manifest = releases.load(m.manifest_digest);
    if (!manifest)
      return fail("watch.release",
                  m.root + ": release " + std::to_string(m.release_id) + ": " + manifest.error().message);
    auto layout = MirrorLayout::build(std::move(*manifest));
    if (!layout) return fail("watch.release", m.root + ": " + layout.error().message);
    auto root = std::make_unique<Root>(Root{.mirror = m, .checker = std::move(checker)});
    root->layout = std::make_unique<MirrorLayout>(std::move(*layout));
    root->restorer = std::make_unique<Restorer>(root->checker.fd(), blobs, m.modes,
                                                w->options_.quarantine_dir / std::to_string(m.site_id));
    w->roots_.push_back(std::move(root));
  }
  w->inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (w->inotify_fd_ < 0) return fail("watch.inotify", std::string("inotify_init1: ") + std::strerror(errno));
  w->stop_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (w->stop_fd_ < 0) return fail("watch.inotify", std::string("eventfd: ") + std::strerror(errno));
  return w;
}

Watcher::~Watcher() {
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
}

void Watcher::stop() {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(stop_fd_, &one, sizeof one);
}

WatcherStats Watcher::stats() const {
  return {counters_->tampers.load(), counters_->repair_failures.load(), counters_->checks.load(),
          counters_->full.load(),    counters_->switches.load(),        counters_->overflows.load()};
}

// Watches the directory `rel` of a root and every directory of the release below it. A directory
// that is not (yet) there is skipped: its parent's events bring it to a check, which restores it.
void Watcher::add_watches(std::size_t root, const std::string& rel) {
  Root& r = *roots_[root];
  const int fd = tree_fs::open_dir_path(r.checker.fd(), rel);
  if (fd < 0) return;
  FileDescriptor dir(fd);
  const std::string proc = "/proc/self/fd/" + std::to_string(fd);
  const int wd = ::inotify_add_watch(inotify_fd_, proc.c_str(), kWatchMask);
  if (wd < 0) {
    log::error("watch.inotify_add_watch",
               {{"root", r.mirror.root}, {"path", tree_fs::url_path(rel)}, {"error", std::strerror(errno)}});
    r.pending_full = true;  // a directory we cannot watch is left to the periodic verification
    return;
  }
  watches_->by_wd[wd] = {root, rel};
  const auto* children = r.layout->directory(rel);
  if (!children) return;
  for (const auto& name : *children) {
    std::string child = tree_fs::join(rel, name);
    if (r.layout->directory(child)) add_watches(root, child);
  }
}

void Watcher::drain_events() {
  alignas(inotify_event) char buffer[kEventBufferBytes];
  const auto now = std::chrono::steady_clock::now();
  for (;;) {
    const ssize_t n = ::read(inotify_fd_, buffer, sizeof buffer);
    if (n <= 0) return;
    for (char* p = buffer; p < buffer + n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(p);
      p += sizeof(inotify_event) + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {
        counters_->overflows++;
        for (auto& r : roots_) r->pending_full = true;
        continue;
      }
      auto it = watches_->by_wd.find(ev->wd);
      if (it == watches_->by_wd.end()) continue;
      const auto [root_index, dir_rel] = it->second;
      if (ev->mask & IN_IGNORED) {
        watches_->by_wd.erase(it);
        continue;
      }
      Root& r = *roots_[root_index];
      std::string rel = ev->len ? tree_fs::join(dir_rel, std::string_view(ev->name)) : dir_rel;
      if (ev->mask & IN_MOVE_SELF) {
        // The directory went elsewhere: its watch would report from there; the path is checked.
        ::inotify_rm_watch(inotify_fd_, ev->wd);
        watches_->by_wd.erase(ev->wd);
        if (rel.empty()) r.pending_full = true;
      }
      if (r.pending.empty() && !r.pending_full) r.first_event = now;
      r.last_event = now;
      r.pending.insert(std::move(rel));
    }
  }
}

void Watcher::process(std::size_t root, std::vector<std::string> paths, bool full) {
  Root& r = *roots_[root];
  const CheckOptions options{.modes = r.mirror.modes, .threads = options_.verify_threads};
  r.restorer->begin_incident(system_clock().now());
  auto diffs = full ? r.checker.verify_all(*r.layout, options) : r.checker.check(*r.layout, paths, options);
  (full ? counters_->full : counters_->checks)++;
  if (full) r.last_full = std::chrono::steady_clock::now();
  if (!diffs) {
    log::error("watch.check_failed", {{"root", r.mirror.root}, {"error", diffs.error().to_string()}});
    return;
  }
  std::vector<audit::Event> events;
  std::set<std::string> rewatch;
  for (const auto& d : *diffs) {
    auto repair = r.restorer->repair(*r.layout, d);
    counters_->tampers++;
    if (!repair) counters_->repair_failures++;
    events.push_back(tamper_event(r.mirror, d, repair));
    if (d.change != Change::added) {
      rewatch.insert(d.expected_directory ? d.rel() : std::string(tree_fs::parent_of(d.rel())));
    }
  }
  if (!events.empty()) {
    if (auto a = audit_->append_all(std::move(events)); !a) {
      log::error("watch.audit_failed", {{"root", r.mirror.root}, {"error", a.error().to_string()}});
    }
  }
  for (const auto& dir : rewatch) add_watches(root, dir);
}

void Watcher::check_pending(SteadyTime now, bool force) {
  for (std::size_t i = 0; i < roots_.size(); ++i) {
    Root& r = *roots_[i];
    const bool due_full = now - r.last_full >= options_.full_verify_interval;
    const bool burst_over = !r.pending.empty() && (force || now - r.last_event >= options_.debounce ||
                                                   now - r.first_event >= options_.max_delay);
    if (r.pending_full || due_full) {
      r.pending_full = false;
      r.pending.clear();
      process(i, {}, true);
    } else if (burst_over) {
      std::vector<std::string> paths(r.pending.begin(), r.pending.end());
      r.pending.clear();
      process(i, std::move(paths), false);
    }
  }
}

Status Watcher::switch_release(std::size_t root, const ReleaseSource::Live& live) {
  Root& r = *roots_[root];
  SW_TRY(manifest, releases_->load(live.manifest_digest));
  SW_TRY(layout, MirrorLayout::build(std::move(manifest)));
  r.restorer->begin_incident(system_clock().now());
  const CheckOptions options{.modes = r.mirror.modes, .threads = options_.verify_threads};
  SW_TRY(report, sync_to_release(r.checker, *r.restorer, layout, *r.layout, options));
  const std::int64_t from = r.mirror.release_id;
  Mirror previous = r.mirror;
  r.mirror.release_id = live.release_id;
  r.mirror.manifest_digest = live.manifest_digest;
  r.layout = std::make_unique<MirrorLayout>(std::move(layout));
  if (registry_) SW_CHECK(registry_->record(r.mirror));
  std::vector<audit::Event> events;
  events.push_back(audit::Event{.actor = "system",
                                .actor_role = "watch",
                                .site_id = r.mirror.site_id,
                                .action = "watch.release_switch",
                                .object = "mirror:" + r.mirror.root,
                                .details = {{"root", r.mirror.root},
                                            {"from_release", from},
                                            {"to_release", live.release_id},
                                            {"files_updated", report.updated},
                                            {"files_removed", report.removed}}});
  for (const auto& [d, repair] : report.tampers) {
    counters_->tampers++;
    events.push_back(tamper_event(previous, d, repair));
  }
  counters_->switches++;
  add_watches(root, "");  // the new release's directories
  if (auto a = audit_->append_all(std::move(events)); !a) {
    return fail(a.error().code, "the mirror is at release " + std::to_string(live.release_id) +
                                    " but its audit events were not written: " + a.error().message);
  }
  return ok();
}

void Watcher::follow_releases() {
  const std::uint64_t now = releases_->generation();
  if (now == generation_) return;
  generation_ = now;
  for (std::size_t i = 0; i < roots_.size(); ++i) {
    Root& r = *roots_[i];
    auto live = releases_->live(r.mirror.site_id);
    if (!live) {
      log::error("watch.release_lookup_failed",
                 {{"root", r.mirror.root}, {"error", live.error().to_string()}});
      continue;
    }
    if (!*live || (*live)->release_id == r.mirror.release_id) continue;
    if (auto s = switch_release(i, **live); !s) {
      log::error("watch.release_switch_failed", {{"root", r.mirror.root}, {"error", s.error().to_string()}});
    }
  }
}

Status Watcher::run() {
  // Watches first, then the full verification: nothing changed between the two goes unseen.
  for (std::size_t i = 0; i < roots_.size(); ++i) add_watches(i, "");
  for (std::size_t i = 0; i < roots_.size(); ++i) process(i, {}, true);
  follow_releases();
  ready_ = true;
  auto next_generation_poll = std::chrono::steady_clock::now();
  for (;;) {
    auto now = std::chrono::steady_clock::now();
    auto wake = now + options_.generation_poll;
    for (const auto& r : roots_) {
      wake = std::min(wake, r->last_full + options_.full_verify_interval);
      if (!r->pending.empty())
        wake = std::min({wake, r->last_event + options_.debounce, r->first_event + options_.max_delay});
    }
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count();
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    const int n = ::poll(fds, 2, static_cast<int>(std::clamp<std::int64_t>(wait, 0, 1000)));
    if (n < 0 && errno != EINTR) return fail("watch.inotify", std::string("poll: ") + std::strerror(errno));
    if (fds[1].revents & POLLIN) return ok();
    if (fds[0].revents & POLLIN) drain_events();
    now = std::chrono::steady_clock::now();
    if (now >= next_generation_poll) {
      follow_releases();
      next_generation_poll = now + options_.generation_poll;
    }
    check_pending(now, false);
  }
}

}  // namespace sw::watch
