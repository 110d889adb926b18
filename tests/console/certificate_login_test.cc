// Certificate login over mutual TLS (N6.4): a registered client certificate is the second factor.
#include "console_fixture.h"

namespace sw::console::testing {
namespace {

class ConsoleCertificateTest : public ConsoleTest {
 protected:
  void SetUp() override {
    certs_ = http::testing::make_temp_dir();
    server_cert_ = http::testing::make_self_signed(certs_, "console");
    alice_ = http::testing::make_self_signed(certs_, "sysadmin");
    ConsoleTest::SetUp();
  }
  void TearDown() override {
    ConsoleTest::TearDown();
    std::error_code ec;
    std::filesystem::remove_all(certs_, ec);
  }
  http::ListenerOptions listener() override {
    http::TlsOptions tls;
    tls.certificate_file = server_cert_.certificate_file;
    tls.private_key_file = server_cert_.private_key_file;
    tls.client_cert_mode = http::ClientCertMode::optional;
    tls.client_ca_file = alice_.certificate_file;
    return http::ListenerOptions{"console", "127.0.0.1", 0, tls};
  }
  Browser with_certificate() { return Browser(port_, http::testing::TlsClientOptions{alice_}); }
  Browser without_certificate() { return Browser(port_, http::testing::TlsClientOptions{}); }

  std::filesystem::path certs_;
  http::testing::TestCertificate server_cert_;
  http::testing::TestCertificate alice_;
};

TEST_F(ConsoleCertificateTest, SecurityAdministratorRegistersACertificateThatReplacesTheCode) {
  logged_in_tls("sysadmin");
  clock_.advance(std::chrono::seconds(60));
  Browser sec = logged_in_tls("secadmin");
  identity::Principal system = identity::Principal::system("test");
  auto sysadmin = identity_->find_user(system, "sysadmin");
  ASSERT_TRUE(sysadmin);
  sec.get("/certificates");
  Page p = sec.post("/certificates", {{"user_id", std::to_string(sysadmin->id)}, {"fingerprint", "not-hex"}});
  EXPECT_EQ(p.status, 400);
  EXPECT_NE(p.body.find("64"), std::string::npos);
  p = sec.post("/certificates", {{"user_id", std::to_string(sysadmin->id)},
                                 {"fingerprint", alice_.sha256_fingerprint}, {"subject", "CN=sysadmin"}});
  EXPECT_EQ(p.location(), "/certificates?msg=msg_cert_registered");
  EXPECT_NE(sec.get("/certificates").body.find(alice_.sha256_fingerprint), std::string::npos);

  Browser b = with_certificate();
  b.get("/login");
  p = b.post("/login", {{"username", "sysadmin"}, {"password", std::string(kChanged)}});
  EXPECT_EQ(p.location(), "/") << "the certificate is the second factor: no code asked";
  EXPECT_EQ(b.get("/users").status, 200);

  Browser plain = without_certificate();
  plain.get("/login");
  p = plain.post("/login", {{"username", "sysadmin"}, {"password", std::string(kChanged)}});
  EXPECT_EQ(p.location(), "/login/second-factor") << "without the certificate the code is still due";
}

TEST_F(ConsoleCertificateTest, SystemAdministratorCannotRegisterCertificates) {
  Browser b = logged_in_tls("sysadmin");
  EXPECT_EQ(b.get("/certificates").status, 403);
}

}  // namespace
}  // namespace sw::console::testing
