#!/usr/bin/env bash
# Console with 100 sites and 100,000 articles (issue 4): article-list and review-queue page latency
# (p50/p99, HTML pages and their /api/v1 twins) and article save + scan time.
#
#   bash bench/content_bench.sh BUILD_DIR [SITES] [ARTICLES_PER_SITE] [DURATION_SECONDS]
#
# A fresh node (`sitewarden init` in a temp dir), filled by BUILD_DIR/bench/content_seed through the
# real services (every article sanitised, hashed, audited; 20 per site submitted and scanned), then
# `sitewarden serve` on an ephemeral loopback port and `wrk -t1 -c4 -d<N>s --latency` against each
# page in turn with the editor's or the reviewer's session (Authorization: Bearer). Four connections:
# a handful of staff of one site working at once. The server is stopped by PID; nothing outside the
# temp dir is written.
#
# There is no peer here a union would otherwise install on Debian; the floor printed next to each page
# is the same list as one SQLite query in the sqlite3 shell (what no page can beat).
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 4 ]; then
  echo "usage: $0 BUILD_DIR [SITES] [ARTICLES_PER_SITE] [DURATION_SECONDS]" >&2
  exit 2
fi
build_dir="$(cd "$1" && pwd)"
sites="${2:-100}"
per_site="${3:-1000}"
duration="${4:-10}"
bin="$build_dir/src/cli/sitewarden"
seed="$build_dir/bench/content_seed"
readonly START_TIMEOUT_SECONDS=30

for tool in wrk curl sqlite3; do
  command -v "$tool" >/dev/null || { echo "content bench: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
for exe in "$bin" "$seed"; do
  [ -x "$exe" ] || { echo "content bench: $exe not found: build it first (ninja -C $build_dir $(basename "$exe"))" >&2; exit 1; }
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/sitewarden-content-bench.XXXXXX")"
sw_pid=""
cleanup() {
  if [ -n "$sw_pid" ]; then
    kill -TERM "$sw_pid" 2>/dev/null || true
    wait "$sw_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

"$bin" init --data-dir "$tmp/node" >/dev/null
config="$tmp/node/sitewarden.toml"
sed -i -E '/^\[console\]/,/^\[/ { s/^listen = .*/listen = "127.0.0.1"/; s/^port = [0-9]+/port = 0/ }' "$config"

echo "seeding $sites sites × $per_site articles through the content service…"
seed_start=$SECONDS
"$seed" "$config" --sites "$sites" --articles-per-site "$per_site" >"$tmp/seed.json" 2>"$tmp/seed.err" || {
  echo "content bench: seeding failed:" >&2
  cat "$tmp/seed.err" >&2
  exit 1
}
echo "seeded in $((SECONDS - seed_start)) s"
json() { python3 -c "import json,sys; d=json.load(open('$tmp/seed.json')); print(eval(sys.argv[1]))" "$1"; }
site="$(json 'd["bench_site"]')"
editor="$(json 'd["editor_token"]')"
reviewer="$(json 'd["reviewer_token"]')"
db="$tmp/node/sitewarden.db"

"$bin" serve --config "$config" >"$tmp/serve.out" 2>"$tmp/serve.log" &
sw_pid=$!
url=""
deadline=$((SECONDS + START_TIMEOUT_SECONDS))
while ((SECONDS < deadline)); do
  url="$(grep -oE 'http://127\.0\.0\.1:[0-9]+/' "$tmp/serve.out" 2>/dev/null | head -n1 || true)"
  [ -n "$url" ] && break
  kill -0 "$sw_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$url" ] || { echo "content bench: sitewarden did not start:" >&2; cat "$tmp/serve.out" "$tmp/serve.log" >&2; exit 1; }
url="${url%/}"

# One page: checks it answers 200 for this session, then wrk; prints a Markdown row.
measure() {
  local label="$1" token="$2" path="$3" floor_sql="$4"
  local code
  code="$(curl -s -o "$tmp/page" -w '%{http_code}' -H "Authorization: Bearer $token" "$url$path")"
  if [ "$code" != "200" ]; then
    echo "| $label | \`$path\` | HTTP $code | | | | |"
    return 0
  fi
  local bytes
  bytes="$(wc -c <"$tmp/page")"
  wrk -t1 -c4 -d"${duration}s" --latency -H "Authorization: Bearer $token" "$url$path" >"$tmp/wrk.out" 2>&1
  local rps p50 p99
  rps="$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk.out")"
  p50="$(awk '$1=="50%" {print $2}' "$tmp/wrk.out")"
  p99="$(awk '$1=="99%" {print $2}' "$tmp/wrk.out")"
  local floor
  floor="$(python3 - "$db" "$floor_sql" <<'EOF'
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1])
best = None
for _ in range(20):
    t0 = time.perf_counter()
    con.execute(sys.argv[2]).fetchall()
    dt = (time.perf_counter() - t0) * 1000
    best = dt if best is None else min(best, dt)
print(f"{best:.2f} ms")
EOF
)"
  echo "| $label | \`$path\` | $bytes B | $rps | $p50 | $p99 | $floor |"
}

echo
echo "content service (ms): $(python3 -c "import json; d=json.load(open('$tmp/seed.json')); print({k: d[k] for k in ('articles','create_ms','submit_ms','save_scan_ms')})")"
echo
echo "| page | path | size | req/s | p50 | p99 | SQL floor |"
echo "|---|---|---:|---:|---:|---:|---:|"
list_sql="SELECT a.id, a.state, v.title FROM articles a JOIN article_versions v ON v.article_id = a.id AND v.n = a.current_version WHERE a.site_id = $site AND a.deleted_at IS NULL ORDER BY a.id DESC LIMIT 50"
deep_sql="$list_sql OFFSET 900"
queue_sql="SELECT a.id, v.title FROM articles a JOIN article_versions v ON v.article_id = a.id AND v.n = a.current_version WHERE a.site_id = $site AND a.state = 'submitted' AND a.deleted_at IS NULL ORDER BY a.id"
measure "article list, page 1" "$editor" "/articles?site=$site" "$list_sql"
measure "article list, page 19" "$editor" "/articles?site=$site&page=19" "$deep_sql"
measure "article list, title search" "$editor" "/articles?site=$site&q=%E7%AC%AC5" "$list_sql"
measure "review queue (content)" "$reviewer" "/review?site=$site&stage=content" "$queue_sql"
measure "API article list" "$editor" "/api/v1/sites/$site/articles" "$list_sql"
measure "API review queue" "$reviewer" "/api/v1/sites/$site/review-queue?stage=content" "$queue_sql"
echo
echo "articles in the database: $(sqlite3 "$db" 'SELECT COUNT(*) FROM articles')"
