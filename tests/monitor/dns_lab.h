// A DNS lab on 127.0.0.1 for the DNS and lookalike probes' tests and the DNS benchmark (issue 7, N7.2):
// nsd serving a parent zone "swtest." and a child "example.swtest." (each signed with keys made by
// ldns-keygen, the child's DS in the parent), unbound validating from the parent's DS as trust anchor
// with a stub zone to nsd (no cache: every question reaches nsd), and optionally a rogue nsd answering
// other addresses for the child. Ports are found free; every server is started by the lab and stopped
// by its PID.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace sw::monitor::testing {

namespace dnslab {

namespace fs = std::filesystem;

inline std::string run_out(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("popen failed: " + cmd);
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  if (pclose(p) != 0) throw std::runtime_error("command failed: " + cmd);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

inline void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

// A UDP port that is free now (bound to 0 on 127.0.0.1, read back, closed) and free for TCP too.
inline int free_udp_port() {
  for (int tries = 0; tries < 50; ++tries) {
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    close(fd);
    const int port = ntohs(a.sin_port);
    const int t = socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    const bool tcp_free = bind(t, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(t);
    if (tcp_free) return port;
  }
  throw std::runtime_error("no free port");
}

// True once a DNS server on the port answers a question (any answer), within ~5 s.
inline bool answers(int port) {
  // Header (id 0x1234, RD) + question "swtest. SOA IN".
  const unsigned char q[] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                             6, 's', 'w', 't', 'e', 's', 't', 0, 0, 6, 0, 1};
  for (int i = 0; i < 100; ++i) {
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    timeval tv{0, 50'000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    sendto(fd, q, sizeof q, 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
    unsigned char buf[512];
    const auto n = recv(fd, buf, sizeof buf, 0);
    close(fd);
    if (n > 0) return true;
  }
  return false;
}

// A server in the foreground, stopped by its PID.
class Process {
 public:
  Process() = default;
  explicit Process(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], nullptr, nullptr, args.data(), environ) != 0) {
      throw std::runtime_error("cannot start " + argv[0]);
    }
  }
  Process(Process&& o) noexcept : pid_(o.pid_) { o.pid_ = -1; }
  Process& operator=(Process&& o) noexcept {
    stop();
    pid_ = o.pid_;
    o.pid_ = -1;
    return *this;
  }
  ~Process() { stop(); }
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100 && waitpid(pid_, &status, WNOHANG) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (i == 99) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
      }
    }
    pid_ = -1;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

}  // namespace dnslab

// What the child zone example.swtest. says.
struct ChildZone {
  std::string address = "10.0.0.1";       // of example.swtest. and www.example.swtest.
  std::string ns = "ns1";                 // the name server's label
  bool signed_zone = true;                // false: served without signatures (a stripped zone)
  bool ds_in_parent = true;               // false: the parent has no DS (insecure delegation)
  std::vector<std::string> extra;         // further lines of the child zone
  std::vector<std::string> parent_extra;  // further lines of the parent (e.g. lookalike names, more sites)
  std::string mx = "10 mail.example.swtest.";  // the zone's MX
};

class DnsLab {
 public:
  explicit DnsLab(const std::filesystem::path& dir) : dir_(dir) {
    namespace fs = std::filesystem;
    fs::create_directories(dir_);
    const std::string d = dir_.string();
    child_ksk_ = dnslab::run_out("cd " + d + " && ldns-keygen -a ECDSAP256SHA256 -k example.swtest");
    child_zsk_ = dnslab::run_out("cd " + d + " && ldns-keygen -a ECDSAP256SHA256 example.swtest");
    parent_ksk_ = dnslab::run_out("cd " + d + " && ldns-keygen -a ECDSAP256SHA256 -k swtest");
    parent_zsk_ = dnslab::run_out("cd " + d + " && ldns-keygen -a ECDSAP256SHA256 swtest");
    nsd_port_ = dnslab::free_udp_port();
  }
  ~DnsLab() { stop(); }

