// Console: the administrators' web console and JSON API (N6.3, N6.4, N7.4, N8.1, N8.4).
//
// Server-rendered HTML (mustache, escaping on), Chinese by default with English selectable
// (?lang=en, remembered in a cookie), a strict Content-Security-Policy (no inline script or style),
// a CSRF token on every form, and security headers on every response. Every action checks a
// permission through identity's one authorize() and leaves an audit event (the identity service
// audits account, role and login actions; the console audits what it adds: audit-log reads and
// exports, and refused requests).
//
// Pages: /login, /login/second-factor, /account, /account/totp, /account/password, /users,
// /roles, /orgs, /sites, /sites/{id}, /filings, /audit, /sites/{id}/waf, /monitor, /sites/{id}/monitor. API: /api/v1/... (docs/modules/console.md), the same checks, JSON in and
// out, authenticated by the session cookie (+ X-CSRF-Token header) or `Authorization: Bearer`.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "base/crypto.h"
#include "console/i18n.h"
#include "http/filter.h"
#include "identity/identity.h"
#include "waf/waf.h"

namespace sw::http {
class Router;
}
namespace sw::registry {
class Registry;
}
namespace sw::content {
class ContentService;
class InteractionService;
}
namespace sw::publish {
class Publisher;
}
namespace sw::waf {
class SiteSettingsStore;
}
namespace sw::monitor {
class MonitorService;
}

namespace sw::console {

struct ConsoleOptions {
  Language default_language = Language::zh_cn;
  // Cookies carry Secure unless the console is plain HTTP on loopback during development
  // (browsers treat http://127.0.0.1 as a secure context, so Secure cookies still work there).
  bool secure_cookies = true;
  bool hsts = false;  // true when served over TLS
  std::vector<crypto::PublicKey> audit_trusted_keys;  // for the audit page's chain check
};

class Console {
 public:
  Console(identity::IdentityService& identity, audit::AuditLog& audit, ConsoleOptions options);
  // With the site register (organisations, sites, domains, ICP filings, opening review: the
  // /orgs, /sites, /filings pages and /api/v1/orgs|sites endpoints). Without it those pages and
  // endpoints answer 503 (console.registry_unavailable). `registry` must outlive the console.
  Console(identity::IdentityService& identity, audit::AuditLog& audit, registry::Registry& registry,
          ConsoleOptions options);
  // With every service the console fronts; a null service makes its pages and endpoints answer 503.
  // content: columns, articles, attachments and the review workflow (/articles, /review pages and
  // /api/v1/sites/{id}/columns|articles, /api/v1/articles/... endpoints). Services must outlive the console.
  struct Services {
    registry::Registry* registry = nullptr;
    content::ContentService* content = nullptr;
    // interaction: the moderation queue of public messages and forum posts (/interaction).
    content::InteractionService* interaction = nullptr;
    // publisher: /sites/{id}/releases (publish, rollback), and the incremental publish after a content
    // action that changes what a site shows (console/publish_pages.inc).
    publish::Publisher* publisher = nullptr;
    // waf_settings: /sites/{id}/waf (issue 6) — the sites' WAF settings; the console serialises its
    // calls (give it a store on a connection of its own). waf_defaults: the [waf] defaults shown for a
    // site without its own settings. waf_event_log: the JSON event log the guard writes ("": none).
    waf::SiteSettingsStore* waf_settings = nullptr;
    waf::SiteSettings waf_defaults;
    std::filesystem::path waf_event_log;
    // monitor: /monitor and /sites/{id}/monitor (issue 7) — findings, incidents, availability, dead
    // links and their history, the link allowlist.
    monitor::MonitorService* monitor = nullptr;
  };
  Console(identity::IdentityService& identity, audit::AuditLog& audit, Services services, ConsoleOptions options);

  // Registers every page, asset and API route.
  void install(http::Router& router);
  // The filter adding security headers (CSP, frame-ancestors, nosniff, referrer, cache) to every
  // response; register it first so it sees all responses.
  std::shared_ptr<http::Filter> security_headers_filter() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// The names of the cookies the console sets.
inline constexpr std::string_view kSessionCookie = "sw_session";
inline constexpr std::string_view kLoginCsrfCookie = "sw_login_csrf";
inline constexpr std::string_view kLanguageCookie = "sw_lang";

// The Content-Security-Policy of every console response.
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; connect-src 'self'";

}  // namespace sw::console
