// The signed release manifest (N7.1): what verifies is exactly what the node signed.
#include "publish/manifest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

namespace sw::publish {
namespace {

struct Keys {
  const crypto::Suite& suite = crypto::suite(crypto::SuiteId::gm);
  crypto::SigningKey key = *suite.generate_signing_key();
  std::vector<crypto::PublicKey> trusted{key.public_key};
};

ManifestEntry entry(const crypto::Suite& suite, std::string path, std::string_view bytes) {
  ManifestEntry e;
  e.path = std::move(path);
  e.content_type = "text/html; charset=utf-8";
  e.size = bytes.size();
  e.digest = suite.hash(bytes);
  return e;
}

Manifest sample(const crypto::Suite& suite) {
  Manifest m;
  m.site_id = 7;
  m.created_at = "2026-11-26T12:00:00Z";
  m.created_by = "user:3";
  m.entries.push_back(entry(suite, "/news/index.html", "<p>news</p>"));
  m.entries.push_back(entry(suite, "/index.html", "<p>home</p>"));
  m.entries[1].gzip = Variant{suite.hash("gz"), 12};
  return m;
}

TEST(Manifest, SignedDocumentVerifiesAndRoundTrips) {
  Keys k;
  auto doc = sign_manifest(sample(k.suite), k.suite, k.key);
  ASSERT_TRUE(doc) << doc.error().message;
  auto m = verify_manifest(*doc, k.trusted);
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_EQ(m->entries.size(), 2u);
  EXPECT_EQ(m->entries[0].path, "/index.html");  // sorted
  ASSERT_NE(m->find("/index.html"), nullptr);
  EXPECT_TRUE(m->find("/index.html")->gzip.has_value());
  EXPECT_EQ(m->find("/missing.html"), nullptr);
  EXPECT_EQ(m->site_id, 7);
  EXPECT_EQ(m->total_bytes(), 22u);
}

// The document is written around the signed body as nlohmann would dump it (sign_manifest), and the
// fast path of verify_manifest reads the body's raw bytes; any other shape takes the general path.
TEST(Manifest, DocumentIsCanonicalAndOtherShapesTakeTheGeneralPath) {
  Keys k;
  const std::string doc = *sign_manifest(sample(k.suite), k.suite, k.key);
  EXPECT_EQ(nlohmann::json::parse(doc).dump(), doc);
  const std::string pretty = nlohmann::json::parse(doc).dump(2);  // same content, another shape
  auto m = verify_manifest(pretty, k.trusted);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->entries.size(), 2u);
  // Bytes smuggled after the signed body (a second "manifest" object) do not verify.
  std::string smuggled = doc;
  const std::size_t at = smuggled.find(",\"signature\":");
  smuggled.insert(at, ",\"manifest\":{}");
  auto bad = verify_manifest(smuggled, k.trusted);
  ASSERT_FALSE(bad);
  // A changed byte in the body, written in place, is refused by both paths.
  std::string changed = doc;
  const std::size_t path = changed.find("/news/index.html");
  changed[path + 1] = 'm';
  auto refused = verify_manifest(changed, k.trusted);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "publish.manifest_bad_signature");
}

// The body is written directly (no JSON tree) but must be exactly nlohmann's canonical dump, which
// the general verification path re-serialises: escapes, non-ASCII, both variants, neither.
TEST(Manifest, BodyIsExactlyTheCanonicalDump) {
  Keys k;
  Manifest m = sample(k.suite);
  m.base = "sm3:" + std::string(64, 'a');
  m.created_by = "cli:\"root\"\\\t\x01\x7f 管理员";
  m.entries.push_back(entry(k.suite, "/文章/\"q\"\x1f.html", "<p>x</p>"));
  m.entries.back().content_type = "text/plain; charset=\"utf-8\"";
  m.entries.back().brotli = Variant{k.suite.hash("br"), 0};
  m.entries.back().gzip = Variant{k.suite.hash("gz2"), 18446744073709551615ull};
  m.site_id = -3;
  ASSERT_TRUE(m.normalise());
  nlohmann::json files = nlohmann::json::array();
  for (const auto& e : m.entries) {
    nlohmann::json f = {{"path", e.path}, {"type", e.content_type}, {"size", e.size}, {"digest", e.digest.to_string()}};
    if (e.gzip) f["gzip"] = {{"digest", e.gzip->digest.to_string()}, {"size", e.gzip->size}};
    if (e.brotli) f["br"] = {{"digest", e.brotli->digest.to_string()}, {"size", e.brotli->size}};
    files.push_back(std::move(f));
  }
  const nlohmann::json expected = {{"site_id", m.site_id}, {"created_at", m.created_at}, {"created_by", m.created_by},
                                   {"base", m.base},       {"files", std::move(files)}};
  auto body = manifest_body(m);
  ASSERT_TRUE(body) << body.error().to_string();
  EXPECT_EQ(*body, expected.dump());
  // The document verifies on both paths and gives the manifest back.
  auto doc = sign_manifest(m, k.suite, k.key);
  ASSERT_TRUE(doc);
  auto back = verify_manifest(*doc, k.trusted);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->entries, m.entries);
  EXPECT_EQ(back->created_by, m.created_by);
  const auto parsed = nlohmann::json::parse(*doc);
  auto general = verify_manifest(parsed.dump(2), k.trusted);  // another shape: the general path
  ASSERT_TRUE(general) << general.error().to_string();
  EXPECT_EQ(general->entries, m.entries);

  // Invalid UTF-8 (nlohmann's dump would throw) is refused by name, not thrown.
  m.created_by = "cli:\xff\xfe";
  auto bad = manifest_body(m);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "publish.manifest_invalid");
}

