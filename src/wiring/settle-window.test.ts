// Issue 17, "no second page": a stream whose messages name things (people, pods, volumes, directories) makes the
// miner split a problem's first variants before it has seen that a word is a parameter. With the settle window,
// the worker — running all along, as in `sluice serve` — pages exactly once per problem: the variants' incidents
// merge while their first ticket waits, and a merged-away incident is never sent. Nothing is lost: every signal
// is stored, on the survivor or on an incident merged into it.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { MemoryConnector } from "../connectors/memory/memory-connector.ts";
import { inMemorySluice, sluiceReplica } from "../testing/in-memory-sluice.ts";
import { signal } from "../testing/store-contract.ts";

const T0 = Date.parse("2026-11-02T10:00:00Z");

type Pick = <T>(values: readonly T[]) => T;
const people = ["mlopez", "kchen", "dpatel", "sokafor", "jnovak", "rsingh", "tnguyen", "ebrown"];
const schemas = ["billing", "ledger", "archive", "reporting", "staging", "audit"];
const deployments = ["checkout", "search", "frontend", "pricing", "wishlist", "notifier"];
const nodes = ["aurora", "borealis", "cygnus", "draco", "lyra", "orion"];
const volumes = ["pgdata", "mailstore", "wiki", "metrics", "uploads", "chat"];
const directories = ["corp", "partners", "contractors", "alumni", "interns"];

/** Problems of the stream: one logging statement each, printed with many names. The backups differ by one state word. */
const PROBLEMS: readonly { name: string; service: string; message(pick: Pick, next: () => number): string }[] = [
  {
    name: "role",
    service: "billing-api",
    message: (pick) => `permission denied for role ${pick(people)} on schema ${pick(schemas)}`,
  },
  {
    name: "eviction",
    service: "cluster",
    message: (pick, next) => {
      const d = pick(deployments);
      return `pod ${d}-${Math.floor(next() * 1e6).toString(36)} of deployment ${d} was evicted from node ${pick(nodes)}`;
    },
  },
  {
    name: "backup failed",
    service: "backup",
    message: (pick) => `nightly backup of volume ${pick(volumes)} ended in state FAILED`,
  },
  {
    name: "backup stalled",
    service: "backup",
    message: (pick) => `nightly backup of volume ${pick(volumes)} ended in state STALLED`,
  },
  { name: "user", service: "sso", message: (pick) => `User ${pick(people)} not found in directory ${pick(directories)}` },
];

/** Seeded: each problem sends a message every few seconds for two minutes, interleaved. */
function stream(seed: number): { at: number; problem: string; service: string; message: string }[] {
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  const pick: Pick = (values) => values[Math.floor(next() * values.length)] as (typeof values)[number];
  const out = [];
  for (let at = T0; at < T0 + 120_000; at += 1000) {
    for (const p of PROBLEMS)
      if (next() < 0.3) out.push({ at, problem: p.name, service: p.service, message: p.message(pick, next) });
  }
  return out;
}

async function run(settleWindow?: string) {
  const { sluice, clock, memory } = await inMemorySluice(settleWindow === undefined ? {} : { patterns: { settleWindow } }, T0);
  const items = stream(17);
  const problemOfSignal = new Map<string, string>();
  try {
    for (const item of items) {
      if (clock.now() < item.at) clock.set(item.at);
      const s = signal({
        source: "app",
        kind: "anomaly",
        service: item.service,
        score: 0.95,
        receivedAt: item.at,
        occurredAt: item.at,
        message: item.message,
        title: "",
        errorPattern: "",
      });
      problemOfSignal.set(s.id, item.problem);
      await sluice.runner.submit([s]);
      // The worker runs all along, as in `sluice serve`: what is due goes out at once.
      await sluice.worker.flush();
    }
    // Past the end of any settle window: held pages whose patterns did not merge go out now.
    clock.advance(600_000);
    await sluice.worker.flush();
    const incidents = (await sluice.store.incidents.list({ limit: 500 })).items;
    const problemOf = new Map<string, string>();
    let stored = 0;
    for (const incident of incidents) {
      const signals = await sluice.store.incidents.signals(incident.id, 10_000);
      stored += signals.length;
      const problems = new Set(signals.map((x) => problemOfSignal.get(x.id)));
      assert.equal(problems.size, 1, `${incident.key} (${incident.errorPattern}) holds one problem: ${[...problems]}`);
      problemOf.set(incident.key, [...problems][0] as string);
    }
    const creates = (memory as MemoryConnector).received.filter((d) => d.action === "create");
    const pagesPerProblem = new Map<string, number>();
    for (const page of creates) {
      const problem = problemOf.get(page.incidentKey) as string;
      pagesPerProblem.set(problem, (pagesPerProblem.get(problem) ?? 0) + 1);
    }
    return {
      incidents,
      items,
      stored,
      pagesPerProblem,
      problemOf,
    };
  } finally {
    await sluice.close();
  }
}

