#!/usr/bin/env bash
# `sitewarden waf show|set|exclude|reset|events` as an operator runs them (issue 6, N7.3): settings
# shown with the [waf] defaults, changes validated (bad input named, nothing changed) and audited as
# cli:<os user>, the event log read from its end for one site.
# Usage: waf_cli_test.sh <path to sitewarden>
set -uo pipefail
SW="$1"
DIR="$(mktemp -d /tmp/sw-waf-cli-test.XXXXXX)"
trap 'rm -rf "$DIR"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/check_lib.sh"
NODE="$DIR/node"
CONF="$NODE/sitewarden.toml"

check "init with the demo" 0 "$SW" init --data-dir "$NODE" --demo
SITE=$(sqlite3 "$NODE/sitewarden.db" "SELECT MIN(id) FROM sites")
OTHER=$(sqlite3 "$NODE/sitewarden.db" "SELECT MAX(id) FROM sites")
changes() { sqlite3 "$NODE/sitewarden.db" "SELECT COUNT(*) FROM audit_events WHERE action='waf.settings_changed'"; }

check "show: the defaults" 0 "$SW" waf show --config "$CONF" --site "$SITE"
expect_output "show says defaults" "the \[waf\] defaults"
expect_output "show has the paranoia" "paranoia  1"
check "show of an unknown site" 1 "$SW" waf show --config "$CONF" --site 999999
expect_output "unknown site named" "no site with id 999999"
check "show with a site that is no number" 1 "$SW" waf show --config "$CONF" --site abc
expect_output "bad site named" "site must be a number"

check "set paranoia 7 is refused" 1 "$SW" waf set --config "$CONF" --site "$SITE" --paranoia 7
expect_output "paranoia 7 named" "paranoia must be a number from 1 to 4, not \"7\""
check "set an unknown mode is refused" 1 "$SW" waf set --config "$CONF" --site "$SITE" --mode loud
expect_output "mode named" "mode must be blocking or detection"
check "nothing audited for refused input" 0 test "$(changes)" = 0

check "set paranoia 3, detection" 0 "$SW" waf set --config "$CONF" --site "$SITE" --paranoia 3 --mode detection
expect_output "saved" "saved"
check "show: own settings" 0 "$SW" waf show --config "$CONF" --site "$SITE" --json
expect_output "json paranoia" '"paranoia":3'
expect_output "json mode" '"mode":"detection_only"'
check "the other site is untouched" 0 "$SW" waf show --config "$CONF" --site "$OTHER"
expect_output "other keeps defaults" "the \[waf\] defaults"

check "exclude rule abc is refused" 1 "$SW" waf exclude --config "$CONF" --site "$SITE" --rule abc
expect_output "rule named" "the rule id must be a number"
check "exclude a path with .. is refused" 1 "$SW" waf exclude --config "$CONF" --site "$SITE" --rule 942100 --path /../etc
expect_output "path refused by the store" "waf.bad_settings"
check "exclude a too wide range is refused" 1 "$SW" waf exclude --config "$CONF" --site "$SITE" --rule 942100-943999
check "exclude a rule on a path for a variable" 0 "$SW" waf exclude --config "$CONF" --site "$SITE" --rule 942100 --path /forum/ --variable ARGS:comment
check "exclude a small range" 0 "$SW" waf exclude --config "$CONF" --site "$SITE" --rule 920270-920272
check "show lists the exclusions" 0 "$SW" waf show --config "$CONF" --site "$SITE"
expect_output "exclusion listed" "rule 942100  path /forum/  variable ARGS:comment"
expect_output "range expanded" "rule 920272"
check "remove an exclusion" 0 "$SW" waf exclude --config "$CONF" --site "$SITE" --rule 942100 --path /forum/ --variable ARGS:comment --remove
check "remove one that is not there" 1 "$SW" waf exclude --config "$CONF" --site "$SITE" --rule 942100 --remove
check "audited as cli:<user>" 0 test "$(sqlite3 "$NODE/sitewarden.db" "SELECT COUNT(*) FROM audit_events WHERE action='waf.settings_changed' AND actor LIKE 'cli:%'")" = 4
check "reset" 0 "$SW" waf reset --config "$CONF" --site "$SITE"
check "show after reset" 0 "$SW" waf show --config "$CONF" --site "$SITE"
expect_output "defaults again" "the \[waf\] defaults"

# Events: the log the guard writes ([waf] event_log, default waf-events.log under the data directory).
LOG="$NODE/waf-events.log"
for i in 1 2 3; do
  printf '{"time_ms":176400000000%d,"site_id":%s,"client_ip":"203.0.113.%d","request_id":"r%d","method":"GET","path":"/p","action":"blocked","anomaly_score":5,"rules":[{"id":942100,"severity":2,"message":"SQLi","data":"x"}]}\n' "$i" "$SITE" "$i" "$i" >>"$LOG"
done
printf '{"time_ms":1764000000009,"site_id":%s,"client_ip":"192.0.2.1","request_id":"other","method":"GET","path":"/o","action":"detected","anomaly_score":3,"rules":[]}\ngarbage\n' "$OTHER" >>"$LOG"
check "events, newest first, bounded" 0 "$SW" waf events --config "$CONF" --site "$SITE" --limit 2
expect_output "newest event" "203.0.113.3"
expect_output "count line" "2 events of site"
cp "$DIR/out" "$DIR/events.txt"
check "events do not mix sites" 1 grep -q "192.0.2.1" "$DIR/events.txt"
check "events --json" 0 "$SW" waf events --config "$CONF" --site "$SITE" --json
expect_output "json lines" '"request_id":"r1"'
check "events limit 0 is refused" 1 "$SW" waf events --config "$CONF" --site "$SITE" --limit 0

echo "waf cli: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
