// Specification of the notifications (issue 7; notify_outbox.h): e-mail to a loopback SMTP sink and a
// signed webhook to a loopback receiver (both tests/monitor/notify_sinks.py, started and stopped by
// PID), Chinese subjects, the per-site quiet window (a digest instead of a mail per flap), retries
// then failure, a restart mid-queue sending each notification once, secret files' permissions, and
// the events the monitor's records call for.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "identity/fixture.h"
#include "monitor/loopback.h"
#include "monitor/notify_outbox.h"

namespace sw::monitor {
namespace {

using namespace std::chrono;
using testing::fs::path;

std::string read_all(const path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string unbase64(const std::string& in) {
  std::string clean;
  for (char c : in) {
    if (c != '\r' && c != '\n') clean.push_back(c);
  }
  std::string out(clean.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  out.resize(static_cast<std::size_t>(std::max(n, 0)));
  while (!clean.empty() && clean.back() == '=') {
    out.pop_back();
    clean.pop_back();
  }
  return out;
}

// notify_sinks.py in a child process; the port it printed.
class Sink {
 public:
  explicit Sink(std::vector<std::string> args) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      std::vector<char*> argv;
      static std::string py = "/usr/bin/python3";
      const std::string script = std::string(std::getenv("SW_SOURCE_DIR") ? std::getenv("SW_SOURCE_DIR") : ".") +
                                 "/tests/monitor/notify_sinks.py";
      argv.push_back(py.data());
      argv.push_back(const_cast<char*>(script.c_str()));
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(py.c_str(), argv.data());
      _exit(127);
    }
    close(fds[1]);
    std::string line;
    char c;
    while (read(fds[0], &c, 1) == 1 && c != '\n') line.push_back(c);
    close(fds[0]);
    if (!line.starts_with("PORT ")) throw std::runtime_error("sink did not start: " + line);
    port_ = std::stoi(line.substr(5));
  }
  ~Sink() {
    kill(pid_, SIGTERM);
    int st = 0;
    waitpid(pid_, &st, 0);
  }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

int count_files(const path& dir, const std::string& suffix) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) n += e.path().string().ends_with(suffix);
  return n;
}

class NotifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::temp_dir("sw-notify");
    auto db = store::Database::open(dir_ / "n.db");
    ASSERT_TRUE(db) << db.error().to_string();
    db_ = std::move(*db);
    secret_ = (dir_ / "secret").string();
    testing::write_file(secret_, "s3cret-hmac-key\n");
    chmod(secret_.c_str(), 0600);
    std::filesystem::create_directories(dir_ / "mail");
    std::filesystem::create_directories(dir_ / "hooks");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static std::vector<NotifyEvent> events(std::int64_t site, int from, int n) {
    std::vector<NotifyEvent> out;
    for (int i = from; i < from + n; ++i) {
      out.push_back({"incident_open:" + std::to_string(i), site, "incident_open",
                     {{"probe", "uptime"}, {"target", "https://jszgh.org/"}, {"summary", "3 次探测失败"},
                      {"opened_at", "2026-11-26T08:00:00Z"}, {"site", "江苏工会网"}}});
    }
    return out;
  }

  path dir_;
  std::string secret_;
  std::unique_ptr<store::Database> db_;
  identity::testing::FakeAuditLog audit_;
  FakeClock clock_;
};

