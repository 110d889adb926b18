#!/usr/bin/env bash
# A/B of guard builds (and nginx) in alternating short rounds, for the guard's speed work (docs/modules/
# guard.md "Performance"). On a shared machine only rounds taken in the same minute compare.
#
#   bash bench/guard_ab.sh ROUNDS SECONDS URL_PATH CONTESTANT...
#
# A contestant is a guard_node binary (started once on its own data dir) or the word `nginx` (Debian's
# nginx on the same files, configured as in bench/guard_bench.sh). Each round runs `wrk -t2 -c64` on
# every contestant in turn. Per answer it reports: the server's CPU (utime+stime of its processes),
# wrk's CPU (it shares the cores), data segments the kernel sent (TcpExtTCPOrigDataSent, both
# directions: the request is one of them), the server's voluntary context switches, and how much of the
# machine's CPU time was idle during the round (on a shared machine other work fills it).
# Env: THREADS (guard event threads and nginx workers, default 2), CONNS (default 64).
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: $0 ROUNDS SECONDS URL_PATH CONTESTANT..." >&2; exit 2; }
rounds="$1" secs="$2" url_path="$3"; shift 3
threads="${THREADS:-2}" conns="${CONNS:-64}"
. "$(dirname "$0")/nginx_static.sh"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

names=() ports=() spids=()
i=0
for c in "$@"; do
  i=$((i + 1))
  dir="$work/c$i"; mkdir -p "$dir"
  if [ "$c" = nginx ]; then
    [ -d "$work/c1/www" ] || { echo "nginx needs a guard_node contestant first (its files)" >&2; exit 2; }
    port="$(free_port)"
    chmod 755 "$work" "$work/c1"; chmod -R a+rX "$work/c1/www"
    write_nginx_static_conf "$dir/nginx.conf" "$dir" "$work/c1/www" "$port" "$threads"
    "$(command -v nginx || echo /usr/sbin/nginx)" -c "$dir/nginx.conf" -g 'daemon off;' 2>"$dir/stderr" &
    pid=$!
    for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
    names+=("nginx")
  else
    "$c" --dir "$dir" --threads "$threads" --access-log "$dir/access.log" >"$dir/out" 2>"$dir/err" &
    pid=$!
    for _ in $(seq 1 300); do grep -q '^port ' "$dir/out" 2>/dev/null && break; sleep 0.1; done
    port="$(awk '/^port /{print $2}' "$dir/out")"
    [ -n "$port" ] || { echo "$c did not start:"; cat "$dir/err"; exit 1; }
    names+=("$(basename "$c")#$i")
  fi
  pids+=("$pid"); ports+=("$port"); spids+=("$pid")
done

server_pids() { echo "$1 $(pgrep -P "$1" | tr '\n' ' ')"; }
ticks() { local t=0 p; for p in "$@"; do [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo "$t"; }
vcsw() { local t=0 p q; for p in "$@"; do for q in /proc/$p/task/*/status; do t=$((t + $(awk '/^voluntary_ctxt_switches/{print $2}' "$q" 2>/dev/null || echo 0))); done; done; echo "$t"; }
segs() { awk '/^TcpExt:/{ if (!h) { for (i=1;i<=NF;i++) n[i]=$i; h=1 } else for (i=1;i<=NF;i++) if (n[i]=="TCPOrigDataSent") print $i }' /proc/net/netstat; }
hz="$(getconf CLK_TCK)"
cpu_idle() { awk '/^cpu /{print $5+$6; exit}' /proc/stat; }
cpu_all() { awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9; exit}' /proc/stat; }

for j in "${!names[@]}"; do wrk -t2 -c"$conns" -d2s "http://127.0.0.1:${ports[$j]}$url_path" >/dev/null; done
printf '%-4s %-22s %9s %9s %9s %9s %7s %7s %6s\n' round contestant req/s srv_us wrk_us sum_us seg/ans vcs/ans idle%
for r in $(seq 1 "$rounds"); do
  for j in "${!names[@]}"; do
    sp="$(server_pids "${spids[$j]}")"
    t0="$(ticks $sp)" v0="$(vcsw $sp)" s0="$(segs)" i0="$(cpu_idle)" a0="$(cpu_all)"
    out="$( { /usr/bin/time -f 'WRKCPU %U %S' wrk -t2 -c"$conns" -d"${secs}s" "http://127.0.0.1:${ports[$j]}$url_path"; } 2>&1)"
    t1="$(ticks $sp)" v1="$(vcsw $sp)" s1="$(segs)" i1="$(cpu_idle)" a1="$(cpu_all)"
    reqs="$(awk '/requests in/{print $1}' <<<"$out")"
    awk -v r="$r" -v n="${names[$j]}" -v q="$reqs" -v s="$secs" -v dt="$((t1 - t0))" -v hz="$hz" \
        -v w="$(awk '/^WRKCPU/{print $2+$3}' <<<"$out")" -v sg="$((s1 - s0))" -v vc="$((v1 - v0))" \
        -v id="$((i1 - i0))" -v al="$((a1 - a0))" \
        'BEGIN{ printf "%-4s %-22s %9.0f %9.1f %9.1f %9.1f %7.2f %7.2f %6.1f\n", r, n, q/s, dt/hz/q*1e6, w/q*1e6, (dt/hz+w)/q*1e6, sg/q, vc/q, (al > 0 ? 100*id/al : 0) }' \
      | tee -a "$work/rows"
  done
done
echo "mean over rounds:"
awk '{ k=$2; n[k]++; for (i=3;i<=9;i++) s[k,i]+=$i; if (!(k in o)) { o[k]=++m; name[m]=k } }
     END{ for (j=1;j<=m;j++) { k=name[j]; printf "     %-22s %9.0f %9.1f %9.1f %9.1f %7.2f %7.2f %6.1f\n", k, s[k,3]/n[k], s[k,4]/n[k], s[k,5]/n[k], s[k,6]/n[k], s[k,7]/n[k], s[k,8]/n[k], s[k,9]/n[k] } }' "$work/rows"
