#!/usr/bin/env bash
# `sitewarden monitor dns show|accept` and `monitor fingerprint accept` as an operator runs them (issue 7,
# N7.2, N5.3): the exit codes, the audit events written, and bad input — an unknown site, an unknown or
# malformed domain, nothing to accept — each an error naming the problem that changes nothing.
#
# Real peers on loopback, started and stopped by PID: nsd serving the demo site's zone njgh.org.cn
# (unsigned; the node's [monitor] dns_upstream forwards to it, dns_trust_anchor is empty), and nginx
# serving an external site registered by bench/monitor_seed (s001.bench.org.cn, [monitor] connect_to).
# Usage: monitor_accept_cli_test.sh <path to sitewarden> <path to monitor_seed>
set -uo pipefail
SW="$1"
SEED="$2"
DIR="$(mktemp -d /tmp/sw-monitor-accept.XXXXXX)"
chmod 755 "$DIR"
NGINX_PID=""
NSD_PID=""
stop_nsd() {
  stop_pid "$NSD_PID"
  NSD_PID=""
}
cleanup() {
  stop_pid "$NGINX_PID"
  stop_nsd
  rm -rf "$DIR"
}
. "$(dirname "${BASH_SOURCE[0]}")/../cli/check_lib.sh"
trap cleanup EXIT
NODE="$DIR/node"
CONF="$NODE/sitewarden.toml"
WWW="$DIR/www"
# A port free now on 127.0.0.1: $1 tcp, udp, or both (free for UDP and TCP alike — nsd binds both,
# and a port free for UDP only made it exit at once while other tests' servers held the TCP one).
free_port() {
  python3 - "$1" <<'PY'
import socket, sys
kind = sys.argv[1]
for _ in range(100):
    first = socket.socket(socket.AF_INET, socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM)
    first.bind(("127.0.0.1", 0))
    port = first.getsockname()[1]
    if kind == "both":
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            tcp.bind(("127.0.0.1", port))
        except OSError:
            first.close()
            continue
        finally:
            tcp.close()
    first.close()
    print(port)
    sys.exit(0)
sys.exit("no free port")
PY
}
TODAY="$(date -u +%Y-%m-%d)"
# How many audit events of an action (and outcome) the log holds now.
audit_count() {  # audit_count ACTION [OUTCOME]
  rm -f "$DIR/audit.jsonl"
  "$SW" audit export --config "$CONF" --from 2020-01-01 --to "$TODAY" --out "$DIR/audit.jsonl" >/dev/null 2>&1 || { echo -1; return; }
  python3 - "$DIR/audit.jsonl" "$1" "${2:-}" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    ev = e.get("event", e)
    if ev.get("action") != sys.argv[2]:
        continue
    if sys.argv[3] and ev.get("outcome") != sys.argv[3]:
        continue
    n += 1
print(n)
PY
}
expect_count() {  # expect_count NAME ACTION OUTCOME EXPECTED
  local got
  got="$(audit_count "$2" "$3")"
  if [ "$got" = "$4" ]; then pass=$((pass + 1)); else
    failed=$((failed + 1))
    echo "FAIL: $1: $got audit events $2 ($3), expected $4"
  fi
}

