#include "http/url.h"

#include <optional>

namespace sw::http {
namespace {

std::optional<int> hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return std::nullopt;
}

// Decodes the escape starting at text[i] == '%'; nullopt if it is malformed or encodes NUL.
std::optional<char> decode_escape(std::string_view text, std::size_t i) {
  if (i + 2 >= text.size()) return std::nullopt;
  const auto high = hex_value(text[i + 1]);
  const auto low = hex_value(text[i + 2]);
  if (!high || !low) return std::nullopt;
  const int value = *high * 16 + *low;
  if (value == 0) return std::nullopt;
  return static_cast<char>(value);
}

}  // namespace

Result<std::string> percent_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      const auto decoded = decode_escape(text, i);
      if (!decoded) return fail("http.bad_escape", "bad percent-escape in \"" + std::string(text) + "\"");
      out += *decoded;
      i += 2;
    } else {
      out += (plus_as_space && c == '+') ? ' ' : c;
    }
  }
  return out;
}

Result<std::vector<FormField>> parse_form(std::string_view text) {
  std::vector<FormField> fields;
  while (!text.empty()) {
    const std::size_t amp = text.find('&');
    const std::string_view piece = text.substr(0, amp);
    text = (amp == std::string_view::npos) ? std::string_view{} : text.substr(amp + 1);
    if (piece.empty()) continue;
    const std::size_t eq = piece.find('=');
    SW_TRY(name, percent_decode(piece.substr(0, eq), true));
    SW_TRY(value,
           percent_decode(eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1), true));
    fields.emplace_back(std::move(name), std::move(value));
  }
  return fields;
}

const std::string* find_form_value(const std::vector<FormField>& fields, std::string_view name) {
  for (const auto& [field_name, value] : fields) {
    if (field_name == name) return &value;
  }
  return nullptr;
}

}  // namespace sw::http
