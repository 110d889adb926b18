#!/usr/bin/env bash
# The WAF benchmark (issue 6; docs/benchmarks.md "WAF against nginx + ModSecurity", docs/modules/waf.md).
#
#   bash bench/waf_bench.sh BUILD_DIR [DURATION_SECONDS] [-- extra waf_guard_harness options]
#   WAF_MIX_VARY=1 bash bench/waf_bench.sh ...   every request carries a query argument with a new value
#
# Four servers on loopback serve the same generated site (index.html and 200 pages of about 5 KB of
# Chinese text), each started here and stopped by PID:
#   guard+waf     the guard (2 event threads) with the sitewarden WAF: CRS 3.3.4 at paranoia 1, blocking,
#                 the prefilter on as a node runs it (BUILD_DIR/tests/waf/waf_guard_harness --site-dir ...
#                 --threads 2 --prefilter; `-- --no-prefilter` for the full rule set on every request)
#   nginx+modsec  Debian's nginx (2 workers) + libnginx-mod-http-modsecurity with the WAF's own rules
#                 text (`waf_guard_harness --print-rules`: the same CRS files, setup and settings)
#   guard         the same guard without the WAF (--no-waf)
#   nginx         the same nginx without ModSecurity
# Response-body inspection is off on both WAFs; neither writes an access log; both log WAF events
# (the guard's JSON event log, ModSecurity's messages in nginx's error log).
#
# The mix (bench/waf_mix.lua, 20 requests cycled, browser headers and a cookie on each): 11 static GETs
# (pages, one with a Chinese search query), 4 urlencoded form POSTs of Chinese text, 3 JSON POSTs and 2
# attacks from the CRS 3.3.4 regression corpus (SQL injection 942100 in a form, XSS 941100 in the query).
# Form POSTs go to a static page: both servers inspect the body, then answer 405 (nginx's static
# module after ModSecurity's phase 2, the guard after its filter), so both answer the same statuses.
# Before the load, every request of the mix is sent once to each server and the statuses compared: both
# WAFs must block exactly the attacks, and everything else must be answered as without a WAF.
#
# Then wrk (-t2 -c32, keep-alive) on each server for DURATION seconds (default 10) after a 2 s warm-up:
# requests/s, p99, requests per CPU-second of the server's processes (utime+stime from /proc), and the
# answers by status (403 = blocked; the expected count is the mix's share of attacks).
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 BUILD_DIR [DURATION_SECONDS] [-- extra waf_guard_harness options]" >&2
  exit 2
fi
build_dir="$1"
duration="${2:-10}"
shift $(( $# >= 2 ? 2 : 1 ))
[ "${1:-}" = "--" ] && shift
extra_guard_options=("$@")
# The guard+waf server runs as a node does by default: the prefilter on ([waf] prefilter = "on"); give
# `-- --no-prefilter` (the full rule set on every request) or `-- --prefilter-check` to run otherwise.
case " ${extra_guard_options[*]} " in
  *" --no-prefilter "*|*" --prefilter "*|*" --prefilter-check "*) ;;
  *) extra_guard_options=(--prefilter "${extra_guard_options[@]}") ;;
esac
here="$(cd "$(dirname "$0")" && pwd)"
harness="$build_dir/tests/waf/waf_guard_harness"
module=/usr/lib/nginx/modules/ngx_http_modsecurity_module.so
for tool in wrk nginx; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || { echo "$tool is not installed: skipped"; exit 0; }
done
[ -f "$module" ] || { echo "$module is not installed (libnginx-mod-http-modsecurity): skipped"; exit 0; }
[ -x "$harness" ] || { echo "$harness is not built (ninja -C $build_dir waf_guard_harness): skipped"; exit 0; }
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

work="$(mktemp -d)"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# The site and the mix.
python3 - "$work" <<'PY'
import json, os, sys, urllib.parse
work = sys.argv[1]
www = os.path.join(work, "www")
def page(n):
    html = ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>工会新闻 %d</title></head>'
            '<body><main>' % n)
    while len(html.encode()) < 5000:
        html += "<p>全省各级工会组织深入学习贯彻会议精神，第%d期，推动工会工作高质量发展。</p>\n" % n
    return html + "</main></body></html>\n"
os.makedirs(www)
open(os.path.join(www, "index.html"), "w").write(page(0))
for n in range(200):
    os.makedirs(os.path.join(www, "p", "%03d" % n))
    open(os.path.join(www, "p", "%03d" % n, "index.html"), "w").write(page(n + 1))
form = "application/x-www-form-urlencoded"
def enc(fields):
    return urllib.parse.urlencode(fields)
mix = []
for n in (1, 17, 42, 99, 150, 199, 3, 77, 120):
    mix.append(("static", "GET", "/p/%03d/" % n, "-", "-"))
