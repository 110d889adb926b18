// gzip and brotli forms of released files (compress.h).
#include "publish/compress.h"

#include <brotli/encode.h>
#include <libdeflate.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

namespace sw::publish {
namespace {

// One libdeflate compressor per thread, kept for the thread's life (re-made only when the level
// changes): making one allocates and clears its hash tables (~0.5 MiB at level 9), which costs more
// than compressing a 5 KB page.
class Deflater {
 public:
  Deflater() = default;
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;
  ~Deflater() {
    if (compressor_ != nullptr) libdeflate_free_compressor(compressor_);
  }
  libdeflate_compressor* ready(int level) {
    if (compressor_ != nullptr && level_ == level) return compressor_;
    if (compressor_ != nullptr) libdeflate_free_compressor(compressor_);
    compressor_ = libdeflate_alloc_compressor(level);
    level_ = level;
    return compressor_;
  }

 private:
  libdeflate_compressor* compressor_ = nullptr;
  int level_ = 0;
};

// The brotli encoder's memory, kept per thread: an encoder instance allocates its ring buffer, hash
// tables and command buffers (over 1 MiB at quality 9) and frees them when destroyed; files of
// similar size ask for blocks of the same sizes, so freed blocks are kept (up to kMaxPooledBytes)
// and handed out again instead of going back to malloc, which returned them to the kernel and
// faulted fresh zeroed pages in for the next page.
class BrotliMemory {
 public:
  static constexpr std::size_t kMaxPooledBytes = std::size_t{48} << 20;
  BrotliMemory() = default;
  BrotliMemory(const BrotliMemory&) = delete;
  BrotliMemory& operator=(const BrotliMemory&) = delete;
  ~BrotliMemory() {
    for (const Block& b : free_) std::free(b.header);
  }

  static void* allocate(void* opaque, std::size_t size) { return static_cast<BrotliMemory*>(opaque)->take(size); }
  static void release(void* opaque, void* address) {
    if (address != nullptr) static_cast<BrotliMemory*>(opaque)->give(address);
  }

 private:
  // Each block starts with its usable size; the encoder gets the bytes after this header, aligned as
  // malloc aligns (16 bytes).
  static constexpr std::size_t kHeader = 16;
  struct Block {
    void* header;
    std::size_t size;
  };

  void* take(std::size_t size) {
    for (std::size_t i = 0; i < free_.size(); ++i) {
      if (free_[i].size == size) {
        Block b = free_[i];
        free_[i] = free_.back();
        free_.pop_back();
        pooled_ -= b.size;
        return static_cast<char*>(b.header) + kHeader;
      }
    }
    void* header = std::malloc(size + kHeader);
    if (header == nullptr) return nullptr;
    *static_cast<std::size_t*>(header) = size;
    return static_cast<char*>(header) + kHeader;
  }

  void give(void* address) {
    void* header = static_cast<char*>(address) - kHeader;
    const std::size_t size = *static_cast<std::size_t*>(header);
    if (pooled_ + size > kMaxPooledBytes) {
      std::free(header);
      return;
    }
    free_.push_back({header, size});
    pooled_ += size;
  }

  std::vector<Block> free_;
  std::size_t pooled_ = 0;
};

struct EncoderDeleter {
  void operator()(BrotliEncoderState* s) const { BrotliEncoderDestroyInstance(s); }
};

}  // namespace

Result<std::string> gzip_compress(std::string_view in, int level) {
  if (level < 1 || level > 9) return fail("publish.bad_input", "gzip level must be 1..9");
  thread_local Deflater deflater;
  libdeflate_compressor* compressor = deflater.ready(level);
  if (compressor == nullptr) return fail("publish.compress", "gzip: cannot allocate a libdeflate compressor");
  std::string out(libdeflate_gzip_compress_bound(compressor, in.size()), '\0');
  const std::size_t n = libdeflate_gzip_compress(compressor, in.data(), in.size(), out.data(), out.size());
  if (n == 0) return fail("publish.compress", "gzip: libdeflate could not compress " + std::to_string(in.size()) + " bytes");
  out.resize(n);
  return out;
}

Result<std::string> brotli_compress(std::string_view in, int quality) {
  if (quality < BROTLI_MIN_QUALITY || quality > BROTLI_MAX_QUALITY) return fail("publish.bad_input", "brotli quality must be 0..11");
  std::size_t size = BrotliEncoderMaxCompressedSize(in.size());
  if (size == 0) return fail("publish.compress", "brotli: input of " + std::to_string(in.size()) + " bytes is too large");
  // A window just large enough for the input: quality 9 with the default 4 MiB window spends ~25 ms
  // per small page setting up, with a fitted one ~0.2 ms, for the same output.
  int window = BROTLI_MIN_WINDOW_BITS;
  while (window < BROTLI_MAX_WINDOW_BITS && (std::size_t{1} << window) - 16 < in.size()) ++window;
  thread_local BrotliMemory memory;
  std::unique_ptr<BrotliEncoderState, EncoderDeleter> encoder(
      BrotliEncoderCreateInstance(&BrotliMemory::allocate, &BrotliMemory::release, &memory));
  if (!encoder) return fail("publish.compress", "brotli: cannot create an encoder");
  BrotliEncoderSetParameter(encoder.get(), BROTLI_PARAM_QUALITY, static_cast<std::uint32_t>(quality));
  BrotliEncoderSetParameter(encoder.get(), BROTLI_PARAM_LGWIN, static_cast<std::uint32_t>(window));
  BrotliEncoderSetParameter(encoder.get(), BROTLI_PARAM_MODE, BROTLI_MODE_TEXT);
  BrotliEncoderSetParameter(encoder.get(), BROTLI_PARAM_SIZE_HINT,
                            static_cast<std::uint32_t>(std::min<std::size_t>(in.size(), UINT32_MAX)));
  std::string out(size, '\0');
  std::size_t available_in = in.size();
  const auto* next_in = reinterpret_cast<const std::uint8_t*>(in.data());
  std::size_t available_out = out.size();
  auto* next_out = reinterpret_cast<std::uint8_t*>(out.data());
  if (BrotliEncoderCompressStream(encoder.get(), BROTLI_OPERATION_FINISH, &available_in, &next_in, &available_out,
                                  &next_out, nullptr) != BROTLI_TRUE ||
      !BrotliEncoderIsFinished(encoder.get()))
    return fail("publish.compress", "brotli: the encoder failed");
  out.resize(out.size() - available_out);
  return out;
}

}  // namespace sw::publish
