import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newId } from "../core/ids.ts";
import type { Store } from "../core/ports/store.ts";
import type { Guardrails, NewRun } from "../core/remediation.ts";
import { type StoreContractTarget, withStore } from "./store-contract.ts";

const T0 = Date.parse("2026-11-02T10:00:00Z");
const MINUTE = 60_000;
const LOOSE: Guardrails = {
  paused: false,
  cooldownMs: 0,
  windowMs: 60 * MINUTE,
  maxRuns: 100,
  maxRunsPerService: 100,
  maxTargets: 100,
};

let sequence = 0;
function newRun(fields: Partial<NewRun> = {}): NewRun {
  sequence++;
  return {
    id: newId(),
    incidentId: `inc-${sequence}`,
    playbook: "reset-pool",
    service: "cart",
    environment: "production",
    target: "http:POST http://cart/admin/reset",
    attempt: 1,
    idempotencyKey: `inc-${sequence}:reset-pool:1`,
    mode: "auto",
    plan: "POST http://cart/admin/reset",
    subject: {
      id: `inc-${sequence}`,
      key: `INC-${sequence}`,
      service: "cart",
      environment: "production",
      severity: "high",
      labels: {},
    },
    ...fields,
  };
}

/** Begins and executes a run; returns whether it executed. */
async function execute(store: Store, run: NewRun, g: Guardrails, now: number): Promise<boolean> {
  const begun = await store.remediations.begin(run, g, now);
  if (begun.run.state !== "matched") return false;
  return (await store.remediations.startExecuting(begun.run.id, g, now, MINUTE)).ok;
}

