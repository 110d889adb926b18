#include "waf/prefilter_cache.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string_view>
#include <system_error>
#include <unordered_map>

#include "base/log.h"

namespace sw::waf::engine {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kEntryMagic = "SWPFHS01";  // a database entry: magic, key, size, SHA-256, payload
constexpr std::size_t kDigestBytes = 32;
constexpr std::size_t kEntryHeaderBytes = kEntryMagic.size() + kDigestBytes + 8 + kDigestBytes;
constexpr std::string_view kVerdictsHeader = "sitewarden prefilter expression verdicts 1";
constexpr std::size_t kMaxVerdicts = 20'000;  // lines kept in the verdicts file
constexpr std::uint64_t kMaxVerdictsFileBytes = 16ULL << 20;
constexpr auto kStaleTemporary = std::chrono::hours(1);  // a crashed writer's temporary file

// SHA-256 (OpenSSL EVP). A failed EVP call makes digest() "" and the caller uses no cache: a key that is
// not the hash of its input could name another input's database.
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    ok_ = ctx_ != nullptr && EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) == 1;
  }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void add(std::string_view s) { ok_ = ok_ && EVP_DigestUpdate(ctx_, s.data(), s.size()) == 1; }
  void add_number(std::uint64_t n) {
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(n >> (8 * i));
    add(std::string_view(b, sizeof b));
  }
  void add_field(std::string_view s) {  // length first: no two inputs hash the same byte sequence
    add_number(s.size());
    add(s);
  }
  std::string digest() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned length = 0;
    if (!ok_ || EVP_DigestFinal_ex(ctx_, out, &length) != 1 || length != kDigestBytes) return {};
    return std::string(reinterpret_cast<const char*>(out), length);
  }

 private:
  EVP_MD_CTX* ctx_;
  bool ok_ = false;
};

std::string sha256(std::string_view s) {
  Sha256 h;
  h.add(s);
  return h.digest();
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

void put_u64(std::string& out, std::uint64_t n) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>(n >> (8 * i));
}

std::uint64_t get_u64(std::string_view in) {
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(in[static_cast<std::size_t>(i)]);
  return n;
}

std::string errno_text() { return std::strerror(errno); }

bool is_entry_name(const std::string& name) {
  return (name.starts_with("db-") && name.ends_with(".hsdb")) ||
         (name.starts_with("expressions-") && name.ends_with(".txt"));
}

bool is_temporary_name(const std::string& name) {  // write_atomic's ".<entry name>.tmp-<pid>-<n>"
  const auto at = name.find(".tmp-");
  return name.starts_with(".") && at != std::string::npos && at > 1 && is_entry_name(name.substr(1, at - 1));
}

// Creates the missing directories of `dir`, each 0700 (the umask does not apply). "" or the problem.
std::string make_private_dirs(const fs::path& dir) {
  std::error_code ec;
  auto status = fs::status(dir, ec);
  if (!ec && fs::exists(status)) {
    return fs::is_directory(status) ? "" : dir.string() + " exists and is not a directory";
  }
  if (dir.has_parent_path() && dir.parent_path() != dir) {
    if (auto problem = make_private_dirs(dir.parent_path()); !problem.empty()) return problem;
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return "cannot create " + dir.string() + ": " + errno_text();
  ::chmod(dir.c_str(), 0700);
  return "";
}

// Reads the whole regular file at `path` when it holds at most `max_bytes`. false when it does not
// exist; `problem` set when it exists but cannot be read or is too large.
bool read_whole(const fs::path& path, std::uint64_t max_bytes, std::string& out, std::string& problem) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno != ENOENT) problem = "cannot read " + path.string() + ": " + errno_text();
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    problem = path.string() + " is not a cache file of at most " + std::to_string(max_bytes) + " bytes";
    ::close(fd);
    return false;
  }
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  if (done == out.size()) ::futimens(fd, nullptr);  // used now: the cap removes least recently used first
  ::close(fd);
  if (done != out.size()) {
    problem = "cannot read " + path.string() + " whole";
    return false;
  }
  return true;
}

