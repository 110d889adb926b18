// Entities of one item and aggregation across items (N3.3: 多条信息汇聚后可能涉密). All people,
// numbers and addresses are fictional; the ID numbers carry a correct GB 11643 check character.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "review/aggregate.h"
#include "review/personal_data.h"

namespace sw::review {
namespace {

constexpr const char* kIdZhangSan = "320102198503121234";
constexpr const char* kIdLiSi = "32010619900101456X";

std::vector<std::string> values(const std::vector<Entity>& entities, std::string_view kind) {
  std::vector<std::string> out;
  for (const Entity& e : entities) {
    if (e.kind == kind) out.push_back(e.value);
  }
  return out;
}

const Entity* find(const std::vector<Entity>& entities, std::string_view kind, std::string_view value) {
  for (const Entity& e : entities) {
    if (e.kind == kind && e.value == value) return &e;
  }
  return nullptr;
}

ItemEntities item(std::string id, std::string title, std::string_view text) {
  return ItemEntities{id, std::move(title), extract_entities(text, id, "text")};
}

std::vector<AggregateWarning> of_kind(const std::vector<AggregateWarning>& warnings, std::string_view kind) {
  std::vector<AggregateWarning> out;
  for (const AggregateWarning& w : warnings) {
    if (w.kind == kind) out.push_back(w);
  }
  return out;
}

TEST(Fixtures, TestIdNumbersAreValid) {
  EXPECT_TRUE(is_resident_id(kIdZhangSan));
  EXPECT_TRUE(is_resident_id(kIdLiSi));
}

// ---- extract_entities (N3.3) ----

TEST(ExtractEntities, EmptyInputHasNoEntities) {
  EXPECT_TRUE(extract_entities("").empty());
  EXPECT_TRUE(extract_entities("\n\n  \n").empty());
}

TEST(ExtractEntities, NameAfterLabelWithColonOrSpace) {
  const auto entities = extract_entities("姓名：张三\n负责人 李小明\n经办人:欧阳明");
  EXPECT_EQ(values(entities, "person_name"), (std::vector<std::string>{"张三", "李小明", "欧阳明"}));
}

TEST(ExtractEntities, NameInAFormWrittenWithoutSpacesEndsAtTheNextField) {
  const auto entities = extract_entities("联系人：王芳电话：13800138000");
  EXPECT_EQ(values(entities, "person_name"), (std::vector<std::string>{"王芳"}));
}

TEST(ExtractEntities, NameBeforeHonorific) {
  EXPECT_EQ(values(extract_entities("王小明同志获得表彰。"), "person_name"),
            (std::vector<std::string>{"王小明"}));
  EXPECT_EQ(values(extract_entities("号召全体会员向李明同志学习。"), "person_name"),
            (std::vector<std::string>{"李明"}));
  EXPECT_EQ(values(extract_entities("感谢陈静女士的支持"), "person_name"),
            (std::vector<std::string>{"陈静"}));
}

TEST(ExtractEntities, MeetingsAndGroupsAreNotNames) {
  const auto entities =
      extract_entities("会员大会于3月召开，全体同志参加。各位同志：会员代表大会通知。王老师主持。");
  EXPECT_TRUE(values(entities, "person_name").empty());
}

TEST(ExtractEntities, NameCellInARowWithAPhone) {
  const auto entities = extract_entities("序号\t姓名\t手机\n1\t赵敏\t13800138000\n2\t黄丽\t13912345678\n");
  EXPECT_EQ(values(entities, "person_name"), (std::vector<std::string>{"赵敏", "黄丽"}));
  ASSERT_NE(find(entities, "mobile", "13800138000"), nullptr);
  EXPECT_EQ(find(entities, "mobile", "13800138000")->person, "赵敏");
  EXPECT_EQ(find(entities, "mobile", "13912345678")->person, "黄丽");
}

TEST(ExtractEntities, CellsWithoutAContactOnTheRowAreNotNames) {
  EXPECT_TRUE(values(extract_entities("1\t赵敏\t优秀\n"), "person_name").empty());
}

TEST(ExtractEntities, PersonalDataIsCanonicalAndAttributedToTheFormsName) {
  const auto entities = extract_entities(
      "姓名：李四\n身份证号：32010619900101456x\n邮箱：Li.Si@Example.COM\n电话：025-"
      "84561234\n手机：１３８００１３８０００");
  ASSERT_NE(find(entities, "resident_id", kIdLiSi), nullptr);
  EXPECT_EQ(find(entities, "resident_id", kIdLiSi)->person, "李四");
  ASSERT_NE(find(entities, "email", "li.si@example.com"), nullptr);
  ASSERT_NE(find(entities, "landline", "02584561234"), nullptr);
  ASSERT_NE(find(entities, "mobile", "13800138000"), nullptr);  // written in full-width digits
  EXPECT_EQ(find(entities, "mobile", "13800138000")->person, "李四");
}

TEST(ExtractEntities, IdentifierInAnotherParagraphBelongsToNoOne) {
  const auto entities = extract_entities("联系人：张三\n\n咨询电话：13800138000");
  ASSERT_NE(find(entities, "mobile", "13800138000"), nullptr);
  EXPECT_EQ(find(entities, "mobile", "13800138000")->person, "");
}

TEST(ExtractEntities, WindowsLineEndsKeepAFormTogether) {
  const auto entities = extract_entities("姓名：李四\r\n手机：13800138000\r\n");
  ASSERT_NE(find(entities, "mobile", "13800138000"), nullptr);
  EXPECT_EQ(find(entities, "mobile", "13800138000")->person, "李四");
}

TEST(ExtractEntities, InvalidUtf8AndDegenerateTextAreHandled) {
  EXPECT_TRUE(extract_entities("\xff\xfe号\x80路号1号\xe5\x8f").empty());
  std::string long_line;
  for (int i = 0; i < 20000; ++i) long_line += "路1号同志数1人：";
  EXPECT_TRUE(values(extract_entities(long_line), "address").empty());
}

TEST(ExtractEntities, AddressWithBuildingUnitAndRoom) {
  const auto entities = extract_entities("他家住南京市玄武区北京东路41号3栋2单元501室，离单位不远。");
  EXPECT_EQ(values(entities, "address"), (std::vector<std::string>{"南京市玄武区北京东路41号3栋2单元501室"}));
}

TEST(ExtractEntities, AddressWithProvinceAndSpacesIsNormalised) {
  const auto entities = extract_entities("地址：江苏省 南京市 鼓楼区 中山路 100号");
  EXPECT_EQ(values(entities, "address"), (std::vector<std::string>{"江苏省南京市鼓楼区中山路100号"}));
}

TEST(ExtractEntities, VillageAddressAndAStreetWithoutAPlaceAreTold) {
  EXPECT_EQ(values(extract_entities("住址：溧水县白马镇石头村12号"), "address"),
            (std::vector<std::string>{"溧水县白马镇石头村12号"}));
  EXPECT_TRUE(values(extract_entities("在北京东路41号门口集合"), "address").empty());
}

TEST(ExtractEntities, FigureWithLabelNumberAndUnit) {
  EXPECT_EQ(values(extract_entities("会员人数 12,345人"), "figure"),
            (std::vector<std::string>{"会员人数||12345人"}));
}

TEST(ExtractEntities, FigureWithThePeriodWrittenNearby) {
  EXPECT_EQ(values(extract_entities("2026年3月经费支出：56.7万元"), "figure"),
            (std::vector<std::string>{"经费支出|2026年3月|56.7万元"}));
  EXPECT_EQ(values(extract_entities("第一季度玄武区会员人数为 8,000人。"), "figure"),
            (std::vector<std::string>{"会员人数|第一季度|8000人"}));
  EXPECT_EQ(values(extract_entities("上半年困难职工帮扶资金合计120万元"), "figure"),
            (std::vector<std::string>{"困难职工帮扶资金|上半年|120万元"}));
}

// Overlong UTF-8 ("\xC0\xB1" imitating '1') is an invalid byte, not the digit it imitates.
TEST(ExtractEntities, OverlongUtf8IsNotReadAsTheAsciiItImitates) {
  EXPECT_TRUE(values(extract_entities("会员人数 \xc0\xb1\xc0\xb2人"), "figure").empty());
  EXPECT_EQ(values(extract_entities("会员人数 12人"), "figure"), (std::vector<std::string>{"会员人数||12人"}));
}

TEST(ExtractEntities, CountsThatAreNoStatisticAreNotFigures) {
  EXPECT_TRUE(values(extract_entities("参加活动50人，发放礼品3个，2026年3月5日"), "figure").empty());
}

// extract_entities first looks for anchors (labels, 同志/先生/女士, numbers with a unit or 号, runs of
// letters and digits) and shortens the lines without any; what crosses lines must not change.
constexpr const char* kPlainLine =
    "全市各级工会组织深入开展劳动和技能竞赛，广大职工积极参与，取得了良好成效。";  // 37 characters

std::string repeated(const char* s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(ExtractEntities, LongLinesWithoutAnchorsStillSeparateANameFromAnIdentifier) {
  // 74 characters between the name and the phone: the same form.
  auto entities = extract_entities("姓名：张三\n" + repeated(kPlainLine, 2) + "\n手机：13800138000");
  ASSERT_NE(find(entities, "mobile", "13800138000"), nullptr);
  EXPECT_EQ(find(entities, "mobile", "13800138000")->person, "张三");
  // 296 characters between them: beyond a form's reach, whatever the line in between is shortened to.
  entities = extract_entities("姓名：张三\n" + repeated(kPlainLine, 8) + "\n手机：13800138000\n" +
                              repeated(kPlainLine, 8));
  EXPECT_EQ(values(entities, "person_name"), (std::vector<std::string>{"张三"}));
  ASSERT_NE(find(entities, "mobile", "13800138000"), nullptr);
  EXPECT_EQ(find(entities, "mobile", "13800138000")->person, "");
}

TEST(ExtractEntities, AnchorsFarApartInALongTextAreAllFound) {
  std::string text;
  for (int i = 0; i < 200; ++i) {
    text += repeated(kPlainLine, 3) + (i % 2 == 0 ? "\n" : "\r\n");
    if (i == 10) text += "联系人：王芳\n";
    if (i == 120) text += "会员人数 12,345人\n";
    if (i == 199) text += "李明同志";
  }
  const auto entities = extract_entities(text);
  EXPECT_EQ(values(entities, "person_name"), (std::vector<std::string>{"王芳", "李明"}));
  EXPECT_EQ(values(entities, "figure"), (std::vector<std::string>{"会员人数||12345人"}));
  EXPECT_TRUE(extract_entities(repeated(kPlainLine, 5000)).empty());
}

TEST(ExtractEntities, ManyShortLinesWithoutAnchorsBetweenANameAndAnIdentifier) {
  const std::string lines = repeated((std::string(kPlainLine) + "\n").c_str(), 3);  // 114 characters
  auto entities = extract_entities("姓名：张三\n" + lines + "手机：13800138000");
  ASSERT_NE(find(entities, "mobile", "13800138000"), nullptr);
  EXPECT_EQ(find(entities, "mobile", "13800138000")->person, "张三");
  entities = extract_entities("姓名：张三\n" + lines + lines + lines + "\r\n手机：13800138000\n\n" + lines);
  ASSERT_NE(find(entities, "mobile", "13800138000"), nullptr);
  EXPECT_EQ(find(entities, "mobile", "13800138000")->person, "");
  EXPECT_EQ(values(extract_entities(lines + lines + "护照\n\nE12345678"), "passport"),
            (std::vector<std::string>{"E12345678"}));
}

TEST(ExtractEntities, TextsOfVeryManyLinesOrBytesOneAfterAnother) {
  EXPECT_EQ(values(extract_entities(repeated("中\n", 70000) + "姓名：张三"), "person_name"),
            (std::vector<std::string>{"张三"}));
  EXPECT_EQ(values(extract_entities(repeated("会员人数 12,345人。", 70000)), "figure"),
            (std::vector<std::string>{"会员人数||12345人"}));
  EXPECT_EQ(values(extract_entities("李明同志"), "person_name"), (std::vector<std::string>{"李明"}));
}

TEST(ExtractEntities, PassportWordAtTheEndOfALongLineWithoutAnchors) {
  EXPECT_EQ(values(extract_entities(repeated(kPlainLine, 8) + "护照\nE12345678"), "passport"),
            (std::vector<std::string>{"E12345678"}));
}

TEST(ExtractEntities, TextEndingMidLabelOrHonorific) {
  for (const char* end : {"联系", "姓名", "姓名：", "王小明同", "\xe5\x90"}) {
    EXPECT_EQ(values(extract_entities(std::string("会员人数 12,345人\n") + end), "figure"),
              (std::vector<std::string>{"会员人数||12345人"}))
        << end;
    EXPECT_TRUE(values(extract_entities(std::string("会员人数 12,345人\n") + end), "person_name").empty())
        << end;
  }
}

TEST(ExtractEntities, InvalidUtf8AroundAnchors) {
  const auto entities =
      extract_entities("\xff姓名\xef\xbc\x9a张三\x80\n\xe5手机 13800138000\xe5\x8f");  // 姓名：张三
  EXPECT_EQ(values(entities, "person_name"), (std::vector<std::string>{"张三"}));
  ASSERT_NE(find(entities, "mobile", "13800138000"), nullptr);
  EXPECT_EQ(find(entities, "mobile", "13800138000")->person, "张三");
}

TEST(ExtractEntities, ZeroWidthAndFullWidthCharactersInsideAnchors) {
  EXPECT_EQ(values(extract_entities("姓\u200b名\u200b：张三"), "person_name"),
            (std::vector<std::string>{"张三"}));
  EXPECT_EQ(values(extract_entities("王小明同\u200b志获得表彰。"), "person_name"),
            (std::vector<std::string>{"王小明"}));
  EXPECT_EQ(values(extract_entities("会员人数 １２，３４５\u200b人"), "figure"),
            (std::vector<std::string>{"会员人数||12345人"}));
}

TEST(ExtractEntities, EntitiesCarryPathAndPart) {
  const auto entities = extract_entities("姓名：张三", "news/1.html", "html:body");
  ASSERT_EQ(entities.size(), 1u);
  EXPECT_EQ(entities[0].path, "news/1.html");
  EXPECT_EQ(entities[0].part, "html:body");
}

// ---- person_profile (N3.3) ----

TEST(Aggregate, OnePersonsIdPhoneAndAddressInThreeItemsAreAProfile) {
  const std::vector<ItemEntities> items = {
      item("a", "先进个人公示", std::string("姓名：张三 身份证号：") + kIdZhangSan),
      item("b", "活动报名", "联系人：张三 电话：13800138000"),
      item("c", "走访慰问", "张三同志家住南京市玄武区北京东路41号3栋2单元501室。"),
  };
  const auto warnings = aggregate(items);
  ASSERT_EQ(warnings.size(), 1u);
  const AggregateWarning& w = warnings[0];
  EXPECT_EQ(w.kind, "person_profile");
  EXPECT_EQ(w.severity, Severity::high);  // it includes an ID number
  EXPECT_EQ(w.items, (std::vector<std::string>{"a", "b", "c"}));
  for (const char* part :
       {"张三", "身份证号", "《先进个人公示》", "手机号", "《活动报名》", "住址", "《走访慰问》"}) {
    EXPECT_NE(w.explanation.find(part), std::string::npos) << part << " in " << w.explanation;
  }
  EXPECT_EQ(w.explanation.find(kIdZhangSan), std::string::npos) << "the ID number is masked";
  EXPECT_EQ(w.explanation.find("13800138000"), std::string::npos) << "the phone number is masked";
  EXPECT_NE(w.explanation.find("3201**********1234"), std::string::npos) << w.explanation;
}

TEST(Aggregate, IdentifiersOfDifferentPeopleAreNoProfile) {
  const std::vector<ItemEntities> items = {
      item("a", "公示", std::string("姓名：张三 身份证号：") + kIdZhangSan),
      item("b", "报名", "联系人：李四 电话：13800138000"),
      item("c", "慰问", "王五同志家住南京市玄武区北京东路41号。"),
  };
  EXPECT_TRUE(aggregate(items).empty());
}

TEST(Aggregate, IdentifiersWithoutANameOrASharedValueAreNoProfile) {
  const std::vector<ItemEntities> items = {
      item("a", "公示", std::string("身份证号：") + kIdZhangSan),
      item("b", "报名", "电话：13800138000"),
  };
  EXPECT_TRUE(aggregate(items).empty());
}

TEST(Aggregate, SharedIdentifierLinksItemsWithoutAName) {
  const std::vector<ItemEntities> items = {
      item("a", "回执", std::string("身份证 ") + kIdZhangSan + "，手机 13800138000"),
      item("b", "报名表", "联系人：张三 手机：13800138000 邮箱：zs@example.com"),
  };
  const auto warnings = of_kind(aggregate(items), "person_profile");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].items, (std::vector<std::string>{"a", "b"}));
}

TEST(Aggregate, AnOfficeNumberNextToSeveralNamesLinksNoOne) {
  const std::vector<ItemEntities> items = {
      item("a", "通知一", "联系人：张三 电话：025-84561234"),
      item("b", "通知二", "联系人：李四 电话：025-84561234"),
      item("c", "公示", std::string("姓名：李四 身份证号：") + kIdLiSi),
  };
  EXPECT_TRUE(of_kind(aggregate(items), "person_profile").empty());
}

TEST(Aggregate, EverythingInOneItemIsNotAnAggregation) {
  const std::vector<ItemEntities> items = {
      item("a", "登记表", std::string("姓名：张三 身份证号：") + kIdZhangSan + " 电话：13800138000"),
      item("b", "新闻", "张三同志在会上发言。"),
  };
  EXPECT_TRUE(aggregate(items).empty());
}

TEST(Aggregate, ProfileWithoutIdOrCardIsMedium) {
  const std::vector<ItemEntities> items = {
      item("a", "报名", "联系人：张三 电话：13800138000"),
      item("b", "通讯录", "联系人：张三 邮箱：zhangsan@example.com"),
  };
  const auto warnings = aggregate(items);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].severity, Severity::medium);
}

