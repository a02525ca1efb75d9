import { gunzipSync } from "node:zlib";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { SluiceError } from "../../core/errors.ts";
import type { SpanRecord } from "../../core/trace.ts";
import { problemsOf } from "../../core/zod-problems.ts";
import { decodeOtlpTraces } from "../../pipeline/normalize/otlp-json.ts";
import { type DecodedLogs, decodeOtlpLogs } from "../../pipeline/normalize/otlp-logs.ts";
import { blastRadius } from "../../traces/graph.ts";
import { lookupTraces } from "../../traces/trace-lookup.ts";
import type { LogsIntake } from "../otlp/otlp-logs-intake.ts";
import { otlpProtobufResponse, otlpProtobufToJson } from "../otlp/otlp-protobuf.ts";
import type { Traces } from "../otlp/traces.ts";
import type { Authenticator } from "./auth.ts";
import type { IngestLimiter } from "./ingest-limiter.ts";

const PROTOBUF = "application/x-protobuf";

const graphQuery = z.strictObject({
  tenant: z.string().min(1).optional().describe("Default: traces.tenant."),
  environment: z.string().min(1).optional().describe("Default: traces.environment."),
});

const exportResponse = {
  type: "object",
  description: "All spans stored ({}), or some refused (partialSuccess), per the OTLP/HTTP specification.",
  properties: {
    partialSuccess: {
      type: "object",
      properties: { rejectedSpans: { type: "integer" }, errorMessage: { type: "string" } },
    },
  },
} as const;

/**
 * OTLP/HTTP trace and log ingest (protobuf or JSON, optionally gzip-compressed) and the reads built on
 * it: the service dependency graph and one trace's analysis. Registered in its own scope so its body
 * parsers (gzip, protobuf) do not change what the other routes accept.
 */
export async function otlpRoutes(
  app: FastifyInstance,
  deps: {
    traces?: Traces | undefined;
    logs?: LogsIntake | undefined;
    auth: Authenticator;
    bodyLimit: number;
    limiter?: IngestLimiter | undefined;
  },
): Promise<void> {
  const { traces, logs, auth, bodyLimit, limiter } = deps;

  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body, done) => {
      try {
        const text = decompressed(request.headers["content-encoding"], body as Buffer, bodyLimit).toString("utf8");
        if (text.trim() === "")
          throw new SluiceError(
            "MALFORMED_BODY",
            "the body is empty; send an ExportTraceServiceRequest or ExportLogsServiceRequest",
          );
        try {
          done(null, JSON.parse(text));
        } catch (error) {
          throw new SluiceError("MALFORMED_BODY", `the body is not valid JSON: ${(error as Error).message}`);
        }
      } catch (error) {
        done(error as Error, undefined);
      }
    });
    // The binary encoding becomes the object its JSON form parses to, so both share one decoder.
    scope.addContentTypeParser(PROTOBUF, { parseAs: "buffer" }, (request, body, done) => {
      try {
        const bytes = decompressed(request.headers["content-encoding"], body as Buffer, bodyLimit);
        done(null, otlpProtobufToJson(request.url.startsWith("/v1/logs") ? "logs" : "traces", bytes));
      } catch (error) {
        done(error as Error, undefined);
      }
    });

    if (logs) logsRoute(scope, logs, auth, limiter);
    if (!traces) return;
    scope.post(
      "/v1/traces",
      {
        onRequest: auth.hook({ ingest: "otlp" }),
        config: { errors: ["OVERLOADED"] },
        schema: {
          tags: ["ingest"],
          summary:
            "OTLP/HTTP traces (protobuf or JSON; gzip allowed): spans of failing traces become signals of their root-cause service",
          description:
            "An ExportTraceServiceRequest in OTLP/protobuf (application/x-protobuf, answered in protobuf) or OTLP/JSON " +
            "(ids as hex). A 200 means the spans are stored.",
          body: { type: "object", properties: { resourceSpans: { type: "array" } } },
          response: { 200: exportResponse },
        },
      },
      async (request, reply) => {
        let spans: SpanRecord[];
        try {
          ({ spans } = decodeOtlpTraces(request.body, { tenant: traces.config.tenant, environment: traces.config.environment }));
        } catch (error) {
          traces.metrics.spans("malformed", countRecords(request.body, "resourceSpans", "scopeSpans", "spans"));
          throw error;
        }
        const result = await traces.ingest(spans);
        const partial = result.rejected > 0 ? { rejected: result.rejected, errorMessage: result.message ?? "" } : undefined;
        // OTLP/HTTP answers in the encoding of the request.
        if (isProtobuf(request.headers["content-type"])) {
          return reply.code(200).type(PROTOBUF).send(otlpProtobufResponse("traces", partial));
        }
        return reply
          .code(200)
          .send(partial ? { partialSuccess: { rejectedSpans: partial.rejected, errorMessage: partial.errorMessage } } : {});
      },
    );
  });

  if (traces) traceReadRoutes(app, traces, auth.hook({ role: "viewer" }));
}

