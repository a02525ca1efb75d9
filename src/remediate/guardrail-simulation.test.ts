/**
 * The guardrail simulation: generated scenarios on a manual clock — alert storms, 100 duplicate triggers, two
 * engines racing on one store, a process killed between execute and verify (the engine dropped mid-call and a
 * new one built), metrics missing or flapping during verification, fixes that fail, suggest with approvals
 * and rejections, dry runs, the kill switch — each checked against the invariants: no key executed twice,
 * nothing run in dry-run or in suggest without approval, no run beyond a limit, no "verified" while the
 * verification did not hold, every failure rolled back or escalated, nothing left half-way.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RemediationRun } from "../core/remediation.ts";
import { seededRandom } from "../core/seeded-random.ts";
import { RemediationHarness } from "../testing/remediation-harness.ts";
import type { Remediator } from "./remediator.ts";

const KINDS = [
  "storm",
  "duplicates",
  "replicas",
  "crash",
  "metrics-missing",
  "failing-fix",
  "suggest",
  "dry-run",
  "pause",
  "flapping-metrics",
] as const;
type Kind = (typeof KINDS)[number];
const SCENARIOS = 220;
const STEP = 5000;
const FOR = 20_000;

interface Scenario {
  index: number;
  kind: Kind;
  limits: { cooldown: number; maxRuns: number; maxRunsPerService: number; maxTargets: number; window: number };
  services: string[];
  /** Step at which each incident opens, and its service. */
  incidents: { step: number; service: string }[];
  engines: number;
  duplicates: number;
  rollback: boolean;
}

function generate(index: number): Scenario {
  const r = seededRandom(index * 7919 + 1);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;
  const kind = KINDS[index % KINDS.length] as Kind;
  const services = Array.from({ length: 1 + Math.floor(r() * 5) }, (_, i) => `svc-${i}`);
  const count = kind === "storm" ? 15 + Math.floor(r() * 30) : 1 + Math.floor(r() * 8);
  const incidents = Array.from({ length: count }, () => ({
    step: kind === "storm" ? Math.floor(r() * 3) : Math.floor(r() * 20),
    service: pick(services),
  }));
  return {
    index,
    kind,
    limits: {
      cooldown: pick([0, 30_000, 120_000]),
      maxRuns: 1 + Math.floor(r() * 6),
      maxRunsPerService: 1 + Math.floor(r() * 3),
      maxTargets: 1 + Math.floor(r() * 4),
      window: pick([300_000, 3_600_000]),
    },
    services,
    incidents,
    engines: kind === "replicas" || kind === "duplicates" || r() < 0.3 ? 2 : 1,
    duplicates: kind === "duplicates" ? 100 : 1 + Math.floor(r() * 3),
    rollback: r() < 0.6,
  };
}

const serviceOf = (text: string) => /svc-\d+/.exec(text)?.[0] ?? "";

interface Totals {
  scenarios: number;
  executions: number;
  verified: number;
  rolledBack: number;
  escalated: number;
  refused: number;
  dryRuns: number;
  rejected: number;
}

