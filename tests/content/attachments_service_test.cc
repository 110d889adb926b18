// Specification of ContentService::add_attachment and the scanning of attachments at submission
// (issue 4; N3.1, N3.2, N7.3): checked by content before anything is stored, kept in the blob store,
// part of a new version (so adding one after review resets the review like any edit), scanned at
// submission with the findings pointing at the file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "content_fixture.h"
#include "review/office_fixtures.h"
#include "store/temp_dir.h"

namespace sw::content {
namespace {

using identity::Role;

std::string elf() {
  return std::string(
             "\x7F"
             "ELF\x02\x01\x01",
             7) +
         std::string(9, '\0') + std::string("\x02\x00\x3E\x00", 4) + std::string(100, '\0');
}

class AttachmentServiceTest : public testing::ContentFixture {
 protected:
  void SetUp() override {
    open_world();
    auto blobs = store::BlobStore::open(dir_.path() / "blobs", crypto::suite(crypto::SuiteId::gm));
    ASSERT_TRUE(blobs) << blobs.error().to_string();
    blobs_ = std::make_unique<store::BlobStore>(std::move(*blobs));
    service_ = ContentService::open(*db_, audit_, crypto::suite(crypto::SuiteId::gm), *scanner_, *blobs_, clock_);
    editor_ = person(1, "editor", {Role::editor});
    reviewer_ = person(3, "reviewer", {Role::content_reviewer});
    other_editor_ = person(9, "other_editor", {Role::editor}, other_site_);
    column_ = service_->create_column(cli(), site_, std::nullopt, "工会要闻").value().id;
    audit_.events.clear();
  }

  static Principal t() { return Principal::system("t"); }

  std::int64_t draft() {
    auto saved = service_->create_article(as(editor_), column_, fields());
    EXPECT_TRUE(saved) << saved.error().to_string();
    return saved ? saved->article.id : 0;
  }

  std::size_t blob_files() const {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(blobs_->root())) n += e.is_regular_file();
    return n;
  }

  static std::string clean_docx() { return review::fixtures::make_docx({.paragraphs = {"关于开展职工运动会的通知"}}); }
  static std::string secret_docx() {
    return review::fixtures::make_docx({.paragraphs = {"关于开展职工运动会的通知"}, .header = "绝密"});
  }

  store::testing::TempDir dir_{"sw_content_attach_"};
  std::unique_ptr<store::BlobStore> blobs_;
  std::int64_t column_ = 0;
  Principal editor_, reviewer_, other_editor_;
};

TEST_F(AttachmentServiceTest, TheTableIsAppendOnly) {
  const std::int64_t id = draft();
  ASSERT_TRUE(service_->add_attachment(as(editor_), id, "通知.docx", clean_docx()));
  EXPECT_FALSE(db_->exec("UPDATE article_attachments SET file_name = 'x.docx'"));
  EXPECT_FALSE(db_->exec("DELETE FROM article_attachments"));
}

TEST_F(AttachmentServiceTest, AnAttachmentMakesANewVersionWithTheFileRecorded) {
  const std::int64_t id = draft();
  const std::string bytes = clean_docx();
  auto saved = service_->add_attachment(as(editor_), id, "通知.docx", bytes);
  ASSERT_TRUE(saved) << saved.error().to_string();
  EXPECT_EQ(saved->article.current_version, 2);
  EXPECT_EQ(saved->article.state, State::draft);
  const auto v1 = service_->get_version(t(), id, 1).value();
  const auto v2 = service_->get_version(t(), id, 2).value();
  EXPECT_TRUE(v1.attachments.empty());
  EXPECT_EQ(v2.fields.title, v1.fields.title);
  EXPECT_EQ(v2.fields.body_html, v1.fields.body_html);
  EXPECT_NE(v2.content_hash, v1.content_hash);  // the attachments are part of the version
  ASSERT_EQ(v2.attachments.size(), 1u);
  const Attachment& a = v2.attachments[0];
  EXPECT_EQ(a.file_name, "通知.docx");
  EXPECT_EQ(a.type, "docx");
  EXPECT_EQ(a.size, static_cast<std::int64_t>(bytes.size()));
  EXPECT_TRUE(a.blob_hash.starts_with("sm3:")) << a.blob_hash;
  EXPECT_EQ(a.added_by, "editor");
  ASSERT_EQ(audit_.with_action("content.attach").size(), 1u);
  EXPECT_EQ(audit_.last().action, "content.attach");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::success);
  EXPECT_EQ(audit_.last().details["blob"], a.blob_hash);
  EXPECT_EQ(audit_.last().details["version"], 2);

