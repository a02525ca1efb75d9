import type { HttpClient } from "../../../connectors/connector.ts";

/** One log line of a query_range answer. */
export interface LogLine {
  at: number;
  line: string;
  labels: Record<string, string>;
}

interface StreamsAnswer {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: { stream?: Record<string, string>; values?: [string, string][] }[] };
}

/**
 * The read-only part of Loki's HTTP API that investigations use: GET /loki/api/v1/query_range with a LogQL log
 * query (a stream selector and filters), newest lines first, at most `limit`.
 */
export class LokiClient {
  constructor(
    private readonly http: HttpClient,
    private readonly baseUrl: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  async queryRange(logql: string, from: number, to: number, limit: number, signal: AbortSignal): Promise<LogLine[]> {
    const url = new URL("loki/api/v1/query_range", this.baseUrl.endsWith("/") ? this.baseUrl : `${this.baseUrl}/`);
    url.searchParams.set("query", logql);
    // Loki takes nanoseconds since the epoch.
    url.searchParams.set("start", `${Math.floor(from)}000000`);
    url.searchParams.set("end", `${Math.ceil(to)}000000`);
    url.searchParams.set("limit", String(limit));
    url.searchParams.set("direction", "backward");
    const response = await this.http(url.toString(), {
      method: "GET",
      headers: { accept: "application/json", ...this.headers },
      signal,
    });
    const text = await response.text();
    let body: StreamsAnswer;
    try {
      body = JSON.parse(text) as StreamsAnswer;
    } catch {
      throw new Error(`Loki answered HTTP ${response.status} with something that is not JSON`);
    }
    if (!response.ok || body.status !== "success") {
      throw new Error(`Loki answered HTTP ${response.status}: ${(body.error ?? text).slice(0, 200)}`);
    }
    if (body.data?.resultType !== "streams") throw new Error(`not a log query: Loki answered a ${body.data?.resultType ?? "?"}`);
    const lines: LogLine[] = [];
    for (const stream of body.data.result ?? []) {
      for (const [ns, line] of stream.values ?? []) {
        lines.push({ at: Math.floor(Number(ns) / 1e6), line, labels: stream.stream ?? {} });
      }
    }
    return lines.sort((a, b) => a.at - b.at);
  }
}
