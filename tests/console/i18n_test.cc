#include <gtest/gtest.h>

#include "console/i18n.h"
#include "console/view.h"

namespace sw::console {
namespace {

TEST(Catalogues, ChineseAndEnglishCarryTheSameKeys) {
  const auto& zh = catalogue(Language::zh_cn);
  const auto& en = catalogue(Language::en);
  ASSERT_GT(zh.size(), 50u);
  for (const auto& [key, value] : zh.items()) EXPECT_TRUE(en.contains(key)) << "en lacks " << key;
  for (const auto& [key, value] : en.items()) EXPECT_TRUE(zh.contains(key)) << "zh-CN lacks " << key;
}

TEST(Catalogues, EveryFileParsesAndNoKeyIsDefinedTwice) {
  EXPECT_TRUE(catalogue_problems(Language::zh_cn).empty()) << catalogue_problems(Language::zh_cn).front();
  EXPECT_TRUE(catalogue_problems(Language::en).empty()) << catalogue_problems(Language::en).front();
}

TEST(Catalogues, EveryRoleAndOrganisationKindHasANameInBothLanguages) {
  for (const char* key : {"role_system_admin", "role_security_admin", "role_audit_admin", "role_site_admin",
                          "role_editor", "role_content_reviewer", "role_secrecy_reviewer", "role_operator",
                          "org_kind_province", "org_kind_city", "org_kind_county", "org_kind_grassroots",
                          "org_kind_industry", "org_kind_affiliated"}) {
    EXPECT_NE(text(Language::zh_cn, key), key);
    EXPECT_NE(text(Language::en, key), key);
  }
}

TEST(Views, TemplatesEscapeValues) {
  const std::string html = render_template("message", {{"heading", "<b>x</b>"}, {"text", "\"'&"}});
  EXPECT_NE(html.find("&lt;b&gt;x&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("&quot;&apos;&amp;"), std::string::npos);
}

TEST(Views, NoTemplateHasInlineScriptOrStyle) {
  for (const char* name : {"dashboard",  // registry (issue 4)
                           "layout", "login", "second_factor", "enrol_totp", "change_password", "users", "roles",
                           "orgs", "audit", "account", "home", "message", "sites", "site", "filings", "articles",
                           "article", "review_queue", "review_item", "review_records",
                           "lifecycle", "lifecycle_blogs",
                           "waf", "waf_exclusion", "monitor", "site_monitor"}) {  // issues 6, 7
    const auto source = embedded_asset("templates/" + std::string(name) + ".mustache");
    ASSERT_TRUE(source) << name;
    EXPECT_EQ(source->find("<script>"), std::string::npos) << name;
    EXPECT_EQ(source->find("style="), std::string::npos) << name;
    for (const char* handler : {"onclick", "onload", "onsubmit", "onerror"}) {
      EXPECT_EQ(source->find(handler), std::string::npos) << name << " has " << handler;
    }
  }
}

TEST(Views, EveryPostFormCarriesACsrfToken) {
  for (const char* name : {"dashboard",  // registry (issue 4)
                           "layout", "login", "second_factor", "enrol_totp", "change_password", "users", "roles",
                           "account", "orgs", "sites", "site", "articles", "article",
                           "review_item", "lifecycle", "lifecycle_blogs",
                           "waf", "waf_exclusion", "site_monitor"}) {  // issues 6, 7
    const std::string source(*embedded_asset("templates/" + std::string(name) + ".mustache"));
    std::size_t pos = 0;
    while ((pos = source.find("method=\"post\"", pos)) != std::string::npos) {
      const auto end = source.find("</form>", pos);
      EXPECT_NE(source.substr(pos, end - pos).find("name=\"csrf\""), std::string::npos) << name;
      pos = end;
    }
  }
}

}  // namespace
}  // namespace sw::console
