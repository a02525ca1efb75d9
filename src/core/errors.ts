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

  constructor(code: ErrorCode, message: string, options: { problems?: FieldProblem[]; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "SluiceError";
    this.code = code;
    this.problems = options.problems ?? [];
  }
}

export function isSluiceError(error: unknown): error is SluiceError {
  return error instanceof SluiceError;
}
