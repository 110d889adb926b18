// waf_harness: a small loopback HTTP/1.1 server that runs every request through sw::waf::Waf and
// answers 200 "ok" (or the WAF's block page). The CRS runner (tests/waf/crs_runner.py) drives it with
// the regression suite to measure the WAF alone (waf_guard_harness runs it inside the real guard); a test
// tool, not a server to expose: one thread, one connection at a time, bounded reads.
//
// Options: harness_options.h. It answers like the nginx peer of the runner: 200 for "/" and
// "/index.html", 404 for other paths, 400 for what a strict HTTP/1.1 server refuses.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "harness_options.h"
#include "waf/waf.h"

namespace {

constexpr std::size_t kMaxHead = 64 * 1024;
constexpr std::size_t kMaxBody = 16 * 1024 * 1024;
constexpr int kReadTimeoutMs = 2000;

// Reads more bytes into buf; false on EOF, error or timeout.
bool read_more(int fd, std::string& buf) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, kReadTimeoutMs) <= 0) return false;
  char chunk[16384];
  ssize_t n = recv(fd, chunk, sizeof chunk, 0);
  if (n <= 0) return false;
  buf.append(chunk, static_cast<std::size_t>(n));
  return true;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void send_all(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

void answer(int fd, int status, const std::string& body, bool close) {
  std::string head = "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : " Error") +
                     "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: " + std::to_string(body.size()) +
                     (close ? "\r\nConnection: close" : "") + "\r\n\r\n";
  send_all(fd, head + body);
}

struct Parsed {
  std::string method, target, version;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

std::string trim(std::string s) {
  auto b = s.find_first_not_of(" \t");
  auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

bool valid_host(const std::string& h) {
  if (h.empty()) return false;
  for (unsigned char c : h) {
    if (!std::isalnum(c) && c != '.' && c != '-' && c != ':' && c != '[' && c != ']') return false;
  }
  return true;
}

bool token(const std::string& s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (c <= 0x20 || c >= 0x7F || std::strchr("()<>@,;:\\\"/[]?={}", c) != nullptr) return false;
  }
  return true;
}

// Reads one request; status 0 when parsed, else the status to answer (400) or -1 to just close.
// Strict like the guard's parser and nginx (the WAF never sees what a server refuses): the request line
// is METHOD SP origin-form|absolute-form|* SP HTTP/1.0|1.1 with CRLF line ends, header names are tokens,
// HTTP/1.1 needs a valid Host, Content-Length is digits, and not together with Transfer-Encoding.
int read_request(int fd, std::string& buf, Parsed& req) {
  std::size_t end;
  while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
    if (buf.size() > kMaxHead || buf.find("\n\n") != std::string::npos) return 400;
    if (!read_more(fd, buf)) return -1;
  }
  std::string head = buf.substr(0, end);
  buf.erase(0, end + 4);
  auto line_end = head.find("\r\n");
  std::string line = head.substr(0, line_end);
  auto sp1 = line.find(' ');
  auto sp2 = line.rfind(' ');
  if (sp1 == std::string::npos || sp2 == sp1 || line.find(' ', sp1 + 1) != sp2) return 400;
  req.method = line.substr(0, sp1);
  req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string version = line.substr(sp2 + 1);
  if (version != "HTTP/1.0" && version != "HTTP/1.1") return 400;
  req.version = version.substr(5);
  for (unsigned char c : req.method) {
    if (c < 'A' || c > 'Z') return 400;
  }
  bool origin = !req.target.empty() && req.target[0] == '/';
  bool absolute = req.target.rfind("http://", 0) == 0 || req.target.rfind("https://", 0) == 0;
  if (!origin && !absolute && req.target != "*") return 400;
  for (unsigned char c : req.target) {
    if (c <= 0x20 || c == 0x7F || c == '#') return 400;
  }
  std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  std::size_t content_length = 0;
  bool chunked = false, has_length = false, has_host = false;
  while (pos < head.size()) {
    auto next = head.find("\r\n", pos);
    if (next == std::string::npos) next = head.size();
    std::string h = head.substr(pos, next - pos);
    pos = next + 2;
    auto colon = h.find(':');
    if (colon == std::string::npos || h.find('\r') != std::string::npos || !token(h.substr(0, colon))) return 400;
    std::string name = h.substr(0, colon), value = trim(h.substr(colon + 1));
    if (lower(name) == "content-length") {
      if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos || value.size() > 15) return 400;
      content_length = std::stoull(value);
      has_length = true;
    }
    if (lower(name) == "transfer-encoding") {
      if (lower(value) != "chunked") return 400;
      chunked = true;
    }
    if (lower(name) == "host") {
      if (has_host || !valid_host(value)) return 400;
      has_host = true;
    }
    req.headers.emplace_back(std::move(name), std::move(value));
  }
  if ((req.version == "1.1" && !has_host) || (chunked && has_length)) return 400;
  if (chunked) {
    for (;;) {
      std::size_t le;
      while ((le = buf.find("\r\n")) == std::string::npos) {
        if (!read_more(fd, buf)) return -1;
      }
      std::size_t size = std::strtoull(buf.substr(0, le).c_str(), nullptr, 16);
      while (buf.size() < le + 2 + size + 2) {
        if (!read_more(fd, buf)) return -1;
      }
      req.body += buf.substr(le + 2, size);
      buf.erase(0, le + 2 + size + 2);
      if (size == 0 || req.body.size() > kMaxBody) break;
    }
    return 0;
  }
  if (content_length > kMaxBody) return 413;
  while (buf.size() < content_length) {
    if (!read_more(fd, buf)) return -1;
  }
  req.body = buf.substr(0, content_length);
  buf.erase(0, content_length);
  return 0;
}

