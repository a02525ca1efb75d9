import swagger from "@fastify/swagger";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Logger } from "pino";
import type { ChangeIntake } from "../changes/change-intake.ts";
import type { ChangeMetrics } from "../changes/change-metrics.ts";
import type { DestinationCatalog } from "../connectors/catalog-destinations.ts";
import type { Connector } from "../connectors/connector.ts";
import { SluiceError } from "../core/errors.ts";
import type { SyncHandler } from "../core/inbound.ts";
import type { Store } from "../core/ports/store.ts";
import type { LifecycleService } from "../lifecycle/lifecycle-service.ts";
import type { InboundSync } from "../lifecycle/sync/inbound-sync.ts";
import type { Summarizer } from "../pipeline/enrich/llm/summarizer.ts";
import type { SimilarIncidents } from "../pipeline/enrich/providers/similar-incidents.ts";
import type { SignalIntake } from "../pipeline/ingest/log-intake.ts";
import { shapeProblem } from "../pipeline/normalize/json-shape.ts";
import type { Authenticator } from "../sources/http/auth.ts";
import { changeRoutes } from "../sources/http/change-routes.ts";
import { githubChangeRoute } from "../sources/http/github-changes.ts";
import type { IngestLimiter } from "../sources/http/ingest-limiter.ts";
import { ingestRoutes, registerNdjson } from "../sources/http/ingest-routes.ts";
import { otlpRoutes } from "../sources/http/otlp-routes.ts";
import type { LogsIntake } from "../sources/otlp/otlp-logs-intake.ts";
import type { Traces } from "../sources/otlp/traces.ts";
import type { EventStream } from "./console/event-stream.ts";
import { registerErrorHandler } from "./error-handler.ts";
import { documentErrors, markOptionalBodies, type OpenApiDocument } from "./error-responses.ts";
import type { SluiceMetrics } from "./metrics.ts";
import { consoleApiRoutes } from "./routes/console-routes.ts";
import { consoleStaticRoutes } from "./routes/console-static.ts";
import { deliveryRoutes } from "./routes/delivery-routes.ts";
import { eventRoutes } from "./routes/events-routes.ts";
import { incidentRoutes } from "./routes/incident-routes.ts";
import { opsRoutes } from "./routes/ops-routes.ts";
import { platformRoutes } from "./routes/platform-routes.ts";
import { similarRoutes } from "./routes/similar.ts";
import { syncRoutes } from "./routes/sync-routes.ts";

const DEFAULT_TIMEOUTS = { headersTimeout: 10_000, requestTimeout: 60_000, keepAliveTimeout: 72_000 };

export interface ServerDeps {
  logger: Logger;
  bodyLimit: number;
  /** How long clients may take to send headers and whole requests, and keep idle connections (ms). */
  timeouts?: { headersTimeout: number; requestTimeout: number; keepAliveTimeout: number };
  store: Store;
  /** Where ingest routes hand their signals: the durable ingest log (src/pipeline/ingest/log-intake.ts). */
  intake: SignalIntake;
  lifecycle: LifecycleService;
  auth: Authenticator;
  /** Ingest limits (config `throttle`); without it nothing is throttled. */
  limiter?: IngestLimiter;
  metrics: SluiceMetrics;
  connectors: ReadonlyMap<string, Connector>;
  summarizer: Summarizer;
  syncHandlers: ReadonlyMap<string, SyncHandler>;
  inboundSync: InboundSync;
  wakeDeliveries(): void;
  isReady(): boolean;
  /** Change intake (POST /api/v1/changes); without it the change routes are not served. */
  changes?: { intake: ChangeIntake; metrics: ChangeMetrics; githubWebhookSecret?: string | undefined };
  /** Similar past incidents (GET /api/incidents/:id/similar); without it the route is not served. */
  similar?: SimilarIncidents;
  /** Routes of feature modules above the API layer (src/investigate), registered with the rest. */
  features?: readonly ((app: FastifyInstance, auth: Authenticator) => void)[];
  /** Trace ingest and analysis (POST /v1/traces, /api/traces/…); without it those routes are not served. */
  traces?: Traces;
  /** OTLP log ingest (POST /v1/logs); without it the route is not served. */
  logs?: LogsIntake;
  /** The platforms' catalog destinations, whose secrets responses mask (default: the registered connectors). */
  destinations?: DestinationCatalog;
  /** The web console: its event stream (GET /api/events) and, when built, its files (served at /). */
  console?: { stream: EventStream; webDir: string };
}