  // an edit carries the attachments forward
  ArticleFields f = v2.fields;
  f.title = "省总工会召开全年工作会议";
  ASSERT_TRUE(service_->edit(as(editor_), id, f));
  const auto v3 = service_->get_version(t(), id, 3).value();
  ASSERT_EQ(v3.attachments.size(), 1u);
  EXPECT_EQ(v3.attachments[0].blob_hash, a.blob_hash);

  // the same name twice on a version is refused
  auto again = service_->add_attachment(as(editor_), id, "通知.docx", bytes);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "content.invalid_field");
}

TEST_F(AttachmentServiceTest, TheBlobIsRetrievableAndVerified) {
  const std::int64_t id = draft();
  const std::string bytes = clean_docx();
  ASSERT_TRUE(service_->add_attachment(as(editor_), id, "通知.docx", bytes));
  const Attachment a = service_->get_version(t(), id, 2).value().attachments.at(0);
  auto through_service = service_->attachment(t(), id, 2, "通知.docx");
  ASSERT_TRUE(through_service) << through_service.error().to_string();
  EXPECT_EQ(*through_service, bytes);
  auto digest = store::BlobStore::parse_digest(a.blob_hash);
  ASSERT_TRUE(digest) << digest.error().to_string();
  EXPECT_TRUE(blobs_->verify(*digest));
  EXPECT_EQ(blobs_->get(*digest).value(), bytes);
  auto missing = service_->attachment(t(), id, 1, "通知.docx");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "content.not_found");
  // Reads need a content permission on the site.
  auto denied = service_->attachment(other_editor_, id, 2, "通知.docx");
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, "identity.forbidden");

  // A blob changed on disk is never returned; a submission shows it as a high finding on the file.
  const auto path = blobs_->path_of(*digest).value();
  std::filesystem::permissions(path, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
  { std::ofstream(path, std::ios::binary | std::ios::trunc) << "tampered"; }
  auto corrupt = service_->attachment(t(), id, 2, "通知.docx");
  ASSERT_FALSE(corrupt);
  EXPECT_EQ(corrupt.error().code, "store.blob_corrupt");
  auto scan = service_->submit(as(editor_), id);
  ASSERT_TRUE(scan) << scan.error().to_string();
  EXPECT_GE(scan->highest, review::Severity::high);
  bool named = false;
  for (const auto& f : scan->findings) named |= f["path"] == "通知.docx" && f["category"] == "scan_problem";
  EXPECT_TRUE(named) << scan->findings.dump();
}

TEST_F(AttachmentServiceTest, ASecretMarkingInADocxHeaderBlocksApprovalAndTheFindingNamesTheFile_N3_2) {
  const std::int64_t id = draft();
  ASSERT_TRUE(service_->add_attachment(as(editor_), id, "会议通知.docx", secret_docx()));
  auto scan = service_->submit(as(editor_), id);
  ASSERT_TRUE(scan) << scan.error().to_string();
  EXPECT_GE(scan->highest, review::Severity::high);
  bool found = false;
  for (const auto& f : scan->findings) {
    found |= f["path"] == "会议通知.docx" && f["matched"] == "绝密" && f["part"] == "docx:header";
  }
  EXPECT_TRUE(found) << scan->findings.dump();

  auto blocked = service_->approve(as(reviewer_), id, Stage::content, {});
  ASSERT_FALSE(blocked);
  EXPECT_EQ(blocked.error().code, "content.findings_block");
  EXPECT_EQ(service_->get_article(t(), id).value().state, State::submitted);
  // The reviewer sees the finding with its place in the queue and, once decided, in the record.
  const auto queue = service_->review_queue(reviewer_, site_, Stage::content).value();
  ASSERT_EQ(queue.size(), 1u);
  EXPECT_GE(queue[0].highest, review::Severity::high);
  ReviewInput input;
  input.justification = "附件页眉的“绝密”系模板残留，已核实文件不涉密";
  ASSERT_TRUE(service_->approve(as(reviewer_), id, Stage::content, input));
  const auto records = service_->review_records(t(), id).value();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_NE(records[0].findings_json.find("会议通知.docx"), std::string::npos);
}

TEST_F(AttachmentServiceTest, AnElfNamedReportPdfIsRefusedAndNothingIsStored_N7_3) {
  const std::int64_t id = draft();
  auto refused = service_->add_attachment(as(editor_), id, "report.pdf", elf());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "content.attachment_refused");
  EXPECT_NE(refused.error().message.find("content.attachment_type_mismatch"), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("report.pdf"), std::string::npos);
  EXPECT_EQ(blob_files(), 0u);
  EXPECT_EQ(service_->get_article(t(), id).value().current_version, 1);
  EXPECT_EQ(db_->query_one("SELECT COUNT(*) FROM article_attachments").value()->integer(0), 0);
  ASSERT_EQ(audit_.with_action("content.attach").size(), 1u);
  EXPECT_EQ(audit_.last().action, "content.attach");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::failure);
  EXPECT_EQ(audit_.last().details["reason"], "content.attachment_refused");
  EXPECT_FALSE(audit_.last().details["problems"].empty());
}