void serve_connection(sw::waf::Waf& waf, int fd, std::uint16_t port, std::uint64_t& counter) {
  std::string buf;
  for (;;) {
    Parsed req;
    int refused = read_request(fd, buf, req);
    if (refused < 0) return;
    if (refused > 0) {
      answer(fd, refused, "", true);
      return;
    }
    std::vector<sw::guard::FilterHeader> headers;
    std::string host;
    for (const auto& [n, v] : req.headers) {
      headers.push_back({n, v});
      if (lower(n) == "host") host = lower(v);
    }
    std::string id = "h" + std::to_string(++counter);
    sw::guard::FilterRequest fr;
    fr.request_id = id;
    fr.client_ip = "127.0.0.1";
    fr.client_port = 40000;
    fr.server_ip = "127.0.0.1";
    fr.server_port = port;
    fr.method = req.method;
    fr.target = req.target;
    fr.http_version = req.version;
    fr.host = host;
    fr.site_id = 1;
    fr.headers = headers;
    fr.body = req.body;
    auto verdict = waf.inspect(fr);
    if (verdict.action == sw::guard::FilterVerdict::Action::block) {
      answer(fd, verdict.status, verdict.body, true);
      return;
    }
    bool close = false;
    for (const auto& [n, v] : req.headers) {
      if (lower(n) == "connection" && lower(v) == "close") close = true;
    }
    std::string path = req.target.substr(0, req.target.find('?'));
    bool found = path == "/" || path == "/index.html";  // the one file the nginx peer serves too
    answer(fd, found ? 200 : 404, found ? "ok\n" : "not found\n", close);
    if (close) return;
  }
}

}  // namespace

int main(int argc, char** argv) {
  sw::waf::testing::HarnessOptions options;
  int exit_code = 0;
  auto waf = sw::waf::testing::start_harness("waf_harness", argc, argv, options, exit_code);
  if (!waf) return exit_code;
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listener, 64) != 0) {
    std::perror("waf_harness: bind");
    return 1;
  }
  socklen_t len = sizeof addr;
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::uint16_t port = ntohs(addr.sin_port);
  sw::waf::testing::write_port_file(options.port_file, port);
  std::cout << "listening on 127.0.0.1:" << port << std::endl;
  std::uint64_t counter = 0;
  for (;;) {
    int fd = accept(listener, nullptr, nullptr);
    if (fd < 0) continue;
    serve_connection(*waf, fd, port, counter);
    close(fd);
  }
}
