#include "http/router.h"

#include <gtest/gtest.h>

namespace sw::http {
namespace {

Context context_for(std::string method, std::string path) {
  Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  return Context(std::move(request));
}

Handler answer(std::string text) {
  return [text](Context&) { return Response::text(text); };
}

Handler echo_param(std::string name) {
  return [name](Context& context) { return Response::text(std::string(context.param(name))); };
}

TEST(Router, RoutesLiteralPath) {
  Router router;
  ASSERT_TRUE(router.add("GET", "/users", answer("list")));
  auto context = context_for("GET", "/users");
  EXPECT_EQ(router.handle(context).body, "list");
}

TEST(Router, RootPatternMatchesOnlyRoot) {
  Router router;
  ASSERT_TRUE(router.add("GET", "/", answer("home")));
  auto root = context_for("GET", "/");
  auto other = context_for("GET", "/x");
  EXPECT_EQ(router.handle(root).body, "home");
  EXPECT_EQ(router.handle(other).status, 404);
}

TEST(Router, BindsDecodedParameter) {
  Router router;
  ASSERT_TRUE(router.add("GET", "/users/{id}/roles", echo_param("id")));
  auto context = context_for("GET", "/users/li%20lei/roles");
  EXPECT_EQ(router.handle(context).body, "li lei");
  EXPECT_EQ(context.params.at("id"), "li lei");
}

TEST(Router, EncodedSlashStaysInsideOneParameter) {
  Router router;
  ASSERT_TRUE(router.add("GET", "/files/{name}", echo_param("name")));
  auto context = context_for("GET", "/files/a%2Fb");
  EXPECT_EQ(router.handle(context).body, "a/b");
}

TEST(Router, ParameterDoesNotMatchEmptySegment) {
  Router router;
  ASSERT_TRUE(router.add("GET", "/users/{id}", echo_param("id")));
  auto context = context_for("GET", "/users/");
  EXPECT_EQ(router.handle(context).status, 404);
}

TEST(Router, RestParameterTakesRemainingSegments) {
  Router router;
  ASSERT_TRUE(router.add("GET", "/static/{file...}", echo_param("file")));
  auto context = context_for("GET", "/static/css/site.css");
  EXPECT_EQ(router.handle(context).body, "css/site.css");
}

TEST(Router, UnknownPathIsNotFound) {
  Router router;
  ASSERT_TRUE(router.add("GET", "/users", answer("list")));
  auto context = context_for("GET", "/groups");
  EXPECT_EQ(router.handle(context).status, 404);
}

TEST(Router, KnownPathWithOtherMethodIsMethodNotAllowedWithAllow) {
  Router router;
  ASSERT_TRUE(router.add("GET", "/users", answer("list")));
  ASSERT_TRUE(router.add("POST", "/users", answer("made")));
  auto context = context_for("DELETE", "/users");
  const Response response = router.handle(context);
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.headers.get("Allow"), "GET, HEAD, POST");
}

TEST(Router, HeadFallsBackToGet) {
  Router router;
  ASSERT_TRUE(router.add("GET", "/users", answer("list")));
  auto context = context_for("HEAD", "/users");
  EXPECT_EQ(router.handle(context).body, "list");
}

TEST(Router, MethodsAreCaseSensitive) {
  Router router;
  ASSERT_TRUE(router.add("GET", "/users", answer("list")));
  auto context = context_for("get", "/users");
  EXPECT_EQ(router.handle(context).status, 405);
}

TEST(Router, DotSegmentsAreBadRequests) {
  Router router;
  ASSERT_TRUE(router.add("GET", "/static/{file...}", echo_param("file")));
  auto plain = context_for("GET", "/static/../secret");
  auto encoded = context_for("GET", "/static/%2e%2e/secret");
  EXPECT_EQ(router.handle(plain).status, 400);
  EXPECT_EQ(router.handle(encoded).status, 400);
}

TEST(Router, BadEscapeInPathIsBadRequest) {
  Router router;
  ASSERT_TRUE(router.add("GET", "/users/{id}", echo_param("id")));
  auto context = context_for("GET", "/users/%zz");
  EXPECT_EQ(router.handle(context).status, 400);
}

TEST(Router, FirstAddedRouteWins) {
  Router router;
  ASSERT_TRUE(router.add("GET", "/users/me", answer("me")));
  ASSERT_TRUE(router.add("GET", "/users/{id}", echo_param("id")));
  auto context = context_for("GET", "/users/me");
  EXPECT_EQ(router.handle(context).body, "me");
}

TEST(Router, RejectsMalformedPatterns) {
  Router router;
  for (const char* pattern :
       {"users", "/users/{id", "/users/{}", "/a/{x}/{x}", "/a/{rest...}/b", "/a/b{c}", "/a/{bad-name}"}) {
    const Status added = router.add("GET", pattern, answer("x"));
    ASSERT_FALSE(added.has_value()) << pattern;
    EXPECT_EQ(added.error().code, "http.bad_route");
  }
}

TEST(Router, RejectsDuplicateRoute) {
  Router router;
  ASSERT_TRUE(router.add("GET", "/users", answer("a")));
  EXPECT_FALSE(router.add("GET", "/users", answer("b")).has_value());
  EXPECT_TRUE(router.add("POST", "/users", answer("c")).has_value());
}

}  // namespace
}  // namespace sw::http
