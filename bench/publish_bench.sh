#!/usr/bin/env bash
# Publishing a 10,000-article site (issue 5): `sitewarden publish` in full and incrementally (one
# more article published), next to Hugo (Debian's hugo) building the same articles to disk, in the
# same run: wall time and peak RSS from /usr/bin/time -v.
#
#   bash bench/publish_bench.sh BUILD_DIR [ARTICLES]
#
# A fresh demo node (`sitewarden init --demo` in a temp dir) whose site 江苏工会网 gets ARTICLES (10,000)
# published articles through the real services (BUILD_DIR/bench/publish_seed), which also writes the
# same articles as Hugo content with the same shape of site (home, sections paged 20 a page, pages,
# sitemap, RSS). sitewarden's full publish includes what Hugo does not do: the scan of every rendered
# page, storing every file as a blob, signing the manifest and switching the live release. Nothing
# outside the temp dir is written.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 BUILD_DIR [ARTICLES]" >&2
  exit 2
fi
build_dir="$(cd "$1" && pwd)"
articles="${2:-10000}"
bin="$build_dir/src/cli/sitewarden"
seed="$build_dir/bench/publish_seed"
incr="$build_dir/bench/publish_incr_bench"
for exe in "$bin" "$seed" "$incr"; do
  [ -x "$exe" ] || { echo "publish bench: $exe not found: build it first (ninja -C $build_dir $(basename "$exe"))" >&2; exit 1; }
done
command -v hugo >/dev/null || { echo "publish bench: hugo is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "publish bench: /usr/bin/time is missing (Debian package time)" >&2; exit 1; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/sitewarden-publish-bench.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# Runs a command under /usr/bin/time -v; prints "<label>: <seconds> s wall, <seconds> s CPU (user +
# system, both cores), <MiB> MiB peak RSS".
measure() {
  local label="$1"
  shift
  /usr/bin/time -v -o "$tmp/time.txt" "$@" >"$tmp/out.txt" 2>&1 || { cat "$tmp/out.txt" >&2; return 1; }
  local wall rss cpu
  wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$tmp/time.txt")"
  rss="$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$tmp/time.txt")"
  cpu="$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$tmp/time.txt")"
  # m:ss.ss → seconds
  wall="$(echo "$wall" | awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')"
  printf '%-44s %8.2f s wall %8.2f s CPU  %6s MiB peak RSS\n' "$label" "$wall" "$cpu" "$rss"
}

# Before each timed build: dirty pages written out and a few seconds' pause, so neither build pays
# for the other's (or the seeding's, or an earlier run's cleanup's) writeback. On a journal-less ext4
# (this machine's) every inode a build creates is also checked against inodes deleted in the last
# seconds — minutes while their table blocks are still dirty — which made the same publish 4-5.5 s
# depending on what had been deleted just before (docs/modules/publish.md).
settle() {
  sync
  sleep 5
}

# The publish itself as the console and the scheduler run it inside serve (the CLI's "published …,
# N s" line: the publisher's own wall time, without opening the node).
in_process() {
  local line
  line="$(grep -E '^published' "$tmp/out.txt" || true)"
  echo "$line"
  printf '%-44s %8.3f s in the publisher\n' "  $1" "$(echo "$line" | sed -E 's/.*, ([0-9.]+) s$/\1/')"
}

echo "node: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo); $(hugo version | cut -d' ' -f1-2)"
"$bin" init --data-dir "$tmp/node" --demo >/dev/null
config="$tmp/node/sitewarden.toml"
echo "seeding $articles articles through the services (and the same as Hugo content)…"
seeded="$("$seed" "$config" 江苏工会网 "$articles" "$tmp/hugo")"
site="$(echo "$seeded" | sed -E 's/.*"site":([0-9]+).*/\1/')"
echo "seeded: $seeded"

echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg) (the figures are for an idle machine only if this is ~0)"
settle
measure "sitewarden publish --full" "$bin" publish --config "$config" --site "$site" --full
in_process "full"
settle
measure "hugo (full build to disk)" hugo --source "$tmp/hugo" --destination "$tmp/hugo-public" --quiet
echo "hugo files: $(find "$tmp/hugo-public" -type f | wc -l), $(du -sm "$tmp/hugo-public" | cut -f1) MiB"

one="$("$seed" "$config" 江苏工会网 one-more)"
# The CLI's wall time includes opening the node (database, lexicons compiled into the scanner); the
# "published …, N s" line is the publish itself, as the console and the scheduler run it in serve.
measure "sitewarden publish (one article, hinted)" "$bin" publish --config "$config" --site "$site" --article "$one"
in_process "incremental, hinted"
one="$("$seed" "$config" 江苏工会网 one-more)"
measure "sitewarden publish (one article, compared)" "$bin" publish --config "$config" --site "$site"
in_process "incremental, compared"
# Hugo has no incremental build to disk: one more article means building the site again.
section="$(ls "$tmp/hugo/content" | head -1)"
printf -- '---\ntitle: "one more"\ndate: 2030-01-01T00:00:00Z\n---\n<p>one more</p>\n' >"$tmp/hugo/content/$section/one-more.html"
settle
measure "hugo (rebuild after one change)" hugo --source "$tmp/hugo" --destination "$tmp/hugo-public" --quiet

# What a reviewer waits for in `serve` (issue 5: incremental < 200 ms): the node opened once, as serve
# opens it, then 50 single articles approved and published one after another through the publisher
# serve keeps, each timed from the call to its release being live (bench/publish_incr_bench.cc).
# "first_ms" is the first publish after the start (it reads and verifies the live release); the
# percentiles are over the 49 that follow.
echo "load average before the serve-path run: $(cut -d' ' -f1-3 /proc/loadavg)"
measure "serve path: 50 articles, one after another" "$incr" "$config" 江苏工会网 50
echo "  $(cat "$tmp/out.txt")"
