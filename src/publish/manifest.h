// Manifest: the signed list of every file of one release of one site (N7.1 防篡改: what the public
// sees is exactly what was approved). The guard serves a byte only after it hashed to the digest a
// verified manifest names, and the watcher restores a mirror web root to it.
//
// A Manifest names each file by its URL path ("/index.html", "/columns/3/page/2/index.html",
// "/attachments/<hex>/report.pdf"): absolute, '/'-separated, no empty, "." or ".." segment, no
// NUL/CR/LF/backslash, at most kMaxPathBytes. A request for a directory ("/news/") is served from
// its "index.html". Entries are sorted by path and unique, so find() is a binary search.
//
// The signed document is JSON: {"format":1,"manifest":{...},"signature":"<alg>:<b64>",
// "signer":"<alg>:<b64>"}. The signature covers the canonical serialisation of "manifest"
// (nlohmann's dump(): sorted keys, no whitespace), so a document verifies only if the manifest's
// content is exactly what the node signed. Digests and signatures carry their algorithm, so releases
// signed under either crypto suite verify after a switch.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/crypto.h"
#include "base/result.h"

namespace sw::publish {

inline constexpr std::size_t kMaxPathBytes = 1024;

// A precompressed form of a file (gzip, brotli), itself a blob in the store.
struct Variant {
  crypto::Digest digest;
  std::uint64_t size = 0;
  bool operator==(const Variant&) const = default;
};

struct ManifestEntry {
  std::string path;          // URL path, see above
  std::string content_type;  // "text/html; charset=utf-8"
  std::uint64_t size = 0;    // bytes of the identity form
  crypto::Digest digest;     // hash of the identity form; also its blob name in the store
  std::optional<Variant> gzip;
  std::optional<Variant> brotli;
  bool operator==(const ManifestEntry&) const = default;
};

struct Manifest {
  std::int64_t site_id = 0;
  std::string created_at;  // RFC 3339 UTC
  std::string created_by;  // the principal that published ("user:12", "cli:root", "scheduler")
  // The manifest digest of the release this one was built from by an incremental publish; empty for
  // a full build.
  std::string base;
  std::vector<ManifestEntry> entries;  // sorted by path, unique

  // The entry for `path` (exact match), or nullptr. O(log n).
  const ManifestEntry* find(std::string_view path) const;
  // Sorts entries by path; "publish.manifest_invalid" naming the first bad or duplicate path.
  Status normalise();
  std::uint64_t total_bytes() const;
};

// "publish.manifest_invalid" naming the problem when `path` is not a valid manifest path.
Status check_path(std::string_view path);

// Signs `manifest` (after normalise()) with `key` and returns the signed document.
Result<std::string> sign_manifest(Manifest manifest, const crypto::Suite& suite, const crypto::SigningKey& key);
// The same for a manifest already normalise()d (sorted, valid paths), without copying it.
Result<std::string> sign_normalised_manifest(const Manifest& manifest, const crypto::Suite& suite,
                                             const crypto::SigningKey& key);

// The canonical serialisation of `manifest` the signature covers: nlohmann's dump() of
// {"base","created_at","created_by","files":[{"br"?,"digest","gzip"?,"path","size","type"}],"site_id"}
// (keys sorted, no whitespace), written directly. "publish.manifest_invalid" for a string that is not
// UTF-8.
Result<std::string> manifest_body(const Manifest& manifest);

// Parses a signed document and verifies its signature against `trusted` (the signer must be one of
// them). Errors: "publish.manifest_invalid" (not JSON, a missing or mistyped field, a bad path, a
// bad digest, unsorted or duplicate entries; names the field or path), "publish.manifest_untrusted"
// (signer not trusted), "publish.manifest_bad_signature" (the signature does not verify).
Result<Manifest> verify_manifest(std::string_view document, std::span<const crypto::PublicKey> trusted);

}  // namespace sw::publish