# --- nsd serving njgh.org.cn -------------------------------------------------------------------
DNS_PORT="$(free_port both)"
zone() {  # zone SERIAL ADDRESS
  cat >"$DIR/njgh.zone" <<ZONE
\$TTL 300
njgh.org.cn. IN SOA ns1.njgh.org.cn. admin.njgh.org.cn. $1 3600 600 86400 300
njgh.org.cn. IN NS ns1.njgh.org.cn.
ns1.njgh.org.cn. IN A 127.0.0.1
njgh.org.cn. IN A $2
njgh.org.cn. IN MX 10 mail.njgh.org.cn.
njgh.org.cn. IN CAA 0 issue "letsencrypt.org"
ZONE
}
write_nsd_conf() {
  cat >"$DIR/nsd.conf" <<NSD
server:
  ip-address: 127.0.0.1@$DNS_PORT
  port: $DNS_PORT
  username: ""
  chroot: ""
  zonesdir: "$DIR"
  pidfile: "$DIR/nsd.pid"
  database: ""
  xfrdir: "$DIR"
  xfrdfile: "$DIR/nsd-xfrd.state"
  zonelistfile: "$DIR/nsd-zone.list"
  logfile: "$DIR/nsd.log"
  server-count: 1
  verbosity: 0
  do-ip6: no
remote-control:
  control-enable: no
zone:
  name: njgh.org.cn
  zonefile: njgh.zone
NSD
}
write_nsd_conf
# Starts nsd and waits until it answers — at most 15 s an attempt, and not at all once nsd has exited
# (its port taken since it was picked): then it is started again, on a new port while the node does
# not know the port yet ($1 = new-port-ok), else on the same one after a pause. (Polling an nsd that
# had exited 100 times, 3 s each, was the ctest timeout of an earlier CI run.)
start_nsd() {
  local attempt deadline
  for attempt in 1 2 3 4 5; do
    stop_nsd
    rm -f "$DIR/nsd-zone.list" "$DIR/nsd.log"
    /usr/sbin/nsd -d -c "$DIR/nsd.conf" &
    NSD_PID=$!
    deadline=$((SECONDS + 15))
    while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$NSD_PID" 2>/dev/null &&
      ! grep -q "could not be started" "$DIR/nsd.log" 2>/dev/null; do
      timeout 3 drill -p "$DNS_PORT" njgh.org.cn A @127.0.0.1 2>/dev/null | grep -q "^njgh.org.cn.*IN.*A" && return 0
      sleep 0.1
    done
    echo "nsd on port $DNS_PORT did not come up (attempt $attempt): $(tail -2 "$DIR/nsd.log" 2>/dev/null)" >&2
    if [ "${1:-}" = new-port-ok ]; then
      DNS_PORT="$(free_port both)"
      write_nsd_conf
    else
      sleep 1
    fi
  done
  return 1
}
zone 1 10.0.0.1
check "nsd is up" 0 start_nsd new-port-ok

# --- nginx serving the external site ----------------------------------------------------------
mkdir -p "$WWW"
page() {  # page TEXT LINK
  cat >"$WWW/index.html" <<HTML
<html><head><title>测试工会网</title></head><body>
<h1>测试工会网</h1><p>$1</p><a href="$2">链接</a>
</body></html>
HTML
}
page "职工之家 维护职工合法权益 竭诚服务职工群众 工会新闻 通知公告 劳模风采 法律援助 困难帮扶" "/news.html"
check "nginx is up" 0 start_static_nginx "$WWW"

# --- the node ---------------------------------------------------------------------------------
check "init" 0 "$SW" init --data-dir "$NODE" --demo
set_key() {  # set_key KEY VALUE (in [monitor]; added when the file does not have it)
  if grep -q "^$1 = " "$CONF"; then sed -i "s|^$1 = .*|$1 = $2|" "$CONF"; else sed -i "/^\[monitor\]/a $1 = $2" "$CONF"; fi
}
set_key scheme '"http"'
set_key connect_to "\":80:127.0.0.1:$PORT\""
set_key retries 0
set_key politeness_milliseconds 0
set_key timeout_seconds 5
set_key dns_trust_anchor '""'
set_key dns_upstream "\"127.0.0.1@$DNS_PORT\""
set_key dns_resolvers '""'
set_key dns_timeout_seconds 2
set_key fingerprint_max_pages 1
check "config read" 0 "$SW" monitor findings --config "$CONF" --site 2

# --- DNS: show and accept (N7.2) ----------------------------------------------------------------
check "show before any pass" 0 "$SW" monitor dns show --config "$CONF" --site 2
expect_output "says so" "no DNS pass has run for site 2"
check "show: unknown site" 2 "$SW" monitor dns show --config "$CONF" --site 9999
expect_output "named" "is not in the register"
check "accept before any pass" 2 "$SW" monitor dns accept --config "$CONF" --site 2 --domain njgh.org.cn
expect_output "named" "monitor.not_found"

check "first DNS pass records the baseline" 0 "$SW" monitor run --config "$CONF" --site 2 --probe dns
expect_output "baseline" "baseline recorded"
expect_count "baseline audited" monitor.dns_baseline "" 1
check "show the baseline" 0 "$SW" monitor dns show --config "$CONF" --site 2
expect_output "the domain" "^njgh.org.cn  baseline accepted"
expect_output "the address" "baseline njgh.org.cn: 10.0.0.1"
expect_output "the MX" "10 mail.njgh.org.cn."
check "accept: nothing to accept" 2 "$SW" monitor dns accept --config "$CONF" --site 2 --domain njgh.org.cn
expect_output "named" "monitor.nothing_to_accept"
expect_count "nothing accepted" monitor.dns_accepted success 0

