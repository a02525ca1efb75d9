import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PrometheusClient, seriesKey } from "./prometheus-client.ts";

function answering(status: number, body: unknown, seen: { url?: string; init?: RequestInit } = {}): typeof fetch {
  return (async (url: string, init: RequestInit) => {
    seen.url = url;
    seen.init = init;
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  }) as unknown as typeof fetch;
}

describe("Prometheus client", () => {
  it("posts a range query with the bearer token and returns the series' finite samples in epoch ms", async () => {
    const seen: { url?: string; init?: RequestInit } = {};
    const matrix = {
      status: "success",
      data: {
        resultType: "matrix",
        result: [
          {
            metric: { job: "api" },
            values: [
              [1700000000, "1.5"],
              [1700000060, "NaN"],
              [1700000120, "3"],
            ],
          },
        ],
      },
    };
    const client = new PrometheusClient({
      url: "http://prom:9090/",
      bearerToken: "s3cret",
      timeoutMs: 1000,
      fetch: answering(200, matrix, seen),
    });
    const series = await client.queryRange("up", 1_700_000_000_000, 1_700_000_120_000, 60_000);
    assert.deepEqual(series, [
      {
        labels: { job: "api" },
        samples: [
          [1_700_000_000_000, 1.5],
          [1_700_000_120_000, 3],
        ],
      },
    ]);
    assert.equal(seen.url, "http://prom:9090/api/v1/query_range");
    assert.equal((seen.init?.headers as Record<string, string>).authorization, "Bearer s3cret");
    assert.equal(String(seen.init?.body), "query=up&start=1700000000&end=1700000120&step=60s");
  });

  it("names the query and Prometheus' own error, never the token", async () => {
    const client = new PrometheusClient({
      url: "http://prom:9090",
      bearerToken: "s3cret",
      timeoutMs: 1000,
      fetch: answering(400, { status: "error", errorType: "bad_data", error: "parse error at char 4" }),
    });
    await assert.rejects(client.queryRange("up{", 0, 0, 1000), (error: Error) => {
      assert.equal(error.message, 'Prometheus refused the query "up{": bad_data: parse error at char 4');
      return true;
    });
    const down = new PrometheusClient({
      url: "http://prom:9090",
      bearerToken: "s3cret",
      timeoutMs: 1000,
      fetch: (async () => {
        throw new Error("connect ECONNREFUSED");
      }) as unknown as typeof fetch,
    });
    await assert.rejects(down.queryRange("up", 0, 0, 1000), (error: Error) => {
      assert.equal(error.message, "Prometheus at http://prom:9090 did not answer: connect ECONNREFUSED");
      assert.doesNotMatch(error.message, /s3cret/);
      return true;
    });
  });

  it("identifies a series by its sorted labels", () => {
    assert.equal(seriesKey({ b: "2", a: 'x"y' }), '{a="x\\"y",b="2"}');
    assert.equal(seriesKey({}), "{}");
  });
});
