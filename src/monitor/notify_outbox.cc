// Notifications of the monitors (notify_outbox.h).
#include "monitor/notify_outbox.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

#include "identity/gate.h"

namespace sw::monitor {
namespace {

using namespace std::chrono;

constexpr std::string_view kKinds[] = {"incident_open", "incident_close", "finding_critical"};

std::string base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// RFC 2045 base64 body: lines of 76.
std::string base64_lines(const std::string& in) {
  const std::string b = base64(in);
  std::string out;
  for (std::size_t i = 0; i < b.size(); i += 76) out += b.substr(i, 76) + "\r\n";
  return out;
}

bool header_safe(const std::string& s) {
  return !s.empty() && s.size() <= 320 && s.find_first_of("\r\n<>\",;") == std::string::npos && s.find('@') != std::string::npos;
}

std::string text_of(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::string rfc5322_date(TimePoint t) {
  const std::time_t tt = system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

struct CurlEasy {
  CURL* h = curl_easy_init();
  curl_slist* list = nullptr;
  curl_slist* headers = nullptr;
  ~CurlEasy() {
    curl_slist_free_all(list);
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
  }
};

struct ReadState {
  const std::string* data;
  std::size_t at = 0;
};

std::size_t read_cb(char* buf, std::size_t size, std::size_t n, void* user) {
  auto* s = static_cast<ReadState*>(user);
  const std::size_t len = std::min(size * n, s->data->size() - s->at);
  std::memcpy(buf, s->data->data() + s->at, len);
  s->at += len;
  return len;
}

std::size_t discard_cb(char*, std::size_t size, std::size_t n, void*) { return size * n; }

class SmtpChannel final : public NotifyChannel {
 public:
  explicit SmtpChannel(SmtpSettings s) : s_(std::move(s)) {}
  std::string name() const override { return "email"; }
  Status send(const NotifyMessage& m) override {
    std::string mail = "Date: " + rfc5322_date(system_clock::now()) + "\r\nFrom: <" + s_.from + ">\r\nTo: ";
    for (std::size_t i = 0; i < s_.to.size(); ++i) mail += (i ? ", <" : "<") + s_.to[i] + ">";
    mail += "\r\nMessage-ID: <" + m.delivery_id + "@sitewarden>\r\nSubject: =?UTF-8?B?" + base64(m.subject()) +
            "?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n" + base64_lines(m.body());
    CurlEasy c;
    if (!c.h) return fail("notify.send", "curl_easy_init failed");
    ReadState rs{&mail};
    curl_easy_setopt(c.h, CURLOPT_URL, s_.url.c_str());
    curl_easy_setopt(c.h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c.h, CURLOPT_MAIL_FROM, ("<" + s_.from + ">").c_str());
    for (const auto& to : s_.to) c.list = curl_slist_append(c.list, ("<" + to + ">").c_str());
    curl_easy_setopt(c.h, CURLOPT_MAIL_RCPT, c.list);
    curl_easy_setopt(c.h, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c.h, CURLOPT_READDATA, &rs);
    curl_easy_setopt(c.h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c.h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c.h, CURLOPT_TIMEOUT_MS, static_cast<long>(duration_cast<milliseconds>(s_.timeout).count()));
    if (s_.url.starts_with("smtp://")) {
      const long tls = s_.starttls == "required" ? CURLUSESSL_ALL : s_.starttls == "try" ? CURLUSESSL_TRY : CURLUSESSL_NONE;
      curl_easy_setopt(c.h, CURLOPT_USE_SSL, tls);
    }
    if (!s_.ca_file.empty()) curl_easy_setopt(c.h, CURLOPT_CAINFO, s_.ca_file.c_str());
    if (!s_.user.empty()) {
      curl_easy_setopt(c.h, CURLOPT_USERNAME, s_.user.c_str());
      curl_easy_setopt(c.h, CURLOPT_PASSWORD, s_.password.c_str());
    }
    const CURLcode rc = curl_easy_perform(c.h);
    if (rc != CURLE_OK) {
      long code = 0;
      curl_easy_getinfo(c.h, CURLINFO_RESPONSE_CODE, &code);
      return fail("notify.send", std::string("SMTP: ") + curl_easy_strerror(rc) + (code ? " (reply " + std::to_string(code) + ")" : ""));
    }
    return ok();
  }

 private:
  SmtpSettings s_;
};

class WebhookChannel final : public NotifyChannel {
 public:
  explicit WebhookChannel(WebhookSettings s) : s_(std::move(s)) {}
  std::string name() const override { return "webhook"; }
  Status send(const NotifyMessage& m) override {
    const std::string body = m.json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    CurlEasy c;
    if (!c.h) return fail("notify.send", "curl_easy_init failed");
    c.headers = curl_slist_append(c.headers, "Content-Type: application/json; charset=utf-8");
    c.headers = curl_slist_append(c.headers, ("X-Sitewarden-Delivery: " + m.delivery_id).c_str());
    c.headers = curl_slist_append(c.headers, ("X-Sitewarden-Signature: sha256=" + hmac_sha256_hex(s_.secret, body)).c_str());
    c.headers = curl_slist_append(c.headers, "Expect:");
    curl_easy_setopt(c.h, CURLOPT_URL, s_.url.c_str());
    curl_easy_setopt(c.h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c.h, CURLOPT_HTTPHEADER, c.headers);
    curl_easy_setopt(c.h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c.h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(c.h, CURLOPT_WRITEFUNCTION, discard_cb);
    curl_easy_setopt(c.h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c.h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c.h, CURLOPT_USERAGENT, "sitewarden-notify/0.1");
    curl_easy_setopt(c.h, CURLOPT_TIMEOUT_MS, static_cast<long>(duration_cast<milliseconds>(s_.timeout).count()));
    if (!s_.ca_file.empty()) curl_easy_setopt(c.h, CURLOPT_CAINFO, s_.ca_file.c_str());
    const CURLcode rc = curl_easy_perform(c.h);
    if (rc != CURLE_OK) return fail("notify.send", std::string("webhook: ") + curl_easy_strerror(rc));
    long status = 0;
    curl_easy_getinfo(c.h, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) return fail("notify.send", "webhook: HTTP " + std::to_string(status));
    return ok();
  }

 private:
  WebhookSettings s_;
};

std::vector<std::string> split_addresses(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : text + " ") {
    if (ch == ' ' || ch == ',' || ch == '\t') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(ch);
    }
  }
  return out;
}

std::string probe_words(const std::string& probe, bool zh) {
  if (!zh) return probe;
  static const std::map<std::string, std::string> names = {
      {"uptime", "可用性"}, {"tls", "证书"},       {"links", "链接"},     {"dns", "域名解析"},
      {"fingerprint", "页面指纹"}, {"location", "托管位置"}, {"lookalike", "仿冒域名"}, {"freshness", "更新情况"}};
  const auto it = names.find(probe);
  return it == names.end() ? probe : it->second + "（" + probe + "）";
}

std::string event_line(const NotifyEvent& e, bool zh) {
  const auto& d = e.detail;
  const std::string probe = probe_words(text_of(d, "probe"), zh);
  if (e.kind == "incident_open") {
    return (zh ? "事件开启：" : "Incident opened: ") + probe + " " + text_of(d, "target") + " — " + text_of(d, "summary") +
           (zh ? "（开始于 " : " (since ") + text_of(d, "opened_at") + (zh ? "）" : ")");
  }
  if (e.kind == "incident_close") {
    return (zh ? "事件关闭（已恢复）：" : "Incident closed (recovered): ") + probe + " " + text_of(d, "target") +
           (zh ? "（" : " (") + text_of(d, "opened_at") + " — " + text_of(d, "closed_at") + (zh ? "）" : ")");
  }
  return (zh ? "严重问题：" : "Critical finding: ") + text_of(d, "finding") + " " + text_of(d, "subject") +
         (zh ? "（条款 " : " (clause ") + text_of(d, "clause") + (zh ? "）" : ")");
}

}  // namespace

std::string hmac_sha256_hex(const std::string& key, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &len);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(hex[mac[i] >> 4]);
    out.push_back(hex[mac[i] & 15]);
  }
  return out;
}

