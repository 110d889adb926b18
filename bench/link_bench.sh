#!/usr/bin/env bash
# Link check of a generated 10,000-page site served by nginx on loopback (issue 7, N3.6):
# `sitewarden monitor run --probe links` against Debian's LinkChecker on the same site in one run.
#
#   bash bench/link_bench.sh BUILD_DIR [PAGES] [DEFAULT_CAP_SECONDS]
#
# The site: PAGES pages in a binary tree (page i links to 2i and 2i+1, to its neighbours and home), 200
# images, and every 100th page links to a page that does not exist (PAGES/100 dead links). Both
# tools start at the home page with no external links. sitewarden sees the site under the demo
# domain njgh.org.cn, sent to the nginx by [monitor] connect_to, politeness 0, 16 requests in flight.
# LinkChecker runs twice: lifted (nginx sends the `LinkChecker` header that lifts its per-host rate
# limit, maxrequestspersecond = 1000, 10 threads) and with its default politeness (about 3 requests/s
# per host: hours for 10,000 pages), capped at DEFAULT_CAP_SECONDS (default 60) and extrapolated from
# the requests nginx logged. Requests are counted from nginx's access log for every run. The dead-link
# sets (paths) of sitewarden and lifted LinkChecker must be identical, or the bench fails.
set -euo pipefail
build_dir="$(cd "${1:?usage: $0 BUILD_DIR [PAGES] [DEFAULT_CAP_SECONDS]}" && pwd)"
pages="${2:-10000}"
cap="${3:-60}"
SW="$build_dir/src/cli/sitewarden"
command -v linkchecker >/dev/null || { echo "linkchecker is not installed (scripts/install-deps.sh)"; exit 1; }
command -v nginx >/dev/null || { echo "nginx is not installed"; exit 1; }

DIR="$(mktemp -d /tmp/sw-link-bench.XXXXXX)"
chmod 755 "$DIR"
NGINX_PID=""
cleanup() {
  if [ -n "$NGINX_PID" ]; then kill -TERM "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; fi
  rm -rf "$DIR"
}
trap cleanup EXIT

python3 - "$DIR/www" "$pages" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
os.makedirs(root + "/p", exist_ok=True)
os.makedirs(root + "/img", exist_ok=True)
for i in range(200):
    open(f"{root}/img/{i}.png", "wb").write(b"\x89PNG\r\n\x1a\n" + bytes(64))
def page(i):
    links = ['<a href="/">首页</a>']
    for j in (2 * i, 2 * i + 1, i - 1, i + 1):
        if 1 <= j <= n:
            links.append(f'<a href="/p/{j}.html">第{j}页</a>')
    if i % 100 == 0:
        links.append(f'<a href="/missing/{i}.html">已删除的第{i}页</a>')
    body = "<p>" + "工会新闻正文。" * 40 + "</p>"
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>第{i}页</title></head><body>'
            f'<h1>第{i}页</h1><img src="/img/{i % 200}.png" alt="图{i}">{body}{" ".join(links)}</body></html>')
for i in range(1, n + 1):
    open(f"{root}/p/{i}.html", "w").write(page(i))
open(f"{root}/index.html", "w").write('<!doctype html><html><head><meta charset="utf-8"><title>首页</title></head>'
                                        '<body><a href="/p/1.html">第1页</a></body></html>')
PY
dead_expected=$((pages / 100))

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
mkdir -p "$DIR/tmp"
start_nginx() {  # start_nginx EXTRA_HEADER_LINE
  : >"$DIR/access.log"
  cat >"$DIR/nginx.conf" <<NGINX
$([ "$(id -u)" -eq 0 ] && echo "user root;")
worker_processes 2;
error_log $DIR/error.log;
pid $DIR/nginx.pid;
events { worker_connections 1024; }
http {
  access_log $DIR/access.log;
  client_body_temp_path $DIR/tmp; proxy_temp_path $DIR/tmp; fastcgi_temp_path $DIR/tmp;
  uwsgi_temp_path $DIR/tmp; scgi_temp_path $DIR/tmp;
  types { text/html html; image/png png; }
  server { listen 127.0.0.1:$PORT default_server; root $DIR/www; $1 }
}
NGINX
  nginx -p "$DIR/" -c "$DIR/nginx.conf" -g 'daemon off;' &
  NGINX_PID=$!
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.1; done
  : >"$DIR/access.log"
}
stop_nginx() { kill -TERM "$NGINX_PID"; wait "$NGINX_PID" 2>/dev/null || true; NGINX_PID=""; }
requests() { wc -l <"$DIR/access.log"; }
now() { date +%s.%N; }
rate() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.1f}')" "$1" "$2"; }

echo "site: $pages pages + 200 images + $dead_expected dead links, nginx on 127.0.0.1:$PORT"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine slows both sides)"

# ---- sitewarden ----------------------------------------------------------------------------------
NODE="$DIR/node"
CONF="$NODE/sitewarden.toml"
"$SW" init --data-dir "$NODE" --demo >/dev/null
sed -i -e 's|^scheme = .*|scheme = "http"|' -e "s|^connect_to = .*|connect_to = \":80:127.0.0.1:$PORT\"|" \
  -e 's|^retries = .*|retries = 0|' -e 's|^politeness_milliseconds = .*|politeness_milliseconds = 0|' \
  -e 's|^max_per_host = .*|max_per_host = 16|' -e "s|^link_max_pages = .*|link_max_pages = $((pages + 100))|" \
  -e 's|^link_max_depth = .*|link_max_depth = 100|' "$CONF"
start_nginx ""
t0=$(now)
"$SW" monitor run --config "$CONF" --site 2 --probe links >"$DIR/sw.out" 2>&1 || true
t1=$(now)
sw_seconds=$(python3 -c "print(f'{$t1 - $t0:.2f}')")
sw_requests=$(requests)
stop_nginx
grep -E "dead|links:" "$DIR/sw.out" | tail -2
"$SW" monitor findings --config "$CONF" --site 2 | awk '$4 == "links.dead" {print $5}' |
  sed -E 's|^https?://[^/]+||' | sort >"$DIR/sw.dead"
sw_urls=$(grep -oE "of [0-9]+ links" "$DIR/sw.out" | grep -oE "[0-9]+")
echo "sitewarden: $sw_urls URLs, $sw_requests requests in ${sw_seconds} s: $(rate "$sw_urls" "$sw_seconds") URLs/s; $(wc -l <"$DIR/sw.dead") dead"

# ---- LinkChecker, lifted --------------------------------------------------------------------------
cat >"$DIR/linkcheckerrc" <<'RC'
[checking]
maxrequestspersecond=1000
threads=10
[output]
status=0
RC
start_nginx 'add_header LinkChecker "maxrated";'
t0=$(now)
linkchecker -f "$DIR/linkcheckerrc" -v --no-status -o csv "http://127.0.0.1:$PORT/" >"$DIR/lc.csv" 2>"$DIR/lc.err" || true
t1=$(now)
lc_seconds=$(python3 -c "print(f'{$t1 - $t0:.2f}')")
lc_requests=$(requests)
stop_nginx
python3 - "$DIR/lc.csv" "$DIR/lc.dead" "$DIR/lc.count" <<'PY'
import csv, sys, urllib.parse
rows = [r for r in csv.reader((l for l in open(sys.argv[1], encoding="utf-8") if not l.startswith("#")), delimiter=";")]
head, rows = rows[0], rows[1:]
url, valid = head.index("url"), head.index("valid")
urls = set(r[url] for r in rows if len(r) > valid)
dead = sorted(set(urllib.parse.urlsplit(r[url]).path for r in rows if len(r) > valid and r[valid] == "False"))
open(sys.argv[2], "w").write("".join(d + "\n" for d in dead))
open(sys.argv[3], "w").write(str(len(urls)))
PY
lc_urls=$(cat "$DIR/lc.count")
echo "linkchecker (politeness lifted): $lc_urls URLs, $lc_requests requests in ${lc_seconds} s: $(rate "$lc_urls" "$lc_seconds") URLs/s; $(wc -l <"$DIR/lc.dead") dead"

# ---- LinkChecker, default politeness (capped) ------------------------------------------------------
start_nginx ""
t0=$(now)
timeout "$cap" linkchecker --no-status -o none "http://127.0.0.1:$PORT/" >/dev/null 2>&1 || true
t1=$(now)
capped_seconds=$(python3 -c "print(f'{$t1 - $t0:.2f}')")
capped_requests=$(requests)
stop_nginx
capped_rate=$(rate "$capped_requests" "$capped_seconds")
echo "linkchecker (default politeness, stopped after ${capped_seconds} s): $capped_requests requests, $capped_rate requests/s;" \
  "the whole site ($lc_requests requests) would take about $(python3 -c "print(round($lc_requests / max($capped_rate, 0.001) / 60))") min"

echo "speed-up over lifted LinkChecker: $(python3 -c "print(f'{($sw_urls / $sw_seconds) / ($lc_urls / $lc_seconds):.1f}')")x (URLs/s);" \
  "over default politeness: $(python3 -c "print(f'{($sw_urls / $sw_seconds) / $capped_rate:.0f}')")x"

if ! diff -q "$DIR/sw.dead" "$DIR/lc.dead" >/dev/null; then
  echo "FAIL: the dead-link sets differ:"
  diff "$DIR/sw.dead" "$DIR/lc.dead" | head -20
  exit 1
fi
if [ "$(wc -l <"$DIR/sw.dead")" -ne "$dead_expected" ]; then
  echo "FAIL: expected $dead_expected dead links"
  exit 1
fi
echo "dead-link sets identical: $dead_expected paths"
