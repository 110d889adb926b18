#!/usr/bin/env bash
# `sitewarden guard --config F` as an operator runs it: a fresh node (no releases yet), kernel-picked
# loopback ports, /healthz and /metrics on the admin listener, an unknown site 404 with no reflection,
# the JSON access log, a clean stop by PID on SIGTERM; the WAF ([waf] enabled by default, issue 6, N7.3)
# blocks an attack with the Chinese block page carrying the request id and logs the event, and lets a
# Chinese search query through.
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
# (up to 30 s: the WAF's prefilter is built at start, ~2 s of CPU on a fresh node, more on a loaded machine)
for _ in $(seq 1 300); do grep -q '^sitewarden guard:' "$DIR/out" && break; sleep 0.1; done
line="$(grep '^sitewarden guard:' "$DIR/out")" || fail "no 'sitewarden guard:' line"
port="$(sed -E 's#.*http://127\.0\.0\.1:([0-9]+)/ .*#\1#' <<<"$line")"
admin="$(sed -E 's#.*metrics http://127\.0\.0\.1:([0-9]+)/metrics.*#\1#' <<<"$line")"

[ "$(curl -s "http://127.0.0.1:$admin/healthz")" = "ok" ] || fail "healthz"
status="$(curl -s -o "$DIR/body" -w '%{http_code}' -H 'Host: evil<script>.example' "http://127.0.0.1:$port/")"
[ "$status" = 400 ] || fail "a bad host gave $status"
status="$(curl -s -o "$DIR/body" -w '%{http_code}' -H 'Host: nosuchsite.example.org' "http://127.0.0.1:$port/x?q=1")"
[ "$status" = 404 ] || fail "an unknown site gave $status"
grep -q nosuchsite "$DIR/body" && fail "the 404 page reflects the host"
# A response is counted once its write completed, which may be just after the client read it: poll
# (bounded) rather than race the counter.
metric_shows() {
  for _ in $(seq 1 50); do
    curl -s "http://127.0.0.1:$admin/metrics" | grep -q "$1" && return 0
    sleep 0.05
  done
  return 1
}
metric_shows '^guard_responses_total{status="404"} 1$' || fail "metrics"

# The WAF runs before routing: an attack on any host is blocked with the block page (N7.3).
status="$(curl -s -o "$DIR/body" -D "$DIR/headers" -w '%{http_code}' -H 'Host: nosuchsite.example.org' \
  "http://127.0.0.1:$port/search?q=%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E")"
[ "$status" = 403 ] || fail "an XSS probe gave $status"
grep -q '请求已被拦截\|拦截' "$DIR/body" || fail "the block page is not the Chinese one"
rid="$(tr -d '\r' <"$DIR/headers" | sed -n 's/^[Xx]-[Rr]equest-[Ii]d: //p')"
[ -n "$rid" ] || fail "no X-Request-Id on the block"
grep -qF "$rid" "$DIR/body" || fail "the block page does not carry the request id"
grep -q '<script>' "$DIR/body" && fail "the block page reflects the attack"
status="$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: nosuchsite.example.org' \
  "http://127.0.0.1:$port/search?q=%E5%B7%A5%E4%BC%9A%E4%BC%9A%E5%91%98%E6%9C%8D%E5%8A%A1%EF%BC%8C%E5%8A%9E%E4%BA%8B%E6%8C%87%E5%8D%97")"
[ "$status" = 404 ] || fail "a Chinese search query gave $status (the WAF must let it through)"
for _ in $(seq 1 50); do grep -qF "$rid" "$DIR/node/waf-events.log" 2>/dev/null && break; sleep 0.1; done
grep -F "$rid" "$DIR/node/waf-events.log" | grep -q '"action":"blocked"' || fail "no blocked WAF event for $rid"
metric_shows '^guard_filter_blocks_total{reason="waf"} 1$' || fail "WAF block metric"
# As a node runs it the prefilter is on (issue 6): the clean requests were found clean by its fast path
# (no reduced rule set), the probe ran the full rule set without the rules that could not match.
metric_shows '^waf_prefilter_total{outcome="fast_pass"} [1-9]' || fail "the WAF's fast path did not run on the node"
metric_shows '^waf_prefilter_total{outcome="targeted"} 1$' || fail "the attack did not take the targeted full run"
metric_shows '^waf_prefilter_total{outcome="miss"} 0$' || fail "prefilter misses on the node"

# The overload switch on the running guard (issue 6): on — a form POST gets 503, the metric shows the
# mode — then back to auto; a bad mode refused; each switch audited (guard.overload).
conf="$DIR/node/sitewarden.toml"
out="$("$SW" guard overload on --config "$conf" --admin-port "$admin")" || fail "overload on: $out"
grep -q 'overload mode on (was auto)' <<<"$out" || fail "overload on answered: $out"
metric_shows '^guard_limits_overload_mode{mode="on"} 1$' || fail "overload mode metric"
status="$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: nosuchsite.example.org' -d 'name=x' "http://127.0.0.1:$port/form")"
[ "$status" = 503 ] || fail "a POST in overload mode gave $status"
"$SW" guard overload auto --config "$conf" --admin-port "$admin" >/dev/null || fail "overload auto"
metric_shows '^guard_limits_overload_mode{mode="auto"} 1$' || fail "overload mode back to auto"
"$SW" guard overload maybe --config "$conf" --admin-port "$admin" >/dev/null 2>&1 && fail "a bad mode was accepted"
"$SW" audit export --config "$conf" --from 2020-01-01 --to 2099-12-31 --out "$DIR/audit.jsonl" >/dev/null \
  || fail "audit export"
[ "$(grep -c '"action":"guard.overload"' "$DIR/audit.jsonl")" = 2 ] || fail "the switches are not audited"

kill -TERM "$PID"
for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$PID" 2>/dev/null && fail "the guard did not stop on SIGTERM"
wait "$PID" || fail "the guard exited non-zero"
PID=""
grep -q '"path":"/x","status":404' "$DIR/node/guard-access.log" || fail "access log"
grep -q 'q=1' "$DIR/node/guard-access.log" && fail "the access log holds the query"
echo "guard cli: ok"
