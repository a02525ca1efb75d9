import type { HttpClient } from "../../connectors/connector.ts";

/** An answer read whole: status, headers and the body parsed as JSON when it is JSON. */
export interface JsonAnswer {
  status: number;
  headers: Headers;
  json: unknown;
  text: string;
}

/** One JSON request under the run's abort signal; remote failures come back as answers, not throws. */
export async function sendJson(
  http: HttpClient,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: unknown; signal: AbortSignal },
): Promise<JsonAnswer> {
  const response = await http(url, {
    method: init.method,
    headers: { ...init.headers, ...(init.body === undefined ? {} : { "content-type": "application/json" }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: init.signal,
  });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: response.status, headers: response.headers, json, text };
}

/** Base URL without its trailing slash, so spec paths can be appended. */
export function trimBase(url: string): string {
  return url.replace(/\/+$/, "");
}

export function field(value: unknown, key: string): unknown {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
}
