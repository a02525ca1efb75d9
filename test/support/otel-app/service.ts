/**
 * One service of the instrumented shop in test/otel-traces.test.ts and test/investigation-faults.test.ts, run
 * as its own child process with the real OpenTelemetry SDK for Node: the HTTP instrumentation traces every
 * request it serves and makes, the OTLP/HTTP exporter (JSON, or protobuf with OTLP_PROTOCOL) sends the spans
 * to Sluice in batches; with METRICS=prometheus the same instrumentation records the semantic-convention
 * metrics (http.server.request.duration …) and the SDK's Prometheus exporter serves them at GET /metrics.
 *
 *   frontend  GET /buy     → checkout POST /checkout → payments POST /pay → database (uninstrumented)
 *                                      and at once → inventory POST /reserve (when INVENTORY is set)
 *             GET /browse  (served by frontend alone)
 *
 * payments talks to its database the way instrumented database clients do: a CLIENT span with db.system
 * and db.namespace, and no span from the database itself. The header `x-scenario: db-deadlock`, passed
 * along by every hop, makes that query fail; `x-scenario: db-slow` makes it succeed after 700 ms, past the
 * caller's timeout when the service has CALL_TIMEOUT_MS.
 *
 * Faults (test/investigation-faults.test.ts), switched by the IPC message { fault, on } or FAULTS at start:
 * - `deploy-bug` (checkout): a fifth of checkouts fail with a TypeError, as a bad release would;
 * - `pool-leak` (payments): every query keeps its pooled connection for 3 s (a transaction left open), so
 *   the pool of POOL_SIZE runs dry and queries time out waiting for a connection;
 * - `slow` (inventory): every reservation takes 600 ms;
 * - `leak` (any): memory grows until the process dies as an out-of-memory kill would (exit 137); its
 *   supervisor restarts it;
 * - `bad-config` (frontend): its checkout path is wrong (a bad configuration value), so every order fails.
 * With METRICS the process also exports process.memory.usage, process.cpu.time and its database pool's
 * db.client.connection.* metrics.
 *
 * Environment: SERVICE_NAME (frontend | checkout | payments | inventory), DOWNSTREAM (base URL of the next
 * hop), INVENTORY (checkout's inventory), CALL_TIMEOUT_MS (give up on the next hop after this long; default
 * never), PORT (default: a free one), OTLP_TRACES_URL (Sluice's /v1/traces; `off` exports no spans),
 * OTLP_PROTOCOL (http/json, the default, or http/protobuf), METRICS, POOL_SIZE (default 5), FAULTS. The
 * process listens on 127.0.0.1, reports its port over IPC ({ port }), and answers the IPC message "flush"
 * with "flushed" once its exporter has sent everything.
 */
import { createRequire } from "node:module";
import { context, metrics, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { OTLPTraceExporter as OTLPJsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OTLPProtobufExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor, NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

const service = process.env.SERVICE_NAME ?? "unknown";
const downstream = process.env.DOWNSTREAM ?? "";
const inventory = process.env.INVENTORY ?? "";
const callTimeoutMs = Number(process.env.CALL_TIMEOUT_MS ?? 0);
const url = process.env.OTLP_TRACES_URL ?? "http://127.0.0.1:4318/v1/traces";
const withMetrics = process.env.METRICS === "prometheus";
const poolSize = Number(process.env.POOL_SIZE ?? 5);
const faults = new Set((process.env.FAULTS ?? "").split(",").filter(Boolean));

const resource = resourceFromAttributes({ "service.name": service, "deployment.environment.name": "production" });
// Fleets mix both encodings of OTLP/HTTP: protobuf is the SDKs' and the Collector's default.
const exporter =
  url === "off"
    ? null
    : process.env.OTLP_PROTOCOL === "http/protobuf"
      ? new OTLPProtobufExporter({ url })
      : new OTLPJsonExporter({ url });
const provider = new NodeTracerProvider({
  resource,
  // Short batches: the spans of one trace reach Sluice in several requests, from several processes.
  spanProcessors: exporter ? [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 200 })] : [],
});
provider.register();
// The resource's service.name on every series as `service_name`, as the Collector's Prometheus exporter
// writes it with resource_to_telemetry_conversion: the label Sluice's default queries select on.
const prometheus = withMetrics
  ? new PrometheusExporter({ preventServerStart: true, withResourceConstantLabels: /^service\.name$/ })
  : null;
