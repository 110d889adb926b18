// InspectPool: the WAF's own threads, so CRS work runs off the guard's event threads (issue 6; filter.h
// "Off the event threads"; docs/modules/waf.md "Threads"). A fixed number of workers take jobs from one
// queue of bounded length: submit() refuses a job when `max_queued` jobs already wait (the caller then
// answers 503), so a flood never grows memory without bound. Jobs run in the order submitted.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sw::waf {

class InspectPool {
 public:
  // threads ≥ 1, max_queued ≥ 1 (jobs waiting, not counting the ones running).
  InspectPool(std::size_t threads, std::size_t max_queued);
  ~InspectPool();  // runs the jobs already queued, then joins the workers
  InspectPool(const InspectPool&) = delete;
  InspectPool& operator=(const InspectPool&) = delete;

  // false (the job is dropped, not run) when max_queued jobs are waiting.
  bool submit(std::function<void()> job);

  std::size_t threads() const { return workers_.size(); }
  std::size_t queued() const;
  std::uint64_t refused() const;  // jobs submit() refused since start

 private:
  void work();

  const std::size_t max_queued_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::uint64_t refused_ = 0;
  std::vector<std::thread> workers_;
};

}  // namespace sw::waf
