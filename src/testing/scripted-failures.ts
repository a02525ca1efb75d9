import type { PlatformFailure } from "./connector-contract-suite.ts";

/** What a scripted fake platform answers instead of its own response. */
type Answer = { status: number; headers?: Record<string, string>; body?: string } | { hang: true };

/** The platform's own body (and headers) for each failure the shared contract asks for. */
export interface FailureAnswers {
  rateLimited: { body: string; headers?: Record<string, string> };
  serverError: { body: string; headers?: Record<string, string> };
  unauthorized: { body: string; headers?: Record<string, string> };
}

/**
 * `failNext` for a contract platform whose fake replays scripted answers (a recording client in front
 * of Prism, or a local receiver): 429 with Retry-After, 500, 401, or no answer at all (timeout).
 */
export function scriptedFailures(script: (answer: Answer) => void, answers: FailureAnswers): (failure: PlatformFailure) => void {
  return (failure) => {
    switch (failure.kind) {
      case "rate-limited": {
        const { body, headers } = answers.rateLimited;
        return script({ status: 429, headers: { "retry-after": String(failure.retryAfterSeconds), ...headers }, body });
      }
      case "server-error":
        return script({ status: 500, ...answers.serverError });
      case "unauthorized":
        return script({ status: 401, ...answers.unauthorized });
      case "timeout":
        return script({ hang: true });
    }
  };
}
