import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { newId } from "../core/ids.ts";
import type { InvestigationReport } from "../core/investigation.ts";
import { anomalyEvent, inMemorySluice } from "../testing/in-memory-sluice.ts";
import { openAiProblems } from "../testing/openai-spec.ts";
import { startScriptedLlm } from "../testing/scripted-llm.ts";

// End to end through a whole Sluice: an incident opens, the investigation runs from its domain event, the
// report is stored, put on the timeline and reaches the incident's ticket as a comment.
describe("live investigation of a running Sluice", async () => {
  const { sluice, clock, memory } = await inMemorySluice();
  after(() => sluice.close());
  const investigator = sluice.investigator;
  assert.ok(investigator, "investigation is on by default");

  it("investigates an incident when it opens and writes the report into its ticket", async () => {
    const onset = clock.now();
    await sluice.store.changes.insert([
      {
        id: newId(),
        source: "argo",
        sourceId: "deploy-42",
        tenant: "acme",
        service: "payments",
        environment: "production",
        kind: "deploy",
        summary: "rollout payments v2.4.0",
        at: onset - 10 * 60_000,
        version: "v2.4.0",
        author: "ci",
        url: "https://ci.example.com/deploys/42",
        labels: {},
        receivedAt: onset - 10 * 60_000,
      },
    ]);
    const response = await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent() });
    assert.equal(response.statusCode, 202, response.body);
    assert.equal(await sluice.store.investigations.status((await sluice.store.incidents.get("INC-1"))?.id ?? ""), null);
    // Ingest never waited: the request is only heard; the job runs once the module runs.
    const heard: unknown[] = [];
    const stop = sluice.events.subscribe("IncidentChanged", "test", (event) => heard.push(event.change));
    investigator.start();
    await investigator.flush();
    await sluice.worker.flush();
    stop();
    assert.deepEqual(heard, [{ kind: "investigated", version: 1 }], "the console hears of the report");

    const got = await sluice.server.inject({ method: "GET", url: "/api/incidents/INC-1/investigation" });
    assert.equal(got.statusCode, 200, got.body);
    const { job, report } = got.json() as { job: string; report: InvestigationReport };
    assert.equal(job, "done");
    assert.equal(report.version, 1);
    assert.equal(report.trigger, "opened");
    assert.equal(report.outcome, "hypothesis");
    assert.equal(report.hypotheses[0]?.component, "payments");
    const ids = new Set(report.evidence.map((e) => e.id));
    assert.ok(report.hypotheses[0]?.evidence.includes("changes-1"), "the deploy is cited");
    assert.ok(
      report.hypotheses[0]?.evidence.every((id) => ids.has(id)),
      "only existing evidence is cited",
    );
    assert.deepEqual(
      report.actions.filter((a) => a.kind === "rollback").map((a) => a.link),
      ["https://ci.example.com/deploys/42"],
    );
    assert.match(report.rootCause ?? "", /^payments — /);
    assert.deepEqual(
      report.steps.map((s) => [s.collector, s.status]),
      [
        ["changes", "ok"],
        ["history", "ok"],
        ["traces", "ok"],
        ["logs", "ok"],
        ["runbook", "ok"],
      ],
    );

    const comment = memory.received.find((d) => d.action === "comment");
    assert.ok(comment, `a comment reached the ticket: ${memory.received.map((d) => d.action).join(",")}`);
    const text = (comment as { detail?: string; text?: string }).detail ?? "";
    assert.match(text, /^Sluice investigation of INC-1 \(version 1, opened\)\nHypothesis: payments is the likely root cause/);
    for (const part of ["Evidence:", "[changes-1]", "Steps executed:", "Recommended actions:", "Root cause: payments"]) {
      assert.ok(text.includes(part), `the comment has ${part}`);
    }
    assert.ok(text.indexOf("Hypothesis:") < text.indexOf("Evidence:"), "it leads with the hypothesis");
    const timeline = await sluice.store.incidents.timeline((await sluice.store.incidents.get("INC-1"))?.id ?? "");
    assert.ok(timeline.some((e) => e.action === "investigation" && e.actor === "sluice:investigate"));
    const metrics = await sluice.metrics.registry.metrics();
    assert.match(metrics, /sluice_investigations_total\{outcome="hypothesis"\} 1/);
    assert.match(metrics, /sluice_investigation_first_signal_to_report_seconds_count 1/);
  });

  it("investigates again on demand, adding a version, and serves each version", async () => {
    const posted = await sluice.server.inject({ method: "POST", url: "/api/incidents/INC-1/investigate" });
    assert.equal(posted.statusCode, 202, posted.body);
    await investigator.flush();
    const latest = (await sluice.server.inject({ method: "GET", url: "/api/incidents/INC-1/investigation" })).json();
    assert.equal(latest.report.version, 2);
    assert.equal(latest.report.trigger, "requested");
    const first = (await sluice.server.inject({ method: "GET", url: "/api/incidents/INC-1/investigation?version=1" })).json();
    assert.equal(first.report.version, 1);
    const missing = await sluice.server.inject({ method: "GET", url: "/api/incidents/INC-1/investigation?version=9" });
    assert.equal(missing.statusCode, 404);
    assert.equal((await sluice.server.inject({ method: "POST", url: "/api/incidents/INC-404/investigate" })).statusCode, 404);
  });

  it("investigates again when severity rises to a switched-on severity, not to one switched off", async () => {
    await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent({ severity: "critical" }) });
    await investigator.flush();
    const latest = (await sluice.server.inject({ method: "GET", url: "/api/incidents/INC-1/investigation" })).json();
    assert.equal(latest.report.version, 3);
    assert.equal(latest.report.trigger, "severity-raised");

    // Another incident raised from low to medium: medium is off by default, so only its opening is investigated.
    const other = { service: "search", error_message: "index shard unavailable" };
    await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent({ ...other, severity: "low" }) });
    await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      payload: anomalyEvent({ ...other, severity: "medium" }),
    });
    await investigator.flush();
    const search = (await sluice.server.inject({ method: "GET", url: "/api/incidents/INC-2/investigation" })).json();
    assert.equal((await sluice.store.incidents.get("INC-2"))?.severity, "medium");
    assert.equal(search.report.version, 1);
    assert.equal(search.report.trigger, "opened");
  });
});