TEST_F(NotifyTest, MailAndSignedWebhookCarryTheEventsInChineseOnceAndADigestAfterTheQuietWindow) {
  Sink smtp({"smtp", (dir_ / "mail").string()});
  Sink hook({"webhook", (dir_ / "hooks").string(), secret_, "0"});
  NotifyConfig c;
  c.smtp_url = "smtp://127.0.0.1:" + std::to_string(smtp.port());
  c.smtp_starttls = "off";
  c.smtp_from = "monitor@jszgh.org";
  c.smtp_to = "ops@jszgh.org, duty@jszgh.org";
  c.webhook_url = "http://127.0.0.1:" + std::to_string(hook.port()) + "/hook";
  c.webhook_secret_file = secret_;
  c.timeout_seconds = 10;
  auto channels = channels_from(c);
  ASSERT_TRUE(channels) << channels.error().to_string();
  ASSERT_EQ(channels->size(), 2u);
  std::vector<NotifyChannel*> chs = {(*channels)[0].get(), (*channels)[1].get()};

  NotifyOutbox outbox(*db_, audit_, notify_options_from(c), clock_);
  auto added = outbox.enqueue(events(1, 1, 1), {"email", "webhook"});
  ASSERT_TRUE(added) << added.error().to_string();
  EXPECT_EQ(*added, 2);
  EXPECT_EQ(*outbox.enqueue(events(1, 1, 1), {"email", "webhook"}), 0);  // queued again: a no-op
  auto d = outbox.deliver(chs);
  ASSERT_TRUE(d) << d.error().to_string();
  EXPECT_EQ(d->messages, 2);
  ASSERT_EQ(count_files(dir_ / "mail", ".eml"), 1);
  const std::string mail = read_all(dir_ / "mail/mail-1.eml");
  const std::string env = read_all(dir_ / "mail/mail-1.env");
  EXPECT_NE(env.find("<monitor@jszgh.org>"), std::string::npos);
  EXPECT_NE(env.find("<duty@jszgh.org>"), std::string::npos);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(mail, m, std::regex("Subject: =\\?UTF-8\\?B\\?([A-Za-z0-9+/=]+)\\?=")));
  EXPECT_EQ(unbase64(m[1]), "[sitewarden] 江苏工会网：事件开启 uptime");
  const std::string body = unbase64(mail.substr(mail.find("\r\n\r\n") + 4));
  EXPECT_NE(body.find("事件开启：可用性（uptime） https://jszgh.org/ — 3 次探测失败"), std::string::npos) << body;
  ASSERT_EQ(count_files(dir_ / "hooks", ".json"), 1);
  EXPECT_EQ(read_all(dir_ / "hooks/hook-1.sig"), "signature ok\n");
  const auto hook_json = nlohmann::json::parse(read_all(dir_ / "hooks/hook-1.json"));
  EXPECT_EQ(hook_json["events"][0]["key"], "incident_open:1");
  EXPECT_EQ(read_all(dir_ / "hooks/hook-1.id"), hook_json["delivery"].get<std::string>() + "\n");
  EXPECT_EQ(audit_.with_action("notify.sent").size(), 2u);

  // A flapping site: three more events within the quiet window wait, then go as one digest per channel.
  ASSERT_TRUE(outbox.enqueue(events(1, 2, 3), {"email", "webhook"}));
  clock_.advance(minutes(5));
  d = outbox.deliver(chs);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->messages, 0);
  EXPECT_EQ(d->waiting, 6);
  clock_.advance(minutes(26));
  d = outbox.deliver(chs);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->messages, 2);
  EXPECT_EQ(d->events, 6);
  ASSERT_EQ(count_files(dir_ / "mail", ".eml"), 2);
  const std::string digest = read_all(dir_ / "mail/mail-2.eml");
  ASSERT_TRUE(std::regex_search(digest, m, std::regex("Subject: =\\?UTF-8\\?B\\?([A-Za-z0-9+/=]+)\\?=")));
  EXPECT_EQ(unbase64(m[1]), "[sitewarden] 江苏工会网：3 条监测通知");
  EXPECT_EQ(nlohmann::json::parse(read_all(dir_ / "hooks/hook-2.json"))["events"].size(), 3u);
  auto counts = outbox.counts();
  ASSERT_TRUE(counts);
  EXPECT_EQ(((*counts)[{"email", "sent"}]), 4);
  EXPECT_EQ(((*counts)[{"webhook", "sent"}]), 4);

  // English by config.
  NotifyMessage en{"sw-email-1-1", "email", 1, "Jiangsu", events(1, 9, 1), "en"};
  EXPECT_EQ(en.subject(), "[sitewarden] Jiangsu: incident opened uptime");
}

TEST_F(NotifyTest, AFailingReceiverIsRetriedWithBackOffThenMarkedFailed) {
  Sink hook({"webhook", (dir_ / "hooks").string(), secret_, "-1"});
  NotifyOptions options;
  options.max_attempts = 3;
  options.retry_after = seconds(60);
  auto channel = webhook_channel({"http://127.0.0.1:" + std::to_string(hook.port()) + "/", "k", "", seconds(10)});
  NotifyOutbox outbox(*db_, audit_, options, clock_);
  ASSERT_TRUE(outbox.enqueue(events(2, 1, 1), {"webhook"}));
  auto d = outbox.deliver({channel.get()});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->retried, 1);
  d = outbox.deliver({channel.get()});  // not due yet: back-off
  ASSERT_TRUE(d);
  EXPECT_EQ(d->retried, 0);
  clock_.advance(seconds(61));
  d = outbox.deliver({channel.get()});
  EXPECT_EQ(d->retried, 1);
  clock_.advance(seconds(61));  // the second wait is 120 s
  EXPECT_EQ(outbox.deliver({channel.get()})->retried, 0);
  clock_.advance(seconds(60));
  d = outbox.deliver({channel.get()});
  EXPECT_EQ(d->failed, 1);
  auto row = db_->query_one("SELECT state, attempts, last_error FROM notify_outbox");
  ASSERT_TRUE(row && *row);
  EXPECT_EQ((*row)->text(0), "failed");
  EXPECT_EQ((*row)->integer(1), 3);
  EXPECT_EQ((*row)->text(2), "webhook: HTTP 500");
  ASSERT_EQ(audit_.with_action("notify.failed").size(), 1u);
  EXPECT_EQ(audit_.with_action("notify.sent").size(), 0u);
  clock_.advance(hours(10));
  EXPECT_EQ(outbox.deliver({channel.get()})->retried, 0);  // failed rows stay failed
}

