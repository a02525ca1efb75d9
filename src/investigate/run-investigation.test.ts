import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_ANALYSIS_SETTINGS } from "./analysis/settings.ts";
import { type Collected, type Collector, emptyCollected } from "./collectors/collector.ts";
import { KubernetesCollector } from "./collectors/kubernetes/kubernetes-collector.ts";
import type { WorkloadReader } from "./collectors/kubernetes/workload-reader.ts";
import { ONSET, testIncident } from "./collectors/test-query.ts";
import { type InvestigationDeps, runInvestigation } from "./run-investigation.ts";

function collector(source: Collector["source"], collect: () => Promise<Collected>): Collector {
  return { source, describe: () => `${source} query`, collect };
}

const deploy = collector("changes", async () => ({
  ...emptyCollected(),
  items: [
    { id: "changes-1", source: "changes", query: "q", summary: "deploy of bank v7 5 min before onset", link: "https://ci/7" },
  ],
  extra: [{ kind: "change", id: "changes-1", node: "bank", at: ONSET - 300_000, summary: "deploy" }],
  actions: [{ kind: "rollback", text: "Roll back bank v7", link: "https://ci/7", evidence: ["changes-1"] }],
}));
const newErrors = collector("logs", async () => ({
  ...emptyCollected(),
  items: [{ id: "logs-1", source: "logs", query: "q", summary: "NEW NullPointerException in bank", link: null }],
  extra: [{ kind: "error-pattern", id: "logs-1", node: "bank", afterChange: true, summary: "npe" }],
}));

function deps(collectors: Collector[], budget: Partial<InvestigationDeps["budget"]> = {}): InvestigationDeps {
  return {
    collectors,
    graph: async () => ({ edges: [{ caller: "payments", callee: "bank", requests: 10, errors: 5 }], traces: {}, reached: {} }),
    catalog: { dependenciesOf: () => [], dependentsOf: () => [] },
    runbook: (service) => (service === "bank" ? "https://runbooks/bank" : null),
    settings: DEFAULT_ANALYSIS_SETTINGS,
    budget: { maxSteps: 10, timeout: 5000, collectorTimeout: 1000, ...budget },
    window: 3_600_000,
    baseline: 3_600_000,
    now: () => Date.now(),
  };
}