std::string NotifyMessage::subject() const {
  const bool zh = language != "en";
  const std::string site = site_name.empty() ? (zh ? "站点 " : "site ") + std::to_string(site_id) : site_name;
  if (events.size() == 1) {
    const NotifyEvent& e = events.front();
    const std::string what = e.kind == "incident_open"    ? (zh ? "事件开启" : "incident opened")
                             : e.kind == "incident_close" ? (zh ? "事件关闭" : "incident closed")
                                                          : (zh ? "严重问题" : "critical finding");
    return "[sitewarden] " + site + (zh ? "：" : ": ") + what + " " + text_of(e.detail, "probe");
  }
  return "[sitewarden] " + site + (zh ? "：" + std::to_string(events.size()) + " 条监测通知"
                                      : ": " + std::to_string(events.size()) + " monitoring notices");
}

std::string NotifyMessage::body() const {
  const bool zh = language != "en";
  std::string out = zh ? "sitewarden 网站监测通知\n站点：" : "sitewarden monitoring notice\nSite: ";
  out += (site_name.empty() ? std::to_string(site_id) : site_name) + " (" + std::to_string(site_id) + ")\n\n";
  for (const NotifyEvent& e : events) out += "- " + event_line(e, zh) + "\n";
  out += zh ? "\n请登录控制台查看详情（sitewarden monitor findings）。\n投递编号：" : "\nSee the console (sitewarden monitor findings).\nDelivery: ";
  out += delivery_id + "\n";
  return out;
}

