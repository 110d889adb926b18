// The freshness probe's view of a hosted site from the platform's own data (issue 7 "Freshness";
// freshness_probe.h): read through content's API as the machine operator, no SQL on content's tables.
//
// A site's columns are its active columns (content::ContentService::columns); a column's newest item
// is the newest date the public sees among its live articles (content::is_live: published, or under
// withdrawal or correction review, at the version shown — Article::published_version): the version's
// publish_date, or its save time when it has none, as the publisher prints it. A back-dated import is
// old news, and a correction that keeps its publish date does not make the column fresh.
// The site's newest item is the newest of its columns. A column with no live article is empty.
// Cost: one list page per 200 articles and two reads (article, shown version) per live article, per pass.
#pragma once

#include "content/articles.h"
#include "monitor/freshness_probe.h"

namespace sw::monitor {

// `content` must outlive the returned function; it is called on the pass's thread.
HostedActivity hosted_activity_from(content::ContentService& content);

}  // namespace sw::monitor