// Writes `bytes` to `path` atomically: a temporary file in the same directory (0600, O_EXCL), fsync,
// rename. The directory is fsynced once at the end of the build (PrefilterCache::finish). "" or the problem.
std::string write_atomic(const fs::path& path, std::string_view bytes) {
  static std::atomic<std::uint64_t> counter{0};
  const fs::path temporary =
      path.parent_path() / ("." + path.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                            std::to_string(counter++));
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return "cannot write " + temporary.string() + ": " + errno_text();
  std::string problem;
  ::fchmod(fd, 0600);
  std::size_t done = 0;
  while (done < bytes.size() && problem.empty()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      problem = "cannot write " + temporary.string() + ": " + errno_text();
    else
      done += static_cast<std::size_t>(n);
  }
  if (problem.empty() && ::fsync(fd) != 0)
    problem = "cannot sync " + temporary.string() + ": " + errno_text();
  if (::close(fd) != 0 && problem.empty())
    problem = "cannot write " + temporary.string() + ": " + errno_text();
  if (problem.empty() && ::rename(temporary.c_str(), path.c_str()) != 0) {
    problem = "cannot rename " + temporary.string() + ": " + errno_text();
  }
  if (!problem.empty()) ::unlink(temporary.c_str());
  return problem;
}

}  // namespace

struct PrefilterCache::State {
  fs::path dir;
  PrefilterCacheLimits limits;
  bool enabled = false;  // the directory is there: entries are read (and written while `writable`)
  bool writable = true;  // no write has failed in this build (after one failure none is tried)
  std::string identity;  // vectorscan's version and the platform: part of every database key
  std::string version_tag;
  std::vector<std::string> problems;
  std::size_t hits = 0, compiled = 0, written = 0;
  std::unordered_map<std::string, bool> verdicts;  // hex SHA-256 of (version, flags, pattern) -> accepted
  std::set<std::string> verdicts_used;
  bool verdicts_changed = false;
  bool finished = false;

  fs::path verdicts_path() const { return dir / ("expressions-" + version_tag + ".txt"); }
  fs::path entry_path(const std::string& key) const { return dir / ("db-" + hex(key) + ".hsdb"); }

  void note(std::string problem) { problems.push_back(std::move(problem)); }

  void write(const fs::path& path, std::string_view bytes) {
    if (!writable) return;
    if (auto problem = write_atomic(path, bytes); !problem.empty()) {
      note(problem);
      writable = false;
      return;
    }
    ++written;
  }

  void load_verdicts();
  void save_verdicts();
  void scan_directory();  // foreign files noted; stale temporaries removed; capped after writes
};

void PrefilterCache::State::load_verdicts() {
  std::string text, problem;
  if (!read_whole(verdicts_path(), kMaxVerdictsFileBytes, text, problem)) {
    if (!problem.empty()) note(problem);
    return;
  }
  // Header line, the hex SHA-256 of everything after the second line, then "<64 hex> <0|1>" lines.
  auto first = text.find('\n');
  auto second = first == std::string::npos ? first : text.find('\n', first + 1);
  bool intact =
      second != std::string::npos && text.substr(0, first) == kVerdictsHeader &&
      text.substr(first + 1, second - first - 1) == hex(sha256(std::string_view(text).substr(second + 1)));
  std::unordered_map<std::string, bool> loaded;
  for (std::size_t at = intact ? second + 1 : text.size(); intact && at < text.size();) {
    auto end = text.find('\n', at);
    std::string_view line = std::string_view(text).substr(at, end == std::string::npos ? end : end - at);
    if (end == std::string::npos || line.size() != 2 * kDigestBytes + 2 || line[2 * kDigestBytes] != ' ' ||
        (line.back() != '0' && line.back() != '1')) {
      intact = false;
      break;
    }
    loaded.emplace(std::string(line.substr(0, 2 * kDigestBytes)), line.back() == '1');
    at = end + 1;
  }
  if (!intact) {
    note(verdicts_path().string() + " is corrupt (ignored, written again)");
    verdicts_changed = true;
    return;
  }
  verdicts = std::move(loaded);
}

