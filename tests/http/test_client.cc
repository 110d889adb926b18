#include "test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <random>
#include <stdexcept>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace sw::http::testing {
namespace {

constexpr long kCertificateValiditySeconds = 24L * 3600;
constexpr std::size_t kReadChunk = 4096;

int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval timeout{};
  timeout.tv_sec = kReadTimeout.count() / 1000;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

SSL_CTX* client_context(const TlsClientOptions& options) {
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nullptr);
  if (options.client_certificate) {
    SSL_CTX_use_certificate_file(context, options.client_certificate->certificate_file.c_str(),
                                 SSL_FILETYPE_PEM);
    SSL_CTX_use_PrivateKey_file(context, options.client_certificate->private_key_file.c_str(),
                                SSL_FILETYPE_PEM);
  }
  return context;
}

void write_pem(const std::filesystem::path& path, auto write) {
  FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) throw std::runtime_error("cannot write " + path.string());
  write(file);
  std::fclose(file);
}

std::string hex(const unsigned char* bytes, unsigned size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < size; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0xf];
  }
  return out;
}

std::optional<std::size_t> parse_size(std::string_view text, int base) {
  try {
    return std::stoul(std::string(text), nullptr, base);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::filesystem::path make_temp_dir() {
  static std::atomic<int> counter{0};
  std::random_device random;
  const auto path =
      std::filesystem::temp_directory_path() / ("sw-http-test-" + std::to_string(::getpid()) + "-" +
                                                std::to_string(random()) + "-" + std::to_string(counter++));
  std::filesystem::create_directories(path);
  return path;
}

TestCertificate make_self_signed(const std::filesystem::path& directory, const std::string& common_name) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* certificate = X509_new();
  X509_set_version(certificate, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate), 1);
  X509_gmtime_adj(X509_getm_notBefore(certificate), 0);
  X509_gmtime_adj(X509_getm_notAfter(certificate), kCertificateValiditySeconds);
  X509_NAME* name = X509_get_subject_name(certificate);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("Test Union"),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(certificate, name);
  X509_set_pubkey(certificate, key);
  X509_sign(certificate, key, EVP_sha256());

  TestCertificate result;
  result.certificate_file = directory / (common_name + ".crt");
  result.private_key_file = directory / (common_name + ".key");
  write_pem(result.certificate_file, [&](FILE* f) { PEM_write_X509(f, certificate); });
  write_pem(result.private_key_file,
            [&](FILE* f) { PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr); });
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  X509_digest(certificate, EVP_sha256(), digest, &size);
  result.sha256_fingerprint = hex(digest, size);
  X509_free(certificate);
  EVP_PKEY_free(key);
  return result;
}

std::unique_ptr<ClientConnection> ClientConnection::plain(std::uint16_t port) {
  const int fd = connect_loopback(port);
  if (fd < 0) return nullptr;
  return std::unique_ptr<ClientConnection>(new ClientConnection(fd, nullptr));
}

std::unique_ptr<ClientConnection> ClientConnection::tls(std::uint16_t port, const TlsClientOptions& options) {
  const int fd = connect_loopback(port);
  if (fd < 0) return nullptr;
  SSL_CTX* context = client_context(options);
  SSL* ssl = SSL_new(context);
  SSL_CTX_free(context);  // the SSL keeps its own reference
  SSL_set_fd(ssl, fd);
  auto connection = std::unique_ptr<ClientConnection>(new ClientConnection(fd, ssl));
  if (SSL_connect(ssl) != 1) return nullptr;
  return connection;
}

ClientConnection::ClientConnection(int fd, void* ssl) : fd_(fd), ssl_(ssl) {}

ClientConnection::~ClientConnection() {
  if (ssl_ != nullptr) SSL_free(static_cast<SSL*>(ssl_));
  ::close(fd_);
}

