// HiddenLinks: what the fingerprint probe reads from one page as the public sees it (issue 7, N5.3
// 暗链/挂马) — links hidden by CSS that lead to foreign hosts or carry bad terms, scripts and frames
// from foreign hosts, inline scripts that write or redirect to a foreign host, gambling/pornography
// and other illegal terms of the review scanner's lexicons, and the parts of the page its fingerprint
// is made of (text, outbound link hosts, script and frame sources, internal links).
//
// "Foreign": a host that is neither one of the site's domains nor on its link allowlist (a listed
// host covers its subdomains; monitor_service.h allow_link_host). A hidden link to the site itself
// (a collapsed menu) is not a finding unless its text carries a bad term.
//
// Hiding (css_hiding.h) is judged per element from the page's <style> blocks and inline styles,
// inherited by everything inside: display/visibility/opacity/font-size, zero or tiny boxes with
// overflow hidden, absolute/fixed far off-screen, text-indent far negative, a tiny marquee, and text
// whose colour equals the background colour in force (set on it or an ancestor).
//
// A pure function of the bytes (no I/O), safe on hostile input: gumbo parses into an arena, the tree
// is walked with an explicit stack, and at most kMaxReported items of each list are kept.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sw::monitor {

inline constexpr std::size_t kMaxReported = 50;

struct PageContext {
  std::string url;                       // the page's URL (links resolve against it or <base>)
  std::vector<std::string> own_domains;  // the site's domains, lowercase
  std::vector<std::string> allowlist;    // hosts the site may link to (and their subdomains)
};

struct HiddenLink {
  std::string url;
  std::string host;
  std::string anchor;  // the link's text (whitespace collapsed, at most 200 bytes)
  std::string reason;  // the CSS that hides it, e.g. "display:none", "colour equals background (#ffffff)"
  std::string term;    // the bad term in its text, if any
};

struct InjectedCode {
  std::string kind;     // "script_src" | "iframe" | "inline_write" | "inline_redirect" | "meta_refresh"
  std::string host;     // the foreign host
  std::string url;      // the source or target
  std::string snippet;  // for inline code: up to 160 bytes around it
};

struct BadTerm {
  std::string term;      // as matched (normalised form)
  std::string category;  // the lexicon's category ("illegal", "vulgar")
  std::string context;   // up to 60 bytes each side, from the page text
};

struct PageReport {
  std::vector<HiddenLink> hidden_links;
  std::vector<InjectedCode> injected;
  std::vector<BadTerm> bad_terms;
  std::string text;                        // the page's text (no script/style), whitespace collapsed
  std::vector<std::string> link_hosts;     // hosts of outbound (foreign or allowed) links, sorted, unique
  std::vector<std::string> code_sources;   // script and frame sources (absolute URLs), sorted, unique
  std::vector<std::string> internal_links; // absolute URLs on the site's own domains, in page order, unique
};

PageReport inspect_page(std::string_view html, const PageContext& context);

// `host` is one of `domains` or a subdomain of one.
bool host_covered(std::string_view host, const std::vector<std::string>& domains);

// The bad terms in `text`: entries of the review scanner's built-in lexicons of category "illegal"
// (gambling, prostitution, drugs, fake certificates...; severity high or critical) and "vulgar"
// (pornography and obscene words; medium and above), with the lexicons' whitelists and context rules.
// At most kMaxReported, each term once.
std::vector<BadTerm> find_bad_terms(std::string_view text);

}  // namespace sw::monitor