mix.append(("static", "GET", "/", "-", "-"))
mix.append(("static", "GET", "/?" + enc({"q": "职工权益 劳动合同", "page": "2"}), "-", "-"))
mix.append(("form", "POST", "/index.html", form, enc({"name": "张三", "phone": "13800138000",
            "title": "关于加强基层工会建设的建议", "content": "建议各基层工会每季度召开一次职工代表座谈会，"
            "听取职工对劳动保护、工资集体协商和困难帮扶的意见。（第一条）"})))
mix.append(("form", "POST", "/index.html", form, enc({"keyword": "困难职工帮扶", "year": "2026"})))
mix.append(("form", "POST", "/index.html", form, enc({"email": "zhang.san@example.cn", "subject": "会员卡补办",
            "message": "您好：我的工会会员卡丢失，请问补办需要带哪些材料？谢谢！"})))
mix.append(("form", "POST", "/index.html", form, enc({"event": "职工运动会", "team": "第三车间", "members": "12"})))
mix.append(("json", "POST", "/index.html", "application/json", json.dumps(
    {"name": "李四", "topic": "劳动争议调解", "text": "请问劳动合同到期未续签如何处理？", "agree": True}, ensure_ascii=False)))
mix.append(("json", "POST", "/index.html", "application/json", json.dumps(
    {"q": "工资集体协商", "filters": {"year": 2026, "site": "总工会"}, "page": 1}, ensure_ascii=False)))
mix.append(("json", "POST", "/index.html", "application/json", json.dumps(
    {"vote": [1, 3, 4], "comment": "支持！"}, ensure_ascii=False)))
# From the CRS 3.3.4 regression corpus: 942100 (libinjection SQLi) and 941100 (libinjection XSS).
mix.append(("attack", "POST", "/index.html", form, "var=-1839%27%20or%20%271%27%3D%271"))
mix.append(("attack", "GET", "/?" + enc({"comment": "<script>alert(document.cookie)</script>"}), "-", "-"))
# Spread the attacks through the cycle.
order = [0, 1, 11, 2, 15, 18, 3, 12, 4, 16, 5, 13, 6, 19, 7, 14, 8, 17, 9, 10]
assert sorted(order) == list(range(len(mix)))
with open(os.path.join(work, "mix.tsv"), "w") as f:
    for i in order:
        f.write("\t".join(mix[i]) + "\n")
PY
chmod -R a+rX "$work/www"
export WAF_MIX="$work/mix.tsv"

# guard+waf and guard.
start_guard() {  # name options...
  local name="$1"; shift
  mkdir -p "$work/$name"
  "$harness" --site-dir "$work/www" --threads 2 --paranoia 1 --port-file "$work/$name/port" "$@" \
    >"$work/$name/out" 2>"$work/$name/err" &
  pids+=($!)
  echo $! >"$work/$name/pid"
  for _ in $(seq 1 1200); do [ -f "$work/$name/port" ] && break; sleep 0.1; done  # compiling the CRS (and the prefilter) may take a while on a loaded machine
  [ -f "$work/$name/port" ] || { echo "$name did not start:"; cat "$work/$name/err"; exit 1; }
}
start_guard guard-waf --event-log "$work/guard-waf/events.jsonl" "${extra_guard_options[@]}"
start_guard guard --no-waf

# nginx+modsec and nginx.
"$harness" --paranoia 1 --print-rules >"$work/modsecurity.conf"
start_nginx() {  # name modsecurity(on|off)
  local name="$1" modsec="$2" d="$work/$1" port load="" rules=""
  port="$(free_port)"
  mkdir -p "$d"
  if [ "$modsec" = on ]; then
    load="load_module $module;"
    rules="modsecurity on; modsecurity_rules_file $work/modsecurity.conf;"
  fi
  cat >"$d/nginx.conf" <<CONF
$load
worker_processes 2;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 4096; }
http {
  types { text/html html; }
  access_log off;
  client_body_temp_path $d/body;
  proxy_temp_path $d/proxy;
  fastcgi_temp_path $d/fastcgi;
  uwsgi_temp_path $d/uwsgi;
  scgi_temp_path $d/scgi;
  client_max_body_size 13m;
  open_file_cache max=10000 inactive=60s;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$port;
    server_name localhost;
    root $work/www;
    index index.html;
    $rules
  }
}
CONF
  "$nginx_bin" -c "$d/nginx.conf" -g 'daemon off;' 2>"$d/stderr" &
  pids+=($!)
  echo $! >"$d/pid"
  echo "$port" >"$d/port"
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
  curl -s -o /dev/null "http://127.0.0.1:$port/" || { echo "$name did not start:"; cat "$d/stderr" "$d/error.log"; exit 1; }
}
start_nginx nginx-modsec on
start_nginx nginx off

servers=(guard-waf nginx-modsec guard nginx)