zone 2 10.0.0.2
check "nsd serves the changed zone" 0 start_nsd
check "changed address found" 1 "$SW" monitor run --config "$CONF" --site 2 --probe dns
expect_output "headline" "A changed"
check "show marks it" 1 "$SW" monitor dns show --config "$CONF" --site 2
expect_output "CHANGED" "A  CHANGED"
expect_output "seen" "seen     njgh.org.cn: 10.0.0.2"

check "accept: unknown site" 2 "$SW" monitor dns accept --config "$CONF" --site 9999 --domain njgh.org.cn
expect_output "named" "is not in the register"
check "accept: unknown domain" 2 "$SW" monitor dns accept --config "$CONF" --site 2 --domain other.org.cn
expect_output "named" "no DNS pass has seen other.org.cn"
check "accept: not a domain" 2 "$SW" monitor dns accept --config "$CONF" --site 2 --domain "bad domain;x"
expect_output "named" "monitor.bad_input"
check "accept: another site's domain" 2 "$SW" monitor dns accept --config "$CONF" --site 1 --domain njgh.org.cn
expect_output "named" "monitor.not_found"
expect_count "nothing accepted by bad input" monitor.dns_accepted success 0
check "still changed" 1 "$SW" monitor dns show --config "$CONF" --site 2
expect_output "baseline kept" "baseline njgh.org.cn: 10.0.0.1"

check "accept the change" 0 "$SW" monitor dns accept --config "$CONF" --site 2 --domain NJGH.org.cn.
expect_output "what" "njgh.org.cn: accepted A as the baseline"
expect_count "accept audited" monitor.dns_accepted success 1
check "show: as accepted" 0 "$SW" monitor dns show --config "$CONF" --site 2
expect_output "new baseline" "baseline njgh.org.cn: 10.0.0.2"
check "next pass: no finding" 0 "$SW" monitor run --config "$CONF" --site 2 --probe dns
check "accept again: nothing to accept" 2 "$SW" monitor dns accept --config "$CONF" --site 2 --domain njgh.org.cn
expect_output "named" "monitor.nothing_to_accept"
expect_count "still one accept" monitor.dns_accepted success 1

# --- fingerprint accept (N5.3) --------------------------------------------------------------------
check "register an external site" 0 "$SEED" "$CONF" 1
EXT=4  # after the demo's three sites
check "the external site is up" 0 "$SW" monitor run --config "$CONF" --site "$EXT" --probe uptime
check "fingerprint accept: no pass yet" 2 "$SW" monitor fingerprint accept --config "$CONF" --site "$EXT"
expect_output "named" "monitor.not_found"
check "fingerprint accept: unknown site" 2 "$SW" monitor fingerprint accept --config "$CONF" --site 9999
expect_output "named" "is not in the register"
check "fingerprint accept: hosted site has none" 2 "$SW" monitor fingerprint accept --config "$CONF" --site 2
expect_output "named" "has no fingerprint to accept"
check "fingerprint accept: bad id" 2 "$SW" monitor fingerprint accept --config "$CONF" --site -3
expect_output "named" "monitor.bad_input"
expect_count "nothing accepted" monitor.fingerprint_accept success 0

check "first fingerprint pass records" 0 "$SW" monitor run --config "$CONF" --site "$EXT" --probe fingerprint
expect_count "record audited" monitor.fingerprint_record "" 1
page "本会召开第三次会员代表大会 选举产生新一届委员会 表彰先进集体和个人 部署下一阶段重点工作任务" "http://partner.example.net/"
check "changed page found" 1 "$SW" monitor run --config "$CONF" --site "$EXT" --probe fingerprint
check "finding listed" 0 "$SW" monitor findings --config "$CONF" --site "$EXT"
expect_output "changed" "fingerprint.changed"
check "accept the page" 0 "$SW" monitor fingerprint accept --config "$CONF" --site "$EXT"
expect_output "how many" "accepted the fingerprints of 1 pages"
expect_count "accept audited" monitor.fingerprint_accept success 1
check "next pass: no finding" 0 "$SW" monitor run --config "$CONF" --site "$EXT" --probe fingerprint

check "audit log intact" 0 "$SW" audit verify --config "$CONF"
echo "monitor accept cli: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