TEST(Manifest, BothSuitesVerify) {
  const auto& intl = crypto::suite(crypto::SuiteId::intl);
  auto key = *intl.generate_signing_key();
  std::vector<crypto::PublicKey> trusted{key.public_key};
  auto doc = sign_manifest(sample(intl), intl, key);
  ASSERT_TRUE(doc);
  EXPECT_TRUE(verify_manifest(*doc, trusted));
}

TEST(Manifest, ChangedByteInManifestIsRefused) {
  Keys k;
  auto doc = *sign_manifest(sample(k.suite), k.suite, k.key);
  auto json = nlohmann::json::parse(doc);
  json["manifest"]["files"][0]["size"] = 999;
  auto m = verify_manifest(json.dump(), k.trusted);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, "publish.manifest_bad_signature");
}

TEST(Manifest, UntrustedSignerIsRefused) {
  Keys k;
  Keys other;
  auto doc = *sign_manifest(sample(k.suite), k.suite, k.key);
  auto m = verify_manifest(doc, other.trusted);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, "publish.manifest_untrusted");
}

TEST(Manifest, GarbageAndMissingFieldsAreNamed) {
  Keys k;
  EXPECT_EQ(verify_manifest("not json", k.trusted).error().code, "publish.manifest_invalid");
  auto json = nlohmann::json::parse(*sign_manifest(sample(k.suite), k.suite, k.key));
  json["manifest"]["files"][0].erase("digest");
  // re-sign the tampered body so only the shape is wrong
  const std::string body = json["manifest"].dump();
  json["signature"] = k.suite.sign(k.key, body)->to_string();
  auto m = verify_manifest(json.dump(), k.trusted);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("digest"), std::string::npos) << m.error().message;
}

TEST(Manifest, BadPathsAreRefused) {
  for (const char* p : {"", "index.html", "/", "/a//b", "/a/../b", "/./a", "/a\\b", "/dir/"})
    EXPECT_FALSE(check_path(p)) << p;
  EXPECT_TRUE(check_path("/columns/3/page/2/index.html"));
  EXPECT_TRUE(check_path("/attachments/ab/报告.pdf"));
  Keys k;
  auto m = sample(k.suite);
  m.entries.push_back(m.entries[0]);
  EXPECT_FALSE(sign_manifest(m, k.suite, k.key));  // duplicate path
}


// Format 2 (issue 5, incremental < 200 ms): the entries in content-addressed chunks named by the
// signed body. A blob store stand-in: chunks by digest.
struct ChunkStore {
  const crypto::Suite& suite;
  std::map<std::string, std::string> blobs;
  std::size_t writes = 0;
  ManifestChunkWriter writer() {
    return [this](std::string_view bytes) -> Result<crypto::Digest> {
      ++writes;
      auto d = suite.hash(bytes);
      blobs[d.to_string()] = std::string(bytes);
      return d;
    };
  }
  ManifestChunkReader reader() {
    return [this](const crypto::Digest& d) -> Result<std::string> {
      const auto it = blobs.find(d.to_string());
      if (it == blobs.end()) return fail("store.blob_missing", "no " + d.to_string());
      if (suite.hash(it->second) != d) return fail("store.blob_corrupt", "changed " + d.to_string());
      return it->second;
    };
  }
};