nlohmann::json NotifyMessage::json() const {
  nlohmann::json events_json = nlohmann::json::array();
  for (const NotifyEvent& e : events) events_json.push_back({{"key", e.key}, {"kind", e.kind}, {"detail", e.detail}});
  return {{"delivery", delivery_id}, {"site_id", site_id}, {"site", site_name}, {"subject", subject()}, {"events", events_json}};
}

std::unique_ptr<NotifyChannel> smtp_channel(SmtpSettings settings) { return std::make_unique<SmtpChannel>(std::move(settings)); }
std::unique_ptr<NotifyChannel> webhook_channel(WebhookSettings settings) {
  return std::make_unique<WebhookChannel>(std::move(settings));
}

Result<std::string> read_secret_file(const std::string& path) {
  struct stat st{};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return fail("notify.bad_input", "secret file '" + path + "' cannot be read");
  if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
    return fail("notify.insecure_file", "secret file '" + path +
                                            "' must be a file owned by the node user and readable by it only (chmod 600)");
  }
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  if (line.empty()) return fail("notify.bad_input", "secret file '" + path + "' is empty");
  return line;
}

Result<std::vector<std::unique_ptr<NotifyChannel>>> channels_from(const NotifyConfig& c) {
  std::vector<std::unique_ptr<NotifyChannel>> out;
  const auto timeout = seconds(c.timeout_seconds);
  if (!c.smtp_url.empty()) {
    if (!c.smtp_url.starts_with("smtp://") && !c.smtp_url.starts_with("smtps://")) {
      return fail("notify.bad_input", "[notify] smtp_url must start with smtp:// or smtps://");
    }
    SmtpSettings s{c.smtp_url, c.smtp_starttls, c.smtp_from, split_addresses(c.smtp_to), "", "", c.ca_file, timeout};
    if (!header_safe(s.from)) return fail("notify.bad_input", "[notify] smtp_from is not a plain e-mail address");
    if (s.to.empty()) return fail("notify.bad_input", "[notify] smtp_to names no recipient");
    for (const auto& to : s.to) {
      if (!header_safe(to)) return fail("notify.bad_input", "[notify] smtp_to entry '" + to + "' is not a plain e-mail address");
    }
    if (!c.smtp_credentials_file.empty()) {
      SW_TRY(cred, read_secret_file(c.smtp_credentials_file));
      const auto colon = cred.find(':');
      if (colon == std::string::npos || colon == 0) {
        return fail("notify.bad_input", "[notify] smtp_credentials_file holds no user:password line");
      }
      s.user = cred.substr(0, colon);
      s.password = cred.substr(colon + 1);
    }
    out.push_back(smtp_channel(std::move(s)));
  }
  if (!c.webhook_url.empty()) {
    if (!c.webhook_url.starts_with("http://") && !c.webhook_url.starts_with("https://")) {
      return fail("notify.bad_input", "[notify] webhook_url must start with http:// or https://");
    }
    if (c.webhook_secret_file.empty()) return fail("notify.bad_input", "[notify] webhook_url needs webhook_secret_file");
    SW_TRY(secret, read_secret_file(c.webhook_secret_file));
    out.push_back(webhook_channel({c.webhook_url, secret, c.ca_file, timeout}));
  }
  return out;
}

NotifyOptions notify_options_from(const NotifyConfig& c) {
  return {static_cast<int>(c.max_attempts), seconds(c.retry_seconds), minutes(c.site_quiet_minutes), c.language};
}

