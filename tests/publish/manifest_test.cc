// The signed release manifest (N7.1): what verifies is exactly what the node signed.
#include "publish/manifest.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace sw::publish