TEST_F(AttachmentServiceTest, AddingAnAttachmentAfterContentApprovalResetsTheReview_N3_1) {
  const std::int64_t id = draft();
  ASSERT_TRUE(service_->submit(as(editor_), id));
  ASSERT_TRUE(service_->approve(as(reviewer_), id, Stage::content, {}));
  ASSERT_EQ(service_->get_article(t(), id).value().state, State::content_approved);
  auto saved = service_->add_attachment(as(editor_), id, "通知.docx", clean_docx());
  ASSERT_TRUE(saved) << saved.error().to_string();
  EXPECT_EQ(saved->article.state, State::draft);
  EXPECT_EQ(saved->article.current_version, 2);
  const auto records = service_->review_records(t(), id).value();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].decision, "reset");
  EXPECT_EQ(records[1].stage, "secrecy");
  EXPECT_EQ(records[1].version_n, 1);
  EXPECT_TRUE(audit_.last().details.contains("reset_record"));
  // the new version goes through both reviews again, and its hash (attachments included) checks out
  ASSERT_TRUE(service_->submit(as(editor_), id));
  EXPECT_TRUE(service_->approve(as(reviewer_), id, Stage::content, {}));
}

TEST_F(AttachmentServiceTest, OnlyEditorsOfTheSiteAttachAndBadNamesAreRefused) {
  const std::int64_t id = draft();
  auto denied = service_->add_attachment(as(other_editor_), id, "通知.docx", clean_docx());
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, "identity.forbidden");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
  for (const char* name : {"", "../通知.docx", "a\\b.docx", "a\nb.docx"}) {
    auto bad = service_->add_attachment(as(editor_), id, name, clean_docx());
    ASSERT_FALSE(bad) << name;
    EXPECT_EQ(bad.error().code, "content.invalid_field") << name;
  }
  EXPECT_EQ(blob_files(), 0u);
  auto empty = service_->add_attachment(as(editor_), id, "空.txt", "");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, "content.attachment_empty");
}

TEST_F(AttachmentServiceTest, WithoutABlobStoreAttachmentsAreRefused) {
  auto plain = ContentService::open(*db_, audit_, crypto::suite(crypto::SuiteId::gm), *scanner_, clock_);
  const std::int64_t id = draft();
  auto refused = plain->add_attachment(as(editor_), id, "通知.docx", clean_docx());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "content.no_blob_store");
}

// ----- archives are inflated under the extraction limits before they are accepted (N7.3) -----------

TEST(AttachmentArchives, ADecompressionBombIsRefusedWhetherItsHeadersTellTheTruthOrNot) {
  AttachmentPolicy with_zip;
  with_zip.allowed_types.push_back("zip");
  const std::string honest = review::fixtures::make_zip_bomb(10u << 20);  // ~1000:1, past max_ratio 200
  auto r = check_attachment("材料.zip", honest, with_zip);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_FALSE(r->accepted);
  ASSERT_FALSE(r->problems.empty());
  EXPECT_NE(r->problems.front().find("content.attachment_archive_bomb"), std::string::npos) << r->problems.front();

  const std::string lying = review::fixtures::make_zip_bomb(10u << 20, 1000);  // headers claim 1000 bytes
  r = check_attachment("材料.zip", lying, with_zip);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_FALSE(r->accepted);
  ASSERT_FALSE(r->problems.empty());
  EXPECT_TRUE(r->problems.front().find("content.attachment_archive_bomb") != std::string::npos ||
              r->problems.front().find("content.attachment_corrupt") != std::string::npos)
      << r->problems.front();

  // An ordinary document is inflated and accepted.
  r = check_attachment("通知.docx", review::fixtures::make_docx({.paragraphs = {"关于开展职工运动会的通知"}}));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->accepted) << (r->problems.empty() ? "" : r->problems.front());
}

// ----- the per-site attachment policy (migration 0009) -----------------------------------------------

TEST_F(AttachmentServiceTest, ASiteWithoutAPolicyUsesTheDefault) {
  auto policy = service_->attachment_policy(editor_, site_);
  ASSERT_TRUE(policy) << policy.error().to_string();
  EXPECT_EQ(policy->allowed_types, AttachmentPolicy::default_allowed_types());
  EXPECT_EQ(policy->max_bytes, AttachmentPolicy::kDefaultMaxBytes);
}

