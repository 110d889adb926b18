// FilterChain: runs registered Filters around a terminal handler in the order filter.h states.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "http/context.h"
#include "http/filter.h"

namespace sw::http {

class FilterChain {
 public:
  // Appends `filter`; not thread-safe, call before the chain is used.
  void add(std::shared_ptr<Filter> filter);

  // Runs on_accept in order. If a filter refuses, on_close runs for those that had accepted
  // and the result is false.
  bool accept(std::string_view client_ip) const;

  // Runs on_close on every filter, for a connection that accept() admitted.
  void close(std::string_view client_ip) const;

  // Runs on_request in order until a filter answers, otherwise `terminal`; then on_response in
  // reverse over the filters whose on_request ran. An exception from a filter or the handler
  // yields a 500 (logged as "http.handler_failed"), which the earlier filters still see.
  Response handle(Context& context, const Handler& terminal) const;

  std::size_t size() const { return filters_.size(); }

 private:
  std::vector<std::shared_ptr<Filter>> filters_;
};

}  // namespace sw::http
