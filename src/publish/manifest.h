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
//
// Format 2 (chunked, what a node writes since the sixth session, issue 5 "incremental < 200 ms"): the
// signed body names the entries' chunks instead of holding the entries —
// {"base","chunks":[{"digest","files"}],"created_at","created_by","site_id"} — and each chunk is a
// blob {"files":[entries]} (the same entry form, sorted, consecutive runs of the whole list) named by
// its digest. The signature covers the chunk digests, and a chunk is read only after its bytes hashed
// to its digest, so a format-2 manifest verifies exactly as strongly as format 1. Chunk boundaries are
// content-defined (a hash of the path ends a chunk, ~kManifestChunkFiles entries on average): one more
// article changes the few chunks holding the changed paths, and the rest are named again by digest,
// so an incremental release hashes and writes ~100 KB instead of the whole ~3 MB list. Both formats
// are read everywhere (verify_manifest with a chunk reader: ReleaseStore::load_document, the guard,
// watch, mirror, the blob collection).
#pragma once

#include <cstdint>
#include <functional>
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

// One chunk of a format-2 manifest: `files` consecutive entries stored as one blob named `digest`.
struct ManifestChunk {
  crypto::Digest digest;
  std::size_t files = 0;
  bool operator==(const ManifestChunk&) const = default;
};

// Entries per chunk on average (content-defined boundaries) and at most.
inline constexpr std::size_t kManifestChunkFiles = 64;
inline constexpr std::size_t kManifestChunkMaxFiles = 512;

struct Manifest {
  std::int64_t site_id = 0;
  std::string created_at;  // RFC 3339 UTC
  std::string created_by;  // the principal that published ("user:12", "cli:root", "scheduler")
  // The manifest digest of the release this one was built from by an incremental publish; empty for
  // a full build.
  std::string base;
  std::vector<ManifestEntry> entries;  // sorted by path, unique
  // How the entries are stored when the manifest is of format 2 (as loaded, or as committed): chunk k
  // holds the next chunks[k].files entries. Empty for a format-1 document or a manifest not stored.
  // It describes `entries` exactly: whoever changes the entries clears it.
  std::vector<ManifestChunk> chunks;

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

// Stores one chunk's bytes (a blob) and returns its digest.
using ManifestChunkWriter = std::function<Result<crypto::Digest>(std::string_view chunk)>;
// Returns the bytes of the chunk blob `digest`, after checking they hash to it (BlobStore::get).
using ManifestChunkReader = std::function<Result<std::string>(const crypto::Digest& digest)>;

// The ends (exclusive indexes) of the chunks `entries` is split into: after an entry whose path's
// hash says so (1 in kManifestChunkFiles), after kManifestChunkMaxFiles entries, and at the end. A
// function of the paths alone, so the same runs of entries give the same chunks in every release.
std::vector<std::size_t> manifest_chunk_ends(std::span<const ManifestEntry> entries);
// The bytes of a chunk blob: {"files":[entries]} in the canonical form.
Result<std::string> manifest_chunk_body(std::span<const ManifestEntry> entries);

// Signs a normalise()d `manifest` as a format-2 document and sets manifest.chunks: each chunk whose
// entries equal a chunk of `base` (the stored manifest it was built from, whose chunk blobs are in the
// store; may be null) reuses that chunk's digest; every other chunk goes through `write_chunk`.
// `reused` (may be null) receives how many chunks were reused.
Result<std::string> sign_chunked_manifest(Manifest& manifest, const Manifest* base, const crypto::Suite& suite,
                                          const crypto::SigningKey& key, const ManifestChunkWriter& write_chunk,
                                          std::size_t* reused = nullptr);

// Parses a signed document and verifies its signature against `trusted` (the signer must be one of
// them); a format-2 document's chunks are read through `read_chunk` (a null reader refuses format 2)
// and the manifest's `chunks` set. Errors: "publish.manifest_invalid" (not JSON, a missing or
// mistyped field, a bad path, a bad digest, unsorted or duplicate entries, a chunk whose count or
// shape is wrong; names the field or path), "publish.manifest_untrusted" (signer not trusted),
// "publish.manifest_bad_signature" (the signature does not verify), the reader's errors (a chunk
// missing or changed: "store.blob_missing", "store.blob_corrupt").
Result<Manifest> verify_manifest(std::string_view document, std::span<const crypto::PublicKey> trusted,
                                 const ManifestChunkReader& read_chunk = nullptr);

}  // namespace sw::publish
