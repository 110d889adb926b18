#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets with clang and runs each for FUZZ_SECONDS (default 60).
# A crash, sanitizer report, leak, time-out or broken invariant stops it with the reproducing input
# saved under BUILD_DIR/findings/; rerun one with BUILD_DIR/fuzz/<target> <file>.
#
#   bash fuzz/run.sh [BUILD_DIR]          (default build-fuzz)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build-fuzz}"
seconds="${FUZZ_SECONDS:-60}"

# Debian 12's clang-14 cannot compile libstdc++ 12's <expected>; clang-19 (bookworm) can.
if ! command -v clang++-19 >/dev/null 2>&1 || [ ! -e /usr/lib/llvm-19/lib/clang/19/lib/linux/libclang_rt.fuzzer-x86_64.a ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends clang-19 libclang-rt-19-dev
fi

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSW_FUZZ=ON \
  -DCMAKE_CXX_COMPILER=clang++-19 >/dev/null
targets=(review_html_fuzz review_ooxml_fuzz review_normaliser_fuzz)
ninja -C "$build" "${targets[@]}"

# Seed inputs: a few real shapes of each format, written fresh (nothing binary is kept in git).
seeds="$build/seeds"
rm -rf "$seeds" && mkdir -p "$seeds"/{review_html_fuzz,review_ooxml_fuzz,review_normaliser_fuzz}
python3 "$root/fuzz/make_seeds.py" "$seeds"

mkdir -p "$build/corpus" "$build/findings"
status=0
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t"
  echo "== $t: ${seconds}s =="
  if ! "$build/fuzz/$t" "$build/corpus/$t" "$seeds/$t" -max_total_time="$seconds" -timeout=10 \
       -rss_limit_mb=2048 -max_len=262144 -print_final_stats=1 -artifact_prefix="$build/findings/$t-" 2>"$build/$t.log"; then
    echo "$t: FAILED — see $build/$t.log and $build/findings/"
    tail -40 "$build/$t.log"
    status=1
  else
    grep -E "stat::number_of_executed_units|cov:" "$build/$t.log" | tail -2
  fi
done
exit "$status"
