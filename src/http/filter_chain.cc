#include "http/filter_chain.h"

#include <exception>
#include <optional>
#include <utility>

#include "base/log.h"

namespace sw::http {
namespace {

Response internal_error(const Context& context, std::string_view what) {
  sw::log::error("http.handler_failed", {{"request_id", context.request.request_id},
                                         {"path", context.request.path},
                                         {"error", std::string(what)}});
  return Response::error(status::internal_server_error);
}

}  // namespace

void FilterChain::add(std::shared_ptr<Filter> filter) { filters_.push_back(std::move(filter)); }

bool FilterChain::accept(std::string_view client_ip) const {
  for (std::size_t i = 0; i < filters_.size(); ++i) {
    if (filters_[i]->on_accept(client_ip)) continue;
    for (std::size_t j = i; j-- > 0;) filters_[j]->on_close(client_ip);
    return false;
  }
  return true;
}

void FilterChain::close(std::string_view client_ip) const {
  for (const auto& filter : filters_) filter->on_close(client_ip);
}

Response FilterChain::handle(Context& context, const Handler& terminal) const {
  std::optional<Response> response;
  std::size_t ran = 0;
  try {
    while (ran < filters_.size() && !response) response = filters_[ran++]->on_request(context);
    if (!response) response = terminal(context);
  } catch (const std::exception& e) {
    response = internal_error(context, e.what());
  } catch (...) {
    response = internal_error(context, "unknown exception");
  }
  try {
    while (ran > 0) filters_[--ran]->on_response(context, *response);
  } catch (const std::exception& e) {
    response = internal_error(context, e.what());
  } catch (...) {
    response = internal_error(context, "unknown exception");
  }
  return *std::move(response);
}

}  // namespace sw::http