// ---- split_roster (N3.3) ----

std::string roster_page(const std::vector<std::string>& names, int first_phone) {
  std::string text = "序号 姓名 手机\n";
  for (std::size_t i = 0; i < names.size(); ++i) {
    text +=
        std::to_string(i + 1) + " " + names[i] + " " + std::to_string(13800000000LL + first_phone + i) + "\n";
  }
  return text;
}

TEST(Aggregate, RosterSplitOverThreePagesIsASplitRoster) {
  const std::vector<ItemEntities> items = {
      item("p1", "会员名单（一）", roster_page({"张伟", "王芳", "李娜", "刘洋"}, 100)),
      item("p2", "会员名单（二）", roster_page({"陈静", "杨磊", "赵敏", "黄丽"}, 200)),
      item("p3", "会员名单（三）", roster_page({"周杰", "吴刚", "徐明", "孙悦"}, 300)),
  };
  const auto warnings = aggregate(items);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].kind, "split_roster");
  EXPECT_EQ(warnings[0].severity, Severity::medium);
  EXPECT_EQ(warnings[0].items, (std::vector<std::string>{"p1", "p2", "p3"}));
  EXPECT_NE(warnings[0].explanation.find("《会员名单（一）》4人"), std::string::npos)
      << warnings[0].explanation;
  EXPECT_NE(warnings[0].explanation.find("共12人"), std::string::npos) << warnings[0].explanation;
}

