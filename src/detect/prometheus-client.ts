// The query side of a Prometheus-compatible HTTP API (Prometheus, Thanos, Mimir, VictoriaMetrics):
// `GET /api/v1/query_range`, the one call the rule runner needs.

/** One returned series: its labels and its samples in time order (epoch ms), non-finite values left out. */
export interface PromSeries {
  labels: Record<string, string>;
  samples: [number, number][];
}

export interface PrometheusClientOptions {
  url: string;
  bearerToken?: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

interface RangeResponse {
  status?: string;
  error?: string;
  errorType?: string;
  data?: { resultType?: string; result?: { metric?: Record<string, string>; values?: [number, string][] }[] };
}

export class PrometheusClient {
  private readonly base: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: PrometheusClientOptions) {
    this.base = options.url.replace(/\/+$/, "");
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** Evaluates `query` at every `stepMs` from `start` to `end` (epoch ms, inclusive). Throws a message naming the query's problem. */
  async queryRange(query: string, start: number, end: number, stepMs: number): Promise<PromSeries[]> {
    const params = new URLSearchParams({
      query,
      start: String(start / 1000),
      end: String(end / 1000),
      step: `${stepMs / 1000}s`,
    });
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.options.bearerToken) headers.authorization = `Bearer ${this.options.bearerToken}`;
    let response: Response;
    try {
      response = await this.fetch(`${this.base}/api/v1/query_range`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
        body: params.toString(),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      // The cause's message names the host and the failure, never the token (it is only in a header).
      throw new Error(`Prometheus at ${this.base} did not answer: ${(error as Error).message}`);
    }
    const body = (await response.json().catch(() => null)) as RangeResponse | null;
    if (!response.ok || body?.status !== "success") {
      const why = body?.error ? `${body.errorType ?? "error"}: ${body.error}` : `HTTP ${response.status}`;
      throw new Error(`Prometheus refused the query ${JSON.stringify(query)}: ${why}`);
    }
    if (body.data?.resultType !== "matrix") {
      throw new Error(`Prometheus answered the range query ${JSON.stringify(query)} with a ${body.data?.resultType} result`);
    }
    return (body.data.result ?? []).map((series) => ({
      labels: series.metric ?? {},
      samples: (series.values ?? [])
        .map(([t, v]): [number, number] => [Math.round(t * 1000), Number(v)])
        .filter(([, v]) => Number.isFinite(v)),
    }));
  }
}

/** A series' identity: its labels sorted, written like a PromQL selector. */
export function seriesKey(labels: Record<string, string>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`);
  return `{${parts.join(",")}}`;
}