const meterProvider = prometheus ? new MeterProvider({ resource, readers: [prometheus] }) : null;
if (meterProvider) metrics.setGlobalMeterProvider(meterProvider);
registerInstrumentations({
  tracerProvider: provider,
  ...(meterProvider ? { meterProvider } : {}),
  instrumentations: [
    new HttpInstrumentation({
      // The exporter's own requests to Sluice are not part of the shop, nor are Prometheus' scrapes.
      ignoreOutgoingRequestHook: (request) => String(request.path ?? "").startsWith("/v1/traces"),
      ignoreIncomingRequestHook: (request) => (request.url ?? "").startsWith("/metrics"),
      requestHook: (span, request) => {
        const user = "headers" in request ? request.headers["x-user-id"] : undefined;
        if (typeof user === "string") span.setAttribute("enduser.id", user);
      },
    }),
  ],
});

// Loaded after the instrumentation is registered, through require, so the patched module is the one used.
const require = createRequire(import.meta.url);
const http = require("node:http") as typeof import("node:http");
const tracer = trace.getTracer("shop");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** payments' database connection pool, with the semantic conventions' db.client.connection.* metrics. */
const pool = { used: 0, waiting: [] as (() => void)[], timeouts: 0 };
const ACQUIRE_TIMEOUT_MS = 100;
const LEAKED_HOLD_MS = 3000;

if (meterProvider) {
  const meter = meterProvider.getMeter("shop");
  const poolName = { "db.client.connection.pool.name": `${service}-db` };
  meter
    .createObservableGauge("process.memory.usage", { unit: "By", description: "Resident memory." })
    .addCallback((result) => result.observe(process.memoryUsage().rss));
  meter
    .createObservableCounter("process.cpu.time", { unit: "s", description: "CPU time of the process." })
    .addCallback((result) => {
      const usage = process.cpuUsage();
      result.observe(usage.user / 1e6, { "cpu.mode": "user" });
      result.observe(usage.system / 1e6, { "cpu.mode": "system" });
    });
  if (service === "payments") {
    meter.createObservableUpDownCounter("db.client.connection.count", { unit: "{connection}" }).addCallback((result) => {
      result.observe(pool.used, { ...poolName, "db.client.connection.state": "used" });
      result.observe(poolSize - pool.used, { ...poolName, "db.client.connection.state": "idle" });
    });
    meter
      .createObservableUpDownCounter("db.client.connection.pending_requests", { unit: "{request}" })
      .addCallback((result) => result.observe(pool.waiting.length, poolName));
    meter
      .createObservableUpDownCounter("db.client.connection.max", { unit: "{connection}" })
      .addCallback((result) => result.observe(poolSize, poolName));
    meter
      .createObservableCounter("db.client.connection.timeouts", { unit: "{timeout}" })
      .addCallback((result) => result.observe(pool.timeouts, poolName));
  }
}

/** A connection from the pool, or an error after ACQUIRE_TIMEOUT_MS, as pooled database clients fail. */
async function acquire(): Promise<() => void> {
  const release = () => {
    pool.used--;
    pool.waiting.shift()?.();
  };
  if (pool.used < poolSize) {
    pool.used++;
    return release;
  }
  await new Promise<void>((resolve, reject) => {
    const wake = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      pool.waiting.splice(pool.waiting.indexOf(wake), 1);
      pool.timeouts++;
      reject(
        new Error(
          `timeout acquiring a connection after ${ACQUIRE_TIMEOUT_MS} ms: pool ${service}-db exhausted (${poolSize}/${poolSize} in use)`,
        ),
      );
    }, ACQUIRE_TIMEOUT_MS);
    pool.waiting.push(wake);
  });
  pool.used++;
  return release;
}

