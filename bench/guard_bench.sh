#!/usr/bin/env bash
# The guard against Debian's nginx serving the same release (docs/benchmarks.md "Guard against nginx").
#
#   bash bench/guard_bench.sh BUILD_DIR [DURATION_SECONDS]
#
# guard_node (BUILD_DIR/bench/guard_node) writes one generated site twice — blobs of a signed release
# for the guard, plain files for nginx — and serves it with the guard (2 event threads, every file
# hashed against the signed manifest on load). nginx-light runs from a temp config on loopback with
# worker_processes 2, sendfile, open_file_cache and keep-alive. wrk (keep-alive, -t2 -c64) asks each
# for: one ~5 KB page, a 100 KB file, and a rotation over 1,000 ~5 KB pages. For each: requests/s,
# requests per CPU-second of the server's processes (utime+stime from /proc/<pid>/stat, before and
# after), and p99 latency. Both servers are started and stopped by PID; nothing outlives the script.
# THREADS=N (default 2, one per core as the issue asks) runs the guard with N event threads and nginx
# with N workers: the same worker count for both, so the comparison stays fair either way.
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 BUILD_DIR [DURATION_SECONDS]" >&2
  exit 2
fi
build_dir="$1"
duration="${2:-10}"
threads="${THREADS:-2}"
case "$threads" in ''|*[!0-9]*|0) echo "THREADS must be a positive number, not '$threads'" >&2; exit 2 ;; esac
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/nginx_static.sh"
node_bin="$build_dir/bench/guard_node"
for tool in wrk nginx; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || { echo "$tool is not installed: skipped"; exit 0; }
done
[ -x "$node_bin" ] || { echo "$node_bin is not built (ninja -C $build_dir guard_node): skipped"; exit 0; }
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

work="$(mktemp -d)"
guard_pid=""
nginx_pid=""
cleanup() {
  [ -n "$guard_pid" ] && kill "$guard_pid" 2>/dev/null && wait "$guard_pid" 2>/dev/null || true
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
  sleep 0.2
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# The guard (access log on, as in production).
"$node_bin" --dir "$work" --threads "$threads" --access-log "$work/guard-access.log" >"$work/guard.out" 2>"$work/guard.err" &
guard_pid=$!
for _ in $(seq 1 300); do grep -q '^port ' "$work/guard.out" 2>/dev/null && break; sleep 0.1; done
guard_port="$(awk '/^port /{print $2}' "$work/guard.out")"
[ -n "$guard_port" ] || { echo "guard_node did not start:"; cat "$work/guard.err"; exit 1; }

# nginx on the same files (access log on, buffered).
nginx_port="$(free_port)"
chmod 755 "$work"; chmod -R a+rX "$work/www"
mkdir -p "$work/nginx"
write_nginx_static_conf "$work/nginx/nginx.conf" "$work/nginx" "$work/www" "$nginx_port" "$threads"
"$nginx_bin" -c "$work/nginx/nginx.conf" -g 'daemon off;' 2>"$work/nginx/stderr" &
nginx_pid=$!
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$nginx_port/" && break; sleep 0.1; done

# CPU ticks (utime+stime) of a process and its children threads/processes.
ticks_of() {
  local total=0 pid
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}
nginx_pids() { echo "$nginx_pid $(pgrep -P "$nginx_pid" | tr '\n' ' ')"; }
hz="$(getconf CLK_TCK)"

run_wrk() {  # name server port path [script]
  local name="$1" server="$2" port="$3" path="$4" script="${5:-}" pids before after out rps p99 cpu
  if [ "$server" = guard ]; then pids="$guard_pid"; else pids="$(nginx_pids)"; fi
  # Warm up (the guard verifies each file once on load; nginx fills open_file_cache).
  if [ -n "$script" ]; then
    wrk -t2 -c64 -d2s -s "$script" "http://127.0.0.1:$port$path" >/dev/null
  else
    wrk -t2 -c64 -d2s "http://127.0.0.1:$port$path" >/dev/null
  fi
  before="$(ticks_of $pids)"
  if [ -n "$script" ]; then
    out="$(wrk -t2 -c64 -d"${duration}s" --latency -s "$script" "http://127.0.0.1:$port$path")"
  else
    out="$(wrk -t2 -c64 -d"${duration}s" --latency "http://127.0.0.1:$port$path")"
  fi
  after="$(ticks_of $pids)"
  rps="$(awk '/^Requests\/sec:/{print $2}' <<<"$out")"
  p99="$(awk '$1=="99%"{print $2}' <<<"$out")"
  errors="$(awk '/Non-2xx|Socket errors/{print}' <<<"$out" | tr '\n' ' ')"
  cpu="$(awk -v a="$after" -v b="$before" -v hz="$hz" 'BEGIN{printf "%.2f", (a-b)/hz}')"
  per_cpu="$(awk -v r="$rps" -v d="$duration" -v c="$cpu" 'BEGIN{ if (c>0) printf "%.0f", r*d/c; else print "n/a"}')"
  printf '%-22s %-6s %12s req/s %12s req/CPU-s  p99 %8s  cpu %6ss %s\n' "$name" "$server" "$rps" "$per_cpu" "$p99" "$cpu" "$errors"
  echo "$rps" >"$work/rps.$name.$server"
  echo "$per_cpu" >"$work/cpu.$name.$server"
}

echo "guard vs nginx — wrk -t2 -c64 -d${duration}s, keep-alive, $(nproc) cores shared with wrk, $threads guard threads / nginx workers"
# Each case runs on both servers back to back, so both see the machine under the same load.
for server in guard nginx; do
  port="$guard_port"; [ "$server" = nginx ] && port="$nginx_port"
  run_wrk "one-5KB-page" "$server" "$port" "/"
done
for server in guard nginx; do
  port="$guard_port"; [ "$server" = nginx ] && port="$nginx_port"
  run_wrk "100KB-file" "$server" "$port" "/big.bin"
done
for server in guard nginx; do
  port="$guard_port"; [ "$server" = nginx ] && port="$nginx_port"
  run_wrk "rotation-1000-pages" "$server" "$port" "/" "$here/guard_rotation.lua"
done
echo
for name in one-5KB-page 100KB-file rotation-1000-pages; do
  awk -v n="$name" -v g="$(cat "$work/rps.$name.guard")" -v x="$(cat "$work/rps.$name.nginx")" \
    -v gc="$(cat "$work/cpu.$name.guard")" -v xc="$(cat "$work/cpu.$name.nginx")" \
    'BEGIN{ printf "%-22s guard/nginx = %.2fx req/s, %.2fx req/CPU-s (target >= 1.2x)\n", n, g/x, gc/xc }'
done
kill "$guard_pid"; wait "$guard_pid" 2>/dev/null || true; guard_pid=""
tail -1 "$work/guard.out"
