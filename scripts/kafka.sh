#!/usr/bin/env bash
# Prints the bootstrap address (host:port) of a Kafka broker that test/kafka-source.test.ts can use.
#
# With SLUICE_TEST_KAFKA_BROKERS set it prints that and does nothing else (your own broker or
# cluster; comma-separated host:port list, PLAINTEXT, allowed to create and delete topics).
# Otherwise it makes sure a local single-node broker is running, all of it idempotent:
#   - resolves the official Apache Kafka broker jars (org.apache.kafka:kafka_2.13, version in
#     scripts/kafka/pom.xml) from Maven Central with `mvn dependency:copy-dependencies` into
#     .cache/kafka/libs (gitignored); skipped when they are already there. Needs java (17+) and mvn.
#   - formats a KRaft storage directory in .cache/kafka/data (once),
#   - starts `java -cp '.cache/kafka/libs/*' kafka.Kafka` as broker and controller in one process on
#     a free loopback port (remembered in .cache/kafka/port) unless it is already running,
#   - waits until it listens, and hands out the port only when that very process (the remembered pid,
#     started with this checkout's server.properties) holds the listening socket: never a stranger
#     that answers on a remembered port.
# Only the address goes to stdout; progress goes to stderr. Stop it with: scripts/kafka.sh stop
# Topics are not created automatically (auto.create.topics.enable=false): clients create theirs.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${SLUICE_TEST_KAFKA_BROKERS:-}" ] && [ "${1:-}" != "stop" ]; then
  echo "$SLUICE_TEST_KAFKA_BROKERS"
  exit 0
fi

log() { echo "kafka.sh: $*" >&2; }

ROOT="$PWD/.cache/kafka"
LIBS="$ROOT/libs"
DATA="$ROOT/data"
mkdir -p "$ROOT"

# Two callers at once (parallel test files) must not both download, format or start.
exec 9>"$ROOT.lock"
flock 9

# The broker this script started for this checkout: the remembered pid is alive and is a Kafka broker
# started with this checkout's server.properties (whose log.dirs is this checkout's data directory). A
# pid that was reused, or a broker of another checkout, is not ours.
running() {
  local pid
  pid=$(cat "$ROOT/pid" 2>/dev/null || true)
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $ROOT/server.properties"
}

# Whether process $1 itself holds the listening socket of 127.0.0.1:$2: whatever else answers on a
# remembered port (another checkout's broker, any program that took the port since) is not trusted.
listens_on() {
  local pid=$1 port inode
  port=$(printf ':%04X' "$2")
  for inode in $(awk -v port="$port" '$4 == "0A" && substr($2, length($2) - 4) == port { print $10 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null); do
    if find "/proc/$pid/fd" -lname "socket:\[$inode\]" 2>/dev/null | grep -q .; then return 0; fi
  done
  return 1
}

if [ "${1:-}" = "stop" ]; then
  if running; then
    pid=$(cat "$ROOT/pid")
    log "stopping the broker (pid $pid)"
    kill "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -f "$ROOT/pid"
  exit 0
fi

for tool in java mvn; do
  command -v "$tool" >/dev/null || { log "'$tool' is not installed (apt-get install -y openjdk-17-jre-headless maven), or set SLUICE_TEST_KAFKA_BROKERS"; exit 1; }
done

if [ ! -f "$LIBS/.complete" ] || [ scripts/kafka/pom.xml -nt "$LIBS/.complete" ]; then
  log "resolving the Kafka broker jars from Maven Central into $LIBS"
  rm -rf "$LIBS.tmp"
  mvn -q -B -Dstyle.color=never -f scripts/kafka/pom.xml dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$LIBS.tmp" | sed 's/\x1b\[[0-9;]*m//g' >&2
  rm -rf "$LIBS"
  mv "$LIBS.tmp" "$LIBS"
  touch "$LIBS/.complete"
fi

free_port() {
  node -e 'const s=require("node:net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Ours, but not (or no longer) listening where we remember: restart it rather than hand out that port.
if running && ! listens_on "$(cat "$ROOT/pid")" "$(cat "$ROOT/port" 2>/dev/null || echo 0)"; then
  pid=$(cat "$ROOT/pid")
  log "the broker (pid $pid) does not listen on its remembered port; restarting it"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$ROOT/pid"
fi

if ! running; then
  PORT=$(cat "$ROOT/port" 2>/dev/null || true)
  # A remembered port may have been taken by something else since: then pick new ones.
  if [ -z "$PORT" ] || answers "$PORT" || answers "$((PORT + 1))"; then
    PORT=$(free_port)
    while answers "$((PORT + 1))"; do PORT=$(free_port); done
  fi
  CONTROLLER_PORT=$((PORT + 1))
  echo "$PORT" >"$ROOT/port"
  cat >"$ROOT/server.properties" <<PROPERTIES
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.segment.bytes=16777216
PROPERTIES
  cat >"$ROOT/log4j.properties" <<'PROPERTIES'
log4j.rootLogger=WARN, stdout
log4j.logger.kafka.server.KafkaRaftServer=INFO
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
PROPERTIES
  JAVA_OPTS=(-Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true "-Dlog4j.configuration=file:$ROOT/log4j.properties")
  if [ ! -f "$DATA/meta.properties" ]; then
    log "formatting KRaft storage in $DATA"
    rm -rf "$DATA"
    CLUSTER_ID=$(java "${JAVA_OPTS[@]}" -cp "$LIBS/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
    java "${JAVA_OPTS[@]}" -cp "$LIBS/*" kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$ROOT/server.properties" >&2
  fi
  log "starting Kafka on 127.0.0.1:$PORT (log: $ROOT/server.log)"
  : >"$ROOT/server.log"
  # setsid: the broker outlives this script (and the test run); 9>&-: it must not hold the lock.
  setsid nohup java "${JAVA_OPTS[@]}" -cp "$LIBS/*" kafka.Kafka "$ROOT/server.properties" \
    >>"$ROOT/server.log" 2>&1 9>&- </dev/null &
  echo $! >"$ROOT/pid"
  for _ in $(seq 1 300); do
    if grep -q "Kafka Server started" "$ROOT/server.log" && listens_on "$(cat "$ROOT/pid")" "$PORT"; then break; fi
    if ! running; then
      log "Kafka exited; the end of $ROOT/server.log:"
      tail -n 30 "$ROOT/server.log" >&2 || true
      exit 1
    fi
    sleep 0.2
  done
  if ! listens_on "$(cat "$ROOT/pid")" "$PORT"; then
    log "Kafka did not listen on 127.0.0.1:$PORT within 60 s; the end of $ROOT/server.log:"
    tail -n 30 "$ROOT/server.log" >&2 || true
    exit 1
  fi
fi
echo "127.0.0.1:$(cat "$ROOT/port")"
