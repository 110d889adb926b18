// LiveGeneration: the node's release generation counter in a shared 8-byte mapping (release_store.h).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "base/file_descriptor.h"
#include "publish/release_store.h"

namespace sw::publish {
namespace {

constexpr std::size_t kCounterBytes = sizeof(std::uint64_t);
constexpr mode_t kRunDirMode = 0700;
constexpr mode_t kFileMode = 0600;

std::unexpected<Error> generation_error(const std::filesystem::path& file, std::string why) {
  return fail("publish.generation", "live generation file " + file.string() + ": " + std::move(why));
}

std::atomic_ref<std::uint64_t> counter(void* map) {
  return std::atomic_ref<std::uint64_t>(*static_cast<std::uint64_t*>(map));
}

}  // namespace

std::filesystem::path generation_file(const std::filesystem::path& data_dir) {
  return data_dir / "run" / "live-generation";
}

Result<std::unique_ptr<LiveGeneration>> LiveGeneration::open(const std::filesystem::path& file) {
  const auto dir = file.parent_path();
  if (!dir.empty() && ::mkdir(dir.c_str(), kRunDirMode) != 0 && errno != EEXIST)
    return generation_error(file, std::string("cannot create its directory: ") + std::strerror(errno));
  FileDescriptor fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, kFileMode));
  if (!fd.valid()) return generation_error(file, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return generation_error(file, std::string("cannot stat: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return generation_error(file, "is not a regular file");
  if (static_cast<std::size_t>(st.st_size) > kCounterBytes)
    return generation_error(file, "holds " + std::to_string(st.st_size) + " bytes, not 8");
  // A new (empty) file grows to 8 zero bytes; two processes doing this at once both write zeros.
  if (static_cast<std::size_t>(st.st_size) < kCounterBytes && ::ftruncate(fd.get(), kCounterBytes) != 0)
    return generation_error(file, std::string("cannot size: ") + std::strerror(errno));
  void* map = ::mmap(nullptr, kCounterBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (map == MAP_FAILED) return generation_error(file, std::string("cannot map: ") + std::strerror(errno));
  std::unique_ptr<LiveGeneration> generation(new LiveGeneration());
  generation->map_ = map;
  return generation;
}

LiveGeneration::~LiveGeneration() {
  if (map_ != nullptr) ::munmap(map_, kCounterBytes);
}

std::uint64_t LiveGeneration::current() const { return counter(map_).load(std::memory_order_acquire); }

std::uint64_t LiveGeneration::bump() { return counter(map_).fetch_add(1, std::memory_order_acq_rel) + 1; }

}  // namespace sw::publish
