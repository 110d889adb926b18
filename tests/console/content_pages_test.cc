// The content and review console and its /api/v1 endpoints (issue 4), end to end over a real socket:
// an editor writes, uploads and submits; hostile files are refused and leave nothing behind; the
// reviewers see the scanner's findings in context, approve (a high finding needs a justification) or
// return with a reason; the secrecy stage; publishing; what people type is escaped; CSRF (N3.1, N3.2,
// N3.5, N7.3).
#include <zlib.h>

#include "content_console_fixture.h"

namespace sw::console::testing {
namespace {

using nlohmann::json;

// ---- files ----

void put16le(std::string& out, std::uint32_t v) {
  out += static_cast<char>(v & 0xFF);
  out += static_cast<char>((v >> 8) & 0xFF);
}
void put32le(std::string& out, std::uint32_t v) {
  put16le(out, v & 0xFFFF);
  put16le(out, v >> 16);
}

struct Member {
  std::string name;
  std::string data;            // what the member holds
  bool deflate = false;        // stored otherwise
};

// A zip archive; deflated members are raw deflate streams (method 8).
std::string zip(const std::vector<Member>& members) {
  std::string out, central;
  for (const auto& m : members) {
    const std::uint32_t offset = static_cast<std::uint32_t>(out.size());
    const auto crc = static_cast<std::uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(m.data.data()), static_cast<uInt>(m.data.size())));
    std::string packed = m.data;
    if (m.deflate) {
      z_stream z{};
      deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY);
      packed.assign(deflateBound(&z, m.data.size()), '\0');
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(m.data.data()));
      z.avail_in = static_cast<uInt>(m.data.size());
      z.next_out = reinterpret_cast<Bytef*>(packed.data());
      z.avail_out = static_cast<uInt>(packed.size());
      deflate(&z, Z_FINISH);
      packed.resize(z.total_out);
      deflateEnd(&z);
    }
    auto header = [&](std::string& to, bool central_entry) {
      to += central_entry ? "PK\x01\x02" : "PK\x03\x04";
      if (central_entry) put16le(to, 20);
      put16le(to, 20);
      put16le(to, 0);
      put16le(to, m.deflate ? 8 : 0);
      put32le(to, 0);
      put32le(to, crc);
      put32le(to, static_cast<std::uint32_t>(packed.size()));
      put32le(to, static_cast<std::uint32_t>(m.data.size()));
      put16le(to, static_cast<std::uint32_t>(m.name.size()));
      put16le(to, 0);
      if (central_entry) {
        put16le(to, 0);
        put32le(to, 0);
        put32le(to, 0);
        put32le(to, offset);
      }
      to += m.name;
    };
    header(out, false);
    out += packed;
    header(central, true);
  }
  const std::uint32_t central_offset = static_cast<std::uint32_t>(out.size());
  out += central + "PK\x05\x06";
  put32le(out, 0);
  put16le(out, static_cast<std::uint32_t>(members.size()));
  put16le(out, static_cast<std::uint32_t>(members.size()));
  put32le(out, static_cast<std::uint32_t>(central.size()));
  put32le(out, central_offset);
  put16le(out, 0);
  return out;
}

std::vector<Member> docx_members(const std::string& text) {
  const std::string main = "word/document.xml";
  return {
      {"[Content_Types].xml",
       R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>)"},
      {"_rels/.rels",
       R"(<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>)"},
      {main,
       R"(<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>)" +
           text + R"(</w:t></w:r></w:p></w:body></w:document>)"},
  };
}

std::string docx(const std::string& text = "工会通知") { return zip(docx_members(text)); }

std::string pdf(std::string_view extra = "") {
  return "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
         "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
         "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n" +
         std::string(extra) + "trailer\n<< /Root 1 0 R >>\n%%EOF\n";
}

// A docx whose document part inflates to 200 MiB (a zip bomb of ~200 KiB).
std::string zip_bomb() {
  auto members = docx_members(std::string(std::size_t{200} << 20, 'A'));
  members.back().deflate = true;
  return zip(members);
}

