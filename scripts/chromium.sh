#!/usr/bin/env bash
# Provisions Debian's chromium for the console's browser suite (idempotent: quick once installed) and
# prints its path. Runs `apt-get update` only when the install fails without it (stale package lists).
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  export DEBIAN_FRONTEND=noninteractive
  if ! $SUDO apt-get install -y chromium >&2; then
    $SUDO apt-get update >&2
    $SUDO apt-get install -y chromium >&2
  fi
fi
command -v chromium