const logsResponse = {
  type: "object",
  description: "Every record at or above otlpLogs.minimumLevel is stored as a signal ({}), per the OTLP/HTTP specification.",
  properties: {},
} as const;

/**
 * POST /v1/logs: error records become signals of their service; a 200 means they are stored. The ingest
 * throttle (source "otlp") admits the request's signals whole or answers 429 with Retry-After, which
 * OTLP exporters honour by retrying later; nothing of a refused request is stored.
 */
function logsRoute(scope: FastifyInstance, logs: LogsIntake, auth: Authenticator, limiter: IngestLimiter | undefined): void {
  scope.post(
    "/v1/logs",
    {
      onRequest: auth.hook({ ingest: "otlp" }),
      config: { errors: ["OVERLOADED"] },
      schema: {
        tags: ["ingest"],
        summary: "OTLP/HTTP logs (protobuf or JSON; gzip allowed): records at or above otlpLogs.minimumLevel become signals",
        description:
          "An ExportLogsServiceRequest in OTLP/protobuf (application/x-protobuf, answered in protobuf) or OTLP/JSON. Each " +
          "record at or above the level becomes a signal of its resource's service, grouped into incidents by error " +
          "pattern; the rest are counted. A 200 means the signals are stored.",
        body: { type: "object", properties: { resourceLogs: { type: "array" } } },
        response: { 200: logsResponse },
      },
    },
    async (request, reply) => {
      const { config } = logs;
      let decoded: DecodedLogs;
      try {
        decoded = decodeOtlpLogs(request.body, config, Date.now());
      } catch (error) {
        logs.count("malformed", countRecords(request.body, "resourceLogs", "scopeLogs", "logRecords"));
        throw error;
      }
      if (decoded.signals.length > 0) {
        const admission = limiter?.admit("otlp", request.principal?.name ?? null, decoded.signals);
        try {
          await logs.submit(decoded.signals);
        } catch (error) {
          admission?.refund();
          throw error;
        }
      }
      logs.count("signal", decoded.signals.length);
      logs.count("below_severity", decoded.belowSeverity);
      if (isProtobuf(request.headers["content-type"])) return reply.code(200).type(PROTOBUF).send(otlpProtobufResponse("logs"));
      return reply.code(200).send({});
    },
  );
}

