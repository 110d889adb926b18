#include "review/personal_data.h"

#include <array>
#include <chrono>

namespace sw::review {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool all_digits(std::string_view s) {
  for (char c : s) {
    if (!is_digit(c)) return false;
  }
  return !s.empty();
}
int digit(char c) { return c - '0'; }
int number(std::string_view s) {
  int n = 0;
  for (char c : s) n = n * 10 + digit(c);
  return n;
}

// GB 11643: province codes of the first two digits.
bool known_province(int code) {
  static constexpr std::array<int, 34> kCodes = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34,
                                                 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
                                                 53, 54, 61, 62, 63, 64, 65, 71, 81, 82};
  for (int c : kCodes) {
    if (c == code) return true;
  }
  return false;
}

bool real_date(int year, int month, int day) {
  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                           std::chrono::day{static_cast<unsigned>(day)}};
  return month >= 1 && month <= 12 && day >= 1 && ymd.ok();
}

bool ascii_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

std::string_view to_string(PersonalDataKind k) {
  switch (k) {
    case PersonalDataKind::resident_id: return "resident_id";
    case PersonalDataKind::mobile: return "mobile";
    case PersonalDataKind::landline: return "landline";
    case PersonalDataKind::bank_card: return "bank_card";
    case PersonalDataKind::credit_code: return "credit_code";
    case PersonalDataKind::email: return "email";
    case PersonalDataKind::passport: return "passport";
  }
  return "unknown";
}

bool is_resident_id(std::string_view s, int max_year) {
  static constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr std::string_view kCheck = "10X98765432";
  if (s.size() != 18 || !all_digits(s.substr(0, 17))) return false;
  if (!known_province(number(s.substr(0, 2)))) return false;
  const int year = number(s.substr(6, 4));
  if (year < 1900 || year > max_year || !real_date(year, number(s.substr(10, 2)), number(s.substr(12, 2)))) {
    return false;
  }
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) sum += digit(s[i]) * kWeights[i];
  const char expected = kCheck[static_cast<std::size_t>(sum % 11)];
  const char last = s[17] == 'x' ? 'X' : s[17];
  return last == expected;
}

bool is_mobile(std::string_view s) {
  if (s.size() != 11 || !all_digits(s) || s[0] != '1') return false;
  const int second = digit(s[1]);
  const int third = digit(s[2]);
  switch (second) {
    case 3: case 8: return true;
    case 4: return third >= 5 && third <= 9;
    case 5: return third != 4;
    case 6: return third == 2 || (third >= 5 && third <= 7);
    case 7: return third <= 8;
    case 9: return third != 4;
    default: return false;
  }
}

bool is_landline(std::string_view s) {
  if (s.empty() || s[0] != '0') return false;
  const auto dash = s.find('-');
  std::string_view area;
  std::string_view local;
  if (dash != std::string_view::npos) {
    area = s.substr(0, dash);
    local = s.substr(dash + 1);
  } else {
    // Without a dash, only the unambiguous 3-digit area codes of the large cities (010, 02x).
    if (s.size() < 3 || (s[1] != '1' && s[1] != '2')) return false;
    area = s.substr(0, 3);
    local = s.substr(3);
  }
  if (area.size() < 3 || area.size() > 4 || !all_digits(area) || area[1] == '0') return false;
  return (local.size() == 7 || local.size() == 8) && all_digits(local) && local[0] != '0' && local[0] != '1';
}

bool is_bank_card(std::string_view s) {
  if (s.size() < 16 || s.size() > 19 || !all_digits(s)) return false;
  int sum = 0;
  bool twice = false;
  for (auto it = s.rbegin(); it != s.rend(); ++it) {
    int d = digit(*it);
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool is_credit_code(std::string_view s) {
  static constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  static constexpr std::array<int, 17> kWeights = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
  if (s.size() != 18) return false;
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) {
    const auto v = kAlphabet.find(s[i]);
    if (v == std::string_view::npos) return false;
    sum += static_cast<int>(v) * kWeights[i];
  }
  if (all_digits(s)) return false;  // an all-digit 18-character run is an ID candidate, not a company
  const int check = (31 - sum % 31) % 31;
  return s[17] == kAlphabet[static_cast<std::size_t>(check)];
}

bool is_email(std::string_view s) {
  const auto at = s.find('@');
  if (at == 0 || at == std::string_view::npos || s.find('@', at + 1) != std::string_view::npos) return false;
  const std::string_view domain = s.substr(at + 1);
  const auto dot = domain.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || domain.size() - dot < 3) return false;
  for (char c : s) {
    if (!ascii_alnum(c) && c != '@' && c != '.' && c != '-' && c != '_' && c != '+') return false;
  }
  return s.find("..") == std::string_view::npos;
}

bool is_passport_form(std::string_view t) {
  if (t.size() != 9) return false;
  const char first = static_cast<char>(t[0] & ~0x20);  // upper case
  if (first == 'G') return all_digits(t.substr(1));
  if (first != 'E') return false;
  if (all_digits(t.substr(1))) return true;
  const char second = static_cast<char>(t[1] & ~0x20);
  return second >= 'A' && second <= 'Z' && second != 'I' && second != 'O' && all_digits(t.substr(2));
}

namespace {
// The word that makes a passport-shaped run a passport number: within 24 bytes (8 CJK characters) before.
bool passport_word_before(std::string_view text, std::size_t at) {
  const std::size_t from = at > 24 ? at - 24 : 0;
  const std::string_view before = text.substr(from, at - from);
  if (before.find("护照") != std::string_view::npos || before.find("護照") != std::string_view::npos) return true;
  for (std::size_t i = 0; i + 8 <= before.size(); ++i) {
    bool match = true;
    for (std::size_t k = 0; k < 8 && match; ++k)
      match = (before[i + k] | 0x20) == "passport"[k];
    if (match) return true;
  }
  return false;
}
}  // namespace

std::vector<PersonalData> find_personal_data(std::string_view text, int max_year) {
  std::vector<PersonalData> found;
  auto add = [&](PersonalDataKind k, std::string_view t, std::size_t at) {
    found.push_back(PersonalData{k, std::string(t), at});
  };
  std::size_t i = 0;
  while (i < text.size()) {
    if (!ascii_alnum(text[i])) {
      ++i;
      continue;
    }
    // A candidate: letters, digits and the joiners of e-mail addresses and landlines.
    std::size_t end = i;
    while (end < text.size() && (ascii_alnum(text[end]) || text[end] == '@' || text[end] == '.' ||
                                 text[end] == '-' || text[end] == '_' || text[end] == '+')) {
      ++end;
    }
    std::string_view run = text.substr(i, end - i);
    while (!run.empty() && (run.back() == '.' || run.back() == '-')) run.remove_suffix(1);
    if (is_email(run)) {
      add(PersonalDataKind::email, run, i);
    } else if (is_resident_id(run, max_year)) {
      add(PersonalDataKind::resident_id, run, i);
    } else if (is_credit_code(run)) {
      add(PersonalDataKind::credit_code, run, i);
    } else if (is_mobile(run)) {
      add(PersonalDataKind::mobile, run, i);
    } else if (is_landline(run)) {
      add(PersonalDataKind::landline, run, i);
    } else if (is_bank_card(run)) {
      add(PersonalDataKind::bank_card, run, i);
    } else if (is_passport_form(run) && passport_word_before(text, i)) {
      add(PersonalDataKind::passport, run, i);
    }
    i = end;
  }
  return found;
}

}  // namespace sw::review
