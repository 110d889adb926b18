#!/usr/bin/env bash
# The anti-DoS limits filter's overhead (docs/benchmarks.md "Anti-DoS limits overhead"; issue 6).
#
#   bash bench/limits_bench.sh BUILD_DIR [DURATION_SECONDS] [ROUNDS]
#
# Two guards (BUILD_DIR/bench/limits_node, 2 event threads each, one ~5 KB page held in memory) run
# side by side: one without filters, one with the limits filter whose limits are far above the load
# (every request pays the whole check and is served). wrk (keep-alive, -t2 -c64) asks each for the
# page in turn, ROUNDS times (default 3, alternating, so both see the same outside load); reported:
# requests/s and p99 per run, then the medians and the overhead. Both guards are started and stopped
# by PID; nothing outlives the script.
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 BUILD_DIR [DURATION_SECONDS] [ROUNDS]" >&2
  exit 2
fi
build_dir="$1"
duration="${2:-10}"
rounds="${3:-3}"
node_bin="$build_dir/bench/limits_node"
command -v wrk >/dev/null 2>&1 || { echo "wrk is not installed: skipped"; exit 0; }
[ -x "$node_bin" ] || { echo "$node_bin is not built (ninja -C $build_dir limits_node): skipped"; exit 0; }

work="$(mktemp -d)"
off_pid=""
on_pid=""
cleanup() {
  [ -n "$off_pid" ] && kill "$off_pid" 2>/dev/null && wait "$off_pid" 2>/dev/null || true
  [ -n "$on_pid" ] && kill "$on_pid" 2>/dev/null && wait "$on_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

start_node() {  # on|off → sets the pid variable, prints the port
  "$node_bin" --limits "$1" >"$work/$1.out" 2>"$work/$1.err" &
  local pid=$!
  if [ "$1" = on ]; then on_pid=$pid; else off_pid=$pid; fi
  for _ in $(seq 1 100); do grep -q '^port ' "$work/$1.out" 2>/dev/null && break; sleep 0.1; done
  grep -q '^port ' "$work/$1.out" || { echo "limits_node --limits $1 did not start:"; cat "$work/$1.err"; exit 1; }
}
start_node off
start_node on
off_port="$(awk '/^port /{print $2}' "$work/off.out")"
on_port="$(awk '/^port /{print $2}' "$work/on.out")"

to_ms() { awk '{ v=$1; if (v ~ /us$/) { sub(/us$/,"",v); print v/1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v); print v+0 } else if (v ~ /s$/) { sub(/s$/,"",v); print v*1000 } else print v }'; }

run() {  # off|on port
  local out rps p99 errors
  out="$(wrk -t2 -c64 -d"${duration}s" --latency "http://127.0.0.1:$2/")"
  rps="$(awk '/^Requests\/sec:/{print $2}' <<<"$out")"
  p99="$(awk '$1=="99%"{print $2}' <<<"$out" | to_ms)"
  errors="$(awk '/Non-2xx|Socket errors/{print}' <<<"$out" | tr '\n' ' ')"
  printf '%-12s %12s req/s  p99 %8s ms %s\n' "limits-$1" "$rps" "$p99" "$errors"
  echo "$rps" >>"$work/rps.$1"
  echo "$p99" >>"$work/p99.$1"
}

echo "guard one ~5 KB page, limits filter off vs on — wrk -t2 -c64 -d${duration}s x${rounds}, keep-alive, $(nproc) cores shared with wrk"
wrk -t2 -c64 -d2s "http://127.0.0.1:$off_port/" >/dev/null  # warm up
wrk -t2 -c64 -d2s "http://127.0.0.1:$on_port/" >/dev/null
for _ in $(seq 1 "$rounds"); do
  run off "$off_port"
  run on "$on_port"
done
median() { sort -g "$1" | awk '{a[NR]=$1} END{ print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2) }'; }
off_rps="$(median "$work/rps.off")"; on_rps="$(median "$work/rps.on")"
off_p99="$(median "$work/p99.off")"; on_p99="$(median "$work/p99.on")"
echo
awk -v a="$off_rps" -v b="$on_rps" -v pa="$off_p99" -v pb="$on_p99" 'BEGIN{
  printf "median: off %.0f req/s p99 %.2f ms; on %.0f req/s p99 %.2f ms; overhead %.1f%% req/s, p99 %+.2f ms\n",
         a, pa, b, pb, (a-b)/a*100, pb-pa }'
kill "$on_pid"; wait "$on_pid" 2>/dev/null || true; on_pid=""
echo "limits-on node: $(tail -1 "$work/on.out")"
