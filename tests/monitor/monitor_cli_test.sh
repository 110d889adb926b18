#!/usr/bin/env bash
# sitewarden monitor run|findings|allow|disallow as an operator runs them (issue 7): a registered site
# whose domain is sent to an nginx on loopback (connect_to), an uptime pass (exit 0), a link pass finding
# a dead link and a disallowed external host (exit 1, the summary table, the findings list), the
# allowlist clearing the external finding and its removal bringing it back, and bad input named (exit
# 2). nginx is stopped by PID.
# Usage: monitor_cli_test.sh <path to sitewarden>
set -uo pipefail
SW="$1"
DIR="$(mktemp -d /tmp/sw-monitor-cli.XXXXXX)"
chmod 755 "$DIR"
NGINX_PID=""
cleanup() {
  stop_pid "$NGINX_PID"
  rm -rf "$DIR"
}
trap cleanup EXIT
. "$(dirname "${BASH_SOURCE[0]}")/../cli/check_lib.sh"
NODE="$DIR/node"
CONF="$NODE/sitewarden.toml"
WWW="$DIR/www"

mkdir -p "$WWW"
cat >"$WWW/index.html" <<'HTML'
<html><head><title>南京市总工会</title></head><body>
<a href="/news.html">工会新闻</a> <a href="/gone.html">已删除的通知</a> <a href="http://partner.example.com/">合作单位</a>
</body></html>
HTML
echo '<html><head><title>工会新闻</title></head><body><a href="/">首页</a></body></html>' >"$WWW/news.html"
check "nginx is up" 0 start_static_nginx "$WWW"

check "init" 0 "$SW" init --data-dir "$NODE" --demo
# Every site's traffic on port 80 goes to the nginx; plain HTTP; one attempt; no politeness.
sed -i -e 's|^scheme = .*|scheme = "http"|' -e "s|^connect_to = .*|connect_to = \":80:127.0.0.1:$PORT\"|" \
  -e 's|^retries = .*|retries = 0|' -e 's|^politeness_milliseconds = .*|politeness_milliseconds = 0|' \
  -e 's|^timeout_seconds = .*|timeout_seconds = 5|' "$CONF"
check "config has the monitor keys" 0 grep -q "connect_to = \":80:127.0.0.1:$PORT\"" "$CONF"

check "uptime pass: no finding" 0 "$SW" monitor run --config "$CONF" --site 2 --probe uptime
expect_output "summary line" "uptime: 1 sites, 1 targets, 0 failed, 0 findings"
expect_output "status and time" "200 in"

check "link pass: findings" 1 "$SW" monitor run --config "$CONF" --site 2 --probe links
expect_output "dead and disallowed counted" "1 dead, 1 disallowed of 4 links on 2 pages"
check "findings listed" 0 "$SW" monitor findings --config "$CONF" --site 2
expect_output "dead link with its clause" "links.dead  http://njgh.org.cn/gone.html  \[N3.6\]"
expect_output "where it was found" "已删除的通知"
expect_output "disallowed host" "links.disallowed  http://partner.example.com/"
expect_output "count" "^2 findings"

check "allow the partner" 0 "$SW" monitor allow --config "$CONF" --site 2 --host partner.example.com
check "link pass again" 1 "$SW" monitor run --config "$CONF" --site 2 --probe links
expect_output "only the dead link is left" "1 dead, 0 disallowed"
check "resolved finding kept" 0 "$SW" monitor findings --config "$CONF" --site 2 --all
expect_output "resolved" "links.disallowed.*resolved"

# N3.6: a host allowed by mistake comes off again (audited); bad input is named and changes nothing.
check "disallow: not listed" 2 "$SW" monitor disallow --config "$CONF" --site 2 --host other.example.com
expect_output "named" "monitor.not_found"
check "disallow: not a host" 2 "$SW" monitor disallow --config "$CONF" --site 2 --host "evil.com/x"
expect_output "named" "monitor.bad_input"
check "disallow: unknown site" 2 "$SW" monitor disallow --config "$CONF" --site 9999 --host partner.example.com
expect_output "named" "is not in the register"
check "allow: unknown site" 2 "$SW" monitor allow --config "$CONF" --site 9999 --host partner.example.com
expect_output "named" "is not in the register"
check "disallow the partner" 0 "$SW" monitor disallow --config "$CONF" --site 2 --host PARTNER.example.com
expect_output "said" "may no longer link to partner.example.com"
check "link pass: disallowed again" 1 "$SW" monitor run --config "$CONF" --site 2 --probe links
expect_output "both findings back" "1 dead, 1 disallowed"
check "disallow again: not listed" 2 "$SW" monitor disallow --config "$CONF" --site 2 --host partner.example.com
expect_output "named" "monitor.not_found"
check "allow it back" 0 "$SW" monitor allow --config "$CONF" --site 2 --host partner.example.com

check "unknown probe" 2 "$SW" monitor run --config "$CONF" --probe dns-soon
expect_output "named" "monitor.unknown_probe"
check "bad allowlist host" 2 "$SW" monitor allow --config "$CONF" --site 2 --host "evil.com/x"
expect_output "named" "monitor.bad_input"
check "unknown site" 2 "$SW" monitor run --config "$CONF" --site 9999 --probe uptime
expect_output "named" "monitor.not_found"

stop_pid "$NGINX_PID"; NGINX_PID=""
check "site down: finding" 1 "$SW" monitor run --config "$CONF" --site 2 --probe uptime
expect_output "connect error shown" "connect"
check "audit log intact" 0 "$SW" audit verify --config "$CONF"

echo "monitor cli: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
