#include "http/router.h"

#include <algorithm>
#include <set>

#include "http/url.h"

namespace sw::http {
namespace {

constexpr std::string_view kRestSuffix = "...";

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> pieces;
  if (path == "/") return pieces;
  path.remove_prefix(1);
  while (true) {
    const std::size_t slash = path.find('/');
    pieces.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return pieces;
    path.remove_prefix(slash + 1);
  }
}

// The decoded segments of a request path; an error for a bad escape or a dot segment.
Result<std::vector<std::string>> decode_segments(std::string_view path) {
  if (path.empty() || path.front() != '/') return fail("http.bad_path", "path must start with '/'");
  std::vector<std::string> segments;
  for (std::string_view raw : split_path(path)) {
    SW_TRY(segment, percent_decode(raw));
    if (segment == "." || segment == "..") return fail("http.bad_path", "dot segment in path");
    segments.push_back(std::move(segment));
  }
  return segments;
}

bool is_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Error bad_route(std::string_view pattern, std::string_view why) {
  return Error{"http.bad_route", "route \"" + std::string(pattern) + "\": " + std::string(why)};
}

}  // namespace

Result<std::vector<Router::Segment>> Router::parse_pattern(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/')
    return std::unexpected(bad_route(pattern, "must start with '/'"));
  std::vector<Segment> segments;
  std::set<std::string, std::less<>> names;
  for (std::string_view piece : split_path(pattern)) {
    if (!segments.empty() && segments.back().kind == SegmentKind::rest) {
      return std::unexpected(bad_route(pattern, "{name...} must be the last segment"));
    }
    if (!piece.starts_with('{')) {
      if (piece.find_first_of("{}") != std::string_view::npos)
        return std::unexpected(bad_route(pattern, "stray brace"));
      segments.push_back({SegmentKind::literal, std::string(piece)});
      continue;
    }
    if (!piece.ends_with('}')) return std::unexpected(bad_route(pattern, "unclosed '{'"));
    std::string_view name = piece.substr(1, piece.size() - 2);
    const bool rest = name.ends_with(kRestSuffix);
    if (rest) name.remove_suffix(kRestSuffix.size());
    if (!is_name(name)) return std::unexpected(bad_route(pattern, "parameter names are [A-Za-z0-9_]+"));
    if (!names.emplace(name).second) return std::unexpected(bad_route(pattern, "repeated parameter"));
    segments.push_back({rest ? SegmentKind::rest : SegmentKind::param, std::string(name)});
  }
  return segments;
}

Status Router::add(std::string_view method, std::string_view pattern, Handler handler) {
  if (method.empty()) return std::unexpected(bad_route(pattern, "empty method"));
  SW_TRY(segments, parse_pattern(pattern));
  for (const Route& route : routes_) {
    if (route.method == method && route.pattern == pattern) {
      return std::unexpected(bad_route(pattern, "duplicate route for " + std::string(method)));
    }
  }
  routes_.push_back({std::string(method), std::string(pattern), std::move(segments), std::move(handler)});
  return ok();
}

bool Router::match(const Route& route, const std::vector<std::string>& segments, Params& params) {
  Params bound;
  std::size_t i = 0;
  for (const Segment& segment : route.segments) {
    if (i >= segments.size()) return false;
    switch (segment.kind) {
      case SegmentKind::literal:
        if (segments[i] != segment.text) return false;
        break;
      case SegmentKind::param:
        if (segments[i].empty()) return false;
        bound[segment.text] = segments[i];
        break;
      case SegmentKind::rest: {
        std::string rest = segments[i];
        for (std::size_t j = i + 1; j < segments.size(); ++j) rest += "/" + segments[j];
        if (rest.empty()) return false;
        bound[segment.text] = std::move(rest);
        i = segments.size() - 1;
        break;
      }
    }
    ++i;
  }
  if (i != segments.size()) return false;
  params = std::move(bound);
  return true;
}

const Router::Route* Router::find(std::string_view method, const std::vector<std::string>& segments,
                                  Params& params) const {
  for (const Route& route : routes_) {
    if (route.method == method && match(route, segments, params)) return &route;
  }
  return nullptr;
}

std::string Router::allowed_methods(const std::vector<std::string>& segments) const {
  std::set<std::string> methods;
  Params ignored;
  for (const Route& route : routes_) {
    if (match(route, segments, ignored)) methods.insert(route.method);
  }
  if (methods.contains("GET")) methods.insert("HEAD");
  std::string allow;
  for (const std::string& method : methods) allow += (allow.empty() ? "" : ", ") + method;
  return allow;
}

Response Router::handle(Context& context) const {
  const auto segments = decode_segments(context.request.path);
  if (!segments) return Response::error(status::bad_request, segments.error().message);
  const std::string& method = context.request.method;
  const Route* route = find(method, *segments, context.params);
  if (!route && method == "HEAD") route = find("GET", *segments, context.params);
  if (route) return route->handler(context);
  const std::string allow = allowed_methods(*segments);
  if (allow.empty()) return Response::error(status::not_found);
  Response response = Response::error(status::method_not_allowed);
  response.headers.set("Allow", allow);
  return response;
}

}  // namespace sw::http