Manifest site_of(const crypto::Suite& suite, int articles) {
  Manifest m;
  m.site_id = 9;
  m.created_at = "2026-11-27T01:00:00Z";
  m.created_by = "cli:publisher";
  for (int i = 1; i <= articles; ++i) {
    m.entries.push_back(entry(suite, "/articles/" + std::to_string(i) + ".html", "article " + std::to_string(i)));
    m.entries.back().gzip = Variant{suite.hash("gz" + std::to_string(i)), 40};
    m.entries.back().brotli = Variant{suite.hash("br" + std::to_string(i)), 30};
  }
  m.entries.push_back(entry(suite, "/index.html", "home"));
  EXPECT_TRUE(m.normalise());
  return m;
}

TEST(Manifest, ChunkedDocumentRoundTripsThroughItsChunks) {
  Keys k;
  ChunkStore store{k.suite};
  Manifest m = site_of(k.suite, 2000);
  const Manifest original = m;
  auto doc = sign_chunked_manifest(m, nullptr, k.suite, k.key, store.writer());
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_TRUE(doc->starts_with("{\"format\":2,\"manifest\":"));
  EXPECT_LT(doc->size(), 20'000u);  // the signed part names chunks, it does not hold 2,001 entries
  ASSERT_GT(m.chunks.size(), 10u);
  EXPECT_EQ(store.writes, m.chunks.size());
  std::size_t files = 0;
  for (const auto& c : m.chunks) {
    EXPECT_LE(c.files, kManifestChunkMaxFiles);
    files += c.files;
  }
  EXPECT_EQ(files, m.entries.size());
  auto back = verify_manifest(*doc, k.trusted, store.reader());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->entries, original.entries);
  EXPECT_EQ(back->chunks, m.chunks);
  EXPECT_EQ(back->site_id, 9);
  EXPECT_EQ(back->created_by, "cli:publisher");
  // The general path (another shape of the same document) reads it the same.
  auto general = verify_manifest(nlohmann::json::parse(*doc).dump(2), k.trusted, store.reader());
  ASSERT_TRUE(general) << general.error().message;
  EXPECT_EQ(general->entries, original.entries);
  // Without a chunk reader a format-2 document is refused by name, not read as empty.
  auto no_reader = verify_manifest(*doc, k.trusted);
  ASSERT_FALSE(no_reader);
  EXPECT_EQ(no_reader.error().code, "publish.manifest_invalid");
}

TEST(Manifest, ChunkedDocumentRefusesChangedMissingOrMisplacedChunks) {
  Keys k;
  ChunkStore store{k.suite};
  Manifest m = site_of(k.suite, 600);
  auto doc = *sign_chunked_manifest(m, nullptr, k.suite, k.key, store.writer());
  ASSERT_GE(m.chunks.size(), 3u);
  {  // a chunk's bytes changed in the store: the reader's digest check refuses it
    ChunkStore changed = store;
    auto& bytes = changed.blobs[m.chunks[1].digest.to_string()];
    bytes[bytes.find("article")] = 'A';
    auto r = verify_manifest(doc, k.trusted, changed.reader());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "store.blob_corrupt");
  }
  {  // a chunk missing
    ChunkStore missing = store;
    missing.blobs.erase(m.chunks[0].digest.to_string());
    auto r = verify_manifest(doc, k.trusted, missing.reader());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "store.blob_missing");
  }
  {  // the signed body's chunk list edited (two chunks swapped): the signature no longer verifies
    auto json = nlohmann::json::parse(doc);
    std::swap(json["manifest"]["chunks"][0], json["manifest"]["chunks"][1]);
    auto r = verify_manifest(json.dump(), k.trusted, store.reader());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "publish.manifest_bad_signature");
  }
  {  // a signer that signs chunks out of order or with a wrong count is still refused on reading
    Manifest bad = site_of(k.suite, 600);
    auto swapped = sign_chunked_manifest(bad, nullptr, k.suite, k.key, store.writer());
    ASSERT_TRUE(swapped);
    auto json = nlohmann::json::parse(*swapped);
    auto body = json["manifest"];
    std::swap(body["chunks"][0], body["chunks"][1]);
    const std::string body_text = body.dump();
    auto signature = k.suite.sign(k.key, body_text);
    json["manifest"] = body;
    json["signature"] = signature->to_string();
    auto r = verify_manifest(json.dump(), k.trusted, store.reader());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "publish.manifest_invalid");
    EXPECT_NE(r.error().message.find("not sorted"), std::string::npos) << r.error().message;
    body = nlohmann::json::parse(*swapped)["manifest"];
    body["chunks"][0]["files"] = body["chunks"][0]["files"].get<int>() + 1;
    json["manifest"] = body;
    json["signature"] = k.suite.sign(k.key, body.dump())->to_string();
    r = verify_manifest(json.dump(), k.trusted, store.reader());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "publish.manifest_invalid");
    EXPECT_NE(r.error().message.find("entries"), std::string::npos) << r.error().message;
  }
}

