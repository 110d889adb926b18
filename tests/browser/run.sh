#!/usr/bin/env bash
# Runs the browser tests of the console (console.spec.mjs, workflow.spec.mjs, monitoring.spec.mjs) against the given
# sitewarden binary.
# Usage: tests/browser/run.sh path/to/sitewarden
# The audit page's screenshot goes to browser-audit.png in the build directory (SITEWARDEN_SCREENSHOT
# overrides). Exits non-zero when anything is missing or any assertion fails.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:?usage: run.sh path/to/sitewarden}"
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
chromium="${CHROMIUM:-/usr/bin/chromium}"

command -v node >/dev/null || { echo "run.sh: node is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
[ -x "$chromium" ] || { echo "run.sh: $chromium is missing (scripts/install-deps.sh installs chromium)" >&2; exit 1; }
[ -x "$bin" ] || { echo "run.sh: $bin is not an executable" >&2; exit 1; }
if [ ! -d "$here/node_modules/playwright-core" ]; then
  command -v npm >/dev/null || { echo "run.sh: npm is missing" >&2; exit 1; }
  (cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi

# The build directory is the binary's: <build>/src/cli/sitewarden.
build_dir="$(cd "$(dirname "$bin")/../.." && pwd)"
export SITEWARDEN_BIN="$bin"
export SITEWARDEN_SCREENSHOT="${SITEWARDEN_SCREENSHOT:-$build_dir/browser-audit.png}"
export CHROMIUM="$chromium"
cd "$here"
node --test-reporter=spec console.spec.mjs
# The review workflow (issue 4): editor, content reviewer, secrecy reviewer on a fresh demo node.
node --test-reporter=spec workflow.spec.mjs
# The WAF and monitor pages (issues 6, 7) on a fresh demo node with its demo events and findings.
exec node --test-reporter=spec monitoring.spec.mjs
