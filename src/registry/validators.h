// Field validators of the site register (N2.1, N2.2; docs/modules/registry.md). Pure functions:
// each returns ok() or an Error with a stable "registry.*" code whose message names the field and
// what is wrong, so the console can show it next to the field.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "identity/roles.h"

namespace sw::registry {

// The 31 mainland province-level abbreviations an ICP filing number starts with.
inline constexpr std::string_view kProvinceAbbreviations[] = {
    "京", "津", "沪", "渝", "冀", "豫", "云", "辽", "黑", "湘", "皖", "鲁", "新", "苏", "浙", "赣",
    "鄂", "桂", "甘", "晋", "蒙", "陕", "吉", "闽", "贵", "粤", "青", "藏", "川", "宁", "琼"};

// N2.2: an ICP filing number 「<province>ICP备<6–10 digits>号」 with an optional site suffix
// 「-<n>」 (n = 1..999, no leading zero), e.g. 苏ICP备12345678号-1. Only the ICP filing (备案) is
// accepted: a business licence (苏ICP证B2-…) or a public-security filing (苏公网安备…号) is a
// different record and is refused. Error "registry.invalid_icp" naming what is wrong: unknown
// province 「X」, missing "ICP", missing 备, the digit count, missing 号, the suffix, trailing text.
Status validate_icp_number(std::string_view number);

// A domain name in its ASCII (punycode) form: lowercase a-z, digits and hyphens; labels of 1..63
// characters not starting or ending with a hyphen; at least two labels; at most 253 characters; no
// trailing dot. "xn--" labels (IDNA) are accepted as they are. Error "registry.invalid_domain"
// naming the label or limit. Callers lowercase ASCII input first (see normalize_domain).
Status validate_domain(std::string_view domain);
// ASCII lowercase of the domain (non-ASCII bytes are left as they are, so validate_domain refuses them).
std::string normalize_domain(std::string_view domain);

// N2.1: the suffixes a domain must end in, by organisation level (text form of identity::OrgKind).
// A level without an entry is unrestricted. Configurable; the default is the notice's rule (二):
// city and county union domains end in .org or .org.cn.
struct DomainRules {
  std::map<std::string, std::vector<std::string>> suffixes_by_level = {
      {"city", {".org", ".org.cn"}},
      {"county", {".org", ".org.cn"}},
  };
};
// Checks a (valid, normalised) domain against the rule for `level`. Error "registry.domain_rule"
// naming the rule, e.g. "city union domains must end in .org or .org.cn (got example.com)".
Status check_domain_rule(identity::OrgKind level, std::string_view domain, const DomainRules& rules);

// A Chinese postcode: exactly 6 ASCII digits ("registry.invalid_postcode").
Status validate_postcode(std::string_view postcode);
// A contact phone: a mobile 1[3-9]XXXXXXXXX or a landline 0XX(X)-XXXXXXX(X), as identity's
// validate_phone ("registry.invalid_phone").
Status validate_phone(std::string_view phone);
// The 12351 hotline line printed on the site (notice 五): "12351" as dialled within the area, or
// with its area code "0XX(X)-12351" (e.g. 025-12351). Other numbers are not the union hotline
// ("registry.invalid_hotline").
Status validate_hotline_12351(std::string_view line);
// An organisation code: 1..32 of A-Z a-z 0-9 and '-' (division codes, 统一社会信用代码)
// ("registry.invalid_code").
Status validate_org_code(std::string_view code);
// A name (organisation, site, sponsor): 1..128 bytes of UTF-8 without control characters, not only
// spaces ("registry.invalid_<field>").
Status validate_text_field(std::string_view field, std::string_view value, std::size_t max_bytes = 128);

// A calendar date "YYYY-MM-DD" (1949..2100, a real day) for field `field`
// ("registry.invalid_<field>").
Status validate_date(std::string_view field, std::string_view date);
// N2.6: a unified social credit code (统一社会信用代码, GB 32100-2015) with its check character
// ("registry.invalid_uscc").
Status validate_uscc(std::string_view code);
// N4.1: a feature of a site: "interaction" | "blog" | "forum" | "search" | "column:<id>"
// ("registry.invalid_feature").
Status validate_feature(std::string_view feature);
// N7.5: a graded-protection filing number (公安备案号): 1..64 bytes of 0-9 A-Z a-z '-' and Chinese
// characters ("registry.invalid_filing_number").
Status validate_grading_filing(std::string_view number);
// N8.2: a training certificate number, optional: 0..64 bytes of 0-9 A-Z a-z - / ( ) and Chinese
// characters ("registry.invalid_certificate").
Status validate_certificate(std::string_view number);

}  // namespace sw::registry
