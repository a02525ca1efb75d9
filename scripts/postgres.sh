#!/usr/bin/env bash
# Prints a DATABASE_URL for a PostgreSQL that Sluice (and test/postgres-store.test.ts) can use.
#
# With DATABASE_URL set it prints that and does nothing else. Otherwise it makes sure a local server
# from Debian's packages is running, all of it idempotent (run it as often as you like):
#   - installs the `postgresql` package when no pg_ctl is found under /usr/lib/postgresql/*/bin
#     (`apt-get update` only if the install fails; needs root),
#   - initialises a cluster in .cache/postgres/ (gitignored) with a random password for `postgres`,
#   - starts it on a free loopback port (remembered in .cache/postgres/port) unless it is running,
#   - creates the database `sluice`.
# Only the URL goes to stdout; progress goes to stderr. Stop it with: scripts/postgres.sh stop
# PostgreSQL refuses to run as root, so as root the cluster belongs to (and runs as) the `postgres` user.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${DATABASE_URL:-}" ] && [ "${1:-}" != "stop" ]; then
  echo "$DATABASE_URL"
  exit 0
fi

log() { echo "postgres.sh: $*" >&2; }

find_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; fi
}

BIN=$(find_bin)
if [ -z "$BIN" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "PostgreSQL is not installed and installing it needs root: run 'sudo apt-get install -y postgresql' or set DATABASE_URL"
    exit 1
  fi
  log "installing PostgreSQL from Debian's packages (apt-get install -y postgresql)"
  "$(dirname "$0")/apt-install.sh" postgresql
  BIN=$(find_bin)
  if [ -z "$BIN" ]; then
    log "postgresql installed, but no pg_ctl under /usr/lib/postgresql/*/bin"
    exit 1
  fi
fi

ROOT="$PWD/.cache/postgres"
DATA="$ROOT/data"
mkdir -p "$ROOT"

# As root, every server command runs as the postgres user, who must own the cluster.
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || { log "no 'postgres' user (it comes with Debian's postgresql package)"; exit 1; }
  as_owner() { runuser -u postgres -- "$@"; }
  chown postgres: "$ROOT"
else
  as_owner() { "$@"; }
fi
chmod 700 "$ROOT"

# Two callers at once (parallel test files) must not both initialise or start the cluster.
exec 9>"$ROOT.lock"
flock 9

if [ "${1:-}" = "stop" ]; then
  if [ -f "$DATA/PG_VERSION" ]; then as_owner "$BIN/pg_ctl" -D "$DATA" -m fast stop >&2 9>&- || true; fi
  exit 0
fi

if [ ! -f "$DATA/PG_VERSION" ]; then
  log "initialising a cluster in $DATA"
  rm -rf "$DATA"
  umask 077
  head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$ROOT/password"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$ROOT/password"
  # Unix-socket connections are trusted (the socket sits in the owner-only cluster directory);
  # TCP connections need the password.
  as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --pwfile="$ROOT/password" -E UTF8 --locale=C >&2
fi
PASSWORD=$(cat "$ROOT/password")

free_port() {
  node -e 'const s=require("node:net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

if ! as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  PORT=$(cat "$ROOT/port" 2>/dev/null || true)
  # A remembered port may have been taken by something else since: then pick a new one.
  if [ -z "$PORT" ] || (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then PORT=$(free_port); fi
  echo "$PORT" >"$ROOT/port"
  log "starting PostgreSQL on 127.0.0.1:$PORT"
  # 9>&-: the server must not inherit the lock, or it would hold it for as long as it runs.
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$ROOT/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DATA -c max_connections=200" start >&2 9>&- || {
    log "PostgreSQL did not start; the end of $ROOT/server.log:"
    tail -n 20 "$ROOT/server.log" >&2 || true
    exit 1
  }
fi
PORT=$(cat "$ROOT/port")

psql_owner() { as_owner "$BIN/psql" -h "$DATA" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
if [ "$(psql_owner -c "SELECT 1 FROM pg_database WHERE datname = 'sluice'")" != "1" ]; then
  log "creating database sluice"
  psql_owner -c "CREATE DATABASE sluice" >/dev/null
fi

echo "postgres://postgres:$PASSWORD@127.0.0.1:$PORT/sluice"
