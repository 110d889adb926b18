// ReleaseBuilder (issue 5 "Publishing", N7.1): blobs and precompressed variants that decode back to
// the identity bytes, incremental builds that carry unchanged entries and reuse variants.
#include "publish/release_builder.h"

#include <brotli/decode.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include "release_fixture.h"

namespace sw::publish {
namespace {

using ReleaseBuilderTest = testing::ReleaseFixture;

constexpr std::string_view kHtml = "text/html; charset=utf-8";

std::string gunzip(std::string_view in) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

std::string unbrotli(std::string_view in) {
  std::string out(1 << 20, '\0');
  std::size_t size = out.size();
  EXPECT_EQ(BrotliDecoderDecompress(in.size(), reinterpret_cast<const std::uint8_t*>(in.data()), &size,
                                    reinterpret_cast<std::uint8_t*>(out.data())),
            BROTLI_DECODER_RESULT_SUCCESS);
  out.resize(size);
  return out;
}

std::string page(const std::string& title) {
  std::string html = "<!doctype html><html><head><title>" + title + "</title></head><body>";
  for (int i = 0; i < 40; ++i) html += "<p>全省工会系统网站安全管理 " + title + " 第" + std::to_string(i) + "段。</p>\n";
  return html + "</body></html>";
}

ReleaseFile file(std::string path, std::string bytes, std::string_view type = kHtml) {
  return ReleaseFile{std::move(path), std::string(type), std::move(bytes), std::nullopt};
}

std::unique_ptr<ReleaseBuilder> start(ReleaseStore& store, store::BlobStore& blobs, std::int64_t site,
                                      std::optional<std::int64_t> base = std::nullopt) {
  auto b = ReleaseBuilder::start(store, blobs, {site, "user:7", base});
  EXPECT_TRUE(b) << b.error().to_string();
  return b ? std::move(*b) : nullptr;
}

TEST_F(ReleaseBuilderTest, VariantsDecodeBackToTheIdentityBytes) {
  auto b = start(*store_, *blobs_, site_);
  const std::string html = page("首页");
  ASSERT_TRUE(b->add(file("/index.html", html)));
  ASSERT_TRUE(b->add(file("/style.css", std::string(2000, 'a') + "body{color:red}", "text/css")));
  auto id = b->commit();
  ASSERT_TRUE(id) << id.error().to_string();
  auto m = store_->load(*id);
  ASSERT_TRUE(m);
  const ManifestEntry* e = m->find("/index.html");
  ASSERT_NE(e, nullptr);
  ASSERT_TRUE(e->gzip && e->brotli);
  EXPECT_LT(e->gzip->size, e->size);
  EXPECT_LT(e->brotli->size, e->size);
  EXPECT_EQ(gunzip(*blobs_->get(e->gzip->digest)), html);
  EXPECT_EQ(unbrotli(*blobs_->get(e->brotli->digest)), html);
  EXPECT_EQ(*blobs_->get(e->digest), html);
  EXPECT_TRUE(m->find("/style.css")->gzip.has_value());
  EXPECT_EQ(store_->get(*id)->kind, "full");
}

TEST_F(ReleaseBuilderTest, OnlyCompressibleTypesWorthItGetVariants) {
  auto b = start(*store_, *blobs_, site_);
  ASSERT_TRUE(b->add(file("/logo.png", std::string(5000, 'x'), "image/png")));
  ASSERT_TRUE(b->add(file("/tiny.html", "<p>hi</p>")));
  ASSERT_TRUE(b->add(file("/random.txt", crypto::random_bytes(4096), "text/plain")));  // does not shrink
  ASSERT_TRUE(b->add(file("/empty.txt", "", "text/plain")));
  auto id = b->commit();
  ASSERT_TRUE(id) << id.error().to_string();
  auto m = *store_->load(*id);
  for (const auto& e : m.entries) {
    EXPECT_FALSE(e.gzip.has_value()) << e.path;
    EXPECT_FALSE(e.brotli.has_value()) << e.path;
  }
  EXPECT_EQ(m.find("/empty.txt")->size, 0u);
  EXPECT_TRUE(is_compressible("Text/HTML ; charset=utf-8"));
  EXPECT_TRUE(is_compressible("image/svg+xml"));
  EXPECT_TRUE(is_compressible("application/json"));
  EXPECT_FALSE(is_compressible("application/pdf"));
  EXPECT_FALSE(is_compressible("text/htmlx"));
}

// A brotli variant barely smaller than the gzip one is not stored (one file fewer per page); the guard
// then sends gzip to a client that accepts both (guard/request.h choose_encoding, tests/guard/
// request_test.cc: "br" with no brotli variant falls back to gzip or identity).
TEST_F(ReleaseBuilderTest, BrotliNotWorthItBesideGzipIsNotStored) {
  EXPECT_TRUE(worth_brotli(97, 100));
  EXPECT_FALSE(worth_brotli(98, 100));
  EXPECT_FALSE(worth_brotli(100, 100));
  // Random hex digits: both encoders get near the entropy (4 bits a character), so brotli saves
  // well under 3 % on gzip; a page compresses ~20 % better with brotli and keeps both.
  const std::string random = crypto::to_hex(crypto::random_bytes(4096));
  const std::string html = page("首页");
  auto b = start(*store_, *blobs_, site_);
  ASSERT_TRUE(b->add(file("/hex.txt", random, "text/plain")));
  ASSERT_TRUE(b->add(file("/index.html", html)));
  auto id = b->commit();
  ASSERT_TRUE(id) << id.error().to_string();
  const Manifest m = *store_->load(*id);
  const ManifestEntry* hex = m.find("/hex.txt");
  ASSERT_NE(hex, nullptr);
  ASSERT_TRUE(hex->gzip.has_value());
  EXPECT_LT(hex->gzip->size, hex->size);
  EXPECT_FALSE(hex->brotli.has_value()) << "brotli of random hex beside gzip " << hex->gzip->size;
  EXPECT_EQ(gunzip(*blobs_->get(hex->gzip->digest)), random);
  const ManifestEntry* index = m.find("/index.html");
  ASSERT_TRUE(index->gzip && index->brotli);
  EXPECT_TRUE(worth_brotli(index->brotli->size, index->gzip->size));
}

TEST_F(ReleaseBuilderTest, IncrementalBuildCarriesUnchangedEntriesAndReusesVariants) {
  auto full = start(*store_, *blobs_, site_);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(full->add(file("/a/" + std::to_string(i) + ".html", page(std::to_string(i)))));
  auto base = full->commit();
  ASSERT_TRUE(base) << base.error().to_string();
  const Manifest before = *store_->load(*base);

  auto inc = start(*store_, *blobs_, site_, *base);
  ASSERT_NE(inc->base(), nullptr);
  ASSERT_TRUE(inc->add(file("/a/1.html", page("1"))));        // re-rendered, same bytes
  ASSERT_TRUE(inc->add(file("/a/2.html", page("2 changed"))));  // changed
  ASSERT_TRUE(inc->remove("/a/3.html"));                        // withdrawn
  ASSERT_TRUE(inc->add(file("/a/new.html", page("new"))));
  auto id = inc->commit();
  ASSERT_TRUE(id) << id.error().to_string();
  const BuildStats stats = inc->stats();
  EXPECT_EQ(stats.compressions, 4u);     // /a/2 and /a/new: gzip + brotli each
  EXPECT_EQ(stats.variants_reused, 2u);  // /a/1's gzip and brotli
  EXPECT_EQ(stats.files_carried, 1u);    // /a/0
  EXPECT_EQ(stats.files_removed, 1u);

  const Manifest after = *store_->load(*id);
  EXPECT_EQ(*after.find("/a/0.html"), *before.find("/a/0.html"));
  EXPECT_EQ(*after.find("/a/1.html"), *before.find("/a/1.html"));
  EXPECT_NE(after.find("/a/2.html")->digest, before.find("/a/2.html")->digest);
  EXPECT_EQ(after.find("/a/3.html"), nullptr);
  ASSERT_NE(after.find("/a/new.html"), nullptr);
  EXPECT_EQ(after.entries.size(), 4u);
  EXPECT_EQ(after.base, store_->get(*base)->manifest_digest.to_string());
  EXPECT_EQ(store_->get(*id)->kind, "incremental");
  EXPECT_TRUE(store_->get(*id)->live);
}

TEST_F(ReleaseBuilderTest, AnExistingBlobIsNamedWithItsSize) {
  const std::string pdf = "%PDF-1.4 " + std::string(3000, 'z');
  auto digest = blobs_->put(pdf);
  ASSERT_TRUE(digest);
  auto b = start(*store_, *blobs_, site_);
  ASSERT_TRUE(b->add(ReleaseFile{"/attachments/1/report.pdf", "application/pdf", "", *digest}));
  auto id = b->commit();
  ASSERT_TRUE(id) << id.error().to_string();
  const Manifest m = *store_->load(*id);
  const ManifestEntry* e = m.find("/attachments/1/report.pdf");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->digest, *digest);
  EXPECT_EQ(e->size, pdf.size());
  EXPECT_FALSE(e->gzip.has_value());
}

TEST_F(ReleaseBuilderTest, BadFilesAreRefusedNamingThePath) {
  auto b = start(*store_, *blobs_, site_);
  auto both = b->add(ReleaseFile{"/x.html", std::string(kHtml), "bytes", suite_.hash("bytes")});
  ASSERT_FALSE(both);
  EXPECT_EQ(both.error().code, "publish.bad_input");
  auto missing = b->add(ReleaseFile{"/y.pdf", "application/pdf", "", suite_.hash("never stored")});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "publish.blob_missing");
  EXPECT_NE(missing.error().message.find("/y.pdf"), std::string::npos);
  auto bad_path = b->add(file("/../etc/passwd", "x"));
  ASSERT_FALSE(bad_path);
  EXPECT_EQ(bad_path.error().code, "publish.manifest_invalid");
  ASSERT_TRUE(b->add(file("/z.html", "z")));
  auto twice = b->add(file("/z.html", "z again"));
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, "publish.manifest_invalid");
  auto no_base = b->remove("/z.html");
  ASSERT_FALSE(no_base);
  EXPECT_EQ(no_base.error().code, "publish.bad_input");
}

