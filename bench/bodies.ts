// Request bodies for the load generator: anomaly events for Sluice, alerts for Alertmanager.
// Messages vary in their ids and numbers (which Sluice masks) but fall into a fixed set of
// (service, error pattern) pairs, drawn with a skew so a few pairs are hot, as in production.
import { seededRandom } from "./stats.ts";

export type BodyKind = "anomaly" | "unique-anomaly" | "alert";

const SERVICES = [
  "checkout payments cart catalog search auth users orders shipping inventory pricing reviews",
  "recommendations notifications email gateway frontend billing ledger fraud media thumbnails uploads",
  "profile sessions feature-flags audit reporting exports imports scheduler webhooks partners loyalty",
  "coupons tax geo currency support chat",
].flatMap((line) => line.split(" "));

type Part = string | ((r: () => number) => string);
const int = (max: number) => (r: () => number) => String(Math.floor(r() * max));
const hex = (r: () => number) =>
  `${Math.floor(r() * 0xffffffff)
    .toString(16)
    .padStart(8, "0")}a1`;
const ip = (r: () => number) => `10.${int(255)(r)}.${int(255)(r)}.${int(255)(r)}:${8000 + Math.floor(r() * 999)}`;

const PATTERNS: { alertname: string; category: string; parts: Part[] }[] = [
  {
    alertname: "UpstreamTimeout",
    category: "timeout",
    parts: ["timeout after ", int(5000), "ms calling upstream for req ", hex],
  },
  {
    alertname: "DbPoolExhausted",
    category: "database",
    parts: ["connection pool exhausted: ", int(200), " waiting, max 64, shard ", int(16)],
  },
  { alertname: "ConnRefused", category: "network", parts: ["connect ECONNREFUSED ", ip] },
  {
    alertname: "NullPointer",
    category: "bug",
    parts: ["NullPointerException at OrderMapper.java:", int(900), " in thread worker-", int(32)],
  },
  { alertname: "OutOfMemory", category: "resource", parts: ["container killed: OOM, rss ", int(4096), "MiB limit 4096MiB"] },
  { alertname: "Http5xx", category: "http", parts: ["upstream returned 503 for GET /api/items/", int(99999), " trace ", hex] },
  {
    alertname: "DeadlockDetected",
    category: "database",
    parts: ["deadlock detected while updating row ", int(1e6), " in orders"],
  },
  { alertname: "TlsHandshake", category: "network", parts: ["TLS handshake failed with ", ip, ": certificate expired"] },
  { alertname: "QueueBacklog", category: "queue", parts: ["consumer lag ", int(1e5), " messages on partition ", int(48)] },
  {
    alertname: "RateLimited",
    category: "http",
    parts: ["rate limited by provider: retry after ", int(120), "s (key ", hex, ")"],
  },
  { alertname: "DiskFull", category: "resource", parts: ["no space left on device writing segment ", int(1e4), ".log"] },
  {
    alertname: "SlowQuery",
    category: "database",
    parts: ["slow query took ", int(30000), "ms: SELECT * FROM items WHERE id = ", int(1e6)],
  },
  {
    alertname: "CacheMiss",
    category: "cache",
    parts: ["cache stampede: ", int(5000), " misses in 10s for key prefix user:", int(1e5)],
  },
  { alertname: "AuthFailure", category: "security", parts: ["invalid token signature for client ", hex, " from ", ip] },
  {
    alertname: "SerializationError",
    category: "bug",
    parts: ["cannot deserialize field amount at offset ", int(4096), ": unexpected token"],
  },
  {
    alertname: "DnsFailure",
    category: "network",
    parts: ["getaddrinfo ENOTFOUND shard-", int(12), ".internal after ", int(5), " attempts"],
  },
  {
    alertname: "GcPause",
    category: "resource",
    parts: ["GC pause of ", int(3000), "ms exceeded budget on heap ", int(8), "GiB"],
  },
  {
    alertname: "PaymentDeclined",
    category: "business",
    parts: ["card processor declined ", int(500), " of last 1000 authorisations, merchant ", hex],
  },
  {
    alertname: "WebhookFailed",
    category: "http",
    parts: ["webhook delivery to partner ", int(300), " failed with 410 after ", int(10), " retries"],
  },
  { alertname: "LockTimeout", category: "database", parts: ["could not obtain lock on relation ", int(99999), " within 5000ms"] },
  {
    alertname: "ThreadStarvation",
    category: "resource",
    parts: ["thread pool starved: ", int(512), " tasks queued, 0 idle workers"],
  },
  {
    alertname: "SchemaMismatch",
    category: "bug",
    parts: ["schema version ", int(40), " does not match expected for table events"],
  },
  { alertname: "ReplicaLag", category: "database", parts: ["replica lag ", int(600), "s on replica-", int(6)] },
  {
    alertname: "CircuitOpen",
    category: "network",
    parts: ["circuit breaker open for upstream after ", int(50), " consecutive failures"],
  },
  {
    alertname: "ConfigReload",
    category: "ops",
    parts: ["config reload failed: invalid value at line ", int(400), " of settings.yaml"],
  },
];

