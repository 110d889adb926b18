// Context: one request on its way through the filter chain and the router.
#pragma once

#include <any>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "http/message.h"

namespace sw::http {

// Owns the Request, the path parameters the router bound, and attributes filters attach for
// later filters and the handler (e.g. the authenticated user). A Context is used by one thread at
// a time and lives until the response is written.
class Context {
 public:
  explicit Context(Request request) : request(std::move(request)) {}

  Request request;

  // Path parameters bound by the router, percent-decoded: "/users/{id}" on "/users/42" binds
  // id = "42".
  std::map<std::string, std::string, std::less<>> params;

  // The parameter `name`, or "" if the route has none of that name.
  std::string_view param(std::string_view name) const {
    const auto it = params.find(name);
    return it == params.end() ? std::string_view{} : std::string_view(it->second);
  }

  // Stores `value` under `key`, replacing any earlier value.
  template <class T>
  void set(std::string key, T value) {
    attributes_[std::move(key)] = std::move(value);
  }

  // The value stored under `key` if it exists and is a T; nullptr otherwise.
  template <class T>
  const T* get(std::string_view key) const {
    const auto it = attributes_.find(key);
    return it == attributes_.end() ? nullptr : std::any_cast<T>(&it->second);
  }
  template <class T>
  T* get(std::string_view key) {
    const auto it = attributes_.find(key);
    return it == attributes_.end() ? nullptr : std::any_cast<T>(&it->second);
  }

 private:
  std::map<std::string, std::any, std::less<>> attributes_;
};

// A route handler. It may block (database, password hashing): handlers run on the server's
// handler thread pool, never on an I/O thread. Exceptions it throws become a 500.
using Handler = std::function<Response(Context&)>;

}  // namespace sw::http