TEST_F(ReleaseBuilderTest, AnotherSitesBaseAndUnknownRemovalsAreRefused) {
  auto other = start(*store_, *blobs_, other_site_);
  ASSERT_TRUE(other->add(file("/index.html", "theirs")));
  auto theirs = other->commit();
  ASSERT_TRUE(theirs);
  auto refused = ReleaseBuilder::start(*store_, *blobs_, {site_, "user:7", *theirs});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "publish.wrong_site");
  auto inc = start(*store_, *blobs_, other_site_, *theirs);
  auto unknown = inc->remove("/nothing.html");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, "publish.not_in_base");
  auto bad = ReleaseBuilder::start(*store_, *blobs_, {site_, "user:7", std::nullopt}, {.gzip_level = 12});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "publish.bad_input");
}

TEST_F(ReleaseBuilderTest, AnAbandonedBuildChangesNothingLive) {
  const std::int64_t live = publish(site_, "live");
  {
    auto b = start(*store_, *blobs_, site_);
    for (int i = 0; i < 30; ++i) ASSERT_TRUE(b->add(file("/p/" + std::to_string(i) + ".html", page(std::to_string(i)))));
  }  // destroyed without commit
  EXPECT_EQ((*store_->live(site_))->id, live);
  EXPECT_EQ(store_->list(site_)->size(), 1u);
}

