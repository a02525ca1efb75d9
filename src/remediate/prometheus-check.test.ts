import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { prometheusCheck } from "./prometheus-check.ts";

const answer =
  (body: unknown, status = 200) =>
  async () =>
    new Response(JSON.stringify(body), { status });
const vector = (...values: string[]) => ({
  status: "success",
  data: { resultType: "vector", result: values.map((v, i) => ({ metric: { i: String(i) }, value: [1, v] })) },
});
const signal = new AbortController().signal;

describe("prometheus check", () => {
  it("holds on a non-empty result whose every value is non-zero", async () => {
    assert.deepEqual(await prometheusCheck(answer(vector("3", "1")), "http://p")("x", signal), {
      holds: true,
      detail: "2 series, values 3, 1",
    });
    assert.equal(
      (await prometheusCheck(answer(vector("1", "0")), "http://p")("x", signal)).holds,
      false,
      "a bool comparison's 0",
    );
    assert.equal(
      (
        await prometheusCheck(answer({ status: "success", data: { resultType: "scalar", result: [1, "1"] } }), "http://p")(
          "x",
          signal,
        )
      ).holds,
      true,
    );
  });

  it("never holds without data, on an error or when Prometheus is unreachable", async () => {
    assert.deepEqual(await prometheusCheck(answer(vector()), "http://p")("x", signal), { holds: false, detail: "no data" });
    const bad = await prometheusCheck(answer({ status: "error", error: "parse error" }, 400), "http://p")("x(", signal);
    assert.deepEqual(bad, { holds: false, detail: "Prometheus answered HTTP 400: parse error" });
    const down = await prometheusCheck(async () => {
      throw new Error("ECONNREFUSED");
    }, "http://p")("x", signal);
    assert.deepEqual(down, { holds: false, detail: "Prometheus could not be queried (ECONNREFUSED)" });
  });

  it("queries /api/v1/query under the base URL", async () => {
    let seen = "";
    await prometheusCheck(async (url) => {
      seen = url;
      return new Response(JSON.stringify(vector("1")));
    }, "http://p:9090/prom")('up{job="a"}', signal);
    assert.equal(seen, "http://p:9090/prom/api/v1/query?query=up%7Bjob%3D%22a%22%7D");
  });
});
