// BlobStore: content-addressed files on disk (DESIGN.md "store"; N7.1 served bytes are the
// approved ones, N7.4 integrity).
//
// A blob is named by its digest: `<root>/<algorithm>/<first 2 hex>/<remaining 62 hex>`, e.g.
// `blobs/sm3/66/c7f0f4...`. Blobs are written atomically (temp file, fsync, rename, fsync dir), so
// a reader sees a whole blob or none, and are never rewritten once present unless found corrupt. Every read
// re-hashes the bytes with the digest's own algorithm, so a blob changed on disk is reported, never returned,
// and blobs written under either crypto suite stay readable after a switch.
//
// Directories are created 0700 and files 0600: only the service user reads the store.
// Thread-safety: a BlobStore holds no mutable state; concurrent put() of the same bytes is safe
// (both renames install identical content).
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/crypto.h"
#include "base/result.h"

namespace sw::store {

class BlobStore {
 public:
  // get() refuses blobs larger than this; read larger ones through path_of() or verify().
  static constexpr std::size_t kMaxGetBytes = std::size_t{256} << 20;

  // Opens the store at `root`, creating it (mode 0700) and its parents if absent. New blobs are
  // hashed with `suite`, which must outlive the store. Fails "store.blob_root" if `root` exists and
  // is not a directory or cannot be created.
  static Result<BlobStore> open(std::filesystem::path root, const crypto::Suite& suite);

  // Stores `bytes` under their digest (the suite's hash) and returns it. Idempotent: a sound blob
  // already present is not rewritten (it is re-hashed to check, and its modification time is set to
  // now, so sweep()'s grace period protects it until the writer records it); a corrupt one is
  // replaced atomically by the good bytes. put_unsynced() and put_file() alike.
  Result<crypto::Digest> put(std::string_view bytes);

  // put() without waiting for the disk: the blob is written to an unnamed file (O_TMPFILE) linked
  // into place, or where that is not possible to a temp file renamed into place (readers still see a
  // whole blob or none, and a killed process loses nothing linked or renamed), but it may
  // not survive a power loss until sync() returns. For bulk writers — a release build writes
  // thousands of blobs — that call sync() once before recording anything that names them, instead
  // of two fsyncs per blob.
  // `expect_new`: the caller's guess that the blob is not in the store yet (a build that has just
  // written several new blobs in a row): the bytes are then linked into place first, without the
  // lookup that would find nothing, and only if the name is taken is the copy there checked as
  // usual. A wrong guess costs one unnamed file, never a wrong result. `*written` (when given) says
  // whether these bytes were written (false: a sound copy was already there).
  Result<crypto::Digest> put_unsynced(std::string_view bytes, bool expect_new = false, bool* written = nullptr);

  // Makes every blob written so far durable (syncfs(2) of the store's filesystem). "store.io".
  Status sync() const;

  // Stores the content of the file at `source`, hashing while copying in fixed-size chunks
  // (bounded memory). What is stored is exactly what was hashed, even if `source` changes meanwhile.
  Result<crypto::Digest> put_file(const std::filesystem::path& source);

  // Returns the bytes of the blob named `digest` after re-hashing them.
  // Errors: "store.bad_digest" (unknown algorithm or not 32 bytes), "store.blob_missing",
  // "store.blob_corrupt" (the bytes on disk do not hash to `digest`; names the digest),
  // "store.blob_too_large" (over `max_bytes`), "store.io".
  Result<std::string> get(const crypto::Digest& digest, std::size_t max_bytes = kMaxGetBytes) const;

  // Re-hashes the blob on disk in chunks; the same errors as get() without a size limit.
  Status verify(const crypto::Digest& digest) const;

  // True when a blob file for `digest` exists (not verified). False for a malformed digest.
  bool contains(const crypto::Digest& digest) const;

  // Where the blob for `digest` lives (whether or not it exists). "store.bad_digest" when the
  // digest's algorithm is not a plain lowercase name or its hex is not exactly 64 characters, so
  // no digest can name a path outside the store.
  Result<std::filesystem::path> path_of(const crypto::Digest& digest) const;

  // Parses a digest in its canonical text form only, "<algorithm>:<64 lowercase hex>" (as
  // Digest::to_string() writes it), for digests that arrive as text (rows, URLs, manifests).
  // Anything else, uppercase hex included, is "store.bad_digest" naming the text.
  static Result<crypto::Digest> parse_digest(std::string_view text);

  // Removes the temp files a killed writer left behind — files in `<root>/tmp/` (put_file's staging)
  // and `.<name>.tmp-<random>` files beside the blobs (put's atomic writes) — last modified at least
  // `min_age` ago, so a writer still running elsewhere keeps its file. Never touches a blob.
  // Returns how many it removed; "store.io" names a directory it could not read.
  Result<std::size_t> remove_temp_files(std::chrono::seconds min_age) const;

  // What sweep() found and did.
  struct SweepReport {
    std::size_t blobs = 0;             // blob files seen
    std::size_t kept_referenced = 0;   // named by a record
    std::size_t kept_young = 0;        // named by nothing, but modified within the grace period
    std::size_t removed = 0;           // named by nothing and older (a dry run: would be removed)
    std::uint64_t removed_bytes = 0;
    std::size_t temp_files = 0;        // writers' temp files: left to remove_temp_files()
    std::size_t foreign_count = 0;     // entries that are not blobs: never touched
    std::vector<std::string> foreign;  // their paths relative to the root (the first kMaxForeignListed)
  };
  static constexpr std::size_t kMaxForeignListed = 100;

  // The sweep of the blob garbage collection (publish/blob_gc.h marks): removes every blob file
  // `<root>/<known algorithm>/<2 hex>/<62 hex>` for which `referenced` is false and whose last
  // modification is at least `grace` ago (re-checked just before the unlink). With `dry_run` nothing
  // is removed; the report says what would be. Anything else in the store — an unknown directory, a
  // file with another name, a symlink, a directory where a blob would be — is foreign: never
  // followed, never removed, reported. The staging directory `tmp/` and write temp files are left
  // to remove_temp_files(). "store.io" names a directory it could not read or a blob it could not
  // remove (what was removed before stays removed; nothing is half-removed).
  Result<SweepReport> sweep(const std::function<bool(const crypto::Digest&)>& referenced, std::chrono::seconds grace,
                            bool dry_run) const;

  const std::filesystem::path& root() const { return root_; }

 private:
  BlobStore(std::filesystem::path root, const crypto::Suite& suite)
      : root_(std::move(root)), suite_(&suite) {}
  Result<bool> present_and_sound(const crypto::Digest& digest) const;
  Status install(const std::filesystem::path& temp, const crypto::Digest& digest);

  std::filesystem::path root_;
  const crypto::Suite* suite_;
};

}  // namespace sw::store
