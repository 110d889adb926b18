#include "publish/manifest.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace sw::publish {
namespace {

constexpr int kFormat = 1;         // the entries in the signed body
constexpr int kChunkedFormat = 2;  // the signed body names chunk blobs
// How sign_manifest() writes a document around the signed body (nlohmann's key order and spacing).
constexpr std::string_view kDocumentStart = "{\"format\":1,\"manifest\":";  // kFormat
constexpr std::string_view kChunkedDocumentStart = "{\"format\":2,\"manifest\":";  // kChunkedFormat
constexpr std::string_view kSignatureKey = ",\"signature\":";
constexpr std::string_view kSignerKey = ",\"signer\":";

std::unexpected<Error> invalid(std::string what) {
  return fail("publish.manifest_invalid", "release manifest: " + std::move(what));
}

// Reads j[key] as T, or names the field that is missing or of the wrong type.
template <class T>
Result<T> field(const nlohmann::json& j, const char* key, std::string_view where) {
  const auto it = j.find(key);
  if (it == j.end()) return invalid("missing field \"" + std::string(key) + "\" in " + std::string(where));
  if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) return invalid("field \"" + std::string(key) + "\" in " + std::string(where) + " is not a string");
  } else {
    if (!it->is_number_integer()) return invalid("field \"" + std::string(key) + "\" in " + std::string(where) + " is not an integer");
    if constexpr (std::is_unsigned_v<T>) {
      if (it->is_number_integer() && !it->is_number_unsigned() && it->template get<std::int64_t>() < 0)
        return invalid("field \"" + std::string(key) + "\" in " + std::string(where) + " is negative");
    }
  }
  return it->template get<T>();
}

Result<crypto::Digest> digest_field(const nlohmann::json& j, const char* key, std::string_view where) {
  auto text = field<std::string>(j, key, where);
  if (!text) return std::unexpected(text.error());
  auto d = crypto::Digest::parse(*text);
  if (!d || d->bytes.size() != 32 || d->to_string() != *text)
    return invalid("field \"" + std::string(key) + "\" in " + std::string(where) + " is not a digest");
  return *d;
}

Result<std::optional<Variant>> variant_field(const nlohmann::json& f, const char* key, std::string_view where) {
  const auto it = f.find(key);
  if (it == f.end()) return std::optional<Variant>{};
  if (!it->is_object()) return invalid("field \"" + std::string(key) + "\" in " + std::string(where) + " is not an object");
  const std::string inner = std::string(where) + "." + key;
  auto d = digest_field(*it, "digest", inner);
  if (!d) return std::unexpected(d.error());
  auto size = field<std::uint64_t>(*it, "size", inner);
  if (!size) return std::unexpected(size.error());
  return std::optional<Variant>{Variant{*d, *size}};
}

// Appends the entries of `files` (a JSON array) to `out`, each checked and after the last one in
// path order; `first` numbers them in messages (their index in the whole manifest).
Status append_files(const nlohmann::json& files, std::vector<ManifestEntry>& out, std::size_t first) {
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto& f = files[i];
    const std::string where = "files[" + std::to_string(first + i) + "]";
    if (!f.is_object()) return invalid(where + " is not an object");
    ManifestEntry e;
    auto path = field<std::string>(f, "path", where);
    if (!path) return std::unexpected(path.error());
    e.path = *path;
    auto type = field<std::string>(f, "type", where);
    if (!type) return std::unexpected(type.error());
    e.content_type = *type;
    auto size = field<std::uint64_t>(f, "size", where);
    if (!size) return std::unexpected(size.error());
    e.size = *size;
    auto digest = digest_field(f, "digest", where);
    if (!digest) return std::unexpected(digest.error());
    e.digest = *digest;
    auto gz = variant_field(f, "gzip", where);
    if (!gz) return std::unexpected(gz.error());
    e.gzip = *gz;
    auto br = variant_field(f, "br", where);
    if (!br) return std::unexpected(br.error());
    e.brotli = *br;
    if (auto s = check_path(e.path); !s) return std::unexpected(s.error());
    if (!out.empty() && !(out.back().path < e.path))
      return invalid("entries are not sorted and unique at \"" + e.path + "\"");
    out.push_back(std::move(e));
  }
  return ok();
}

