#!/usr/bin/env bash
# `sitewarden guard --config F` as an operator runs it: a fresh node (no releases yet), kernel-picked
# loopback ports, /healthz and /metrics on the admin listener, an unknown site 404 with no reflection,
# the JSON access log, a clean stop by PID on SIGTERM.
set -euo pipefail
SW="$1"
DIR="$(mktemp -d)"
PID=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$DIR/out" ] && cat "$DIR/out" >&2; exit 1; }

"$SW" init --data-dir "$DIR/node" >/dev/null
sed -i 's/^port = 8080 /port = 0 /; s/^admin_port = 8081 /admin_port = 0 /' "$DIR/node/sitewarden.toml"
grep -q '^port = 0 ' "$DIR/node/sitewarden.toml" || fail "the [guard] port line was not found"
"$SW" guard --config "$DIR/node/sitewarden.toml" >"$DIR/out" 2>&1 &
PID=$!
for _ in $(seq 1 100); do grep -q '^sitewarden guard:' "$DIR/out" && break; sleep 0.1; done
line="$(grep '^sitewarden guard:' "$DIR/out")" || fail "no 'sitewarden guard:' line"
port="$(sed -E 's#.*http://127\.0\.0\.1:([0-9]+)/ .*#\1#' <<<"$line")"
admin="$(sed -E 's#.*metrics http://127\.0\.0\.1:([0-9]+)/metrics.*#\1#' <<<"$line")"

[ "$(curl -s "http://127.0.0.1:$admin/healthz")" = "ok" ] || fail "healthz"
status="$(curl -s -o "$DIR/body" -w '%{http_code}' -H 'Host: evil<script>.example' "http://127.0.0.1:$port/")"
[ "$status" = 400 ] || fail "a bad host gave $status"
status="$(curl -s -o "$DIR/body" -w '%{http_code}' -H 'Host: nosuchsite.example.org' "http://127.0.0.1:$port/x?q=1")"
[ "$status" = 404 ] || fail "an unknown site gave $status"
grep -q nosuchsite "$DIR/body" && fail "the 404 page reflects the host"
curl -s "http://127.0.0.1:$admin/metrics" | grep -q '^guard_responses_total{status="404"} 1$' || fail "metrics"

kill -TERM "$PID"
for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$PID" 2>/dev/null && fail "the guard did not stop on SIGTERM"
wait "$PID" || fail "the guard exited non-zero"
PID=""
grep -q '"path":"/x","status":404' "$DIR/node/guard-access.log" || fail "access log"
grep -q 'q=1' "$DIR/node/guard-access.log" && fail "the access log holds the query"
echo "guard cli: ok"
