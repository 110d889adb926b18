// Aggregation (N3.3 "多条信息汇聚后可能涉密"): items that are each harmless can add up to what must not
// be published. Takes the entities of many items (e.g. everything published on a site) and warns,
// explaining each warning with the items involved:
//  - one person's identifiers spread across items (ID number on one page, phone on another, home
//    address on a third), linked by a shared name or identifier;
//  - a membership or staff list split over pages: many items each with a few names and phone numbers
//    below the per-item threshold that together make a roster;
//  - figures of one internal series published piece by piece (the same statistic over months or
//    units across items, adding up to a complete internal table).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "review/scanner.h"

namespace sw::review {

// Entities of the text of one item besides validated personal data: person names (after labels
// such as 姓名/联系人/负责人 or before 同志, a surname from the common-surname list and 1–2 characters),
// addresses (province/city/district/road/number/room forms) and figures (a labelled quantity:
// "会员人数 1234人", "经费支出 56.7万元" with the period or unit the text gives).
std::vector<Entity> extract_entities(std::string_view utf8, std::string_view path = {}, std::string_view part = {});

struct ItemEntities {
  std::string item;                // id or path of the item
  std::string title;               // shown in explanations
  std::vector<Entity> entities;    // personal data from the scanner plus extract_entities()
};

struct AggregateWarning {
  std::string kind;                // "person_profile", "split_roster", "figure_series"
  Severity severity = Severity::high;
  std::string explanation;         // in Chinese, names what adds up and where: "张三的身份证号（项目A）、手机号（项目B）……"
  std::vector<std::string> items;  // the items involved, in order
};

struct AggregateOptions {
  std::size_t roster_min_items = 3;      // a roster split over at least this many items
  std::size_t roster_min_people = 10;    // ... naming at least this many people with contact data in all
  std::size_t roster_max_people_per_item = 5;  // ... each naming at most this many (more in one item is a
                                               // bulk finding of that item on its own, not a split roster)
  std::size_t profile_min_kinds = 2;     // kinds of identifier for one person across items
  std::size_t series_min_items = 3;      // pieces of one figure series
};

std::vector<AggregateWarning> aggregate(const std::vector<ItemEntities>& items, const AggregateOptions& options = {});

}  // namespace sw::review