async function simulate(s: Scenario, totals: Totals): Promise<void> {
  const r = seededRandom(s.index * 104_729 + 3);
  const mode = s.kind === "suggest" ? "suggest" : s.kind === "dry-run" ? "dry-run" : "auto";
  let hangNext = s.kind === "crash";
  const flapping = new Map<string, boolean>();
  const h = await RemediationHarness.open({
    playbooks: [
      {
        name: "fix",
        match: { service: "svc-*" },
        action: { kind: "http", url: "http://target.invalid/{{service}}/fix" },
        ...(s.rollback ? { rollback: { kind: "http", url: "http://target.invalid/{{service}}/rollback" } } : {}),
        verify: { query: 'healthy{service="{{service}}"}', for: `${FOR / 1000}s`, within: "60s" },
        mode: { "*": mode },
        reopenWindow: "10m",
        cooldown: s.limits.cooldown,
        maxRuns: s.limits.maxRuns,
        maxRunsPerService: s.limits.maxRunsPerService,
        maxTargets: s.limits.maxTargets,
        window: s.limits.window,
      },
    ],
    pollInterval: STEP,
    lease: 30_000,
    answer: () => {
      if (hangNext) {
        hangNext = false;
        return "hang";
      }
      return s.kind === "failing-fix" && r() < 0.5 ? "fail" : "ok";
    },
    prometheus: (query, at) => {
      const service = serviceOf(query);
      const fixed = h.executions.some((e) => e.kind === "fix" && e.url.includes(`/${service}/`));
      if (s.kind === "metrics-missing" && service.endsWith("0")) return undefined;
      if (s.kind === "failing-fix") return false;
      if (s.kind === "flapping-metrics") {
        const key = `${service}@${at}`;
        if (!flapping.has(key)) flapping.set(key, r() < 0.75);
        return fixed && flapping.get(key);
      }
      return fixed;
    },
  });
  let engines: Remediator[] = Array.from({ length: s.engines }, () => h.engine());
  const ids: string[] = [];
  let pausedAt: number | null = null;
  const approved = new Set<string>();
  const flushAll = () => Promise.all(engines.map((e) => e.flush()));
  try {
    for (let step = 0; step < 50; step++) {
      for (const planned of s.incidents.filter((i) => i.step === step)) {
        const incident = await h.open({ service: planned.service, environment: "production" });
        ids.push(incident.id);
        for (let d = 0; d < s.duplicates; d++) (engines[d % engines.length] as Remediator).request(incident.id);
      }
      // Triggers keep coming while incidents are open (signals joining): each must find its run, not make another.
      if (step < 25 && r() < 0.5) for (const id of ids) (engines[Math.floor(r() * engines.length)] as Remediator).request(id);
      if (s.kind === "crash" && step === Math.min(...s.incidents.map((i) => i.step))) {
        const doomed = engines[0] as Remediator;
        void doomed.flush();
        for (let spin = 0; spin < 200 && h.executions.length === 0; spin++) await new Promise((resolve) => setImmediate(resolve));
        // SIGKILL: the engine is dropped mid-call; a new process starts on the same database.
        engines = [h.engine(), ...engines.slice(1)];
        for (const id of ids) (engines[0] as Remediator).request(id);
      } else {
        await flushAll();
      }
      if (s.kind === "suggest" && step > 3) {
        for (const run of await h.store.remediations.list({ state: ["awaiting-approval"], limit: 100 })) {
          const roll = r();
          if (roll < 0.4) {
            // Two responders click at once: one approval wins, the other is told it is too late.
            const results = await Promise.allSettled(engines.map((e, i) => e.approve(run.id, `api:responder-${i}`)));
            assert.equal(results.filter((x) => x.status === "fulfilled").length, 1, `scenario ${s.index}: one approval wins`);
            approved.add(run.id);
          } else if (roll < 0.6) {
            await (engines[0] as Remediator).reject(run.id, "api:responder", "no");
          }
        }
      }
      if (s.kind === "pause" && step === 6) {
        pausedAt = h.clock.now();
        await h.store.remediations.setPaused(true, "api:admin", pausedAt);
      }
      h.clock.advance(STEP);
    }
    await check(s, h, { pausedAt, approved }, totals);
  } finally {
    await Promise.all(engines.map((e) => e.shutdown()));
    await h.close();
  }
}

