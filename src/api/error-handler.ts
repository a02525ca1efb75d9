import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type ErrorCode, type FieldProblem, isSluiceError } from "../core/errors.ts";

/** The one place that maps error codes to HTTP statuses. */
export const STATUS_OF: Record<ErrorCode, number> = {
  MALFORMED_BODY: 400,
  VALIDATION_FAILED: 422,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  INVALID_TRANSITION: 409,
  CONFLICT: 409,
  OVERLOADED: 503,
  RATE_LIMITED: 429,
  CONFIG_INVALID: 500,
  INTERNAL: 500,
};

// Fastify's own errors for bodies it could not read, in our codes.
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_BODY_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "MALFORMED_BODY",
  FST_ERR_CTP_EMPTY_JSON_BODY: "MALFORMED_BODY",
  FST_ERR_CTP_INVALID_JSON_BODY: "MALFORMED_BODY",
};

export interface ErrorBody {
  error: { code: ErrorCode; message: string; problems?: FieldProblem[] };
}

export function errorBody(code: ErrorCode, message: string, problems: FieldProblem[] = []): ErrorBody {
  return { error: problems.length > 0 ? { code, message, problems } : { code, message } };
}

export function registerErrorHandler(app: FastifyInstance): void {
  // A path that exists under other methods is a 405 naming them (Allow), not a 404.
  const routes: { pattern: RegExp; methods: string[] }[] = [];
  app.addHook("onRoute", (route) => {
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== "HEAD");
    const source = route.url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:[A-Za-z0-9_]+/g, "[^/]+");
    routes.push({ pattern: new RegExp(`^${source}/?$`), methods });
  });
  const noRoute = (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split("?")[0] ?? "";
    const allowed = [...new Set(routes.filter((r) => r.pattern.test(path)).flatMap((r) => r.methods))];
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      if (allowed.includes("GET")) allowed.push("HEAD");
      return reply
        .code(405)
        .header("allow", allowed.sort().join(", "))
        .send(errorBody("METHOD_NOT_ALLOWED", `${request.method} is not allowed on ${path}; use ${allowed.join(" or ")}`));
    }
    return reply.code(404).send(errorBody("NOT_FOUND", `no route ${request.method} ${path}`));
  };

  app.setErrorHandler((error: FastifyError, request, reply) => {
    // No route: what its body was like does not matter (an unknown method's body fails to parse first).
    if (request.is404) return noRoute(request, reply);
    if (isSluiceError(error)) {
      const status = STATUS_OF[error.code];
      if (status >= 500 && error.code !== "OVERLOADED") request.log.error({ err: error }, "request failed");
      if (error.retryAfterSeconds !== undefined) reply.header("retry-after", String(error.retryAfterSeconds));
      else if (error.code === "OVERLOADED") reply.header("retry-after", "1");
      return reply.code(status).send(errorBody(error.code, error.message, error.problems));
    }
    const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (mapped) return reply.code(STATUS_OF[mapped]).send(errorBody(mapped, error.message));
    if (error instanceof SyntaxError || error.statusCode === 400) {
      return reply.code(400).send(errorBody("MALFORMED_BODY", `request body is not valid: ${error.message}`));
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send(errorBody("VALIDATION_FAILED", error.message));
    }
    request.log.error({ err: error }, "unexpected error");
    return reply.code(500).send(errorBody("INTERNAL", "internal error; see the server log"));
  });
  app.setNotFoundHandler(noRoute);
}
