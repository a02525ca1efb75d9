import type { FastifyInstance, RouteOptions } from "fastify";
import { ERROR_CODES, type ErrorCode } from "../core/errors.ts";
import { STATUS_OF } from "./error-handler.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Error codes a route raises besides those every route of its kind can (see documentErrors). */
    errors?: readonly ErrorCode[];
  }
}

/** The id of the one error body schema, shared by every documented error response. */
export const ERROR_SCHEMA_ID = "SluiceError";

const ERROR_SCHEMA = {
  $id: ERROR_SCHEMA_ID,
  type: "object",
  description: "Every error: a stable code, a message, and for bad input the problems, each naming its field.",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", enum: [...ERROR_CODES] },
        message: { type: "string" },
        problems: {
          type: "array",
          items: {
            type: "object",
            required: ["path", "message"],
            properties: { path: { type: "string" }, message: { type: "string" } },
          },
        },
      },
    },
  },
} as const;

// What the codes mean to a caller, for the response descriptions (docs/errors.md says more).
const MEANING: Record<ErrorCode, string> = {
  MALFORMED_BODY: "the body is not valid JSON / NDJSON / OTLP",
  VALIDATION_FAILED: "fields or query parameters are missing, of the wrong type or out of range (`problems` names each)",
  PAYLOAD_TOO_LARGE: "the body exceeds server.bodyLimit, or has too many items",
  UNSUPPORTED_MEDIA_TYPE: "a content type or encoding the route does not take",
  UNAUTHORIZED: "no valid bearer token (tokens are configured)",
  FORBIDDEN: "the token's role or ingest sources do not allow this route",
  NOT_FOUND: "no such incident, delivery, trace, platform or ingest dead letter",
  METHOD_NOT_ALLOWED: "the path exists, but not for this method (Allow lists those it takes)",
  INVALID_TRANSITION: "the state does not allow the action",
  CONFLICT: "lost to a concurrent change",
  OVERLOADED: "overloaded or shutting down; nothing was stored, retry after Retry-After",
  RATE_LIMITED: "over an ingest throttle limit (config throttle); nothing was stored, retry after Retry-After",
  CONFIG_INVALID: "the configuration is invalid",
  INTERNAL: "a bug; the server log has the details",
};

const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

/** The marker a route schema sets when its body may be left out; the document says so instead. */
export const OPTIONAL_BODY = "x-optional-body";

export interface OpenApiDocument {
  paths?: Record<string, Record<string, { requestBody?: { required?: boolean }; [OPTIONAL_BODY]?: boolean }>>;
}

/** Swagger marks every documented body required; routes with OPTIONAL_BODY take a request without one. */
export function markOptionalBodies(document: OpenApiDocument): OpenApiDocument {
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      if (!operation[OPTIONAL_BODY]) continue;
      delete operation[OPTIONAL_BODY];
      if (operation.requestBody) operation.requestBody.required = false;
    }
  }
  return document;
}

/** The error codes a route can answer with: what its kind implies, plus what it declares in `config.errors`. */
export function errorCodesOf(route: Pick<RouteOptions, "method" | "url" | "schema" | "config">): Set<ErrorCode> {
  const codes = new Set<ErrorCode>(["INTERNAL"]);
  const schema = (route.schema ?? {}) as { security?: unknown[]; querystring?: unknown };
  // Public routes say so with `security: []`; every other route checks a token before anything else.
  if (!Array.isArray(schema.security) || schema.security.length > 0) {
    codes.add("UNAUTHORIZED");
    codes.add("FORBIDDEN");
  }
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  if (methods.some((method) => BODY_METHODS.has(method))) {
    for (const code of ["MALFORMED_BODY", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "VALIDATION_FAILED"] as const) {
      codes.add(code);
    }
  }
  if (schema.querystring) codes.add("VALIDATION_FAILED");
  if (route.url.includes(":")) codes.add("NOT_FOUND");
  for (const code of (route.config as { errors?: readonly ErrorCode[] } | undefined)?.errors ?? []) codes.add(code);
  return codes;
}

/**
 * Documents every error response of every route, from the one code → status mapping and the one error
 * body schema: each status a route can answer with, the codes behind it, and the shared schema. Routes
 * without a documented success keep the 200 the document would otherwise show.
 */
export function documentErrors(app: FastifyInstance): void {
  app.addSchema(ERROR_SCHEMA);
  app.addHook("onRoute", (route) => {
    const schema = route.schema;
    if (!schema || (schema as { hide?: boolean }).hide) return;
    const response: Record<string, unknown> = { ...((schema.response as Record<string, unknown> | undefined) ?? {}) };
    if (!Object.keys(response).some((status) => status.startsWith("2"))) {
      response[200] = { description: "Default Response", type: "object", additionalProperties: true };
    }
    const byStatus = new Map<number, ErrorCode[]>();
    for (const code of errorCodesOf(route)) {
      const status = STATUS_OF[code];
      byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
    }
    for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
      if (response[status] !== undefined) continue;
      response[status] = {
        description: codes.map((code) => `${code}: ${MEANING[code]}`).join("; "),
        $ref: `${ERROR_SCHEMA_ID}#`,
      };
    }
    route.schema = { ...schema, response };
  });
}
