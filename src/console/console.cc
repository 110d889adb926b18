#include "console/console.h"

#include <algorithm>
#include <map>
#include <set>

#include "base/log.h"
#include "console/request_state.h"
#include "console/view.h"
#include "http/router.h"
#include "content/articles.h"
#include "content/attachments.h"
#include "content/interaction.h"
#include "http/multipart.h"
#include "publish/publisher.h"
#include "registry/registry.h"
#include "console/waf_event_log.h"
#include "monitor/monitor_service.h"
#include "waf/site_settings_store.h"

#include <mutex>
#include <variant>

namespace sw::console {

using identity::Permission;
using identity::SessionStage;
using nlohmann::json;

// ----- RequestState helpers ----------------------------------------------------------------------

std::string RequestState::field(std::string_view name) const {
  const std::string* v = http::find_form_value(form, name);
  return v ? *v : std::string{};
}

std::string RequestState::query_param(std::string_view name) const {
  const std::string* v = http::find_form_value(query, name);
  return v ? *v : std::string{};
}

identity::Actor RequestState::actor() const {
  identity::Actor a;
  if (session) a.principal = session->principal;
  a.client_ip = ctx.request.client_ip;
  a.request_id = ctx.request.request_id;
  return a;
}

#include "console/registry_errors.inc"
#include "console/content_errors.inc"

std::string message_key_for(const Error& e) {
  static const std::vector<std::pair<std::string_view, std::string_view>> kKeys = {
      {"identity.bad_credentials", "err_bad_credentials"},
      {"identity.locked", "err_locked"},
      {"identity.disabled", "err_locked"},
      {"identity.bad_code", "err_bad_totp"},
      {"identity.code_replayed", "err_bad_totp"},
      {"identity.forbidden", "err_forbidden"},
      {"identity.separation_of_duties", "err_separation_of_duties"},
      {"identity.self_grant", "err_self_grant"},
      {"identity.password_too_short", "err_password_too_short"},
      {"identity.password_weak", "err_password_weak"},
      {"identity.password_contains_name", "err_password_weak"},
      {"identity.password_reused", "err_password_reused"},
      {"identity.session_expired", "err_session_expired"},
      {"identity.session_invalid", "err_session_expired"},
      {"identity.csrf_mismatch", "err_csrf"},
      {"identity.bad_fingerprint", "err_bad_fingerprint"},
      {"console.csrf", "err_csrf"},
      {"console.password_mismatch", "err_password_mismatch"},
  };
  for (const auto* table : {&kKeys, &kRegistryKeys, &kContentKeys}) {
    for (const auto& [code, key] : *table) {
      if (e.code == code) return std::string(key);
    }
  }
  return {};
}

std::string message_for(const RequestState& s, const Error& e) {
  const std::string key = message_key_for(e);
  if (key == "err_locked") return s.t(key) + " " + e.message;
  // Registry errors name the field, rule or state; the catalogue text leads, the detail follows.
  if (!key.empty() && (e.code.starts_with("registry.") || e.code.starts_with("content.")) && key != "err_not_found") {
    return s.t(key) + " " + e.message;
  }
  if (key.empty() && e.code.starts_with("registry.invalid_")) return s.t("err_invalid_field") + " " + e.message;
  if (!key.empty()) return s.t(key);
  return s.t("err_bad_input") + e.message;
}

int status_for(const Error& e) {
  if (e.code == "identity.forbidden" || e.code == "console.csrf" || e.code == "identity.csrf_mismatch") {
    return http::status::forbidden;
  }
  if (e.code == "identity.bad_credentials" || e.code.starts_with("identity.session")) {
    return http::status::unauthorized;
  }
  if (e.code == "identity.locked" || e.code == "identity.disabled") return 423;
  if (e.code == "identity.not_found" || e.code == "identity.unknown_org" || e.code == "identity.unknown_site") {
    return http::status::not_found;
  }
  if (auto st = registry_status_for(e)) return *st;
  if (auto st = content_status_for(e)) return *st;
  if (e.code.starts_with("identity.") || e.code.starts_with("console.") || e.code.starts_with("audit.")) {
    return http::status::bad_request;
  }
  return http::status::internal_server_error;
}

// ----- the console ---------------------------------------------------------------------------------

namespace {

constexpr std::int64_t kAuditPageSize = 50;
constexpr std::size_t kMaxFieldBytes = 4096;
constexpr std::size_t kMaxBodyFieldBytes = 1024 * 1024;

class SecurityHeaders final : public http::Filter {
 public:
  explicit SecurityHeaders(bool hsts) : hsts_(hsts) {}
  std::string_view name() const override { return "console_security_headers"; }
  void on_response(http::Context&, http::Response& r) override {
    r.headers.set("Content-Security-Policy", std::string(kContentSecurityPolicy));
    r.headers.set("X-Content-Type-Options", "nosniff");
    r.headers.set("X-Frame-Options", "DENY");
    r.headers.set("Referrer-Policy", "no-referrer");
    r.headers.set("Cross-Origin-Opener-Policy", "same-origin");
    r.headers.set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    if (!r.headers.contains("Cache-Control")) r.headers.set("Cache-Control", "no-store");
    if (hsts_) r.headers.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  }

