// The fingerprint probe (issue 7, N5.3 / N7.1; docs/modules/monitor.md "Fingerprint and hidden
// links"): pages fetched as the public sees them — the home page and a bounded sample of its internal
// links — and judged three ways:
//  - hosted sites: each fetched body's hash against the live release's manifest entry for its path
//    (identity encoding: the fetcher asks for no compression) → "fingerprint.defaced" (critical);
//  - external sites: each page's fingerprint (text shingles, outbound link hosts, script and frame
//    sources) against the accepted one (FingerprintStore; the first pass records it) → drift beyond
//    the threshold, a new link host or a new script/frame source is "fingerprint.changed" (warning)
//    until an operator accepts (`sitewarden monitor fingerprint accept --site S`);
//  - every site: hidden links, injected code and bad terms (hidden_links.h) →
//    "fingerprint.hidden_link", "fingerprint.injected_script", "fingerprint.bad_terms" (critical).
// A site whose home page does not load gets a failed result and no findings (uptime reports it).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "monitor/fingerprint_store.h"
#include "monitor/hidden_links.h"
#include "monitor/probe_body.h"

namespace sw::monitor {

// A file of a site's live release: its digest ("sm3:<hex>" / "sha256:<hex>") and size.
struct LivePage {
  std::string digest;
  std::uint64_t size = 0;
};

struct LiveRelease {
  std::int64_t release_id = 0;
  std::map<std::string, LivePage> pages;  // manifest path ("/index.html") → file
  // The approved bytes of a digest, for the diff summary of a defaced page; unset: no diff.
  std::function<Result<std::string>(const std::string& digest)> bytes;
};

// The live release of a hosted site (nullopt: none live). Wired by the CLI to the publish module's
// ReleaseStore, so the monitor does not depend on it.
using LiveReleaseLookup = std::function<Result<std::optional<LiveRelease>>(std::int64_t site_id)>;

struct FingerprintOptions {
  int max_pages = 10;      // pages sampled per site: the home page and its first internal links
  int drift_percent = 40;  // text of a page changed by more than this (estimated) is a change
  LiveReleaseLookup live_release;           // unset: hosted sites are not compared with a release
  std::shared_ptr<FingerprintStore> store;  // unset: external sites are not compared with a fingerprint
};

// A page's fingerprint (stored as JSON): the 128 smallest 64-bit hashes of its text's 4-character
// shingles (whitespace removed), its outbound link hosts and its script/frame sources.
nlohmann::json page_fingerprint(const PageReport& page);
// The estimated share of text shingles two fingerprints have in common (1 when both have no text).
double text_similarity(const nlohmann::json& a, const nlohmann::json& b);

// The manifest path a URL's path is served from: percent-decoded, query and fragment dropped,
// "/" → "/index.html", "/news/" → "/news/index.html".
std::string manifest_path_of(const std::string& url);

// The ProbeBody of Probe::fingerprint (probe_body.h).
Result<std::vector<SiteWork>> probe_fingerprint(MonitorService& service, const std::vector<SiteTarget>& sites,
                                                const PassOptions& options, TimePoint now);

}  // namespace sw::monitor