/** Builds the HTTP API; route schemas document it (served at /openapi.json), handlers validate with zod. */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const timeouts = deps.timeouts ?? DEFAULT_TIMEOUTS;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit,
    // Slow clients (slowloris) get a 408 and lose the connection instead of holding it forever.
    requestTimeout: timeouts.requestTimeout,
    keepAliveTimeout: timeouts.keepAliveTimeout,
    http: {
      headersTimeout: timeouts.headersTimeout,
      // Node checks these deadlines on this interval (default 30s, which would add up to 30s to each).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(timeouts.headersTimeout / 4))),
    },
    // Per-request log lines would cost more than ingesting the signal; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // Parsed as plain JSON (such keys become own data properties); the preValidation hook below refuses
    // them with the rest of the body's shape, naming where, for JSON, NDJSON and OTLP/JSON alike.
    onProtoPoisoning: "ignore",
    onConstructorPoisoning: "ignore",
  });
  // Route schemas are documentation; validation happens in handlers so every error names its field the same way.
  app.setValidatorCompiler(() => () => true);
  app.decorateRequest("principal", null);
  registerErrorHandler(app);
  // Only JSON and NDJSON carry signals; anything else is a 415, not a string that fails validation.
  app.removeContentTypeParser("text/plain");
  registerNdjson(app);
  // Every parsed body, whatever its route and encoding (raw Buffer bodies are read by their handlers):
  // too deep, or with a prototype-poisoning key, it is refused naming where.
  app.addHook("preValidation", async (request) => {
    const { body } = request;
    if (body === null || typeof body !== "object" || Buffer.isBuffer(body)) return;
    const found = shapeProblem(body);
    if (found) {
      const { code, problem } = found;
      throw new SluiceError(code, `the body ${code === "MALFORMED_BODY" ? "has " : ""}${problem.message} at ${problem.path}`, {
        problems: [problem],
      });
    }
  });
  documentErrors(app);
  await app.register(swagger, {
    // Shared schemas keep their own names (the error body is components.schemas.SluiceError).
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === "string" ? json.$id : `def-${i}`),
    },
    transformObject: (document) =>
      "openapiObject" in document
        ? (markOptionalBodies(document.openapiObject as OpenApiDocument) as typeof document.openapiObject)
        : document.swaggerObject,
    openapi: {
      info: { title: "Sluice API", version: "0.1.0", description: "Signals in, deduplicated and routed incident tickets out." },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
  });
  opsRoutes(app, deps);
  ingestRoutes(app, {
    intake: deps.intake,
    auth: deps.auth,
    metrics: deps.metrics.pipeline,
    ...(deps.limiter ? { limiter: deps.limiter } : {}),
  });
  incidentRoutes(app, deps);
  if (deps.similar) similarRoutes(app, { store: deps.store, auth: deps.auth, similar: deps.similar });
  for (const register of deps.features ?? []) register(app, deps.auth);
  if (deps.changes) {
    changeRoutes(app, { ...deps.changes, changes: deps.store.changes, auth: deps.auth });
    await githubChangeRoute(app, deps.changes);
  }
  platformRoutes(app, { connectors: deps.connectors, auth: deps.auth, summarizer: deps.summarizer });
  await syncRoutes(app, { handlers: deps.syncHandlers, sync: deps.inboundSync });
  if (deps.traces || deps.logs) {
    await otlpRoutes(app, {
      traces: deps.traces,
      logs: deps.logs,
      auth: deps.auth,
      bodyLimit: deps.bodyLimit,
      limiter: deps.limiter,
    });
  }
  deliveryRoutes(app, { store: deps.store, auth: deps.auth, wake: deps.wakeDeliveries });
  consoleApiRoutes(app, deps);
  if (deps.console) {
    eventRoutes(app, { auth: deps.auth, stream: deps.console.stream });
    consoleStaticRoutes(app, { dir: deps.console.webDir });
  }
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  return app;
}