describe("settle window: one page per problem on a stream whose messages name things", () => {
  it("without it, early variants page on their own before their patterns merge (the case this is about)", async () => {
    const { pagesPerProblem, incidents } = await run("0s");
    const total = [...pagesPerProblem.values()].reduce((a, b) => a + b, 0);
    assert.ok(incidents.length > PROBLEMS.length, `${incidents.length} incidents for ${PROBLEMS.length} problems`);
    assert.ok(total > PROBLEMS.length, `${total} pages for ${PROBLEMS.length} problems`);
  });

  it("with the default configuration, pages exactly once per problem, and loses no signal", async () => {
    const { pagesPerProblem, incidents, items, stored } = await run();
    assert.deepEqual(
      Object.fromEntries([...pagesPerProblem].sort()),
      Object.fromEntries(PROBLEMS.map((p) => [p.name, 1]).sort()),
      "one page per problem",
    );
    assert.equal(stored, items.length, "every signal is stored on an incident");
    assert.ok(incidents.length > PROBLEMS.length, `${incidents.length} incidents`);
  });

  it("with a 60 s settle window, pages exactly once per problem, and loses no signal", async () => {
    // On this stream the slowest problem (two names per message) merged its variants 39 s after its first message;
    // with 30 s one of its variants paged before the merge.
    const { pagesPerProblem, incidents, items, stored, problemOf } = await run("60s");
    assert.deepEqual(
      Object.fromEntries([...pagesPerProblem].sort()),
      Object.fromEntries(PROBLEMS.map((p) => [p.name, 1]).sort()),
      "one page per problem",
    );
    assert.equal(stored, items.length, "every signal is stored on an incident");
    // More incidents opened than problems (the variants split), and each extra one merged into its problem's page.
    assert.ok(incidents.length > PROBLEMS.length, `${incidents.length} incidents`);
    assert.equal(new Set(problemOf.values()).size, PROBLEMS.length, "the two backup problems stay apart");
  });
});

/** One signal of the scorer's, mined (no pattern of its own), at the clock's time. */
function mined(service: string, message: string, at: number, score = 0.95) {
  return signal({ source: "app", service, score, receivedAt: at, occurredAt: at, message, title: "", errorPattern: "" });
}