# Every request of the mix once to each server: the same statuses, the attacks blocked by both WAFs.
python3 - "$work" "${servers[@]}" <<'PY'
import http.client, sys
work, servers = sys.argv[1], sys.argv[2:]
mix = [l.rstrip("\n").split("\t") for l in open(work + "/mix.tsv", encoding="utf-8")]
headers = {"User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
           "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
           "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8", "Accept-Encoding": "gzip, deflate",
           "Cookie": "lang=zh-CN; theme=light", "Host": "localhost"}
def status(server, method, target, ctype, body):
    port = int(open("%s/%s/port" % (work, server)).read())
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    h = dict(headers)
    if ctype != "-":
        h["Content-Type"] = ctype
    c.request(method, target, body=None if body == "-" else body.encode("utf-8"), headers=h)
    s = c.getresponse().status
    c.close()
    return s
bad = 0
for kind, method, target, ctype, body in mix:
    got = {s: status(s, method, target, ctype, body) for s in servers}
    want_waf = 403 if kind == "attack" else got["nginx"]
    ok = got["guard-waf"] == got["nginx-modsec"] == want_waf and got["guard"] == got["nginx"]
    if not ok:
        bad += 1
        print("MISMATCH %-6s %s %s: %s" % (kind, method, target[:60], got))
print("check: %d requests of the mix (%d attacks), statuses %s" % (
    len(mix), sum(k == "attack" for k, *_ in mix),
    "identical on all four servers apart from the blocked attacks" if not bad else "DIFFER (%d)" % bad))
sys.exit(1 if bad else 0)
PY

ticks_of() {
  local total=0 pid
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}
pids_of() {
  local pid
  pid="$(cat "$work/$1/pid")"
  case "$1" in nginx*) echo "$pid $(pgrep -P "$pid" | tr '\n' ' ')" ;; *) echo "$pid" ;; esac
}
hz="$(getconf CLK_TCK)"

echo "WAF benchmark — wrk -t2 -c32 -d${duration}s, keep-alive, the mix of bench/waf_mix.lua, $(nproc) cores shared with wrk"
printf '%-13s %10s %8s %11s  %s\n' server "req/s" p99 "req/CPU-s" "answers"
for server in "${servers[@]}"; do
  port="$(cat "$work/$server/port")"
  url="http://127.0.0.1:$port/"
  wrk -t2 -c32 -d2s -s "$here/waf_mix.lua" "$url" >/dev/null
  p="$(pids_of "$server")"
  before="$(ticks_of $p)"
  out="$(wrk -t2 -c32 -d"${duration}s" --latency -s "$here/waf_mix.lua" "$url")"
  after="$(ticks_of $p)"
  rps="$(awk '/^Requests\/sec:/{print $2}' <<<"$out")"
  p99="$(awk '$1=="99%"{print $2}' <<<"$out")"
  answers="$(grep '^statuses' <<<"$out" | sed 's/^statuses //')"
  cpu="$(awk -v a="$after" -v b="$before" -v hz="$hz" 'BEGIN{printf "%.2f", (a-b)/hz}')"
  per_cpu="$(awk -v r="$rps" -v d="$duration" -v c="$cpu" 'BEGIN{ if (c>0) printf "%.0f", r*d/c; else print "n/a"}')"
  printf '%-13s %10s %8s %11s  %s\n' "$server" "$rps" "$p99" "$per_cpu" "$answers"
  echo "$rps" >"$work/$server/rps"
  echo "$per_cpu" >"$work/$server/per_cpu"
done
echo
awk -v g="$(cat "$work/guard-waf/rps")" -v n="$(cat "$work/nginx-modsec/rps")" \
    -v gc="$(cat "$work/guard-waf/per_cpu")" -v nc="$(cat "$work/nginx-modsec/per_cpu")" \
    'BEGIN{ printf "guard+waf / nginx+modsec = %.2fx req/s, %.2fx req/CPU-s (first target >= 1x, goal >= 5x)\n", g/n, gc/nc }'
# The WAF's counters over the whole run (pre-check, warm-up and load): the harness prints them when stopped.
gpid="$(cat "$work/guard-waf/pid")"
kill "$gpid" 2>/dev/null || true
wait "$gpid" 2>/dev/null || true
echo "guard+waf counters: $(grep -E '^waf_(prefilter_total|requests_total)' "$work/guard-waf/out" | tr '\n' ' ')"
# With `-- --prefilter-check`: how many requests of the run the prefilter would have passed without the
# full rule set, and on how many of those the full engine differed (must be 0; docs/modules/waf.md).
if grep -q '"waf.prefilter_' "$work/guard-waf/err"; then
  echo "prefilter check (guard+waf): $(grep -c '"waf.prefilter_check_pass"' "$work/guard-waf/err") requests passed by the prefilter, $(grep -c '"waf.prefilter_miss"' "$work/guard-waf/err") misses"
fi