bool ClientConnection::send(std::string_view data) {
  while (!data.empty()) {
    const long sent = ssl_ != nullptr
                          ? SSL_write(static_cast<SSL*>(ssl_), data.data(), static_cast<int>(data.size()))
                          : ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

long ClientConnection::fill() {
  char chunk[kReadChunk];
  const long got = ssl_ != nullptr ? SSL_read(static_cast<SSL*>(ssl_), chunk, sizeof chunk)
                                   : ::recv(fd_, chunk, sizeof chunk, 0);
  if (got > 0) buffer_.append(chunk, static_cast<std::size_t>(got));
  if (got == 0) return 0;
  if (got < 0 && ssl_ != nullptr) {
    const int error = SSL_get_error(static_cast<SSL*>(ssl_), static_cast<int>(got));
    return error == SSL_ERROR_ZERO_RETURN || error == SSL_ERROR_SSL ? 0 : -1;
  }
  if (got < 0) return errno == ECONNRESET ? 0 : -1;
  return got;
}

bool ClientConnection::read_until(std::string_view delimiter, std::size_t& position) {
  while ((position = buffer_.find(delimiter)) == std::string::npos) {
    if (fill() <= 0) return false;
  }
  return true;
}

bool ClientConnection::read_exactly(std::size_t size) {
  while (buffer_.size() < size) {
    if (fill() <= 0) return false;
  }
  return true;
}

std::optional<std::string> ClientConnection::read_chunked() {
  std::string body;
  while (true) {
    std::size_t line_end = 0;
    if (!read_until("\r\n", line_end)) return std::nullopt;
    const auto size = parse_size(std::string_view(buffer_).substr(0, line_end), 16);
    if (!size) return std::nullopt;
    buffer_.erase(0, line_end + 2);
    if (!read_exactly(*size + 2)) return std::nullopt;
    body += buffer_.substr(0, *size);
    buffer_.erase(0, *size + 2);
    if (*size == 0) return body;
  }
}

std::optional<ReceivedResponse> ClientConnection::read_response(bool head) {
  std::size_t header_end = 0;
  if (!read_until("\r\n\r\n", header_end)) return std::nullopt;
  const std::string head_text = buffer_.substr(0, header_end);
  buffer_.erase(0, header_end + 4);
  ReceivedResponse response;
  std::size_t line_end = head_text.find("\r\n");
  const std::string status_line = head_text.substr(0, line_end);
  if (status_line.size() < 12 || !status_line.starts_with("HTTP/1.")) return std::nullopt;
  response.status = std::stoi(status_line.substr(9, 3));
  while (line_end != std::string::npos) {
    const std::size_t start = line_end + 2;
    line_end = head_text.find("\r\n", start);
    const std::string line =
        head_text.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    response.headers.add(line.substr(0, colon), value);
  }
  if (head || response.status == 204 || response.status == 304 || response.status / 100 == 1) return response;
  if (iequals(response.headers.get("Transfer-Encoding").value_or(""), "chunked")) {
    auto body = read_chunked();
    if (!body) return std::nullopt;
    response.body = std::move(*body);
    return response;
  }
  const auto length = parse_size(response.headers.get("Content-Length").value_or("0"), 10);
  if (!length || !read_exactly(*length)) return std::nullopt;
  response.body = buffer_.substr(0, *length);
  buffer_.erase(0, *length);
  return response;
}

bool ClientConnection::closed_by_peer(std::chrono::milliseconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd poll_fd{fd_, POLLIN, 0};
    if (::poll(&poll_fd, 1, static_cast<int>(std::max<long>(left.count(), 1))) <= 0) continue;
    const long got = fill();
    if (got == 0) return true;
    if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return true;
    buffer_.clear();
  }
  return false;
}

std::optional<ReceivedResponse> ClientConnection::round_trip(std::string_view request, bool head) {
  if (!send(request)) return std::nullopt;
  return read_response(head);
}

std::string get_request(std::string_view target, std::string_view extra) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra) + "\r\n";
}

}  // namespace sw::http::testing
