#!/usr/bin/env bash
# The monitors across 500 sites (issue 7 "Benchmarks"): uptime probes per second, and the peak memory
# of `sitewarden monitor run` for the uptime, TLS and freshness passes over 500 sites.
#
#   bash bench/monitor_bench.sh BUILD_DIR [SITES]
#   PROBES="freshness" bash bench/monitor_bench.sh BUILD_DIR   # only these probes (default: all four runs)
#
# SITES (default 500) external sites s001.bench.org.cn ... are registered in a temporary node through
# the registry (BUILD_DIR/bench/monitor_seed). One nginx on loopback serves them all: SITES server
# blocks (server_name each), plain HTTP and TLS with one wildcard certificate from a throw-away CA
# (the node trusts it through [monitor] ca_file); [monitor] connect_to sends :80 and :443 to nginx.
# Every home page lists dated items and links to a news and a notices column page, so the freshness
# pass crawls 3 pages a site. Retries 0, politeness 0, 4 requests in flight per host (the default).
#
# DNS probes per second (nsd + unbound): the DNS probe's own bench is the DNS helper's; this script
# leaves the hook (run_probe dns) but does not time it — it needs an authoritative server for the
# bench zone, which this script does not start.
set -euo pipefail
build_dir="$(cd "${1:?usage: $0 BUILD_DIR [SITES]}" && pwd)"
sites="${2:-500}"
SW="$build_dir/src/cli/sitewarden"
SEED="$build_dir/bench/monitor_seed"
command -v nginx >/dev/null || { echo "nginx is not installed"; exit 1; }
[ -x "$SEED" ] || { echo "build $SEED first (cmake --build $build_dir --target monitor_seed)"; exit 1; }

DIR="$(mktemp -d /tmp/sw-monitor-bench.XXXXXX)"
chmod 755 "$DIR"
NGINX_PID=""
cleanup() {
  if [ -n "$NGINX_PID" ]; then kill -TERM "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; fi
  rm -rf "$DIR"
}
trap cleanup EXIT

# ---- the sites' pages and certificate --------------------------------------------------------------
mkdir -p "$DIR/www/news" "$DIR/www/notice" "$DIR/tmp"
today="$(TZ=Asia/Shanghai date +%Y-%m-%d)"
old="$(TZ=Asia/Shanghai date -d '-20 days' +%Y年%-m月%-d日)"
cat >"$DIR/www/index.html" <<HTML
<!doctype html><html><head><meta charset="utf-8"><title>测试工会网</title></head><body>
<a href="/news/">工会动态</a> <a href="/notice/">通知公告</a>
<ul><li>工会召开会议 $today</li><li>旧闻 $old</li></ul></body></html>
HTML
echo "<ul><li>动态 $today</li></ul>" >"$DIR/www/news/index.html"
echo "<ul><li>通知 $old</li></ul>" >"$DIR/www/notice/index.html"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=bench CA" \
  -addext "basicConstraints=critical,CA:TRUE" -keyout "$DIR/ca.key" -out "$DIR/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=*.bench.org.cn" \
  -keyout "$DIR/site.key" -out "$DIR/site.csr" 2>/dev/null
printf "subjectAltName=DNS:*.bench.org.cn\n" >"$DIR/ext.cnf"
openssl x509 -req -in "$DIR/site.csr" -CA "$DIR/ca.pem" -CAkey "$DIR/ca.key" -CAcreateserial -days 2 \
  -extfile "$DIR/ext.cnf" -out "$DIR/site.pem" 2>/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
PORT="$(free_port)"
TLS_PORT="$(free_port)"
{
  [ "$(id -u)" -eq 0 ] && echo "user root;"
  cat <<NGINX
worker_processes 2;
error_log $DIR/error.log;
pid $DIR/nginx.pid;
events { worker_connections 4096; }
http {
  access_log $DIR/access.log;
  client_body_temp_path $DIR/tmp; proxy_temp_path $DIR/tmp; fastcgi_temp_path $DIR/tmp;
  uwsgi_temp_path $DIR/tmp; scgi_temp_path $DIR/tmp;
  types { text/html html; }
  ssl_certificate $DIR/site.pem; ssl_certificate_key $DIR/site.key;
  add_header Strict-Transport-Security "max-age=31536000" always;
  server { listen 127.0.0.1:$PORT default_server; listen 127.0.0.1:$TLS_PORT ssl default_server; return 404; }
NGINX
  for i in $(seq 1 "$sites"); do
    printf '  server { listen 127.0.0.1:%s; listen 127.0.0.1:%s ssl; server_name s%03d.bench.org.cn; root %s/www; }\n' \
      "$PORT" "$TLS_PORT" "$i" "$DIR"
  done
  echo "}"
} >"$DIR/nginx.conf"
nginx -p "$DIR/" -c "$DIR/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.1; done

# ---- the node and its 500 sites ----------------------------------------------------------------------
NODE="$DIR/node"
CONF="$NODE/sitewarden.toml"
"$SW" init --data-dir "$NODE" --demo >/dev/null  # the demo province: the root organisation the sites hang under
sed -i -e 's|^scheme = .*|scheme = "http"|' \
  -e "s|^connect_to = .*|connect_to = \":80:127.0.0.1:$PORT :443:127.0.0.1:$TLS_PORT\"|" \
  -e "s|^ca_file = \"\"|ca_file = \"$DIR/ca.pem\"|" \
  -e 's|^retries = .*|retries = 0|' -e 's|^politeness_milliseconds = .*|politeness_milliseconds = 0|' "$CONF"
grep -q "^ca_file = \"$DIR/ca.pem\"" "$CONF" || { echo "could not set [monitor] ca_file in $CONF"; exit 1; }
"$SEED" "$CONF" "$sites"

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine slows the probes)"
now() { date +%s.%N; }
run_probe() {  # run_probe PROBE: seconds, peak RSS (KiB), the summary line
  local t0 t1
  : >"$DIR/access.log"
  t0=$(now)
  /usr/bin/time -f "%M %U %S" -o "$DIR/$1.rss" "$SW" monitor run --config "$CONF" --probe "$1" >"$DIR/$1.out" 2>"$DIR/$1.err" || true
  t1=$(now)
  local secs rss cpu
  secs=$(python3 -c "print(f'{$t1 - $t0:.2f}')")
  read -r rss utime stime < <(tail -1 "$DIR/$1.rss")
  cpu=$(python3 -c "print(f'{$utime + $stime:.2f}')")
  echo "$1: $(grep -E "^$1: " "$DIR/$1.out" | head -1) in ${secs} s (CPU user+sys ${cpu} s)," \
    "$(wc -l <"$DIR/access.log") requests to nginx, peak RSS $((rss / 1024)) MiB;" \
    "$(python3 -c "print(f'{$sites / $secs:.0f}')") sites/s"
  grep -E "^sitewarden:" "$DIR/$1.err" || true
}
# default: uptime twice (the second with the database already holding the sites' earlier results),
# TLS, freshness
for p in ${PROBES:-uptime uptime tls freshness}; do run_probe "$p"; done
echo "(sites/s includes starting the process and recording every result; DNS: not timed here, see above)"
