#!/usr/bin/env bash
# DNS probes per second across 500 sites (issue 7; docs/benchmarks.md "Monitor: DNS probe"): nsd + unbound
# on loopback started and stopped by dns_bench itself. Usage: bench/dns_bench.sh [BUILD_DIR] [SITES]
set -euo pipefail
BUILD=${1:-build}
SITES=${2:-500}
cmake --build "$BUILD" --target dns_bench -j2 >/dev/null
echo "== DNS probe: $SITES sites, one domain each, 7 validated questions per domain"
for in_flight in 16 64 256; do
  /usr/bin/time -f '{"max_rss_kb": %M, "cpu_s": %U+%S}' "$BUILD/bench/dns_bench" "$SITES" "$in_flight"
done