NotifyOutbox::NotifyOutbox(store::Database& db, audit::AuditLog& audit, NotifyOptions options, const Clock& clock)
    : db_(db), audit_(audit), options_(std::move(options)), clock_(clock) {}

Result<std::int64_t> NotifyOutbox::enqueue(const std::vector<NotifyEvent>& events, const std::vector<std::string>& channels) {
  for (const NotifyEvent& e : events) {
    if (e.key.empty() || e.key.size() > 200) return fail("notify.bad_input", "a notification needs a key of 1..200 bytes");
    if (e.site_id <= 0) return fail("notify.bad_input", "notification " + e.key + " names no site");
    if (std::ranges::find(kKinds, e.kind) == std::end(kKinds)) {
      return fail("notify.bad_input", "notification " + e.key + " has unknown kind '" + e.kind + "'");
    }
  }
  for (const std::string& ch : channels) {
    if (ch != "email" && ch != "webhook") return fail("notify.bad_input", "unknown notification channel '" + ch + "'");
  }
  if (events.empty() || channels.empty()) return std::int64_t{0};
  const std::string now = format_rfc3339(clock_.now());
  SW_TRY(tx, db_.begin());
  std::int64_t added = 0;
  for (const NotifyEvent& e : events) {
    const std::string detail = e.detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    for (const std::string& ch : channels) {
      SW_TRY(n, db_.exec("INSERT OR IGNORE INTO notify_outbox (event_key, channel, site_id, kind, detail, state, "
                         "attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, 'queued', 0, ?, ?)",
                         {e.key, ch, e.site_id, e.kind, detail, now, now}));
      added += n;
    }
  }
  SW_CHECK(tx.commit());
  return added;
}

Result<DeliverCounts> NotifyOutbox::deliver(const std::vector<NotifyChannel*>& channels,
                                            const std::function<std::string(std::int64_t)>& site_name,
                                            std::int64_t max_messages) {
  DeliverCounts counts;
  const TimePoint now = clock_.now();
  const std::string now_text = format_rfc3339(now);
  for (NotifyChannel* channel : channels) {
    const std::string ch = channel->name();
    SW_TRY(rows, db_.query("SELECT id, event_key, site_id, kind, detail, attempts FROM notify_outbox "
                           "WHERE state = 'queued' AND channel = ? AND next_attempt_at <= ? ORDER BY site_id, id",
                           {ch, now_text}));
    std::map<std::int64_t, std::vector<const store::Row*>> by_site;
    for (const store::Row& r : rows) by_site[r.integer(2)].push_back(&r);
    for (const auto& [site, site_rows] : by_site) {
      if (max_messages > 0 && counts.messages >= max_messages) return counts;
      if (options_.quiet.count() > 0) {
        SW_TRY(last, db_.query_one("SELECT MAX(sent_at) FROM notify_outbox WHERE channel = ? AND site_id = ? AND state = 'sent'",
                                   {ch, site}));
        if (last && !last->is_null(0)) {
          SW_TRY(last_at, parse_rfc3339(last->text(0)));
          if (now - last_at < options_.quiet) {
            counts.waiting += static_cast<std::int64_t>(site_rows.size());
            continue;
          }
        }
      }
      NotifyMessage m;
      m.channel = ch;
      m.site_id = site;
      m.language = options_.language;
      m.site_name = site_name ? site_name(site) : "";
      m.delivery_id = "sw-" + ch + "-" + std::to_string(site_rows.front()->integer(0)) + "-" + std::to_string(site_rows.size());
      std::int64_t attempts = 0;
      for (const store::Row* r : site_rows) {
        NotifyEvent e{r->text(1), site, r->text(3), nlohmann::json::parse(r->text(4), nullptr, false)};
        if (e.detail.is_discarded()) e.detail = nlohmann::json::object();
        if (m.site_name.empty()) m.site_name = text_of(e.detail, "site");
        m.events.push_back(std::move(e));
        attempts = std::max(attempts, r->integer(5));
      }
      const Status sent = channel->send(m);
      audit::Event ev;
      ev.actor = "monitor";
      ev.actor_role = std::string(identity::kSystemRoleName);
      ev.site_id = site;
      ev.object = "notification:" + m.delivery_id;
      ev.details = {{"channel", ch}, {"events", m.events.size()}, {"attempt", attempts + 1}};
      SW_TRY(tx, db_.begin());
      for (const store::Row* r : site_rows) {
        if (sent) {
          SW_CHECK(db_.exec("UPDATE notify_outbox SET state = 'sent', attempts = attempts + 1, sent_at = ?, "
                            "delivery_id = ?, last_error = '' WHERE id = ?",
                            {now_text, m.delivery_id, r->integer(0)}));
        } else {
          const std::int64_t tried = r->integer(5) + 1;
          const bool give_up = tried >= options_.max_attempts;
          const auto wait = options_.retry_after * (std::int64_t{1} << std::min<std::int64_t>(tried - 1, 20));
          SW_CHECK(db_.exec("UPDATE notify_outbox SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
                            {std::string(give_up ? "failed" : "queued"), tried, format_rfc3339(now + wait),
                             sent.error().message.substr(0, 500), r->integer(0)}));
          (give_up ? counts.failed : counts.retried) += 1;
        }
      }
      SW_CHECK(tx.commit());
      if (sent) {
        ++counts.messages;
        counts.events += static_cast<std::int64_t>(site_rows.size());
        ev.action = "notify.sent";
        SW_TRY(seq, audit_.append(std::move(ev)));
        (void)seq;
      } else if (attempts + 1 >= options_.max_attempts) {
        ev.action = "notify.failed";
        ev.outcome = audit::Outcome::failure;
        ev.details["error"] = sent.error().message.substr(0, 500);
        SW_TRY(seq, audit_.append(std::move(ev)));
        (void)seq;
      }
    }
  }
  return counts;
}

