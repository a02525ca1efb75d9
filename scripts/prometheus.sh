#!/usr/bin/env bash
# Prints two lines for test/prometheus-alertmanager.test.ts: the path of a Prometheus binary, then the path
# of an Alertmanager binary.
#
# SLUICE_TEST_PROMETHEUS and SLUICE_TEST_ALERTMANAGER win when set. Otherwise it uses Debian's packages,
# installing what is missing (`apt-get install -y --no-install-recommends prometheus prometheus-alertmanager`,
# `apt-get update` only if that fails; needs root), idempotently. The packages' own services are not used:
# the test starts both programs itself, on loopback ports, with configurations of its own.
# Progress goes to stderr, the two paths to stdout.
set -euo pipefail

log() { echo "prometheus.sh: $*" >&2; }

PROMETHEUS=${SLUICE_TEST_PROMETHEUS:-/usr/bin/prometheus}
ALERTMANAGER=${SLUICE_TEST_ALERTMANAGER:-/usr/bin/prometheus-alertmanager}

missing=()
[ -x "$PROMETHEUS" ] || [ -n "${SLUICE_TEST_PROMETHEUS:-}" ] || missing+=(prometheus)
[ -x "$ALERTMANAGER" ] || [ -n "${SLUICE_TEST_ALERTMANAGER:-}" ] || missing+=(prometheus-alertmanager)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "${missing[*]} not installed and installing needs root: run 'sudo apt-get install -y ${missing[*]}' or set SLUICE_TEST_PROMETHEUS / SLUICE_TEST_ALERTMANAGER"
    exit 1
  fi
  log "installing ${missing[*]} from Debian's packages"
  "$(dirname "$0")/apt-install.sh" --no-install-recommends "${missing[@]}"
fi
for binary in "$PROMETHEUS" "$ALERTMANAGER"; do
  [ -x "$binary" ] || { log "$binary is not an executable"; exit 1; }
done
echo "$PROMETHEUS"
echo "$ALERTMANAGER"
