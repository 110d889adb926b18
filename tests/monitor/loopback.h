// Real peers on 127.0.0.1 for the monitor's tests (issue 7): nginx started from a generated config on
// free ports and stopped by its PID, a server that drips its answer, and certificates made with
// OpenSSL (a test CA, leaves for any name and validity window).
#pragma once

#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace sw::monitor::testing {

namespace fs = std::filesystem;

inline fs::path temp_dir(const std::string& name) {
  std::string tmpl = (fs::temp_directory_path() / (name + "-XXXXXX")).string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  fs::permissions(tmpl, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec);
  return tmpl;
}

inline void write_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// A port nobody listens on right now (bound to 0, read back, closed).
inline int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

inline bool accepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

// nginx in the foreground with `servers` (the http{} body, which may use ${ROOT}); stop() by PID.
class Nginx {
 public:
  Nginx(const fs::path& dir, const std::string& servers, std::vector<int> ports) : dir_(dir), ports_(std::move(ports)) {
    std::string conf = std::string(geteuid() == 0 ? "user root;\n" : "") +
                       "worker_processes 1;\nerror_log " + (dir / "error.log").string() + ";\npid " +
                       (dir / "nginx.pid").string() + ";\nevents { worker_connections 512; }\nhttp {\n"
                       "  access_log off;\n  client_body_temp_path " + (dir / "tmp").string() + ";\n"
                       "  proxy_temp_path " + (dir / "tmp").string() + ";\n  fastcgi_temp_path " +
                       (dir / "tmp").string() + ";\n  uwsgi_temp_path " + (dir / "tmp").string() +
                       ";\n  scgi_temp_path " + (dir / "tmp").string() + ";\n"
                       "  types { text/html html; image/png png; application/pdf pdf; }\n"
                       "  default_type application/octet-stream;\n  absolute_redirect off;\n" + servers + "}\n";
    fs::create_directories(dir / "tmp");
    write_file(dir / "nginx.conf", conf);
    start();
  }
  ~Nginx() { stop(); }

  void start() {
    pid_ = fork();
    if (pid_ == 0) {
      const std::string conf = (dir_ / "nginx.conf").string();
      const std::string prefix = dir_.string() + "/";
      execlp("nginx", "nginx", "-p", prefix.c_str(), "-c", conf.c_str(), "-g", "daemon off;", nullptr);
      _exit(127);
    }
    for (int i = 0; i < 200; ++i) {  // up to 10 s for every port to accept
      bool all = true;
      for (int p : ports_) all = all && accepts(p);
      if (all) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    stop();
    throw std::runtime_error("nginx did not start; see " + (dir_ / "error.log").string());
  }
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  fs::path dir_;
  std::vector<int> ports_;
  pid_t pid_ = -1;
};

// Accepts connections on a free port and answers each with headers, then one body byte every
// `gap`, for ever (until destroyed): a slow-drip peer.
class DripServer {
 public:
  explicit DripServer(std::chrono::milliseconds gap) : gap_(gap) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd_, 16);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::jthread([this](std::stop_token stop) { serve(stop); });
  }
  ~DripServer() {
    thread_.request_stop();
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
  }
  int port() const { return port_; }

 private:
  void serve(std::stop_token stop) {
    std::vector<std::jthread> clients;
    while (!stop.stop_requested()) {
      const int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      clients.emplace_back([this, c](std::stop_token s) {
        const std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n";
        if (send(c, head.data(), head.size(), MSG_NOSIGNAL) < 0) {
          close(c);
          return;
        }
        while (!s.stop_requested() && send(c, "x", 1, MSG_NOSIGNAL) == 1) std::this_thread::sleep_for(gap_);
        close(c);
      });
    }
  }
  int fd_ = -1;
  int port_ = 0;
  std::chrono::milliseconds gap_;
  std::jthread thread_;
};

// A test CA and leaf certificates (EC P-256) written as PEM files.
class TestCa {
 public:
  explicit TestCa(const fs::path& dir) : dir_(dir) {
    key_ = new_key();
    cert_ = X509_new();
    fill(cert_, "sitewarden test CA", "", -3600, 86400 * 3650);
    X509_set_issuer_name(cert_, X509_get_subject_name(cert_));
    add_ext(cert_, cert_, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert_, cert_, NID_key_usage, "critical,keyCertSign,cRLSign");
    X509_sign(cert_, key_, EVP_sha256());
    write(dir / "ca.pem", cert_);
  }
  ~TestCa() {
    X509_free(cert_);
    EVP_PKEY_free(key_);
  }
  fs::path ca_file() const { return dir_ / "ca.pem"; }

  // <name>.pem and <name>.key for `dns_name`, valid from now+from_s to now+to_s seconds; a P-256
  // key, or an RSA one (static-RSA key exchange needs an RSA certificate).
  void issue(const std::string& name, const std::string& dns_name, long from_s, long to_s, bool rsa = false) {
    EVP_PKEY* key = rsa ? EVP_RSA_gen(2048) : new_key();
    X509* c = X509_new();
    fill(c, dns_name, dns_name, from_s, to_s);
    X509_set_issuer_name(c, X509_get_subject_name(cert_));
    X509_set_pubkey(c, key);
    add_ext(cert_, c, NID_subject_alt_name, ("DNS:" + dns_name).c_str());
    X509_sign(c, key_, EVP_sha256());
    write(dir_ / (name + ".pem"), c);
    FILE* f = fopen((dir_ / (name + ".key")).c_str(), "w");
    PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
    fclose(f);
    X509_free(c);
    EVP_PKEY_free(key);
  }

 private:
  static EVP_PKEY* new_key() { return EVP_EC_gen("P-256"); }
  void fill(X509* c, const std::string& cn, const std::string&, long from_s, long to_s) {
    X509_set_version(c, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(c), ++serial_);
    X509_gmtime_adj(X509_getm_notBefore(c), from_s);
    X509_gmtime_adj(X509_getm_notAfter(c), to_s);
    X509_set_pubkey(c, key_);
    X509_NAME* n = X509_get_subject_name(c);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  }
  static void add_ext(X509* issuer, X509* c, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, c, nullptr, nullptr, 0);
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(c, e, -1);
    X509_EXTENSION_free(e);
  }
  static void write(const fs::path& p, X509* c) {
    FILE* f = fopen(p.c_str(), "w");
    PEM_write_X509(f, c);
    fclose(f);
  }
  fs::path dir_;
  EVP_PKEY* key_ = nullptr;
  X509* cert_ = nullptr;
  long serial_ = 0;
};

}  // namespace sw::monitor::testing
