#!/usr/bin/env bash
# Review scanner: MB/s per core and recall on planted disguises, sitewarden side by side with its peers
# in one run (issue 3 "Benchmarks"; docs/benchmarks.md "Review scanner").
#
#   bash bench/review/run.sh BUILD_DIR [CORPUS_BYTES]
#
# 1. gen_corpus.py writes a seeded corpus (default 106,000,000 bytes, >= 100 MiB, of Chinese HTML and
#    text), a 10,000-entry lexicon with a whitelist and the ground truth to a temp dir (removed at exit).
# 2. BUILD_DIR/bench/review_bench (built here if it is not yet) — normalise + match, matching alone, Scanner::scan_bytes, docx/xlsx/pdf files per second.
# 3. The peers on the same files and words: mint-filter (npm, pinned in package-lock.json, `npm ci` when
#    node_modules is missing) and python3-ahocorasick (Debian).
# 4. report.py: recall per disguise, hits inside whitelisted words, and a table with the ratios.
# Everything runs on one thread per tool, one tool at a time; times are CPU seconds, best of 3 (mint-filter,
# 20 s a pass: best of 2).
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 BUILD_DIR [CORPUS_BYTES]" >&2
  exit 2
fi
build_dir="$1"
corpus_bytes="${2:-106000000}"
here="$(cd "$(dirname "$0")" && pwd)"
python=/usr/bin/python3  # Debian's, where python3-ahocorasick is installed

for tool in opencc node npm "$python"; do
  command -v "$tool" >/dev/null || { echo "review bench: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
"$python" -c 'import ahocorasick' 2>/dev/null || { echo "review bench: python3-ahocorasick is missing" >&2; exit 1; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/sitewarden-review-bench.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# The sitewarden side; a failed build is reported and the peers still run.
bench_bin="$build_dir/bench/review_bench"
if ! cmake --build "$build_dir" --target review_bench -j "${JOBS:-2}" >"$tmp/build.log" 2>&1; then
  echo "review bench: review_bench does not build; sitewarden skipped:" >&2
  grep -m5 -E 'error|undefined reference' "$tmp/build.log" >&2 || tail -5 "$tmp/build.log" >&2
  bench_bin=""
fi

if [ ! -d "$here/node_modules/mint-filter" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

"$python" "$here/gen_corpus.py" "$tmp" --bytes "$corpus_bytes" >"$tmp/summary.out"
echo "corpus: $(cat "$tmp/summary.out")"

figures="$tmp/figures.jsonl"
tools=()
status=0
if [ -n "$bench_bin" ]; then
  "$bench_bin" --corpus "$tmp" --hits-dir "$tmp" | tee -a "$figures" || status=1
  tools+=("sitewarden=byte:$tmp/hits-sitewarden.tsv" "sitewarden-scanner=byte:$tmp/hits-sitewarden-scanner.tsv")
fi
"$python" "$here/peer_ahocorasick.py" "$tmp" "$tmp/hits-ahocorasick.tsv" | tee -a "$figures" || status=1
tools+=("python3-ahocorasick=char:$tmp/hits-ahocorasick.tsv")
node "$here/peer_mint.js" "$tmp" "$tmp/hits-mint.tsv" --repeat 2 | tee -a "$figures" || status=1
tools+=("mint-filter=char:$tmp/hits-mint.tsv")
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

"$python" "$here/report.py" "$tmp" "$figures" "${tools[@]}" || status=1
exit "$status"