function call(base: string, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${base}${path}`, { method: "POST", headers }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
    });
    request.on("error", reject);
    // A client that gives up: the HTTP instrumentation records the error on this call's span.
    if (callTimeoutMs > 0) {
      request.setTimeout(callTimeoutMs, () =>
        request.destroy(new Error(`ETIMEDOUT: ${path} did not answer within ${callTimeoutMs} ms`)),
      );
    }
    request.end();
  });
}

/** How long the query takes in the `db-slow` scenario: it succeeds, after the frontend gave up. */
const SLOW_QUERY_MS = 700;

/** A query to payments' PostgreSQL, as a database client instrumentation would trace it. */
async function queryDatabase(scenario: string): Promise<void> {
  const release = await acquire();
  const span = tracer.startSpan("SELECT payments", {
    kind: SpanKind.CLIENT,
    attributes: {
      "db.system": "postgresql",
      "db.namespace": "payments",
      "db.query.text": "SELECT balance FROM accounts WHERE id = $1 FOR UPDATE",
      "server.address": "db.internal",
      "server.port": 5432,
    },
  });
  await sleep(scenario === "db-slow" ? SLOW_QUERY_MS : 2);
  // The leak: the transaction is left open and its connection goes back to the pool only much later.
  if (faults.has("pool-leak")) setTimeout(release, LEAKED_HOLD_MS);
  else release();
  if (scenario === "db-deadlock") {
    const error = new Error(`deadlock detected: process ${4000 + Math.floor(Math.random() * 999)} waits for ShareLock`);
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    span.end();
    throw error;
  }
  span.end();
}

/** What the memory leak holds on to. */
const leaked: Buffer[] = [];
const startRss = process.memoryUsage().rss;
const LEAK_LIMIT = 192 * 1024 * 1024;
setInterval(() => {
  if (!faults.has("leak")) return;
  leaked.push(Buffer.alloc(16 * 1024 * 1024, 1));
  if (process.memoryUsage().rss - startRss > LEAK_LIMIT) {
    // What the kernel's OOM killer or a container's memory limit does: the process dies at once.
    console.error(`${service}: out of memory (${leaked.length * 16} MiB retained); killed`);
    process.exit(137);
  }
}, 250).unref();

const server = http.createServer((request, response) => {
  const scenario = String(request.headers["x-scenario"] ?? "");
  const forward = { "x-scenario": scenario, "x-user-id": String(request.headers["x-user-id"] ?? "") };
  const reply = (status: number, body: string) => response.writeHead(status, { "content-type": "text/plain" }).end(body);
  const handle = async () => {
    const path = (request.url ?? "/").split("?")[0];
    if (path === "/metrics" && prometheus) return prometheus.getMetricsRequestHandler(request, response);
    if (service === "frontend" && path === "/browse") return reply(200, "catalog page");
    if (service === "frontend" && path === "/buy") {
      // The bad configuration value: a checkout path that does not exist.
      const status = await call(downstream, faults.has("bad-config") ? "/v2/checkout" : "/checkout", forward);
      return status === 200 ? reply(200, "thank you") : reply(500, "could not place the order");
    }
    if (service === "checkout" && path === "/checkout") {
      if (faults.has("deploy-bug") && Math.random() < 0.2) {
        throw new TypeError("Cannot read properties of undefined (reading 'sku') at priceCart (src/cart.ts:88)");
      }
      // Reservation and payment at once, as a fan-out: one failing does not change the other's traffic.
      const [reserved, paid] = await Promise.all([
        inventory ? call(inventory, "/reserve", forward) : 200,
        call(downstream, "/pay", forward),
      ]);
      if (reserved !== 200) return reply(502, "reservation failed");
      return paid === 200 ? reply(200, "paid") : reply(502, "payment failed");
    }
    if (service === "payments" && path === "/pay") {
      // The active span is the server span of this request: the query is its child.
      await context.with(context.active(), () => queryDatabase(scenario));
      return reply(200, "ok");
    }
    if (service === "inventory" && path === "/reserve") {
      await sleep(faults.has("slow") ? 600 : 1);
      return reply(200, "reserved");
    }
    return reply(404, "no such page");
  };
  handle().catch((error: Error) => reply(500, error.message));
});

server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const address = server.address();
  process.send?.({ port: typeof address === "object" && address ? address.port : 0 });
});

process.on("message", (message: unknown) => {
  if (message === "flush") {
    provider.forceFlush().then(
      () => process.send?.("flushed"),
      (error: Error) => process.send?.({ flushError: error.message }),
    );
    return;
  }
  if (typeof message === "object" && message !== null && "fault" in message) {
    const { fault, on } = message as { fault: string; on: boolean };
    if (on) faults.add(fault);
    else faults.delete(fault);
    if (fault === "leak" && !on) leaked.length = 0;
    process.send?.({ fault, on });
  }
});
process.on("disconnect", () => {
  server.close();
  Promise.all([provider.shutdown(), meterProvider?.shutdown()]).finally(() => process.exit(0));
});
