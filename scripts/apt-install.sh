#!/usr/bin/env bash
# Installs Debian packages for the provisioning scripts (tests and bench): `scripts/apt-install.sh [OPTION...]
# PACKAGE...`, the arguments passed to `apt-get install -y`. One install at a time across all of them (a lock of
# ours), and each waits for dpkg's own lock instead of failing on it: on a cold machine the test files provision
# Chromium, PostgreSQL and Prometheus at once, and an apt-get that finds the lock taken exits with 100 (seen: the
# Prometheus suite skipped). Runs `apt-get update` only when the install fails without it (stale package lists).
# Needs root or sudo; progress goes to stderr.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
exec 9>/tmp/sluice-apt.lock
flock 9
apt() { $SUDO apt-get -o DPkg::Lock::Timeout=600 -q "$@" >&2; }
if ! apt install -y "$@"; then
  echo "apt-install.sh: installing $* failed; refreshing the package lists and trying again" >&2
  apt update
  apt install -y "$@"
fi
