#!/usr/bin/env bash
# Provisions Debian's chromium for the console's browser suite (idempotent: quick once installed) and
# prints its path. Runs `apt-get update` only when the install fails without it (stale package lists).
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  "$(dirname "$0")/apt-install.sh" chromium
fi
command -v chromium