TEST_F(ReleaseBuilderTest, ManyFilesThroughASmallQueue) {
  ReleaseBuilder::Options o;
  o.max_queued_files = 2;
  auto b = ReleaseBuilder::start(*store_, *blobs_, {site_, "user:7", std::nullopt}, o);
  ASSERT_TRUE(b);
  for (int i = 0; i < 120; ++i) ASSERT_TRUE((*b)->add(file("/n/" + std::to_string(i) + ".html", page(std::to_string(i)))));
  auto id = (*b)->commit();
  ASSERT_TRUE(id) << id.error().to_string();
  EXPECT_EQ(store_->get(*id)->files, 120u);
  EXPECT_EQ((*b)->stats().compressions, 240u);
}

}  // namespace
}  // namespace sw::publish

namespace sw::publish {
namespace {

// Large generated files get a lower brotli quality (the bytes are verified either way).
TEST(BrotliQuality, LowerForLargeFiles) {
  EXPECT_EQ(brotli_quality_for(8 << 10, 9), 9);
  EXPECT_EQ(brotli_quality_for((128 << 10) - 1, 9), 9);
  EXPECT_EQ(brotli_quality_for(128 << 10, 9), 7);
  EXPECT_EQ(brotli_quality_for(1 << 20, 9), 5);
  EXPECT_EQ(brotli_quality_for(3 << 20, 11), 5);
  EXPECT_EQ(brotli_quality_for(3 << 20, 4), 4) << "never higher than asked";
}

}  // namespace
}  // namespace sw::publish