// The fields every format's body has: site_id, created_at, created_by, base.
Result<Manifest> header_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return invalid("\"manifest\" is not an object");
  Manifest m;
  auto site = field<std::int64_t>(j, "site_id", "manifest");
  if (!site) return std::unexpected(site.error());
  auto at = field<std::string>(j, "created_at", "manifest");
  if (!at) return std::unexpected(at.error());
  auto by = field<std::string>(j, "created_by", "manifest");
  if (!by) return std::unexpected(by.error());
  auto base = field<std::string>(j, "base", "manifest");
  if (!base) return std::unexpected(base.error());
  m.site_id = *site;
  m.created_at = std::move(*at);
  m.created_by = std::move(*by);
  m.base = std::move(*base);
  return m;
}

// Format 1: the entries in the body.
Result<Manifest> from_json(const nlohmann::json& j) {
  SW_TRY(m, header_from_json(j));
  const auto files = j.find("files");
  if (files == j.end() || !files->is_array()) return invalid("\"files\" is missing or not an array");
  m.entries.reserve(files->size());
  SW_CHECK(append_files(*files, m.entries, 0));
  return m;
}

// Format 2: the body names the chunks; each is read (its digest checked by the reader), parsed and
// appended in order, so the whole list is checked sorted and unique across chunks.
Result<Manifest> from_chunked_json(const nlohmann::json& j, const ManifestChunkReader& read_chunk) {
  if (!read_chunk) return invalid("a chunked manifest (format 2) needs the blob store to read its chunks");
  SW_TRY(m, header_from_json(j));
  const auto chunks = j.find("chunks");
  if (chunks == j.end() || !chunks->is_array()) return invalid("\"chunks\" is missing or not an array");
  m.chunks.reserve(chunks->size());
  for (std::size_t k = 0; k < chunks->size(); ++k) {
    const std::string where = "chunks[" + std::to_string(k) + "]";
    const auto& c = (*chunks)[k];
    if (!c.is_object()) return invalid(where + " is not an object");
    SW_TRY(digest, digest_field(c, "digest", where));
    SW_TRY(files, field<std::uint64_t>(c, "files", where));
    if (files == 0 || files > kManifestChunkMaxFiles * 16) return invalid("field \"files\" in " + where + " is out of range");
    m.chunks.push_back(ManifestChunk{std::move(digest), static_cast<std::size_t>(files)});
  }
  for (std::size_t k = 0; k < m.chunks.size(); ++k) {
    const std::string where = "chunk " + std::to_string(k) + " (" + m.chunks[k].digest.to_string() + ")";
    SW_TRY(bytes, read_chunk(m.chunks[k].digest));
    const auto chunk = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
    if (chunk.is_discarded() || !chunk.is_object() || chunk.size() != 1) return invalid(where + " is not {\"files\":[...]}");
    const auto files = chunk.find("files");
    if (files == chunk.end() || !files->is_array()) return invalid(where + " is not {\"files\":[...]}");
    if (files->size() != m.chunks[k].files)
      return invalid(where + " holds " + std::to_string(files->size()) + " entries, the manifest says " +
                     std::to_string(m.chunks[k].files));
    SW_CHECK(append_files(*files, m.entries, m.entries.size()));
  }
  return m;
}

}  // namespace

const ManifestEntry* Manifest::find(std::string_view path) const {
  const auto it = std::lower_bound(entries.begin(), entries.end(), path,
                                   [](const ManifestEntry& e, std::string_view p) { return e.path < p; });
  return it != entries.end() && it->path == path ? &*it : nullptr;
}

Status Manifest::normalise() {
  for (const auto& e : entries)
    if (auto s = check_path(e.path); !s) return s;
  const auto by_path = [](const auto& a, const auto& b) { return a.path < b.path; };
  // A build assembles its entries mostly in order (an incremental one: the few added, then the base's
  // in order): the unsorted head is sorted and merged into the sorted tail, instead of sorting ~10,000
  // entries for every article.
  if (!std::is_sorted(entries.begin(), entries.end(), by_path)) {
    std::size_t tail = entries.size() - 1;
    while (tail > 0 && !by_path(entries[tail], entries[tail - 1])) --tail;
    const auto middle = entries.begin() + static_cast<std::ptrdiff_t>(tail);
    std::sort(entries.begin(), middle, by_path);
    std::inplace_merge(entries.begin(), middle, entries.end(), by_path);
  }
  for (std::size_t i = 1; i < entries.size(); ++i)
    if (entries[i - 1].path == entries[i].path) return invalid("duplicate path \"" + entries[i].path + "\"");
  return ok();
}

std::uint64_t Manifest::total_bytes() const {
  std::uint64_t total = 0;
  for (const auto& e : entries) total += e.size;
  return total;
}