// A valid resident ID number (GB 11643 check digit) and a secret marking: what the scanner must flag.
constexpr std::string_view kRiskyBody =
    "<p>会员张三，身份证号 11010519491231002X，参加了培训。</p><p>绝密★长期 内部资料，注意保存</p>";

class ContentPagesTest : public ContentConsoleTest {
 protected:
  std::int64_t article_id_from(const Page& p) {
    const std::string loc = p.location();
    EXPECT_TRUE(loc.starts_with("/articles/")) << loc;
    return std::stoll(loc.substr(std::string("/articles/").size()));
  }

  // The editor creates an article through the form; returns its id.
  std::int64_t create_in_console(Browser& editor, const std::string& title, std::string_view body) {
    editor.get("/articles?site=" + std::to_string(nj_site_));
    Page p = editor.post("/articles?site=" + std::to_string(nj_site_),
                         {{"column_id", std::to_string(nj_column_)}, {"title", title}, {"summary", "会议摘要"},
                          {"body_html", std::string(body)}, {"byline", "记者 王明"}, {"source", "南京工会网"},
                          {"publish_date", "2026-11-26"}});
    EXPECT_EQ(p.status, 303) << p.body;
    return article_id_from(p);
  }

  std::int64_t current_version(std::int64_t article) {
    auto a = content_->get_article(identity::Principal::system("t"), article);
    return a ? a->current_version : -1;
  }

  // An article of the editor's, submitted with the risky body.
  std::int64_t submitted_risky(const std::string& title = "关于培训的通知") {
    const std::int64_t id = write_article("nj-editor", nj_column_, title, std::string(kRiskyBody));
    auto r = content_->submit(actor_of("nj-editor"), id);
    EXPECT_TRUE(r) << r.error().to_string();
    return id;
  }
};

TEST_F(ContentPagesTest, EditorWritesUploadsAndSubmitsInChinese) {
  Browser editor = user("nj-editor");
  Page p = editor.get("/articles?site=" + std::to_string(nj_site_));
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_NE(p.body.find("工会要闻"), std::string::npos) << "the column tree";
  EXPECT_NE(p.body.find("新建稿件"), std::string::npos);

  const std::int64_t id =
      create_in_console(editor, "市总工会召开职工代表大会", "<p onclick=\"x()\">大会召开。</p><script>alert(1)</script>");
  p = editor.get("/articles/" + std::to_string(id) + "?msg=msg_article_created&removed=script");
  ASSERT_EQ(p.status, 200);
  EXPECT_NE(p.body.find("市总工会召开职工代表大会"), std::string::npos);
  EXPECT_NE(p.body.find("稿件已创建"), std::string::npos);
  EXPECT_NE(p.body.find("草稿"), std::string::npos);
  // The body is shown in a sandboxed frame: no scripts, forms, popups or navigation of the page; kept
  // in the page's process (allow-same-origin) so Chromium does not isolate it into a process of its
  // own, whose input routing dropped clicks on the buttons below it now and then.
  EXPECT_NE(p.body.find("sandbox=\"allow-same-origin\" referrerpolicy"), std::string::npos);
  EXPECT_EQ(p.body.find("allow-scripts"), std::string::npos);
  EXPECT_EQ(p.body.find("<script>alert"), std::string::npos);

  // The redirect after a save names what the sanitiser removed.
  Page saved = editor.post("/articles/" + std::to_string(id) + "/edit",
                           {{"title", "市总工会召开职工代表大会"}, {"body_html", "<p>改后<script>x()</script></p>"}});
  ASSERT_EQ(saved.status, 303) << saved.body;
  EXPECT_NE(saved.location().find("removed="), std::string::npos) << saved.location();
  p = editor.get(saved.location());
  EXPECT_NE(p.body.find("保存时清理掉的内容"), std::string::npos);

  // A docx and a pdf, each a new version, listed and downloadable as attachments.
  p = upload(editor, id, "会议通知.docx", docx());
  ASSERT_EQ(p.status, 303) << p.body;
  p = upload(editor, id, "日程.pdf", pdf());
  ASSERT_EQ(p.status, 303) << p.body;
  p = editor.get("/articles/" + std::to_string(id));
  EXPECT_NE(p.body.find("会议通知.docx"), std::string::npos);
  EXPECT_NE(p.body.find("日程.pdf"), std::string::npos);
  EXPECT_EQ(current_version(id), 4);
  Page file = editor.get("/articles/" + std::to_string(id) + "/attachment?n=4&name=%E6%97%A5%E7%A8%8B.pdf");
  ASSERT_EQ(file.status, 200) << file.body;
  EXPECT_EQ(file.body, pdf());
  EXPECT_NE(file.headers.get("Content-Disposition").value_or("").find("attachment"), std::string::npos);
  EXPECT_EQ(file.headers.get("X-Content-Type-Options").value_or(""), "nosniff");
  EXPECT_EQ(file.headers.get("Content-Type").value_or(""), "application/octet-stream");

  editor.get("/articles/" + std::to_string(id));
  p = editor.post("/articles/" + std::to_string(id) + "/submit", {});
  ASSERT_EQ(p.status, 303) << p.body;
  EXPECT_EQ(state_of(id), content::State::submitted);
  p = editor.get(p.location());
  EXPECT_NE(p.body.find("已提交"), std::string::npos);
  EXPECT_EQ(events("content.submit").size(), 1u);
}

