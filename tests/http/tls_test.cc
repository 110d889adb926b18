// TLS listeners and mutual TLS (N6.4, N7.4) with self-signed certificates made in the test.
#include <filesystem>

#include <gtest/gtest.h>

#include "http/server.h"
#include "test_client.h"

namespace sw::http {
namespace {

using testing::ClientConnection;
using testing::get_request;
using testing::TestCertificate;
using testing::TlsClientOptions;

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory = testing::make_temp_dir();
    server_certificate = testing::make_self_signed(directory, "server");
    client_certificate = testing::make_self_signed(directory, "alice");
  }
  void TearDown() override {
    server.reset();
    std::filesystem::remove_all(directory);
  }

  TlsOptions tls_options(ClientCertMode mode) const {
    TlsOptions tls;
    tls.certificate_file = server_certificate.certificate_file;
    tls.private_key_file = server_certificate.private_key_file;
    tls.client_cert_mode = mode;
    if (mode != ClientCertMode::none) tls.client_ca_file = client_certificate.certificate_file;
    return tls;
  }

  Status start(TlsOptions tls) {
    ServerOptions options;
    options.listeners.push_back(ListenerOptions{.name = "secure", .tls = std::move(tls)});
    options.io_threads = 1;
    Router router;
    EXPECT_TRUE(router.add("GET", "/whoami", [](Context& c) {
      const auto& certificate = c.request.client_certificate;
      return Response::text(
          std::string(c.request.tls ? "tls" : "plain") + "|" +
          (certificate ? certificate->sha256_fingerprint + "|" + certificate->subject : "none"));
    }));
    server = std::make_unique<Server>(std::move(options), std::move(router));
    SW_CHECK(server->start());
    port = server->port(0);
    return ok();
  }

  std::filesystem::path directory;
  TestCertificate server_certificate;
  TestCertificate client_certificate;
  std::unique_ptr<Server> server;
  std::uint16_t port = 0;
};

TEST_F(TlsTest, TlsListenerServesRequestsMarkedTls) {
  ASSERT_TRUE(start(tls_options(ClientCertMode::none)));
  auto connection = ClientConnection::tls(port);
  ASSERT_NE(connection, nullptr);
  const auto response = connection->round_trip(get_request("/whoami"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "tls|none");
}

TEST_F(TlsTest, PlainHttpOnTlsListenerIsRefused) {
  ASSERT_TRUE(start(tls_options(ClientCertMode::none)));
  auto connection = ClientConnection::plain(port);
  ASSERT_NE(connection, nullptr);
  connection->send(get_request("/whoami"));
  EXPECT_TRUE(connection->closed_by_peer());
  EXPECT_EQ(server->stats().rejected_for(RejectReason::tls_handshake), 1u);
}

TEST_F(TlsTest, OptionalModeSeesPresentedCertificateWithFingerprint) {
  ASSERT_TRUE(start(tls_options(ClientCertMode::optional)));
  auto connection = ClientConnection::tls(port, TlsClientOptions{.client_certificate = client_certificate});
  ASSERT_NE(connection, nullptr);
  const auto response = connection->round_trip(get_request("/whoami"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "tls|" + client_certificate.sha256_fingerprint + "|CN=alice,O=Test Union");
}

TEST_F(TlsTest, OptionalModeServesClientWithoutCertificate) {
  ASSERT_TRUE(start(tls_options(ClientCertMode::optional)));
  auto connection = ClientConnection::tls(port);
  ASSERT_NE(connection, nullptr);
  const auto response = connection->round_trip(get_request("/whoami"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "tls|none");
}

TEST_F(TlsTest, OptionalModeRefusesCertificateFromUnknownIssuer) {
  ASSERT_TRUE(start(tls_options(ClientCertMode::optional)));
  const TestCertificate stranger = testing::make_self_signed(directory, "mallory");
  auto connection = ClientConnection::tls(port, TlsClientOptions{.client_certificate = stranger});
  // With TLS 1.3 the client may finish its side of the handshake before the server refuses.
  const bool refused = connection == nullptr || !connection->round_trip(get_request("/whoami"));
  EXPECT_TRUE(refused);
}

TEST_F(TlsTest, RequiredModeRefusesClientWithoutCertificate) {
  ASSERT_TRUE(start(tls_options(ClientCertMode::required)));
  auto connection = ClientConnection::tls(port);
  const bool refused = connection == nullptr || !connection->round_trip(get_request("/whoami"));
  EXPECT_TRUE(refused);
}

TEST_F(TlsTest, RequiredModeServesClientWithCertificate) {
  ASSERT_TRUE(start(tls_options(ClientCertMode::required)));
  auto connection = ClientConnection::tls(port, TlsClientOptions{.client_certificate = client_certificate});
  ASSERT_NE(connection, nullptr);
  const auto response = connection->round_trip(get_request("/whoami"));
  ASSERT_TRUE(response);
  EXPECT_TRUE(response->body.starts_with("tls|" + client_certificate.sha256_fingerprint));
}

TEST_F(TlsTest, MissingCertificateFileIsNamedInTheError) {
  TlsOptions tls = tls_options(ClientCertMode::none);
  tls.certificate_file = directory / "absent.crt";
  const Status started = start(tls);
  ASSERT_FALSE(started.has_value());
  EXPECT_EQ(started.error().code, "http.tls");
  EXPECT_NE(started.error().message.find("absent.crt"), std::string::npos);
}

TEST_F(TlsTest, KeyThatDoesNotMatchCertificateIsAnError) {
  TlsOptions tls = tls_options(ClientCertMode::none);
  tls.private_key_file = client_certificate.private_key_file;
  const Status started = start(tls);
  ASSERT_FALSE(started.has_value());
  EXPECT_EQ(started.error().code, "http.tls");
}

TEST_F(TlsTest, ClientCertificateModeWithoutCaFileIsAnError) {
  TlsOptions tls = tls_options(ClientCertMode::required);
  tls.client_ca_file.clear();
  const Status started = start(tls);
  ASSERT_FALSE(started.has_value());
  EXPECT_NE(started.error().message.find("client_ca_file"), std::string::npos);
}

TEST(ClientCertMode, ParsesItsNamesAndRejectsOthers) {
  EXPECT_EQ(parse_client_cert_mode("required").value(), ClientCertMode::required);
  EXPECT_EQ(to_string(ClientCertMode::optional), "optional");
  const auto bad = parse_client_cert_mode("sometimes");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("sometimes"), std::string::npos);
}

}  // namespace
}  // namespace sw::http