/** Number of (service, error pattern) pairs the "anomaly" and "alert" bodies spread over. */
export const PAIRS = SERVICES.length * PATTERNS.length;

function render(parts: Part[], r: () => number): string {
  let text = "";
  for (const part of parts) text += typeof part === "string" ? part : part(r);
  return text;
}

/** Scores above the default minimumScore (0.85), so every signal passes the gate. */
function score(r: () => number): string {
  return (0.86 + r() * 0.139).toFixed(3);
}

function pair(r: () => number): { service: string; pattern: (typeof PATTERNS)[number] } {
  // Skewed draw (u²): low indices are hot pairs, the tail is long.
  const u = r();
  const index = Math.floor(u * u * PAIRS);
  return {
    service: SERVICES[index % SERVICES.length] as string,
    pattern: PATTERNS[Math.floor(index / SERVICES.length)] as (typeof PATTERNS)[number],
  };
}

/**
 * Returns a function that makes the next request body. `tag` keeps event ids (and label sets)
 * distinct between runs; `batch` is the number of items per request (1 sends a bare object for
 * Sluice; Alertmanager always takes an array).
 */
export function bodyMaker(kind: BodyKind, batch: number, tag: string, seed: number): () => string {
  const r = seededRandom(seed);
  let counter = 0;
  const item = (now: number, iso: string): string => {
    counter++;
    const id = `${tag}-${counter}`;
    if (kind === "unique-anomaly") {
      // A service of its own per signal: every signal opens an incident and so causes a delivery.
      return `{"event_id":"${id}","@timestamp":${now},"anomaly_type":"log_anomaly","anomaly_score":${score(r)},"service":"lat-${id}","message":"timeout after ${counter % 5000}ms calling upstream"}`;
    }
    const { service, pattern } = pair(r);
    const message = render(pattern.parts, r);
    if (kind === "anomaly") {
      return `{"event_id":"${id}","@timestamp":${now},"anomaly_type":"log_anomaly","anomaly_score":${score(r)},"service":"${service}","environment":"production","message":"${message}","error_category":"${pattern.category}","trace_id":"${hex(r)}${hex(r)}"}`;
    }
    const severity = r() < 0.3 ? "critical" : "warning";
    return `{"labels":{"alertname":"${pattern.alertname}","service":"${service}","severity":"${severity}","environment":"production","event_id":"${id}"},"annotations":{"summary":"${pattern.alertname} in ${service}","description":"${message}"},"startsAt":"${iso}","generatorURL":"http://127.0.0.1/graph?g0.expr=${pattern.alertname}"}`;
  };
  return () => {
    const now = Date.now();
    const iso = kind === "alert" ? new Date(now).toISOString() : "";
    if (batch === 1 && kind !== "alert") return item(now, iso);
    const items: string[] = new Array(batch);
    for (let i = 0; i < batch; i++) items[i] = item(now, iso);
    return `[${items.join(",")}]`;
  };
}