TEST_F(ContentPagesTest, HostileUploadsAreRefusedWithNamedErrorsAndStoreNothing) {
  Browser editor = user("nj-editor");
  const std::int64_t id = write_article("nj-editor", nj_column_, "附件测试");
  editor.get("/articles/" + std::to_string(id));
  struct Case {
    const char* what;
    std::string name;
    std::string bytes;
  };
  const std::vector<Case> cases = {
      {"docx bytes named .pdf", "报告.pdf", docx()},
      {"a pdf with JavaScript", "通知.pdf",
       pdf("4 0 obj\n<< /S /JavaScript /JS (app.alert(1)) >>\nendobj\n1 0 obj << /OpenAction 4 0 R >> endobj\n")},
      {"a pdf header inside a docx (polyglot)", "通知.docx", docx("%PDF-1.7 1 0 obj << /JS (x) >> endobj")},
      {"an executable", "setup.pdf", std::string("MZ") + std::string(200, '\0')},
      {"an empty file", "空.pdf", ""},
  };
  for (const auto& c : cases) {
    Page p = upload(editor, id, c.name, c.bytes);
    EXPECT_GE(p.status, 400) << c.what;
    EXPECT_LT(p.status, 500) << c.what << " " << p.body.substr(0, 400);
    EXPECT_NE(p.body.find("class=\"error\""), std::string::npos) << c.what;
  }
  // Too big for the server (8 MiB here): refused from Content-Length, before anything is read.
  auto conn = http::testing::ClientConnection::plain(port_);
  ASSERT_TRUE(conn);
  std::string cookies;
  for (const auto& [k, v] : editor.cookies()) cookies += (cookies.empty() ? "" : "; ") + k + "=" + v;
  auto big = conn->round_trip("POST /articles/" + std::to_string(id) + "/attachments HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Connection: close\r\nCookie: " + cookies + "\r\nContent-Type: multipart/form-data; "
                              "boundary=x\r\nContent-Length: " + std::to_string(kMaxBody + 1) + "\r\n\r\n");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  // Two files in one request, a name with a control character.
  const std::string b = "----swtest7MA4YWxkTrZu0gW";
  const std::string two = "--" + b + "\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + editor.csrf() +
                          "\r\n--" + b + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n" +
                          pdf() + "\r\n--" + b + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.pdf\"\r\n\r\n" +
                          pdf() + "\r\n--" + b + "--\r\n";
  Page p = editor.send("POST", "/articles/" + std::to_string(id) + "/attachments", two, "multipart/form-data; boundary=" + b);
  EXPECT_EQ(p.status, 400);
  EXPECT_NE(p.body.find("每次只能上传一个文件"), std::string::npos);
  p = upload(editor, id, std::string("a\x01.pdf"), pdf());
  EXPECT_EQ(p.status, 400);
  p = upload(editor, id, "../../etc/passwd.pdf", pdf());
  EXPECT_EQ(p.status, 400) << "a path in the name";
  EXPECT_EQ(current_version(id), 1) << "no refused file made a version";
}