Status check_path(std::string_view path) {
  const auto bad = [&](std::string why) { return invalid("path \"" + std::string(path.substr(0, 200)) + "\" " + why); };
  if (path.empty() || path.front() != '/') return bad("does not start with '/'");
  if (path.size() > kMaxPathBytes) return bad("is longer than " + std::to_string(kMaxPathBytes) + " bytes");
  if (path.back() == '/') return bad("names a directory, not a file");
  for (const char c : path)
    if (c == '\0' || c == '\r' || c == '\n' || c == '\\') return bad("holds a NUL, CR, LF or backslash");
  std::size_t start = 1;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view segment = path.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") return bad("has an empty, \".\" or \"..\" segment");
    start = end + 1;
  }
  return ok();
}

namespace {

// `text` as nlohmann's dump() writes a JSON string: printable ASCII without '"' or '\\' (every path
// and content type the renderer makes) is quoted as it stands, anything else goes through nlohmann
// (escapes, UTF-8 checked: invalid UTF-8 is "publish.manifest_invalid").
Status append_json_string(std::string& out, std::string_view text) {
  bool plain = true;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') {
      plain = false;
      break;
    }
  }
  if (plain) {
    out += '"';
    out += text;
    out += '"';
    return ok();
  }
  try {
    out += nlohmann::json(std::string(text)).dump();
  } catch (const nlohmann::json::exception&) {
    return invalid("a path, type or name is not valid UTF-8");
  }
  return ok();
}

Status append_variant(std::string& out, std::string_view key, const Variant& v) {
  out += key;
  out += "{\"digest\":";
  SW_CHECK(append_json_string(out, v.digest.to_string()));
  out += ",\"size\":";
  out += std::to_string(v.size);
  out += '}';
  return ok();
}

Status append_entries(std::string& out, std::span<const ManifestEntry> entries) {
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const ManifestEntry& e = entries[i];
    out += i == 0 ? "{" : ",{";
    if (e.brotli) {
      SW_CHECK(append_variant(out, "\"br\":", *e.brotli));
      out += ',';
    }
    out += "\"digest\":";
    SW_CHECK(append_json_string(out, e.digest.to_string()));
    if (e.gzip) SW_CHECK(append_variant(out, ",\"gzip\":", *e.gzip));
    out += ",\"path\":";
    SW_CHECK(append_json_string(out, e.path));
    out += ",\"size\":";
    out += std::to_string(e.size);
    out += ",\"type\":";
    SW_CHECK(append_json_string(out, e.content_type));
    out += '}';
  }
  return ok();
}

Status append_header_start(std::string& out, const Manifest& m) {
  out += "{\"base\":";
  SW_CHECK(append_json_string(out, m.base));
  return ok();
}

Status append_header_end(std::string& out, const Manifest& m) {
  out += ",\"created_at\":";
  SW_CHECK(append_json_string(out, m.created_at));
  out += ",\"created_by\":";
  SW_CHECK(append_json_string(out, m.created_by));
  return ok();
}

// The document as nlohmann would dump {"format","manifest","signature","signer"} (keys sorted, no
// whitespace), written around the signed body instead of parsing it back and dumping it again.
Result<std::string> signed_document(std::string_view start, const std::string& body, const crypto::Suite& suite,
                                    const crypto::SigningKey& key) {
  auto signature = suite.sign(key, body);
  if (!signature) return std::unexpected(signature.error());
  std::string doc(start);
  doc.reserve(body.size() + 512);
  doc += body;
  doc += kSignatureKey;
  doc += nlohmann::json(signature->to_string()).dump();
  doc += kSignerKey;
  doc += nlohmann::json(key.public_key.to_string()).dump();
  doc += '}';
  return doc;
}

// FNV-1a of the path: where content-defined chunk boundaries fall (not part of the format: a reader
// takes any chunking).
std::uint64_t path_hash(std::string_view path) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : path) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

// The canonical body: exactly what nlohmann's dump() of the manifest as a JSON object gives (keys
// sorted, no whitespace), written directly: a 10,000-file manifest built as a JSON tree costs tens
// of thousands of allocations, and an incremental publish signs one for every article.
Result<std::string> manifest_body(const Manifest& m) {
  std::string out;
  out.reserve(128 + m.entries.size() * 300);
  SW_CHECK(append_header_start(out, m));
  SW_CHECK(append_header_end(out, m));
  out += ",\"files\":[";
  SW_CHECK(append_entries(out, m.entries));
  out += "],\"site_id\":";
  out += std::to_string(m.site_id);
  out += '}';
  return out;
}