  // Writes and signs the zones, then (re)starts nsd, and unbound on first use.
  void serve(const ChildZone& child) {
    write_zones(child);
    nsd_.stop();
    nsd_ = start_nsd("nsd", nsd_port_, "parent.zone.signed", "child.zone.served");
    if (!dnslab::answers(nsd_port_)) throw std::runtime_error("nsd did not answer on " + std::to_string(nsd_port_));
    // unbound is restarted with every zone change (same port): its key cache and bogus-data cache
    // (val-bogus-ttl) would otherwise carry the last zone's validation state into the next pass.
    unbound_.stop();
    start_unbound();
  }

  // A second nsd, not signed, answering `address` for the child's names: a rogue resolver.
  void serve_rogue(const std::string& address) {
    ChildZone rogue;
    rogue.address = address;
    serve_rogue(rogue);
  }
  // The same with any child zone (unsigned): e.g. a rogue resolver changing only the MX.
  void serve_rogue(ChildZone rogue) {
    rogue.signed_zone = false;
    dnslab::write(dir_ / "rogue.zone", child_text(rogue));
    rogue_port_ = dnslab::free_udp_port();
    rogue_ = start_nsd("rogue", rogue_port_, "", "rogue.zone");
    if (!dnslab::answers(rogue_port_)) throw std::runtime_error("rogue nsd did not answer");
  }

  void stop() {
    unbound_.stop();
    nsd_.stop();
    rogue_.stop();
  }

  // The validating resolver ("127.0.0.1@port") and its trust anchor file (the parent's DS).
  std::string resolver() const { return "127.0.0.1@" + std::to_string(unbound_port_); }
  std::string rogue() const { return "127.0.0.1@" + std::to_string(rogue_port_); }
  std::filesystem::path anchor() const { return dir_ / "anchor.ds"; }
  int nsd_port() const { return nsd_port_; }

 private:
  static std::string child_text(const ChildZone& c) {
    std::ostringstream z;
    z << "$TTL 300\n"
      << "example.swtest. IN SOA " << c.ns << ".example.swtest. admin.example.swtest. 1 3600 600 86400 300\n"
      << "example.swtest. IN NS " << c.ns << ".example.swtest.\n"
      << c.ns << ".example.swtest. IN A 127.0.0.1\n"
      << "www.example.swtest. IN A " << c.address << "\n"
      << "example.swtest. IN A " << c.address << "\n"
      << "example.swtest. IN MX " << c.mx << "\n"
      << "example.swtest. IN CAA 0 issue \"letsencrypt.org\"\n";
    for (const auto& line : c.extra) z << line << "\n";
    return z.str();
  }

  void write_zones(const ChildZone& c) {
    const std::string d = dir_.string();
    dnslab::write(dir_ / "child.zone", child_text(c));
    if (c.signed_zone) {
      dnslab::run_out("cd " + d + " && ldns-signzone -n -f child.zone.served child.zone " + child_ksk_ + " " +
                      child_zsk_);
    } else {
      std::filesystem::copy_file(dir_ / "child.zone", dir_ / "child.zone.served",
                                 std::filesystem::copy_options::overwrite_existing);
    }
    std::string parent = "$TTL 300\n"
                         "swtest. IN SOA ns1.swtest. admin.swtest. 1 3600 600 86400 300\n"
                         "swtest. IN NS ns1.swtest.\n"
                         "ns1.swtest. IN A 127.0.0.1\n"
                         "example.swtest. IN NS " + c.ns + ".example.swtest.\n" +
                         c.ns + ".example.swtest. IN A 127.0.0.1\n";
    if (c.ds_in_parent) parent += dnslab::run_out("cd " + d + " && ldns-key2ds -n -2 " + child_ksk_ + ".key") + "\n";
    for (const auto& line : c.parent_extra) parent += line + "\n";
    dnslab::write(dir_ / "parent.zone", parent);
    dnslab::run_out("cd " + d + " && ldns-signzone -n -f parent.zone.signed parent.zone " + parent_ksk_ + " " +
                    parent_zsk_);
    dnslab::write(dir_ / "anchor.ds", dnslab::run_out("cd " + d + " && ldns-key2ds -n -2 " + parent_ksk_ + ".key") + "\n");
  }