// A zip bomb in a docx is refused at upload: the attachment check inflates archive members under the
// scanner's extraction limits before accepting the file (N7.3), and the page names the problem.
TEST_F(ContentPagesTest, AZipBombIsRefusedAtUpload) {
  Browser editor = user("nj-editor");
  const std::int64_t id = write_article("nj-editor", nj_column_, "压缩炸弹");
  editor.get("/articles/" + std::to_string(id));
  Page p = upload(editor, id, "方案.docx", zip_bomb());
  EXPECT_EQ(p.status, 400) << p.body.substr(0, 400);
  EXPECT_NE(p.body.find("content.attachment_archive_bomb"), std::string::npos) << p.body.substr(0, 2000);
  EXPECT_EQ(current_version(id), 1) << "no refused file made a version";
}

TEST_F(ContentPagesTest, ReviewerSeesFindingsInContextAndNeedsAJustification) {
  const std::int64_t id = submitted_risky();
  Browser reviewer = user("nj-content");
  Page p = reviewer.get("/review?site=" + std::to_string(nj_site_));
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_NE(p.body.find("关于培训的通知"), std::string::npos);
  EXPECT_NE(p.body.find("severity-critical"), std::string::npos) << "the highest severity of the item";

  p = reviewer.get("/review/" + std::to_string(id));
  ASSERT_EQ(p.status, 200);
  EXPECT_NE(p.body.find("<mark>绝密"), std::string::npos) << "the matched spelling highlighted";
  EXPECT_NE(p.body.find("11010519491231002X"), std::string::npos);
  EXPECT_NE(p.body.find("存在高风险发现，必须填写"), std::string::npos);

  p = reviewer.post("/review/" + std::to_string(id) + "/approve", {{"stage", "content"}});
  EXPECT_EQ(p.status, 409);
  EXPECT_NE(p.body.find("存在高风险扫描发现"), std::string::npos);
  EXPECT_EQ(state_of(id), content::State::submitted);

  p = reviewer.post("/review/" + std::to_string(id) + "/approve",
                    {{"stage", "content"}, {"justification", "身份证号为示例数据，密级标注为培训教材引用，已核实可公开"}});
  ASSERT_EQ(p.status, 303) << p.body;
  EXPECT_EQ(state_of(id), content::State::content_approved);
  p = reviewer.get(p.location());
  EXPECT_NE(p.body.find("已审核通过"), std::string::npos);
  EXPECT_NE(p.body.find("身份证号为示例数据"), std::string::npos) << "the justification in the history";
}

