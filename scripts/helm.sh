#!/usr/bin/env bash
# Prints the path of a Helm 3 binary that test/helm-chart.test.ts can run (`helm lint`, `helm template`).
#
# With SLUICE_TEST_HELM set it prints that; otherwise a `helm` on the PATH; otherwise it builds the
# official Helm from source with the Go toolchain (the Go module proxy is reachable; Helm's release
# binaries are hosted outside the package registries) into .cache/helm/bin (gitignored), once:
#   GOBIN=.cache/helm/bin go install helm.sh/helm/v3/cmd/helm@<version below>
# About 1½ minutes on a cold Go cache, nothing afterwards. Progress goes to stderr, the path to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

HELM_VERSION=v3.16.4

if [ -n "${SLUICE_TEST_HELM:-}" ]; then
  echo "$SLUICE_TEST_HELM"
  exit 0
fi
if command -v helm >/dev/null 2>&1; then
  command -v helm
  exit 0
fi

BIN="$PWD/.cache/helm/bin"
mkdir -p "$BIN"
# Two callers at once must not both build.
exec 9>"$PWD/.cache/helm.lock"
flock 9
if [ ! -x "$BIN/helm" ] || ! "$BIN/helm" version --short 2>/dev/null | grep -q "^${HELM_VERSION%.*}"; then
  command -v go >/dev/null 2>&1 || { echo "helm.sh: neither helm nor go is installed" >&2; exit 1; }
  echo "helm.sh: building Helm $HELM_VERSION with go install (once)" >&2
  GOBIN="$BIN" GOFLAGS=-mod=mod go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
fi
echo "$BIN/helm"