 private:
  bool hsts_;
};

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semi = header.find(';');
    std::string_view part = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    const auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
  }
  return std::nullopt;
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// A record id from a form field or path: 1 to 18 decimal digits, nothing else.
std::optional<std::int64_t> parse_id(std::string_view text) {
  constexpr std::size_t kMaxDigits = 18;
  if (text.empty() || text.size() > kMaxDigits) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  return std::stoll(std::string(text));
}

// Times for people follow Chinese convention: Beijing time (UTC+8, no daylight saving),
// "2026-11-26 13:05:09". Stored and API times stay RFC 3339 UTC.
std::string beijing_time(TimePoint t) {
  const std::string utc8 = format_rfc3339(t + std::chrono::hours(8));
  return utc8.substr(0, 10) + " " + utc8.substr(11, 8);
}

}  // namespace

struct Console::Impl {
  identity::IdentityService& id;
  audit::AuditLog& audit;
  ConsoleOptions opt;
  registry::Registry* reg = nullptr;  // the site register; nullptr: its pages and endpoints answer 503
  content::ContentService* content = nullptr;  // articles and review; nullptr: their pages and endpoints answer 503
  content::InteractionService* interaction = nullptr;  // message moderation; nullptr: /interaction answers 503
  publish::Publisher* publisher = nullptr;  // releases; nullptr: /sites/{id}/releases answers 503
  struct WafPages {
    waf::SiteSettingsStore* settings = nullptr;  // nullptr: /sites/{id}/waf answers 503
    waf::SiteSettings defaults;
    std::filesystem::path event_log;
    std::shared_ptr<std::mutex> mu = std::make_shared<std::mutex>();  // the store is used by one thread at a time
  } waf_svc;
  monitor::MonitorService* monitors = nullptr;  // nullptr: /monitor, /sites/{id}/monitor answer 503

  // --- per-request state ---------------------------------------------------------------------
  Result<RequestState> begin(http::Context& ctx) {
    RequestState s{ctx};
    SW_TRY(query, http::parse_form(ctx.request.query));
    s.query = std::move(query);
    if (ctx.request.method == "POST") {
      const auto type = ctx.request.headers.get("Content-Type").value_or("");
      if (type.starts_with("application/x-www-form-urlencoded")) {
        SW_TRY(form, http::parse_form(ctx.request.body));
        s.form = std::move(form);
      }
    } else {
      s.form = s.query;
    }
    for (const auto& [name, value] : s.form) {
      // An article's body is the one long field (the content service limits it: content.too_large).
      const std::size_t limit = name == "body_html" ? kMaxBodyFieldBytes : kMaxFieldBytes;
      if (value.size() > limit) return fail("console.bad_form", "field '" + name + "' is too long");
    }
    const auto cookies = ctx.request.headers.get("Cookie").value_or("");
    const std::string lang_q = s.query_param("lang");
    s.language_from_query = !lang_q.empty();
    s.lang = parse_language(
        !lang_q.empty() ? lang_q : cookie_value(cookies, kLanguageCookie).value_or(""), opt.default_language);
    if (auto auth = ctx.request.headers.get("Authorization"); auth && auth->starts_with("Bearer ")) {
      s.session_id = std::string(auth->substr(7));
      s.bearer = true;
    } else if (auto c = cookie_value(cookies, kSessionCookie)) {
      s.session_id = *c;
    }
    if (!s.session_id.empty()) {
      auto session = id.authenticate(s.session_id);
      if (session) {
        s.session = std::move(*session);
      } else {
        s.session_error = session.error();
      }
    }
    return s;
  }

  std::string cookie(std::string_view name, std::string_view value, std::string_view path = "/",
                     bool expire = false) const {
    std::string c = std::string(name) + "=" + std::string(value) + "; Path=" + std::string(path) +
                    "; HttpOnly; SameSite=Strict";
    if (opt.secure_cookies) c += "; Secure";
    if (expire) c += "; Max-Age=0";
    return c;
  }

  void finish(RequestState& s, http::Response& r) const {
    if (s.language_from_query) {
      r.headers.add("Set-Cookie", std::string(kLanguageCookie) + "=" + std::string(to_string(s.lang)) +
                                      "; Path=/; SameSite=Strict; Max-Age=31536000" +
                                      (opt.secure_cookies ? "; Secure" : ""));
    }
  }

  // --- page rendering --------------------------------------------------------------------------
  json nav_of(const identity::Principal& p) const {
    auto any = [&](Permission perm) {
      return std::any_of(p.grants.begin(), p.grants.end(),
                         [&](const identity::Grant& g) { return identity::role_has(g.role, perm); });
    };
    return {{"users", any(Permission::user_read)},
            {"roles", any(Permission::role_read)},
            {"certs", any(Permission::cert_register)},
            {"orgs", any(Permission::org_read)},
            {"registry", reg != nullptr && any(Permission::org_read)},
            {"dashboard", reg != nullptr && any(Permission::org_read)},
            {"articles", content != nullptr && (any(Permission::content_edit) || any(Permission::site_operate))},
            {"review", content != nullptr && (any(Permission::content_review) || any(Permission::secrecy_review))},
            {"interaction", interaction != nullptr && (any(Permission::content_review) || any(Permission::content_edit))},
            {"upward", content != nullptr && (any(Permission::content_review) || any(Permission::audit_read))},
            {"monitor", monitors != nullptr && any(Permission::monitor_read)},
            {"audit", any(Permission::audit_read)}};
  }

