import type { HttpClient } from "../connectors/connector.ts";

/** One request a connector sent and what came back. */
export interface Exchange {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  status: number | null;
  responseBody: string;
  /** Spec violations the mock reported for this request. */
  violations: string[];
}

/** A response (or a failure) to hand back instead of the mock's own answer. */
export type ScriptedResponse =
  | { status: number; headers?: Record<string, string>; body?: string }
  /** Never answers: the caller's abort signal (its timeout) ends the request. */
  | { hang: true }
  /** Fails like fetch does when the connection is refused. */
  | { networkError: string };

/** An HttpClient that records every exchange and can replace the next answers with scripted ones. */
export interface RecordingHttp {
  http: HttpClient;
  readonly exchanges: Exchange[];
  /** Queues answers for the next requests, in order; the request still reaches the mock and is validated. */
  script(...responses: ScriptedResponse[]): void;
  /** Every violation the mock reported, prefixed with the request it belongs to. */
  violations(): string[];
}

/**
 * Wraps a real client (fetch against Prism, or any mock) so tests can see the traffic, collect spec
 * violations from Prism's `sl-violations` header, and inject failures the spec cannot describe.
 */
export function recordingHttp(base: HttpClient = (url, init) => fetch(url, init)): RecordingHttp {
  const exchanges: Exchange[] = [];
  const queue: ScriptedResponse[] = [];

  const http: HttpClient = async (url, init) => {
    const exchange: Exchange = {
      method: init.method ?? "GET",
      url,
      headers: headerRecord(init.headers),
      body: bodyText(init.body),
      status: null,
      responseBody: "",
      violations: [],
    };
    exchanges.push(exchange);
    const scripted = queue.shift();
    if (scripted && "networkError" in scripted) {
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error(scripted.networkError), { code: scripted.networkError }),
      });
    }
    // Forwarded without the caller's signal: the mock must see the request even when the script hangs.
    const { signal, ...rest } = init;
    const real = await base(url, rest);
    exchange.status = real.status;
    exchange.responseBody = await real.text();
    exchange.violations = violationsOf(real, exchange.responseBody);
    if (scripted && "hang" in scripted) return hangUntilAborted(signal ?? null);
    if (scripted) {
      exchange.status = scripted.status;
      exchange.responseBody = scripted.body ?? "";
      return new Response(bodyFor(scripted.status, scripted.body ?? ""), { status: scripted.status, headers: scripted.headers });
    }
    return new Response(bodyFor(real.status, exchange.responseBody), { status: real.status, headers: real.headers });
  };

  return {
    http,
    exchanges,
    script: (...responses) => queue.push(...responses),
    violations: () =>
      exchanges.flatMap((exchange) =>
        exchange.violations.map((v) => `${exchange.method} ${new URL(exchange.url).pathname}: ${v}`),
      ),
  };
}

function violationsOf(response: Response, body: string): string[] {
  const header = response.headers.get("sl-violations");
  const found: string[] = [];
  if (header) {
    try {
      for (const v of JSON.parse(header) as { location?: string[]; message?: string }[]) {
        found.push(`${(v.location ?? []).join(".")}: ${v.message ?? "violation"}`);
      }
    } catch {
      found.push(header);
    }
  }
  // Prism answers unknown paths and methods with a problem document and no sl-violations header.
  if (body.includes("stoplight.io/prism/errors#")) {
    try {
      const problem = JSON.parse(body) as { title?: string; detail?: string };
      found.push(`${problem.title ?? "Prism error"}: ${problem.detail ?? ""}`);
    } catch {
      found.push(body.slice(0, 300));
    }
  }
  return found;
}

// The Response constructor refuses a body (even an empty one) for these statuses.
function bodyFor(status: number, body: string): string | null {
  return [101, 204, 205, 304].includes(status) ? null : body;
}

function hangUntilAborted(signal: AbortSignal | null): Promise<Response> {
  return new Promise((_resolve, reject) => {
    if (!signal) return; // A caller without a timeout hangs forever: exactly the bug this would expose.
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

function headerRecord(headers: RequestInit["headers"]): Record<string, string> {
  return Object.fromEntries(new Headers(headers).entries());
}

function bodyText(body: RequestInit["body"]): string {
  if (body === undefined || body === null) return "";
  if (typeof body === "string") return body;
  if (body instanceof URLSearchParams) return body.toString();
  return "[non-text body]";
}
