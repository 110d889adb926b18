// Entities of one item and aggregation across items (N3.3 "多条信息汇聚后可能涉密"): what each item
// says about people (names, identifiers, addresses) and figures, and the warnings raised when items
// that are harmless one by one add up to a personal profile, a roster or an internal statistical
// table. Contract in aggregate.h; thresholds and data sources in docs/modules/review.md.
#include "review/aggregate.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "review/aggregate_surnames.h"
#include "review/personal_data.h"

namespace sw::review {
namespace {

using U32View = std::u32string_view;

// ---------------------------------------------------------------------------------------------
// Text: UTF-8 decoded once into code points, with full-width ASCII and the ideographic space folded
// to ASCII and zero-width characters dropped, so "１３８…" and "姓名：" read like "138…" and "姓名:".

bool is_zero_width(char32_t c) {
  return (c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF || c == 0x00AD;
}

char32_t fold(char32_t c) {
  if (c >= 0xFF01 && c <= 0xFF5E) return c - 0xFEE0;
  if (c == 0x3000) return U' ';
  return c;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// Decodes one code point at `i` and advances it; an invalid byte is U+FFFD and one byte long.
char32_t decode_utf8(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t c = len == 1 ? b0 : (b0 & (0x7F >> len));
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    c = (c << 6) | (b & 0x3F);
  }
  // Overlong forms ("C0 BA" for ':'), surrogates and values past U+10FFFF are invalid: read as one
  // bad byte, never as the ASCII they imitate.
  if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
      (c >= 0xD800 && c <= 0xDFFF)) {
    ++i;
    return 0xFFFD;
  }
  i += len;
  return c;
}

std::string to_utf8(U32View s) {
  std::string out;
  out.reserve(s.size() * 3);
  for (char32_t c : s) append_utf8(out, c);
  return out;
}

struct FoldedText {
  std::u32string cps;  // folded code points
  std::string utf8;    // the same, encoded (what find_personal_data reads)
};

FoldedText fold_text(std::string_view original) {
  FoldedText t;
  t.cps.reserve(original.size());
  t.utf8.reserve(original.size());
  for (std::size_t i = 0; i < original.size();) {
    const char32_t c = decode_utf8(original, i);
    const bool crlf = c == U'\r' && i < original.size() && original[i] == '\n';
    if (is_zero_width(c) || crlf) continue;
    const char32_t f = c == U'\r' ? U'\n' : fold(c);
    append_utf8(t.utf8, f);
    t.cps.push_back(f);
  }
  return t;
}

bool is_cjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0xF900 && c <= 0xFAFF);
}
bool is_digit(char32_t c) { return c >= U'0' && c <= U'9'; }
bool is_space(char32_t c) { return c == U' ' || c == U'\t'; }
bool is_cjk_numeral(char32_t c) { return U32View(U"一二三四五六七八九十零〇两").find(c) != U32View::npos; }

// Called at every position of a line: compares in place, without substr's checks.
bool starts_with_at(U32View text, std::size_t at, U32View word) {
  return at <= text.size() && text.size() - at >= word.size() &&
         std::char_traits<char32_t>::compare(text.data() + at, word.data(), word.size()) == 0;
}

// The longest of `words` that starts at `at`, or an empty view.
template <std::size_t N>
U32View word_at(U32View text, std::size_t at, const std::array<U32View, N>& words) {
  U32View best;
  if (at >= text.size()) return best;
  const char32_t first = text[at];
  for (U32View w : words) {
    if (w.front() == first && w.size() > best.size() && starts_with_at(text, at, w)) best = w;
  }
  return best;
}

// The longest of `words` that `text` ends with, or an empty view.
template <std::size_t N>
U32View suffix_of(U32View text, const std::array<U32View, N>& words) {
  U32View best;
  for (U32View w : words) {
    if (w.size() > best.size() && text.ends_with(w)) best = w;
  }
  return best;
}

struct Line {
  std::size_t begin, end;  // code points [begin, end), the newline excluded
  std::size_t block;       // paragraphs separated by blank lines: a form never spans two blocks
};

