import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { emptyChangeSet } from "../core/ports/store.ts";
import { type HarnessOptions, RemediationHarness } from "../testing/remediation-harness.ts";
import { signal, stored } from "../testing/store-contract.ts";
import type { ActionContext, ActionOutcome, RemediationAction } from "./actions/action.ts";

const playbook = (fields: Record<string, unknown> = {}) => ({
  name: "reset-pool",
  match: { service: "cart*", pattern: "*pool exhausted*" },
  action: { kind: "http", url: "http://cart.invalid/admin/{{service}}/reset-pool", auth: { bearer: "admin" } },
  rollback: { kind: "http", url: "http://cart.invalid/admin/{{service}}/rollback" },
  verify: { query: 'cart_pool_free{service="{{service}}"} > 0', for: "20s", within: "60s" },
  mode: { production: "auto" },
  cooldown: "0s",
  ...fields,
});

const fault = { service: "cart", errorPattern: "connection pool exhausted after <num> ms" };

async function harness(options: Partial<HarnessOptions> & { healed?: () => boolean } = {}) {
  const h = await RemediationHarness.open({
    playbooks: [playbook()],
    // Prometheus sees the pool recover once the fix has been called (unless the scenario says otherwise).
    prometheus: () => (options.healed ? options.healed() : h.executions.some((e) => e.kind === "fix")),
    ...options,
  });
  return h;
}

/** Advances the clock in poll steps, flushing the engine each time. */
async function run(h: RemediationHarness, engine: ReturnType<RemediationHarness["engine"]>, ms: number, step = 5000) {
  for (let t = 0; t <= ms; t += step) {
    await engine.flush();
    h.clock.advance(step);
  }
}

const timeline = async (h: RemediationHarness, id: string) =>
  (await h.store.incidents.timeline(id)).map((e) => `${e.actor} ${e.action}: ${e.detail}`);

