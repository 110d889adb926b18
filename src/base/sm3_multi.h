// Multi-buffer SM3 (GB/T 32905-2016): many independent messages hashed at once, one message per
// SIMD lane — 16 lanes with AVX-512, 8 with AVX2 — so that a batch of small files (a mirror's
// full verification, N7.1; a release's files) is hashed several times faster than one message after
// another through OpenSSL's portable C SM3. The digests are exactly SM3's: the tests compare every
// path with OpenSSL's EVP_sm3 over the standard's vectors and random lengths.
//
// The path is chosen once per process from what the CPU and kernel support (`__builtin_cpu_supports`):
// avx512 (16 lanes), else avx2 (8 lanes), else scalar (OpenSSL's EVP_sm3, one message at a time).
// Setting the environment variable SITEWARDEN_SM3=scalar|avx2|avx512 before the first call picks a path
// instead (a path the CPU lacks falls back to the best one it has) — for benchmarks and for comparing
// against OpenSSL in the field.
//
// A batch of one or two messages, or of messages of very different lengths, gains little: lanes whose
// message is done sit idle until refilled. Callers batch messages of similar size where they can
// (hash_many accepts any mix and is always correct).
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "base/crypto.h"
#include "base/result.h"

namespace sw::crypto {

using Sm3Bytes = std::array<unsigned char, 32>;

enum class Sm3Path { scalar, avx2, avx512 };
std::string_view to_string(Sm3Path path);

// Whether this CPU (and the kernel's saved vector state) can run `path`; scalar always can.
bool sm3_path_supported(Sm3Path path);
// The path sm3_many uses: SITEWARDEN_SM3 if set and supported, else the widest supported.
Sm3Path sm3_path();
// Messages hashed at once by `path` (1, 8, 16).
std::size_t sm3_lanes(Sm3Path path);

// out[i] = SM3(messages[i]) for every i; `out` must hold messages.size() entries (anything else is a
// programming error: it aborts). Any lengths, including empty messages; thread-safe (no shared state).
void sm3_many(std::span<const std::string_view> messages, std::span<Sm3Bytes> out);
// The same on an explicit path, for tests and benchmarks; an unsupported path aborts.
void sm3_many_on(Sm3Path path, std::span<const std::string_view> messages, std::span<Sm3Bytes> out);

// Digests of many messages with the named algorithm ("sm3" | "sha256", as hash_with): SM3 goes
// through sm3_many, SHA-256 one message at a time (OpenSSL's SHA-NI code is already fast).
// "crypto.unknown_algorithm" for any other name.
Result<std::vector<Digest>> hash_many(std::string_view algorithm, std::span<const std::string_view> messages);

}  // namespace sw::crypto
