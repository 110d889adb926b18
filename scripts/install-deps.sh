#!/usr/bin/env bash
# Installs every Debian 12 package sitewarden needs to build, test, run the demo and benchmark.
# Idempotent: when everything is present it only runs dpkg-query and returns in well under a second.
# The one non-Debian dependency is the npm package playwright-core (pinned in tests/browser/package-lock.json),
# used by the browser test to drive Debian's chromium.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  lld  # the linker (CMakeLists.txt: about a third of ld.bfd's time per executable)
  # libraries (DESIGN.md "Libraries")
  libboost-dev libssl-dev openssl libsodium-dev libsqlite3-dev sqlite3
  libspdlog-dev libfmt-dev nlohmann-json3-dev libtomlplusplus-dev libcli11-dev
  libzxcvbn-dev liboath-dev libkainjow-mustache-dev
  # review scanner (issue 3): matching, Chinese text, extraction
  libvectorscan-dev opencc python3 rime-data-pinyin-simp unicode-data
  libuchardet-dev libgumbo-dev libzip-dev libxml2-dev libpoppler-cpp-dev
  libxlsxwriter-dev libcairo2-dev  # tests write xlsx and pdf fixtures
  # content (issue 4): attachment types by content, malicious-file rules
  libmagic-dev libyara-dev zlib1g-dev  # zlib: the attachment tests write PNG fixtures with CRCs
  # publish (issue 5): brotli variants of released files (gzip comes from zlib1g-dev)
  libbrotli-dev libdeflate-dev  # libdeflate: the gzip forms (publish/compress.h)
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev curl oathtool
  gdb  # a CLI shell test whose command hangs prints its threads' stacks (tests/cli/check_lib.sh)
  # WAF (issue 6): libmodsecurity 3 and the OWASP CRS 3.3.4 rules; the CRS runner's YAML parser and its
  # nginx + ModSecurity peer (tests/waf/crs_runner.py)
  libmodsecurity-dev libpcre2-dev modsecurity-crs python3-yaml libnginx-mod-http-modsecurity
  # benchmark peers (make bench: console login page against nginx serving the same HTML)
  nginx-light wrk
  python3-ahocorasick  # make bench: plain Aho-Corasick baseline for the review scanner
  hugo  # make bench: the static site generator the publisher is measured against (bench/publish_bench.sh)
  aide  # make bench: file integrity checker the mirror watch's full verification is measured against (bench/watch_bench.sh)
  # monitor (issue 7): probes with libcurl (multi, OpenSSL); linkchecker: the link check's benchmark peer
  libcurl4-openssl-dev linkchecker
  # monitor DNS (issue 7, N7.2): libunbound validating DNSSEC, the root trust anchor; nsd, unbound and
  # ldns tools (ldns-keygen, ldns-signzone) for the signed test zones on loopback
  libunbound-dev dns-root-data nsd unbound ldnsutils
  # monitor location probe (issue 7, N2.5/N6.6): legacy GeoIP country data + libGeoIP, MaxMind .mmdb reader
  geoip-database libgeoip-dev libmaxminddb-dev
  # monitor DNS zone of a domain (issue 7): the registrable domain from the Public Suffix List (libpsl
  # reading Debian's publicsuffix data)
  libpsl-dev publicsuffix
  # browser test (N7.4 console login with a second factor, driven like a person would)
  chromium fonts-noto-cjk  # CJK fonts: the console is Chinese; without them screenshots show boxes
  # packaging
  dpkg-dev fakeroot
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js and npm: the machine's own (possibly not Debian's, which conflicts with Debian's npm) is used
# when present; otherwise Debian's.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# playwright-core for the browser test, from the lockfile (no browser download: it drives /usr/bin/chromium).
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ -f "$root/tests/browser/package-lock.json" ] && [ ! -d "$root/tests/browser/node_modules/playwright-core" ]; then
  (cd "$root/tests/browser" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi
