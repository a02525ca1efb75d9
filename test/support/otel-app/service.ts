/**
 * One service of the instrumented shop in test/otel-traces.test.ts, run as its own child process with the
 * real OpenTelemetry SDK for Node: the HTTP instrumentation traces every request it serves and makes,
 * the OTLP/HTTP exporter (JSON, or protobuf with OTLP_PROTOCOL) sends the spans to Sluice in batches.
 *
 *   frontend  GET /buy     → checkout POST /checkout → payments POST /pay → database (uninstrumented)
 *             GET /browse  (served by frontend alone)
 *
 * payments talks to its database the way instrumented database clients do: a CLIENT span with db.system
 * and db.namespace, and no span from the database itself. The header `x-scenario: db-deadlock`, passed
 * along by every hop, makes that query fail; `x-scenario: db-slow` makes it succeed after 700 ms, past the
 * caller's timeout when the service has CALL_TIMEOUT_MS.
 *
 * Environment: SERVICE_NAME (frontend | checkout | payments), DOWNSTREAM (base URL of the next hop),
 * CALL_TIMEOUT_MS (give up on the next hop after this long; default never),
 * OTLP_TRACES_URL (Sluice's /v1/traces), OTLP_PROTOCOL (http/json, the default, or http/protobuf). The process listens on a free 127.0.0.1 port, reports it over IPC
 * ({ port }), and answers the IPC message "flush" with "flushed" once its exporter has sent everything.
 */
import { createRequire } from "node:module";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { OTLPTraceExporter as OTLPJsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OTLPProtobufExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

const service = process.env.SERVICE_NAME ?? "unknown";
const downstream = process.env.DOWNSTREAM ?? "";
const callTimeoutMs = Number(process.env.CALL_TIMEOUT_MS ?? 0);
const url = process.env.OTLP_TRACES_URL ?? "http://127.0.0.1:4318/v1/traces";
// Fleets mix both encodings of OTLP/HTTP: protobuf is the SDKs' and the Collector's default.
const exporter =
  process.env.OTLP_PROTOCOL === "http/protobuf" ? new OTLPProtobufExporter({ url }) : new OTLPJsonExporter({ url });
const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ "service.name": service, "deployment.environment.name": "production" }),
  // Short batches: the spans of one trace reach Sluice in several requests, from several processes.
  spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 200 })],
});
provider.register();
registerInstrumentations({
  tracerProvider: provider,
  instrumentations: [
    new HttpInstrumentation({
      // The exporter's own requests to Sluice are not part of the shop.
      ignoreOutgoingRequestHook: (request) => String(request.path ?? "").startsWith("/v1/traces"),
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

function call(path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${downstream}${path}`, { method: "POST", headers }, (response) => {
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
  await new Promise((resolve) => setTimeout(resolve, scenario === "db-slow" ? SLOW_QUERY_MS : 2));
  if (scenario === "db-deadlock") {
    const error = new Error(`deadlock detected: process ${4000 + Math.floor(Math.random() * 999)} waits for ShareLock`);
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    span.end();
    throw error;
  }
  span.end();
}

const server = http.createServer((request, response) => {
  const scenario = String(request.headers["x-scenario"] ?? "");
  const forward = { "x-scenario": scenario, "x-user-id": String(request.headers["x-user-id"] ?? "") };
  const reply = (status: number, body: string) => response.writeHead(status, { "content-type": "text/plain" }).end(body);
  const handle = async () => {
    const path = (request.url ?? "/").split("?")[0];
    if (service === "frontend" && path === "/browse") return reply(200, "catalog page");
    if (service === "frontend" && path === "/buy") {
      const status = await call("/checkout", forward);
      return status === 200 ? reply(200, "thank you") : reply(500, "could not place the order");
    }
    if (service === "checkout" && path === "/checkout") {
      const status = await call("/pay", forward);
      return status === 200 ? reply(200, "paid") : reply(502, "payment failed");
    }
    if (service === "payments" && path === "/pay") {
      // The active span is the server span of this request: the query is its child.
      await context.with(context.active(), () => queryDatabase(scenario));
      return reply(200, "ok");
    }
    return reply(404, "no such page");
  };
  handle().catch((error: Error) => reply(500, error.message));
});

server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.send?.({ port: typeof address === "object" && address ? address.port : 0 });
});

process.on("message", (message) => {
  if (message === "flush") {
    provider.forceFlush().then(
      () => process.send?.("flushed"),
      (error: Error) => process.send?.({ flushError: error.message }),
    );
  }
});
process.on("disconnect", () => {
  server.close();
  provider.shutdown().finally(() => process.exit(0));
});
