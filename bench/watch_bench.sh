#!/usr/bin/env bash
# Mirror watch (issue 5, N7.1): tamper detect + restore latency, and full verification of a large
# tree next to `aide --check` on the same tree (docs/benchmarks.md "Mirror watch").
#
#   bash bench/watch_bench.sh BUILD_DIR [FILES] [TOTAL_MB] [TAMPERS]
#
# 1. BUILD_DIR/bench/watch_bench latency: a real Watcher (production defaults) on a 1,000-file
#    mirror; TAMPERS changes of mixed kinds (modify, add, delete, rename, chmod, symlink, truncate),
#    each timed from the change until the path is whole again; p50/p99.
# 2. A tree of FILES files (~TOTAL_MB MB, 1,000 directories) in a temp dir; the page cache is warmed
#    by one untimed pass; then sitewarden's full verification (every byte re-hashed, both cores) with
#    SHA-256 and with SM3 digests (SM3 through the multi-buffer code of base/sm3_multi.h; run with
#    SITEWARDEN_SM3=scalar for OpenSSL's), and Debian's aide with a temp config hashing with sha256 only
#    (p+s+sha256, num_workers = cores): `aide --init` then `aide --check`, both timed.
# Everything is written under a temp dir that is removed at the end.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 4 ]; then
  echo "usage: $0 BUILD_DIR [FILES] [TOTAL_MB] [TAMPERS]" >&2
  exit 2
fi
build_dir="$(cd "$1" && pwd)"
files="${2:-100000}"
total_mb="${3:-850}"
tampers="${4:-1000}"
bench="$build_dir/bench/watch_bench"
[ -x "$bench" ] || { echo "watch bench: $bench not found: ninja -C $build_dir watch_bench" >&2; exit 1; }
command -v aide >/dev/null || { echo "watch bench: aide is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/sitewarden-watch-bench.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
cores="$(nproc)"
now() { date +%s.%N; }

echo "-- tamper detect + restore latency ($tampers tampers) --"
"$bench" latency "$tmp/latency" "$tampers"

echo "-- full verification: $files files, ~$total_mb MB --"
"$bench" tree "$tmp/tree" "$files" "$total_mb"
find "$tmp/tree/root" -type f -exec cat {} + >/dev/null  # warm the page cache once for every contender
"$bench" verify "$tmp/tree" sha256
"$bench" verify "$tmp/tree" sm3
sw_seconds="$("$bench" verify "$tmp/tree" sha256 | sed -n 's/.*"seconds":\([0-9.e+-]*\).*/\1/p')"
sm3_seconds="$("$bench" verify "$tmp/tree" sm3 | sed -n 's/.*"seconds":\([0-9.e+-]*\).*/\1/p')"

mkdir -p "$tmp/aide"
cat >"$tmp/aide/aide.conf" <<CONF
database_in=file:$tmp/aide/aide.db
database_out=file:$tmp/aide/aide.db.new
gzip_dbout=no
report_url=stdout
num_workers=$cores
SW = p+s+sha256
$tmp/tree/root SW
CONF
t0="$(now)"
aide --init -c "$tmp/aide/aide.conf" >"$tmp/aide/init.log" 2>&1 || { cat "$tmp/aide/init.log"; exit 1; }
t1="$(now)"
mv "$tmp/aide/aide.db.new" "$tmp/aide/aide.db"
t2="$(now)"
aide --check -c "$tmp/aide/aide.conf" >"$tmp/aide/check.log" 2>&1 || { echo "aide --check reported differences:"; tail -20 "$tmp/aide/check.log"; exit 1; }
t3="$(now)"
python3 - "$t0" "$t1" "$t2" "$t3" "$sw_seconds" "$sm3_seconds" "$cores" <<'PY'
import json, sys
t0, t1, t2, t3, sw, sm3, cores = map(float, sys.argv[1:])
check = t3 - t2
print(json.dumps({"bench": "aide", "workers": int(cores), "init_seconds": round(t1 - t0, 3),
                  "check_seconds": round(check, 3), "sitewarden_sha256_seconds": round(sw, 3),
                  "ratio_check_over_sitewarden": round(check / sw, 1),
                  "sitewarden_sm3_seconds": round(sm3, 3), "ratio_check_over_sitewarden_sm3": round(check / sm3, 1)}))
PY