std::vector<Line> split_lines(U32View cps) {
  std::vector<Line> lines;
  std::size_t block = 0;
  for (std::size_t begin = 0; begin <= cps.size();) {
    std::size_t end = cps.find(U'\n', begin);
    if (end == U32View::npos) end = cps.size();
    const bool blank = std::all_of(cps.begin() + begin, cps.begin() + end, is_space);
    if (blank) ++block;
    lines.push_back(Line{begin, end, block});
    begin = end + 1;
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Person names: a common surname (aggregate_data/surnames.txt) and one or two characters, only where
// the context says it is a name — precision over recall.

class Surnames {
 public:
  explicit Surnames(std::string_view list) {
    std::size_t i = 0;
    std::u32string word;
    bool comment = false;
    while (i < list.size()) {
      const char32_t c = decode_utf8(list, i);
      if (c == U'#') comment = true;
      if (c == U'\n') comment = false;
      if (!comment && is_cjk(c)) {
        word += c;
        continue;
      }
      add(word);
      word.clear();
    }
    add(word);
  }

  // The length of the surname `text` starts with (2 for a compound surname), 0 when none.
  std::size_t length_at(U32View text) const {
    if (text.size() >= 2 && compound_.contains(pair_key(text[0], text[1]))) return 2;
    return !text.empty() && single_.contains(text[0]) ? 1 : 0;
  }

 private:
  void add(const std::u32string& word) {
    if (word.size() == 1) single_.insert(word[0]);
    if (word.size() == 2) compound_.insert(pair_key(word[0], word[1]));
  }
  std::unordered_set<char32_t> single_;
  static std::uint64_t pair_key(char32_t a, char32_t b) { return (std::uint64_t{a} << 32) | b; }
  std::unordered_set<std::uint64_t> compound_;
};

const Surnames& surnames() {
  static const Surnames list(kSurnameList);
  return list;
}

// Words that begin with a surname character but are not names ("全体同志", "党员 13800138000").
constexpr std::array<U32View, 48> kNotNames = {
    U"全体", U"党员", U"党委", U"党组", U"党支", U"广大", U"领导", U"工会", U"万元", U"万人",
    U"方面", U"方式", U"方案", U"安全", U"文件", U"文化", U"高级", U"高校", U"明确", U"强化",
    U"海关", U"成员", U"成立", U"成果", U"关于", U"关心", U"金额", U"金融", U"路线", U"程序",
    U"周年", U"周边", U"常务", U"常委", U"单位", U"单元", U"应当", U"应急", U"余额", U"任务",
    U"任何", U"申请", U"申报", U"管理", U"项目", U"区域", U"车间", U"华为"};
// Given-name parts that are titles or forms of address ("王老师" names no one in particular).
constexpr std::array<U32View, 20> kTitles = {U"老师", U"先生", U"女士", U"同志", U"主任", U"经理", U"师傅",
                                             U"书记", U"主席", U"部长", U"科长", U"处长", U"局长", U"委员",
                                             U"代表", U"会长", U"同学", U"阿姨", U"大姐", U"总"};

bool is_person_name(U32View s) {
  const std::size_t surname = surnames().length_at(s);
  if (surname == 0 || s.size() < surname + 1 || s.size() > surname + 2) return false;
  if (!std::all_of(s.begin(), s.end(), is_cjk)) return false;
  const U32View given = s.substr(surname);
  if (std::find(kTitles.begin(), kTitles.end(), given) != kTitles.end()) return false;
  return std::find(kNotNames.begin(), kNotNames.end(), s.substr(0, 2)) == kNotNames.end();
}

constexpr std::array<U32View, 10> kNameLabels = {U"姓名", U"联系人", U"负责人", U"经办人", U"申请人",
                                                 U"会员", U"主席",   U"书记",   U"收款人", U"户名"};
constexpr std::array<U32View, 3> kHonorifics = {U"同志", U"先生", U"女士"};
// What may follow a name directly in a form written without spaces: "联系人：王芳电话：…".
constexpr std::array<U32View, 16> kAfterName = {U"同志", U"先生", U"女士", U"性别", U"电话", U"手机",
                                                U"联系", U"身份", U"职务", U"单位", U"地址", U"住址",
                                                U"邮箱", U"年龄", U"民族", U"出生"};
// Characters after which a name may start inside a sentence: "向李明同志学习", "致王小明同志".
constexpr U32View kParticles = U"向对与及给为由请是的让派被将把经据称在等了跟陪找问叫致和、";

struct Span {
  std::size_t begin, end;
  std::string value;
};

// A name starting at `at` and ending at a boundary (end of line, not CJK, or a following field).
std::optional<std::size_t> name_length_at(U32View cps, std::size_t at, std::size_t line_end) {
  for (std::size_t len = 4; len >= 2; --len) {
    const std::size_t end = at + len;
    if (end > line_end || !is_person_name(cps.substr(at, len))) continue;
    if (end == line_end || !is_cjk(cps[end]) || !word_at(cps, end, kAfterName).empty()) return len;
  }
  return std::nullopt;
}

// "姓名：张三", "负责人 李四": a label, then a colon or a space, then the name.
void find_labelled_names(U32View cps, const Line& line, std::vector<Span>& names) {
  for (std::size_t i = line.begin; i < line.end; ++i) {
    const U32View label = word_at(cps, i, kNameLabels);
    if (label.empty()) continue;
    std::size_t at = i + label.size();
    const std::size_t separator = at;
    if (at < line.end && cps[at] == U':') ++at;
    while (at < line.end && is_space(cps[at])) ++at;
    if (at == separator) continue;
    if (auto len = name_length_at(cps, at, line.end)) {
      names.push_back(Span{at, at + *len, to_utf8(cps.substr(at, *len))});
      i = at + *len - 1;
    }
  }
}

// Verbs that often precede a name and end in a surname character: "感谢陈静女士" is 陈静, not 谢陈静.
constexpr std::array<U32View, 12> kLeadWords = {U"感谢", U"祝贺", U"表彰", U"欢迎", U"慰问", U"看望",
                                                U"邀请", U"授予", U"推荐", U"选举", U"任命", U"同意"};

bool name_may_start_after(U32View cps, std::size_t begin, std::size_t line_begin) {
  if (begin == line_begin || !is_cjk(cps[begin - 1]) || kParticles.find(cps[begin - 1]) != U32View::npos)
    return true;
  return !suffix_of(cps.substr(line_begin, begin - line_begin), kLeadWords).empty();
}

// "张三同志", "向李明同志学习": the longest name that starts where a name may start; failing that the
// longest whose first character could not itself be the surname of a longer name.
void find_honorific_names(U32View cps, const Line& line, std::vector<Span>& names) {
  for (std::size_t h = line.begin; h < line.end; ++h) {
    if (word_at(cps, h, kHonorifics).empty()) continue;
    std::optional<std::size_t> chosen, fallback;
    for (std::size_t len = 4; len >= 2 && !chosen; --len) {
      if (h < line.begin + len || !is_person_name(cps.substr(h - len, len))) continue;
      const std::size_t begin = h - len;
      if (name_may_start_after(cps, begin, line.begin)) chosen = begin;
      if (!fallback && begin > line.begin && surnames().length_at(cps.substr(begin - 1, 1)) == 0)
        fallback = begin;
    }
    if (auto begin = chosen ? chosen : fallback)
      names.push_back(Span{*begin, h, to_utf8(cps.substr(*begin, h - *begin))});
  }
}

// A table or list row ("1 张三 男 13800138000"): a whole cell that is a name, on a line that carries
// a phone number or an ID number.
void find_row_names(U32View cps, const Line& line, std::vector<Span>& names) {
  for (std::size_t i = line.begin; i < line.end;) {
    if (!is_cjk(cps[i])) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < line.end && is_cjk(cps[end])) ++end;
    const bool label_like = end < line.end && cps[end] == U':';
    if (!label_like && is_person_name(cps.substr(i, end - i)))
      names.push_back(Span{i, end, to_utf8(cps.substr(i, end - i))});
    i = end;
  }
}

// ---------------------------------------------------------------------------------------------
// Addresses: [province] city/district/county … road/street/lane/village + number 号 [栋 单元 室].

constexpr U32View kAdminSuffixes = U"省市区县旗州盟镇乡";
constexpr U32View kRoadSuffixes = U"路街道巷弄村里同组";
constexpr std::array<U32View, 12> kAddressLabels = {U"地址", U"住址", U"家住", U"住在", U"居住", U"位于",
                                                    U"地点", U"户籍", U"现住", U"住所", U"坐落", U"地处"};
constexpr std::array<U32View, 34> kProvinces = {
    U"北京",   U"天津", U"上海", U"重庆", U"河北", U"山西", U"辽宁", U"吉林", U"黑龙江",
    U"江苏",   U"浙江", U"安徽", U"福建", U"江西", U"山东", U"河南", U"湖北", U"湖南",
    U"广东",   U"海南", U"四川", U"贵州", U"云南", U"陕西", U"甘肃", U"青海", U"台湾",
    U"内蒙古", U"广西", U"西藏", U"宁夏", U"新疆", U"香港", U"澳门"};
constexpr std::array<U32View, 9> kBuildingUnits = {U"号楼", U"栋", U"幢", U"单元", U"楼",
                                                   U"层",   U"室", U"座", U"号"};
constexpr std::size_t kMaxAddressRun = 40;  // code points of place names before the number

// Where the place-name run ending at `road_end` (exclusive) begins: back over CJK characters, and
// over spaces written after a place level ("南京市 玄武区"), then trimmed of a leading label.
std::size_t address_start(U32View cps, std::size_t line_begin, std::size_t road_end) {
  std::size_t start = road_end;
  while (start > line_begin && road_end - start < kMaxAddressRun) {
    const char32_t c = cps[start - 1];
    const bool space_after_level = is_space(c) && start - 1 > line_begin &&
                                   (kAdminSuffixes.find(cps[start - 2]) != U32View::npos ||
                                    kRoadSuffixes.find(cps[start - 2]) != U32View::npos);
    if (!is_cjk(c) && !space_after_level) break;
    --start;
  }
  while (start < road_end && is_space(cps[start])) ++start;
  for (std::size_t i = road_end; i-- > start;) {
    const U32View label = word_at(cps, i, kAddressLabels);
    if (!label.empty()) return i + label.size();
  }
  return start;
}

// The first place level of the run [start, road_end): a province by name, the whole head of a run
// that starts at a boundary, else the two characters before the first level suffix ("南京市").
std::optional<std::size_t> address_head(U32View cps, std::size_t start, std::size_t road_end,
                                        bool at_boundary) {
  std::size_t first_level = road_end;
  for (std::size_t i = start; i + 1 < road_end; ++i) {
    if (kAdminSuffixes.find(cps[i]) != U32View::npos) {
      first_level = i;
      break;
    }
  }
  if (first_level == road_end || first_level == start) return std::nullopt;
  if (at_boundary && first_level - start <= 4) return start;
  for (std::size_t i = start; i < first_level; ++i) {
    if (!word_at(cps, i, kProvinces).empty()) return i;
  }
  return first_level >= start + 2 ? first_level - 2 : start;
}

// After "41号": building, unit and room parts ("3栋2单元501室", "5号楼").
std::size_t address_tail(U32View cps, std::size_t at, std::size_t line_end) {
  std::size_t end = at;
  for (std::size_t i = at; i < line_end;) {
    while (i < line_end && (is_space(cps[i]) || cps[i] == U'-')) ++i;
    const std::size_t number = i;
    while (i < line_end && (is_digit(cps[i]) || is_cjk_numeral(cps[i]))) ++i;
    const U32View unit = word_at(cps, i, kBuildingUnits);
    if (i == number || unit.empty()) break;
    i += unit.size();
    end = i;
  }
  return end;
}

bool after_address_label(U32View cps, std::size_t at) {
  return std::any_of(kAddressLabels.begin(), kAddressLabels.end(),
                     [&](U32View l) { return at >= l.size() && starts_with_at(cps, at - l.size(), l); });
}

// Where the road name ends before the house number that ends at `number_sign` ("北京东路 41号"),
// or nullopt when no road, street, lane or village is written there.
std::optional<std::size_t> road_end_before(U32View cps, const Line& line, std::size_t number_sign) {
  if (number_sign == line.begin || !is_digit(cps[number_sign - 1])) return std::nullopt;
  std::size_t end = number_sign;
  while (end > line.begin && (is_digit(cps[end - 1]) || cps[end - 1] == U'-')) --end;
  while (end > line.begin && is_space(cps[end - 1])) --end;
  if (end == line.begin || kRoadSuffixes.find(cps[end - 1]) == U32View::npos) return std::nullopt;
  return end;
}

void find_addresses(U32View cps, const Line& line, std::vector<Span>& found) {
  for (std::size_t h = line.begin; h < line.end; ++h) {
    if (cps[h] != U'号') continue;
    const auto road_end = road_end_before(cps, line, h);
    if (!road_end) continue;
    const std::size_t start = address_start(cps, line.begin, *road_end);
    const bool at_boundary =
        start == line.begin || !is_cjk(cps[start - 1]) || after_address_label(cps, start);
    const auto head = address_head(cps, start, *road_end, at_boundary);
    if (!head) continue;
    const std::size_t end = address_tail(cps, h + 1, line.end);
    std::u32string value;
    for (std::size_t i = *head; i < end; ++i) {
      if (!is_space(cps[i])) value += cps[i];
    }
    found.push_back(Span{*head, end, to_utf8(value)});
    h = end - 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Figures: "会员人数 12,345人", "2026年3月经费支出：56.7万元" → "会员人数||12345人",
// "经费支出|2026年3月|56.7万元".

constexpr std::array<U32View, 12> kFigureUnits = {U"万人", U"人次", U"万元", U"亿元", U"元", U"人",
                                                  U"名",   U"个",   U"次",   U"户",   U"家", U"%"};
// A statistic's label ends with one of these; "参加活动 50人" is not a figure of a series.
constexpr std::array<U32View, 16> kStatisticHeads = {U"数",   U"额",   U"率",   U"支出", U"收入", U"经费",
                                                     U"费用", U"资金", U"预算", U"决算", U"比例", U"占比",
                                                     U"会费", U"人次", U"规模", U"数量"};
// Words between a label and its number: "会员人数为12345人", "合计56万元".
constexpr std::array<U32View, 15> kLinkingWords = {U"共计", U"合计", U"总计", U"累计", U"达到",
                                                   U"共有", U"为",   U"达",   U"是",   U"共",
                                                   U"计",   U"约",   U"有",   U"超",   U"近"};
// A label starts after the last of these: a place ("玄武区会员人数"), a period ("3月经费支出"), an owner.
constexpr std::array<U32View, 13> kLabelStarts = {U"年度", U"季度", U"工会", U"其中", U"年", U"月", U"县",
                                                  U"区",   U"市",   U"省",   U"镇",   U"乡", U"的"};
constexpr std::array<U32View, 6> kPeriodWords = {U"上半年",   U"下半年", U"全年",
                                                 U"前三季度", U"年初",   U"年底"};
constexpr std::size_t kMaxLabel = 10;     // code points
constexpr std::size_t kPeriodReach = 24;  // code points before the label searched for a period

// The length of a period written at `at`: "2026年3月", "2026年", "3月", "第一季度", "上半年".
std::size_t period_length_at(U32View cps, std::size_t at, std::size_t end) {
  auto digits_from = [&](std::size_t i) {
    std::size_t j = i;
    while (j < end && is_digit(cps[j])) ++j;
    return j - i;
  };
  if (at > 0 && is_digit(cps[at - 1])) return 0;
  const std::size_t year = digits_from(at);
  if (year == 4 && at + 4 < end && cps[at + 4] == U'年') {
    std::size_t i = at + 5;
    const std::size_t month = digits_from(i);
    if (month >= 1 && month <= 2 && i + month < end && cps[i + month] == U'月') i += month + 1;
    return i - at;
  }
  if (year >= 1 && year <= 2 && at + year < end && cps[at + year] == U'月') return year + 1;
  std::size_t i = at + (cps[at] == U'第' ? 1 : 0);
  if (i < end && (is_cjk_numeral(cps[i]) || is_digit(cps[i])) && starts_with_at(cps, i + 1, U"季度"))
    return i + 3 - at;
  return word_at(cps, at, kPeriodWords).size();
}

// The last period written in [from, to), or empty.
std::u32string last_period(U32View cps, std::size_t from, std::size_t to) {
  std::u32string period;
  for (std::size_t i = from; i < to;) {
    const std::size_t len = period_length_at(cps, i, to);
    if (len == 0) {
      ++i;
      continue;
    }
    period.assign(cps.substr(i, len));
    i += len;
  }
  return period;
}

// The label ending at `end` (exclusive): the CJK run before the number without linking words, from
// after the last place, period or owner word; empty unless it names a statistic.
std::pair<std::size_t, U32View> figure_label(U32View cps, std::size_t line_begin, std::size_t end) {
  std::size_t begin = end;
  while (begin > line_begin && end - begin < 2 * kMaxLabel && is_cjk(cps[begin - 1])) --begin;
  U32View run = cps.substr(begin, end - begin);
  for (U32View w = suffix_of(run, kLinkingWords); !w.empty() && w.size() < run.size();
       w = suffix_of(run, kLinkingWords)) {
    run.remove_suffix(w.size());
  }
  for (std::size_t i = run.size(); i-- > 0;) {
    const U32View start = word_at(run, i, kLabelStarts);
    if (!start.empty()) {
      run.remove_prefix(std::min(run.size(), i + start.size()));
      begin += i + start.size();
      break;
    }
  }
  if (run.size() < 2 || run.size() > kMaxLabel || suffix_of(run, kStatisticHeads).empty()) return {begin, {}};
  return {begin, run};
}

// Skips back over a colon, spaces and a bracketed remark ("会员人数（2026年）：") before a number.
std::size_t label_end_before(U32View cps, std::size_t line_begin, std::size_t number) {
  std::size_t k = number;
  auto skip_separators = [&] {
    while (k > line_begin && (is_space(cps[k - 1]) || cps[k - 1] == U':')) --k;
  };
  skip_separators();
  if (k > line_begin && (cps[k - 1] == U')' || cps[k - 1] == U'）')) {
    const std::size_t open = cps.find_last_of(U"(（", k - 1);
    if (open != U32View::npos && open >= line_begin && k - open <= kPeriodReach) k = open;
    skip_separators();
  }
  return k;
}

// A number starts at `i`: a digit not inside a longer number, word or date ("A12", "3.5", "2026-03").
bool number_starts_at(U32View cps, std::size_t i, std::size_t line_begin) {
  if (!is_digit(cps[i])) return false;
  if (i == line_begin) return true;
  const char32_t p = cps[i - 1];
  const bool letter = (p | 0x20) >= U'a' && (p | 0x20) <= U'z';
  return !(is_digit(p) || letter || p == U'.' || p == U',' || p == U'-' || p == U'/');
}

// Digits with thousands separators and a decimal point from `at`; sets `end` past them.
std::u32string read_number(U32View cps, std::size_t at, std::size_t line_end, std::size_t& end) {
  std::u32string number;
  for (end = at; end < line_end; ++end) {
    const char32_t c = cps[end];
    const bool group = c == U',' && end + 3 < line_end &&
                       std::all_of(cps.begin() + end + 1, cps.begin() + end + 4, is_digit);
    const bool point = c == U'.' && end + 1 < line_end && is_digit(cps[end + 1]) &&
                       number.find(U'.') == std::u32string::npos;
    if (is_digit(c) || point) {
      number += c;
    } else if (!group) {
      break;
    }
  }
  return number;
}

void find_figures(U32View cps, const Line& line, std::vector<Span>& found) {
  for (std::size_t i = line.begin; i < line.end; ++i) {
    if (!number_starts_at(cps, i, line.begin)) continue;
    std::size_t number_end = i;
    const std::u32string number = read_number(cps, i, line.end, number_end);
    std::size_t unit_at = number_end;
    while (unit_at < line.end && is_space(cps[unit_at])) ++unit_at;
    const U32View unit = word_at(cps, unit_at, kFigureUnits);
    const std::size_t start = i;
    i = number_end - 1;
    if (unit.empty()) continue;
    const auto [label_begin, label] = figure_label(cps, line.begin, label_end_before(cps, line.begin, start));
    if (label.empty()) continue;
    const std::size_t reach =
        label_begin > line.begin + kPeriodReach ? label_begin - kPeriodReach : line.begin;
    std::u32string value(label);
    value += U'|';
    value += last_period(cps, reach, start);
    value += U'|';
    value += number;
    value += unit;
    found.push_back(Span{label_begin, unit_at + unit.size(), to_utf8(value)});
    i = unit_at + unit.size() - 1;
  }
}

// ---------------------------------------------------------------------------------------------
// The cheap pass: most text names no one and gives no figure, so before any of the above runs, one
// walk over the UTF-8 (decoded and folded as fold_text does, without storing anything) marks the
// lines holding an anchor — a name label followed by a colon or space, 同志/先生/女士, a number
// followed by a unit or 号, or a run of ASCII letters and digits long enough for personal data.
// Every finder above works within one line and needs one of these anchors on it; a line without any
// holds no entity. Text without anchors has no entities; otherwise the lines without anchors are kept
// only for what crosses lines: blank lines (paragraphs), distance up to kFormReach (a name's reach)
// and the last characters before an anchored line (passport_word_before looks 24 bytes back).

constexpr std::size_t kKeptRun = 200;  // code points of lines without anchors kept as written
constexpr std::size_t kFiller = 170;   // what stands for more: farther than kFormReach
constexpr std::size_t kKeptTail = 32;  // ... then the last code points of such lines (more than 24 bytes)

// What a folded code point means to the anchor scan.
enum class Anchor : unsigned char { none, run, digit, number_joiner, space, separator, unit, honorific_end };

Anchor anchor_class(char32_t c) {
  if (c < 0x80) {
    if (c >= U'0' && c <= U'9') return Anchor::digit;
    if ((c | 0x20) >= U'a' && (c | 0x20) <= U'z') return Anchor::run;
    switch (c) {
      case U'@':
      case U'_':
      case U'+':
      case U'-':
        return Anchor::run;
      case U'.':
      case U',':
        return Anchor::number_joiner;  // '.' is also a run character
      case U' ':
      case U'\t':
        return Anchor::space;
      case U':':
        return Anchor::separator;
      case U'%':
        return Anchor::unit;
      default:
        return Anchor::none;
    }
  }
  switch (c) {
    case U'万':
    case U'人':
    case U'亿':
    case U'元':
    case U'名':
    case U'个':
    case U'次':
    case U'户':
    case U'家':
    case U'号':
      return Anchor::unit;  // 人 and 名 also end labels (负责人, 姓名)
    case U'志':
    case U'生':
    case U'士':
      return Anchor::honorific_end;
    default:
      return Anchor::none;
  }
}

bool ends_label(char32_t before, char32_t last) {
  constexpr std::array<std::pair<char32_t, char32_t>, 10> kLabelEnds = {{{U'姓', U'名'},
                                                                         {U'系', U'人'},
                                                                         {U'责', U'人'},
                                                                         {U'办', U'人'},
                                                                         {U'请', U'人'},
                                                                         {U'会', U'员'},
                                                                         {U'主', U'席'},
                                                                         {U'书', U'记'},
                                                                         {U'款', U'人'},
                                                                         {U'户', U'名'}}};
  return std::find(kLabelEnds.begin(), kLabelEnds.end(), std::pair{before, last}) != kLabelEnds.end();
}

bool ends_honorific(char32_t before, char32_t last) {
  return (before == U'同' && last == U'志') || (before == U'先' && last == U'生') ||
         (before == U'女' && last == U'士');
}

struct ScannedLine {
  std::size_t begin, end;  // bytes, the line break excluded
  std::size_t tail;        // where its last kKeptTail code points begin
  std::size_t count;       // code points after folding
  bool blank, anchored;
};

// Decodes as decode_utf8, with the three-byte sequences of Chinese text read in place.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  if ((b0 & 0xF0) == 0xE0 && i + 2 < s.size()) {
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    const auto b2 = static_cast<unsigned char>(s[i + 2]);
    if ((b1 & 0xC0) == 0x80 && (b2 & 0xC0) == 0x80) {
      i += 3;
      return (char32_t{b0 & 0x0Fu} << 12) | (char32_t{b1 & 0x3Fu} << 6) | (b2 & 0x3Fu);
    }
  }
  return decode_utf8(s, i);
}

// One bit for each of the Chinese characters anchor_class() tells apart, by their low six bits: a
// character whose bit is clear is Anchor::none (keep the two lists in step).
constexpr std::uint64_t kAnchorBits = [] {
  std::uint64_t bits = 0;
  for (char32_t c : U32View(U"万人亿元名个次户家号志生士")) bits |= std::uint64_t{1} << (c & 63);
  return bits;
}();

// The lines of `utf8` as fold_text and split_lines see them, each with whether it holds an anchor.
ScannedLine scan_line(std::string_view utf8, std::size_t begin) {
  std::array<std::size_t, kKeptTail> starts{};  // byte offsets of the last kKeptTail code points
  std::size_t count = 0, run = 0;
  bool blank = true, anchored = false, run_has_digit = false, in_number = false;
  char32_t prev = 0, prev2 = 0;
  auto end_run = [&] {
    if ((run >= 6 && run_has_digit) || run >= 18) anchored = true;
    run = 0;
    run_has_digit = false;
  };
  std::size_t i = begin;
  while (i < utf8.size() && utf8[i] != '\n' && utf8[i] != '\r') {
    const std::size_t at = i;
    const char32_t raw = next_code_point(utf8, i);
    if (raw >= 0x3400 && raw < 0xFE00 && ((kAnchorBits >> (raw & 63)) & 1) == 0) {  // most Chinese text
      starts[count % kKeptTail] = at;
      ++count;
      blank = false;
      if (run > 0) end_run();
      in_number = false;
      prev2 = prev;
      prev = raw;
      continue;
    }
    if (raw >= 0x80 && is_zero_width(raw)) continue;
    const char32_t c = fold(raw);
    starts[count % kKeptTail] = at;
    ++count;
    const Anchor a = anchor_class(c);
    if (a == Anchor::none && run == 0 && !in_number) {  // most characters
      blank = false;
      prev2 = prev;
      prev = c;
      continue;
    }
    blank = blank && a == Anchor::space;
    // Personal data: a run of what find_personal_data reads, long enough to be any kind.
    if (a == Anchor::run || a == Anchor::digit || c == U'.') {
      ++run;
      run_has_digit = run_has_digit || a == Anchor::digit || c == U'@';
    } else if (run > 0) {
      end_run();
    }
    // Figures and house numbers: a number, spaces, then a unit or 号.
    if (a == Anchor::unit && in_number) anchored = true;
    in_number = a == Anchor::digit || (in_number && (a == Anchor::number_joiner || a == Anchor::space));
    // Names: a label before a colon or a space; a name before 同志, 先生 or 女士.
    if ((a == Anchor::separator || a == Anchor::space) && ends_label(prev2, prev)) anchored = true;
    if (a == Anchor::honorific_end && ends_honorific(prev, c)) anchored = true;
    prev2 = prev;
    prev = c;
  }
  if (run > 0) end_run();
  // The kKeptTail-th code point from the end (the line's start when it is shorter).
  const std::size_t tail = count > kKeptTail ? starts[count % kKeptTail] : begin;
  return ScannedLine{begin, i, tail, count, blank, anchored};
}

constexpr std::array<char, kFiller> kFillerLine = [] {
  std::array<char, kFiller> line{};
  line.fill('~');
  return line;
}();

// `utf8` with what lies between anchored lines shortened (see above) into `out`; false when no line
// holds an anchor. A stretch of lines without anchors longer than kKeptRun becomes a line of filler,
// a blank line if it had one, and its last kKeptTail code points as written (behind a '~' when they
// begin inside a line that is not blank); what follows the last anchored line is left out.
bool reduce_to_anchored_lines(std::string_view utf8, std::string& out) {
  thread_local std::vector<ScannedLine> lines;  // reused, unless a text of very many lines made it large
  lines.clear();
  auto release = [&] {
    if (lines.capacity() > 65536) lines = {};
  };
  std::size_t last_anchored = 0;
  bool any = false;
  for (std::size_t begin = 0;;) {
    lines.push_back(scan_line(utf8, begin));
    if (lines.back().anchored) {
      last_anchored = lines.size() - 1;
      any = true;
    }
    const std::size_t i = lines.back().end;
    if (i == utf8.size()) break;
    begin = i + (utf8[i] == '\r' && i + 1 < utf8.size() && utf8[i + 1] == '\n' ? 2 : 1);
  }
  out.clear();
  if (!any) {
    release();
    return false;
  }
  bool first = true;
  auto put = [&](std::string_view piece) {
    if (!first) out += '\n';
    first = false;
    out.append(piece);
  };
  auto text_of = [&](const ScannedLine& l, std::size_t from) { return utf8.substr(from, l.end - from); };
  for (std::size_t l = 0; l <= last_anchored;) {
    if (lines[l].anchored) {
      put(text_of(lines[l], lines[l].begin));
      ++l;
      continue;
    }
    std::size_t r = l, total = 0;  // [l, r): lines without anchors; r is anchored
    for (; !lines[r].anchored; ++r) total += lines[r].count + 1;
    if (total <= kKeptRun) {
      for (; l < r; ++l) put(text_of(lines[l], lines[l].begin));
      continue;
    }
    std::size_t k = r, need = kKeptTail;  // the tail begins in line k
    while (lines[--k].count < need) need -= lines[k].count + 1;
    bool blank = false;
    for (std::size_t j = l; j < k; ++j) blank = blank || lines[j].blank;
    put(std::string_view(kFillerLine.data(), kFiller));
    if (blank) put("");
    const ScannedLine& t = lines[k];
    if (t.tail != t.begin && !t.blank) {
      put("~");
      out.append(text_of(t, t.tail));
    } else {
      put(text_of(t, t.tail));
    }
    for (l = k + 1; l < r; ++l) put(text_of(lines[l], lines[l].begin));
  }
  release();
  return true;
}

// ---------------------------------------------------------------------------------------------
// One item's entities.

constexpr std::size_t kFormReach = 160;  // code points from a name to an identifier of the same form
static_assert(kFiller > kFormReach && kKeptRun > kFormReach);

struct Located {
  std::size_t begin, end;
  Entity entity;
};

// Canonical values: digits only for numbers, upper-case X in ID numbers, lower-case e-mail.
std::string canonical(PersonalDataKind kind, std::string_view text) {
  std::string value;
  for (char c : text) {
    if (kind == PersonalDataKind::email) {
      value += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    } else if ((c >= '0' && c <= '9') || kind == PersonalDataKind::credit_code || kind == PersonalDataKind::passport) {
      value += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    } else if (c == 'x' || c == 'X') {
      value += 'X';
    }
  }
  return value;
}

class ItemText {
 public:
  explicit ItemText(std::string_view utf8) : text_(fold_text(utf8)), lines_(split_lines(text_.cps)) {}

  std::vector<Located> personal_data() const {
    std::vector<Located> found;
    std::size_t byte = 0, cp = 0;  // found in order: one walk maps byte offsets to code points
    for (const PersonalData& pd : find_personal_data(text_.utf8)) {
      for (; byte < pd.offset; ++byte) cp += (static_cast<unsigned char>(text_.utf8[byte]) & 0xC0) != 0x80;
      // Personal data is ASCII: one code point per byte.
      found.push_back(Located{cp, cp + pd.text.size(),
                              Entity{std::string(to_string(pd.kind)), canonical(pd.kind, pd.text)}});
    }
    return found;
  }

  // Names after labels and before 同志/先生/女士 anywhere; whole cells of rows carrying a contact.
  std::vector<Span> names(const std::vector<Located>& personal) const {
    std::vector<Span> names;
    std::vector<bool> has_contact(lines_.size(), false);
    for (const Located& p : personal) {
      if (p.entity.kind != "email" && p.entity.kind != "credit_code") has_contact[line_of(p.begin)] = true;
    }
    for (std::size_t l = 0; l < lines_.size(); ++l) {
      find_labelled_names(text_.cps, lines_[l], names);
      find_honorific_names(text_.cps, lines_[l], names);
      if (has_contact[l]) find_row_names(text_.cps, lines_[l], names);
    }
    std::sort(names.begin(), names.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
    names.erase(std::unique(names.begin(), names.end(),
                            [](const Span& a, const Span& b) { return a.begin == b.begin; }),
                names.end());
    return names;
  }

  std::vector<Span> spans(void (*finder)(U32View, const Line&, std::vector<Span>&)) const {
    std::vector<Span> found;
    for (const Line& line : lines_) finder(text_.cps, line, found);
    return found;
  }

  // The person an identifier at [begin, end) belongs to: the nearest name on its line (before it
  // if any), else the last name before it in the same paragraph within kFormReach.
  std::string person_of(std::size_t begin, std::size_t end, const std::vector<Span>& names) const {
    const Line& line = lines_[line_of(begin)];
    auto after = std::lower_bound(names.begin(), names.end(), end,
                                  [](const Span& n, std::size_t at) { return n.begin < at; });
    auto before = after;
    while (before != names.begin() && std::prev(before)->end > begin) --before;
    if (before != names.begin()) {
      const Span& name = *std::prev(before);
      const bool same_line = name.begin >= line.begin;
      const bool same_form =
          lines_[line_of(name.begin)].block == line.block && begin - name.end <= kFormReach;
      if (same_line || (same_form && (after == names.end() || after->begin >= line.end))) return name.value;
    }
    if (after != names.end() && after->begin < line.end) return after->value;
    return {};
  }

 private:
  std::size_t line_of(std::size_t at) const {
    auto it = std::upper_bound(lines_.begin(), lines_.end(), at,
                               [](std::size_t a, const Line& l) { return a < l.begin; });
    return static_cast<std::size_t>(std::prev(it) - lines_.begin());
  }

  FoldedText text_;
  std::vector<Line> lines_;
};

// ---------------------------------------------------------------------------------------------
// Aggregation across items.

// The identifier kinds of a personal profile, in the order explanations list them.
constexpr std::array<std::string_view, 7> kProfileKinds = {"resident_id", "passport", "bank_card", "mobile",
                                                           "landline",    "email",    "address"};
constexpr std::array<std::string_view, 7> kProfileKindNames = {"身份证号", "护照号", "银行卡号", "手机号",
                                                               "固定电话", "电子邮箱", "住址"};
// Contact data that makes a name an entry of a roster.
constexpr std::array<std::string_view, 3> kRosterKinds = {"mobile", "landline", "resident_id"};
constexpr std::size_t kListedItems = 10;  // items named one by one in an explanation, then "等N项"

std::optional<std::size_t> profile_kind(std::string_view kind) {
  auto it = std::find(kProfileKinds.begin(), kProfileKinds.end(), kind);
  if (it == kProfileKinds.end()) return std::nullopt;
  return static_cast<std::size_t>(it - kProfileKinds.begin());
}

// An ID or passport number or a bank card: enough on its own to impersonate or defraud; such a profile is high.
bool identifies_alone(std::size_t profile_kind) {
  return kProfileKinds[profile_kind] == "resident_id" || kProfileKinds[profile_kind] == "passport" ||
         kProfileKinds[profile_kind] == "bank_card";
}

bool is_roster_kind(std::string_view kind) {
  return std::find(kRosterKinds.begin(), kRosterKinds.end(), kind) != kRosterKinds.end();
}

// Explanations never repeat what they warn about: most digits and characters are masked.
std::string mask(std::string_view kind, const std::string& value) {
  if (kind == "email") {
    const std::size_t at = value.find('@');
    return at == std::string::npos ? "***"
                                   : value.substr(0, std::min<std::size_t>(1, at)) + "***" + value.substr(at);
  }
  if (kind == "address") {
    const std::u32string cps = fold_text(value).cps;
    return to_utf8(U32View(cps).substr(0, std::min<std::size_t>(6, cps.size()))) + "****";
  }
  const std::size_t keep_head = value.size() > 11 ? 4 : 3;
  if (value.size() <= keep_head + 4) return std::string(value.size(), '*');
  return value.substr(0, keep_head) + std::string(value.size() - keep_head - 4, '*') +
         value.substr(value.size() - 4);
}

std::string item_label(const ItemEntities& item) {
  return item.title.empty() ? item.item : "《" + item.title + "》";
}

// "《A》、《B》" or "《A》、…、《J》等12项".
std::string list_items(const std::vector<ItemEntities>& items, const std::vector<std::size_t>& indexes) {
  std::string out;
  for (std::size_t i = 0; i < indexes.size() && i < kListedItems; ++i) {
    if (i > 0) out += "、";
    out += item_label(items[indexes[i]]);
  }
  if (indexes.size() > kListedItems) out += "等" + std::to_string(indexes.size()) + "项";
  return out;
}

// Entities of one item without repeats, whether they came from the scanner or extract_entities().
std::vector<const Entity*> distinct_entities(const ItemEntities& item) {
  std::vector<const Entity*> out;
  std::set<std::tuple<std::string_view, std::string_view, std::string_view>> seen;
  for (const Entity& e : item.entities) {
    if (seen.emplace(e.kind, e.value, e.person).second) out.push_back(&e);
  }
  return out;
}

class UnionFind {
 public:
  std::size_t add() {
    parent_.push_back(parent_.size());
    return parent_.size() - 1;
  }
  std::size_t find(std::size_t x) {
    while (parent_[x] != x) x = parent_[x] = parent_[parent_[x]];
    return x;
  }
  void unite(std::size_t a, std::size_t b) {
    a = find(a), b = find(b);
    if (a != b) parent_[std::max(a, b)] = std::min(a, b);
  }

 private:
  std::vector<std::size_t> parent_;
};

// ---- person_profile ----

struct Sighting {
  std::size_t item;
  std::size_t kind;  // index into kProfileKinds
  const Entity* entity;
};

// People across the site: a name and the identifiers written next to it are one node; the same
// name or the same identifier in another item is the same node. An identifier written next to two
// different names (an office hotline) belongs to no one and links nothing.
class People {
 public:
  explicit People(const std::vector<ItemEntities>& items) : items_(items) {
    std::unordered_map<std::string, std::set<std::string_view>> names_of;
    for (const ItemEntities& item : items) {
      for (const Entity* e : distinct_entities(item)) {
        if (profile_kind(e->kind) && !e->person.empty()) names_of[key(*e)].insert(e->person);
      }
    }
    for (const auto& [k, names] : names_of) {
      if (names.size() > 1) shared_.insert(k);
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
      const std::vector<const Entity*> entities = distinct_entities(items[i]);
      for (const Entity* e : entities) add(i, *e);
      link_anonymous(entities);
    }
  }

  std::vector<AggregateWarning> profiles(const AggregateOptions& options) {
    std::map<std::size_t, std::vector<Sighting>> by_person;
    for (std::size_t i = 0; i < sightings_.size(); ++i)
      by_person[links_.find(node_of_sighting_[i])].push_back(sightings_[i]);
    std::map<std::size_t, std::set<std::string>> names_by_person;
    for (const auto& [node, name] : names_) names_by_person[links_.find(node)].insert(name);
    std::vector<AggregateWarning> warnings;
    for (const auto& [root, sightings] : by_person) {
      if (auto w = profile_warning(display_name(names_by_person[root]), sightings, options)) {
        warnings.push_back(std::move(*w));
      }
    }
    return warnings;
  }

 private:
  static std::string key(const Entity& e) { return e.kind + '\x1f' + e.value; }

  std::size_t node(const std::string& k) {
    auto [it, added] = nodes_.try_emplace(k, 0);
    if (added) it->second = links_.add();
    return it->second;
  }

  void add(std::size_t item, const Entity& e) {
    const auto kind = profile_kind(e.kind);
    if (!kind || shared_.contains(key(e))) return;
    const std::size_t id = node(key(e));
    if (!e.person.empty()) {
      const std::size_t person = node("person_name\x1f" + e.person);
      links_.unite(id, person);
      names_[person] = e.person;
    }
    sightings_.push_back(Sighting{item, *kind, &e});
    node_of_sighting_.push_back(id);
  }

  // Personal identifiers written with no name (an ID number and a mobile on a form whose name is
  // elsewhere) are one person when the item has at most one of each kind; landlines, e-mail and
  // addresses without a name are too often an organisation's to link anything.
  void link_anonymous(const std::vector<const Entity*>& entities) {
    constexpr std::array<std::string_view, 3> kPersonalKinds = {"resident_id", "bank_card", "mobile"};
    std::map<std::string_view, std::vector<const Entity*>> by_kind;
    for (const Entity* e : entities) {
      if (e->person.empty() && !shared_.contains(key(*e)) &&
          std::find(kPersonalKinds.begin(), kPersonalKinds.end(), e->kind) != kPersonalKinds.end()) {
        by_kind[e->kind].push_back(e);
      }
    }
    const bool one_each =
        std::all_of(by_kind.begin(), by_kind.end(), [](const auto& k) { return k.second.size() == 1; });
    if (by_kind.size() < 2 || !one_each) return;
    const std::size_t first = node(key(*by_kind.begin()->second.front()));
    for (const auto& [kind, of_kind] : by_kind) links_.unite(first, node(key(*of_kind.front())));
  }

  static std::string display_name(const std::set<std::string>& names) {
    std::string out;
    for (const std::string& n : names) out += (out.empty() ? "" : "/") + n;
    return out.empty() ? "同一人（由相同的号码或地址关联）" : out;
  }

  std::optional<AggregateWarning> profile_warning(const std::string& person,
                                                  const std::vector<Sighting>& sightings,
                                                  const AggregateOptions& options) {
    std::set<std::size_t> kinds;
    std::map<std::size_t, std::set<std::size_t>> kinds_per_item;
    for (const Sighting& s : sightings) {
      kinds.insert(s.kind);
      kinds_per_item[s.item].insert(s.kind);
    }
    std::size_t most_in_one = 0;
    for (const auto& [item, k] : kinds_per_item) most_in_one = std::max(most_in_one, k.size());
    // N3.3: only what the items reveal together and no single item does.
    if (kinds_per_item.size() < 2 || kinds.size() < options.profile_min_kinds ||
        kinds.size() <= most_in_one) {
      return std::nullopt;
    }
    AggregateWarning w{"person_profile", Severity::medium, {}, {}};
    std::string parts;
    for (std::size_t kind : kinds) {
      std::vector<std::size_t> where;
      const Entity* first = nullptr;
      for (const Sighting& s : sightings) {
        if (s.kind != kind) continue;
        if (!first) first = s.entity;
        if (where.empty() || where.back() != s.item) where.push_back(s.item);
      }
      if (identifies_alone(kind)) w.severity = Severity::high;
      parts += (parts.empty() ? "" : "、") + std::string(kProfileKindNames[kind]) + " " +
               mask(first->kind, first->value) + "（" + list_items(items_, where) + "）";
    }
    for (const auto& [item, k] : kinds_per_item) w.items.push_back(items_[item].item);
    w.explanation = person + "的" + parts + "分别发布在" + std::to_string(kinds_per_item.size()) +
                    "个项目中：每一项单看都不完整，合在一起是此人的个人信息档案（" +
                    std::to_string(kinds.size()) + "类身份信息）。";
    return w;
  }

  const std::vector<ItemEntities>& items_;
  std::unordered_set<std::string> shared_;
  std::unordered_map<std::string, std::size_t> nodes_;
  std::map<std::size_t, std::string> names_;  // name nodes and the name they stand for
  UnionFind links_;
  std::vector<Sighting> sightings_;
  std::vector<std::size_t> node_of_sighting_;
};

// ---- split_roster ----

// The title without its part number: "会员名单（二）", "会员名单 第2页", "会员名单-3" → "会员名单".
std::string title_stem(std::string_view title) {
  const std::u32string cps = fold_text(title).cps;
  const U32View t(cps);
  std::u32string stem;
  auto is_part_number = [](char32_t c) {
    return is_digit(c) || is_cjk_numeral(c) || U32View(U"上中下续之").find(c) != U32View::npos;
  };
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] == U'(' || t[i] == U'（' || t[i] == U'【' || t[i] == U'[') {
      const std::size_t close = t.find_first_of(U")）】]", i);
      if (close != U32View::npos && close > i + 1 &&
          std::all_of(t.begin() + i + 1, t.begin() + close, is_part_number)) {
        i = close;
        continue;
      }
    }
    if (t[i] == U'第') {
      std::size_t j = i + 1;
      while (j < t.size() && (is_digit(t[j]) || is_cjk_numeral(t[j]))) ++j;
      if (j > i + 1 && j < t.size() && U32View(U"页部批期篇册章节组").find(t[j]) != U32View::npos) {
        i = j + (starts_with_at(t, j, U"部分") ? 1 : 0);
        continue;
      }
    }
    stem += t[i];
  }
  while (!stem.empty() && (is_digit(stem.back()) || is_space(stem.back()) ||
                           U32View(U"-_.#之续").find(stem.back()) != U32View::npos)) {
    stem.pop_back();
  }
  return to_utf8(stem);
}