describe("settle window: who waits and who pages at once", () => {
  const creates = (memory: MemoryConnector) => memory.received.filter((d) => d.action === "create").map((d) => d.incidentKey);

  it("the first variant and a new, different problem page at once; a near sibling waits the window, then pages (settleAction page)", async () => {
    // settleAction page: the behaviour before grouping at the window's end (the default, group, is tested below).
    const { sluice, clock, memory } = await inMemorySluice({ patterns: { settleAction: "page" } }, T0);
    try {
      const first = await sluice.runner.submit([mined("billing-api", "permission denied for role mlopez on schema ledger", T0)]);
      await sluice.worker.flush();
      assert.deepEqual(creates(memory), [first[0]?.incident], "the first variant pages at once");
      // Another problem of the same service: another length and other words, nothing to merge with.
      clock.advance(1_000);
      const other = await sluice.runner.submit([
        mined("billing-api", "connection pool exhausted for schema ledger", clock.now()),
      ]);
      await sluice.worker.flush();
      assert.deepEqual(creates(memory), [first[0]?.incident, other[0]?.incident], "a different problem pages at once");
      // The same message but for a name: a variant the miner may yet merge (two names are not four).
      clock.advance(1_000);
      const openedAt = clock.now();
      const sibling = await sluice.runner.submit([
        mined("billing-api", "permission denied for role kchen on schema ledger", openedAt),
      ]);
      assert.equal(sibling[0]?.outcome, "opened");
      await sluice.worker.flush();
      assert.equal(creates(memory).length, 2, "the near sibling waits");
      const key = sibling[0]?.incident as string;
      const incident = (await sluice.store.incidents.list({ limit: 10 })).items.find((i) => i.key === key);
      const held = (await sluice.store.incidents.timeline(incident?.id as string)).find((e) => e.action === "page-held");
      assert.match(held?.detail ?? "", new RegExp(`held until ${new Date(openedAt + 300_000).toISOString()}`));
      // It never merges: at the end of the (default, 5 min) window it pages, once.
      clock.set(openedAt + 300_000 - 1);
      await sluice.worker.flush();
      assert.equal(creates(memory).length, 2, "not before the window ends");
      clock.set(openedAt + 300_000);
      await sluice.worker.flush();
      assert.deepEqual(creates(memory).slice(2), [key], "pages at the end of the window");
    } finally {
      await sluice.close();
    }
  });

  it("an alert pages at once, even beside an open incident of a near-identical alert", async () => {
    const { sluice, memory } = await inMemorySluice({}, T0);
    try {
      const alert = (name: string) =>
        signal({
          source: "alertmanager",
          kind: "alert",
          service: "billing-api",
          receivedAt: T0,
          occurredAt: T0,
          errorPattern: name,
          alertKey: name,
          title: name,
        });
      const results = await sluice.runner.submit([alert("disk full on volume pgdata"), alert("disk full on volume mailstore")]);
      await sluice.worker.flush();
      assert.deepEqual(
        results.map((r) => r.outcome),
        ["opened", "opened"],
      );
      assert.deepEqual(creates(memory).sort(), results.map((r) => r.incident).sort(), "both page at once");
    } finally {
      await sluice.close();
    }
  });

  it("a held sibling whose pattern merges joins the first incident and never pages", async () => {
    const { sluice, clock, memory } = await inMemorySluice({}, T0);
    try {
      const names = ["mlopez", "kchen", "dpatel", "sokafor"];
      const keys: string[] = [];
      for (const name of names) {
        clock.advance(10_000);
        const [result] = await sluice.runner.submit([mined("sso", `sign-in refused for ${name}: password expired`, clock.now())]);
        keys.push(result?.incident as string);
        await sluice.worker.flush();
      }
      clock.advance(600_000);
      await sluice.worker.flush();
      assert.deepEqual(creates(memory), [keys[0]], "one page: the first variant's");
      const incidents = (await sluice.store.incidents.list({ limit: 10 })).items;
      const open = incidents.filter((i) => i.state !== "resolved");
      assert.deepEqual(
        open.map((i) => i.key),
        [keys[0]],
      );
      assert.equal(open[0]?.signalCount, 1 + 1, "the merging message joined it (the held ones keep theirs, merged into it)");
    } finally {
      await sluice.close();
    }
  });

  it("two replicas on one database: a sibling opened by the one that has not read the first pattern waits, and neither worker sends it once merged", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-settle-replicas-"));
    // Default refresh (5 s): for B's first seconds, what it knows of A's patterns comes only from its own claims.
    const replica = () => sluiceReplica(dir, T0);
    const a = await replica();
    const b = await replica();
    try {
      const both = async (ms: number) => {
        a.clock.advance(ms);
        b.clock.advance(ms);
        await a.sluice.worker.flush();
        await b.sluice.worker.flush();
      };
      // B reads the (empty) pattern table before A creates the first pattern (a signal below the score bar).
      await b.sluice.runner.submit([mined("scheduler", "disk check passed on node vega", T0, 0.1)]);
      const [first] = await a.sluice.runner.submit([
        mined("billing-api", "permission denied for role mlopez on schema ledger", T0),
      ]);
      await both(1_000);
      const [sibling] = await b.sluice.runner.submit([
        mined("billing-api", "permission denied for role kchen on schema ledger", b.clock.now()),
      ]);
      assert.equal(sibling?.outcome, "opened");
      await both(1_000);
      const pages = () =>
        [...a.memory.received, ...b.memory.received].filter((d) => d.action === "create").map((d) => d.incidentKey);
      assert.deepEqual(pages(), [first?.incident], "the sibling waits, in both workers");
      // After a refresh, two more names through A: four names, the patterns merge, and so do the incidents.
      await both(10_000);
      for (const name of ["dpatel", "sokafor"]) {
        await a.sluice.runner.submit([
          mined("billing-api", `permission denied for role ${name} on schema ledger`, a.clock.now()),
        ]);
        await both(1_000);
      }
      await both(600_000);
      assert.deepEqual(pages(), [first?.incident], "one page for the problem, from either replica");
    } finally {
      await a.sluice.close();
      await b.sluice.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
