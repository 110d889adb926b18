#!/usr/bin/env bash
# sitewarden mirror / watch / watch verify as an operator runs them (N7.1): a published site mirrored
# into a web root, verify's exit codes and output, bad roots refused, a running watch restoring a
# tampered page and stopping cleanly on SIGTERM; the .gz/.br siblings written, verified and restored.
# Waits are bounded polls.
# Usage: watch_cli_test.sh <path to sitewarden>
set -uo pipefail
SW="$1"
DIR="$(mktemp -d /tmp/sw-watch-cli.XXXXXX)"
WATCH_PID=""
cleanup() {
  if [ -n "$WATCH_PID" ]; then kill -TERM "$WATCH_PID" 2>/dev/null; wait "$WATCH_PID" 2>/dev/null; fi
  rm -rf "$DIR"
}
trap cleanup EXIT
. "$(dirname "${BASH_SOURCE[0]}")/../cli/check_lib.sh"
NODE="$DIR/node"
CONF="$NODE/sitewarden.toml"
WWW="$DIR/www"

check "init" 0 "$SW" init --data-dir "$NODE" --demo
check "publish site 2" 0 "$SW" publish --config "$CONF" --site 2 --full
mkdir -p "$WWW"
echo "left over" >"$WWW/old.html"
check "mirror" 0 "$SW" mirror --config "$CONF" --site 2 --root "$WWW"
expect_output "mirror names the release" "Mirrored release"
check "foreign file quarantined, not deleted" 0 bash -c "[ ! -e '$WWW/old.html' ] && grep -rq 'left over' '$NODE/quarantine/2'"
check "verify intact" 0 "$SW" watch verify --config "$CONF" --root "$WWW"
expect_output "verify says intact" "intact"
# Precompressed siblings for nginx's gzip_static / brotli_static: the release's own variants.
check "index.html.gz is the gzip of index.html" 0 bash -c "gzip -dc '$WWW/index.html.gz' | cmp - '$WWW/index.html'"
check "index.html.br is there" 0 test -s "$WWW/index.html.br"
rm "$WWW/index.html.gz"
check "verify: a missing sibling is a difference" 3 "$SW" watch verify --config "$CONF" --root "$WWW"
expect_output "the sibling is listed" "^deleted	/index.html.gz"
check "mirror again rewrites it" 0 "$SW" mirror --config "$CONF" --site 2 --root "$WWW"
check "intact again" 0 "$SW" watch verify --config "$CONF" --root "$WWW"

echo "defaced" >>"$WWW/index.html"
ln -s /etc/passwd "$WWW/evil.html"
check "verify tampered" 3 "$SW" watch verify --config "$CONF" --root "$WWW"
expect_output "modified listed" "^modified	/index.html"
expect_output "symlink listed with its target" "^added	/evil.html.*-> /etc/passwd"
expect_output "verify says tampered" "TAMPERED — 2 difference"

echo "x" >"$DIR/file"
check "root not a directory" 1 "$SW" watch verify --config "$CONF" --root "$DIR/file"
expect_output "named" "watch.root_not_directory"
mkdir -p "$DIR/other"
check "root not registered" 1 "$SW" watch verify --config "$CONF" --root "$DIR/other"
expect_output "named" "watch.root_not_registered"
check "watch of an unregistered root" 1 "$SW" watch --config "$CONF" --root "$DIR/other"
check "root overlapping the data directory" 1 "$SW" mirror --config "$CONF" --site 2 --root "$NODE/www"
expect_output "named" "watch.bad_root"
check "bad file mode" 1 "$SW" mirror --config "$CONF" --site 2 --root "$WWW" --file-mode 0999
check "site without a live release" 1 "$SW" mirror --config "$CONF" --site 99999 --root "$WWW"

# The watcher repairs what verify found at start, then restores a tamper from events.
"$SW" watch --config "$CONF" --root "$WWW" >"$DIR/watch.log" 2>&1 &
WATCH_PID=$!
restored() {
  for _ in $(seq 1 200); do
    "$SW" watch verify --config "$CONF" --root "$WWW" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}
check "start repairs the tree" 0 restored
echo "defaced again" >"$WWW/index.html"
sleep 0.2
check "tamper restored" 0 restored
echo "defaced" >"$WWW/index.html.gz"
sleep 0.2
check "a tampered sibling restored" 0 restored
check "restored sibling decodes to the page" 0 bash -c "gzip -dc '$WWW/index.html.gz' | cmp - '$WWW/index.html'"
kill -TERM "$WATCH_PID"
wait "$WATCH_PID"
rc=$?
WATCH_PID=""
if [ "$rc" -eq 0 ] && grep -q "^stopped:" "$DIR/watch.log"; then pass=$((pass + 1)); else
  failed=$((failed + 1))
  echo "FAIL: watch stops cleanly on SIGTERM (exit $rc)"
  sed 's/^/    /' "$DIR/watch.log"
fi
check "audit log holds the tamper events and stays intact" 0 "$SW" audit verify --config "$CONF"

echo "watch cli: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
