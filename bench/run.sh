#!/usr/bin/env bash
# `make bench`: every benchmark, each next to its peer where one exists; figures go to docs/benchmarks.md
# by hand, with the machine they were taken on.
#
#   bash bench/run.sh BUILD_DIR
#
# 1. Console login page requests/s, sitewarden against nginx (bench/console_login_bench.sh).
# 2. Audit log append rate and verify time for both crypto suites (BUILD_DIR/bench/audit_bench), when built.
# 3. Review scanner MB/s and recall on a generated >= 100 MiB Chinese corpus, against mint-filter and
#    python3-ahocorasick; docx/xlsx/pdf files per second (bench/review/run.sh).
# 4. Console with 100 sites and 100,000 articles: article-list and review-queue latency, save + scan
#    (bench/content_bench.sh).
# 5. Publishing a 10,000-article site, full and incremental, against Hugo building the same content
#    (bench/publish_bench.sh).
# 5. The guard against nginx serving the same release: one page, a 100 KB file, a rotation over 1,000
#    pages — requests/s, requests per CPU-second, p99 (bench/guard_bench.sh).
# 6. The anti-DoS limits filter's overhead: the guard on a 5 KB page with the filter off and on, same
#    run (bench/limits_bench.sh).
# 6b. The WAF: the guard with the WAF against nginx + ModSecurity with the same CRS, and both without, on
#    a mix of static GETs, Chinese form/JSON POSTs and CRS-corpus attacks (bench/waf_bench.sh).
# 7. Mirror watch: tamper detect + restore latency over 1,000 tampers, and full verification of 100,000
#    files (~850 MB) against `aide --check` on the same tree (bench/watch_bench.sh).
# 9. The monitors over 500 sites on one loopback nginx: uptime probes/s, peak memory of the uptime, TLS
#    and freshness passes (bench/monitor_bench.sh).
# 8. Link check of a 10,000-page site on loopback against LinkChecker, politeness lifted and default
#    (capped and extrapolated); identical dead-link sets asserted (bench/link_bench.sh).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
build_dir="$1"
here="$(cd "$(dirname "$0")" && pwd)"
status=0

echo "sitewarden benchmarks — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo

echo "== Console login page =="
bash "$here/console_login_bench.sh" "$build_dir/src/cli/sitewarden" || status=1
echo

echo "== Audit log =="
if [ -x "$build_dir/bench/audit_bench" ]; then
  "$build_dir/bench/audit_bench" || status=1
else
  echo "$build_dir/bench/audit_bench is not built (ninja -C $build_dir audit_bench): skipped"
fi

echo "== Review scanner =="
bash "$here/review/run.sh" "$build_dir" || status=1
echo

echo "== Console with 100 sites and 100,000 articles =="
bash "$here/content_bench.sh" "$build_dir" || status=1
echo

echo "== Publishing a 10,000-article site against Hugo =="
bash "$here/publish_bench.sh" "$build_dir" || status=1
echo

echo "== Guard against nginx =="
bash "$here/guard_bench.sh" "$build_dir" || status=1
echo

echo "== Anti-DoS limits overhead (guard, limits filter off vs on) =="
bash "$here/limits_bench.sh" "$build_dir" || status=1
echo

echo "== WAF: guard+WAF against nginx+ModSecurity (same CRS 3.3.4) =="
bash "$here/waf_bench.sh" "$build_dir" || status=1
echo

echo "== Mirror watch: tamper restore latency, full verification against aide =="
bash "$here/watch_bench.sh" "$build_dir" || status=1
echo

echo "== Link check (monitor) =="
bash "$here/link_bench.sh" "$build_dir" || status=1
echo

echo "== Monitor: uptime probes/s and memory for 500 sites =="
bash "$here/monitor_bench.sh" "$build_dir" || status=1
echo

exit "$status"
