# Shared by the CLI shell tests (sourced after DIR is set): check runs a command and compares its exit
# status, expect_output greps what the last check printed; both count into pass/failed, and
# finish prints the tally and fails when anything failed.
pass=0
failed=0
check() {  # check NAME EXPECTED_EXIT COMMAND...
  local name="$1" expected="$2"
  shift 2
  "$@" >"$DIR/out" 2>&1
  local rc=$?
  if [ "$rc" -eq "$expected" ]; then pass=$((pass + 1)); else
    failed=$((failed + 1))
    echo "FAIL: $name: exit $rc, expected $expected"
    sed 's/^/    /' "$DIR/out"
  fi
}
expect_output() {  # expect_output NAME PATTERN
  if grep -q -- "$2" "$DIR/out"; then pass=$((pass + 1)); else
    failed=$((failed + 1))
    echo "FAIL: $1: output lacks '$2'"
    sed 's/^/    /' "$DIR/out"
  fi
}