TEST_F(ContentPagesTest, SecrecyStageThenPublishByOperations) {
  const std::int64_t id = write_article("nj-editor", nj_column_, "平安建设工作简报");
  ASSERT_TRUE(content_->submit(actor_of("nj-editor"), id));
  ASSERT_TRUE(content_->approve(actor_of("nj-content"), id, content::Stage::content, {}));

  Browser content_reviewer = user("nj-content");
  content_reviewer.get("/review/" + std::to_string(id));
  Page p = content_reviewer.post("/review/" + std::to_string(id) + "/approve", {{"stage", "secrecy"}});
  EXPECT_EQ(p.status, 403) << "content.review is not secrecy.review";

  Browser secrecy = user("nj-secrecy");
  p = secrecy.get("/review?site=" + std::to_string(nj_site_) + "&stage=secrecy");
  EXPECT_NE(p.body.find("平安建设工作简报"), std::string::npos);
  secrecy.get("/review/" + std::to_string(id));
  p = secrecy.post("/review/" + std::to_string(id) + "/approve", {{"stage", "secrecy"}});
  ASSERT_EQ(p.status, 303) << p.body;
  EXPECT_EQ(state_of(id), content::State::approved);

  Browser editor = user("nj-editor");
  p = editor.get("/articles/" + std::to_string(id));
  EXPECT_NE(p.body.find("已审核"), std::string::npos);
  EXPECT_EQ(p.body.find("/publish"), std::string::npos) << "no publish button without site.operate";
  p = editor.post("/articles/" + std::to_string(id) + "/publish", {});
  EXPECT_EQ(p.status, 403);

  // Operations find approved articles in the list and publish from there.
  Browser op = user("nj-operator");
  p = op.get("/articles?site=" + std::to_string(nj_site_));
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_NE(p.body.find("action=\"/articles/" + std::to_string(id) + "/publish\""), std::string::npos);
  EXPECT_EQ(p.body.find("新建稿件"), std::string::npos) << "operations do not write";
  EXPECT_NE(p.body.find("<a href=\"/articles\">"), std::string::npos) << "the list is in their navigation";
  p = op.post("/articles/" + std::to_string(id) + "/publish", {{"site", std::to_string(nj_site_)}});
  EXPECT_EQ(p.status, 303) << p.body;
  EXPECT_EQ(p.location(), "/articles?site=" + std::to_string(nj_site_) + "&msg=msg_article_published");
  EXPECT_EQ(state_of(id), content::State::published);
  // Operations read what they publish, as themselves (site.operate), but do not edit it.
  p = op.get("/articles/" + std::to_string(id));
  EXPECT_EQ(p.status, 200) << p.body;
  EXPECT_NE(p.body.find("平安建设工作简报"), std::string::npos);
  EXPECT_EQ(p.body.find("action=\"/articles/" + std::to_string(id) + "/edit\""), std::string::npos);
}

TEST_F(ContentPagesTest, RejectNeedsAReasonAndReturnsTheArticleToDraft) {
  const std::int64_t id = write_article("nj-editor", nj_column_, "待退回的稿件");
  ASSERT_TRUE(content_->submit(actor_of("nj-editor"), id));
  Browser reviewer = user("nj-content");
  reviewer.get("/review/" + std::to_string(id));
  Page p = reviewer.post("/review/" + std::to_string(id) + "/reject", {{"stage", "content"}, {"reason", ""}});
  EXPECT_EQ(p.status, 400);
  EXPECT_NE(p.body.find("退回时必须填写原因"), std::string::npos);
  EXPECT_EQ(state_of(id), content::State::submitted);
  p = reviewer.post("/review/" + std::to_string(id) + "/reject", {{"stage", "content"}, {"reason", "数据需核实来源"}});
  ASSERT_EQ(p.status, 303) << p.body;
  EXPECT_EQ(state_of(id), content::State::draft);
  Browser editor = user("nj-editor");
  p = editor.get("/articles/" + std::to_string(id));
  EXPECT_NE(p.body.find("数据需核实来源"), std::string::npos) << "the editor sees why";
  EXPECT_NE(p.body.find("退回"), std::string::npos);
}

TEST_F(ContentPagesTest, AuthorCannotReviewTheirOwnArticle) {
  add_user("nj-both", "郑双岗", city_org_, identity::Role::editor, nj_site_);
  auto both = identity_->find_user(identity::Principal::system("t"), "nj-both");
  ASSERT_TRUE(both);
  ASSERT_TRUE(identity_->grant_role(system_, both->id, identity::Role::content_reviewer, identity::Scope::site(nj_site_)));
  const std::int64_t id = write_article("nj-both", nj_column_, "自己写的稿件");
  ASSERT_TRUE(content_->submit(actor_of("nj-both"), id));
  Browser b = user("nj-both");
  b.get("/review/" + std::to_string(id));
  Page p = b.post("/review/" + std::to_string(id) + "/approve", {{"stage", "content"}});
  EXPECT_EQ(p.status, 403);
  EXPECT_NE(p.body.find("不能审核自己撰写或保存的稿件"), std::string::npos);
  EXPECT_EQ(state_of(id), content::State::submitted);
  EXPECT_GE(denied("content.approve", "nj-both"), 1u);
}

