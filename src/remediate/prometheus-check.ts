import type { HttpClient } from "../connectors/connector.ts";

/** Whether a PromQL expression holds now, and what was seen (for the timeline). */
export interface CheckResult {
  holds: boolean;
  detail: string;
}

export type PromqlCheck = (query: string, signal: AbortSignal) => Promise<CheckResult>;

interface InstantAnswer {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: { metric?: Record<string, string>; value?: [number, string] }[] | [number, string] };
}

/**
 * GET /api/v1/query: the expression holds when the result is not empty and every value is non-zero, so both
 * a filter (`rate(errors[1m]) < 0.1`) and a `bool` comparison work. No data, an error or an unreachable
 * Prometheus means it does not hold: missing metrics never verify a fix.
 */
export function prometheusCheck(http: HttpClient, baseUrl: string): PromqlCheck {
  return async (query, signal) => {
    const url = new URL("api/v1/query", baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
    url.searchParams.set("query", query);
    let body: InstantAnswer;
    try {
      const response = await http(url.toString(), { method: "GET", headers: { accept: "application/json" }, signal });
      body = (await response.json()) as InstantAnswer;
      if (!response.ok || body.status !== "success")
        return {
          holds: false,
          detail: `Prometheus answered HTTP ${response.status}: ${String(body.error ?? body.status).slice(0, 200)}`,
        };
    } catch (error) {
      return {
        holds: false,
        detail: `Prometheus could not be queried (${error instanceof Error ? error.message : String(error)})`,
      };
    }
    const result = body.data?.result;
    if (body.data?.resultType === "scalar" && Array.isArray(result) && result.length === 2) {
      const value = Number(result[1]);
      return { holds: value !== 0 && !Number.isNaN(value), detail: `scalar ${value}` };
    }
    if (body.data?.resultType !== "vector" || !Array.isArray(result))
      return { holds: false, detail: `unexpected ${body.data?.resultType} result` };
    const values = (result as { value?: [number, string] }[]).map((series) => Number(series.value?.[1]));
    if (values.length === 0) return { holds: false, detail: "no data" };
    const holds = values.every((value) => value !== 0 && !Number.isNaN(value));
    return {
      holds,
      detail: `${values.length} series, values ${values
        .slice(0, 5)
        .map((v) => Number(v.toPrecision(4)))
        .join(", ")}`,
    };
  };
}
