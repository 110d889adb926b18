// TLS configuration of a listener and client-certificate extraction, on plain OpenSSL types.
// Internal to the http module.
#pragma once

#include <optional>

#include <openssl/ssl.h>

#include "base/result.h"
#include "http/message.h"
#include "http/server.h"

namespace sw::http {

// Configures `context` for a server: TLS 1.2 minimum, no compression or renegotiation, the
// certificate chain and key from `options` (checked to match), and the client-certificate mode.
// Errors ("http.tls") name the file and OpenSSL's reason.
Status configure_server_tls(SSL_CTX* context, const TlsOptions& options);

// The verified peer certificate of an established connection, or nullopt if the client sent none.
std::optional<ClientCertificate> peer_certificate(SSL* connection);

}  // namespace sw::http
