#include "http/filter_chain.h"

#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace sw::http {
namespace {

// Records every call into a shared trace; answers `block_status` from on_request when set.
class TraceFilter final : public Filter {
 public:
  TraceFilter(std::string name, std::vector<std::string>& trace, int block_status = 0, bool refuse = false)
      : name_(std::move(name)), trace_(trace), block_status_(block_status), refuse_(refuse) {}

  std::string_view name() const override { return name_; }
  bool on_accept(std::string_view) override {
    trace_.push_back(name_ + ".accept");
    return !refuse_;
  }
  void on_close(std::string_view) override { trace_.push_back(name_ + ".close"); }
  std::optional<Response> on_request(Context&) override {
    trace_.push_back(name_ + ".request");
    if (block_status_ != 0) return Response::error(block_status_);
    return std::nullopt;
  }
  void on_response(Context&, Response& response) override {
    trace_.push_back(name_ + ".response");
    response.headers.add("X-Seen-By", name_);
  }

 private:
  std::string name_;
  std::vector<std::string>& trace_;
  int block_status_;
  bool refuse_;
};

Context empty_context() { return Context(Request{}); }

TEST(FilterChain, RequestsInOrderResponsesInReverse) {
  std::vector<std::string> trace;
  FilterChain chain;
  chain.add(std::make_shared<TraceFilter>("a", trace));
  chain.add(std::make_shared<TraceFilter>("b", trace));
  auto context = empty_context();
  const Response response = chain.handle(context, [&](Context&) {
    trace.push_back("handler");
    return Response::text("ok");
  });
  EXPECT_EQ(trace,
            (std::vector<std::string>{"a.request", "b.request", "handler", "b.response", "a.response"}));
  EXPECT_EQ(response.body, "ok");
}

TEST(FilterChain, ShortCircuitSkipsLaterFiltersAndHandler) {
  std::vector<std::string> trace;
  FilterChain chain;
  chain.add(std::make_shared<TraceFilter>("a", trace));
  chain.add(std::make_shared<TraceFilter>("waf", trace, 403));
  chain.add(std::make_shared<TraceFilter>("c", trace));
  auto context = empty_context();
  const Response response = chain.handle(context, [&](Context&) {
    trace.push_back("handler");
    return Response::text("ok");
  });
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(trace, (std::vector<std::string>{"a.request", "waf.request", "waf.response", "a.response"}));
}

TEST(FilterChain, OnResponseMayAddHeaders) {
  std::vector<std::string> trace;
  FilterChain chain;
  chain.add(std::make_shared<TraceFilter>("a", trace));
  auto context = empty_context();
  const Response response = chain.handle(context, [](Context&) { return Response::text("ok"); });
  EXPECT_EQ(response.headers.get("X-Seen-By"), "a");
}

TEST(FilterChain, FiltersShareAttributesWithTheHandler) {
  class SetsUser final : public Filter {
   public:
    std::string_view name() const override { return "auth"; }
    std::optional<Response> on_request(Context& context) override {
      context.set("user", std::string("alice"));
      return std::nullopt;
    }
  };
  FilterChain chain;
  chain.add(std::make_shared<SetsUser>());
  auto context = empty_context();
  const Response response = chain.handle(context, [](Context& c) {
    const std::string* user = c.get<std::string>("user");
    return Response::text(user != nullptr ? *user : "nobody");
  });
  EXPECT_EQ(response.body, "alice");
  EXPECT_EQ(context.get<int>("user"), nullptr);  // wrong type reads as absent
}

TEST(FilterChain, HandlerExceptionBecomes500SeenByFilters) {
  std::vector<std::string> trace;
  FilterChain chain;
  chain.add(std::make_shared<TraceFilter>("a", trace));
  auto context = empty_context();
  const Response response =
      chain.handle(context, [](Context&) -> Response { throw std::runtime_error("database is locked"); });
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body.find("database is locked"), std::string::npos);
  EXPECT_EQ(response.headers.get("X-Seen-By"), "a");
}

TEST(FilterChain, AcceptRefusalClosesOnlyEarlierFilters) {
  std::vector<std::string> trace;
  FilterChain chain;
  chain.add(std::make_shared<TraceFilter>("a", trace));
  chain.add(std::make_shared<TraceFilter>("limit", trace, 0, true));
  chain.add(std::make_shared<TraceFilter>("c", trace));
  EXPECT_FALSE(chain.accept("10.0.0.1"));
  EXPECT_EQ(trace, (std::vector<std::string>{"a.accept", "limit.accept", "a.close"}));
}

TEST(FilterChain, AcceptAndCloseVisitEveryFilter) {
  std::vector<std::string> trace;
  FilterChain chain;
  chain.add(std::make_shared<TraceFilter>("a", trace));
  chain.add(std::make_shared<TraceFilter>("b", trace));
  EXPECT_TRUE(chain.accept("10.0.0.1"));
  chain.close("10.0.0.1");
  EXPECT_EQ(trace, (std::vector<std::string>{"a.accept", "b.accept", "a.close", "b.close"}));
}

}  // namespace
}  // namespace sw::http