  http::Response page(RequestState& s, std::string_view tmpl, json data, std::string_view title_key,
                      int status = http::status::ok, std::string error = {}) {
    json p = {{"title", s.t(title_key)}};
    if (s.session) {
      p["csrf"] = s.session->csrf_token;
      if (s.session->stage == SessionStage::full) {
        p["user"] = {{"username", s.session->username}, {"real_name", real_name_of(s)}};
        p["nav"] = nav_of(s.session->principal);
      }
    }
    if (const std::string msg = s.query_param("msg"); !msg.empty() && msg.starts_with("msg_")) {
      const std::string notice = s.t(msg);
      if (notice != msg) p["notice"] = notice;
    }
    if (!error.empty()) p["error"] = error;
    http::Response r = http::Response::html(render_page(tmpl, data, p, s.lang), status);
    finish(s, r);
    return r;
  }

  std::string real_name_of(RequestState& s) {
    auto u = id.get_user(s.session->principal, s.session->user_id);
    return u ? u->real_name : std::string{};
  }

  http::Response message_page(RequestState& s, int status, std::string text) {
    return page(s, "message", {{"heading", s.t("err_title")}, {"text", std::move(text)}}, "err_title", status);
  }

  http::Response redirect(RequestState& s, std::string location) {
    http::Response r = http::Response::redirect(location);
    finish(s, r);
    return r;
  }

  static std::string stage_location(SessionStage stage) {
    switch (stage) {
      case SessionStage::second_factor_required: return "/login/second-factor";
      case SessionStage::enrolment_required: return "/account/totp";
      case SessionStage::password_change_required: return "/account/password";
      case SessionStage::full: return "/";
    }
    return "/login";
  }

  http::Response logged_in(RequestState& s, const identity::LoginStep& step, std::string location = {}) {
    http::Response r = redirect(s, location.empty() ? stage_location(step.session.stage) : location);
    r.headers.add("Set-Cookie", cookie(kSessionCookie, step.session_id));
    return r;
  }

  // Pages that need a full session: a redirect to where the session must go first, or nothing.
  std::optional<http::Response> require_full(RequestState& s) {
    if (!s.session) {
      std::string to = "/login";
      if (s.session_error) to += "?msg=err_session";
      return redirect(s, to);
    }
    if (s.session->stage != SessionStage::full) return redirect(s, stage_location(s.session->stage));
    return std::nullopt;
  }

  std::optional<http::Response> require_stage(RequestState& s, std::initializer_list<SessionStage> stages) {
    if (!s.session) return redirect(s, "/login");
    for (auto st : stages) {
      if (s.session->stage == st) return std::nullopt;
    }
    return redirect(s, stage_location(s.session->stage));
  }

  Status check_post_csrf(const RequestState& s) {
    if (!s.session) return fail("console.csrf", "no session");
    const std::string token = s.bearer ? s.session->csrf_token
                              : s.request().headers.get("X-CSRF-Token")
                                  ? std::string(*s.request().headers.get("X-CSRF-Token"))
                                  : s.field("csrf");
    return identity::check_csrf(*s.session, token);
  }

  void audit_denied(const RequestState& s, std::string action, const Error& e) {
    audit::Event ev;
    ev.actor = s.session ? s.session->username : "anonymous";
    ev.action = std::move(action);
    ev.object = s.request().path;
    ev.outcome = audit::Outcome::denied;
    ev.client_ip = s.request().client_ip;
    ev.request_id = s.request().request_id;
    ev.details = {{"reason", e.code}};
    if (auto r = audit.append(std::move(ev)); !r) log::error("console.audit_failed", {{"error", r.error().code}});
  }

  // --- routes ----------------------------------------------------------------------------------
  using PageFn = http::Response (Impl::*)(RequestState&);

  http::Handler wrap(PageFn fn, bool post) {
    return [this, fn, post](http::Context& ctx) -> http::Response {
      auto state = begin(ctx);
      if (!state) {
        RequestState fallback{ctx};
        fallback.lang = opt.default_language;
        return message_page(fallback, http::status::bad_request, message_for(fallback, state.error()));
      }
      RequestState& s = *state;
      if (post && s.session && ctx.request.path != "/login") {
        if (auto c = check_post_csrf(s); !c) {
          audit_denied(s, "console.csrf", c.error());
          return message_page(s, http::status::forbidden, s.t("err_csrf"));
        }
      }
      return (this->*fn)(s);
    };
  }

  // GET /login
  http::Response login_form(RequestState& s) {
    if (s.session && s.session->stage == SessionStage::full) return redirect(s, "/");
    return login_page(s, http::status::ok, {}, {});
  }

  http::Response login_page(RequestState& s, int status, std::string error, std::string username) {
    const std::string token = crypto::to_hex(crypto::random_bytes(16));
    if (s.query_param("msg") == "err_session" && error.empty()) error = s.t("err_session_expired");
    http::Response r = page(s, "login", {{"csrf", token}, {"username", username}}, "login_title", status, error);
    r.headers.add("Set-Cookie", cookie(kLoginCsrfCookie, token, "/login"));
    return r;
  }

  // POST /login. Before login there is no session to hold a CSRF token: the form carries a random
  // token that must equal the one in a SameSite=Strict cookie (double submit).
  http::Response login_submit(RequestState& s) {
    const auto cookies = s.request().headers.get("Cookie").value_or("");
    const auto expected = cookie_value(cookies, kLoginCsrfCookie);
    if (!expected || expected->empty() || !crypto::equal_constant_time(*expected, s.field("csrf"))) {
      audit_denied(s, "console.csrf", Error{"console.csrf", "login form without a matching token"});
      return login_page(s, http::status::forbidden, s.t("err_csrf"), s.field("username"));
    }
    identity::LoginRequest req{s.field("username"), s.field("password"), s.request().client_ip,
                               s.request().request_id, std::nullopt};
    if (s.request().client_certificate) req.client_certificate_fingerprint = s.request().client_certificate->sha256_fingerprint;
    auto step = id.login_password(req);
    if (!step) return login_page(s, status_for(step.error()), message_for(s, step.error()), req.username);
    if (!s.session_id.empty()) (void)id.logout(s.session_id, s.request_context());
    http::Response r = logged_in(s, *step);
    r.headers.add("Set-Cookie", cookie(kLoginCsrfCookie, "", "/login", true));
    return r;
  }

