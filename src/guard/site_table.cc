#include "guard/site_table.h"

#include "guard/request.h"

namespace sw::guard {

std::time_t parse_rfc3339(std::string_view s) {
  std::tm tm{};
  auto num = [&](std::size_t pos, std::size_t len) -> int {
    if (s.size() < pos + len) return -1;
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  const int year = num(0, 4), month = num(5, 2), day = num(8, 2), hour = num(11, 2), minute = num(14, 2),
            second = num(17, 2);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || minute < 0 || second < 0) return 0;
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return timegm(&tm);
}

std::shared_ptr<const SiteTable> SiteTable::build(const std::vector<LiveRelease>& releases,
                                                  std::vector<std::string>* conflicts) {
  auto table = std::make_shared<SiteTable>();
  for (const LiveRelease& r : releases) {
    if (!r.manifest) continue;
    auto route = std::make_unique<SiteRoute>();
    route->site_id = r.site_id;
    route->release_id = r.release_id;
    route->manifest = r.manifest;
    route->released = parse_rfc3339(r.manifest->created_at);
    route->last_modified = format_http_date(route->released);
    for (const std::string& host : r.hosts) {
      auto normal = normalise_host(host);
      if (!normal) continue;
      auto [it, inserted] = table->by_host_.emplace(*normal, route.get());
      if (!inserted && conflicts) {
        conflicts->push_back(*normal + " → site " + std::to_string(r.site_id) + " (kept site " +
                             std::to_string(it->second->site_id) + ")");
      }
    }
    table->routes_.push_back(std::move(route));
  }
  return table;
}

const SiteRoute* SiteTable::find(std::string_view host) const {
  auto it = by_host_.find(host);
  return it == by_host_.end() ? nullptr : it->second;
}

}  // namespace sw::guard
