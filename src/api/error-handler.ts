import type { FastifyError, FastifyInstance } from "fastify";
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
  app.setErrorHandler((error: FastifyError, request, reply) => {
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
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(errorBody("NOT_FOUND", `no route ${request.method} ${request.url.split("?")[0]}`));
  });
}