// One more article changes the chunk it falls in (and the home page's): every other chunk of the base
// is named again, nothing else written, and the result is the chunking a full signing gives.
TEST(Manifest, ChunkedSigningOnABaseWritesOnlyTheChangedChunks) {
  Keys k;
  ChunkStore store{k.suite};
  Manifest base = site_of(k.suite, 3000);
  ASSERT_TRUE(sign_chunked_manifest(base, nullptr, k.suite, k.key, store.writer()));
  Manifest next = site_of(k.suite, 3001);  // one more article
  for (auto& e : next.entries)
    if (e.path == "/index.html") e.digest = k.suite.hash("home, newer");
  next.base = "sm3:base";
  store.writes = 0;
  std::size_t reused = 0;
  auto doc = sign_chunked_manifest(next, &base, k.suite, k.key, store.writer(), &reused);
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_LE(store.writes, 3u);
  EXPECT_GE(reused + 3, next.chunks.size());
  EXPECT_EQ(reused + store.writes, next.chunks.size());
  Manifest full = next;
  full.chunks.clear();
  ChunkStore fresh{k.suite};
  ASSERT_TRUE(sign_chunked_manifest(full, nullptr, k.suite, k.key, fresh.writer()));
  EXPECT_EQ(full.chunks, next.chunks);  // the same chunks, whether built on a base or not
  auto back = verify_manifest(*doc, k.trusted, store.reader());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->entries, next.entries);
  // A base whose chunk list does not describe its entries is not used.
  Manifest stale = base;
  stale.entries.pop_back();
  store.writes = 0;
  Manifest again = next;
  ASSERT_TRUE(sign_chunked_manifest(again, &stale, k.suite, k.key, store.writer(), &reused));
  EXPECT_EQ(reused, 0u);
  EXPECT_EQ(store.writes, again.chunks.size());
}

TEST(Manifest, ChunkBoundariesDependOnThePathsOnly) {
  Keys k;
  Manifest m = site_of(k.suite, 5000);
  const auto ends = manifest_chunk_ends(m.entries);
  ASSERT_FALSE(ends.empty());
  EXPECT_EQ(ends.back(), m.entries.size());
  std::size_t start = 0;
  for (const std::size_t end : ends) {
    EXPECT_GT(end, start);
    EXPECT_LE(end - start, kManifestChunkMaxFiles);
    start = end;
  }
  // ~kManifestChunkFiles on average
  EXPECT_GT(ends.size(), m.entries.size() / (kManifestChunkFiles * 3));
  EXPECT_LT(ends.size(), m.entries.size() * 3 / kManifestChunkFiles);
  // Other digests, same paths: same boundaries.
  for (auto& e : m.entries) e.digest = k.suite.hash(e.path + "v2");
  EXPECT_EQ(manifest_chunk_ends(m.entries), ends);
  EXPECT_TRUE(manifest_chunk_ends({}).empty());
}


// normalise() sorts a build's entries (a few added, then the base's in order) by merging, and still
// finds a duplicate between the two parts.
TEST(Manifest, NormaliseSortsAnUnsortedHeadIntoASortedTail) {
  Keys k;
  Manifest base = site_of(k.suite, 300);
  Manifest built;
  for (const char* p : {"/z.html", "/articles/150.5.html", "/a.html", "/articles/0.html"})
    built.entries.push_back(entry(k.suite, p, p));
  for (const auto& e : base.entries) built.entries.push_back(e);
  ASSERT_TRUE(built.normalise());
  EXPECT_TRUE(std::is_sorted(built.entries.begin(), built.entries.end(),
                             [](const auto& a, const auto& b) { return a.path < b.path; }));
  EXPECT_EQ(built.entries.size(), base.entries.size() + 4);
  EXPECT_EQ(built.entries.front().path, "/a.html");
  EXPECT_EQ(built.entries.back().path, "/z.html");
  built.entries.insert(built.entries.begin(), entry(k.suite, "/articles/77.html", "again"));
  auto duplicate = built.normalise();
  ASSERT_FALSE(duplicate);
  EXPECT_NE(duplicate.error().message.find("/articles/77.html"), std::string::npos);
}

}  // namespace
}  // namespace sw::publish
