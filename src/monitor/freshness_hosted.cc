// freshness_hosted.h.
#include "monitor/freshness_hosted.h"

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
      filter.state = content::State::published;
      filter.column_id = c.id;
      SW_TRY(page, content.list_articles(machine, site_id, filter, 0, 50));
      ColumnActivity column{"column:" + std::to_string(c.id), c.name, std::nullopt, ""};
      for (const content::ArticleListItem& item : page.items) {
        if (!column.newest || item.updated_at > *column.newest) column.newest = item.updated_at;
      }
      if (column.newest && (!activity.newest || *column.newest > *activity.newest)) activity.newest = column.newest;
      activity.columns.push_back(std::move(column));
    }
    return activity;
  };
}

}  // namespace sw::monitor
