// The freshness probe's view of a hosted site from the platform's own data (issue 7 "Freshness";
// freshness_probe.h): read through content's API as the machine operator, no SQL on content's tables.
//
// A site's columns are its active columns (content::ContentService::columns); a column's newest item
// is the newest save time of the shown version among its published articles (list_articles, state
// published, newest first, the first page of 50), and the site's newest item the newest of its
// columns. A column with no published article is empty. Articles under withdrawal or correction
// review still show on the site but are not counted (a column of only such articles reads as empty
// until they are published again).
#pragma once

#include "content/articles.h"
#include "monitor/freshness_probe.h"

namespace sw::monitor {

// `content` must outlive the returned function; it is called on the pass's thread.
HostedActivity hosted_activity_from(content::ContentService& content);

}  // namespace sw::monitor