struct RosterPiece {
  std::size_t item;
  std::set<std::string_view> people;  // names written with a phone or an ID number
  bool has_id = false;
};

std::vector<RosterPiece> roster_pieces(const std::vector<ItemEntities>& items,
                                       const AggregateOptions& options) {
  std::vector<RosterPiece> pieces;
  for (std::size_t i = 0; i < items.size(); ++i) {
    RosterPiece piece{i, {}, false};
    for (const Entity& e : items[i].entities) {
      if (e.person.empty() || !is_roster_kind(e.kind)) continue;
      piece.people.insert(e.person);
      piece.has_id = piece.has_id || e.kind == "resident_id";
    }
    // More than the per-item threshold is a bulk finding of that item on its own (ScanOptions).
    if (!piece.people.empty() && piece.people.size() <= options.roster_max_people_per_item) {
      pieces.push_back(std::move(piece));
    }
  }
  return pieces;
}

// One roster warning over `group` if it reaches the thresholds.
std::optional<AggregateWarning> roster_warning(const std::vector<ItemEntities>& items,
                                               const std::vector<const RosterPiece*>& group,
                                               bool shared_title, const AggregateOptions& options) {
  std::set<std::string_view> people;
  bool has_id = false;
  for (const RosterPiece* p : group) {
    people.insert(p->people.begin(), p->people.end());
    has_id = has_id || p->has_id;
  }
  if (group.size() < options.roster_min_items || people.size() < options.roster_min_people)
    return std::nullopt;
  AggregateWarning w{"split_roster", has_id ? Severity::high : Severity::medium, {}, {}};
  if (!shared_title) w.severity = Severity::low;
  std::string counts;
  for (std::size_t i = 0; i < group.size() && i < kListedItems; ++i) {
    counts += (i > 0 ? "、" : "") + item_label(items[group[i]->item]) +
              std::to_string(group[i]->people.size()) + "人";
  }
  if (group.size() > kListedItems) counts += "等" + std::to_string(group.size()) + "项";
  for (const RosterPiece* p : group) w.items.push_back(items[p->item].item);
  w.explanation = counts + "：共" + std::to_string(people.size()) + "人的姓名和" +
                  (has_id ? "身份证号或电话" : "电话") + "分散在" + std::to_string(group.size()) +
                  "个项目中，每项不超过" + std::to_string(options.roster_max_people_per_item) + "人，" +
                  (shared_title ? "标题同属一个系列，" : "") + "合在一起是一份完整的人员名册。";
  return w;
}