Result<std::map<std::pair<std::string, std::string>, std::int64_t>> NotifyOutbox::counts() {
  SW_TRY(rows, db_.query("SELECT channel, state, COUNT(*) FROM notify_outbox GROUP BY channel, state"));
  std::map<std::pair<std::string, std::string>, std::int64_t> out;
  for (const store::Row& r : rows) out[{r.text(0), r.text(1)}] = r.integer(2);
  return out;
}

Result<std::string> NotifyOutbox::metrics_text() {
  SW_TRY(c, counts());
  std::string out = "# HELP sitewarden_notify_outbox Notifications in the outbox by channel and state.\n"
                    "# TYPE sitewarden_notify_outbox gauge\n";
  for (const char* ch : {"email", "webhook"}) {
    for (const char* st : {"queued", "sent", "failed"}) {
      const auto it = c.find({ch, st});
      out += std::string("sitewarden_notify_outbox{channel=\"") + ch + "\",state=\"" + st + "\"} " +
             std::to_string(it == c.end() ? 0 : it->second) + "\n";
    }
  }
  return out;
}

Result<std::vector<NotifyEvent>> notify_events(MonitorService& service, const std::vector<std::int64_t>& roots,
                                               TimePoint now, const std::function<std::string(std::int64_t)>& site_name) {
  static const identity::Principal machine = identity::Principal::system("monitor");
  std::vector<NotifyEvent> out;
  std::set<std::string> keys;
  auto add = [&](NotifyEvent e) {
    if (site_name) e.detail["site"] = site_name(e.site_id);
    if (keys.insert(e.key).second) out.push_back(std::move(e));
  };
  for (std::int64_t root : roots) {
    SW_TRY(incidents, service.incidents(machine, identity::Scope::org(root), false));
    for (const Incident& i : incidents) {
      if (i.closed_at && now - *i.closed_at > hours(24)) continue;
      nlohmann::json d = {{"incident", i.id}, {"probe", to_string(i.probe)}, {"target", i.target},
                          {"summary", i.summary}, {"opened_at", format_rfc3339(i.opened_at)}};
      add({"incident_open:" + std::to_string(i.id), i.site_id, "incident_open", d});
      if (i.closed_at) {
        d["closed_at"] = format_rfc3339(*i.closed_at);
        add({"incident_close:" + std::to_string(i.id), i.site_id, "incident_close", d});
      }
    }
    SW_TRY(findings, service.findings(machine, identity::Scope::org(root), true));
    for (const Finding& f : findings) {
      if (f.observation.severity != Severity::critical) continue;
      add({"finding_critical:" + std::to_string(f.id), f.site_id, "finding_critical",
           {{"finding", f.observation.kind}, {"probe", to_string(f.probe)}, {"subject", f.observation.subject},
            {"clause", f.observation.clause}, {"evidence", f.observation.evidence},
            {"first_seen", format_rfc3339(f.first_seen)}}});
    }
  }
  return out;
}

}  // namespace sw::monitor