TEST(Aggregate, FewPeopleOverPagesAreNoRoster) {
  const std::vector<ItemEntities> items = {
      item("p1", "名单 第1页", roster_page({"张伟", "王芳"}, 100)),
      item("p2", "名单 第2页", roster_page({"陈静", "杨磊"}, 200)),
      item("p3", "名单 第3页", roster_page({"周杰", "吴刚"}, 300)),
  };
  EXPECT_TRUE(aggregate(items).empty());
}

TEST(Aggregate, AnItemAboveTheBulkThresholdIsNotAPieceOfASplitRoster) {
  AggregateOptions options;
  options.roster_max_people_per_item = 3;
  const std::vector<ItemEntities> items = {
      item("p1", "会员名单（一）", roster_page({"张伟", "王芳", "李娜", "刘洋"}, 100)),
      item("p2", "会员名单（二）", roster_page({"陈静", "杨磊", "赵敏", "黄丽"}, 200)),
      item("p3", "会员名单（三）", roster_page({"周杰", "吴刚", "徐明", "孙悦"}, 300)),
  };
  EXPECT_TRUE(aggregate(items, options).empty());
}

// ---- figure_series (N3.3) ----

TEST(Aggregate, OneFigureOfEachCountyIsAFigureSeries) {
  const std::vector<ItemEntities> items = {
      item("x", "玄武区工会简介", "玄武区会员人数 12,345人。"),
      item("q", "秦淮区工会简介", "秦淮区会员人数 8,000人。"),
      item("g", "鼓楼区工会简介", "鼓楼区会员人数 9,100人。"),
  };
  const auto warnings = aggregate(items);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].kind, "figure_series");
  EXPECT_EQ(warnings[0].items, (std::vector<std::string>{"x", "q", "g"}));
  EXPECT_NE(warnings[0].explanation.find("会员人数"), std::string::npos);
  EXPECT_NE(warnings[0].explanation.find("《秦淮区工会简介》8000人"), std::string::npos)
      << warnings[0].explanation;
}

