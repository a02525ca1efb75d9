#!/usr/bin/env bash
# The whole test suite: lint, type-check, the import-layer check, then every *.test.ts (unit tests next to the code, and the
# suites under test/ that start real processes). Installs dependencies first when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# better-sqlite3 compiles with node-gyp where no prebuilt binary can be fetched; it needs Node's headers,
# which Debian's nodejs installs under /usr/include/node (node-gyp would otherwise try to download them).
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then
  export npm_config_nodedir=/usr
fi
# Two runs at once in one checkout (two terminals, an editor's test runner) must not both run `npm ci`:
# each deletes node_modules while the other fills it. The first installs; the second waits, then finds
# node_modules current and goes on.
mkdir -p .cache
exec 8>.cache/npm-ci.lock
flock 8
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
# Closed, not kept: the brokers and databases the tests start outlive this run and must not hold it.
exec 8>&-

echo "== lint (biome)"
npx biome check .
echo "== type-check (tsc)"
npx tsc --noEmit
npx tsc --noEmit -p web
echo "== import layers (dependency-cruiser, docs/architecture.md)"
npm run --silent deps
echo "== build the web console (the browser suite serves it)"
npm run --silent build:web

if [ ! -d ../shared/specs ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "FATAL: ../shared (specs and datasets) is missing; CI must have it beside the repository." >&2
    exit 1
  fi
  echo "WARNING: ../shared is missing: contract tests against the platforms' API descriptions will be SKIPPED." >&2
fi

echo "== tests"
mapfile -t files < <(find src test web/src -name '*.test.ts' -not -path '*/node_modules/*' | sort)
exec node --import tsx --test --test-concurrency=2 --test-reporter=spec "${files[@]}"
