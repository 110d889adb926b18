// MirrorLayout's precompressed siblings (issue 5 housekeeping; N7.1): a file's gzip and brotli
// variants are expected files "<path>.gz" / "<path>.br" of the mirror, named by the variant's digest.
#include "watch/mirror_layout.h"

#include <gtest/gtest.h>

namespace sw::watch {
namespace {

publish::ManifestEntry entry(const std::string& path, const std::string& bytes) {
  const crypto::Suite& suite = crypto::suite(crypto::SuiteId::gm);
  publish::ManifestEntry e;
  e.path = path;
  e.content_type = "text/html; charset=utf-8";
  e.size = bytes.size();
  e.digest = suite.hash(bytes);
  return e;
}

publish::Variant variant(const std::string& bytes) {
  return publish::Variant{crypto::suite(crypto::SuiteId::gm).hash(bytes), bytes.size()};
}

TEST(MirrorLayout, VariantsBecomeExpectedSiblings) {
  publish::Manifest m;
  m.site_id = 1;
  auto page = entry("/news/a.html", "<p>a</p>");
  page.gzip = variant("gzip of a");
  page.brotli = variant("brotli of a");
  m.entries = {page, entry("/logo.png", "png")};
  auto layout = MirrorLayout::build(m);
  ASSERT_TRUE(layout) << layout.error().to_string();
  const auto* gz = layout->file("news/a.html.gz");
  ASSERT_NE(gz, nullptr);
  EXPECT_EQ(gz->digest, page.gzip->digest);
  EXPECT_EQ(gz->size, page.gzip->size);
  const auto* br = layout->file("news/a.html.br");
  ASSERT_NE(br, nullptr);
  EXPECT_EQ(br->digest, page.brotli->digest);
  EXPECT_EQ(layout->file("news/a.html")->digest, page.digest);
  EXPECT_EQ(layout->file("logo.png.gz"), nullptr) << "no variant, no sibling";
  EXPECT_EQ(*layout->directory("news"), (std::vector<std::string>{"a.html", "a.html.br", "a.html.gz"}));
  EXPECT_EQ(layout->files_under(""), 4u);
}

// The release's own file wins over a sibling of the same name (the web server then serves the
// identity form of the page, never another file's bytes as its gzip).
TEST(MirrorLayout, AFileOfTheReleaseIsNeverReplacedByASibling) {
  publish::Manifest m;
  m.site_id = 1;
  auto page = entry("/report.csv", "a,b");
  page.gzip = variant("gzip of the csv");
  const auto own = entry("/report.csv.gz", "an attachment uploaded as .gz");
  m.entries = {page, own};
  auto layout = MirrorLayout::build(m);
  ASSERT_TRUE(layout) << layout.error().to_string();
  EXPECT_EQ(layout->file("report.csv.gz")->digest, own.digest);
  EXPECT_EQ(layout->files_under(""), 2u);
}

}  // namespace
}  // namespace sw::watch
