// Atomic file replacement and bounded reads (DESIGN.md "base"; SQLite-style crash safety).
//
// write_file_atomic() guarantees that after a crash or power loss at any instant, `path` holds
// either its complete old content or the complete new content, never a mix or a truncation.
// Readers that open `path` concurrently likewise see one whole version.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sw {

inline constexpr std::filesystem::perms kOwnerReadWrite =
    std::filesystem::perms::owner_read | std::filesystem::perms::owner_write;

// Replaces the file at `path` with `bytes`, giving it exactly `mode` (the umask does not apply).
//
// Writes a uniquely named temporary file in the same directory (".<name>.tmp-<random>", created
// with O_CREAT|O_EXCL), writes all bytes, fsyncs it, renames it over `path` and fsyncs the
// directory. On failure before the rename the temporary file is removed, `path` is untouched, and
// the Error ("file.write_failed") names the path and the system's reason. A failure of the final
// directory fsync is reported too, although the new content is then already in place.
// A crash (kill -9, power loss) may leave a stale temporary file behind; it never replaces `path`.
// Symbolic links at `path` are replaced, not followed.
Status write_file_atomic(const std::filesystem::path& path, std::string_view bytes,
                         std::filesystem::perms mode = kOwnerReadWrite);

// Reads the whole file at `path`. Errors: "file.not_found" if it does not exist,
// "file.too_large" if it holds more than `max_bytes` bytes (the message names the limit),
// "file.read_failed" for any other failure (the message names the path and the reason).
Result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes);

}  // namespace sw
