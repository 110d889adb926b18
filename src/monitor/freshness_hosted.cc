// freshness_hosted.h. N8.3: the inspections fail a site whose home page or columns go stale; for hosted
// sites the dates are the platform's own, as the public sees them.
#include "monitor/freshness_hosted.h"

#include <algorithm>

#include "content/workflow.h"

namespace sw::monitor {

HostedActivity hosted_activity_from(content::ContentService& content) {
  return [&content](std::int64_t site_id) -> Result<SiteActivity> {
    static const identity::Principal machine = identity::Principal::system("monitor");
    SiteActivity activity;
    activity.source = "platform";
    SW_TRY(columns, content.columns(machine, site_id));
    for (const content::Column& c : columns) {
      if (c.deactivated_at) continue;
      content::ArticleFilter filter;
      filter.column_id = c.id;
      ColumnActivity column{"column:" + std::to_string(c.id), c.name, std::nullopt, ""};
      // Every article of the column, page by page; the live ones count at the version the public sees.
      for (std::int64_t offset = 0;;) {
        SW_TRY(page, content.list_articles(machine, site_id, filter, offset, content::kMaxArticlePage));
        for (const content::ArticleListItem& item : page.items) {
          if (!content::is_live(item.article.state)) continue;
          // The list leaves published_version out: the article itself names the version shown.
          SW_TRY(a, content.get_article(machine, item.article.id));
          if (!a.published_version) continue;
          SW_TRY(shown, content.get_version(machine, a.id, *a.published_version));
          // The date the site shows (publish/publisher.cc): the editor's publish_date, else the save time;
          // never later than the save time, so an item dated in the future cannot keep a column fresh.
          const TimePoint date = std::min(shown.fields.publish_date.value_or(shown.created_at), shown.created_at);
          if (!column.newest || date > *column.newest) column.newest = date;
        }
        offset += static_cast<std::int64_t>(page.items.size());
        if (page.items.empty() || offset >= page.total) break;
      }
      if (column.newest && (!activity.newest || *column.newest > *activity.newest)) activity.newest = column.newest;
      activity.columns.push_back(std::move(column));
    }
    return activity;
  };
}

}  // namespace sw::monitor
