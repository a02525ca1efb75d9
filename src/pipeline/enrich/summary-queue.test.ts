import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { anomalyEvent, inMemorySluice } from "../../testing/in-memory-sluice.ts";
import { startScriptedLlm } from "../../testing/scripted-llm.ts";

describe("LLM summaries in the background", async () => {
  const llm = await startScriptedLlm();
  const { sluice, memory } = await inMemorySluice({
    llm: { provider: "openai", model: "gpt-test", apiKey: "sk-test-key-0123456789", baseUrl: llm.openaiBaseUrl, timeout: "2s" },
  });
  after(async () => {
    await sluice.close();
    await llm.close();
  });
  const incident = async (key: string) => (await sluice.server.inject({ url: `/api/incidents/${key}` })).json();

  it("never makes the ticket wait, then improves the summary and updates every ticket", async () => {
    llm.script({
      content: JSON.stringify({
        summary: "Card payments fail since deploy 2.3.1.",
        probableCause: "deploy 2.3.1",
        suggestedSeverity: "critical",
      }),
    });
    const response = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      payload: anomalyEvent({ severity: "high" }),
    });
    assert.equal(response.statusCode, 202);
    await sluice.worker.flush();
    assert.deepEqual(
      memory.received.map((d) => d.action),
      ["create"],
    );
    await sluice.summaries?.flush();
    await sluice.worker.flush();
    const body = await incident("INC-1");
    assert.equal(body.summarySource, "llm");
    assert.match(body.summary, /Card payments fail since deploy 2\.3\.1\.\n\nProbable cause: deploy 2\.3\.1/);
    assert.equal(body.severity, "critical", "the model may raise severity");
    assert.equal(body.timeline.at(-1).action, "summarized");
    assert.match(body.timeline.at(-1).detail, /openai\/gpt-test/);
    assert.deepEqual(
      memory.received.map((d) => d.action),
      ["create", "update"],
    );
  });

  it("keeps the template summary when the model answers garbage, and says why", async () => {
    llm.script({ content: "I am not JSON" });
    await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent({ service: "orders" }) });
    await sluice.summaries?.flush();
    const body = await incident("INC-2");
    assert.equal(body.summarySource, "template");
    assert.equal(body.timeline.at(-1).action, "summary-template");
    const metrics = (await sluice.server.inject({ url: "/metrics" })).body;
    assert.match(metrics, /sluice_summaries_total\{outcome="fallback"\} 1/);
    assert.match(metrics, /sluice_summaries_total\{outcome="llm"\} 1/);
  });

  it("answers test-llm without spending the budget, and never shows the key", async () => {
    llm.script({ content: '{"ok":true}' });
    const response = await sluice.server.inject({ method: "POST", url: "/api/ticketing/api/v1/test-llm" });
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().ok, true);
    assert.ok(!response.body.includes("sk-test-key"));
  });
});
