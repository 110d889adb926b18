// The registrable domain of a host name (issue 7, N7.2): the part a registrant holds at a registrar —
// one label below a public suffix of the Public Suffix List — which is where a hijacker changes the
// name servers (NS) and DNSSEC keys (DS). `www.jsgh.org.cn` → `jsgh.org.cn`, `news.foo.gov.cn` →
// `foo.gov.cn`, `www.example.com` → `example.com`.
//
// The list is Debian's `publicsuffix` package read by libpsl (`psl_latest`: the newer of the installed
// /usr/share/publicsuffix list and libpsl's built-in copy). A name under a suffix the list does not
// know (a test TLD like `swtest`) follows the list's default rule `*`: its last label is the suffix.
#pragma once

#include <string>
#include <string_view>

namespace sw::monitor {

// `domain` in lowercase ASCII (IDNs as punycode), a trailing dot ignored. Returns the registrable
// domain; the name itself when it is a public suffix (`gov.cn`), has a single label, or is not a
// host name libpsl accepts. Never fails; thread-safe.
std::string registrable_domain(std::string_view domain);

}  // namespace sw::monitor
