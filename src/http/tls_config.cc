#include "http/tls_config.h"

#include <memory>
#include <string>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/crypto.h"

namespace sw::http {
namespace {

// Tells OpenSSL which sessions may be resumed; needed once client certificates are verified.
constexpr unsigned char kSessionIdContext[] = "sitewarden-http";

std::string openssl_reason() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof buffer);
  return buffer;
}

Status tls_error(const std::filesystem::path& file, std::string_view what) {
  return fail("http.tls", std::string(what) + " " + file.string() + ": " + openssl_reason());
}

Status load_identity(SSL_CTX* context, const TlsOptions& options) {
  if (SSL_CTX_use_certificate_chain_file(context, options.certificate_file.c_str()) != 1) {
    return tls_error(options.certificate_file, "cannot load certificate");
  }
  if (SSL_CTX_use_PrivateKey_file(context, options.private_key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return tls_error(options.private_key_file, "cannot load private key");
  }
  if (SSL_CTX_check_private_key(context) != 1) {
    return tls_error(options.private_key_file, "private key does not match the certificate in");
  }
  return ok();
}

Status configure_client_certificates(SSL_CTX* context, const TlsOptions& options) {
  if (options.client_cert_mode == ClientCertMode::none) {
    SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nullptr);
    return ok();
  }
  if (options.client_ca_file.empty()) {
    return fail("http.tls", "client_cert_mode " + std::string(to_string(options.client_cert_mode)) +
                                " needs a client_ca_file");
  }
  if (SSL_CTX_load_verify_locations(context, options.client_ca_file.c_str(), nullptr) != 1) {
    return tls_error(options.client_ca_file, "cannot load client CA file");
  }
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options.client_ca_file.c_str());
  if (names == nullptr) return tls_error(options.client_ca_file, "no CA names in");
  SSL_CTX_set_client_CA_list(context, names);
  int mode = SSL_VERIFY_PEER;
  if (options.client_cert_mode == ClientCertMode::required) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  SSL_CTX_set_verify(context, mode, nullptr);
  SSL_CTX_set_session_id_context(context, kSessionIdContext, sizeof kSessionIdContext - 1);
  return ok();
}

std::string subject_of(X509* certificate) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio) return {};
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(certificate), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string{};
}

std::string sha256_fingerprint(X509* certificate) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (X509_digest(certificate, EVP_sha256(), digest, &size) != 1) return {};
  return crypto::to_hex(std::string_view(reinterpret_cast<const char*>(digest), size));
}

}  // namespace

constexpr const char* kTls12Ciphers = "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20";

Status configure_server_tls(SSL_CTX* context, const TlsOptions& options) {
  ERR_clear_error();
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  // TLS 1.2: forward-secret AEAD suites only (OpenSSL's default list still has static-RSA and CBC
  // ones, which the monitor's TLS probe reports as tls.weak_cipher). TLS 1.3's suites are all fine.
  if (SSL_CTX_set_cipher_list(context, kTls12Ciphers) != 1) {
    return fail("http.tls", std::string("cannot set the TLS 1.2 cipher suites ") + kTls12Ciphers);
  }
  SSL_CTX_set_options(context,
                      SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SW_CHECK(load_identity(context, options));
  return configure_client_certificates(context, options);
}

std::optional<ClientCertificate> peer_certificate(SSL* connection) {
  std::unique_ptr<X509, decltype(&X509_free)> certificate(SSL_get1_peer_certificate(connection), &X509_free);
  if (!certificate || SSL_get_verify_result(connection) != X509_V_OK) return std::nullopt;
  return ClientCertificate{sha256_fingerprint(certificate.get()), subject_of(certificate.get())};
}

}  // namespace sw::http
