// The vectorscan prefilter's disk cache (internal to src/waf; issue 6; docs/modules/waf.md "The
// prefilter's disk cache"). Plain C++20 without libmodsecurity or src/base headers: modsec_prefilter.cc,
// built as C++20, includes it.
//
// Prefilter::build() costs ~1.9 s of CPU per rule-set text, most of it vectorscan compiling the ~70 group
// databases and analysing every @rx pattern (hs_expression_info). Both results are functions of their
// input alone, so they are kept on disk:
// - a compiled group database, serialized (hs_serialize_database), in one file per key
//   `db-<sha256 hex>.hsdb`; the key is SHA-256 over vectorscan's version (hs_version), the platform the
//   database is built for (hs_populate_platform: tune and CPU features), the mode, and every pattern of
//   the group with its flags and id, in order — everything the database is compiled from;
// - vectorscan's verdict on each @rx pattern (accepted or not, with its flags) in
//   `expressions-<hs version hash>.txt`, so a warm build skips hs_expression_info too. The verdict alone
//   decides which rules are covered; it is keyed by the pattern, its flags and vectorscan's version, so a
//   warm build covers exactly the rules a cold build covers.
// An entry is used only when intact (magic, key, size and a SHA-256 of its payload match, and
// vectorscan deserializes it); anything else — a truncated, corrupt or foreign file — is ignored and the
// database compiled and written again. Writes are atomic (a temporary file in the directory, fsync,
// rename, the directory fsynced once per build); files are 0600, a directory created here 0700. The
// directory is capped (PrefilterCacheLimits; least recently used entries removed first). No
// problem with the cache ever fails a build: it is reported once per build as the warning
// `waf.prefilter_cache` naming the directory and the problem, and the build compiles.
#pragma once

#include <hs/hs.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace sw::waf::engine {

// After a build that wrote to it, the directory's entries beyond these are removed, least recently used
// (read or written) first. One CRS rule set's databases take ~N MB (docs/modules/waf.md).
struct PrefilterCacheLimits {
  std::size_t max_entries = 1000;
  std::uint64_t max_bytes = 64ULL << 20;
};

class PrefilterCache {
 public:
  // `dir` empty: no disk cache (every database compiled, nothing read or written).
  explicit PrefilterCache(std::filesystem::path dir, PrefilterCacheLimits limits = {});
  ~PrefilterCache();  // finish() if it was not called
  PrefilterCache(const PrefilterCache&) = delete;
  PrefilterCache& operator=(const PrefilterCache&) = delete;

  // Whether vectorscan accepts `pattern` with `flags` (hs_expression_info), remembered across builds.
  bool expression_usable(const std::string& pattern, unsigned flags);

  // The block-mode database of `patterns` (pattern i has flags[i] and id i): an intact cache entry
  // deserialized, else compiled with hs_compile_multi and written to the cache. nullptr with `error` set
  // when vectorscan refuses to compile it. The caller owns the database (hs_free_database).
  hs_database_t* database(const std::vector<std::string>& patterns, const std::vector<unsigned>& flags,
                          std::string& error);

  // Ends the build: writes new expression verdicts, fsyncs the directory, caps it, logs the warning
  // `waf.prefilter_cache` once when anything was wrong and `waf.prefilter_databases` (info: databases
  // read from the cache and compiled).
  void finish();

  std::size_t databases_from_cache() const;
  std::size_t databases_compiled() const;

  struct State;

 private:
  std::unique_ptr<State> s_;
};

}  // namespace sw::waf::engine