void PrefilterCache::State::save_verdicts() {
  std::string body;
  std::size_t lines = 0;
  auto add = [&](const std::string& k, bool usable) {
    body += k + (usable ? " 1\n" : " 0\n");
    ++lines;
  };
  for (const auto& k : verdicts_used) add(k, verdicts.at(k));  // this build's first, then older ones
  for (const auto& [k, usable] : verdicts) {
    if (lines >= kMaxVerdicts) break;
    if (!verdicts_used.contains(k)) add(k, usable);
  }
  write(verdicts_path(), std::string(kVerdictsHeader) + "\n" + hex(sha256(body)) + "\n" + body);
}

void PrefilterCache::State::scan_directory() {
  struct Entry {
    fs::path path;
    std::uint64_t bytes;
    fs::file_time_type used;
  };
  std::vector<Entry> entries;
  std::size_t foreign = 0;
  std::string foreign_example;
  std::error_code ec;
  const auto now = fs::file_time_type::clock::now();
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code e;
    const bool regular = it->is_regular_file(e) && !it->is_symlink(e);
    if (regular && is_temporary_name(name)) {
      auto t = it->last_write_time(e);
      if (!e && now - t > kStaleTemporary) fs::remove(it->path(), e);
      continue;
    }
    if (!regular || !is_entry_name(name)) {
      if (foreign++ == 0) foreign_example = name;
      continue;
    }
    auto size = it->file_size(e);
    auto t = it->last_write_time(e);
    if (!e) entries.push_back({it->path(), size, t});
  }
  if (ec) {
    note("cannot list " + dir.string() + ": " + ec.message());
    return;
  }
  if (foreign > 0) {
    note(dir.string() + " holds " + std::to_string(foreign) +
         " file(s) that are not prefilter cache entries, e.g. " + foreign_example + " (left alone)");
  }
  if (written == 0) return;
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.used < b.used; });
  std::uint64_t total = 0;
  for (const auto& e : entries) total += e.bytes;
  std::size_t count = entries.size();
  for (const auto& e : entries) {
    if (count <= limits.max_entries && total <= limits.max_bytes) break;
    if (e.path == verdicts_path()) continue;  // this version's verdicts stay (small, read by every build)
    std::error_code removed;
    if (fs::remove(e.path, removed)) {
      --count;
      total -= e.bytes;
    }
  }
}

PrefilterCache::PrefilterCache(fs::path dir, PrefilterCacheLimits limits) : s_(std::make_unique<State>()) {
  s_->dir = std::move(dir);
  s_->limits = limits;
  if (s_->dir.empty()) return;
  hs_platform_info_t platform{};
  if (hs_populate_platform(&platform) != HS_SUCCESS) {
    s_->note("vectorscan could not describe this platform; the cache is not used");
    return;
  }
  const std::string version = hs_version();
  s_->identity = "vectorscan " + version + " tune " + std::to_string(platform.tune) + " cpu_features " +
                 std::to_string(platform.cpu_features) + " " + std::to_string(platform.reserved1) + " " +
                 std::to_string(platform.reserved2);
  const std::string tag = hex(sha256(version));
  if (tag.empty()) {
    s_->note("SHA-256 is not available; the cache is not used");
    return;
  }
  s_->version_tag = tag.substr(0, 16);
  if (auto problem = make_private_dirs(s_->dir); !problem.empty()) {
    s_->note(problem + "; the cache is not used");
    return;
  }
  s_->enabled = true;
  s_->load_verdicts();
}

PrefilterCache::~PrefilterCache() { finish(); }

std::size_t PrefilterCache::databases_from_cache() const { return s_->hits; }
std::size_t PrefilterCache::databases_compiled() const { return s_->compiled; }

bool PrefilterCache::expression_usable(const std::string& pattern, unsigned flags) {
  std::string k;
  if (s_->enabled) {
    Sha256 h;
    h.add_field("sitewarden prefilter expression 1");
    h.add_field(hs_version());
    h.add_number(flags);
    h.add_field(pattern);
    k = hex(h.digest());
  }
  if (!k.empty()) {
    if (auto it = s_->verdicts.find(k); it != s_->verdicts.end()) {
      s_->verdicts_used.insert(k);
      return it->second;
    }
  }
  hs_expr_info_t* info = nullptr;
  hs_compile_error_t* e = nullptr;
  const bool usable = hs_expression_info(pattern.c_str(), flags, &info, &e) == HS_SUCCESS;
  if (usable) {
    std::free(info);
  } else {
    hs_free_compile_error(e);
  }
  if (!k.empty()) {
    s_->verdicts[k] = usable;
    s_->verdicts_used.insert(k);
    s_->verdicts_changed = true;
  }
  return usable;
}

