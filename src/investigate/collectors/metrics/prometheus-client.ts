import type { HttpClient } from "../../../connectors/connector.ts";
import type { Sample } from "../../analysis/types.ts";

/** One series of a query_range answer. */
export interface RangeSeries {
  labels: Record<string, string>;
  samples: Sample[];
}

interface RangeAnswer {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: { metric?: Record<string, string>; values?: [number, string][] }[] };
}

/**
 * The read-only part of the Prometheus HTTP API that Prometheus, Thanos, Mimir and VictoriaMetrics share:
 * GET /api/v1/query_range. Each value at time t covers the step before it, [t - step, t).
 */
export class PrometheusClient {
  constructor(
    private readonly http: HttpClient,
    private readonly baseUrl: string,
  ) {}

  async queryRange(query: string, from: number, to: number, stepMs: number, signal: AbortSignal): Promise<RangeSeries[]> {
    const url = new URL("api/v1/query_range", this.baseUrl.endsWith("/") ? this.baseUrl : `${this.baseUrl}/`);
    url.searchParams.set("query", query);
    url.searchParams.set("start", String(from / 1000));
    url.searchParams.set("end", String(to / 1000));
    url.searchParams.set("step", `${stepMs / 1000}s`);
    const response = await this.http(url.toString(), { method: "GET", headers: { accept: "application/json" }, signal });
    let body: RangeAnswer;
    try {
      body = (await response.json()) as RangeAnswer;
    } catch {
      throw new Error(`query_range answered HTTP ${response.status} with a body that is not JSON`);
    }
    if (!response.ok || body.status !== "success") {
      throw new Error(
        `query_range answered HTTP ${response.status}: ${String(body.error ?? body.status ?? "no status").slice(0, 200)}`,
      );
    }
    if (body.data?.resultType !== "matrix")
      throw new Error(`query_range answered a ${String(body.data?.resultType)}, not a matrix`);
    return (body.data.result ?? []).map((series) => ({
      labels: series.metric ?? {},
      samples: (series.values ?? []).map(([t, v]) => ({ start: t * 1000 - stepMs, end: t * 1000, value: Number(v) })),
    }));
  }
}