// Pieces grouped by title stem (a roster published page by page); what no group covers is weighed
// once more as a whole, at low severity, since unrelated pages naming contacts are common.
std::vector<AggregateWarning> split_rosters(const std::vector<ItemEntities>& items,
                                            const AggregateOptions& options) {
  const std::vector<RosterPiece> pieces = roster_pieces(items, options);
  std::map<std::string, std::vector<const RosterPiece*>> by_stem;
  for (const RosterPiece& p : pieces) {
    by_stem[title_stem(items[p.item].title.empty() ? items[p.item].item : items[p.item].title)].push_back(&p);
  }
  std::vector<AggregateWarning> warnings;
  std::vector<const RosterPiece*> rest;
  for (const auto& [stem, group] : by_stem) {
    auto w = roster_warning(items, group, true, options);
    if (w) {
      warnings.push_back(std::move(*w));
    } else {
      rest.insert(rest.end(), group.begin(), group.end());
    }
  }
  std::sort(rest.begin(), rest.end(),
            [](const RosterPiece* a, const RosterPiece* b) { return a->item < b->item; });
  if (auto w = roster_warning(items, rest, false, options)) warnings.push_back(std::move(*w));
  return warnings;
}

// ---- figure_series ----

struct FigurePiece {
  std::size_t item;
  std::string_view period, amount;
};

