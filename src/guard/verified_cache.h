// VerifiedCache: file bytes that already hashed to their manifest digest, bounded by total bytes and
// evicted least-recently-used first (N7.1: the guard answers from here or from a fresh verified read,
// never from unverified bytes). Keyed by digest, so a file shared by releases or sites is held once.
// Bodies are shared immutable buffers: an evicted body lives on while a response still sends it.
// Thread-safety: all members may be called from any thread.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/crypto.h"

namespace sw::guard {

using Body = std::shared_ptr<const std::string>;

class VerifiedCache {
 public:
  explicit VerifiedCache(std::uint64_t capacity_bytes) : capacity_(capacity_bytes) {}

  // The verified bytes for `digest`, or null.
  Body find(const crypto::Digest& digest);
  // Adds bytes the caller has verified against `digest`; evicts older entries to stay within the
  // capacity (a body larger than the capacity is not kept).
  void insert(const crypto::Digest& digest, Body body);
  // Drops every entry (tests; an operator's flush).
  void clear();

  std::uint64_t bytes() const;
  std::size_t entries() const;

 private:
  struct Entry {
    std::string key;
    Body body;
  };
  // The raw digest bytes: a lookup builds no string. (Two algorithms' 256-bit digests colliding
  // is as infeasible as a collision within one.)
  static std::string_view key_of(const crypto::Digest& d) { return d.bytes; }

  const std::uint64_t capacity_;
  mutable std::mutex mutex_;
  std::list<Entry> lru_;  // front: most recently used
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;
  std::uint64_t bytes_ = 0;
};

}  // namespace sw::guard
