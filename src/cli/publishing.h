// Publishing on a node: the release store, the sites' looks and the publisher, opened over a
// Platform (publish_cmd.cc). `sitewarden publish` uses it once; `serve` keeps one for the console's
// releases page and for the incremental publish that follows a content action or a scheduled
// publication or withdrawal.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "cli/platform.h"
#include "publish/publisher.h"
#include "publish/release_store.h"
#include "publish/site_looks.h"
#include "review/scanner.h"

namespace sw::cli {

struct Publishing {
  // The platform's lexicon without the entity collection (N3.3 aggregation across items, which the
  // scan of rendered pages does not use): the same findings, less work per page.
  std::unique_ptr<review::Scanner> scanner;
  std::unique_ptr<publish::ReleaseStore> releases;
  std::unique_ptr<publish::SiteLooks> looks;
  std::unique_ptr<publish::Publisher> publisher;
};

// Opens publishing over the platform (which must outlive it): the node key signs releases, every
// suite's public key is trusted.
Result<std::unique_ptr<Publishing>> open_publishing(Platform& platform);

// After the demo is seeded: every site published in full as the machine operator, one line each on
// stdout — the release, or why the site cannot be published (苏州工会网 lacks its footer on purpose:
// the N5.2 gate at work).
void publish_demo_sites(Platform& platform);

// After the scheduler carried out due publications and withdrawals: an incremental publish of each
// site they touched, as the machine operator (failures are logged and audited, never thrown).
void publish_after_schedule(Platform& platform, Publishing& publishing, std::span<const std::int64_t> articles);

}  // namespace sw::cli
