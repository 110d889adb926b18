// RequestState: what the console knows about one request while handling it (language, session,
// form) and the helpers every page and API handler shares. Internal to the console module.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "console/console.h"
#include "http/context.h"
#include "http/url.h"

namespace sw::console {

struct RequestState {
  http::Context& ctx;
  Language lang = Language::zh_cn;
  bool language_from_query = false;
  std::string session_id;                     // from the cookie or a Bearer token; "" if none
  bool bearer = false;                        // authenticated by Authorization: Bearer (API)
  std::optional<identity::Session> session;   // set when session_id is valid and not expired
  std::optional<Error> session_error;         // why session is empty although an id was sent
  std::vector<http::FormField> form;          // urlencoded body of a POST, or the query of a GET
  std::vector<http::FormField> query;

  const http::Request& request() const { return ctx.request; }
  std::string field(std::string_view name) const;
  std::string query_param(std::string_view name) const;
  identity::RequestContext request_context() const { return {ctx.request.client_ip, ctx.request.request_id}; }
  identity::Actor actor() const;
  std::string t(std::string_view key) const { return text(lang, key); }
};

// The catalogue key for an identity/console error code, or "" when there is none.
std::string message_key_for(const Error& e);
// A message for people: the catalogue text for the error code, else err_bad_input + the message.
std::string message_for(const RequestState& s, const Error& e);
// The HTTP status for an error code (403 forbidden, 401 credentials, 423 locked, 400 otherwise...).
int status_for(const Error& e);

}  // namespace sw::console