std::optional<AggregateWarning> series_warning(const std::vector<ItemEntities>& items, std::string_view label,
                                               const std::vector<FigurePiece>& pieces,
                                               const AggregateOptions& options) {
  std::set<std::size_t> in_items;
  std::set<std::pair<std::string_view, std::string_view>> values;
  for (const FigurePiece& p : pieces) {
    in_items.insert(p.item);
    values.emplace(p.period, p.amount);
  }
  // The same figure repeated is not a series; one item with a whole table is a finding of its own.
  if (in_items.size() < options.series_min_items || values.size() < 2) return std::nullopt;
  AggregateWarning w{"figure_series", Severity::medium, {}, {}};
  std::string listed;
  for (std::size_t i = 0; i < pieces.size() && i < kListedItems; ++i) {
    const FigurePiece& p = pieces[i];
    listed += (i > 0 ? "、" : "") + item_label(items[p.item]) +
              (p.period.empty() ? "" : std::string(p.period) + " ") + std::string(p.amount);
  }
  if (pieces.size() > kListedItems) listed += "等" + std::to_string(pieces.size()) + "处";
  for (std::size_t item : in_items) w.items.push_back(items[item].item);
  w.explanation = "统计项「" + std::string(label) + "」分" + std::to_string(in_items.size()) +
                  "个项目发布（" + listed + "），逐项拼合可还原一张内部统计表。";
  return w;
}

