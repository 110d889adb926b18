// Theme: the templates, message catalogue and static files a site is rendered with (kainjow mustache,
// HTML escaping on: every {{value}} is escaped, only {{{body}}} and {{{body_html}}} take HTML the
// renderer vouches for). Templates hold no logic beyond sections and loops; the text people read is
// in the theme's catalogue (messages.json), never in C++ (STYLE.md).
//
// The default theme (src/publish/themes/default, embedded in the binary) is Chinese, phones first
// (N7.6: viewport meta, fluid layout, readable at 375 px), puts the union emblem at the head of every
// page (N5.1; emblem.svg is a marked PLACEHOLDER to be replaced by the official file) and the
// identity footer at the foot of every page (N5.2).
//
// A site's look (SiteLook) is its primary colour and an optional logo; both are per site
// (site_looks.h stores them).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <kainjow/mustache.hpp>

#include "base/crypto.h"
#include "base/result.h"

namespace sw::publish {

namespace mustache = kainjow::mustache;

inline constexpr std::string_view kDefaultPrimaryColour = "#b5121b";

// A site's logo: an image blob in the store.
struct Logo {
  crypto::Digest digest;
  std::uint64_t size = 0;
  std::string content_type;  // "image/png" | "image/jpeg"
  bool operator==(const Logo&) const = default;
};

struct SiteLook {
  std::string primary_colour = std::string(kDefaultPrimaryColour);  // "#rrggbb"
  std::optional<Logo> logo;
  bool operator==(const SiteLook&) const = default;
};

// "#rrggbb" (hex digits, either case) or "publish.bad_colour" naming the text.
Status check_colour(std::string_view colour);

class Theme {
 public:
  // The embedded default theme. "publish.theme_invalid" naming the template that does not parse, or
  // the catalogue or file that is missing.
  static Result<std::unique_ptr<Theme>> load_default();

  // Renders templates/<name>.mustache ("layout", "home", "column", "article", "sitemap", "feed",
  // "site.css") with `data`; the catalogue is visible to every template as "t". Not thread-safe
  // (the engine's render is not const): one Theme per publishing thread.
  std::string render(std::string_view name, mustache::data data);

  // A static file of the theme ("emblem.svg"), or nullopt.
  std::optional<std::string_view> file(std::string_view name) const;
  // One message of the catalogue; a missing key yields the key.
  std::string text(std::string_view key) const;
  // What identifies this theme's output (changes when any template, file or message changes).
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  Theme() = default;
  std::map<std::string, std::unique_ptr<mustache::mustache>, std::less<>> templates_;
  std::map<std::string, std::string, std::less<>> files_;
  std::map<std::string, std::string, std::less<>> messages_;
  mustache::data catalogue_{mustache::data::type::object};
  std::string fingerprint_;
};

}  // namespace sw::publish
