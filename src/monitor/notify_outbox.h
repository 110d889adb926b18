// Notifications of the monitors (issue 7 "Operation"; docs/monitoring.md "Notifications"): incidents
// opened and closed, and findings that became critical, by e-mail (SMTP) and/or a signed webhook,
// through a durable outbox (migration 0019_notify.sql).
//
// Contract:
//  - enqueue() stores each event once per channel (event_key + channel is unique): queueing an event
//    again — after a restart, or because the next pass still sees it — is a no-op, so nothing is lost
//    or queued twice across restarts.
//  - deliver() sends what is due. All due rows of one site and channel go as ONE message (a digest
//    when several), and a site gets at most one message per channel within `quiet` (what comes
//    meanwhile waits and goes as one digest when the window has passed): a flapping site does not
//    mail every five minutes. A sent message marks its rows sent (delivery_id, sent_at) and is
//    audited "notify.sent"; a failed attempt counts on its rows and retries after `retry_after`,
//    doubling, until max_attempts, then the rows are failed (last_error) and "notify.failed" is
//    audited. Credentials and secrets are never logged nor audited.
//  - Delivery is at least once: if the process dies after the receiver accepted a message but before
//    its rows are marked, the message is sent again with the same delivery id (the webhook's
//    X-Sitewarden-Delivery header, the mail's Message-ID), so a receiver can drop the repeat.
//
// Thread-safety: one outbox per thread (its Database is used by one thread at a time).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/audit_log.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/result.h"
#include "monitor/monitor_service.h"
#include "store/database.h"

namespace sw::monitor {

// One thing to tell people. kind: "incident_open" | "incident_close" | "finding_critical".
struct NotifyEvent {
  std::string key;  // names the event across restarts, e.g. "incident_open:12"
  std::int64_t site_id = 0;
  std::string kind;
  nlohmann::json detail = nlohmann::json::object();  // site name, probe, target or subject, summary, times
};

// One message: the events of one site for one channel.
struct NotifyMessage {
  std::string delivery_id;  // stable for the same rows: "sw-<channel>-<first row id>-<count>"
  std::string channel;      // "email" | "webhook"
  std::int64_t site_id = 0;
  std::string site_name;
  std::vector<NotifyEvent> events;
  std::string language = "zh";  // "zh" | "en"
  std::string subject() const;  // e.g. "[sitewarden] 江苏工会网：事件开启 uptime https://…"
  std::string body() const;     // one paragraph per event
  nlohmann::json json() const;  // the webhook's body
};

// Where messages go. send() returns an error naming what failed (status, curl's words); it must not
// put credentials in the error.
class NotifyChannel {
 public:
  virtual ~NotifyChannel() = default;
  virtual std::string name() const = 0;  // "email" | "webhook"
  virtual Status send(const NotifyMessage& message) = 0;
};

// E-mail through libcurl's SMTP: smtp:// (STARTTLS required, tried or off) or smtps://.
struct SmtpSettings {
  std::string url;
  std::string starttls = "required";
  std::string from;
  std::vector<std::string> to;
  std::string user, password;  // empty: no login
  std::string ca_file;
  std::chrono::seconds timeout{30};
};
std::unique_ptr<NotifyChannel> smtp_channel(SmtpSettings settings);

// A JSON POST signed with HMAC-SHA256 of the body: "X-Sitewarden-Signature: sha256=<hex>", and the
// delivery id in "X-Sitewarden-Delivery". Any 2xx answer is delivered.
struct WebhookSettings {
  std::string url;
  std::string secret;
  std::string ca_file;
  std::chrono::seconds timeout{30};
};
std::unique_ptr<NotifyChannel> webhook_channel(WebhookSettings settings);
std::string hmac_sha256_hex(const std::string& key, const std::string& data);

// A secret file's first line: refused ("notify.insecure_file") unless it is a regular file owned by
// this process's user and unreadable by group and others; "notify.bad_input" when missing or empty.
Result<std::string> read_secret_file(const std::string& path);

// The channels the [notify] keys configure (none when both URLs are empty). Addresses with CR, LF or
// angle brackets, a URL of another scheme, and missing files are "notify.bad_input".
Result<std::vector<std::unique_ptr<NotifyChannel>>> channels_from(const NotifyConfig& config);

struct NotifyOptions {
  int max_attempts = 8;
  std::chrono::seconds retry_after{60};  // doubles after each failed attempt
  std::chrono::minutes quiet{30};        // per site and channel
  std::string language = "zh";
};
NotifyOptions notify_options_from(const NotifyConfig& config);

struct DeliverCounts {
  std::int64_t messages = 0;  // sent
  std::int64_t events = 0;    // rows marked sent
  std::int64_t retried = 0;   // rows whose attempt failed and will be retried
  std::int64_t failed = 0;    // rows marked failed
  std::int64_t waiting = 0;   // due rows held back by a site's quiet window
};

class NotifyOutbox {
 public:
  // `db` (migrations applied), `audit` and `clock` must outlive the outbox.
  NotifyOutbox(store::Database& db, audit::AuditLog& audit, NotifyOptions options, const Clock& clock = system_clock());

  // Queues each event for each channel; returns how many rows were new. A bad event (no key, site or
  // a kind not listed) is "notify.bad_input" and nothing of the call is stored.
  Result<std::int64_t> enqueue(const std::vector<NotifyEvent>& events, const std::vector<std::string>& channels);

  // Sends what is due through `channels` (by name; rows of a channel not given wait). `site_name`
  // names sites in messages. At most `max_messages` messages (0: no limit).
  Result<DeliverCounts> deliver(const std::vector<NotifyChannel*>& channels,
                                const std::function<std::string(std::int64_t)>& site_name = {},
                                std::int64_t max_messages = 0);

  // Rows by (channel, state), for metrics and tests.
  Result<std::map<std::pair<std::string, std::string>, std::int64_t>> counts();
  // Prometheus lines: sitewarden_notify_messages_total is not kept; rows by channel and state are.
  Result<std::string> metrics_text();

 private:
  store::Database& db_;
  audit::AuditLog& audit_;
  NotifyOptions options_;
  const Clock& clock_;
};

// The events the monitors' records call for at `now`, read as the machine operator below `roots`:
// every open incident ("incident_open:<id>"), every incident closed within the last day (its open
// and its close, "incident_close:<id>"; queueing an open one already sent is a no-op), and every
// open critical finding ("finding_critical:<id>").
Result<std::vector<NotifyEvent>> notify_events(MonitorService& service, const std::vector<std::int64_t>& roots,
                                               TimePoint now, const std::function<std::string(std::int64_t)>& site_name = {});

}  // namespace sw::monitor
