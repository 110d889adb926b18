# Shared by the CLI shell tests (sourced after DIR is set): check runs a command and compares its exit
# status, expect_output greps what the last check printed; both count into pass/failed, and
# finish prints the tally and fails when anything failed.
#
# A program run by check is bounded: one that outlives CHECK_TIMEOUT seconds (default 120) has its threads'
# stacks printed (when gdb is there) and is killed, and the check fails with exit 124 naming the command —
# a hang is a failure that says where, not a test that runs into ctest's timeout. Shell functions and builtins run as
# they are.
pass=0
failed=0
CHECK_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bounded() {  # bounded COMMAND... — its exit status, or 124 when it had to be killed (bounded.sh)
  # Shell functions and builtins (test, true, ...) run in this shell, as they are.
  if [ "$(type -t "$1")" != file ]; then
    "$@"
    return
  fi
  bash "$CHECK_LIB_DIR/bounded.sh" "${CHECK_TIMEOUT:-120}" "$@"
}
# Stops a peer started in the background (nginx, nsd, ...): SIGTERM, up to 10 s to go, then SIGKILL.
stop_pid() {  # stop_pid PID
  [ -n "$1" ] || return 0
  kill -TERM "$1" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$1" 2>/dev/null
  wait "$1" 2>/dev/null
  return 0
}
# Starts Debian's nginx serving the directory WWW on a free loopback port (plain HTTP, one worker, no
# access log) and waits until it answers; sets PORT and NGINX_PID (stop it with stop_pid). Run it through
# check so a failure counts: check "nginx is up" 0 start_static_nginx "$WWW"
start_static_nginx() {  # start_static_nginx WWW
  PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
  mkdir -p "$DIR/tmp"
  local user_line=""
  [ "$(id -u)" -eq 0 ] && user_line="user root;"
  cat >"$DIR/nginx.conf" <<NGINX
$user_line
worker_processes 1;
error_log $DIR/error.log;
pid $DIR/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $DIR/tmp; proxy_temp_path $DIR/tmp; fastcgi_temp_path $DIR/tmp;
  uwsgi_temp_path $DIR/tmp; scgi_temp_path $DIR/tmp;
  types { text/html html; }
  server { listen 127.0.0.1:$PORT default_server; root $1; }
}
NGINX
  nginx -p "$DIR/" -c "$DIR/nginx.conf" -g 'daemon off;' &
  NGINX_PID=$!
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && return 0; sleep 0.1; done
  return 1
}
check() {  # check NAME EXPECTED_EXIT COMMAND...
  local name="$1" expected="$2"
  shift 2
  bounded "$@" >"$DIR/out" 2>&1
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
