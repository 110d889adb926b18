// registrable_domain.h with libpsl: one context for the process, loaded once.
#include "monitor/registrable_domain.h"

#include <libpsl.h>

#include <algorithm>
#include <cctype>

namespace sw::monitor {
namespace {

const psl_ctx_t* suffix_list() {
  // psl_latest(nullptr): the installed list when it is newer than the built-in one; never freed (the
  // process keeps it to the end). psl_builtin() when the installed file cannot be read.
  static const psl_ctx_t* ctx = [] {
    const psl_ctx_t* c = psl_latest(nullptr);
    return c != nullptr ? c : psl_builtin();
  }();
  return ctx;
}

}  // namespace

std::string registrable_domain(std::string_view domain) {
  std::string name(domain);
  while (!name.empty() && name.back() == '.') name.pop_back();
  std::ranges::transform(name, name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (name.empty() || name.find('.') == std::string::npos) return name;
  const psl_ctx_t* ctx = suffix_list();
  if (ctx == nullptr) return name;
  const char* reg = psl_registrable_domain(ctx, name.c_str());
  // reg points into `name` (a suffix of it), or is null when the name is itself a public suffix.
  return reg != nullptr ? std::string(reg) : name;
}

}  // namespace sw::monitor