  // GET/POST /login/second-factor
  http::Response second_factor_form(RequestState& s) {
    if (auto r = require_stage(s, {SessionStage::second_factor_required})) return *r;
    return page(s, "second_factor", json::object(), "second_factor_title");
  }
  http::Response second_factor_submit(RequestState& s) {
    if (auto r = require_stage(s, {SessionStage::second_factor_required})) return *r;
    auto step = id.verify_totp(s.session_id, s.field("code"), s.request_context());
    if (!step) {
      return page(s, "second_factor", json::object(), "second_factor_title", status_for(step.error()),
                  message_for(s, step.error()));
    }
    return logged_in(s, *step);
  }

  // GET/POST /account/totp
  http::Response enrol_form(RequestState& s) {
    if (auto r = require_stage(s, {SessionStage::enrolment_required, SessionStage::full})) return *r;
    auto enrol = id.begin_totp_enrolment(s.session_id, s.request_context());
    if (!enrol) return message_page(s, status_for(enrol.error()), message_for(s, enrol.error()));
    return page(s, "enrol_totp", {{"secret", enrol->secret_base32}, {"uri", enrol->otpauth_uri}}, "enrol_title");
  }
  http::Response enrol_submit(RequestState& s) {
    if (auto r = require_stage(s, {SessionStage::enrolment_required, SessionStage::full})) return *r;
    auto step = id.confirm_totp_enrolment(s.session_id, s.field("code"), s.request_context());
    if (!step) {
      auto enrol = id.begin_totp_enrolment(s.session_id, s.request_context());
      json data = enrol ? json{{"secret", enrol->secret_base32}, {"uri", enrol->otpauth_uri}} : json::object();
      return page(s, "enrol_totp", data, "enrol_title", status_for(step.error()), message_for(s, step.error()));
    }
    const bool was_full = s.session->stage == SessionStage::full;
    return logged_in(s, *step, was_full || step->session.stage == SessionStage::full
                                   ? stage_location(step->session.stage) + "?msg=msg_totp_enabled"
                                   : std::string{});
  }

  // GET/POST /account/password
  http::Response password_form(RequestState& s) {
    if (auto r = require_stage(s, {SessionStage::password_change_required, SessionStage::full})) return *r;
    json data = json::object();
    if (s.session->stage == SessionStage::password_change_required) data["reason"] = s.t("password_first_login_notice");
    return page(s, "change_password", data, "password_change_title");
  }
  http::Response password_submit(RequestState& s) {
    if (auto r = require_stage(s, {SessionStage::password_change_required, SessionStage::full})) return *r;
    if (s.field("new") != s.field("confirm")) {
      return page(s, "change_password", json::object(), "password_change_title", http::status::bad_request,
                  s.t("err_password_mismatch"));
    }
    auto step = id.change_password(s.session_id, s.field("current"), s.field("new"), s.request_context());
    if (!step) {
      return page(s, "change_password", json::object(), "password_change_title", status_for(step.error()),
                  message_for(s, step.error()));
    }
    return logged_in(s, *step, step->session.stage == SessionStage::full ? "/?msg=msg_password_changed" : "");
  }

  // POST /logout
  http::Response logout(RequestState& s) {
    if (!s.session_id.empty()) (void)id.logout(s.session_id, s.request_context());
    http::Response r = redirect(s, "/login");
    r.headers.add("Set-Cookie", cookie(kSessionCookie, "", "/", true));
    return r;
  }

  // GET /
  http::Response home(RequestState& s) {
    if (auto r = require_full(s)) return *r;
    return page(s, "home", json::object(), "home_title");
  }

  // GET /account, POST /account/logout-all
  http::Response account(RequestState& s) {
    if (auto r = require_full(s)) return *r;
    auto user = id.get_user(s.session->principal, s.session->user_id);
    if (!user) return message_page(s, status_for(user.error()), message_for(s, user.error()));
    json grants = json::array();
    for (const auto& g : s.session->principal.grants) grants.push_back(grant_json(s, g, {}));
    json data = {{"username", user->username}, {"real_name", user->real_name}, {"phone", user->phone},
                 {"email", user->email}, {"org_name", org_name(s, user->org_id)}, {"grants", grants},
                 {"totp_enabled", user->totp_enabled}};
    return page(s, "account", data, "account_title");
  }
  http::Response logout_all(RequestState& s) {
    if (auto r = require_full(s)) return *r;
    (void)id.logout_everywhere(s.actor(), s.session->user_id);
    http::Response r = redirect(s, "/login");
    r.headers.add("Set-Cookie", cookie(kSessionCookie, "", "/", true));
    return r;
  }

  // --- organisations -----------------------------------------------------------------------------
  std::vector<identity::Organisation> visible_orgs(RequestState& s) {
    auto orgs = id.list_organisations(s.session->principal);
    return orgs ? *orgs : std::vector<identity::Organisation>{};
  }

  std::string org_name(RequestState& s, std::int64_t org_id) {
    for (const auto& o : visible_orgs(s)) {
      if (o.id == org_id) return o.name;
    }
    return "#" + std::to_string(org_id);
  }

