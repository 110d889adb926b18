// A small blocking HTTP/1.1 client over POSIX sockets (and OpenSSL for TLS) for the http tests,
// plus self-signed certificates made with OpenSSL. Every read has a timeout; nothing here can
// hang a test.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.h"

namespace sw::http::testing {

inline constexpr std::chrono::milliseconds kReadTimeout{5000};

struct ReceivedResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

// A self-signed certificate and its key, written as PEM files into `directory`.
struct TestCertificate {
  std::filesystem::path certificate_file;
  std::filesystem::path private_key_file;
  std::string sha256_fingerprint;  // lowercase hex over the DER
};
TestCertificate make_self_signed(const std::filesystem::path& directory, const std::string& common_name);

// A fresh empty directory under the system temp dir.
std::filesystem::path make_temp_dir();

struct TlsClientOptions {
  std::optional<TestCertificate> client_certificate;
};

class ClientConnection {
 public:
  // Connects to 127.0.0.1:port; nullptr if the connection (or TLS handshake) fails.
  static std::unique_ptr<ClientConnection> plain(std::uint16_t port);
  static std::unique_ptr<ClientConnection> tls(std::uint16_t port, const TlsClientOptions& options = {});
  ~ClientConnection();

  // Sends all of `data`; false if the peer is gone.
  bool send(std::string_view data);
  // Reads one response (Content-Length or chunked framing; none for HEAD). nullopt when the peer
  // closes or a read times out first.
  std::optional<ReceivedResponse> read_response(bool head = false);
  // True if the peer closes (EOF or reset) within `within`; data read meanwhile is discarded.
  bool closed_by_peer(std::chrono::milliseconds within = kReadTimeout);
  // Sends `request` and reads the response.
  std::optional<ReceivedResponse> round_trip(std::string_view request, bool head = false);

 private:
  ClientConnection(int fd, void* ssl);
  // Reads more bytes into buffer_; 0 on close, -1 on error or timeout.
  long fill();
  bool read_until(std::string_view delimiter, std::size_t& position);
  bool read_exactly(std::size_t size);
  std::optional<std::string> read_chunked();

  int fd_;
  void* ssl_;  // SSL*, or nullptr for plain
  std::string buffer_;
};

// "GET <target> HTTP/1.1" with Host and any `extra` header lines ("Name: value\r\n").
std::string get_request(std::string_view target, std::string_view extra = {});

}  // namespace sw::http::testing
