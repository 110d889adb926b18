#include "publish/footer.h"

#include <algorithm>
#include <utility>

#include "registry/registry.h"

namespace sw::publish {
namespace {

// True when `text` holds something besides ASCII blanks and the ideographic space.
bool present(std::string_view text) {
  std::string s(text);
  for (std::size_t at; (at = s.find("\u3000")) != std::string::npos;) s.erase(at, 3);
  return std::ranges::any_of(s, [](unsigned char c) { return c > ' '; });
}

}  // namespace

Status check_footer(const IdentityFooter& f) {
  const std::pair<const std::string*, std::string_view> items[] = {
      {&f.sponsor, "sponsor (主办单位)"},   {&f.icp_number, "icp_number (ICP备案号)"},
      {&f.address, "address (通讯地址)"},   {&f.phone, "phone (联系电话)"},
      {&f.postcode, "postcode (邮编)"},     {&f.hotline_12351, "hotline_12351 (12351职工服务热线)"},
  };
  std::string missing;
  for (const auto& [value, label] : items) {
    if (present(*value)) continue;
    if (!missing.empty()) missing += ", ";
    missing += label;
  }
  if (missing.empty()) return ok();
  // N5.2: a page without the identity footer is never published.
  return fail("publish.footer_incomplete", "the identity footer (N5.2) is incomplete; missing: " + missing);
}

Result<IdentityFooter> footer_from_register(registry::Registry& registry, const identity::Principal& who,
                                            std::int64_t site_id) {
  SW_TRY(site, registry.get_site(who, site_id));
  IdentityFooter f{.sponsor = site.fields.sponsor,
                   .address = site.fields.address,
                   .phone = site.fields.phone,
                   .postcode = site.fields.postcode,
                   .hotline_12351 = site.fields.hotline_12351};
  SW_TRY(filings, registry.filings_of_subtree(who, site.org_id));
  for (const registry::IcpFiling& filing : filings) {
    if (filing.site_id == site_id && !filing.superseded_at) f.icp_number = filing.number;
  }
  return f;
}

}  // namespace sw::publish