TEST(Aggregate, MonthlyExpensesNameTheirPeriods) {
  const std::vector<ItemEntities> items = {
      item("1", "一月简报", "2026年1月经费支出：50万元"),
      item("2", "二月简报", "2026年2月经费支出：61.5万元"),
      item("3", "三月简报", "2026年3月经费支出：56.7万元"),
  };
  const auto warnings = of_kind(aggregate(items), "figure_series");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].explanation.find("2026年2月 61.5万元"), std::string::npos) << warnings[0].explanation;
}

TEST(Aggregate, TheSameFigureRepeatedIsNoSeries) {
  const std::vector<ItemEntities> items = {
      item("1", "简介", "全市会员人数 12,345人"),
      item("2", "新闻", "全市会员人数 12,345人"),
      item("3", "年报", "全市会员人数 12,345人"),
  };
  EXPECT_TRUE(aggregate(items).empty());
}

// ---- harmless items and scale ----

TEST(Aggregate, HarmlessNewsIsNothing) {
  const std::vector<ItemEntities> items = {
      item("n1", "劳模座谈", "张三同志在座谈会上介绍了经验。"),
      item("n2", "会员大会", "会员大会于3月召开，全体同志参加。"),
      item("n3", "义诊", "活动地点在南京市玄武区北京东路41号，参加活动50人。"),
  };
  EXPECT_TRUE(aggregate(items).empty());
}

std::string utf8(std::u32string_view cjk) {  // BMP characters only
  std::string out;
  for (char32_t c : cjk) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
  return out;
}

// Items with unrelated titles, one contact each: weighed together once, at low severity, and in
// time linear in the items (a site has ~10,000 items).
TEST(Aggregate, TenThousandItemsWithOneContactEachAreOneRosterOfLowSeverity) {
  const std::u32string surnames = U"王李张刘陈杨黄赵吴周";
  const std::u32string given = U"伟芳娜洋静磊敏丽杰刚明悦强军平华红英玲梅";
  std::vector<ItemEntities> items;
  for (int i = 0; i < 10000; ++i) {
    const std::string name =
        utf8(std::u32string{surnames[i % 10], given[(i / 10) % 20], given[(i / 200) % 20]});
    items.push_back(item("n" + std::to_string(i), name + "的故事",
                         "联系人：" + name + " 电话：" + std::to_string(13800000000LL + i)));
  }
  const auto warnings = aggregate(items);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].kind, "split_roster");
  EXPECT_EQ(warnings[0].severity, Severity::low);
  EXPECT_EQ(warnings[0].items.size(), 10000u);
}

}  // namespace
}  // namespace sw::review