TEST_F(NotifyTest, ARestartMidQueueSendsEachNotificationOnce) {
  Sink hook({"webhook", (dir_ / "hooks").string(), secret_, "0"});
  auto secret = read_secret_file(secret_);
  ASSERT_TRUE(secret);
  auto channel = webhook_channel({"http://127.0.0.1:" + std::to_string(hook.port()) + "/", *secret, "", seconds(10)});
  {
    NotifyOutbox first(*db_, audit_, {}, clock_);
    for (std::int64_t site = 1; site <= 3; ++site) ASSERT_TRUE(first.enqueue(events(site, 10 * static_cast<int>(site), 1), {"webhook"}));
    auto d = first.deliver({channel.get()}, {}, 1);  // stops after one message: the process "dies"
    ASSERT_TRUE(d);
    EXPECT_EQ(d->messages, 1);
  }
  db_.reset();
  auto reopened = store::Database::open(dir_ / "n.db");
  ASSERT_TRUE(reopened);
  db_ = std::move(*reopened);
  NotifyOutbox second(*db_, audit_, {}, clock_);
  for (std::int64_t site = 1; site <= 3; ++site) {  // the next pass queues the same events again
    EXPECT_EQ(*second.enqueue(events(site, 10 * static_cast<int>(site), 1), {"webhook"}), 0);
  }
  auto d = second.deliver({channel.get()});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->messages, 2);
  clock_.advance(hours(2));
  EXPECT_EQ(second.deliver({channel.get()})->messages, 0);
  ASSERT_EQ(count_files(dir_ / "hooks", ".json"), 3);
  std::set<std::string> keys;
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(read_all(dir_ / ("hooks/hook-" + std::to_string(i) + ".sig")), "signature ok\n");
    keys.insert(nlohmann::json::parse(read_all(dir_ / ("hooks/hook-" + std::to_string(i) + ".json")))["events"][0]["key"]);
  }
  EXPECT_EQ(keys, (std::set<std::string>{"incident_open:10", "incident_open:20", "incident_open:30"}));
}

TEST_F(NotifyTest, SecretFilesMustBePrivateAndBadSettingsAreRefused) {
  chmod(secret_.c_str(), 0644);
  EXPECT_EQ(read_secret_file(secret_).error().code, "notify.insecure_file");
  chmod(secret_.c_str(), 0600);
  EXPECT_EQ(*read_secret_file(secret_), "s3cret-hmac-key");
  EXPECT_EQ(read_secret_file((dir_ / "missing").string()).error().code, "notify.bad_input");
  NotifyConfig c;
  c.smtp_url = "smtp://127.0.0.1:25";
  c.smtp_from = "a@b.org";
  c.smtp_to = "x@y.org\r\nBcc: evil@z.org";
  EXPECT_EQ(channels_from(c).error().code, "notify.bad_input");
  c.smtp_to = "x@y.org";
  c.smtp_url = "http://127.0.0.1:25";
  EXPECT_EQ(channels_from(c).error().code, "notify.bad_input");
  c.smtp_url.clear();
  c.webhook_url = "https://hook.example/";
  EXPECT_EQ(channels_from(c).error().code, "notify.bad_input");  // no secret file
  c.webhook_url = "file:///etc/passwd";
  c.webhook_secret_file = secret_;
  EXPECT_EQ(channels_from(c).error().code, "notify.bad_input");
  EXPECT_TRUE(channels_from(NotifyConfig{})->empty());
  NotifyOutbox outbox(*db_, audit_, {}, clock_);
  EXPECT_EQ(outbox.enqueue({{"k", 1, "bogus", {}}}, {"email"}).error().code, "notify.bad_input");
  EXPECT_EQ(outbox.enqueue({{"", 1, "incident_open", {}}}, {"email"}).error().code, "notify.bad_input");
  EXPECT_EQ(outbox.enqueue(events(1, 1, 1), {"sms"}).error().code, "notify.bad_input");
  EXPECT_EQ(hmac_sha256_hex("key", "The quick brown fox jumps over the lazy dog"),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}

}  // namespace
}  // namespace sw::monitor
