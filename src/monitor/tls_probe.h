// TlsProbe: the certificate and protocols each site's domains offer on HTTPS (issue 7; N7.4
// cryptography, N7.2 a site that cannot be impersonated). Per domain: one handshake as a browser
// would (chain against the trust store, host name, expiry), one HEAD / on it for the
// Strict-Transport-Security header, one handshake each limited to TLS 1.0 and TLS 1.1 to see
// whether the server still accepts them, and TLS 1.2 handshakes offering only weak cipher suites
// (below) to see which of those it accepts.
//
// Weak cipher classes (TLS 1.2; TLS 1.3 has none): "anonymous" (aNULL: no server authentication,
// anyone in the path can impersonate the site), "null_encryption" (eNULL: plain text), and
// "no_forward_secrecy" (static RSA key exchange, kRSA: a stolen key decrypts recorded traffic).
// RC4, DES/3DES and export suites cannot be offered: Debian's OpenSSL 3 no longer implements them in
// its default provider (a server that accepts only those fails the main handshake: grade F).
//
// The grade (docs/modules/monitor.md "TLS grade"):
//   F  no handshake, an expired or not yet valid certificate, an untrusted chain, or a certificate
//      not for the host name;
//      or an anonymous or null-encryption cipher suite accepted;
//   C  TLS 1.0 or 1.1 accepted;
//   B  no HSTS, or HSTS with max-age below 180 days, or static-RSA suites accepted (no forward secrecy);
//   A  none of the above.
// Expiry warnings: 30, 14 and 7 days before (warning, warning, critical).
//
// Bounded: every connect, read and write ends within the timeout, and the HSTS read stops at the
// timeout however slowly the peer drips; a handshake is a few kilobytes, each read bounded.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "monitor/findings.h"

namespace sw::monitor {

struct TlsOptions {
  std::chrono::milliseconds timeout{15'000};
  std::string ca_file;  // extra trust anchors (PEM); the system's are always trusted too
  // "HOST:PORT:ADDR:PORT" entries as in FetchOptions::connect_to.
  std::vector<std::string> connect_to;
};

struct TlsReport {
  std::string host;
  int port = 443;
  bool connected = false;      // a handshake completed
  std::string error;           // why not: connect | timeout | handshake
  std::string protocol;        // negotiated, e.g. "TLSv1.3"
  std::string cipher;
  bool chain_ok = false;
  std::string chain_error;     // OpenSSL's verify error text when !chain_ok
  bool hostname_ok = false;
  std::optional<TimePoint> not_before;
  std::optional<TimePoint> not_after;
  std::vector<std::string> old_protocols;  // "TLSv1", "TLSv1.1" accepted
  // Weak classes accepted ("anonymous", "null_encryption", "no_forward_secrecy"), each with the
  // suite the server chose when offered it.
  std::vector<std::pair<std::string, std::string>> weak_ciphers;
  std::string hsts;                        // the header, "" when absent
  std::int64_t hsts_max_age = 0;

  char grade(TimePoint now) const;
};

TlsReport probe_tls(const std::string& host, int port, const TlsOptions& options);

// The findings one report makes at `now` (subject "host:port"): tls.unreachable, tls.expired,
// tls.expiring, tls.untrusted, tls.hostname_mismatch, tls.old_protocol, tls.weak_cipher (critical for
// anonymous or null encryption, else a warning), tls.no_hsts.
std::vector<Observation> tls_observations(const TlsReport& report, TimePoint now);

}  // namespace sw::monitor