  // Organisations whose parent the principal cannot see: the tops of what it may read.
  static std::vector<std::int64_t> tops(const std::vector<identity::Organisation>& orgs) {
    std::set<std::int64_t> ids;
    for (const auto& o : orgs) ids.insert(o.id);
    std::vector<std::int64_t> out;
    for (const auto& o : orgs) {
      if (!o.parent_id || !ids.contains(*o.parent_id)) out.push_back(o.id);
    }
    return out;
  }

  // GET /orgs: the tree, depth-first, indented (with the registry: registry_pages.inc).
  http::Response orgs(RequestState& s) {
    if (auto r = require_full(s)) return *r;
    if (reg) return org_tree_page(s, http::status::ok, {}, json::object());
    const auto all = visible_orgs(s);
    auto sites = id.list_sites(s.session->principal);
    json rows = json::array();
    std::function<void(std::int64_t, int)> walk = [&](std::int64_t org_id, int depth) {
      for (const auto& o : all) {
        if (o.id != org_id) continue;
        std::string site_names;
        if (sites) {
          for (const auto& site : *sites) {
            if (site.org_id == o.id) site_names += (site_names.empty() ? "" : "、") + site.name;
          }
        }
        rows.push_back({{"name", o.name}, {"depth", std::min(depth, 4)},
                        {"level_name", s.t("org_kind_" + std::string(identity::to_string(o.kind)))}, {"active", o.active},
                        {"sites", site_names}});
      }
      for (const auto& o : all) {
        if (o.parent_id && *o.parent_id == org_id) walk(o.id, depth + 1);
      }
    };
    for (auto top : tops(all)) walk(top, 0);
    return page(s, "orgs", {{"orgs", rows}}, "orgs_title");
  }

  // --- users -----------------------------------------------------------------------------------------
  std::vector<identity::User> visible_users(RequestState& s) {
    std::vector<identity::User> users;
    for (auto top : tops(visible_orgs(s))) {
      if (auto list = id.list_users(s.session->principal, top)) users.insert(users.end(), list->begin(), list->end());
    }
    std::sort(users.begin(), users.end(), [](const auto& a, const auto& b) { return a.username < b.username; });
    users.erase(std::unique(users.begin(), users.end(), [](const auto& a, const auto& b) { return a.id == b.id; }),
                users.end());
    return users;
  }

  std::string status_name(RequestState& s, const identity::User& u) {
    if (u.disabled) return s.t("status_disabled");
    if (u.locked_until && *u.locked_until > system_clock().now()) return s.t("status_locked");
    return s.t("status_active");
  }

  http::Response users(RequestState& s) { return users_page(s, http::status::ok, {}, json::object()); }

  http::Response users_page(RequestState& s, int status, std::string error, json form) {
    if (auto r = require_full(s)) return *r;
    const auto orgs = visible_orgs(s);
    const auto& p = s.session->principal;
    json rows = json::array();
    for (const auto& u : visible_users(s)) {
      const bool locked = u.locked_until && *u.locked_until > system_clock().now();
      rows.push_back({{"id", u.id}, {"username", u.username}, {"real_name", u.real_name},
                      {"org_name", org_name(s, u.org_id)}, {"phone", u.phone}, {"email", u.email},
                      {"status", status_name(s, u)}, {"locked", locked},
                      {"can_manage", id.authorize(p, Permission::user_manage, identity::Scope::org(u.org_id)).has_value()}});
    }
    json org_options = json::array();
    for (const auto& o : orgs) {
      if (id.authorize(p, Permission::user_manage, identity::Scope::org(o.id))) {
        org_options.push_back({{"id", o.id}, {"name", o.name}});
      }
    }
    if (rows.empty() && org_options.empty()) {
      audit_denied(s, "console.users", Error{"identity.forbidden", "user.read"});
      return message_page(s, http::status::forbidden, s.t("err_forbidden"));
    }
    json data = {{"users", rows}, {"orgs", org_options}, {"can_create", !org_options.empty()}, {"form", form}};
    return page(s, "users", data, "users_title", status, std::move(error));
  }

  std::optional<std::int64_t> int_field(RequestState& s, std::string_view name) { return parse_id(s.field(name)); }
  std::optional<std::int64_t> int_param(http::Context& ctx, std::string_view name) {
    return parse_id(ctx.param(name));
  }

  http::Response create_user(RequestState& s) {
    if (auto r = require_full(s)) return *r;
    identity::NewUser nu{s.field("username"), s.field("real_name"), int_field(s, "org_id").value_or(0),
                         s.field("phone"), s.field("email"), s.field("password")};
    auto user = id.create_user(s.actor(), nu);
    if (!user) {
      json form = {{"username", nu.username}, {"real_name", nu.real_name}, {"phone", nu.phone}, {"email", nu.email}};
      return users_page(s, status_for(user.error()), message_for(s, user.error()), form);
    }
    return redirect(s, "/users?msg=msg_user_created");
  }

  http::Response user_action(RequestState& s, std::string_view action) {
    if (auto r = require_full(s)) return *r;
    const auto user_id = int_param(s.ctx, "id");
    if (!user_id) return message_page(s, http::status::not_found, s.t("err_not_found"));
    Status result;
    std::string msg;
    if (action == "lock") {
      result = id.lock_user(s.actor(), *user_id, "console", std::nullopt);
      msg = "msg_user_locked";
    } else if (action == "unlock") {
      result = id.unlock_user(s.actor(), *user_id);
      msg = "msg_user_unlocked";
    } else {
      result = id.reset_password(s.actor(), *user_id, s.field("password"));
      msg = "msg_password_reset";
    }
    if (!result) return users_page(s, status_for(result.error()), message_for(s, result.error()), json::object());
    return redirect(s, "/users?msg=" + msg);
  }
  http::Response lock_user(RequestState& s) { return user_action(s, "lock"); }
  http::Response unlock_user(RequestState& s) { return user_action(s, "unlock"); }
  http::Response reset_password(RequestState& s) { return user_action(s, "reset"); }