/** The service dependency graph and one trace's analysis. */
function traceReadRoutes(app: FastifyInstance, traces: Traces, viewer: ReturnType<Authenticator["hook"]>): void {
  app.get(
    "/api/traces/graph",
    {
      onRequest: viewer,
      schema: {
        tags: ["traces"],
        summary: "The service dependency graph of the window (traces.graphWindow): edges with requests and errors",
        querystring: z.toJSONSchema(graphQuery, { io: "input" }),
      },
    },
    async (request) => {
      const parsed = graphQuery.safeParse(request.query ?? {});
      if (!parsed.success) {
        throw new SluiceError("VALIDATION_FAILED", "invalid query", { problems: problemsOf(parsed.error, "query") });
      }
      const tenant = parsed.data.tenant ?? traces.config.tenant;
      const environment = parsed.data.environment ?? traces.config.environment;
      const now = traces.now();
      const graph = await traces.graphs.graph(tenant, environment, now, true);
      return {
        tenant,
        environment,
        windowMs: traces.config.graphWindow,
        edges: graph.edges,
        services: Object.entries(graph.traces)
          .map(([name, count]) => ({ name, traces: count }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      };
    },
  );

  app.get<{ Params: { traceId: string } }>(
    "/api/traces/:traceId",
    {
      onRequest: viewer,
      config: { errors: ["VALIDATION_FAILED"] },
      schema: {
        tags: ["traces"],
        summary: "One trace's analysis: root-cause candidate, blast radius, failing services, users and request timeline",
        params: {
          type: "object",
          properties: { traceId: { type: "string", pattern: "^[0-9a-fA-F]{32}$", description: "32 hex digits" } },
          required: ["traceId"],
        },
      },
    },
    async (request) => {
      const traceId = request.params.traceId.toLowerCase();
      if (!/^[0-9a-f]{32}$/.test(traceId)) {
        throw new SluiceError("VALIDATION_FAILED", "invalid trace id", {
          problems: [{ path: "traceId", message: "must be 32 hex digits" }],
        });
      }
      const analysis = (await lookupTraces(traces.repository, [traceId], { ...traces.config, maxAdHoc: 1 })).get(traceId);
      if (!analysis) throw new SluiceError("NOT_FOUND", `no trace ${traceId} (never received, or older than traces.retention)`);
      const graph = analysis.rootCause
        ? await traces.graphs.graph(analysis.tenant, analysis.environment, traces.now(), true)
        : null;
      return {
        traceId,
        tenant: analysis.tenant,
        environment: analysis.environment,
        spanCount: analysis.spanCount,
        rootCause: analysis.rootCause,
        blastRadius: graph && analysis.rootCause ? blastRadius(graph, analysis.rootCause.service) : [],
        failingServices: analysis.failingServices,
        users: analysis.users,
        edges: analysis.edges,
        timeline: analysis.timeline,
        timelineCapped: analysis.timelineCapped,
      };
    },
  );
}

function isProtobuf(contentType: string | undefined): boolean {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() === PROTOBUF;
}

/** The body as sent or gunzipped; the limit applies to what the body becomes, not only to what was sent. */
function decompressed(contentEncoding: string | string[] | undefined, body: Buffer, bodyLimit: number): Buffer {
  const encoding = String(contentEncoding ?? "identity").toLowerCase();
  if (encoding === "identity") return body;
  if (encoding !== "gzip") {
    throw new SluiceError("UNSUPPORTED_MEDIA_TYPE", `content-encoding ${encoding} is not supported; use gzip or none`);
  }
  try {
    return gunzipSync(body, { maxOutputLength: bodyLimit });
  } catch (error) {
    const tooLarge = (error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE";
    throw new SluiceError(
      tooLarge ? "PAYLOAD_TOO_LARGE" : "MALFORMED_BODY",
      tooLarge ? `the decompressed body exceeds server.bodyLimit (${bodyLimit} bytes)` : "the body is not valid gzip",
    );
  }
}

/** How many spans or log records a refused request carried, as far as its shape lets us count them. */
function countRecords(body: unknown, resources: string, scopes: string, items: string): number {
  let count = 0;
  const list = (value: unknown, key: string): unknown[] => {
    const field = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
    return Array.isArray(field) ? field : [];
  };
  for (const resource of list(body, resources)) {
    for (const scope of list(resource, scopes)) count += list(scope, items).length;
  }
  return count;
}