describe("remediator", () => {
  it("heals: runs the fix once, verifies it through Prometheus, resolves the incident and scores 1 of 1", async () => {
    const h = await harness();
    const engine = h.engine();
    const incident = await h.open(fault);
    for (let i = 0; i < 5; i++) engine.request(incident.id);
    await run(h, engine, 40_000);
    assert.deepEqual(
      h.executions.map((e) => [e.kind, e.url, e.idempotencyKey]),
      [["fix", "http://cart.invalid/admin/cart/reset-pool", `${incident.id}:reset-pool:1`]],
    );
    const [stored] = await h.store.remediations.list({ limit: 10 });
    assert.equal(stored?.state, "verified");
    assert.equal(stored?.success, true);
    assert.equal((await h.store.incidents.get(incident.id))?.state, "resolved");
    assert.deepEqual(await h.store.remediations.stats(), [
      { playbook: "reset-pool", runs: 1, verified: 1, failed: 0, rolledBack: 0, escalated: 0, succeeded: 1, successRate: 1 },
    ]);
    // The SLI report's M10 counts the runs created in its range only.
    const created = stored?.createdAt ?? 0;
    assert.equal((await h.store.remediations.stats(undefined, { from: created, to: created }))[0]?.succeeded, 1);
    assert.deepEqual(await h.store.remediations.stats(undefined, { from: created + 1, to: created + 60_000 }), []);
    const lines = await timeline(h, incident.id);
    assert.ok(
      lines.some((l) => /matched; running POST http:\/\/cart.invalid\/admin\/cart\/reset-pool/.test(l)),
      lines.join("\n"),
    );
    assert.ok(
      lines.some((l) => /verified: .*this playbook has healed 1 of 1 incident like this one/.test(l)),
      lines.join("\n"),
    );
    assert.ok(
      lines.some((l) => l.startsWith("sluice:remediate resolved: healed by playbook reset-pool")),
      lines.join("\n"),
    );
    assert.ok(!lines.join("\n").includes("s3cr3t"));
    const deliveries = await h.store.deliveries.list({ incidentId: incident.id, limit: 50 });
    assert.ok(deliveries.filter((d) => d.action === "comment").length >= 3, "every step reaches the ticket");
    await h.close();
  });

  it("rolls back a fix that does not cure, escalates with the reason, and disables the playbook after a second failure", async () => {
    const h = await harness({ healed: () => false, playbooks: [playbook({ maxRunsPerService: 5 })] });
    const engine = h.engine();
    const first = await h.open(fault);
    engine.request(first.id);
    await run(h, engine, 80_000);
    assert.deepEqual(
      h.executions.map((e) => [e.kind, e.idempotencyKey]),
      [
        ["fix", `${first.id}:reset-pool:1`],
        ["rollback", `${first.id}:reset-pool:1:rollback`],
      ],
    );
    const incident = await h.store.incidents.get(first.id);
    assert.equal(incident?.state, "escalated");
    const lines = await timeline(h, first.id);
    assert.ok(
      lines.some((l) => /sluice:remediate escalated: playbook reset-pool failed \(verification did not hold within 60s/.test(l)),
      lines.join("\n"),
    );
    assert.equal((await h.store.remediations.list({ limit: 5 }))[0]?.state, "rolled-back");

    const second = await h.open(fault);
    engine.request(second.id);
    await run(h, engine, 80_000);
    assert.deepEqual(
      (await h.store.remediations.disabled()).map((d) => [d.playbook, d.service, d.reason]),
      [["reset-pool", "cart", "verification failed 2 times"]],
    );
    const third = await h.open(fault);
    engine.request(third.id);
    await run(h, engine, 10_000);
    assert.equal(h.executions.filter((e) => e.kind === "fix").length, 2, "disabled: no third run");
    assert.ok((await timeline(h, third.id)).some((l) => /refused: this playbook is disabled for the service/.test(l)));
    assert.equal(await h.store.remediations.enable("reset-pool", "cart", "api:admin", h.clock.now()), true);
    const fourth = await h.open(fault);
    engine.request(fourth.id);
    await run(h, engine, 10_000);
    assert.equal(h.executions.filter((e) => e.kind === "fix").length, 3, "re-enabled by a person: runs again");
    await h.close();
  });

  it("suggest: nothing runs until a responder approves; a rejected run never runs", async () => {
    const h = await harness({ playbooks: [playbook({ mode: { production: "suggest" } })] });
    const engine = h.engine();
    const a = await h.open(fault);
    const b = await h.open({ ...fault, service: "cart-eu" });
    engine.request(a.id);
    engine.request(b.id);
    await run(h, engine, 30_000);
    assert.equal(h.executions.length, 0);
    const runs = await h.store.remediations.list({ state: ["awaiting-approval"], limit: 5 });
    assert.equal(runs.length, 2);
    const runA = runs.find((r) => r.incidentId === a.id);
    const runB = runs.find((r) => r.incidentId === b.id);
    assert.ok(runA && runB);
    await engine.reject(runB.id, "api:bob", "not now");
    await assert.rejects(engine.approve(runB.id, "api:alice"), /not awaiting approval/);
    await engine.approve(runA.id, "api:alice");
    await run(h, engine, 40_000);
    assert.deepEqual(
      h.executions.map((e) => e.idempotencyKey),
      [`${a.id}:reset-pool:1`],
    );
    assert.equal((await h.store.remediations.get(runA.id))?.approvedBy, "api:alice");
    assert.equal((await h.store.remediations.get(runA.id))?.state, "verified");
    assert.equal((await h.store.remediations.get(runB.id))?.state, "rejected");
    await h.close();
  });

  it("dry-run: records the would-be action and runs nothing", async () => {
    const h = await harness({ playbooks: [playbook({ mode: { "*": "dry-run" } })] });
    const engine = h.engine();
    const incident = await h.open(fault);
    engine.request(incident.id);
    await run(h, engine, 30_000);
    assert.equal(h.executions.length, 0);
    const [stored] = await h.store.remediations.list({ limit: 5 });
    assert.equal(stored?.state, "dry-run");
    assert.equal(stored?.plan, "POST http://cart.invalid/admin/cart/reset-pool");
    assert.ok(
      (await timeline(h, incident.id)).some((l) =>
        l.includes("dry run of playbook reset-pool: would run POST http://cart.invalid/admin/cart/reset-pool; nothing was done"),
      ),
    );
    await h.close();
  });

  it("a process killed while the action ran: the next one escalates the run and never runs it again", async () => {
    let kill = true;
    const h = await harness({ answer: () => (kill ? "hang" : "ok"), lease: 30_000 });
    const doomed = h.engine();
    const incident = await h.open(fault);
    doomed.request(incident.id);
    void doomed.flush();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(h.executions.length, 1);
    kill = false;
    const restarted = h.engine();
    restarted.request(incident.id);
    await run(h, restarted, 60_000);
    assert.equal(h.executions.length, 1, "not run again");
    const [stored] = await h.store.remediations.list({ limit: 5 });
    assert.equal(stored?.state, "escalated");
    assert.equal(stored?.failure, "unknown");
    assert.equal((await h.store.incidents.get(incident.id))?.state, "escalated");
    await h.close();
  });

  it("the kill switch refuses runs and escalates; a person acting meanwhile keeps a verified run from counting as healed", async () => {
    const h = await harness();
    const engine = h.engine();
    await h.store.remediations.setPaused(true, "api:admin", h.clock.now());
    const paused = await h.open(fault);
    engine.request(paused.id);
    await run(h, engine, 10_000);
    assert.equal(h.executions.length, 0);
    assert.ok(
      (await timeline(h, paused.id)).some((l) =>
        /escalated: playbook reset-pool matched but was refused: remediation is paused/.test(l),
      ),
    );
    await h.store.remediations.setPaused(false, "api:admin", h.clock.now());
    const touched = await h.open({ ...fault, service: "cart-2" });
    engine.request(touched.id);
    await engine.flush();
    await h.lifecycle.addNote(touched.id, "looking at it", { actor: "api:carol" });
    await run(h, engine, 40_000);
    const run2 = (await h.store.remediations.list({ incidentId: touched.id, limit: 5 }))[0];
    assert.equal(run2?.state, "verified");
    assert.equal(run2?.humanActed, true);
    assert.equal(run2?.success, false);
    await h.close();
  });

  it("a healed incident reopening within reopenWindow takes the success back, and a new attempt gets a new key", async () => {
    const h = await harness({ playbooks: [playbook({ reopenWindow: "10m" })] });
    const engine = h.engine();
    const incident = await h.open(fault);
    engine.request(incident.id);
    await run(h, engine, 40_000);
    assert.equal((await h.store.remediations.stats())[0]?.succeeded, 1);
    await h.lifecycle.apply(incident.id, "reopen", { actor: "sluice:correlate" });
    engine.reopened(incident.id);
    await run(h, engine, 40_000);
    const stats = (await h.store.remediations.stats())[0];
    assert.equal(stats?.runs, 2);
    assert.equal(stats?.succeeded, 1, "the first run no longer counts, the second does");
    assert.deepEqual(
      h.executions.map((e) => e.idempotencyKey),
      [`${incident.id}:reset-pool:1`, `${incident.id}:reset-pool:2`],
    );
    await h.close();
  });

  it("hands the rollback the undo data the action returned, through the store, on the target the run matched", async () => {
    const handed: { step: string; undo: unknown; labels: Readonly<Record<string, string>> }[] = [];
    const fake = (step: string, outcome: (context: ActionContext) => ActionOutcome): RemediationAction => ({
      kind: "fake",
      target: (incident) => `fake:${incident.service}`,
      describe: () => `${step} cart`,
      execute: async (context) => {
        handed.push({ step, undo: context.undo, labels: context.incident.labels });
        return outcome(context);
      },
    });
    const h = await harness({
      healed: () => false,
      adjust: (p) => ({
        ...p,
        action: fake("scale", () => ({ ok: true, summary: "scaled cart from 3 to 5", undo: { replicas: 3, revision: 7 } })),
        rollback: fake("restore", (c) => ({ ok: true, summary: `scaled cart back to ${String(c.undo?.replicas)}` })),
      }),
    });
    const engine = h.engine();
    const incident = await h.open(fault, { pod: "cart-1" });
    engine.request(incident.id);
    await engine.flush();
    // A later signal with other labels: the rollback still acts on the fields the run matched with.
    await h.store.apply({
      ...emptyChangeSet(),
      signals: [stored(signal({ service: "cart", labels: { pod: "cart-2" }, receivedAt: h.clock.now() + 1 }), incident.id)],
    });
    await run(h, h.engine(), 80_000);
    assert.deepEqual(handed, [
      { step: "scale", undo: undefined, labels: { pod: "cart-1" } },
      { step: "restore", undo: { replicas: 3, revision: 7 }, labels: { pod: "cart-1" } },
    ]);
    const [stored2] = await h.store.remediations.list({ incidentId: incident.id, limit: 5 });
    assert.equal(stored2?.state, "rolled-back");
    assert.deepEqual(stored2?.undo, { replicas: 3, revision: 7 });
    assert.ok((await timeline(h, incident.id)).some((l) => /rolled back: scaled cart back to 3/.test(l)));
    await h.close();
  });
});
