#!/usr/bin/env bash
# Console login page, requests/s: sitewarden rendering GET /login against nginx serving the same HTML as
# a static file, side by side in one run (DESIGN.md: every benchmark next to the peer a user would pick).
#
#   bash bench/console_login_bench.sh SITEWARDEN_BIN [DURATION_SECONDS]
#
# Starts a fresh node (`sitewarden init` in a temp dir, console on an ephemeral loopback port) and an
# nginx with its own prefix, pid file and loopback port, runs `wrk -t2 -c32 -d<N>s` against each in turn,
# prints a Markdown table and the ratio, and stops both servers by PID. Nothing listens beyond 127.0.0.1
# and nothing outside the temp dir is written.
#
# Not like for like, on purpose: sitewarden builds the page per request (mustache template, message
# catalogue, a fresh random CSRF token and its Set-Cookie, security headers, filter chain, a JSON access
# log line); nginx sends a file from the page cache (with the same security headers, an access log line).
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 SITEWARDEN_BIN [DURATION_SECONDS]" >&2
  exit 2
fi
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
duration="${2:-10}"
readonly THREADS=2 CONNECTIONS=32 START_TIMEOUT_SECONDS=20

for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "console bench: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
[ -x "$bin" ] || { echo "console bench: $bin not found: build the sitewarden target first" >&2; exit 1; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/sitewarden-bench.XXXXXX")"
sw_pid="" nginx_pid=""
cleanup() {
  # Stop what this script started, by PID, and wait for it to exit.
  for pid in $sw_pid $nginx_pid; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $sw_pid $nginx_pid; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

# A loopback port nobody answers on (nginx cannot listen on port 0 and report it).
free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "console bench: no free loopback port found" >&2
  return 1
}

# waits until FILE contains PATTERN or PID has died; prints the first match
wait_for_line() {
  local file="$1" pattern="$2" pid="$3" deadline=$((SECONDS + START_TIMEOUT_SECONDS))
  while ((SECONDS < deadline)); do
    if grep -qE "$pattern" "$file" 2>/dev/null; then
      grep -oE "$pattern" "$file" | head -n1
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}

# --- sitewarden: a fresh node, console on an ephemeral loopback port ---------------------------------
"$bin" init --data-dir "$tmp/node" >/dev/null
sed -i -E '/^\[console\]/,/^\[/ { s/^listen = .*/listen = "127.0.0.1"/; s/^port = [0-9]+/port = 0/ }' "$tmp/node/sitewarden.toml"
"$bin" serve --config "$tmp/node/sitewarden.toml" >"$tmp/serve.out" 2>"$tmp/serve.log" &
sw_pid=$!
sw_url="$(wait_for_line "$tmp/serve.out" 'http://127\.0\.0\.1:[0-9]+/' "$sw_pid")" || {
  echo "console bench: sitewarden did not start:" >&2
  cat "$tmp/serve.out" "$tmp/serve.log" >&2
  exit 1
}
sw_login="${sw_url}login"

# --- nginx: the same HTML as a static file, with the same security headers ---------------------------
mkdir -p "$tmp/nginx/html" "$tmp/nginx/logs"
# nginx started as root serves from unprivileged workers (user nobody): they must be able to reach the page.
chmod 0755 "$tmp" "$tmp/nginx" "$tmp/nginx/html"
curl -sS --max-time 5 -D "$tmp/login.headers" -o "$tmp/nginx/html/login.html" "$sw_login"
grep -qE '^HTTP/1\.[01] 200' "$tmp/login.headers" || { echo "console bench: GET $sw_login is not 200" >&2; exit 1; }
chmod 0644 "$tmp/nginx/html/login.html"
add_headers="$(tr -d '\r' <"$tmp/login.headers" |
  grep -iE '^(content-security-policy|x-frame-options|x-content-type-options|referrer-policy|permissions-policy|cross-origin-[a-z-]+|cache-control|strict-transport-security):' |
  sed -E 's/^([^:]+): (.*)$/      add_header \1 "\2" always;/')"
nginx_port="$(free_port)"
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  types { text/html html; }
  default_type text/html;
  charset utf-8;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  server_tokens off;
  access_log $tmp/nginx/logs/access.log;
  client_body_temp_path $tmp/nginx/tmp_body;
  proxy_temp_path $tmp/nginx/tmp_proxy;
  fastcgi_temp_path $tmp/nginx/tmp_fastcgi;
  uwsgi_temp_path $tmp/nginx/tmp_uwsgi;
  scgi_temp_path $tmp/nginx/tmp_scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    root $tmp/nginx/html;
    location = /login {
      try_files /login.html =404;
      add_header X-Request-Id \$request_id always;
$add_headers
    }
  }
}
EOF
nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/logs/error.log" &
nginx_pid=$!
nginx_login="http://127.0.0.1:$nginx_port/login"
deadline=$((SECONDS + START_TIMEOUT_SECONDS))
while ((SECONDS < deadline)); do
  curl -sf --max-time 1 -o /dev/null "$nginx_login" && break
  kill -0 "$nginx_pid" 2>/dev/null || { echo "console bench: nginx did not start:" >&2; cat "$tmp/nginx/logs/error.log" >&2; exit 1; }
  sleep 0.1
done
curl -sf --max-time 1 -o /dev/null "$nginx_login" || { echo "console bench: nginx does not answer $nginx_login" >&2; exit 1; }

# --- measure -------------------------------------------------------------------------------------------
# run_wrk NAME URL: prints "requests_per_s avg_latency p99_latency errors" for the table
run_wrk() {
  local url="$2" out="$tmp/wrk.$1"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${duration}s" --latency --timeout 5s "$url" >"$out"
  local rps avg p99 errors
  rps="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")"
  avg="$(awk '$1 == "Latency" {print $2; exit}' "$out")"
  p99="$(awk '$1 == "99%" {print $2; exit}' "$out")"
  errors="$(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$out")"
  echo "$rps $avg $p99 $errors"
}

page_bytes="$(wc -c <"$tmp/nginx/html/login.html")"
echo "console login page: wrk -t$THREADS -c$CONNECTIONS -d${duration}s, loopback, page body $page_bytes bytes"
echo "machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), load before run: $(cut -d' ' -f1-3 /proc/loadavg)"
read -r sw_rps sw_avg sw_p99 sw_err <<<"$(run_wrk sitewarden "$sw_login")"
read -r ng_rps ng_avg ng_p99 ng_err <<<"$(run_wrk nginx "$nginx_login")"
echo
echo "| server | what it does per request | requests/s | latency avg | latency p99 | errors |"
echo "|---|---|---:|---:|---:|---:|"
echo "| sitewarden $("$bin" version | awk '{print $2}') | renders /login (template, CSRF token, cookie) | $sw_rps | $sw_avg | $sw_p99 | $sw_err |"
echo "| nginx $(nginx -v 2>&1 | sed 's|.*nginx/||') | sends the saved HTML as a static file | $ng_rps | $ng_avg | $ng_p99 | $ng_err |"
echo
awk -v s="$sw_rps" -v n="$ng_rps" 'BEGIN { if (n > 0) printf "sitewarden / nginx: %.2f (sitewarden serves %.0f%% of nginx'"'"'s rate)\n", s / n, 100 * s / n }'
if [ "$sw_err" != 0 ] || [ "$ng_err" != 0 ]; then
  echo "console bench: errors during the run (see above)" >&2
  exit 1
fi