TEST_F(ContentPagesTest, ReprintNeedsTheReviewersJudgement) {
  content::ArticleFields f;
  f.title = "转载：全总召开会议";
  f.body_html = "<p>全总召开会议。</p>";
  f.source = "工人日报";
  f.original_author = "记者 李明";
  f.original_url = "https://www.workercn.cn/a/1";
  auto saved = content_->create_article(actor_of("nj-editor"), nj_column_, f, true);
  ASSERT_TRUE(saved) << saved.error().to_string();
  const std::int64_t id = saved->article.id;
  ASSERT_TRUE(content_->submit(actor_of("nj-editor"), id));
  Browser reviewer = user("nj-content");
  Page p = reviewer.get("/review/" + std::to_string(id));
  EXPECT_NE(p.body.find("name=\"relevance\""), std::string::npos);
  p = reviewer.post("/review/" + std::to_string(id) + "/approve", {{"stage", "content"}});
  EXPECT_EQ(p.status, 400);
  EXPECT_NE(p.body.find("转载稿件须填写审核判定"), std::string::npos);
  p = reviewer.post("/review/" + std::to_string(id) + "/approve",
                    {{"stage", "content"}, {"relevance", "与工会工作相关"}, {"authenticity", "已核实原文"},
                     {"copyright", "已获授权"}});
  EXPECT_EQ(p.status, 303) << p.body;
  EXPECT_EQ(state_of(id), content::State::content_approved);
}

TEST_F(ContentPagesTest, WhatPeopleTypeIsEscapedEverywhere) {
  const std::string evil = "<script>alert('x')</script><img src=x onerror=alert(1)>";
  const std::int64_t id = write_article("nj-editor", nj_column_, "标题" + evil, "<p>正文</p>" + evil);
  ASSERT_TRUE(content_->add_attachment(actor_of("nj-editor"), id, "<img src=x onerror=alert(1)>.pdf", pdf()));
  ASSERT_TRUE(content_->submit(actor_of("nj-editor"), id));
  Browser editor = user("nj-editor");
  Browser reviewer = user("nj-content");
  for (auto* page : {&editor, &reviewer}) {
    for (const std::string& path : {"/articles/" + std::to_string(id), "/articles?site=" + std::to_string(nj_site_),
                                    "/review/" + std::to_string(id)}) {
      Page p = page->get(path);
      if (p.status != 200) continue;
      EXPECT_EQ(p.body.find("<script>alert"), std::string::npos) << path;
      EXPECT_EQ(p.body.find("<img src=x"), std::string::npos) << path;
    }
  }
  Page p = editor.get("/articles/" + std::to_string(id));
  EXPECT_NE(p.body.find("&lt;img src=x onerror=alert(1)&gt;.pdf"), std::string::npos) << "the file name, escaped";
}

TEST_F(ContentPagesTest, FormsAndCallsWithoutTheCsrfTokenAreRefused) {
  const std::int64_t id = write_article("nj-editor", nj_column_, "CSRF 测试");
  Browser editor = user("nj-editor");
  Page p = editor.post("/articles?site=" + std::to_string(nj_site_),
                       {{"column_id", std::to_string(nj_column_)}, {"title", "伪造"}, {"csrf", "forged"}});
  EXPECT_EQ(p.status, 403);
  p = editor.post("/articles/" + std::to_string(id) + "/submit", {{"csrf", ""}});
  EXPECT_EQ(p.status, 403);
  p = editor.send("POST", "/articles/" + std::to_string(id) + "/attachments", multipart("forged", "a.pdf", pdf()),
                  "multipart/form-data; boundary=----swtest7MA4YWxkTrZu0gW");
  EXPECT_EQ(p.status, 403);
  p = call(editor, "POST", "/api/v1/articles/" + std::to_string(id) + "/submit", json::object(), false);
  EXPECT_EQ(p.status, 403);
  p = editor.send("POST", "/api/v1/articles/" + std::to_string(id) + "/attachments", pdf(), "application/pdf",
                  "X-File-Name: a.pdf\r\n");
  EXPECT_EQ(p.status, 403);
  EXPECT_EQ(state_of(id), content::State::draft);
  EXPECT_EQ(current_version(id), 1);
  EXPECT_GE(events("console.csrf").size(), 5u);
}

