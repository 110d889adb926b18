// Personal data in text, found with validators rather than patterns alone (N4.6, N3.2): a run of
// digits is a resident ID number only if its GB 11643 check digit and birth date are right, a bank
// card only if its Luhn sum is, a unified social credit code only if its GB 32100 check character is.
// The first slice of the review scanner (docs/modules/review.md); a pure library, no database.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sw::review {

enum class PersonalDataKind { resident_id, mobile, landline, bank_card, credit_code, email, passport };
std::string_view to_string(PersonalDataKind k);  // "resident_id", "mobile", ...

// True for an 18-character mainland resident ID: 17 digits and a check character (digit or X/x)
// per GB 11643, a known province code and a real birth date between 1900-01-01 and `max_year`-12-31.
bool is_resident_id(std::string_view text, int max_year = 2100);
// True for a mobile number of a current mainland prefix (13x, 145–149, 15x but 154, 162/165–167,
// 170–178, 18x, 19x but 194), 11 digits.
bool is_mobile(std::string_view digits);
// True for a landline with its area code: "025-84561234", "02584561234", "0512-6523456".
bool is_landline(std::string_view text);
// True for 16–19 digits passing the Luhn check.
bool is_bank_card(std::string_view digits);
// True for an 18-character unified social credit code with a valid GB 32100 check character.
bool is_credit_code(std::string_view text);
// True for local@domain.tld with conventional characters.
bool is_email(std::string_view text);
// True for the form of a People's Republic of China passport number: E + 8 digits, E + a letter
// (not I or O) + 7 digits (e-passports), G + 8 digits (older passports). The number has no check
// character, so find_personal_data reports one only after the word 护照/護照/passport (within 8
// characters before it): "E12345678" alone may be any serial number.
bool is_passport_form(std::string_view text);

struct PersonalData {
  PersonalDataKind kind;
  std::string text;     // as written
  std::size_t offset;   // byte offset in the scanned text
};

// Every validated piece of personal data in UTF-8 text, in order. Candidates are maximal runs of
// ASCII letters, digits and the separators each kind allows, bounded by anything else (so a
// number inside a longer number is not reported).
std::vector<PersonalData> find_personal_data(std::string_view text, int max_year = 2100);

}  // namespace sw::review
