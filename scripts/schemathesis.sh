#!/usr/bin/env bash
# Prints the path of a schemathesis `st` binary for test/schemathesis.test.ts.
#
# SLUICE_TEST_SCHEMATHESIS wins when set. Otherwise it keeps schemathesis (from PyPI, the version pinned
# below) in a virtualenv under .cache/schemathesis, creating or upgrading it only when it is missing or
# another version, idempotently. Needs python3 with venv. Progress goes to stderr, the path to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "schemathesis.sh: $*" >&2; }

VERSION=4.32.5
if [ -n "${SLUICE_TEST_SCHEMATHESIS:-}" ]; then
  echo "$SLUICE_TEST_SCHEMATHESIS"
  exit 0
fi
command -v python3 >/dev/null || { log "python3 is not installed"; exit 1; }
VENV=.cache/schemathesis
ST="$VENV/bin/st"
# Two test processes at once must not both build the venv.
mkdir -p .cache
exec 9>.cache/schemathesis.lock
flock 9
if [ ! -x "$ST" ] || [ "$("$ST" --version 2>/dev/null)" != "st, version $VERSION" ]; then
  log "installing schemathesis $VERSION into $VENV"
  [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$VERSION" >&2
fi
"$ST" --version >&2
echo "$(pwd)/$ST"