TEST_F(ContentPagesTest, TheApiCarriesTheWholeWorkflow) {
  add_user("nj-admin", "周网管", city_org_, identity::Role::site_admin, nj_site_);
  Browser admin = user("nj-admin");
  Page p = call(admin, "POST", "/api/v1/sites/" + std::to_string(nj_site_) + "/columns", {{"name", "通知公告"}});
  ASSERT_EQ(p.status, 201) << p.body;
  const std::int64_t column = body_of(p)["id"];
  Browser editor = user("nj-editor");
  p = call(editor, "GET", "/api/v1/sites/" + std::to_string(nj_site_) + "/columns");
  ASSERT_EQ(p.status, 200);
  EXPECT_EQ(body_of(p)["columns"].size(), 2u);
  p = call(editor, "POST", "/api/v1/sites/" + std::to_string(nj_site_) + "/articles",
           {{"column_id", column}, {"title", "关于开展劳动竞赛的通知"}, {"body_html", std::string(kRiskyBody)},
            {"publish_date", "2026-11-26"}});
  ASSERT_EQ(p.status, 201) << p.body;
  const std::int64_t id = body_of(p)["id"];
  const std::string base = "/api/v1/articles/" + std::to_string(id);
  p = call(editor, "POST", base, {{"title", "关于开展劳动竞赛的通知（修订）"}, {"body_html", std::string(kRiskyBody)}});
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(body_of(p)["current_version"], 2);
  p = editor.send("POST", base + "/attachments", pdf(), "application/pdf",
                  "X-CSRF-Token: " + editor.csrf() + "\r\nX-File-Name: %E9%80%9A%E7%9F%A5.pdf\r\n");
  ASSERT_EQ(p.status, 201) << p.body;
  p = call(editor, "GET", base + "/versions/3");
  ASSERT_EQ(p.status, 200);
  EXPECT_EQ(body_of(p)["attachments"][0]["file_name"], "通知.pdf");
  p = call(editor, "GET", "/api/v1/sites/" + std::to_string(nj_site_) + "/articles?q=%E5%8A%B3%E5%8A%A8&limit=10");
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(body_of(p)["total"], 1);
  p = call(editor, "POST", base + "/submit");
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(body_of(p)["highest"], "critical");

  Browser reviewer = user("nj-content");
  p = call(reviewer, "GET", "/api/v1/sites/" + std::to_string(nj_site_) + "/review-queue?stage=content");
  ASSERT_EQ(p.status, 200);
  ASSERT_EQ(body_of(p)["items"].size(), 1u);
  EXPECT_GT(body_of(p)["items"][0]["findings"].get<int>(), 1);
  p = call(reviewer, "GET", base + "/versions/3/findings");
  ASSERT_EQ(p.status, 200);
  EXPECT_EQ(body_of(p)["highest"], "critical");
  p = call(reviewer, "POST", base + "/approve", {{"stage", "content"}});
  EXPECT_EQ(p.status, 409);
  EXPECT_EQ(body_of(p)["error"]["code"], "content.findings_block");
  p = call(reviewer, "POST", base + "/approve", {{"stage", "content"}, {"justification", "已核实，可公开"}});
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(body_of(p)["state"], "content_approved");
  Browser secrecy = user("nj-secrecy");
  p = call(secrecy, "POST", base + "/reject", {{"stage", "secrecy"}, {"reason", ""}});
  EXPECT_EQ(p.status, 400);
  EXPECT_EQ(body_of(p)["error"]["code"], "content.reason_required");
  p = call(secrecy, "POST", base + "/approve", {{"stage", "secrecy"}, {"justification", "密级标注为引用，已核实"}});
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(body_of(p)["state"], "approved");
  Browser op = user("nj-operator");
  p = call(op, "POST", base + "/publish");
  ASSERT_EQ(p.status, 200) << p.body;
  p = call(editor, "GET", base + "/review-records");
  ASSERT_EQ(p.status, 200);
  EXPECT_EQ(body_of(p)["records"].size(), 2u);

  Browser auditor = user("auditor");
  p = call(auditor, "GET", "/api/v1/sites/" + std::to_string(nj_site_) + "/review-records/verify");
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(body_of(p)["ok"], true);
  EXPECT_EQ(body_of(p)["records_checked"], 2);
  p = call(auditor, "GET", "/api/v1/sites/" + std::to_string(nj_site_) +
                               "/review-records/export?from=2000-01-01&to=2100-01-01");
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(std::count(p.body.begin(), p.body.end(), '\n'), 2);
  p = call(editor, "GET", "/api/v1/sites/" + std::to_string(nj_site_) + "/review-records/verify");
  EXPECT_EQ(p.status, 403);
}

