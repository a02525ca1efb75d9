/** Every error code Sluice raises; each is documented in docs/errors.md. */
export const ERROR_CODES = [
  "MALFORMED_BODY",
  "VALIDATION_FAILED",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_FOUND",
  "METHOD_NOT_ALLOWED",
  "INVALID_TRANSITION",
  "CONFLICT",
  "OVERLOADED",
  "RATE_LIMITED",
  "CONFIG_INVALID",
  "INTERNAL",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** One problem with one field of an input, named by its path. */
export interface FieldProblem {
  path: string;
  message: string;
}

/** The one error class: a stable code, a human message, optional field problems and a cause. */
export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly problems: FieldProblem[];
  /** Seconds the caller should wait before retrying (sent as Retry-After), when known. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { problems?: FieldProblem[]; cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "SluiceError";
    this.code = code;
    this.problems = options.problems ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isSluiceError(error: unknown): error is SluiceError {
  return error instanceof SluiceError;
}