std::vector<std::size_t> manifest_chunk_ends(std::span<const ManifestEntry> entries) {
  std::vector<std::size_t> ends;
  ends.reserve(entries.size() / kManifestChunkFiles * 2 + 1);
  std::size_t start = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (path_hash(entries[i].path) % kManifestChunkFiles == kManifestChunkFiles - 1 ||
        i + 1 - start == kManifestChunkMaxFiles || i + 1 == entries.size()) {
      ends.push_back(i + 1);
      start = i + 1;
    }
  }
  return ends;
}

Result<std::string> manifest_chunk_body(std::span<const ManifestEntry> entries) {
  std::string out;
  out.reserve(16 + entries.size() * 300);
  out += "{\"files\":[";
  SW_CHECK(append_entries(out, entries));
  out += "]}";
  return out;
}

Result<std::string> sign_manifest(Manifest manifest, const crypto::Suite& suite, const crypto::SigningKey& key) {
  if (auto s = manifest.normalise(); !s) return std::unexpected(s.error());
  return sign_normalised_manifest(manifest, suite, key);
}

Result<std::string> sign_normalised_manifest(const Manifest& manifest, const crypto::Suite& suite,
                                             const crypto::SigningKey& key) {
  SW_TRY(body, manifest_body(manifest));
  return signed_document(kDocumentStart, body, suite, key);
}

Result<std::string> sign_chunked_manifest(Manifest& manifest, const Manifest* base, const crypto::Suite& suite,
                                          const crypto::SigningKey& key, const ManifestChunkWriter& write_chunk,
                                          std::size_t* reused) {
  if (reused) *reused = 0;
  // The base's chunks by the path each starts with (only when they describe its entries).
  std::vector<std::size_t> base_starts;
  if (base && !base->chunks.empty()) {
    std::size_t at = 0;
    for (const ManifestChunk& c : base->chunks) {
      base_starts.push_back(at);
      at += c.files;
    }
    if (at != base->entries.size()) base_starts.clear();
  }
  const auto reusable = [&](std::size_t begin, std::size_t end) -> const ManifestChunk* {
    if (base_starts.empty()) return nullptr;
    const std::string& first = manifest.entries[begin].path;
    const auto it = std::lower_bound(base_starts.begin(), base_starts.end(), first,
                                     [&](std::size_t start, const std::string& p) { return base->entries[start].path < p; });
    if (it == base_starts.end() || base->entries[*it].path != first) return nullptr;
    const ManifestChunk& c = base->chunks[static_cast<std::size_t>(it - base_starts.begin())];
    if (c.files != end - begin) return nullptr;
    if (!std::equal(manifest.entries.begin() + static_cast<std::ptrdiff_t>(begin),
                    manifest.entries.begin() + static_cast<std::ptrdiff_t>(end),
                    base->entries.begin() + static_cast<std::ptrdiff_t>(*it)))
      return nullptr;
    return &c;
  };
  std::vector<ManifestChunk> chunks;
  std::size_t begin = 0;
  for (const std::size_t end : manifest_chunk_ends(manifest.entries)) {
    if (const ManifestChunk* same = reusable(begin, end)) {
      chunks.push_back(*same);
      if (reused) ++*reused;
    } else {
      SW_TRY(bytes, manifest_chunk_body(std::span(manifest.entries).subspan(begin, end - begin)));
      SW_TRY(digest, write_chunk(bytes));
      chunks.push_back(ManifestChunk{std::move(digest), end - begin});
    }
    begin = end;
  }
  std::string body;
  body.reserve(256 + chunks.size() * 100);
  SW_CHECK(append_header_start(body, manifest));
  body += ",\"chunks\":[";
  for (std::size_t k = 0; k < chunks.size(); ++k) {
    body += k == 0 ? "{\"digest\":" : ",{\"digest\":";
    SW_CHECK(append_json_string(body, chunks[k].digest.to_string()));
    body += ",\"files\":";
    body += std::to_string(chunks[k].files);
    body += '}';
  }
  body += ']';
  SW_CHECK(append_header_end(body, manifest));
  body += ",\"site_id\":";
  body += std::to_string(manifest.site_id);
  body += '}';
  SW_TRY(document, signed_document(kChunkedDocumentStart, body, suite, key));
  manifest.chunks = std::move(chunks);
  return document;
}

