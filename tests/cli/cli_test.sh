#!/usr/bin/env bash
# The sitewarden CLI as an operator runs it: init, config check, user management from the machine,
# audit verify (and its tamper detection), export and offline verification (N7.4, N8.4).
# Usage: cli_test.sh <path to sitewarden>
set -uo pipefail
SW="$1"
DIR="$(mktemp -d /tmp/sw-cli-test.XXXXXX)"
trap 'rm -rf "$DIR"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/../cli/check_lib.sh"
NODE="$DIR/node"
CONF="$NODE/sitewarden.toml"

check "version" 0 "$SW" version
expect_output "version prints" "sitewarden 0"
check "no subcommand is a usage error" 106 "$SW"
check "init with the demo" 0 "$SW" init --data-dir "$NODE" --demo
expect_output "demo logins printed" "secadmin"
check "init twice is refused" 1 "$SW" init --data-dir "$NODE"
expect_output "init names the existing config" "already exists"
check "key files are private" 0 bash -c "[ \"\$(stat -c %a '$NODE/keys/node-gm.key')\" = 600 ] && [ \"\$(stat -c %a '$NODE/keys')\" = 700 ]"
check "config check" 0 "$SW" config check --config "$CONF"

cp "$CONF" "$DIR/bad.toml"
printf '\n[console]\nprot = 1\n' >>"$DIR/bad.toml"
check "broken config is refused" 1 "$SW" config check --config "$DIR/bad.toml"
expect_output "error names the file and line" "bad.toml:"
check "serve refuses a broken config" 1 "$SW" serve --config "$DIR/bad.toml"

check "user add from stdin" 0 bash -c "echo 'Qiuyue-Taihu#5820' | '$SW' user add --config '$CONF' --username zhang-wei --real-name 张伟 --org-id 2 --phone 13800138000 --email zw@njgh.org.cn"
check "user add with a weak password is refused" 1 bash -c "echo 'password' | '$SW' user add --config '$CONF' --username li-na --real-name 李娜 --org-id 2 --phone 13800138001 --email ln@njgh.org.cn"
check "user lock" 0 "$SW" user lock --config "$CONF" --username zhang-wei
check "user unlock" 0 "$SW" user unlock --config "$CONF" --username zhang-wei
check "reset of an unknown user" 1 bash -c "echo 'Qiuyue-Taihu#5821' | '$SW' user reset --config '$CONF' --username nobody"

check "audit verify on an intact log" 0 "$SW" audit verify --config "$CONF"
expect_output "verify reports counts" "audit log intact"
TODAY=$(date -u +%F)
check "audit export" 0 "$SW" audit export --config "$CONF" --from 2020-01-01 --to "$TODAY" --out "$DIR/export.jsonl"
check "export verifies offline with the node key" 0 "$SW" audit verify-export --file "$DIR/export.jsonl" --public-key "$("$SW" audit node-key --config "$CONF")"
sed -i '3s/"outcome":"success"/"outcome":"denied"/' "$DIR/export.jsonl"
check "edited export is detected" 3 "$SW" audit verify-export --file "$DIR/export.jsonl" --config "$CONF"

# Tamper with the database directly, as someone with file access would (dropping the triggers first).
sqlite3 "$NODE/sitewarden.db" "DROP TRIGGER IF EXISTS audit_events_no_update; DROP TRIGGER IF EXISTS audit_events_no_delete;" 2>/dev/null
for t in $(sqlite3 "$NODE/sitewarden.db" "SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='audit_events'"); do
  sqlite3 "$NODE/sitewarden.db" "DROP TRIGGER $t"
done
sqlite3 "$NODE/sitewarden.db" "UPDATE audit_events SET actor='nobody' WHERE seq=5"
check "edited row is detected" 3 "$SW" audit verify --config "$CONF"
expect_output "verify names the first bad seq" "first bad seq 5"

printf '%s\n' "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