/** The remediation repository: runs, guardrails held by the database, the kill switch (src/remediate). */
export function describeRemediationContract(target: StoreContractTarget): void {
  describe(`remediation repository: ${target.name}`, () => {
    it("keeps one run per idempotency key and one unfinished run per target", () =>
      withStore(target, async (store) => {
        const run = newRun();
        const first = await store.remediations.begin(run, LOOSE, T0);
        assert.equal(first.created, true);
        assert.equal(first.run.state, "matched");
        const again = await store.remediations.begin({ ...run, id: newId() }, LOOSE, T0 + 1);
        assert.deepEqual([again.created, again.run.id], [false, run.id]);
        const other = await store.remediations.begin(newRun(), LOOSE, T0 + 2);
        assert.deepEqual([other.run.state, other.refusal], ["refused", "target-busy"]);
        assert.equal(await store.remediations.move(run.id, "matched", "rejected", T0 + 3, { detail: "no" }), true);
        assert.equal(await store.remediations.move(run.id, "matched", "rejected", T0 + 3), false, "a compare-and-set");
        const free = await store.remediations.begin(newRun(), LOOSE, T0 + 4);
        assert.equal(free.run.state, "matched", "the target is free once the run ended");
      }));

    it("refuses by cooldown, limits, blast radius, a disabled playbook and the kill switch", () =>
      withStore(target, async (store) => {
        const g: Guardrails = { ...LOOSE, cooldownMs: 10 * MINUTE, maxRuns: 3, maxRunsPerService: 2, maxTargets: 2 };
        const finish = async (id: string, at: number) => {
          await store.remediations.move(id, "executing", "verified", at);
        };
        const a = newRun({ target: "t-a" });
        assert.equal(await execute(store, a, g, T0), true);
        await finish(a.id, T0 + 1);
        assert.equal((await store.remediations.begin(newRun({ target: "t-b" }), g, T0 + MINUTE)).refusal, "cooldown");
        const b = newRun({ target: "t-b" });
        assert.equal(await execute(store, b, g, T0 + 11 * MINUTE), true);
        await finish(b.id, T0 + 11 * MINUTE);
        assert.equal((await store.remediations.begin(newRun({ target: "t-c" }), g, T0 + 22 * MINUTE)).refusal, "service-limit");
        const c = newRun({ target: "t-c", service: "other" });
        assert.equal((await store.remediations.begin(c, g, T0 + 22 * MINUTE)).refusal, "blast-radius");
        const d = newRun({ target: "t-a", service: "other" });
        assert.equal(await execute(store, d, g, T0 + 22 * MINUTE), true);
        await finish(d.id, T0 + 22 * MINUTE);
        assert.equal(
          (await store.remediations.begin(newRun({ target: "t-a", service: "third" }), g, T0 + 23 * MINUTE)).refusal,
          "playbook-limit",
        );
        assert.equal(
          await execute(store, newRun({ target: "t-z", service: "x" }), g, T0 + 83 * MINUTE),
          true,
          "the window moved on",
        );

        await store.remediations.disable("reset-pool", "y", "verification failed 2 times", T0);
        assert.equal(
          (await store.remediations.begin(newRun({ service: "y", target: "t-y" }), LOOSE, T0 + 70 * MINUTE)).refusal,
          "disabled",
        );
        assert.equal(await store.remediations.enable("reset-pool", "y", "api:admin", T0 + 71 * MINUTE), true);
        assert.equal(await store.remediations.enable("reset-pool", "y", "api:admin", T0 + 71 * MINUTE), false);
        await store.remediations.setPaused(true, "api:admin", T0);
        assert.deepEqual((await store.remediations.paused()).paused, true);
        assert.equal(
          (await store.remediations.begin(newRun({ service: "y", target: "t-y" }), LOOSE, T0 + 72 * MINUTE)).refusal,
          "paused",
        );
        await store.remediations.setPaused(false, "api:admin", T0);
        assert.equal(
          (await store.remediations.begin(newRun({ service: "y", target: "t-y" }), LOOSE, T0 + 73 * MINUTE)).refusal,
          null,
        );
        assert.equal(
          (await store.remediations.begin(newRun({ service: "q", target: "t-q" }), { ...LOOSE, paused: true }, T0)).refusal,
          "paused",
        );
      }));

    it("executes suggest runs only once approved, and dry runs never", () =>
      withStore(target, async (store) => {
        const suggested = await store.remediations.begin(newRun({ mode: "suggest" }), LOOSE, T0);
        assert.equal(suggested.run.state, "awaiting-approval");
        assert.deepEqual(await store.remediations.startExecuting(suggested.run.id, LOOSE, T0, MINUTE), {
          ok: false,
          refusal: "not-ready",
        });
        assert.equal(
          await store.remediations.move(suggested.run.id, "awaiting-approval", "matched", T0, { approvedBy: "api:alice" }),
          true,
        );
        assert.deepEqual(await store.remediations.startExecuting(suggested.run.id, LOOSE, T0, MINUTE), { ok: true });
        const dry = await store.remediations.begin(newRun({ mode: "dry-run", target: "t-dry" }), LOOSE, T0);
        assert.equal(dry.run.state, "dry-run");
        assert.deepEqual(await store.remediations.startExecuting(dry.run.id, LOOSE, T0, MINUTE), {
          ok: false,
          refusal: "not-ready",
        });
        const claimed = await store.remediations.claim(T0 + 2 * MINUTE, 10, MINUTE);
        assert.deepEqual(
          claimed.map((run) => run.state),
          ["executing"],
          "the executing run whose lease expired, nothing else",
        );
        assert.deepEqual(await store.remediations.claim(T0 + 2 * MINUTE, 10, MINUTE), [], "leased");
      }));

    const openReplicas = target.openReplicas;
    if (openReplicas) {
      it("lets two replicas racing pass a limit only as far as it allows", async () => {
        const [one, two] = await openReplicas();
        try {
          const g: Guardrails = { ...LOOSE, maxRuns: 5 };
          for (let round = 0; round < 5; round++) {
            // Both replicas hear of the same ten incidents at once (duplicate triggers) and race to run them.
            const runs = Array.from({ length: 10 }, (_, i) =>
              newRun({ target: `r${round}-t${i}`, service: `s${i}`, playbook: `p${round}` }),
            );
            const results = await Promise.all(
              runs.flatMap((run) => [execute(one, run, g, T0), execute(two, { ...run, id: newId() }, g, T0)]),
            );
            assert.equal(results.filter(Boolean).length, 5, `round ${round}: exactly maxRuns executed`);
            const stored = await one.remediations.list({ playbook: `p${round}`, limit: 100 });
            assert.equal(stored.length, 10, "one run per key");
          }
        } finally {
          await one.close();
          await two.close();
        }
      });
    }
  });
}
