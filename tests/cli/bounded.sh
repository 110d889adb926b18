#!/usr/bin/env bash
# bounded.sh SECONDS COMMAND... — runs COMMAND; when it outlives SECONDS, prints its threads' stacks (gdb,
# when installed) to stderr, kills it and exits 124; otherwise exits with COMMAND's status. Used by
# check_lib.sh's check. A process of its own on purpose: the watchdog below is a forked shell, and a fork
# of a test's shell would carry the test's EXIT trap (rm -rf "$DIR"), which a signal reaching it before
# its own trap is set would run in the middle of the test. This shell has no EXIT trap.
limit="$1"
shift
"$@" &
pid=$!
(
  # Polls in short naps, so a nap left behind when this is stopped ends within 50 ms.
  for ((i = 0; i < limit * 20; i++)); do
    kill -0 "$pid" 2>/dev/null || exit 0
    sleep 0.05
  done
  kill -0 "$pid" 2>/dev/null || exit 0
  echo "HUNG: still running after ${limit} s: $*" >&2
  if command -v gdb >/dev/null; then
    timeout 60 gdb -p "$pid" -batch -ex "thread apply all bt" 2>&1 | grep -E '^(Thread|#)' | head -300 >&2
  fi
  kill -KILL "$pid" 2>/dev/null
) &
watchdog=$!
wait "$pid"
rc=$?
kill -TERM "$watchdog" 2>/dev/null
wait "$watchdog" 2>/dev/null
[ "$rc" -eq 137 ] && rc=124
exit "$rc"
