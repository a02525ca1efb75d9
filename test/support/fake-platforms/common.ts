// Shared shapes of the fake platforms in ../fake-platforms.ts: each platform module is a
// state machine over (method, path, query, headers, body), with no I/O of its own.
import type { IncomingHttpHeaders } from "node:http";

/** One request as a platform fake sees it: the path is relative to the platform's prefix. */
export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/** A stateful stand-in for one platform's API, as far as Sluice's connector uses it. */
export interface FakePlatform {
  readonly name: string;
  handle(request: FakeRequest): FakeResponse | Promise<FakeResponse>;
  /** One line of what the platform holds now, for diagnostics. */
  describe(): string;
}

export function json(status: number, body: unknown): FakeResponse {
  return { status, body: JSON.stringify(body), headers: { "content-type": "application/json; charset=utf-8" } };
}

export function empty(status: number): FakeResponse {
  return { status, body: "", headers: {} };
}

/** The request body as a JSON object; null when it is not one (the fakes then answer 400). */
export function bodyObject(request: FakeRequest): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(request.body);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function header(request: FakeRequest, name: string): string {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? (value[0] ?? "") : (value ?? "");
}

export function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}