hs_database_t* PrefilterCache::database(const std::vector<std::string>& patterns,
                                        const std::vector<unsigned>& flags, std::string& error) {
  std::string key;
  if (s_->enabled) {
    Sha256 h;
    h.add_field("sitewarden prefilter database 1");
    h.add_field(s_->identity);
    h.add_number(HS_MODE_BLOCK);
    h.add_number(patterns.size());
    for (std::size_t i = 0; i < patterns.size(); ++i) {
      h.add_number(i);  // the id hs_compile_multi is given
      h.add_number(flags[i]);
      h.add_field(patterns[i]);
    }
    key = h.digest();
  }
  if (!key.empty()) {
    std::string bytes, problem;
    const fs::path path = s_->entry_path(key);
    if (read_whole(path, s_->limits.max_bytes, bytes, problem)) {
      std::string_view b = bytes;
      hs_database_t* db = nullptr;
      if (b.size() < kEntryHeaderBytes || b.substr(0, kEntryMagic.size()) != kEntryMagic ||
          b.substr(kEntryMagic.size(), kDigestBytes) != key ||
          get_u64(b.substr(kEntryMagic.size() + kDigestBytes, 8)) != b.size() - kEntryHeaderBytes ||
          b.substr(kEntryMagic.size() + kDigestBytes + 8, kDigestBytes) !=
              sha256(b.substr(kEntryHeaderBytes))) {
        problem = path.string() + " is truncated or corrupt (ignored, compiled and written again)";
      } else if (hs_deserialize_database(bytes.data() + kEntryHeaderBytes, bytes.size() - kEntryHeaderBytes,
                                         &db) != HS_SUCCESS) {
        problem = "vectorscan refused " + path.string() + " (ignored, compiled and written again)";
      } else {
        ++s_->hits;
        return db;
      }
    }
    if (!problem.empty()) s_->note(problem);
  }
  std::vector<const char*> expressions;
  std::vector<unsigned> ids;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    expressions.push_back(patterns[i].c_str());
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* e = nullptr;
  if (hs_compile_multi(expressions.data(), flags.data(), ids.data(),
                       static_cast<unsigned>(expressions.size()), HS_MODE_BLOCK, nullptr, &db,
                       &e) != HS_SUCCESS) {
    error = e != nullptr ? e->message : "?";
    hs_free_compile_error(e);
    return nullptr;
  }
  ++s_->compiled;
  if (!key.empty() && s_->writable) {
    char* serialized = nullptr;
    std::size_t length = 0;
    if (hs_serialize_database(db, &serialized, &length) == HS_SUCCESS) {
      std::string entry;
      entry.reserve(kEntryHeaderBytes + length);
      entry += kEntryMagic;
      entry += key;
      put_u64(entry, length);
      std::string_view payload(serialized, length);
      entry += sha256(payload);
      entry += payload;
      std::free(serialized);
      if (entry.size() == kEntryHeaderBytes + length) s_->write(s_->entry_path(key), entry);
    } else {
      s_->note("vectorscan could not serialize a database");
    }
  }
  return db;
}

void PrefilterCache::finish() {
  if (s_->finished) return;
  s_->finished = true;
  if (s_->enabled) {
    if (s_->verdicts_changed) s_->save_verdicts();
    if (s_->written > 0) {
      int fd = ::open(s_->dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
      }
    }
    s_->scan_directory();
  }
  if (!s_->problems.empty()) {
    log::warn("waf.prefilter_cache",
              {{"dir", s_->dir.string()},
               {"problem", s_->problems.front()},
               {"problems", s_->problems.size()},
               {"effect", "the prefilter's databases were compiled where the cache failed"}});
  }
  if (!s_->dir.empty()) {
    log::info("waf.prefilter_databases", {{"dir", s_->dir.string()},
                                          {"from_cache", s_->hits},
                                          {"compiled", s_->compiled},
                                          {"written", s_->written}});
  }
}

}  // namespace sw::waf::engine
