#!/usr/bin/env bash
# Release housekeeping as an operator runs it (issue 5; N7.1, N8.4): `sitewarden store gc` (dry run,
# then for real: a pruned release's blobs go, the live release stays whole, foreign files are left
# alone and listed, each run audited as store.gc), a bad [publish] key refused by name, and a
# guard-only node (`sitewarden guard`) recovering the release store at start as serve does (stale
# temp files removed, a fresh one kept, the live generation bumped).
# Usage: housekeeping_cli_test.sh <sitewarden> <publish_crash_writer>
set -uo pipefail
SW="$1"
WRITER="$2"
DIR="$(mktemp -d /tmp/sw-housekeeping.XXXXXX)"
PID=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null
  rm -rf "$DIR"
}
trap cleanup EXIT
. "$(dirname "${BASH_SOURCE[0]}")/../cli/check_lib.sh"
NODE="$DIR/node"
CONF="$NODE/sitewarden.toml"
DB="$NODE/sitewarden.db"
blob_files() { find "$NODE/blobs" -type f -regextype posix-extended -regex '.*/[0-9a-f]{62}' | wc -l; }
ok_if() {  # ok_if NAME CONDITION...
  local name="$1"
  shift
  if "$@"; then pass=$((pass + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; fi
}

check "init" 0 "$SW" init --data-dir "$NODE"
sqlite3 "$DB" "INSERT INTO organisations (parent_id, name, kind) VALUES (NULL, '江苏省总工会', 'province');
               INSERT INTO sites (org_id, name, state) VALUES (last_insert_rowid(), '江苏工会网', 'live');"
SITE="$(sqlite3 "$DB" "SELECT max(id) FROM sites")"
check "twelve releases (ten kept)" 0 "$WRITER" "$NODE" "$SITE" 3 12
PRUNED="$(sqlite3 "$DB" "SELECT count(*) FROM releases WHERE pruned_at IS NOT NULL")"
ok_if "two releases pruned (got $PRUNED)" [ "$PRUNED" = 2 ]

# --- store gc ---
JUNK_DIR="$(dirname "$(find "$NODE/blobs" -type f -regextype posix-extended -regex '.*/[0-9a-f]{62}' | head -1)")"
echo "an operator's note" >"$JUNK_DIR/NOTE.txt"
find "$NODE/blobs" -exec touch -h -d '2 hours ago' {} +
BEFORE="$(blob_files)"
check "gc dry run" 0 "$SW" store gc --dry-run --config "$CONF"
expect_output "the dry run says so" "dry run, nothing removed"
expect_output "the dry run names the foreign file" "foreign (not a blob, left alone): .*NOTE.txt"
ok_if "a dry run removes nothing" [ "$(blob_files)" = "$BEFORE" ]
check "gc" 0 "$SW" store gc --config "$CONF"
REMOVED="$(sed -nE 's/.* ([0-9]+) removed \(([0-9]+) bytes freed\).*/\1/p' "$DIR/out")"
ok_if "the pruned releases' blobs are removed (got '$REMOVED')" [ "${REMOVED:-0}" -gt 0 ]
ok_if "the count matches the store" [ "$(blob_files)" = "$((BEFORE - ${REMOVED:-0}))" ]
ok_if "the foreign file is left alone" [ -f "$JUNK_DIR/NOTE.txt" ]
check "the live release is whole" 0 "$SW" release verify --config "$CONF" --site "$SITE"
OLDEST_KEPT="$(sqlite3 "$DB" "SELECT min(id) FROM releases WHERE pruned_at IS NULL")"
check "a kept release can still be made live" 0 "$SW" release rollback --config "$CONF" --site "$SITE" --to "$OLDEST_KEPT" --reason "after gc"
check "and it is whole" 0 "$SW" release verify --config "$CONF" --site "$SITE"
check "a second gc removes nothing more" 0 "$SW" store gc --config "$CONF"
expect_output "nothing more" " 0 removed (0 bytes freed)"
AUDITED="$(sqlite3 "$DB" "SELECT outcome || ':' || json_extract(details, '$.dry_run') || ':' || (json_extract(details, '$.removed') > 0) FROM audit_events WHERE action = 'store.gc' ORDER BY seq")"
ok_if "each gc is audited with its figures (got '$AUDITED')" [ "$AUDITED" = "$(printf 'success:1:1\nsuccess:0:1\nsuccess:0:0')" ]
check "the audit log verifies" 0 "$SW" audit verify --config "$CONF"

# --- [publish] keys are validated by name ---
sed 's/^keep_releases = 10 /keep_releases = 0 /' "$CONF" >"$DIR/bad.toml"
check "keep_releases = 0 is refused" 1 "$SW" store gc --config "$DIR/bad.toml"
expect_output "the error names the key" "\[publish\] keep_releases"

# --- a guard-only node recovers the store at start ---
sed -i 's/^port = 8080 /port = 0 /; s/^admin_port = 8081 /admin_port = 0 /' "$CONF"
FAN="$(dirname "$(find "$NODE/blobs" -type f -regextype posix-extended -regex '.*/[0-9a-f]{62}' | head -1)")"
mkdir -p "$NODE/blobs/tmp"
echo partial >"$NODE/blobs/tmp/stale-upload"
echo partial >"$FAN/.0123abcd.tmp-killedwriter"
touch -d '2 hours ago' "$NODE/blobs/tmp/stale-upload" "$FAN/.0123abcd.tmp-killedwriter"
echo partial >"$NODE/blobs/tmp/fresh-upload"
GEN_BEFORE="$(od -An -tu8 "$NODE/run/live-generation" | tr -d ' ')"
"$SW" guard --config "$CONF" >"$DIR/guard.out" 2>&1 &
PID=$!
# (up to 30 s: the WAF's prefilter is built at start, ~2 s of CPU on a fresh node, more on a loaded machine)
for _ in $(seq 1 300); do grep -q '^sitewarden guard:' "$DIR/guard.out" && break; sleep 0.1; done
ok_if "the guard started" grep -q '^sitewarden guard:' "$DIR/guard.out"
ok_if "a stale staging file is removed" [ ! -e "$NODE/blobs/tmp/stale-upload" ]
ok_if "a killed writer's temp file is removed" [ ! -e "$FAN/.0123abcd.tmp-killedwriter" ]
ok_if "a fresh temp file is kept (a writer may be running)" [ -f "$NODE/blobs/tmp/fresh-upload" ]
GEN_AFTER="$(od -An -tu8 "$NODE/run/live-generation" | tr -d ' ')"
ok_if "the live generation is bumped ($GEN_BEFORE -> $GEN_AFTER)" [ "$GEN_AFTER" -gt "$GEN_BEFORE" ]
kill -TERM "$PID"
for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
wait "$PID"
ok_if "the guard stopped cleanly" [ $? -eq 0 ]
PID=""

echo "housekeeping cli: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