TEST_F(ContentPagesTest, ReviewRecordsPageVerifiesAndExports) {
  const std::int64_t id = write_article("nj-editor", nj_column_, "存档测试");
  ASSERT_TRUE(content_->submit(actor_of("nj-editor"), id));
  ASSERT_TRUE(content_->approve(actor_of("nj-content"), id, content::Stage::content, {}));
  Browser auditor = user("auditor");
  Page p = auditor.get("/sites/" + std::to_string(nj_site_) + "/review-records");
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_NE(p.body.find("校验通过"), std::string::npos);
  EXPECT_NE(p.body.find("已校验 1 条记录"), std::string::npos);
  p = auditor.get("/sites/" + std::to_string(nj_site_) + "/review-records/export?from=2000-01-01&to=2100-12-31");
  ASSERT_EQ(p.status, 200);
  EXPECT_NE(p.headers.get("Content-Disposition").value_or("").find("attachment"), std::string::npos);
  EXPECT_NE(p.body.find("\"decision\":\"approved\""), std::string::npos);
  p = auditor.get("/sites/" + std::to_string(nj_site_) + "/review-records/export?from=2026-13-01&to=x");
  EXPECT_EQ(p.status, 400);
  Browser editor = user("nj-editor");
  p = editor.get("/sites/" + std::to_string(nj_site_) + "/review-records");
  EXPECT_EQ(p.status, 403);
}

TEST_F(ContentPagesTest, TheListIsPagedAndFiltered) {
  for (int i = 0; i < 55; ++i) write_article("nj-editor", nj_column_, "第" + std::to_string(i) + "号通知");
  write_article("nj-editor", nj_column_, "劳模表彰大会");
  Browser editor = user("nj-editor");
  const std::string list = "/articles?site=" + std::to_string(nj_site_);
  Page p = editor.get(list);
  ASSERT_EQ(p.status, 200);
  EXPECT_NE(p.body.find("共 56 篇"), std::string::npos);
  EXPECT_NE(p.body.find("1 / 2"), std::string::npos);
  EXPECT_NE(p.body.find("劳模表彰大会"), std::string::npos) << "newest first";
  EXPECT_EQ(p.body.find("第0号通知"), std::string::npos) << "the oldest is on page 2";
  p = editor.get(list + "&page=2");
  EXPECT_NE(p.body.find("第0号通知"), std::string::npos);
  p = editor.get(list + "&q=%E5%8A%B3%E6%A8%A1");
  EXPECT_NE(p.body.find("共 1 篇"), std::string::npos);
  p = editor.get(list + "&state=submitted");
  EXPECT_NE(p.body.find("共 0 篇"), std::string::npos);
  p = editor.get(list + "&state=nonsense");
  EXPECT_EQ(p.status, 400);
  p = editor.get(list + "&page=999999999999999999");
  EXPECT_EQ(p.status, 200) << "a page far past the end is empty, not an error";
  EXPECT_NE(p.body.find("没有符合条件的稿件"), std::string::npos);
}

TEST_F(ContentPagesTest, PagesSpeakEnglishOnRequest) {
  const std::int64_t id = submitted_risky();
  Browser reviewer = user("nj-content");
  Page p = reviewer.get("/review/" + std::to_string(id) + "?lang=en");
  ASSERT_EQ(p.status, 200);
  EXPECT_NE(p.body.find("Scanner findings"), std::string::npos);
  EXPECT_NE(p.body.find("Return for changes"), std::string::npos);
}

}  // namespace
}  // namespace sw::console::testing
