// Every positive example of the redaction corpus, sent as a signal: no secret reaches a connector (a
// real webhook receiver), the LLM (a local scripted model server), a log line or an API response.
// Runs in process; starts two local HTTP servers on 127.0.0.1.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { after, describe, it } from "node:test";
import pino from "pino";
import { parseConfig } from "../src/config/loader.ts";
import { createSluice } from "../src/main.ts";
import { positives } from "../src/redact/corpus.ts";
import { startScriptedLlm } from "../src/testing/scripted-llm.ts";

describe("redaction end to end", async () => {
  const posted: string[] = [];
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      posted.push(Buffer.concat(chunks).toString("utf8"));
      response.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const llm = await startScriptedLlm({ content: '{"summary":"An upstream credential problem."}' });
  const logLines: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const { config } = parseConfig(
    {
      webhook: {
        enabled: true,
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
        secret: "webhook-secret-0123456789",
      },
      llm: {
        provider: "openai",
        model: "gpt-test",
        apiKey: "sk-not-a-real-key-000",
        baseUrl: llm.openaiBaseUrl,
        timeout: "2s",
        maxCallsPerHour: 500,
      },
      routing: { critical: ["webhook"], high: ["webhook"], medium: ["webhook"], low: ["webhook"] },
    },
    {},
    process.cwd(),
    "test",
  );
  const sluice = await createSluice(config, {
    dataDir: ":memory:",
    processMetrics: false,
    logger: pino({ level: "debug" }, logStream),
  });
  after(async () => {
    await sluice.close();
    await llm.close();
    receiver.close();
  });

  it(`keeps all ${positives.length} corpus secrets out of tickets, prompts, logs and the API`, async () => {
    const events = positives.map((example, i) => ({
      event_id: `redact-${i}`,
      anomaly_score: 0.95,
      severity: "high",
      service: `svc-${i}`,
      error_message: example.text,
      description: `details: ${example.text}`,
      labels: { note: example.text },
    }));
    const response = await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: events });
    assert.equal(response.statusCode, 202);
    await sluice.worker.flush();
    await sluice.summaries?.flush();
    await sluice.worker.flush();
    const api: string[] = [];
    for (let n = 1; n <= positives.length; n++) api.push((await sluice.server.inject({ url: `/api/incidents/INC-${n}` })).body);
    assert.equal(posted.length >= positives.length, true, "every incident reached the webhook");
    assert.equal(llm.requests.length >= positives.length, true, "every incident was summarised");
    const places: [string, string][] = [
      ["webhook payloads", posted.join("\n")],
      ["LLM prompts", llm.requests.map((r) => r.body).join("\n")],
      ["log lines", logLines.join("\n")],
      ["API responses", api.join("\n")],
    ];
    for (const example of positives) {
      for (const [where, text] of places) {
        assert.ok(!text.includes(example.secret), `${example.kind} secret "${example.secret.slice(0, 12)}…" reached ${where}`);
      }
    }
    assert.match(api.join("\n"), /\[REDACTED:/, "the masks show what was there");
  });
});
