#!/usr/bin/env bash
# Runs published_page.spec.mjs: a published page of the demo on a phone-sized Chromium viewport.
# Usage: tests/browser/run_published.sh path/to/sitewarden
# The screenshot goes to browser-published-375.png in the build directory (SITEWARDEN_PUBLISHED_SCREENSHOT
# overrides).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:?usage: run_published.sh path/to/sitewarden}"
chromium="${CHROMIUM:-/usr/bin/chromium}"
command -v node >/dev/null || { echo "run_published.sh: node is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
[ -x "$chromium" ] || { echo "run_published.sh: $chromium is missing" >&2; exit 1; }
if [ ! -d "$here/node_modules/playwright-core" ]; then
  (cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi
build_dir="$(cd "$(dirname "$bin")/../.." && pwd)"
export SITEWARDEN_BIN="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
export SITEWARDEN_PUBLISHED_SCREENSHOT="${SITEWARDEN_PUBLISHED_SCREENSHOT:-$build_dir/browser-published-375.png}"
export CHROMIUM="$chromium"
cd "$here"
exec node --test-reporter=spec published_page.spec.mjs