describe("one investigation", () => {
  it("asserts the component the evidence points at, cites it, and recommends its runbook and the suspect rollback", async () => {
    const report = await runInvestigation(testIncident(), "opened", deps([deploy, newErrors]));
    assert.equal(report.outcome, "hypothesis");
    assert.equal(report.hypotheses[0]?.component, "bank");
    assert.deepEqual(report.hypotheses[0]?.evidence, ["changes-1", "logs-1"]);
    assert.deepEqual(
      report.actions.map((a) => [a.kind, a.link]),
      [
        ["runbook", "https://runbooks/bank"],
        ["rollback", "https://ci/7"],
      ],
    );
    assert.match(report.rootCause ?? "", /^bank — bank is the likely root cause \(confidence \d+%\): deploy of bank v7/);
  });

  it("records a failing collector as a failed step and goes on", async () => {
    const broken = collector("traces", async () => {
      throw new Error("trace store unavailable");
    });
    const report = await runInvestigation(testIncident(), "opened", deps([broken, deploy, newErrors]));
    assert.deepEqual(
      report.steps.map((s) => [s.collector, s.status, s.note]),
      [
        ["traces", "failed", "trace store unavailable"],
        ["changes", "ok", null],
        ["logs", "ok", null],
      ],
    );
    assert.equal(report.outcome, "hypothesis");
  });

  it("cuts off a slow collector, skips what the step budget does not cover, and says it ran out of budget", async () => {
    const slow = collector("metrics", () => new Promise<Collected>(() => {}));
    const started = Date.now();
    const report = await runInvestigation(
      testIncident(),
      "opened",
      deps([slow, deploy, newErrors], { maxSteps: 2, collectorTimeout: 50 }),
    );
    assert.ok(Date.now() - started < 2000);
    assert.deepEqual(
      report.steps.map((s) => [s.collector, s.status]),
      [
        ["metrics", "timed-out"],
        ["changes", "ok"],
        ["logs", "skipped"],
      ],
    );
    // The deploy alone is not decisive: the report abstains, and says the budget ran out.
    assert.equal(report.outcome, "out-of-budget");
    assert.equal(report.rootCause, null);
    assert.deepEqual(
      report.actions.map((a) => a.kind),
      ["rollback"],
      "without a hypothesis every rollback found is offered",
    );
  });

  it("states the cause Kubernetes evidence shows, and a failing Kubernetes API is only failed steps", async () => {
    const oom = collector("kubernetes", async () => ({
      ...emptyCollected(),
      items: [
        {
          id: "kubernetes-2",
          source: "kubernetes",
          query: "GET /api/v1/namespaces/shop/pods",
          summary: "pod shop/bank-1 OOMKilled",
          link: null,
        },
      ],
      extra: [
        { kind: "workload", id: "kubernetes-2", node: "bank", condition: "oom-killed", at: ONSET + 60_000, summary: "oom" },
      ],
    }));
    const report = await runInvestigation(testIncident(), "opened", deps([deploy, oom]));
    assert.equal(report.outcome, "hypothesis");
    assert.deepEqual(report.hypotheses[0]?.evidence, ["changes-1", "kubernetes-2"]);
    assert.match(
      report.hypotheses[0]?.statement ?? "",
      /^bank is the likely root cause \(confidence \d+%\), memory exhausted \(containers OOMKilled\): deploy of bank v7/,
    );
    const failing: WorkloadReader = {
      readDeployment: () => Promise.reject(new Error("unused")),
      listDeployments: () =>
        Promise.reject(Object.assign(new Error("x"), { code: 503, body: '{"reason":"ServiceUnavailable"}' })),
      listReplicaSets: () => Promise.reject(new Error("connect ECONNREFUSED 10.0.0.1:443")),
      listPods: () => new Promise(() => {}),
      listWarningEvents: () => Promise.reject(new Error("socket hang up")),
    };
    const kubernetes = new KubernetesCollector({
      connect: () => ({ reader: failing, secrets: [] }),
      workload: () => null,
      namespace: "default",
      maxServices: 1,
      timeout: 100,
      linkTemplate: null,
      redact: (t) => t,
    });
    const degraded = await runInvestigation(testIncident(), "opened", deps([kubernetes, deploy, newErrors]));
    assert.equal(degraded.outcome, "hypothesis");
    assert.deepEqual(
      degraded.steps
        .filter((s) => s.collector === "kubernetes")
        .map((s) => s.status)
        .sort(),
      ["failed", "failed", "failed", "ok", "timed-out"],
    );
  });

  it("abstains with no evidence", async () => {
    const report = await runInvestigation(
      testIncident(),
      "requested",
      deps([collector("history", async () => emptyCollected())]),
    );
    assert.equal(report.outcome, "abstained");
    assert.equal(report.reason, "no-evidence");
    assert.deepEqual(report.hypotheses, []);
  });

  it("adds the LLM's narrative, tool evidence and steps beside the analysis, and changes nothing of the analysis", async () => {
    const plain = await runInvestigation(testIncident(), "opened", deps([deploy, newErrors]));
    const seen: string[] = [];
    const narrated = await runInvestigation(testIncident(), "opened", {
      ...deps([deploy, newErrors]),
      narrator: {
        narrate: async (_incident, report) => {
          seen.push(...report.hypotheses.map((h) => h.component));
          return {
            narrative: {
              model: "m",
              text: "payments did it",
              hypotheses: [{ component: "payments", statement: "s", evidence: ["logs-1"] }],
            },
            evidence: [{ id: "llm-1", source: "metrics", query: "up", summary: "up stayed within its baseline", link: null }],
            steps: [{ collector: "llm", query: "chat completion 1 (m)", status: "ok", items: 0, ms: 1, note: null }],
          };
        },
      },
    });
    assert.deepEqual(seen, ["bank"], "the model reads the finished analysis");
    assert.deepEqual(narrated.hypotheses, plain.hypotheses, "its own hypothesis does not reorder the analysis's");
    assert.equal(narrated.outcome, plain.outcome);
    assert.equal(narrated.rootCause, plain.rootCause);
    assert.deepEqual(narrated.actions, plain.actions, "and triggers no action");
    assert.equal(narrated.narrative?.text, "payments did it");
    assert.deepEqual(
      narrated.evidence.map((e) => e.id),
      [...plain.evidence.map((e) => e.id), "llm-1"],
    );
    assert.equal(narrated.steps.at(-1)?.collector, "llm");
  });
});
