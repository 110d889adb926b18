// Helpers shared by the registry's service tests (service_test.cc, details_test.cc): actors, a
// principal holding one grant, and complete site fields.
#pragma once

#include <string>
#include <vector>

#include "registry/registry.h"

namespace sw::registry::testing {

// The machine operator (allowed everything) and a user acting from a client address.
inline Actor cli() { return Actor{Principal::system("tester"), "127.0.0.1", "req-cli"}; }
inline Actor as(const Principal& p) { return Actor{p, "192.0.2.10", "req-1"}; }

// A user `name` (id `id`) holding exactly one grant: `role` over `scope`.
inline Principal with_role(std::int64_t id, const std::string& name, identity::Role role, identity::Scope scope) {
  identity::Grant g;
  g.id = id;
  g.user_id = id;
  g.role = role;
  g.scope = scope;
  g.granted_by = "cli:tester";
  return Principal::user(id, name, {g});
}

// Every field of an application filled in validly (platform hosting), with `domains`.
inline SiteFields site_fields(const std::string& name, std::vector<std::string> domains = {}) {
  SiteFields f;
  f.name = name;
  f.sponsor = name + "主办单位";
  f.address = "南京市玄武区北京东路";
  f.postcode = "210008";
  f.phone = "025-83201234";
  f.hotline_12351 = "12351";
  f.domains = std::move(domains);
  return f;
}

}  // namespace sw::registry::testing