async function check(
  s: Scenario,
  h: RemediationHarness,
  seen: { pausedAt: number | null; approved: Set<string> },
  totals: Totals,
): Promise<void> {
  const where = `scenario ${s.index} (${s.kind})`;
  const runs = await h.store.remediations.list({ limit: 1000 });
  const byKey = new Map<string, RemediationRun>(runs.map((run) => [run.idempotencyKey, run]));
  const fixes = h.executions.filter((e) => e.kind === "fix").sort((a, b) => a.at - b.at);
  const rollbacks = h.executions.filter((e) => e.kind === "rollback");

  // 0 double executions: one call per key, one run per incident and attempt.
  const keys = fixes.map((e) => e.idempotencyKey);
  assert.equal(new Set(keys).size, keys.length, `${where}: a key executed twice`);
  const rollbackKeys = rollbacks.map((e) => e.idempotencyKey);
  assert.equal(new Set(rollbackKeys).size, rollbackKeys.length, `${where}: a rollback executed twice`);
  assert.equal(new Set(runs.map((run) => run.incidentId)).size, runs.length, `${where}: an incident got two runs`);

  // 0 actions in dry-run, 0 in suggest without approval.
  for (const fix of fixes) {
    const run = byKey.get(fix.idempotencyKey);
    assert.ok(run, `${where}: an execution without a run`);
    assert.notEqual(run.mode, "dry-run", `${where}: dry-run executed`);
    if (run.mode === "suggest") {
      assert.ok(run.approvedBy && seen.approved.has(run.id), `${where}: suggest executed without approval`);
    }
    if (seen.pausedAt !== null) assert.ok(fix.at <= seen.pausedAt, `${where}: executed after the kill switch`);
  }
  if (s.kind === "dry-run") assert.equal(h.executions.length, 0, `${where}: dry-run executed`);

  // 0 runs beyond a limit.
  const { cooldown, maxRuns, maxRunsPerService, maxTargets, window } = s.limits;
  fixes.forEach((fix, i) => {
    const inWindow = fixes.slice(0, i + 1).filter((other) => other.at > fix.at - window);
    const service = serviceOf(fix.url);
    assert.ok(inWindow.length <= maxRuns, `${where}: ${inWindow.length} runs in a window, limit ${maxRuns}`);
    const ofService = inWindow.filter((other) => serviceOf(other.url) === service);
    assert.ok(
      ofService.length <= maxRunsPerService,
      `${where}: ${ofService.length} runs of ${service}, limit ${maxRunsPerService}`,
    );
    const targets = new Set(inWindow.map((other) => serviceOf(other.url)));
    assert.ok(targets.size <= maxTargets, `${where}: ${targets.size} targets, blast radius ${maxTargets}`);
    const previous = fixes
      .slice(0, i)
      .filter((other) => serviceOf(other.url) === service)
      .at(-1);
    if (previous) assert.ok(previous.at <= fix.at - cooldown, `${where}: ${service} ran within its cooldown`);
  });
  // One run per target at a time.
  const executed = runs.filter((run) => run.executedAt !== null).sort((a, b) => (a.executedAt ?? 0) - (b.executedAt ?? 0));
  for (const [i, run] of executed.entries()) {
    for (const later of executed.slice(i + 1)) {
      if (later.target !== run.target) continue;
      assert.ok(
        run.finishedAt !== null && (later.executedAt ?? 0) >= run.finishedAt,
        `${where}: two runs on ${run.target} at once`,
      );
    }
  }

  for (const run of runs) {
    // 0 "verified" while the verification did not hold: every check from the hold's start to the verdict held.
    if (run.state === "verified") {
      assert.ok(run.holdingSince !== null && run.finishedAt !== null, `${where}: verified without a hold`);
      assert.ok(
        run.finishedAt - run.holdingSince >= FOR,
        `${where}: verified after holding ${run.finishedAt - run.holdingSince} ms`,
      );
      const checks = h.checks.filter(
        (c) => serviceOf(c.query) === run.service && c.at >= (run.holdingSince ?? 0) && c.at <= (run.finishedAt ?? 0),
      );
      assert.ok(checks.length >= 2, `${where}: verified on ${checks.length} checks`);
      assert.ok(
        checks.every((c) => c.holds),
        `${where}: verified although a check in its hold did not hold`,
      );
      for (let t = run.holdingSince; t < run.finishedAt; t += STEP) {
        assert.ok(
          checks.some((c) => c.at >= t && c.at <= t + STEP),
          `${where}: a gap in the checks was counted as holding`,
        );
      }
    }
    // Every failure rolled back or escalated, and refusals escalate; nothing left half-way.
    if (run.failure !== null)
      assert.ok(["rolled-back", "escalated"].includes(run.state), `${where}: a failed run ended ${run.state}`);
    if (run.state === "rolled-back") assert.ok(s.rollback, `${where}: rolled back without a rollback`);
    if (run.failure !== null || run.state === "refused") {
      const timeline = await h.store.incidents.timeline(run.incidentId);
      const told = timeline.some(
        (entry) =>
          entry.actor === "sluice:remediate" &&
          entry.at >= (run.finishedAt ?? 0) &&
          (entry.action === "escalated" || entry.action === "remediation"),
      );
      assert.ok(told, `${where}: ${run.state} run not escalated`);
      const incident = await h.store.incidents.get(run.incidentId);
      assert.ok(incident && ["escalated", "resolved"].includes(incident.state), `${where}: incident left ${incident?.state}`);
    }
    assert.ok(
      ["verified", "rolled-back", "escalated", "rejected", "refused", "dry-run", "awaiting-approval"].includes(run.state),
      `${where}: run left ${run.state}`,
    );
    if (run.state === "awaiting-approval") assert.equal(run.mode, "suggest");
  }
  if (s.kind === "crash")
    assert.ok(
      runs.some((run) => run.failure === "unknown"),
      `${where}: the killed run was not escalated`,
    );

  totals.scenarios++;
  totals.executions += fixes.length;
  for (const run of runs) {
    if (run.state === "verified") totals.verified++;
    if (run.state === "rolled-back") totals.rolledBack++;
    if (run.state === "escalated") totals.escalated++;
    if (run.state === "refused") totals.refused++;
    if (run.state === "dry-run") totals.dryRuns++;
    if (run.state === "rejected") totals.rejected++;
  }
}

describe("guardrail simulation", () => {
  it(`holds every invariant over ${SCENARIOS} generated scenarios`, async (t) => {
    const totals: Totals = {
      scenarios: 0,
      executions: 0,
      verified: 0,
      rolledBack: 0,
      escalated: 0,
      refused: 0,
      dryRuns: 0,
      rejected: 0,
    };
    for (let index = 0; index < SCENARIOS; index++) await simulate(generate(index), totals);
    t.diagnostic(`guardrail simulation: ${JSON.stringify(totals)}`);
    assert.equal(totals.scenarios, SCENARIOS);
    // The scenarios exercise every outcome, so the invariants were not checked against nothing.
    for (const [name, value] of Object.entries(totals)) assert.ok(value > 0, `no scenario produced any ${name}`);
  });
});
