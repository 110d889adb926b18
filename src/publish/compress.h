// Precompressed forms of a release's files (issue 5 "Publishing": gzip and brotli stored beside each
// text file, so the guard sends them as they are): whole-buffer encoders tuned for thousands of small
// pages on a few threads. Used by the ReleaseBuilder; exposed for its tests.
//
// Thread-safety: both functions may be called from any number of threads at once; each thread keeps
// its own encoder state (gzip) or memory (brotli) for its life, so a worker compressing page after
// page does not allocate and clear hash tables of hundreds of KiB per page.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sw::publish {

// gzip (RFC 1952) of `in` at `level` 1..9 with libdeflate: valid gzip any inflater (zlib, browsers)
// decodes to exactly `in`; about twice as fast as zlib at the same level and no larger. The header
// carries no name and no time, so the same bytes always give the same output.
// "publish.bad_input" for a level out of range, "publish.compress" if the encoder fails.
Result<std::string> gzip_compress(std::string_view in, int level);

// brotli (RFC 7932) of `in` at `quality` 0..11, text mode, with a window just large enough for the
// input (at most 16 MiB). "publish.bad_input" for a quality out of range, "publish.compress" for an
// input too large or an encoder failure.
Result<std::string> brotli_compress(std::string_view in, int quality);

}  // namespace sw::publish