namespace {

// A quoted JSON string of printable ASCII without '"' or '\\' (what a signature or key's text is).
bool plain_string(std::string_view quoted) {
  if (quoted.size() < 2 || quoted.front() != '"' || quoted.back() != '"') return false;
  for (const char c : quoted.substr(1, quoted.size() - 2))
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      return false;
  return true;
}

// The fast path for a document as sign_manifest() writes it: the signature is checked over the
// body's bytes as they stand in the document, and the manifest is parsed from exactly those bytes
// (not the whole document parsed and the body dumped again: a 10,000-file manifest is ~3 MB). A
// trusted signer signs only canonical serialisations, so bytes that verify are the canonical one.
// nullopt: the document does not have that shape, or its signature did not verify over the raw
// bytes — the caller then takes the general path, which decides.
std::optional<Result<Manifest>> verify_written_document(std::string_view document,
                                                        std::span<const crypto::PublicKey> trusted,
                                                        const ManifestChunkReader& read_chunk) {
  const bool chunked = document.starts_with(kChunkedDocumentStart);
  static_assert(kDocumentStart.size() == kChunkedDocumentStart.size());
  if ((!chunked && !document.starts_with(kDocumentStart)) || !document.ends_with("\"}")) return std::nullopt;
  const std::size_t signer_at = document.rfind(kSignerKey);
  if (signer_at == std::string_view::npos) return std::nullopt;
  const std::size_t signature_at = document.rfind(kSignatureKey, signer_at);
  if (signature_at == std::string_view::npos || signature_at < kDocumentStart.size() ||
      signature_at + kSignatureKey.size() > signer_at)
    return std::nullopt;
  const std::string_view signature_json =
      document.substr(signature_at + kSignatureKey.size(), signer_at - signature_at - kSignatureKey.size());
  const std::string_view signer_json =
      document.substr(signer_at + kSignerKey.size(), document.size() - 1 - signer_at - kSignerKey.size());
  if (!plain_string(signature_json) || !plain_string(signer_json)) return std::nullopt;
  const std::string_view body = document.substr(kDocumentStart.size(), signature_at - kDocumentStart.size());
  const std::string signer_text(signer_json.substr(1, signer_json.size() - 2));
  auto signer = crypto::PublicKey::parse(signer_text);
  auto signature = crypto::Signature::parse(signature_json.substr(1, signature_json.size() - 2));
  if (!signer || !signature) return std::nullopt;
  if (std::find(trusted.begin(), trusted.end(), *signer) == trusted.end())
    return Result<Manifest>(fail("publish.manifest_untrusted", "release manifest: signed by a key this node does not "
                                                               "trust (" + signer_text.substr(0, 24) + "...)"));
  if (!crypto::verify(*signer, body, *signature)) return std::nullopt;
  // Exactly the signed bytes, strictly one JSON value (trailing bytes are refused by parse()).
  const auto manifest = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (manifest.is_discarded()) return std::nullopt;
  return chunked ? from_chunked_json(manifest, read_chunk) : from_json(manifest);
}

}  // namespace

Result<Manifest> verify_manifest(std::string_view document, std::span<const crypto::PublicKey> trusted,
                                 const ManifestChunkReader& read_chunk) {
  if (auto fast = verify_written_document(document, trusted, read_chunk)) return std::move(*fast);
  const auto doc = nlohmann::json::parse(document, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return invalid("the document is not a JSON object");
  auto format = field<std::int64_t>(doc, "format", "document");
  if (!format) return std::unexpected(format.error());
  if (*format != kFormat && *format != kChunkedFormat) return invalid("unknown format " + std::to_string(*format));
  const auto body = doc.find("manifest");
  if (body == doc.end()) return invalid("missing field \"manifest\"");
  auto signer_text = field<std::string>(doc, "signer", "document");
  if (!signer_text) return std::unexpected(signer_text.error());
  auto signature_text = field<std::string>(doc, "signature", "document");
  if (!signature_text) return std::unexpected(signature_text.error());
  auto signer = crypto::PublicKey::parse(*signer_text);
  if (!signer) return invalid("field \"signer\" is not a public key");
  auto signature = crypto::Signature::parse(*signature_text);
  if (!signature) return invalid("field \"signature\" is not a signature");
  if (std::find(trusted.begin(), trusted.end(), *signer) == trusted.end())
    return fail("publish.manifest_untrusted", "release manifest: signed by a key this node does not trust (" +
                                                  signer_text->substr(0, 24) + "...)");
  if (auto s = crypto::verify(*signer, body->dump(), *signature); !s)
    return fail("publish.manifest_bad_signature", "release manifest: the signature does not verify");
  return *format == kChunkedFormat ? from_chunked_json(*body, read_chunk) : from_json(*body);
}

}  // namespace sw::publish