  // --- roles -------------------------------------------------------------------------------------------
  json grant_json(RequestState& s, const identity::Grant& g, const std::string& username) {
    std::string scope_name;
    if (g.scope.kind == identity::ScopeKind::org) {
      scope_name = org_name(s, g.scope.id);
    } else {
      scope_name = s.t("site") + " " + std::to_string(g.scope.id);
      if (auto sites = id.list_sites(s.session->principal)) {
        for (const auto& site : *sites) {
          if (site.id == g.scope.id) scope_name = site.name;
        }
      }
    }
    return {{"id", g.id}, {"username", username},
            {"role_name", s.t("role_" + std::string(identity::to_string(g.role)))},
            {"scope_name", scope_name}, {"granted_by", g.granted_by},
            {"granted_at", beijing_time(g.granted_at)}};
  }

  http::Response roles(RequestState& s) { return roles_page(s, http::status::ok, {}); }

  http::Response roles_page(RequestState& s, int status, std::string error) {
    if (auto r = require_full(s)) return *r;
    const auto& p = s.session->principal;
    const auto orgs = visible_orgs(s);
    json grants = json::array();
    json users = json::array();
    for (const auto& u : visible_users(s)) {
      users.push_back({{"id", u.id}, {"username", u.username}, {"real_name", u.real_name}});
      auto list = id.list_grants(p, u.id);
      if (!list) continue;
      for (const auto& g : *list) {
        json row = grant_json(s, g, u.username);
        row["can_grant"] = id.authorize(p, Permission::role_grant, g.scope).has_value();
        grants.push_back(row);
      }
    }
    json scopes = json::array();
    for (const auto& o : orgs) {
      if (id.authorize(p, Permission::role_grant, identity::Scope::org(o.id))) {
        scopes.push_back({{"value", "org:" + std::to_string(o.id)}, {"name", o.name}});
      }
    }
    if (auto sites = id.list_sites(p)) {
      for (const auto& site : *sites) {
        if (id.authorize(p, Permission::role_grant, identity::Scope::site(site.id))) {
          scopes.push_back({{"value", "site:" + std::to_string(site.id)}, {"name", site.name}});
        }
      }
    }
    json roles = json::array();
    for (auto role : identity::kAllRoles) {
      roles.push_back({{"value", identity::to_string(role)}, {"name", s.t("role_" + std::string(identity::to_string(role)))}});
    }
    const bool can_grant = !scopes.empty();
    if (grants.empty() && !can_grant) {
      audit_denied(s, "console.roles", Error{"identity.forbidden", "role.read"});
      return message_page(s, http::status::forbidden, s.t("err_forbidden"));
    }
    json data = {{"grants", grants}, {"users", users}, {"roles", roles}, {"scopes", scopes}, {"can_grant", can_grant}};
    return page(s, "roles", data, "roles_title", status, std::move(error));
  }

