#!/usr/bin/env bash
# `sitewarden release` as an operator runs it (issue 5 "rollback ... is one command, audited"; N7.1,
# N8.4): list, show, rollback (done and refused, both audited), verify (intact, then exit 3 naming the
# first damaged path). Releases are made by publish_crash_writer (tests/publish/crash_writer.cc).
# Usage: release_cli_test.sh <sitewarden> <publish_crash_writer>
set -uo pipefail
SW="$1"
WRITER="$2"
DIR="$(mktemp -d /tmp/sw-release-cli.XXXXXX)"
trap 'rm -rf "$DIR"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/../cli/check_lib.sh"
NODE="$DIR/node"
CONF="$NODE/sitewarden.toml"
DB="$NODE/sitewarden.db"

check "init" 0 "$SW" init --data-dir "$NODE"
sqlite3 "$DB" "INSERT INTO organisations (parent_id, name, kind) VALUES (NULL, '江苏省总工会', 'province');
               INSERT INTO sites (org_id, name, state) VALUES (last_insert_rowid(), '江苏工会网', 'live');"
SITE="$(sqlite3 "$DB" "SELECT max(id) FROM sites")"
check "three releases" 0 "$WRITER" "$NODE" "$SITE" 5 3

check "list" 0 "$SW" release list --config "$CONF" --site "$SITE"
expect_output "list shows the newest live" "^3	.*	live$"
expect_output "list shows the older kept" "^1	.*	kept$"
check "show" 0 "$SW" release show --config "$CONF" --id 2
expect_output "show names the files" "^/p/4.html	"
expect_output "show names the release" "release 2 of site $SITE"

check "rollback" 0 "$SW" release rollback --config "$CONF" --site "$SITE" --to 2 --reason "release 3 has a typo"
expect_output "rollback says what is live" "release 2 is live (was 3)"
check "list after rollback" 0 "$SW" release list --config "$CONF" --site "$SITE"
expect_output "release 2 is live" "^2	.*	live$"
check "history" 0 "$SW" release history --config "$CONF" --site "$SITE"
expect_output "history names the rollback" "	rollback	3	2	cli:.*	release 3 has a typo$"
expect_output "history names the publishes" "	publish	-	1	"
check "roll forward" 0 "$SW" release rollback --config "$CONF" --site "$SITE" --to 3 --reason "the typo was fine"
check "history after the roll forward" 0 "$SW" release history --config "$CONF" --site "$SITE"
expect_output "a roll forward is named by its direction" "	rollforward	2	3	"
DIRECTIONS="$(sqlite3 "$DB" "SELECT json_extract(details, '$.direction') FROM audit_events WHERE action = 'publish.rollback' AND outcome = 'success' ORDER BY seq")"
if [ "$DIRECTIONS" = "$(printf 'rollback\nrollforward')" ]; then pass=$((pass + 1)); else
  failed=$((failed + 1)); echo "FAIL: audited directions: got '$DIRECTIONS'"
fi
check "back to 2" 0 "$SW" release rollback --config "$CONF" --site "$SITE" --to 2 --reason "release 3 has a typo after all"
check "rollback to an unknown release is refused" 1 "$SW" release rollback --config "$CONF" --site "$SITE" --to 99 --reason "x"
expect_output "refusal names the code" "publish.release_not_found"
check "rollback to the live release is refused" 1 "$SW" release rollback --config "$CONF" --site "$SITE" --to 2 --reason "x"
check "rollback needs a reason" 106 "$SW" release rollback --config "$CONF" --site "$SITE" --to 1
AUDITED="$(sqlite3 "$DB" "SELECT outcome || ':' || object FROM audit_events WHERE action = 'publish.rollback' ORDER BY seq")"
if [ "$AUDITED" = "$(printf 'success:release:2\nsuccess:release:3\nsuccess:release:2\nfailure:release:99\nfailure:release:2')" ]; then pass=$((pass + 1)); else
  failed=$((failed + 1)); echo "FAIL: rollbacks audited: got '$AUDITED'"
fi
check "audit log still verifies" 0 "$SW" audit verify --config "$CONF"

check "verify intact" 0 "$SW" release verify --config "$CONF" --site "$SITE"
expect_output "verify says intact" "release 2 of site $SITE intact"
"$SW" release show --config "$CONF" --id 2 >"$DIR/show"
DIGEST="$(awk -F'\t' '$1 == "/p/3.html" { print $4 }' "$DIR/show")"
HEX="${DIGEST#*:}"
BLOB="$NODE/blobs/${DIGEST%%:*}/${HEX:0:2}/${HEX:2}"
chmod u+w "$BLOB" && printf 'defaced' >"$BLOB"
check "verify finds the damage" 3 "$SW" release verify --config "$CONF" --site "$SITE"
expect_output "verify names the path" "/p/3.html (identity)"
check "no live release" 1 "$SW" release verify --config "$CONF" --site 9999

echo "release cli: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