std::vector<AggregateWarning> figure_series(const std::vector<ItemEntities>& items,
                                            const AggregateOptions& options) {
  std::map<std::string_view, std::vector<FigurePiece>> by_label;
  for (std::size_t i = 0; i < items.size(); ++i) {
    for (const Entity* e : distinct_entities(items[i])) {
      if (e->kind != "figure") continue;
      const std::string_view v = e->value;
      const std::size_t bar1 = v.find('|');
      const std::size_t bar2 = bar1 == std::string_view::npos ? bar1 : v.find('|', bar1 + 1);
      if (bar2 == std::string_view::npos) continue;
      by_label[v.substr(0, bar1)].push_back(
          FigurePiece{i, v.substr(bar1 + 1, bar2 - bar1 - 1), v.substr(bar2 + 1)});
    }
  }
  std::vector<AggregateWarning> warnings;
  for (const auto& [label, pieces] : by_label) {
    if (auto w = series_warning(items, label, pieces, options)) warnings.push_back(std::move(*w));
  }
  return warnings;
}

// Deterministic order: by kind (profiles, rosters, series), then by the first item, then by text.
std::size_t first_item_index(const AggregateWarning& w,
                             const std::unordered_map<std::string_view, std::size_t>& index) {
  if (w.items.empty()) return 0;
  auto it = index.find(w.items.front());
  return it == index.end() ? 0 : it->second;
}

