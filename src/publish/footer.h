// IdentityFooter: what N5.2 requires on every page of a union site — sponsor (主办单位), ICP filing
// number, mailing address, phone, postcode and the 12351 hotline — and the gate that refuses to
// publish a site missing any of them.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "identity/roles.h"

namespace sw::registry {
class Registry;
}

namespace sw::publish {

struct IdentityFooter {
  std::string sponsor;        // 主办单位
  std::string icp_number;     // the site's current ICP filing (registry), e.g. "苏ICP备12345678号-1"
  std::string address;        // 通讯地址
  std::string phone;          // 联系电话
  std::string postcode;       // 邮编
  std::string hotline_12351;  // "12351" or with its area code ("025-12351")
  bool operator==(const IdentityFooter&) const = default;
};

// N5.2: a site missing any footer item cannot be published. ok() when every item holds more than
// blanks; otherwise "publish.footer_incomplete" whose message names EVERY missing item, each as its
// field name and the label people know it by: "... missing: icp_number (ICP备案号), postcode (邮编)".
Status check_footer(const IdentityFooter& footer);

// The footer of a site as the register holds it: the site record's sponsor, address, phone,
// postcode and hotline, and the number of its current ICP filing ("" when it has none). Reads as
// `who` (site.read on the site and org.read on its organisation; the publisher passes the machine
// operator after its own site.operate check). Errors are the registry's (not found, forbidden).
Result<IdentityFooter> footer_from_register(registry::Registry& registry, const identity::Principal& who,
                                            std::int64_t site_id);

}  // namespace sw::publish
