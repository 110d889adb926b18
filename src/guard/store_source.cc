#include "guard/store_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "base/file_descriptor.h"

namespace sw::guard {

Result<std::vector<LiveRelease>> StoreReleaseSource::live_releases() {
  std::lock_guard lock(mutex_);
  SW_TRY(sites, store_.live_sites());
  std::map<std::string, std::shared_ptr<const publish::Manifest>> kept;
  std::vector<LiveRelease> out;
  for (publish::LiveSite& site : sites) {
    const std::string key = site.manifest_digest.to_string();
    auto it = manifests_.find(key);
    std::shared_ptr<const publish::Manifest> manifest;
    if (it != manifests_.end()) {
      manifest = it->second;
    } else {
      SW_TRY(loaded, store_.load_document(site.manifest_digest));
      manifest = std::make_shared<const publish::Manifest>(std::move(loaded));
    }
    kept.emplace(key, manifest);
    out.push_back(LiveRelease{site.site_id, std::move(site.hosts), site.release_id, std::move(manifest)});
  }
  manifests_ = std::move(kept);
  return out;
}

Result<std::string> StoreReleaseSource::read_blob(const crypto::Digest& digest, std::uint64_t max_bytes) {
  SW_TRY(path, blobs_.path_of(digest));
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) {
    if (errno == ENOENT) return fail("guard.blob_missing", "blob " + digest.to_string() + " is missing");
    return fail("guard.io", path.string() + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return fail("guard.io", path.string() + ": not a file");
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    return fail("guard.blob_too_large", "blob " + digest.to_string() + " is larger than the guard serves");
  }
  std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("guard.io", path.string() + ": " + std::strerror(errno));
    if (n == 0) break;  // shrank meanwhile: the hash will not match
    done += static_cast<std::size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

}  // namespace sw::guard