void sort_warnings(const std::vector<ItemEntities>& items, std::vector<AggregateWarning>& warnings) {
  std::unordered_map<std::string_view, std::size_t> index;
  for (std::size_t i = 0; i < items.size(); ++i) index.try_emplace(items[i].item, i);
  constexpr std::array<std::string_view, 3> kKindOrder = {"person_profile", "split_roster", "figure_series"};
  auto rank = [&](const AggregateWarning& w) {
    const auto kind = static_cast<std::size_t>(std::find(kKindOrder.begin(), kKindOrder.end(), w.kind) -
                                               kKindOrder.begin());
    return std::make_tuple(kind, first_item_index(w, index), std::string_view(w.explanation));
  };
  std::stable_sort(warnings.begin(), warnings.end(),
                   [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
}

}  // namespace

std::vector<Entity> extract_entities(std::string_view utf8, std::string_view path, std::string_view part) {
  thread_local std::string anchored;  // reused, unless a long text made it large
  if (!reduce_to_anchored_lines(utf8, anchored)) return {};
  const ItemText text(anchored);
  if (anchored.capacity() > (std::size_t{1} << 20)) anchored = {};
  std::vector<Located> found = text.personal_data();
  const std::vector<Span> names = text.names(found);
  for (const Span& a : text.spans(find_addresses))
    found.push_back(Located{a.begin, a.end, Entity{"address", a.value}});
  for (Located& f : found) f.entity.person = text.person_of(f.begin, f.end, names);
  for (const Span& n : names) found.push_back(Located{n.begin, n.end, Entity{"person_name", n.value}});
  for (const Span& f : text.spans(find_figures))
    found.push_back(Located{f.begin, f.end, Entity{"figure", f.value}});
  std::stable_sort(found.begin(), found.end(),
                   [](const Located& a, const Located& b) { return a.begin < b.begin; });

  std::vector<Entity> entities;
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  for (Located& f : found) {
    if (!seen.emplace(f.entity.kind, f.entity.value, f.entity.person).second) continue;
    f.entity.path = path;
    f.entity.part = part;
    entities.push_back(std::move(f.entity));
  }
  return entities;
}

std::vector<AggregateWarning> aggregate(const std::vector<ItemEntities>& items,
                                        const AggregateOptions& options) {
  std::vector<AggregateWarning> warnings = People(items).profiles(options);
  for (auto* more : {split_rosters, figure_series}) {
    std::vector<AggregateWarning> found = more(items, options);
    std::move(found.begin(), found.end(), std::back_inserter(warnings));
  }
  sort_warnings(items, warnings);
  return warnings;
}

}  // namespace sw::review
