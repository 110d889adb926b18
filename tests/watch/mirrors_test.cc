// The register of mirror roots (migration 0012): one root mirrors one site; a new release of the
// same root updates its row.
#include "watch/mirrors.h"

#include <gtest/gtest.h>

namespace sw::watch {
namespace {

class MirrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = store::Database::open_memory().value();
    ASSERT_TRUE(db_->exec("INSERT INTO organisations (id, name, kind) VALUES (1, '南京市总工会', 'city')"));
    ASSERT_TRUE(
        db_->exec("INSERT INTO sites (id, org_id, name) VALUES (2, 1, '南京工会网'), (3, 1, '博客')"));
  }
  Mirror mirror(std::int64_t site, std::int64_t release) {
    return Mirror{
        .site_id = site,
        .root = "/srv/www/njgh",
        .release_id = release,
        .manifest_digest = crypto::suite(crypto::SuiteId::gm).hash("release " + std::to_string(release)),
        .created_by = "cli:root"};
  }
  std::unique_ptr<store::Database> db_;
};

TEST_F(MirrorsTest, RecordedRootIsFoundAndANewReleaseUpdatesIt) {
  Mirrors mirrors(*db_);
  ASSERT_TRUE(mirrors.record(mirror(2, 5)));
  ASSERT_TRUE(mirrors.record(mirror(2, 6)));
  auto found = mirrors.find("/srv/www/njgh").value();
  ASSERT_TRUE(found);
  EXPECT_EQ(found->release_id, 6);
  EXPECT_EQ(found->manifest_digest, mirror(2, 6).manifest_digest);
  EXPECT_EQ(found->modes.file, 0644u);
  EXPECT_EQ(mirrors.list().value().size(), 1u);
  EXPECT_FALSE(mirrors.find("/srv/www/other").value());
}

TEST_F(MirrorsTest, RootOfAnotherSiteIsRefused) {
  Mirrors mirrors(*db_);
  ASSERT_TRUE(mirrors.record(mirror(2, 5)));
  auto r = mirrors.record(mirror(3, 7));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "watch.root_taken");
}

TEST_F(MirrorsTest, RelativeRootIsRefused) {
  Mirrors mirrors(*db_);
  Mirror m = mirror(2, 5);
  m.root = "www";
  auto r = mirrors.record(m);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "watch.bad_input");
}

}  // namespace
}  // namespace sw::watch