  dnslab::Process start_nsd(const std::string& name, int port, const std::string& parent_file,
                            const std::string& child_file) {
    const std::string d = dir_.string();
    std::string conf = "server:\n  ip-address: 127.0.0.1@" + std::to_string(port) + "\n  port: " + std::to_string(port) +
                       "\n  username: \"\"\n  chroot: \"\"\n  zonesdir: \"" + d + "\"\n  pidfile: \"" + d + "/" + name +
                       ".pid\"\n  database: \"\"\n  xfrdir: \"" + d + "\"\n  xfrdfile: \"" + d + "/" + name +
                       "-xfrd.state\"\n  zonelistfile: \"" + d + "/" + name + "-zone.list\"\n  logfile: \"" + d + "/" +
                       name + ".log\"\n  server-count: 1\n  verbosity: 0\n  do-ip6: no\n  tcp-count: 32\n"
                       "remote-control:\n  control-enable: no\n";
    if (!parent_file.empty()) conf += "zone:\n  name: swtest\n  zonefile: " + parent_file + "\n";
    conf += "zone:\n  name: example.swtest\n  zonefile: " + child_file + "\n";
    dnslab::write(dir_ / (name + ".conf"), conf);
    std::filesystem::remove(dir_ / (name + "-zone.list"));
    return dnslab::Process({"/usr/sbin/nsd", "-d", "-c", (dir_ / (name + ".conf")).string()});
  }

  void start_unbound() {
    const std::string d = dir_.string();
    if (unbound_port_ == 0) unbound_port_ = dnslab::free_udp_port();
    std::string conf = "server:\n  interface: 127.0.0.1\n  port: " + std::to_string(unbound_port_) +
                       "\n  do-daemonize: no\n  username: \"\"\n  chroot: \"\"\n  directory: \"" + d +
                       "\"\n  pidfile: \"" + d + "/unbound.pid\"\n  use-syslog: no\n  logfile: \"" + d +
                       "/unbound.log\"\n  do-not-query-localhost: no\n  trust-anchor-file: \"" + d +
                       "/anchor.ds\"\n  cache-max-ttl: 0\n  cache-max-negative-ttl: 0\n  val-bogus-ttl: 0\n"
                       "  access-control: 127.0.0.0/8 allow\n  qname-minimisation: no\n  num-threads: 1\n"
                       "  do-ip6: no\n  outgoing-range: 256\n  num-queries-per-thread: 1024\n"
                       "  val-log-level: 1\n  module-config: \"validator iterator\"\n"
                       // Nothing outside the lab: other names are NXDOMAIN at once, never the internet.
                       "  local-zone: \".\" static\n  local-zone: \"swtest.\" transparent\n"
                       "stub-zone:\n  name: \"swtest\"\n  stub-addr: 127.0.0.1@" + std::to_string(nsd_port_) + "\n"
                       // The child too: its delegation names 127.0.0.1, port 53, where nothing listens.
                       "stub-zone:\n  name: \"example.swtest\"\n  stub-addr: 127.0.0.1@" + std::to_string(nsd_port_) +
                       "\n";
    dnslab::write(dir_ / "unbound.conf", conf);
    unbound_ = dnslab::Process({"/usr/sbin/unbound", "-d", "-c", (dir_ / "unbound.conf").string()});
    if (!dnslab::answers(unbound_port_)) throw std::runtime_error("unbound did not answer");
  }

  std::filesystem::path dir_;
  std::string child_ksk_, child_zsk_, parent_ksk_, parent_zsk_;
  int nsd_port_ = 0;
  int unbound_port_ = 0;
  int rogue_port_ = 0;
  dnslab::Process nsd_;
  dnslab::Process unbound_;
  dnslab::Process rogue_;
};

}  // namespace sw::monitor::testing
