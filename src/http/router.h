// Router: maps a method and a path to a Handler, binding "{param}" segments.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "http/context.h"
#include "http/message.h"

namespace sw::http {

// Patterns are '/'-separated segments, each one of:
//   literal      "users"      matches that segment exactly (after percent-decoding the request)
//   "{name}"     one non-empty segment, bound to params["name"]
//   "{name...}"  last segment only: the rest of the path (one or more segments, joined by '/')
// "/" is the root. Routes are tried in the order they were added.
class Router {
 public:
  // Adds a route. Errors ("http.bad_route") on a pattern that does not start with '/', a
  // malformed or repeated "{...}", a "{name...}" before the last segment, or a duplicate
  // method + pattern.
  Status add(std::string_view method, std::string_view pattern, Handler handler);

  // Routes context.request, binds context.params and runs the matching handler:
  //   - no route matches the path                      → 404
  //   - routes match the path, none with this method   → 405 with Allow listing their methods
  //   - HEAD without a HEAD route uses the GET route     (the server sends no body for HEAD)
  //   - a path with a bad percent-escape, or a "." or ".." segment → 400
  Response handle(Context& context) const;

 private:
  enum class SegmentKind { literal, param, rest };
  struct Segment {
    SegmentKind kind;
    std::string text;  // the literal, or the parameter name
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    Handler handler;
  };
  using Params = decltype(Context::params);

  static Result<std::vector<Segment>> parse_pattern(std::string_view pattern);
  static bool match(const Route& route, const std::vector<std::string>& segments, Params& params);
  const Route* find(std::string_view method, const std::vector<std::string>& segments, Params& params) const;
  std::string allowed_methods(const std::vector<std::string>& segments) const;

  std::vector<Route> routes_;
};

}  // namespace sw::http