TEST_F(AttachmentServiceTest, TheSitesPolicyDecidesWhichFilesAreAccepted) {
  const Principal admin = person(5, "site_admin", {Role::site_admin});
  AttachmentPolicy text_only;
  text_only.allowed_types = {"txt"};
  text_only.max_bytes = 2048;
  ASSERT_TRUE(service_->set_attachment_policy(as(admin), site_, text_only));
  ASSERT_FALSE(audit_.events.empty());
  EXPECT_EQ(audit_.events.back().action, "content.attachment_policy");
  EXPECT_EQ(audit_.events.back().outcome, audit::Outcome::success);
  auto read = service_->attachment_policy(editor_, site_);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->allowed_types, std::vector<std::string>{"txt"});
  EXPECT_EQ(read->max_bytes, 2048u);

  const std::int64_t id = draft();
  const std::size_t blobs_before = blob_files();
  auto docx = service_->add_attachment(as(editor_), id, "通知.docx", clean_docx());
  ASSERT_FALSE(docx);
  EXPECT_EQ(docx.error().code, "content.attachment_refused");
  EXPECT_NE(docx.error().message.find("content.attachment_type_not_allowed"), std::string::npos) << docx.error().message;
  auto big = service_->add_attachment(as(editor_), id, "名单.txt", std::string(4096, 'a'));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, "content.attachment_too_large");
  EXPECT_EQ(blob_files(), blobs_before);
  auto small = service_->add_attachment(as(editor_), id, "说明.txt", "会议安排如下：上午九点开会。\n");
  ASSERT_TRUE(small) << small.error().to_string();

  // The other site keeps the default.
  auto other = service_->attachment_policy(other_editor_, other_site_);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->allowed_types, AttachmentPolicy::default_allowed_types());
}

TEST_F(AttachmentServiceTest, OnlyTheSitesAdministratorSetsThePolicy) {
  AttachmentPolicy p;
  p.allowed_types = {"pdf"};
  const Principal other_admin = person(6, "other_admin", {Role::site_admin}, other_site_);
  for (const Principal& who : {editor_, reviewer_, other_admin}) {
    auto r = service_->set_attachment_policy(as(who), site_, p);
    ASSERT_FALSE(r) << who.name;
    EXPECT_EQ(r.error().code, "identity.forbidden") << who.name;
    EXPECT_EQ(audit_.events.back().outcome, audit::Outcome::denied) << who.name;
  }
  auto read = service_->attachment_policy(other_editor_, site_);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, "identity.forbidden");
  auto unchanged = service_->attachment_policy(editor_, site_);
  ASSERT_TRUE(unchanged);
  EXPECT_EQ(unchanged->allowed_types, AttachmentPolicy::default_allowed_types());
}

TEST_F(AttachmentServiceTest, ABadPolicyIsRefusedNamingWhatIsWrongAndTheOldOneStays) {
  const Principal admin = person(5, "site_admin", {Role::site_admin});
  struct Case {
    std::vector<std::string> types;
    std::size_t max_bytes;
    std::string named;
  };
  const Case cases[] = {
      {{"pdf", "exe"}, 1 << 20, "\"exe\" is active content"},
      {{"svg"}, 1 << 20, "\"svg\" is active content"},
      {{"pdf", "mp4"}, 1 << 20, "unknown type \"mp4\""},
      {{"pdf", "pdf"}, 1 << 20, "listed twice"},
      {{"pdf"}, 10, "max_bytes: 10"},
      {{"pdf"}, std::size_t{1} << 30, "max_bytes"},
  };
  for (const Case& c : cases) {
    AttachmentPolicy p;
    p.allowed_types = c.types;
    p.max_bytes = c.max_bytes;
    auto r = service_->set_attachment_policy(as(admin), site_, p);
    ASSERT_FALSE(r) << c.named;
    EXPECT_EQ(r.error().code, "content.invalid_field");
    EXPECT_NE(r.error().message.find(c.named), std::string::npos) << r.error().message;
    EXPECT_EQ(audit_.events.back().outcome, audit::Outcome::failure);
  }
  auto unchanged = service_->attachment_policy(editor_, site_);
  ASSERT_TRUE(unchanged);
  EXPECT_EQ(unchanged->allowed_types, AttachmentPolicy::default_allowed_types());
  // An empty list is a policy: no attachments at all.
  AttachmentPolicy none;
  none.allowed_types.clear();
  ASSERT_TRUE(service_->set_attachment_policy(as(admin), site_, none));
  auto refused = service_->add_attachment(as(editor_), draft(), "说明.txt", "会议安排。\n");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "content.attachment_refused");
  EXPECT_FALSE(db_->exec("UPDATE site_attachment_policies SET max_bytes = 1"));
  EXPECT_FALSE(db_->exec("DELETE FROM site_attachment_policies"));
}

}  // namespace
}  // namespace sw::content
