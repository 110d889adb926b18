#include "guard/verified_cache.h"

namespace sw::guard {

Body VerifiedCache::find(const crypto::Digest& digest) {
  const std::string_view key = key_of(digest);
  std::lock_guard lock(mutex_);
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  if (it->second != lru_.begin()) lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->body;
}

void VerifiedCache::insert(const crypto::Digest& digest, Body body) {
  if (!body || body->size() > capacity_) return;
  std::string key(key_of(digest));
  std::lock_guard lock(mutex_);
  if (index_.contains(key)) return;
  lru_.push_front(Entry{std::move(key), std::move(body)});
  index_.emplace(lru_.front().key, lru_.begin());
  bytes_ += lru_.front().body->size();
  while (bytes_ > capacity_ && !lru_.empty()) {
    Entry& last = lru_.back();
    bytes_ -= last.body->size();
    index_.erase(last.key);
    lru_.pop_back();
  }
}

void VerifiedCache::clear() {
  std::lock_guard lock(mutex_);
  index_.clear();
  lru_.clear();
  bytes_ = 0;
}

std::uint64_t VerifiedCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

std::size_t VerifiedCache::entries() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

}  // namespace sw::guard