  static Result<identity::Scope> parse_scope(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) return fail("console.bad_scope", "scope must be org:<id> or site:<id>");
    SW_TRY(kind, identity::parse_scope_kind(text.substr(0, colon)));
    const auto scope_id = parse_id(text.substr(colon + 1));
    if (!scope_id) return fail("console.bad_scope", "scope id must be a number");
    return identity::Scope{kind, *scope_id};
  }

  http::Response grant(RequestState& s) {
    if (auto r = require_full(s)) return *r;
    auto role = identity::parse_role(s.field("role"));
    auto scope = parse_scope(s.field("scope"));
    const auto user_id = int_field(s, "user_id");
    if (!role) return roles_page(s, http::status::bad_request, message_for(s, role.error()));
    if (!scope) return roles_page(s, http::status::bad_request, message_for(s, scope.error()));
    if (!user_id) return roles_page(s, http::status::bad_request, s.t("err_bad_input") + "user_id");
    auto g = id.grant_role(s.actor(), *user_id, *role, *scope);
    if (!g) return roles_page(s, status_for(g.error()), message_for(s, g.error()));
    return redirect(s, "/roles?msg=msg_role_granted");
  }

  http::Response revoke(RequestState& s) {
    if (auto r = require_full(s)) return *r;
    const auto grant_id = int_param(s.ctx, "id");
    if (!grant_id) return message_page(s, http::status::not_found, s.t("err_not_found"));
    if (auto r = id.revoke_role(s.actor(), *grant_id); !r) {
      return roles_page(s, status_for(r.error()), message_for(s, r.error()));
    }
    return redirect(s, "/roles?msg=msg_role_revoked");
  }

  // --- client certificates (N6.4) -----------------------------------------------------------------
  http::Response certificates(RequestState& s) { return certificates_page(s, http::status::ok, {}); }

  http::Response certificates_page(RequestState& s, int status, std::string error) {
    if (auto r = require_full(s)) return *r;
    const auto& p = s.session->principal;
    json certs = json::array();
    json users = json::array();
    for (const auto& u : visible_users(s)) {
      if (!id.authorize(p, Permission::cert_register, identity::Scope::org(u.org_id))) continue;
      users.push_back({{"id", u.id}, {"username", u.username}, {"real_name", u.real_name}});
      auto list = id.list_certificates(p, u.id);
      if (!list) continue;
      for (const auto& c : *list) {
        if (c.revoked_at) continue;
        certs.push_back({{"id", c.id}, {"username", u.username}, {"subject", c.subject},
                         {"fingerprint", c.fingerprint}, {"added_at", beijing_time(c.added_at)},
                         {"can_register", true}});
      }
    }
    if (users.empty()) {
      audit_denied(s, "console.certificates", Error{"identity.forbidden", "cert.register"});
      return message_page(s, http::status::forbidden, s.t("err_forbidden"));
    }
    json data = {{"certs", certs}, {"users", users}, {"can_register", true}};
    return page(s, "certificates", data, "certs_title", status, std::move(error));
  }

  http::Response register_certificate(RequestState& s) {
    if (auto r = require_full(s)) return *r;
    const auto user_id = int_field(s, "user_id");
    if (!user_id) return certificates_page(s, http::status::bad_request, s.t("err_bad_input") + "user_id");
    auto c = id.register_certificate(s.actor(), *user_id, s.field("fingerprint"), s.field("subject"));
    if (!c) return certificates_page(s, status_for(c.error()), message_for(s, c.error()));
    return redirect(s, "/certificates?msg=msg_cert_registered");
  }

  http::Response revoke_certificate(RequestState& s) {
    if (auto r = require_full(s)) return *r;
    const auto cert_id = int_param(s.ctx, "id");
    if (!cert_id) return message_page(s, http::status::not_found, s.t("err_not_found"));
    if (auto r = id.revoke_certificate(s.actor(), *cert_id); !r) {
      return certificates_page(s, status_for(r.error()), message_for(s, r.error()));
    }
    return redirect(s, "/certificates?msg=msg_cert_revoked");
  }

  // --- audit ---------------------------------------------------------------------------------------
  std::optional<std::int64_t> root_org(RequestState& s) {
    for (const auto& o : visible_orgs(s)) {
      if (!o.parent_id) return o.id;
    }
    return std::nullopt;
  }

  // The whole log is province-wide: reading it needs audit.read at the root organisation.
  Status authorize_audit(RequestState& s, Permission p) {
    const auto root = root_org(s);
    if (!root) return fail("identity.forbidden", std::string(identity::to_string(p)));
    return id.authorize(s.session->principal, p, identity::Scope::org(*root));
  }

  Result<audit::Query> audit_query(RequestState& s) {
    audit::Query q;
    if (auto v = s.field("actor"); !v.empty()) q.actor = v;
    if (auto v = s.field("action"); !v.empty()) q.action = v;
    if (auto v = s.field("site"); !v.empty()) {
      q.site_id = parse_id(v);
      if (!q.site_id) return fail("console.bad_filter", "site must be a number");
    }
    if (auto v = s.field("from"); !v.empty()) {
      SW_TRY(t, parse_rfc3339(v + "T00:00:00Z"));
      q.from = t;
    }
    if (auto v = s.field("to"); !v.empty()) {
      SW_TRY(t, parse_rfc3339(v + "T23:59:59.999999Z"));
      q.to = t;
    }
    q.offset = std::max<std::int64_t>(0, int_field(s, "offset").value_or(0));
    q.limit = std::clamp<std::int64_t>(int_field(s, "limit").value_or(kAuditPageSize), 1, 500);
    return q;
  }

  static json event_json(const audit::StoredEvent& e) {
    return {{"seq", e.seq},
            {"time", format_rfc3339(e.time)},
            {"actor", e.event.actor},
            {"actor_role", e.event.actor_role},
            {"org_id", e.event.org_id ? json(*e.event.org_id) : json(nullptr)},
            {"site_id", e.event.site_id ? json(*e.event.site_id) : json(nullptr)},
            {"action", e.event.action},
            {"object", e.event.object},
            {"outcome", audit::to_string(e.event.outcome)},
            {"client_ip", e.event.client_ip},
            {"request_id", e.event.request_id},
            {"details", e.event.details},
            {"hash", e.hash}};
  }

  void audit_read_event(RequestState& s, const audit::Query& q, std::int64_t total) {
    audit::Event ev;
    ev.actor = s.session->username;
    ev.action = "audit.view";
    ev.object = "audit_log";
    ev.client_ip = s.request().client_ip;
    ev.request_id = s.request().request_id;
    ev.details = {{"actor", q.actor.value_or("")}, {"action", q.action.value_or("")}, {"offset", q.offset},
                  {"matched", total}};
    if (auto r = audit.append(std::move(ev)); !r) log::error("console.audit_failed", {{"error", r.error().code}});
  }

  std::string page_link(RequestState& s, std::int64_t offset) {
    std::string link = "/audit?offset=" + std::to_string(offset);
    for (auto name : {"actor", "action", "site", "from", "to"}) {
      if (auto v = s.field(name); !v.empty()) link += "&" + std::string(name) + "=" + url_encode(v);
    }
    return link;
  }

  http::Response audit_page(RequestState& s) {
    if (auto r = require_full(s)) return *r;
    if (auto ok = authorize_audit(s, Permission::audit_read); !ok) {
      audit_denied(s, "audit.view", ok.error());
      return message_page(s, http::status::forbidden, s.t("err_forbidden"));
    }
    auto q = audit_query(s);
    if (!q) return message_page(s, http::status::bad_request, message_for(s, q.error()));
    auto total = audit.count(*q);
    auto events = audit.query(*q);
    if (!total || !events) return message_page(s, http::status::internal_server_error, s.t("err_server"));
    audit_read_event(s, *q, *total);
    json rows = json::array();
    for (const auto& e : *events) {
      json row = event_json(e);
      row["time"] = beijing_time(e.time);
      if (const std::string role_key = "role_" + e.event.actor_role; s.t(role_key) != role_key) {
        row["actor_role"] = s.t(role_key);
      }
      row["details"] = e.event.details.dump();
      row["outcome_name"] = s.t("outcome_" + std::string(audit::to_string(e.event.outcome)));
      rows.push_back(row);
    }
    std::string total_text = s.t("audit_total");
    if (auto pos = total_text.find("{n}"); pos != std::string::npos) total_text.replace(pos, 3, std::to_string(*total));
    json data = {{"events", rows}, {"total_text", total_text},
                 {"filter", {{"actor", s.field("actor")}, {"action", s.field("action")}, {"site", s.field("site")},
                             {"from", s.field("from")}, {"to", s.field("to")}}}};
    if (q->offset > 0) data["prev"] = page_link(s, std::max<std::int64_t>(0, q->offset - q->limit));
    if (q->offset + q->limit < *total) data["next"] = page_link(s, q->offset + q->limit);
    return page(s, "audit", data, "audit_title");
  }

  // --- static assets -------------------------------------------------------------------------------
  http::Response static_asset(http::Context& ctx) {
    const std::string name(ctx.param("file"));
    if (name != "console.css" && name != "console.js") return http::Response::error(http::status::not_found);
    const auto body = embedded_asset("static/" + name);
    if (!body) return http::Response::error(http::status::not_found);
    http::Response r;
    r.body = std::string(*body);
    r.headers.set("Content-Type", name.ends_with(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8");
    r.headers.set("Cache-Control", "public, max-age=3600");
    return r;
  }

#include "console/api.inc"
#include "console/registry_pages.inc"
#include "console/registry_api.inc"
#include "console/content_pages.inc"
#include "console/content_api.inc"
#include "console/interaction_pages.inc"
#include "console/lifecycle_pages.inc"
#include "console/publish_pages.inc"
#include "console/waf_pages.inc"
#include "console/monitor_pages.inc"
};

Console::Console(identity::IdentityService& identity, audit::AuditLog& audit, ConsoleOptions options)
    : impl_(std::make_shared<Impl>(Impl{identity, audit, std::move(options), nullptr})) {}

Console::Console(identity::IdentityService& identity, audit::AuditLog& audit, registry::Registry& registry,
                 ConsoleOptions options)
    : impl_(std::make_shared<Impl>(Impl{identity, audit, std::move(options), &registry})) {}

Console::Console(identity::IdentityService& identity, audit::AuditLog& audit, Services services,
                 ConsoleOptions options)
    : impl_(std::make_shared<Impl>(Impl{identity, audit, std::move(options), services.registry, services.content,
                                            services.interaction, services.publisher})) {
  impl_->waf_svc.settings = services.waf_settings;
  impl_->waf_svc.defaults = std::move(services.waf_defaults);
  impl_->waf_svc.event_log = std::move(services.waf_event_log);
  impl_->monitors = services.monitor;
}

std::shared_ptr<http::Filter> Console::security_headers_filter() const {
  return std::make_shared<SecurityHeaders>(impl_->opt.hsts);
}

void Console::install(http::Router& router) {
  Impl& i = *impl_;
  auto get = [&](std::string path, Impl::PageFn fn) { (void)router.add("GET", path, i.wrap(fn, false)); };
  auto post = [&](std::string path, Impl::PageFn fn) { (void)router.add("POST", path, i.wrap(fn, true)); };
  get("/", &Impl::home);
  get("/login", &Impl::login_form);
  post("/login", &Impl::login_submit);
  get("/login/second-factor", &Impl::second_factor_form);
  post("/login/second-factor", &Impl::second_factor_submit);
  post("/logout", &Impl::logout);
  get("/account", &Impl::account);
  post("/account/logout-all", &Impl::logout_all);
  get("/account/totp", &Impl::enrol_form);
  post("/account/totp", &Impl::enrol_submit);
  get("/account/password", &Impl::password_form);
  post("/account/password", &Impl::password_submit);
  get("/users", &Impl::users);
  post("/users", &Impl::create_user);
  post("/users/{id}/lock", &Impl::lock_user);
  post("/users/{id}/unlock", &Impl::unlock_user);
  post("/users/{id}/reset-password", &Impl::reset_password);
  get("/roles", &Impl::roles);
  post("/roles", &Impl::grant);
  post("/roles/{id}/revoke", &Impl::revoke);
  get("/certificates", &Impl::certificates);
  post("/certificates", &Impl::register_certificate);
  post("/certificates/{id}/revoke", &Impl::revoke_certificate);
  get("/orgs", &Impl::orgs);
  i.install_waf_pages(router);        // its /sites/{id}/waf/… precede the register's /sites/{id}/{action}
  i.install_monitor_pages(router);
  i.install_publish_pages(router);    // its /sites/{id}/releases/… precede the register's /sites/{id}/{action}
  i.install_lifecycle_pages(router);  // first: its /sites/{id}/blogs and /api/v1/articles/{id}/withdrawal … precede {action}
  i.install_registry_pages(router);
  i.install_content_pages(router);
  i.install_interaction_pages(router);
  get("/audit", &Impl::audit_page);
  (void)router.add("GET", "/static/{file}", [&i](http::Context& ctx) { return i.static_asset(ctx); });
  i.install_api(router);
}

}  // namespace sw::console
