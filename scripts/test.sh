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
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

echo "== lint (biome)"
npx biome check .
echo "== type-check (tsc)"
npx tsc --noEmit
echo "== import layers (dependency-cruiser, docs/architecture.md)"
npm run --silent deps

if [ ! -d ../shared/specs ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "FATAL: ../shared (specs and datasets) is missing; CI must have it beside the repository." >&2
    exit 1
  fi
  echo "WARNING: ../shared is missing: contract tests against the platforms' API descriptions will be SKIPPED." >&2
fi

echo "== tests"
mapfile -t files < <(find src test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
exec node --import tsx --test --test-concurrency=2 --test-reporter=spec "${files[@]}"
