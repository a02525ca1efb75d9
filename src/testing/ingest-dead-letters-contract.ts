import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { emptyChangeSet, type Store } from "../core/ports/store.ts";
import { type StoreContractTarget, signal, withStore } from "./store-contract.ts";

const T0 = Date.parse("2026-12-01T09:00:00Z");
const MINUTE = 60_000;

/** Appends one entry of `count` signals from `source` and dead-letters it with `reason` at `deadAt`. */
async function deadLetter(store: Store, source: string, reason: string, deadAt: number, count = 1): Promise<number> {
  const signals = Array.from({ length: count }, () => signal({ source }));
  const { positions, durable } = await store.ingestLog.append([
    { source, appendedAt: deadAt - MINUTE, signalCount: count, body: JSON.stringify(signals), leaseUntil: 0 },
  ]);
  await durable;
  const position = positions[0] as number;
  // Two claims, as a consumer failing twice would make.
  await store.ingestLog.claim(deadAt - MINUTE, 100, 1);
  await store.ingestLog.claim(deadAt, 100, 1);
  assert.equal(await store.ingestLog.deadLetter(position, reason, deadAt), true);
  return position;
}

/** The ingest log's dead letters (src/core/ports/ingest-dead-letters.ts): what operators read, retry and discard. */
export function describeIngestDeadLettersContract(target: StoreContractTarget): void {
  describe(`ingest dead letters: ${target.name}`, () => {
    it("lists waiting dead letters newest first, filtered by source, time and a part of the reason, a page at a time", () =>
      withStore(target, async (store) => {
        const a = await deadLetter(store, "api", "TypeError: Cannot read properties of undefined", T0);
        const b = await deadLetter(store, "kafka", "value too long for 100% of the column", T0 + MINUTE);
        const c = await deadLetter(store, "api", "failed 10 times; last: database is locked", T0 + 2 * MINUTE, 3);
        const ids = async (filter: Parameters<Store["ingestDeadLetters"]["list"]>[0], before?: number, limit = 10) =>
          (await store.ingestDeadLetters.list(filter, { limit, ...(before === undefined ? {} : { before }) })).items.map(
            (l) => l.id,
          );

        assert.deepEqual(await ids({}), [c, b, a]);
        assert.deepEqual(await ids({ source: "api" }), [c, a]);
        assert.deepEqual(await ids({ since: T0 + MINUTE }), [c, b], "since is inclusive, on the last failure");
        assert.deepEqual(await ids({ until: T0 + MINUTE }), [b, a]);
        assert.deepEqual(await ids({ reason: "TYPEERROR" }), [a], "case-insensitive");
        assert.deepEqual(await ids({ reason: "100%" }), [b], "% is taken literally");
        assert.deepEqual(await ids({ reason: "1_0" }), [], "_ is taken literally");
        assert.deepEqual(await ids({ reason: "a\u0000b", source: "\u0000" }), [], "no stored text holds NUL");
        assert.deepEqual(await ids({ ids: [a, c, 999] }), [c, a]);
        assert.deepEqual(await ids({}, undefined, 2), [c, b]);
        assert.deepEqual(await ids({}, b, 2), [a], "the next page starts below the last id");

        const [first] = (await store.ingestDeadLetters.list({ source: "api" }, { limit: 1 })).items;
        assert.deepEqual(first, {
          id: c,
          state: "dead",
          source: "api",
          signalCount: 3,
          reason: "failed 10 times; last: database is locked",
          appendedAt: T0 + MINUTE,
          firstFailedAt: T0 + 2 * MINUTE,
          lastFailedAt: T0 + 2 * MINUTE,
          attempts: 2,
          retryOf: null,
          resolvedAt: null,
          resolvedBy: null,
        });
        const detail = await store.ingestDeadLetters.get(c);
        assert.equal((JSON.parse(detail?.body ?? "[]") as unknown[]).length, 3, "its signals, as the log held them");
        assert.equal(detail?.retry, null);
        assert.equal(await store.ingestDeadLetters.get(999), null);
        assert.deepEqual(await store.ingestDeadLetters.backlog(), { entries: 3, signals: 5, oldestFailedAt: T0 });
      }));

    it("retries a dead letter once: it is appended to the log again, and failing again it is a new dead letter naming it", () =>
      withStore(target, async (store) => {
        const id = await deadLetter(store, "api", "TypeError: boom", T0);
        const now = T0 + 60 * MINUTE;
        assert.deepEqual(await store.ingestDeadLetters.retry([id, 999], now, "api:ops"), [{ id, signals: 1 }]);
        assert.deepEqual(await store.ingestDeadLetters.retry([id], now, "api:ops"), [], "only a waiting one is retried");
        assert.deepEqual(await store.ingestDeadLetters.discard([id], now, "api:ops"), [], "nor discarded once retried");
        assert.deepEqual(await store.ingestDeadLetters.backlog(), { entries: 0, signals: 0, oldestFailedAt: null });
        const retried = await store.ingestDeadLetters.get(id);
        assert.equal(retried?.state, "retried");
        assert.equal(retried?.resolvedAt, now);
        assert.equal(retried?.resolvedBy, "api:ops");
        assert.deepEqual(retried?.retry, { pending: true, deadAgain: [] });

        const [entry, ...more] = await store.ingestLog.claim(now, 10, MINUTE);
        assert.equal(more.length, 0, "appended once");
        assert.ok(entry && entry.position > id, "a new entry at the end of the log");
        assert.equal(entry.appendedAt, now, "appended now: the log's age counts from the retry");
        assert.equal(entry.body, retried?.body);
        assert.equal(await store.ingestLog.deadLetter(entry.position, "TypeError: boom again", now + MINUTE), true);

        const again = await store.ingestDeadLetters.get(entry.position);
        assert.equal(again?.state, "dead");
        assert.equal(again?.retryOf, id);
        assert.equal(again?.firstFailedAt, T0, "the first failure of the first dead letter");
        assert.equal(again?.lastFailedAt, now + MINUTE);
        assert.equal(again?.appendedAt, T0 - MINUTE, "when its signals first came in");
        assert.equal(again?.attempts, 3, "two claims before, one since");
        assert.deepEqual((await store.ingestDeadLetters.get(id))?.retry, { pending: false, deadAgain: [entry.position] });
      }));

    it("keeps the retried dead letter's name on the pieces of a retry split signal by signal", () =>
      withStore(target, async (store) => {
        const id = await deadLetter(store, "alertmanager", "failed 10 times; last: contended", T0, 2);
        await store.ingestDeadLetters.retry([id], T0 + MINUTE, "api:ops");
        const [entry] = await store.ingestLog.claim(T0 + MINUTE, 10, MINUTE);
        assert.ok(entry);
        const bodies = (JSON.parse(entry.body) as unknown[]).map((s) => JSON.stringify([s]));
        assert.equal(await store.ingestLog.split(entry.position, bodies, T0 + MINUTE), true);
        assert.deepEqual((await store.ingestDeadLetters.get(id))?.retry, { pending: true, deadAgain: [] });
        const pieces = await store.ingestLog.claim(T0 + 2 * MINUTE, 10, MINUTE);
        assert.equal(pieces.length, 2);
        await store.ingestLog.deadLetter(pieces[0]?.position as number, "TypeError: one bad signal", T0 + 3 * MINUTE);
        // The other piece is applied: the transaction that writes its effects deletes it.
        await store.apply({ ...emptyChangeSet(), consumeLog: [pieces[1]?.position as number] });
        assert.deepEqual((await store.ingestDeadLetters.get(id))?.retry, { pending: false, deadAgain: [pieces[0]?.position] });
      }));

    it("discards waiting dead letters, recording who and when, and leaves the others", () =>
      withStore(target, async (store) => {
        const a = await deadLetter(store, "api", "TypeError: a", T0);
        const b = await deadLetter(store, "api", "TypeError: b", T0 + MINUTE, 2);
        assert.deepEqual(await store.ingestDeadLetters.discard([b, a], T0 + 5 * MINUTE, "api:ops"), [
          { id: a, signals: 1 },
          { id: b, signals: 2 },
        ]);
        assert.deepEqual(await store.ingestDeadLetters.discard([a], T0 + 6 * MINUTE, "api:other"), []);
        assert.deepEqual(await store.ingestDeadLetters.retry([a], T0 + 6 * MINUTE, "api:other"), []);
        const discarded = await store.ingestDeadLetters.get(a);
        assert.equal(discarded?.state, "discarded");
        assert.equal(discarded?.resolvedBy, "api:ops");
        assert.equal(discarded?.resolvedAt, T0 + 5 * MINUTE);
        assert.deepEqual(
          (await store.ingestDeadLetters.list({}, { limit: 10 })).items,
          [],
          "the list shows waiting ones by default",
        );
        assert.deepEqual(
          (await store.ingestDeadLetters.list({ states: ["discarded", "retried"] }, { limit: 10 })).items.map((l) => l.id),
          [b, a],
        );
        assert.deepEqual(await store.ingestLog.claim(T0 + 7 * MINUTE, 10, MINUTE), [], "nothing went back to the log");
      }));

    it("prunes dead letters last failed before the cutoff, in chunks, and never an entry the pipeline has not applied", () =>
      withStore(target, async (store) => {
        const old: number[] = [];
        for (const n of [0, 1, 2]) old.push(await deadLetter(store, "api", `TypeError: old ${n}`, T0 + n));
        await store.ingestDeadLetters.discard([old[0] as number], T0 + 100 * MINUTE, "api:ops");
        const recent = await deadLetter(store, "api", "TypeError: recent", T0 + 60 * MINUTE);
        // Entries waiting in the log, appended long before the cutoff (a paused pipeline): retention leaves them.
        const { positions, durable } = await store.ingestLog.append([
          { source: "api", appendedAt: T0 - 1000 * MINUTE, signalCount: 1, body: JSON.stringify([signal()]), leaseUntil: 0 },
        ]);
        await durable;
        assert.equal(await store.ingestDeadLetters.prune(T0 + 30 * MINUTE, { chunk: 1, maxRows: 2 }), 2, "at most maxRows");
        assert.equal(await store.ingestDeadLetters.prune(T0 + 30 * MINUTE, { chunk: 1, maxRows: 100 }), 1);
        assert.equal(await store.ingestDeadLetters.prune(T0 + 30 * MINUTE, { chunk: 1, maxRows: 100 }), 0);
        assert.deepEqual(
          (await store.ingestDeadLetters.list({ states: ["dead", "retried", "discarded"] }, { limit: 10 })).items.map(
            (l) => l.id,
          ),
          [recent],
        );
        assert.equal(await store.ingestLog.pending(positions[0] as number), true, "the unapplied entry stays");
      }));

    const openReplicas = target.openReplicas;
    if (openReplicas) {
      it("lets only one of two replicas retrying the same dead letters at once append each", async () => {
        const [one, two] = await openReplicas();
        try {
          const ids: number[] = [];
          for (const n of [0, 1, 2, 3]) ids.push(await deadLetter(one, "api", `TypeError: ${n}`, T0 + n));
          const [a, b] = await Promise.all([
            one.ingestDeadLetters.retry(ids, T0 + MINUTE, "api:one"),
            two.ingestDeadLetters.retry([...ids].reverse(), T0 + MINUTE, "api:two"),
          ]);
          assert.deepEqual(
            [...a, ...b].map((l) => l.id).sort((x, y) => x - y),
            ids,
          );
          assert.equal((await one.ingestLog.claim(T0 + MINUTE, 100, MINUTE)).length, ids.length, "each appended once");
        } finally {
          await Promise.all([one.close(), two.close()]);
        }
      });
    }
  });
}