describe("investigation switched off", async () => {
  const { sluice } = await inMemorySluice({ investigation: { enabled: false } });
  after(() => sluice.close());

  it("queues nothing, refuses on-demand requests with 409 and still answers for stored reports", async () => {
    assert.equal(sluice.investigator, null);
    await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent() });
    const posted = await sluice.server.inject({ method: "POST", url: "/api/incidents/INC-1/investigate" });
    assert.equal(posted.statusCode, 409);
    assert.match(posted.body, /investigation is disabled/);
    const got = await sluice.server.inject({ method: "GET", url: "/api/incidents/INC-1/investigation" });
    assert.equal(got.statusCode, 404);
    assert.match(got.body, /no investigation report for INC-1 yet \(job: none\)/);
  });
});

describe("investigation with an LLM (scripted OpenAI-compatible server)", async () => {
  const KEY = "sk-wiring-test-KEY-0123456789";
  const answer = JSON.stringify({
    summary: "payments fails after its deploy",
    narrative: "payments started failing right after its deploy.",
    hypotheses: [{ component: "payments", statement: "the deploy broke it", evidence: ["changes-1"] }],
  });
  const llm = await startScriptedLlm({ content: answer });
  const { sluice, clock, memory } = await inMemorySluice({
    llm: { provider: "openai", model: "gpt-4o-mini", apiKey: KEY, baseUrl: llm.openaiBaseUrl },
  });
  after(async () => {
    await sluice.close();
    await llm.close();
  });

  it("adds the model's narrative to the report and the ticket, with requests within OpenAI's description", async () => {
    await sluice.store.changes.insert([
      {
        id: newId(),
        source: "argo",
        sourceId: "deploy-43",
        tenant: "acme",
        service: "payments",
        environment: "production",
        kind: "deploy",
        summary: "rollout payments v2.4.1",
        at: clock.now() - 5 * 60_000,
        version: "v2.4.1",
        author: "ci",
        url: null,
        labels: {},
        receivedAt: clock.now() - 5 * 60_000,
      },
    ]);
    await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent() });
    sluice.investigator?.start();
    await sluice.investigator?.flush();
    await sluice.worker.flush();
    const { report } = (await sluice.server.inject({ method: "GET", url: "/api/incidents/INC-1/investigation" })).json() as {
      report: InvestigationReport;
    };
    assert.equal(report.narrative?.text, "payments started failing right after its deploy.");
    assert.deepEqual(report.narrative?.hypotheses, [
      { component: "payments", statement: "the deploy broke it", evidence: ["changes-1"] },
    ]);
    assert.ok(report.steps.some((s) => s.collector === "llm" && s.status === "ok"));
    const narrator = llm.requests.filter((r) => (r.json as { tools?: unknown }).tools !== undefined);
    assert.equal(narrator.length, 1, "one call: the answer came at once");
    for (const request of narrator) {
      assert.deepEqual(openAiProblems("CreateChatCompletionRequest", request.json), []);
      assert.ok(!request.body.includes(KEY));
    }
    const comments = memory.received
      .filter((d) => d.action === "comment")
      .map((d) => (d as { detail?: string }).detail ?? "")
      .filter((text) => text.startsWith("Sluice investigation"));
    assert.match(comments[0] ?? "", /Narrative \(gpt-4o-mini, every hypothesis checked against the evidence\): payments started/);
  });
});
