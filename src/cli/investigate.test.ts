import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { after, describe, it } from "node:test";
import { anomalyEvent, inMemorySluice } from "../testing/in-memory-sluice.ts";
import { investigateCommand } from "./investigate.ts";

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { stream, text: () => text };
}

describe("sluice investigate INC-n", async () => {
  const { sluice } = await inMemorySluice();
  after(() => sluice.close());
  sluice.investigator?.start();
  // The command's HTTP goes to the in-process server.
  const fetchVia: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const response = await sluice.server.inject({
      method: (init?.method ?? "GET") as "GET" | "POST",
      url: `${url.pathname}${url.search}`,
      headers: init?.headers as Record<string, string>,
    });
    return new Response(response.body, { status: response.statusCode, headers: { "content-type": "application/json" } });
  };

  it("asks for an investigation and prints the new report, hypothesis first", async () => {
    await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent() });
    await sluice.investigator?.flush();
    const out = sink();
    const code = await investigateCommand(
      "INC-1",
      { url: "http://sluice.test", wait: 5000 },
      { stdout: out.stream, fetch: fetchVia, env: {}, sleep: () => sluice.investigator?.flush() ?? Promise.resolve() },
    );
    assert.equal(code, 0);
    assert.match(out.text(), /^Sluice investigation of INC-1 \(version 2, requested\)\n(Hypothesis|No hypothesis)/);
  });

  it("names the problem when the incident does not exist or Sluice cannot be reached", async () => {
    const err = sink();
    assert.equal(
      await investigateCommand(
        "INC-99",
        { url: "http://sluice.test", wait: 100 },
        { stderr: err.stream, fetch: fetchVia, env: {} },
      ),
      1,
    );
    assert.match(err.text(), /HTTP 404: no incident INC-99/);
    const down = sink();
    const refused: typeof fetch = async () => {
      throw new Error("connect ECONNREFUSED 127.0.0.1:1");
    };
    assert.equal(
      await investigateCommand(
        "INC-1",
        { url: "http://127.0.0.1:1", wait: 100 },
        { stderr: down.stream, fetch: refused, env: {} },
      ),
      1,
    );
    assert.match(down.text(), /http:\/\/127.0.0.1:1 could not be reached: connect ECONNREFUSED/);
  });
});
