import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Change } from "../core/change.ts";
import type { Delivery, NewDelivery } from "../core/delivery.ts";
import { isSluiceError } from "../core/errors.ts";
import { newId } from "../core/ids.ts";
import type { IncidentState } from "../core/incident.ts";
import type { PatternClaim, StoredPattern } from "../core/ports/pattern-repository.ts";
import {
  type ChangeSet,
  emptyChangeSet,
  type IncidentChange,
  type NewIncident,
  type Store,
  type StoredSignal,
  signalKey,
} from "../core/ports/store.ts";
import type { Severity, Signal, SignalKind } from "../core/signal.ts";
import { templateScore } from "../patterns/drain-tree.ts";
import { patternIdOf } from "../patterns/miner.ts";
import { PatternCatalog } from "../patterns/pattern-catalog.ts";
import { tokenize } from "../patterns/tokenize.ts";
import { fingerprintSignals } from "../pipeline/correlate/fingerprint.ts";
import { describeDetectContract } from "./detect-contract.ts";
import { describeIngestDeadLettersContract } from "./ingest-dead-letters-contract.ts";
import { sampleInvestigation } from "./investigation-fixture.ts";
import { describeRemediationContract } from "./remediation-contract.ts";
import { describeTraceContract } from "./traces-contract.ts";

/** An engine under test: how to get fresh, empty stores of it. */
export interface StoreContractTarget {
  name: string;
  /** A fresh, empty store; the suite closes it. */
  open(): Promise<Store>;
  /** Two stores (two pools) over one fresh, empty database, for engines that serve many replicas. */
  openReplicas?(): Promise<[Store, Store]>;
}

const T0 = Date.parse("2026-11-02T10:00:00Z");
const SECOND = 1000;
const OPEN_FINGERPRINT_TAKEN = "another unresolved incident has the same fingerprint; resolve or use that one";

function conflict(message?: string | RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(isSluiceError(error), `expected a SluiceError, got ${String(error)}`);
    assert.equal(error.code, "CONFLICT");
    if (typeof message === "string") assert.equal(error.message, message);
    else if (message) assert.match(error.message, message);
    return true;
  };
}

let sequence = 0;

/** A complete signal for store tests (payments in acme/production unless `fields` say otherwise). */
export function signal(fields: Partial<Signal> = {}): Signal {
  sequence++;
  return {
    id: newId(),
    source: "scorer",
    sourceId: `evt-${sequence}`,
    receivedAt: T0,
    occurredAt: T0 - SECOND,
    status: "firing",
    kind: "anomaly",
    tenant: "acme",
    service: "payments",
    environment: "production",
    severity: "high",
    score: 0.9512345678901,
    title: "error rate up",
    message: `timeout after ${sequence}ms`,
    errorPattern: "timeout after <num>ms",
    alertKey: null,
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanIds: ["00f067aa0ba902b7"],
    labels: { region: "eu-west-1", "quote's": 'and "double"' },
    annotations: { runbook: "https://runbooks.example/payments" },
    links: ["https://grafana.example/d/1"],
    affectedUsers: ["u-1", "u-2"],
    affectedServices: ["payments", "ledger"],
    raw: { nested: { n: 1, list: [1, "two", null] }, unicode: "ü∑😀" },
    ...fields,
  };
}

/** A complete new incident for store tests (open, payments in acme/production unless `fields` say otherwise). */
export function incident(fields: Partial<NewIncident> = {}): NewIncident {
  return {
    id: newId(),
    fingerprint: `fp-${++sequence}`,
    kind: "anomaly",
    title: "payments: timeout after <num>ms",
    tenant: "acme",
    service: "payments",
    environment: "production",
    errorPattern: "timeout after <num>ms",
    patternId: null,
    severity: "high",
    priority: "P2",
    state: "open",
    firstSeenAt: T0,
    lastSeenAt: T0,
    signalCount: 1,
    escalationLevel: 0,
    platforms: ["memory", "slack"],
    matchedRule: "severity:high",
    summary: "timeouts calling the bank",
    createdAt: T0,
    updatedAt: T0,
    acknowledgedAt: null,
    resolvedAt: null,
    context: {},
    ...fields,
  };
}

function change(fields: Partial<Change> = {}): Change {
  return {
    id: newId(),
    source: "sluice",
    sourceId: `change-${++sequence}`,
    tenant: "acme",
    service: "payments",
    environment: "production",
    kind: "deploy",
    summary: "deploy v1.2.3 of payments",
    at: T0,
    version: "v1.2.3",
    author: "ci-bot",
    url: "https://ci.example/builds/1",
    labels: {},
    receivedAt: T0 + SECOND,
    ...fields,
  };
}

/** `s` as the ingest runner stores it: opened `incidentId`, or gated when null. */
export function stored(s: Signal, incidentId: string | null, fingerprint = "fp"): StoredSignal {
  return { signal: s, fingerprint, outcome: incidentId ? "opened" : "gated", outcomeReason: null, incidentId };
}

function changes(fields: Partial<ChangeSet>): ChangeSet {
  return { ...emptyChangeSet(), ...fields };
}

function delivery(incidentId: string, platform: string, action: NewDelivery["action"] = "create"): NewDelivery {
  return { incidentId, platform, action, detail: `${action} ${platform}`, causedAt: T0 };
}

function patternClaim(message: string, at: number): PatternClaim {
  const tokens = tokenize(message);
  return { id: patternIdOf(tokens), shape: `${tokens.length} ${tokens[0]}`, tokens, at };
}

// The miner's rule (src/patterns/pattern-catalog.ts), kept simple: best share of equal tokens, at least 0.8.
function choosePattern(claim: PatternClaim, candidates: readonly StoredPattern[]): StoredPattern | undefined {
  let best: StoredPattern | undefined;
  let bestScore = 0.8;
  for (const candidate of candidates) {
    const scored =
      candidate.template.length === claim.tokens.length ? templateScore(candidate.template, claim.tokens) : undefined;
    if (scored && scored.score >= bestScore && (!best || scored.score > bestScore)) {
      best = candidate;
      bestScore = scored.score;
    }
  }
  return best;
}

/** Opens a fresh store, runs the check, closes the store whatever happened. */
export async function withStore(target: StoreContractTarget, check: (store: Store) => Promise<void>): Promise<void> {
  const store = await target.open();
  try {
    await check(store);
  } finally {
    await store.close();
  }
}

/** The behaviour every Store must have, whatever the engine (node:test). */
export function describeStoreContract(target: StoreContractTarget): void {
  describe(`store contract: ${target.name}`, () => {
    it("applies new incidents (numbers 1..n, keys INC-n) with their signals, timeline and deliveries", () =>
      withStore(target, async (store) => {
        const incidents = [incident(), incident({ kind: "alert", severity: "critical", priority: "P1" }), incident()];
        const signals = incidents.map((i) => signal({ kind: i.kind }));
        const numbers = await store.apply(
          changes({
            newIncidents: incidents,
            signals: signals.map((s, n) => stored(s, incidents[n]?.id ?? null, incidents[n]?.fingerprint)),
            timeline: incidents.flatMap((i) => [
              { incidentId: i.id, at: T0, actor: "sluice:correlate", action: "opened", detail: "first signal", rule: null },
              {
                incidentId: i.id,
                at: T0,
                actor: "sluice:route",
                action: "routed",
                detail: "memory, slack",
                rule: "severity:high",
              },
            ]),
            deliveries: incidents.flatMap((i) => [delivery(i.id, "memory"), delivery(i.id, "slack")]),
          }),
        );
        assert.deepEqual(
          incidents.map((i) => numbers.get(i.id)),
          [1, 2, 3],
        );

        const second = incidents[1];
        assert.ok(second);
        const { id: _id, ...fields } = second;
        const expected = { id: second.id, number: 2, key: "INC-2", version: 0, summarySource: "template", ...fields };
        assert.deepEqual(await store.incidents.get("INC-2"), expected);
        assert.deepEqual(await store.incidents.get("inc-2"), expected, "keys are case-insensitive");
        assert.deepEqual(await store.incidents.get(second.id), expected);
        assert.equal(await store.incidents.get("INC-99"), null);
        assert.equal(await store.incidents.get("nope"), null);

        assert.deepEqual(await store.incidents.signals(second.id, 10), [signals[1]], "signals come back as they went in");
        const timeline = await store.incidents.timeline(second.id);
        assert.deepEqual(
          timeline.map((t) => [t.action, t.actor, t.detail, t.rule, t.at]),
          [
            ["opened", "sluice:correlate", "first signal", null, T0],
            ["routed", "sluice:route", "memory, slack", "severity:high", T0],
          ],
        );
        assert.ok(timeline.every((t) => typeof t.id === "number" && t.incidentId === second.id));
        assert.ok((timeline[0]?.id ?? 0) < (timeline[1]?.id ?? 0));

        const rows = await store.deliveries.list({ incidentId: second.id, limit: 10 });
        assert.deepEqual(rows.map((d) => d.platform).sort(), ["memory", "slack"]);
        for (const row of rows) {
          assert.equal(row.status, "pending");
          assert.equal(row.attempts, 0);
          assert.equal(row.nextAttemptAt, 0);
          assert.equal(row.lastError, null);
          assert.equal(row.idempotencyKey, `sluice-${second.id}-${row.platform}`);
          assert.equal(row.causedAt, T0);
          assert.equal(typeof row.createdAt, "number");
          assert.deepEqual(await store.deliveries.get(row.id), row);
        }
        assert.ok((rows[0]?.id ?? "") > (rows[1]?.id ?? ""), "deliveries list newest first");
        assert.deepEqual(await store.deliveries.countByStatus(), { pending: 6 });
        assert.deepEqual(await store.incidents.tickets(second.id), []);

        const later = incident();
        assert.deepEqual([...(await store.apply(changes({ newIncidents: [later] })))], [[later.id, 4]]);
        assert.deepEqual([...(await store.apply(emptyChangeSet()))], []);
        assert.equal(await store.ping(), true);
      }));

    it("finds the open incident per fingerprint, with its firing alerts, and not resolved ones", () =>
      withStore(target, async (store) => {
        const alert = incident({ kind: "alert", fingerprint: "fa" });
        const anomaly = incident({ fingerprint: "fb" });
        const resolved = incident({ fingerprint: "fc", state: "resolved", resolvedAt: T0 });
        await store.apply(
          changes({
            newIncidents: [alert, anomaly, resolved],
            alertStates: [
              { incidentId: alert.id, alertKey: "k1", status: "firing", at: T0 },
              { incidentId: alert.id, alertKey: "k2", status: "firing", at: T0 },
              { incidentId: alert.id, alertKey: "k2", status: "resolved", at: T0 + 1 },
              { incidentId: alert.id, alertKey: "k3", status: "firing", at: T0 },
            ],
          }),
        );
        await store.apply(changes({ alertStates: [{ incidentId: alert.id, alertKey: "k3", status: "resolved", at: T0 + 2 }] }));
        await store.apply(changes({ alertStates: [{ incidentId: alert.id, alertKey: "k4", status: "firing", at: T0 + 3 }] }));
        const found = await store.incidents.findOpen(["fa", "fb", "fc", "fx", "fa"]);
        assert.deepEqual([...found.keys()].sort(), ["fa", "fb"]);
        assert.deepEqual(found.get("fa"), {
          id: alert.id,
          number: 1,
          fingerprint: "fa",
          kind: "alert",
          severity: "high",
          state: "open",
          firstSeenAt: T0,
          lastSeenAt: T0,
          platforms: ["memory", "slack"],
          version: 0,
          firingAlerts: new Set(["k1", "k4"]),
        });
        assert.deepEqual(found.get("fb")?.firingAlerts, new Set());
        assert.equal(found.get("fb")?.id, anomaly.id);
        assert.equal((await store.incidents.findOpen([])).size, 0);
      }));

    it("finds the latest incident per fingerprint resolved since a time", () =>
      withStore(target, async (store) => {
        const resolved = (fingerprint: string, resolvedAt: number) =>
          incident({ fingerprint, state: "resolved", resolvedAt, lastSeenAt: resolvedAt });
        const older = resolved("fr", T0 + SECOND);
        const latest = resolved("fr", T0 + 5 * SECOND);
        const stale = resolved("fs", T0 - 60 * SECOND);
        await store.apply(changes({ newIncidents: [older, latest, stale, incident({ fingerprint: "fo" })] }));
        const found = await store.incidents.findResolvedSince(["fr", "fs", "fo", "fx"], T0);
        assert.deepEqual([...found.keys()], ["fr"]);
        assert.deepEqual(found.get("fr"), {
          id: latest.id,
          number: 2,
          fingerprint: "fr",
          kind: "anomaly",
          severity: "high",
          state: "resolved",
          firstSeenAt: T0,
          lastSeenAt: T0 + 5 * SECOND,
          platforms: ["memory", "slack"],
          version: 0,
          resolvedAt: T0 + 5 * SECOND,
          firingAlerts: new Set(),
        });
        assert.equal((await store.incidents.findResolvedSince([], T0)).size, 0);
      }));

    it("tells which upstream ids are already stored", () =>
      withStore(target, async (store) => {
        await store.apply(
          changes({
            signals: [
              stored(signal({ source: "a", sourceId: "1" }), null),
              stored(signal({ source: "b", sourceId: "1" }), null),
              stored(signal({ source: "a", sourceId: 'it\'s "quoted", {braced}' }), null),
            ],
          }),
        );
        const keys = [
          { source: "a", sourceId: "1" },
          { source: "a", sourceId: "2" },
          { source: "b", sourceId: "1" },
          { source: "c", sourceId: "1" },
          { source: "a", sourceId: 'it\'s "quoted", {braced}' },
        ];
        assert.deepEqual(
          [...(await store.signals.existing(keys))].sort(),
          [signalKey("a", "1"), signalKey("a", 'it\'s "quoted", {braced}'), signalKey("b", "1")].sort(),
        );
        assert.equal((await store.signals.existing([])).size, 0);
      }));

    it("changes an incident only at the expected version, and a CONFLICT writes nothing", () =>
      withStore(target, async (store) => {
        const open = incident({ lastSeenAt: T0 + 10 * SECOND });
        await store.apply(changes({ newIncidents: [open] }));
        await store.apply(
          changes({
            incidentChanges: [
              {
                id: open.id,
                expectedVersion: 0,
                at: T0 + 20 * SECOND,
                addSignals: 3,
                set: { lastSeenAt: T0 + 5 * SECOND, severity: "critical", priority: "P1", title: "worse" },
              },
            ],
          }),
        );
        let now = await store.incidents.get(open.id);
        assert.equal(now?.version, 1);
        assert.equal(now?.signalCount, 4);
        assert.equal(now?.lastSeenAt, T0 + 10 * SECOND, "last_seen_at never moves backwards");
        assert.equal(now?.updatedAt, T0 + 20 * SECOND);
        assert.equal(now?.severity, "critical");
        assert.equal(now?.title, "worse");
        await store.apply(
          changes({
            incidentChanges: [
              {
                id: open.id,
                expectedVersion: 1,
                at: T0 + 30 * SECOND,
                addSignals: 0,
                set: {
                  state: "acknowledged",
                  acknowledgedAt: T0 + 30 * SECOND,
                  lastSeenAt: T0 + 30 * SECOND,
                  escalationLevel: 2,
                },
              },
            ],
          }),
        );
        now = await store.incidents.get(open.id);
        assert.equal(now?.state, "acknowledged");
        assert.equal(now?.acknowledgedAt, T0 + 30 * SECOND);
        assert.equal(now?.lastSeenAt, T0 + 30 * SECOND);
        assert.equal(now?.escalationLevel, 2);
        assert.equal(now?.version, 2);

        const stale = signal({ source: "stale", sourceId: "1" });
        const bystander = incident();
        await assert.rejects(
          store.apply(
            changes({
              newIncidents: [bystander],
              incidentChanges: [{ id: open.id, expectedVersion: 1, at: T0, addSignals: 1, set: { state: "resolved" } }],
              signals: [stored(stale, open.id)],
              timeline: [{ incidentId: open.id, at: T0, actor: "api:x", action: "resolved", detail: "", rule: null }],
              deliveries: [delivery(open.id, "memory", "resolve")],
            }),
          ),
          conflict(`incident ${open.id} changed concurrently; retry`),
        );
        assert.equal((await store.incidents.get(open.id))?.version, 2);
        assert.equal(await store.incidents.get(bystander.id), null, "the whole change set rolled back");
        assert.equal((await store.signals.existing([{ source: "stale", sourceId: "1" }])).size, 0);
        assert.deepEqual(await store.incidents.timeline(open.id), []);
        assert.deepEqual(await store.deliveries.list({ incidentId: open.id, limit: 10 }), []);
        await assert.rejects(
          store.apply(changes({ incidentChanges: [{ id: "missing", expectedVersion: 0, at: T0, addSignals: 1, set: {} }] })),
          conflict(/changed concurrently/),
        );
      }));

    it("counts signals into an unresolved incident read at any version, and refuses them once it is resolved", () =>
      withStore(target, async (store) => {
        const open = incident({ lastSeenAt: T0 });
        await store.apply(changes({ newIncidents: [open] }));
        const countIn = (addSignals: number, lastSeenAt: number): IncidentChange => ({
          id: open.id,
          // Both read the incident at version 0, as two replicas joining signals at once do.
          expectedVersion: 0,
          at: lastSeenAt,
          addSignals,
          set: { lastSeenAt },
        });
        await store.apply(changes({ incidentChanges: [countIn(3, T0 + 20 * SECOND)] }));
        await store.apply(changes({ incidentChanges: [countIn(2, T0 + 10 * SECOND)] }));
        let now = await store.incidents.get(open.id);
        assert.deepEqual([now?.signalCount, now?.lastSeenAt, now?.version], [6, T0 + 20 * SECOND, 2]);
        // A count the plan marked versioned (an alert resolved beside it), and other changes, still need
        // the version they read: the counts moved it on.
        await assert.rejects(
          store.apply(changes({ incidentChanges: [{ ...countIn(1, T0 + 25 * SECOND), versioned: true }] })),
          conflict(/changed concurrently/),
        );
        await assert.rejects(
          store.apply(
            changes({ incidentChanges: [{ id: open.id, expectedVersion: 0, at: T0, addSignals: 0, set: { severity: "low" } }] }),
          ),
          conflict(/changed concurrently/),
        );
        const resolve = { state: "resolved" as const, resolvedAt: T0 + 30 * SECOND };
        await store.apply(
          changes({ incidentChanges: [{ id: open.id, expectedVersion: 2, at: T0, addSignals: 0, set: resolve }] }),
        );
        await assert.rejects(
          store.apply(changes({ incidentChanges: [countIn(1, T0 + 40 * SECOND)] })),
          conflict(/changed concurrently/),
        );
        now = await store.incidents.get(open.id);
        assert.deepEqual([now?.state, now?.signalCount], ["resolved", 6]);
      }));

    it("refuses a second unresolved incident for one fingerprint with CONFLICT", () =>
      withStore(target, async (store) => {
        const first = incident({ fingerprint: "same" });
        await store.apply(changes({ newIncidents: [first] }));
        const second = incident({ fingerprint: "same" });
        await assert.rejects(store.apply(changes({ newIncidents: [second] })), conflict(OPEN_FINGERPRINT_TAKEN));
        assert.equal(await store.incidents.get(second.id), null);
      }));

    it("allows a new incident for a fingerprint once the open one is resolved, and refuses reopening a second", () =>
      withStore(target, async (store) => {
        const first = incident({ fingerprint: "same" });
        await store.apply(changes({ newIncidents: [first] }));
        const resolve = { state: "resolved" as IncidentState, resolvedAt: T0 + SECOND };
        await store.apply(
          changes({ incidentChanges: [{ id: first.id, expectedVersion: 0, at: T0, addSignals: 0, set: resolve }] }),
        );
        const second = incident({ fingerprint: "same" });
        await store.apply(changes({ newIncidents: [second] }));
        assert.equal((await store.incidents.findOpen(["same"])).get("same")?.id, second.id);
        await assert.rejects(
          store.apply(
            changes({
              incidentChanges: [
                { id: first.id, expectedVersion: 1, at: T0, addSignals: 0, set: { state: "open", resolvedAt: null } },
              ],
            }),
          ),
          conflict(OPEN_FINGERPRINT_TAKEN),
        );
        assert.equal((await store.incidents.get(first.id))?.state, "resolved");
        await store.apply(
          changes({ incidentChanges: [{ id: second.id, expectedVersion: 0, at: T0, addSignals: 0, set: resolve }] }),
        );
        const third = incident({ fingerprint: "same" });
        await store.apply(changes({ newIncidents: [third] }));
        assert.equal((await store.incidents.findOpen(["same"])).get("same")?.id, third.id);
      }));

    it("resolves the open incident and opens its successor for one fingerprint in one change set", () =>
      withStore(target, async (store) => {
        // A recurring anomaly after a lookback gap: the batch resolves the old incident and opens a new
        // one in the same change set; the writer must resolve before it inserts, or the open-per-fingerprint
        // index refuses the batch on every retry.
        const first = incident({ fingerprint: "recurring" });
        await store.apply(changes({ newIncidents: [first] }));
        const successor = incident({ fingerprint: "recurring" });
        const resolve = { state: "resolved" as IncidentState, resolvedAt: T0 + SECOND };
        await store.apply(
          changes({
            newIncidents: [successor],
            incidentChanges: [{ id: first.id, expectedVersion: 0, at: T0, addSignals: 0, set: resolve }],
          }),
        );
        assert.equal((await store.incidents.get(first.id))?.state, "resolved");
        assert.equal((await store.incidents.findOpen(["recurring"])).get("recurring")?.id, successor.id);
      }));

    it("lists incidents newest first with filters and a cursor", () =>
      withStore(target, async (store) => {
        const spec: [IncidentState, Severity, string, number][] = [
          ["open", "high", "payments", T0],
          ["resolved", "critical", "payments", T0 + 1 * SECOND],
          ["acknowledged", "low", "ledger", T0 + 2 * SECOND],
          ["open", "critical", "ledger", T0 + 3 * SECOND],
          ["escalated", "high", "payments", T0 + 4 * SECOND],
        ];
        await store.apply(
          changes({
            newIncidents: spec.map(([state, severity, service, lastSeenAt]) =>
              incident({ state, severity, service, lastSeenAt }),
            ),
          }),
        );
        const numbers = async (query: Parameters<Store["incidents"]["list"]>[0]) => {
          const page = await store.incidents.list(query);
          return { numbers: page.items.map((i) => i.number), nextCursor: page.nextCursor };
        };
        assert.deepEqual(await numbers({ limit: 2 }), { numbers: [5, 4], nextCursor: "4" });
        assert.deepEqual(await numbers({ limit: 2, cursor: "4" }), { numbers: [3, 2], nextCursor: "2" });
        assert.deepEqual(await numbers({ limit: 2, cursor: "2" }), { numbers: [1], nextCursor: null });
        assert.deepEqual(await numbers({ limit: 5 }), { numbers: [5, 4, 3, 2, 1], nextCursor: null });
        assert.deepEqual(await numbers({ limit: 10, state: ["open", "escalated"] }), { numbers: [5, 4, 1], nextCursor: null });
        assert.deepEqual(await numbers({ limit: 10, severity: ["critical"] }), { numbers: [4, 2], nextCursor: null });
        assert.deepEqual(await numbers({ limit: 10, service: "ledger" }), { numbers: [4, 3], nextCursor: null });
        assert.deepEqual(await numbers({ limit: 10, since: T0 + 3 * SECOND }), { numbers: [5, 4], nextCursor: null });
        assert.deepEqual(await numbers({ limit: 1, state: ["open"], severity: ["critical", "high"], service: "payments" }), {
          numbers: [1],
          nextCursor: null,
        });
        assert.deepEqual(await numbers({ limit: 10, service: "nowhere" }), { numbers: [], nextCursor: null });
      }));

    it("filters the list by owning team and by text in the key, title, service or team, case-insensitively", () =>
      withStore(target, async (store) => {
        const owned = (team: string) => ({
          owner: { service: "x", team, tier: null, runbookUrl: null, dashboards: [], escalation: null, source: "test" },
        });
        await store.apply(
          changes({
            newIncidents: [
              incident({ title: "payments: timeout calling bank", service: "payments", context: owned("Payments-Core") }),
              incident({ title: "ledger: disk 100% full", service: "ledger", context: owned("storage") }),
              incident({ title: "search: slow_query on index", service: "search" }),
              incident({ title: "checkout: card declined", service: "checkout", context: owned("payments-core") }),
            ],
          }),
        );
        const numbers = async (query: Partial<Parameters<Store["incidents"]["list"]>[0]>) =>
          (await store.incidents.list({ limit: 10, ...query })).items.map((i) => i.number);
        assert.deepEqual(await numbers({ team: "payments-core" }), [4, 1], "team matches case-insensitively");
        assert.deepEqual(await numbers({ team: "payments" }), [], "team is the whole name, not a part");
        assert.deepEqual(await numbers({ text: "BANK" }), [1], "title");
        assert.deepEqual(await numbers({ text: "check" }), [4], "service and title");
        assert.deepEqual(await numbers({ text: "storage" }), [2], "team");
        assert.deepEqual(await numbers({ text: "inc-3" }), [3], "key");
        assert.deepEqual(await numbers({ text: "100%" }), [2], "% is a character, not a wildcard");
        assert.deepEqual(await numbers({ text: "timeout_calling" }), [], "_ is a character, not a wildcard");
        assert.deepEqual(await numbers({ text: "slow_" }), [3]);
        assert.deepEqual(await numbers({ text: "core", service: "checkout" }), [4], "with the other filters");
        assert.deepEqual(await numbers({ text: "core", limit: 1 }).then((n) => n.length), 1);
      }));

    it("finds quiet anomalies: open, anomaly, last signal before the cutoff, oldest first", () =>
      withStore(target, async (store) => {
        const kinds: [SignalKind, IncidentState, number][] = [
          ["anomaly", "open", T0 + 2 * SECOND],
          ["anomaly", "acknowledged", T0 + 1 * SECOND],
          ["anomaly", "open", T0 + 60 * SECOND],
          ["anomaly", "resolved", T0],
          ["alert", "open", T0],
          ["anomaly", "escalated", T0 + 3 * SECOND],
        ];
        const all = kinds.map(([kind, state, lastSeenAt]) => incident({ kind, state, lastSeenAt }));
        await store.apply(changes({ newIncidents: all }));
        const quiet = await store.incidents.quietAnomalies(T0 + 30 * SECOND, 10);
        assert.deepEqual(
          quiet.map((i) => i.id),
          [all[1]?.id, all[0]?.id, all[5]?.id],
        );
        assert.equal((await store.incidents.quietAnomalies(T0 + 30 * SECOND, 2)).length, 2);
        assert.deepEqual(await store.incidents.quietAnomalies(T0, 10), []);
      }));

    it("keeps an investigation delivery's report with its row, for every attempt to render", () =>
      withStore(target, async (store) => {
        const a = newId();
        const investigation = sampleInvestigation({ incidentId: a, version: 2 }, 1);
        await store.apply(
          changes({
            deliveries: [{ ...delivery(a, "memory", "comment"), investigation }, delivery(a, "slack", "comment")],
          }),
        );
        const rows = await store.deliveries.list({ incidentId: a, limit: 10 });
        const byPlatform = new Map(rows.map((row) => [row.platform, row]));
        assert.deepEqual(await store.deliveries.investigation(byPlatform.get("memory")?.id ?? ""), investigation);
        assert.equal(await store.deliveries.investigation(byPlatform.get("slack")?.id ?? ""), null);
        assert.equal(await store.deliveries.investigation("no-such-delivery"), null);
      }));

    it("claims due deliveries one per incident and platform, in order, under a lease", () =>
      withStore(target, async (store) => {
        const a = newId();
        const b = newId();
        await store.apply(changes({ deliveries: [delivery(a, "memory", "create"), delivery(a, "slack", "create")] }));
        await store.apply(changes({ deliveries: [delivery(a, "memory", "acknowledge"), delivery(b, "memory", "create")] }));
        await store.apply(changes({ deliveries: [delivery(a, "memory", "resolve")] }));
        const now = T0;
        const lease = 30 * SECOND;
        const show = (rows: { incidentId: string; platform: string; action: string; attempts: number }[]) =>
          rows.map((d) => `${d.incidentId === a ? "a" : "b"}/${d.platform}/${d.action}/${d.attempts}`).sort();

        const first = await store.deliveries.claim(now, 10, lease, ["slack"]);
        assert.deepEqual(show(first), ["a/memory/create/1", "b/memory/create/1"]);
        const ofB = first.find((d) => d.incidentId === b);
        assert.ok(ofB);
        await store.deliveries.delivered(ofB, now, null);
        assert.equal(await store.deliveries.ticket(b, "memory"), null, "no ticket given, none stored");
        assert.deepEqual(show(await store.deliveries.claim(now, 10, lease, [])), ["a/slack/create/1"], "leased rows stay out");
        assert.deepEqual(await store.deliveries.claim(now + lease - 1, 10, lease, []), []);
        const again = await store.deliveries.claim(now + lease, 1, lease, []);
        assert.equal(again.length, 1, "the limit holds");
        assert.deepEqual(show(again), ["a/memory/create/2"], "an expired lease is claimed again, oldest first");
        const head = again[0];
        assert.ok(head);

        const t1 = now + lease + SECOND;
        await store.deliveries.delivered(head, t1, {
          incidentId: a,
          platform: "memory",
          externalId: "MEM-1",
          url: "https://memory.example/MEM-1",
          syncedState: "open",
          meta: { channel: "C1", nested: { ts: "1.2" } },
        });
        assert.equal((await store.deliveries.get(head.id))?.status, "delivered");
        assert.deepEqual(await store.deliveries.ticket(a, "memory"), {
          incidentId: a,
          platform: "memory",
          externalId: "MEM-1",
          url: "https://memory.example/MEM-1",
          syncedState: "open",
          meta: { channel: "C1", nested: { ts: "1.2" } },
          createdAt: t1,
          updatedAt: t1,
        });
        const [next] = await store.deliveries.claim(t1, 10, lease, ["slack"]);
        assert.equal(next?.action, "acknowledge", "the next change of a/memory is due once the first is delivered");
        assert.ok(next);
        const t2 = t1 + SECOND;
        await store.deliveries.delivered(next, t2, {
          incidentId: a,
          platform: "memory",
          externalId: "MEM-1",
          url: null,
          syncedState: "acknowledged",
          meta: { channel: "C1" },
        });
        assert.deepEqual(await store.incidents.tickets(a), [
          {
            incidentId: a,
            platform: "memory",
            externalId: "MEM-1",
            url: "https://memory.example/MEM-1",
            syncedState: "acknowledged",
            meta: { channel: "C1" },
            createdAt: t1,
            updatedAt: t2,
          },
        ]);
        assert.equal(await store.deliveries.ticket(a, "slack"), null);

        const [last] = await store.deliveries.claim(t2, 10, lease, ["slack"]);
        assert.equal(last?.action, "resolve");
        assert.ok(last);
        await store.deliveries.retryLater(last.id, t2 + 60 * SECOND, "HTTP 429", t2);
        let row = await store.deliveries.get(last.id);
        assert.equal(row?.lastError, "HTTP 429");
        assert.equal(row?.nextAttemptAt, t2 + 60 * SECOND);
        assert.equal(row?.updatedAt, t2);
        assert.equal(row?.attempts, 1);
        assert.deepEqual(await store.deliveries.claim(t2 + 59 * SECOND, 10, lease, ["slack"]), []);
        assert.deepEqual(show(await store.deliveries.claim(t2 + 60 * SECOND, 10, lease, ["slack"])), ["a/memory/resolve/2"]);

        await store.deliveries.dead(last.id, "gave up", t2 + 61 * SECOND);
        row = await store.deliveries.get(last.id);
        assert.equal(row?.status, "dead");
        assert.equal(row?.lastError, "gave up");
        assert.deepEqual(await store.deliveries.claim(t2 + 120 * SECOND, 10, lease, ["slack"]), []);
        assert.deepEqual(
          (await store.deliveries.list({ status: "dead", limit: 10 })).map((d) => d.id),
          [last.id],
        );

        assert.equal(await store.deliveries.revive(last.id, t2 + 200 * SECOND), true);
        assert.equal(await store.deliveries.revive(last.id, t2 + 200 * SECOND), false, "only a dead row revives");
        assert.equal(await store.deliveries.revive("missing", t2), false);
        row = await store.deliveries.get(last.id);
        assert.equal(row?.status, "pending");
        assert.equal(row?.attempts, 0);
        assert.equal(row?.nextAttemptAt, 0);
        assert.equal(row?.updatedAt, t2 + 200 * SECOND);

        const t3 = t2 + 200 * SECOND;
        assert.deepEqual(show(await store.deliveries.claim(t3, 10, lease, ["slack"])), ["a/memory/resolve/1"]);
        await store.deliveries.release(last.id);
        row = await store.deliveries.get(last.id);
        assert.equal(row?.attempts, 0, "a release undoes the attempt");
        assert.deepEqual(show(await store.deliveries.claim(t3, 10, lease, ["slack"])), ["a/memory/resolve/1"], "and the lease");

        assert.deepEqual(await store.deliveries.countByStatus(), { delivered: 3, pending: 2 });
        assert.deepEqual((await store.deliveries.list({ platform: "slack", limit: 10 })).length, 1);
        assert.deepEqual((await store.deliveries.list({ status: "pending", incidentId: a, limit: 10 })).length, 2);
        assert.deepEqual((await store.deliveries.list({ limit: 2 })).length, 2);
        assert.equal(await store.deliveries.get("missing"), null);
      }));

    it("keeps the first rendered request of a delivery for every retry, and forgets it when a dead row is revived", () =>
      withStore(target, async (store) => {
        const a = newId();
        await store.apply(changes({ deliveries: [delivery(a, "webhook", "create")] }));
        const [row] = await store.deliveries.claim(T0, 10, 30 * SECOND, []);
        assert.ok(row);
        const first = '{"incident":{"signalCount":1},"renderedAt":1}';
        assert.equal(await store.deliveries.freeze(row.id, first), first, "the first attempt keeps its request");
        assert.equal(
          await store.deliveries.freeze(row.id, '{"incident":{"signalCount":9}}'),
          first,
          "a retry gets the first one",
        );
        assert.equal(await store.deliveries.freeze(row.id, "{}"), first);
        assert.equal((await store.deliveries.get(row.id))?.detail, "create webhook", "the row is otherwise untouched");
        await store.deliveries.dead(row.id, "rejected: HTTP 400", T0 + SECOND);
        assert.equal(await store.deliveries.revive(row.id, T0 + 2 * SECOND), true);
        assert.equal(await store.deliveries.freeze(row.id, "{}"), "{}", "a revived row is rendered afresh");
      }));

    it("keeps a round's first rendered requests at once, each delivery's own, in the order given", () =>
      withStore(target, async (store) => {
        const [a, b] = [newId(), newId()];
        await store.apply(changes({ deliveries: [delivery(a, "webhook", "create"), delivery(b, "webhook", "create")] }));
        const rows = await store.deliveries.claim(T0, 10, 30 * SECOND, []);
        const [first, second] = [rows.find((r) => r.incidentId === a), rows.find((r) => r.incidentId === b)];
        assert.ok(first && second);
        assert.equal(await store.deliveries.freeze(first.id, '{"kept":"a"}'), '{"kept":"a"}');
        assert.deepEqual(
          await store.deliveries.freezeAll([
            { id: second.id, request: '{"kept":"b"}' },
            { id: first.id, request: '{"kept":"a2"}' },
          ]),
          ['{"kept":"b"}', '{"kept":"a"}'],
          "a row frozen before keeps its request; a new one keeps the one given",
        );
        assert.equal(await store.deliveries.freeze(second.id, "{}"), '{"kept":"b"}', "what freezeAll kept, a retry gets");
        assert.deepEqual(await store.deliveries.freezeAll([]), []);
      }));

    it("reads many incidents by id at once, leaving out ids with no incident", () =>
      withStore(target, async (store) => {
        const [a, b] = [incident(), incident({ kind: "alert", severity: "critical", priority: "P1" })];
        await store.apply(changes({ newIncidents: [a, b] }));
        const found = await store.incidents.getMany([b.id, "missing", a.id, b.id]);
        assert.deepEqual([...found.keys()].sort(), [a.id, b.id].sort());
        assert.deepEqual(found.get(a.id), await store.incidents.get(a.id), "the same incident a single read gives");
        assert.deepEqual(found.get(b.id), await store.incidents.get(b.id));
        assert.equal((await store.incidents.getMany([])).size, 0);
      }));

    it("reads the heads of incidents by id: key, tenant, service, environment and state", () =>
      withStore(target, async (store) => {
        const [a, b] = [incident(), incident()];
        await store.apply(changes({ newIncidents: [a, b] }));
        const full = await store.incidents.get(b.id);
        assert.ok(full);
        const heads = await store.incidents.heads([b.id, "missing", b.id]);
        assert.deepEqual([...heads.keys()], [b.id]);
        const { id, key, tenant, service, environment, state } = full;
        assert.deepEqual(heads.get(b.id), { id, key, tenant, service, environment, state });
        assert.equal((await store.incidents.heads([])).size, 0);
      }));

    it("generates an instance key once and hands every later caller the same one", () =>
      withStore(target, async (store) => {
        let generated = 0;
        const generate = () => `key-${++generated}`;
        assert.equal(await store.keys.get("affected-users", generate, T0), "key-1");
        assert.equal(await store.keys.get("affected-users", generate, T0 + SECOND), "key-1");
        assert.notEqual(await store.keys.get("other", generate, T0), "key-1", "names are separate keys");
      }));

    it("finds an incident by a platform's ticket id", () =>
      withStore(target, async (store) => {
        const linked = incident();
        await store.apply(changes({ newIncidents: [linked, incident()], deliveries: [delivery(linked.id, "jira")] }));
        const [row] = await store.deliveries.claim(T0, 10, 30 * SECOND, []);
        assert.ok(row);
        await store.deliveries.delivered(row, T0, {
          incidentId: linked.id,
          platform: "jira",
          externalId: "OPS-7",
          url: null,
          syncedState: "open",
          meta: {},
        });
        assert.equal((await store.incidents.byTicket("jira", "OPS-7"))?.id, linked.id);
        assert.equal(await store.incidents.byTicket("jira", "OPS-8"), null);
        assert.equal(await store.incidents.byTicket("slack", "OPS-7"), null);
      }));

    it("records a round of accepted deliveries at once, each with its ticket and time", () =>
      withStore(target, async (store) => {
        const first = incident();
        const second = incident();
        await store.apply(
          changes({
            newIncidents: [first, second],
            deliveries: [delivery(first.id, "jira"), delivery(second.id, "jira"), delivery(first.id, "slack")],
          }),
        );
        const rows = await store.deliveries.claim(T0, 10, 30 * SECOND, []);
        assert.equal(rows.length, 3);
        const [a, b, c] = rows as [Delivery, Delivery, Delivery];
        const ticketOf = (row: Delivery, externalId: string) => ({
          ...{ incidentId: row.incidentId, platform: row.platform, externalId, url: null, syncedState: "open" as const },
          meta: { n: externalId },
        });
        await store.deliveries.deliveredAll([
          { delivery: a, now: T0 + 1, ticket: ticketOf(a, "T-1") },
          { delivery: b, now: T0 + 2, ticket: null },
          { delivery: c, now: T0 + 3, ticket: ticketOf(c, "T-3") },
        ]);
        await store.deliveries.deliveredAll([]);
        for (const [row, at] of [
          [a, T0 + 1],
          [b, T0 + 2],
          [c, T0 + 3],
        ] as const) {
          const stored = await store.deliveries.get(row.id);
          assert.equal(stored?.status, "delivered");
          assert.equal(stored?.updatedAt, at);
        }
        assert.equal((await store.deliveries.ticket(a.incidentId, a.platform))?.externalId, "T-1");
        assert.deepEqual((await store.deliveries.ticket(c.incidentId, c.platform))?.meta, { n: "T-3" });
        assert.equal(await store.deliveries.ticket(b.incidentId, b.platform), null);
        assert.deepEqual(await store.deliveries.claim(T0 + 60 * SECOND, 10, SECOND, []), [], "none is due again");
      }));

    it("claims due timers under a lease, completes them, and finds open incidents without one", () =>
      withStore(target, async (store) => {
        const watched = incident({ createdAt: T0 });
        const bare = incident({ state: "escalated", createdAt: T0 + SECOND });
        const quiet = incident({ state: "acknowledged", createdAt: T0 + 2 * SECOND });
        await store.apply(
          changes({
            newIncidents: [watched, bare, quiet],
            timers: [
              { kind: "escalate", incidentId: watched.id, step: 2, dueAt: T0 + 10 * SECOND },
              { kind: "escalate", incidentId: watched.id, step: 1, dueAt: T0 + 5 * SECOND },
            ],
          }),
        );
        const lease = 30 * SECOND;
        assert.deepEqual(await store.timers.claimDue(T0 + 4 * SECOND, 10, lease), []);
        const due = await store.timers.claimDue(T0 + 10 * SECOND, 10, lease);
        assert.deepEqual(
          due.map(({ id: _id, ...timer }) => timer),
          [
            { kind: "escalate", incidentId: watched.id, step: 1, dueAt: T0 + 5 * SECOND },
            { kind: "escalate", incidentId: watched.id, step: 2, dueAt: T0 + 10 * SECOND },
          ],
        );
        assert.deepEqual(await store.timers.claimDue(T0 + 10 * SECOND, 10, lease), [], "leased timers stay out");
        const [first, second] = due;
        assert.ok(first && second);
        await store.timers.complete(first.id);
        assert.deepEqual(
          (await store.timers.claimDue(T0 + 10 * SECOND + lease, 10, lease)).map((t) => t.id),
          [second.id],
          "an expired lease is claimed again, a completed timer never",
        );
        assert.deepEqual(
          (await store.timers.incidentsWithoutTimer("escalate", 10)).map((i) => i.id),
          [bare.id],
        );
        await store.timers.complete(second.id);
        assert.deepEqual(
          (await store.timers.incidentsWithoutTimer("escalate", 10)).map((i) => i.id),
          [watched.id, bare.id],
        );
        assert.equal((await store.timers.incidentsWithoutTimer("escalate", 1)).length, 1);
      }));

    it("queues one investigation job per incident, claims it under a lease, runs a request made meanwhile once more", () =>
      withStore(target, async (store) => {
        const lease = 60 * SECOND;
        const jobs = store.investigations;
        assert.equal(await jobs.status("inc-a"), null);
        await jobs.request("inc-a", "opened", T0);
        await jobs.request("inc-b", "requested", T0 + SECOND);
        await jobs.request("inc-a", "severity-raised", T0 + 2 * SECOND);
        assert.equal(await jobs.status("inc-a"), "pending");
        const claimed = await jobs.claim(T0 + 3 * SECOND, 10, lease);
        assert.deepEqual(claimed, [
          { incidentId: "inc-a", trigger: "opened", requestedAt: T0, attempt: 1 },
          { incidentId: "inc-b", trigger: "requested", requestedAt: T0 + SECOND, attempt: 1 },
        ]);
        assert.deepEqual(await jobs.claim(T0 + 4 * SECOND, 10, lease), [], "leased jobs stay out");
        // A request while running: the job runs once more after this run ends.
        await jobs.request("inc-a", "reopened", T0 + 5 * SECOND);
        assert.equal(await jobs.status("inc-a"), "running");
        assert.equal(await jobs.finish("inc-a", 1), true);
        assert.equal(await jobs.finish("inc-b", 1), true);
        assert.equal(await jobs.status("inc-b"), "done");
        assert.equal(await jobs.finish("inc-b", 1), false, "a claim ends once");
        const again = await jobs.claim(T0 + 6 * SECOND, 10, lease);
        assert.deepEqual(
          again.map((j) => [j.incidentId, j.trigger, j.attempt]),
          [["inc-a", "reopened", 2]],
        );
        // The claimer dies: its lease expires, another claims the job, and the first one's finish is refused.
        const taken = await jobs.claim(T0 + 6 * SECOND + lease, 10, lease);
        assert.deepEqual(
          taken.map((j) => [j.incidentId, j.attempt]),
          [["inc-a", 3]],
        );
        assert.equal(await jobs.finish("inc-a", 2), false);
        assert.equal(await jobs.finish("inc-a", 3), true);
        assert.equal(await jobs.status("inc-a"), "done");
        assert.deepEqual(await jobs.claim(T0 + 10 * lease, 10, lease), []);
        // A done job is queued again by a new request.
        await jobs.request("inc-b", "reopened", T0 + 20 * lease);
        assert.deepEqual(
          (await jobs.claim(T0 + 20 * lease, 10, lease)).map((j) => [j.incidentId, j.trigger, j.requestedAt]),
          [["inc-b", "reopened", T0 + 20 * lease]],
        );
      }));

    it("stores investigation reports in versions and reads the latest or a given one", () =>
      withStore(target, async (store) => {
        const report = {
          incidentId: "inc-r",
          incidentKey: "INC-7",
          trigger: "opened" as const,
          startedAt: T0,
          finishedAt: T0 + SECOND,
          outcome: "abstained" as const,
          reason: "no-evidence",
          hypotheses: [],
          evidence: [{ id: "changes-1", source: "changes" as const, query: "q", summary: "s", link: null }],
          steps: [],
          actions: [],
          rootCause: null,
        };
        assert.equal(await store.investigations.report("inc-r"), null);
        assert.equal(await store.investigations.saveReport(report, T0), 1);
        assert.equal(
          await store.investigations.saveReport({ ...report, outcome: "hypothesis", rootCause: "db" }, T0 + SECOND),
          2,
        );
        assert.deepEqual(await store.investigations.report("inc-r"), {
          ...report,
          outcome: "hypothesis",
          rootCause: "db",
          version: 2,
        });
        assert.deepEqual(await store.investigations.report("inc-r", 1), { ...report, version: 1 });
        assert.equal(await store.investigations.report("inc-r", 3), null);

        // complete(): the report and the end of its claim commit together; a lost claim stores nothing.
        await store.investigations.request("inc-r", "opened", T0);
        const [claimed] = await store.investigations.claim(T0 + 2 * SECOND, 1, SECOND);
        assert.ok(claimed);
        assert.equal(await store.investigations.complete(report, claimed.attempt + 1, T0 + 3 * SECOND), null, "not this claim");
        assert.equal(await store.investigations.status("inc-r"), "running");
        assert.equal(await store.investigations.report("inc-r", 3), null, "a lost claim stores no report");
        assert.equal(await store.investigations.complete(report, claimed.attempt, T0 + 3 * SECOND), 3);
        assert.equal(await store.investigations.status("inc-r"), "done");
        assert.equal(await store.investigations.complete(report, claimed.attempt, T0 + 4 * SECOND), null, "a claim ends once");

        // completeAll(): complete's rules per claim, in one transaction; a lost claim stores nothing and
        // leaves the others alone.
        await store.investigations.requestAll(
          [
            { incidentId: "inc-r", trigger: "reopened" },
            { incidentId: "inc-b", trigger: "opened" },
          ],
          T0 + 5 * SECOND,
        );
        const both = await store.investigations.claim(T0 + 6 * SECOND, 5, SECOND);
        const claimOf = (id: string) => both.find((job) => job.incidentId === id)?.attempt ?? -1;
        assert.deepEqual(
          await store.investigations.completeAll(
            [
              { report, attempt: claimOf("inc-r") + 1 },
              { report: { ...report, incidentId: "inc-b", incidentKey: "INC-B" }, attempt: claimOf("inc-b") },
            ],
            T0 + 7 * SECOND,
          ),
          [null, 1],
        );
        assert.equal(await store.investigations.status("inc-r"), "running", "a lost claim stays as it was");
        assert.equal(await store.investigations.status("inc-b"), "done");
        assert.equal((await store.investigations.report("inc-b"))?.incidentKey, "INC-B");
        assert.equal(await store.investigations.report("inc-r", 4), null);
        assert.deepEqual(await store.investigations.completeAll([{ report, attempt: claimOf("inc-r") }], T0 + 8 * SECOND), [4]);
        assert.deepEqual(await store.investigations.completeAll([], T0 + 8 * SECOND), []);

        // requestedBefore: a queued job requested after it waits (investigations yield to a busy ingest).
        await store.investigations.request("inc-young", "opened", T0 + 10 * SECOND);
        assert.deepEqual(await store.investigations.claim(T0 + 11 * SECOND, 5, SECOND, T0 + 9 * SECOND), []);
        const taken = await store.investigations.claim(T0 + 11 * SECOND, 5, SECOND, T0 + 10 * SECOND);
        assert.deepEqual(
          taken.map((job) => job.incidentId),
          ["inc-young"],
        );
      }));

    it("queues many investigations in one call with the rules of a single request", () =>
      withStore(target, async (store) => {
        await store.investigations.request("inc-running", "opened", T0);
        assert.equal((await store.investigations.claim(T0 + SECOND, 1, 60 * SECOND)).length, 1);
        await store.investigations.request("inc-queued", "opened", T0 + SECOND);
        const many = Array.from({ length: 1203 }, (_, n) => ({ incidentId: `inc-many-${n}`, trigger: "opened" as const }));
        await store.investigations.requestAll(
          [
            ...many,
            { incidentId: "inc-many-0", trigger: "severity-raised" },
            { incidentId: "inc-running", trigger: "severity-raised" },
            { incidentId: "inc-queued", trigger: "severity-raised" },
          ],
          T0 + 2 * SECOND,
        );
        await store.investigations.requestAll([], T0 + 3 * SECOND);
        assert.equal(await store.investigations.status("inc-many-1202"), "pending");
        assert.equal(await store.investigations.status("inc-running"), "running", "a running job keeps running");
        const jobs = await store.investigations.claim(T0 + 4 * SECOND, 2000, SECOND);
        assert.equal(jobs.length, 1204, "every named incident once, and the one queued before");
        const byId = new Map(jobs.map((job) => [job.incidentId, job]));
        assert.equal(byId.get("inc-queued")?.requestedAt, T0 + SECOND, "a queued job keeps its place");
        assert.equal(byId.get("inc-queued")?.trigger, "opened", "and its trigger");
        assert.equal(byId.get("inc-many-0")?.trigger, "opened", "an incident named twice keeps its first trigger");
        assert.equal(byId.get("inc-many-7")?.requestedAt, T0 + 2 * SECOND);
      }));

    it("stores a change once per source and upstream id, and reads changes of services in a time range newest first", () =>
      withStore(target, async (store) => {
        const first = change({ sourceId: "deploy-1", at: T0, version: "v1.2.3", labels: { region: "eu", "quote's": '"x"' } });
        const stored = await store.changes.insert([
          first,
          change({ sourceId: "deploy-2", at: T0 + 60 * SECOND, kind: "config", author: null, url: null, version: null }),
          change({ sourceId: "deploy-3", at: T0 - 3_600 * SECOND, service: "ledger" }),
          change({ sourceId: "deploy-4", at: T0 + 30 * SECOND, environment: "staging" }),
          change({ sourceId: "deploy-5", at: T0 + 10 * SECOND, tenant: "globex" }),
        ]);
        assert.equal(stored.size, 5);
        // A re-send (same source and id, new Sluice id) is refused; the same id from another system is a different change.
        const again = await store.changes.insert([
          change({ sourceId: "deploy-1", summary: "re-sent" }),
          change({ sourceId: "deploy-1", source: "github", service: "search" }),
          change({ sourceId: "deploy-6", source: "github", service: "search" }),
          change({ sourceId: "deploy-6", source: "github", service: "search" }),
        ]);
        assert.equal(again.size, 2, "one copy of deploy-1 from github and one of deploy-6");
        const all = await store.changes.find({ from: 0, to: Number.MAX_SAFE_INTEGER, limit: 100 });
        assert.equal(all.length, 7);
        assert.equal(all.filter((c) => c.source === "sluice" && c.sourceId === "deploy-1").length, 1);
        assert.deepEqual(
          all.find((c) => c.id === first.id),
          first,
          "every field survives the round trip",
        );

        const window = await store.changes.find({
          tenant: "acme",
          environment: "production",
          services: ["payments", "ledger"],
          from: T0 - 7_200 * SECOND,
          to: T0 + 60 * SECOND,
          limit: 10,
        });
        assert.deepEqual(
          window.map((c) => c.sourceId),
          ["deploy-2", "deploy-1", "deploy-3"],
          "newest first; other tenants and environments left out; both bounds inclusive",
        );
        const capped = await store.changes.find({ services: ["payments"], from: 0, to: Number.MAX_SAFE_INTEGER, limit: 2 });
        assert.equal(capped.length, 2);
        const deploys = await store.changes.find({ kinds: ["deploy"], from: T0, to: T0 + 60 * SECOND, limit: 10 });
        assert.ok(deploys.every((c) => c.kind === "deploy") && deploys.length > 0);
        assert.deepEqual(await store.changes.find({ services: [], from: 0, to: Number.MAX_SAFE_INTEGER, limit: 10 }), []);
      }));

    it("stores claimed patterns once per shape, hands a covered claim the stored one, and merges written templates", () =>
      withStore(target, async (store) => {
        const first = patternClaim("disk d.one is full on node", T0);
        const [made] = await store.patterns.claim([first], choosePattern);
        assert.equal(made?.id, first.id);
        assert.deepEqual(made?.template, first.tokens);
        // Same shape, covered: the stored pattern, nothing new. Same id as a stored one: that one.
        const [covered, sameId] = await store.patterns.claim(
          [patternClaim("disk d.two is full on node", T0 + 1), { ...patternClaim("unrelated words here", T0 + 2), id: first.id }],
          choosePattern,
        );
        assert.equal(covered?.id, first.id);
        assert.equal(sameId?.id, first.id);
        // Within one call, a later claim sees what an earlier one created.
        const [x, y] = await store.patterns.claim(
          [
            patternClaim("queue q.a is stuck behind consumer", T0 + 3),
            patternClaim("queue q.b is stuck behind consumer", T0 + 3),
          ],
          choosePattern,
        );
        assert.equal(y?.id, x?.id);
        // Two writers generalised different positions: the stored template covers both.
        const written = (template: string, at: number) =>
          changes({ patterns: [{ id: first.id, template: template.split(" "), at }] });
        await store.apply(written("disk <*> is full on node", T0 + 10));
        await store.apply(written("disk d.one is full on <*>", T0 + 20));
        const recent = await store.patterns.updatedSince(T0 + 5, 10);
        assert.deepEqual(
          recent.map((p) => [p.id, p.template.join(" "), p.updatedAt]),
          [[first.id, "disk <*> is full on <*>", T0 + 20]],
        );
        assert.equal((await store.patterns.updatedSince(0, 10)).length, 2);
        assert.equal((await store.patterns.updatedSince(0, 1))[0]?.id, first.id, "newest first");
      }));

    it("records a merged pattern: it answers through the one it merged into, leaves its shape, and keeps its first merge", () =>
      withStore(target, async (store) => {
        const alice = patternClaim("user alice not found in directory corp", T0);
        const bob = patternClaim("user bob not found in directory corp", T0 + 1);
        const carol = patternClaim("user carol not found in directory corp", T0 + 2);
        // Three patterns (a plain word differs), as a miner creates them before the word shows to be a parameter.
        const distinct = () => undefined;
        await store.patterns.claim([alice, bob, carol], distinct);
        await store.patterns.merge([
          { id: bob.id, into: alice.id, at: T0 + 10 },
          { id: carol.id, into: alice.id, at: T0 + 10 },
        ]);
        // A later merge of an already merged pattern does not move it.
        await store.patterns.merge([{ id: bob.id, into: carol.id, at: T0 + 20 }]);
        const byId = new Map((await store.patterns.updatedSince(0, 10)).map((p) => [p.id, p]));
        assert.equal(byId.get(bob.id)?.mergedInto, alice.id);
        assert.equal(byId.get(carol.id)?.mergedInto, alice.id);
        assert.equal(byId.get(alice.id)?.mergedInto, undefined);
        assert.equal(byId.get(bob.id)?.updatedAt, T0 + 10, "refreshes see the merge");
        // A claim sees only live patterns of its shape; a claim with a merged pattern's id gets the survivor.
        let seen: string[] = [];
        const [again] = await store.patterns.claim([{ ...bob, at: T0 + 30 }], (_claim, candidates) => {
          seen = candidates.map((c) => c.id);
          return undefined;
        });
        assert.deepEqual(seen, [alice.id]);
        assert.equal(again?.id, alice.id);
      }));

    it("reads similar-incident candidates: resolved, same tenant, in the lookback, related first, then most recent", () =>
      withStore(target, async (store) => {
        const HOUR = 3_600 * SECOND;
        const resolved = (fields: Partial<NewIncident>) =>
          incident({ state: "resolved", resolvedAt: T0 + HOUR, errorPattern: "pool exhausted after <num>ms", ...fields });
        const samePayments = resolved({ title: "pool exhausted", resolvedAt: T0 + HOUR, firstSeenAt: T0 - HOUR });
        const samePattern = resolved({ service: "ledger", resolvedAt: T0 + 2 * HOUR });
        const sameServiceOnly = resolved({ errorPattern: "card declined", resolvedAt: T0 + 30 * SECOND });
        const unrelatedRecent = resolved({ service: "search", errorPattern: "zero results", resolvedAt: T0 + 3 * HOUR });
        const tooOld = resolved({ service: "search", errorPattern: "zero results", resolvedAt: T0 - 100 * 24 * HOUR });
        const self = resolved({ resolvedAt: T0 + 4 * HOUR });
        const stillOpen = incident({ errorPattern: "pool exhausted after <num>ms" });
        const otherTenant = resolved({ tenant: "globex" });
        await store.apply(
          changes({
            newIncidents: [samePayments, samePattern, sameServiceOnly, unrelatedRecent, tooOld, self, stillOpen, otherTenant],
          }),
        );
        const query = {
          tenant: "acme",
          service: "payments",
          errorPattern: "pool exhausted after <num>ms",
          since: T0 - 90 * 24 * HOUR,
          excludeId: self.id,
          limit: 10,
        };
        const all = await store.similar.candidates(query);
        assert.deepEqual(
          all.map((c) => c.id),
          [samePattern.id, samePayments.id, sameServiceOnly.id, unrelatedRecent.id],
          "same service or pattern first (newest first), then the rest; never open, other tenants, too old or itself",
        );
        const first = all[1];
        assert.ok(first);
        assert.equal(first.key, (await store.incidents.get(samePayments.id))?.key);
        assert.deepEqual(
          { ...first, key: undefined },
          {
            id: samePayments.id,
            number: first.number,
            key: undefined,
            title: "pool exhausted",
            service: "payments",
            environment: "production",
            errorPattern: "pool exhausted after <num>ms",
            patternId: null,
            summary: "timeouts calling the bank",
            firstSeenAt: T0 - HOUR,
            resolvedAt: T0 + HOUR,
          },
        );
        assert.deepEqual(
          (await store.similar.candidates({ ...query, limit: 2 })).map((c) => c.id),
          [samePattern.id, samePayments.id],
          "a related incident beats a more recent unrelated one for the cap",
        );
        assert.equal((await store.similar.candidates({ ...query, excludeId: null })).length, 5);
        assert.deepEqual(await store.similar.candidates({ ...query, tenant: "initech" }), []);
        // Same pattern id, other text (resolved before its template generalised): related too.
        const samePatternId = resolved({ service: "ledger", errorPattern: "pool p7 exhausted", patternId: "p-pool" });
        await store.apply(changes({ newIncidents: [samePatternId] }));
        const byId = await store.similar.candidates({ ...query, patternId: "p-pool", limit: 3 });
        assert.deepEqual(
          byId.map((c) => [c.id, c.patternId]),
          [
            [samePattern.id, null],
            [samePatternId.id, "p-pool"],
            [samePayments.id, null],
          ],
        );
      }));

    it("deletes what retention no longer keeps, and never the evidence of an incident open or lately resolved", () =>
      withStore(target, async (store) => {
        const DAY = 24 * 3_600 * SECOND;
        const old = T0 - 40 * DAY;
        const open = incident({ firstSeenAt: old });
        const resolvedLongAgo = incident({ state: "resolved", resolvedAt: T0 - 400 * DAY });
        const resolvedLately = incident({ state: "resolved", resolvedAt: T0 - 2 * DAY });
        const at = (receivedAt: number, incidentId: string | null, n: number) =>
          stored(signal({ receivedAt, source: "retention", sourceId: `r-${n}` }), incidentId);
        // Oldest first, as ingest stores them; one old signal per kind of holder, and recent ones.
        await store.apply(
          changes({
            newIncidents: [open, resolvedLongAgo, resolvedLately],
            signals: [
              at(old, open.id, 1),
              at(old, resolvedLately.id, 2),
              at(old, null, 3),
              at(old + DAY, resolvedLongAgo.id, 4),
              at(T0 - DAY, null, 5),
              at(T0 - DAY, resolvedLately.id, 6),
            ],
            timeline: [{ incidentId: resolvedLongAgo.id, at: old, actor: "api:x", action: "resolved", detail: "", rule: null }],
            deliveries: [delivery(resolvedLongAgo.id, "memory"), delivery(open.id, "memory")],
            timers: [{ kind: "escalate", incidentId: open.id, step: 1, dueAt: old }],
          }),
        );
        const [timer] = await store.timers.claimDue(T0, 10, 60 * SECOND);
        assert.ok(timer);
        await store.timers.complete(timer.id);
        const kept = (n: number) =>
          store.signals.existing([{ source: "retention", sourceId: `r-${n}` }]).then((s) => s.size === 1);
        const records = T0 - 30 * DAY;

        const first = await store.retention.prune({ records, incidents: null }, { chunk: 1, maxRows: 100 });
        assert.deepEqual(first, { signals: 2, changes: 0, deliveries: 0, timers: 1, incidents: 0 });
        assert.deepEqual(
          await Promise.all([1, 2, 3, 4, 5, 6].map(kept)),
          [true, true, false, false, true, true],
          "old signals of the open incident and of one resolved two days ago stay (it may reopen); the gated one and those of an incident resolved long ago go; recent ones stay",
        );
        const second = await store.retention.prune({ records, incidents: T0 - 365 * DAY }, { chunk: 1000, maxRows: 100 });
        assert.equal(second.incidents, 1);
        assert.equal(await store.incidents.get(resolvedLongAgo.id), null);
        assert.deepEqual(await store.incidents.timeline(resolvedLongAgo.id), []);
        assert.deepEqual(await store.deliveries.list({ incidentId: resolvedLongAgo.id, limit: 10 }), []);
        assert.ok(await store.incidents.get(resolvedLately.id));
        assert.ok(await store.incidents.get(open.id));
        assert.equal((await store.deliveries.list({ incidentId: open.id, limit: 10 })).length, 1, "pending deliveries stay");
        assert.deepEqual(
          await store.retention.prune({ records, incidents: T0 - 365 * DAY }, { chunk: 1000, maxRows: 100 }),
          { signals: 0, changes: 0, deliveries: 0, timers: 0, incidents: 0 },
          "a second pass finds nothing",
        );
      }));

    it("reads the SLI facts of a created range in pages: each incident once, ties on created_at included", () =>
      withStore(target, async (store) => {
        // 600 incidents over three instants (one shares its created_at with more than two pages), one after the range.
        const at = [T0, T0 + SECOND, T0 + 2 * SECOND];
        const inRange = at.flatMap((createdAt, n) =>
          Array.from({ length: n === 1 ? 400 : 100 }, () => incident({ createdAt, firstSeenAt: createdAt })),
        );
        const later = incident({ createdAt: T0 + 3 * SECOND });
        await store.apply(
          changes({
            newIncidents: [...inRange, later],
            timeline: inRange.map((i) => ({
              incidentId: i.id,
              at: i.createdAt,
              actor: "sluice:lifecycle",
              action: "acknowledged",
              detail: "on it",
              rule: null,
            })),
          }),
        );
        const facts = await store.sli.facts(T0, T0 + 2 * SECOND);
        const ids = facts.incidents.map((i) => i.id);
        assert.equal(ids.length, 600);
        assert.deepEqual(new Set(ids), new Set(inRange.map((i) => i.id)));
        assert.equal(facts.timeline.length, 600, "each incident's entries read with its page");
      }));

    it("reads the latest notes and resolutions of many incidents at once, cut to a length", () =>
      withStore(target, async (store) => {
        const one = incident({ state: "resolved", resolvedAt: T0 });
        const two = incident({ state: "resolved", resolvedAt: T0 });
        const entry = (incidentId: string, action: string, detail: string, at: number) => ({
          incidentId,
          at,
          actor: "api:alice",
          action,
          detail,
          rule: null,
        });
        await store.apply(
          changes({
            newIncidents: [one, two],
            timeline: [
              ...Array.from({ length: 7 }, (_, i) => entry(one.id, "note", `note ${i} ${"x".repeat(40)}`, T0 + i)),
              entry(one.id, "acknowledged", "", T0 + 8),
              entry(one.id, "resolved", "first fix", T0 + 9),
              entry(one.id, "reopened", "", T0 + 10),
              entry(one.id, "resolved", "rolled back", T0 + 11),
              entry(two.id, "resolved", "restarted", T0 + 12),
            ],
          }),
        );
        const events = await store.similar.resolutionEvents([one.id, two.id, "missing"], 3, 12);
        const of = (id: string) => events.filter((e) => e.incidentId === id).map((e) => [e.action, e.detail, e.at]);
        assert.deepEqual(of(one.id), [
          ["note", "note 4 xxxxx", T0 + 4],
          ["note", "note 5 xxxxx", T0 + 5],
          ["note", "note 6 xxxxx", T0 + 6],
          ["resolved", "first fix", T0 + 9],
          ["resolved", "rolled back", T0 + 11],
        ]);
        assert.deepEqual(of(two.id), [["resolved", "restarted", T0 + 12]]);
        assert.deepEqual(await store.similar.resolutionEvents([], 3, 100), []);
      }));

    const openReplicas = target.openReplicas;
    if (openReplicas) {
      it("never gives one row to two replicas claiming at once, and keeps the order per incident and platform", async () => {
        const [one, two] = await openReplicas();
        try {
          const pairs = 60;
          const rows: NewDelivery[] = [];
          for (let n = 0; n < pairs; n++) {
            const id = newId();
            rows.push(delivery(id, "memory", "create"), delivery(id, "memory", "update"));
          }
          await one.apply(changes({ deliveries: rows }));
          const claimAll = async () => {
            const seen: string[] = [];
            for (;;) {
              const rounds = await Promise.all([one, two, one, two, one, two].map((s) => s.deliveries.claim(T0, 7, 60_000, [])));
              const claimed = rounds.flat();
              if (claimed.length === 0) return seen;
              seen.push(...claimed.map((d) => d.id));
              for (const d of claimed) assert.equal(d.attempts, 1);
            }
          };
          const heads = await claimAll();
          assert.equal(new Set(heads).size, heads.length, "no row claimed twice");
          assert.equal(heads.length, pairs, "only the first row of each incident and platform");
          const all = await one.deliveries.list({ limit: 1000 });
          const byId = new Map(all.map((d) => [d.id, d]));
          assert.ok(heads.every((id) => byId.get(id)?.action === "create"));
          await Promise.all(
            heads.map((id, n) => {
              const row = byId.get(id);
              assert.ok(row);
              return (n % 2 ? one : two).deliveries.delivered(row, T0, null);
            }),
          );
          const tails = await claimAll();
          assert.equal(new Set(tails).size, tails.length, "no row claimed twice");
          assert.equal(tails.length, pairs);
          assert.ok(tails.every((id) => byId.get(id)?.action === "update"));
        } finally {
          await Promise.all([one.close(), two.close()]);
        }
      });

      it("lets replicas starting together agree on one instance key", async () => {
        const [one, two] = await openReplicas();
        try {
          const keys = await Promise.all(
            [one, two, one, two].map((store, n) => store.keys.get("affected-users", () => `replica-${n}`, T0)),
          );
          assert.equal(new Set(keys).size, 1, `one key for all: ${keys.join(", ")}`);
        } finally {
          await Promise.all([one.close(), two.close()]);
        }
      });

      it("never gives one timer to two replicas claiming at once", async () => {
        const [one, two] = await openReplicas();
        try {
          const count = 100;
          await one.apply(
            changes({
              timers: Array.from({ length: count }, (_, n) => ({
                kind: "escalate" as const,
                incidentId: newId(),
                step: 1,
                dueAt: T0 + n,
              })),
            }),
          );
          const seen: string[] = [];
          for (;;) {
            const rounds = await Promise.all([one, two, one, two].map((s) => s.timers.claimDue(T0 + count, 9, 60_000)));
            const claimed = rounds.flat();
            if (claimed.length === 0) break;
            seen.push(...claimed.map((t) => t.id));
          }
          assert.equal(new Set(seen).size, seen.length, "no timer claimed twice");
          assert.equal(seen.length, count);
        } finally {
          await Promise.all([one.close(), two.close()]);
        }
      });

      it("never gives one investigation job to two replicas claiming at once", async () => {
        const [one, two] = await openReplicas();
        try {
          const count = 60;
          for (let n = 0; n < count; n++) await one.investigations.request(`inc-${n}`, "opened", T0 + n);
          const seen: string[] = [];
          for (;;) {
            const rounds = await Promise.all([one, two, one, two].map((s) => s.investigations.claim(T0 + count, 7, 60_000)));
            const claimed = rounds.flat();
            if (claimed.length === 0) break;
            seen.push(...claimed.map((j) => j.incidentId));
          }
          assert.equal(new Set(seen).size, seen.length, "no job claimed twice");
          assert.equal(seen.length, count);
        } finally {
          await Promise.all([one.close(), two.close()]);
        }
      });

      it("lets only one of two replicas store one upstream signal", async () => {
        const [one, two] = await openReplicas();
        try {
          for (let round = 0; round < 5; round++) {
            const results = await Promise.allSettled(
              [one, two].map((s) =>
                s.apply(changes({ signals: [stored(signal({ source: "race", sourceId: `r-${round}` }), null)] })),
              ),
            );
            assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
            const failed = results.find((r) => r.status === "rejected");
            assert.ok(failed && failed.status === "rejected");
            conflict(/same source and id/)(failed.reason);
          }
        } finally {
          await Promise.all([one.close(), two.close()]);
        }
      });

      it("lets only one of two replicas open an incident for a fingerprint", async () => {
        const [one, two] = await openReplicas();
        try {
          for (let round = 0; round < 5; round++) {
            const fingerprint = `race-${round}`;
            const results = await Promise.allSettled(
              [one, two].map((s) => s.apply(changes({ newIncidents: [incident({ fingerprint })] }))),
            );
            assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
            const failed = results.find((r) => r.status === "rejected");
            assert.ok(failed && failed.status === "rejected");
            conflict(OPEN_FINGERPRINT_TAKEN)(failed.reason);
          }
          const numbers = (await one.incidents.list({ limit: 100 })).items.map((i) => i.number);
          assert.equal(new Set(numbers).size, numbers.length, "incident numbers are unique across replicas");
        } finally {
          await Promise.all([one.close(), two.close()]);
        }
      });

      it("lets two replicas meeting a new problem at once, through different values, agree on one pattern", async () => {
        const [one, two] = await openReplicas();
        try {
          await Promise.all([one.ping(), two.ping()]);
          for (const round of ["alpha", "beta", "gamma", "delta", "epsilon"]) {
            // Values without digits: masking does not make the two messages equal, only the miner's rule does.
            const [a, b] = await Promise.all([
              one.patterns.claim([patternClaim(`lock l.${round}.one held by worker w.one for too long`, T0)], choosePattern),
              two.patterns.claim([patternClaim(`lock l.${round}.two held by worker w.one for too long`, T0)], choosePattern),
            ]);
            assert.ok(a?.[0] && b?.[0]);
            assert.equal(a[0].id, b[0].id, `round ${round}`);
          }
        } finally {
          await Promise.all([one.close(), two.close()]);
        }
      });

      it("keeps fingerprints across a restart: a fresh miner on a replica joins the open incident, whose pattern generalises", async () => {
        const [one, two] = await openReplicas();
        try {
          const before = new PatternCatalog({ repository: one.patterns });
          const first = signal({ message: "payment p.visa declined by gateway g.eu after 3 retries", errorPattern: "" });
          const [opened] = await fingerprintSignals([first], before);
          assert.ok(opened?.patternId);
          const { fingerprint, patternId } = opened;
          const open = incident({ fingerprint, patternId, errorPattern: first.errorPattern });
          const resolved = incident({ patternId, errorPattern: first.errorPattern, state: "resolved", resolvedAt: T0 });
          await one.apply(changes({ newIncidents: [open, resolved] }));
          await one.close();
          const after = new PatternCatalog({ repository: two.patterns });
          const again = signal({ message: "payment p.amex declined by gateway g.eu after 12 retries", errorPattern: "" });
          const [joined] = await fingerprintSignals([again], after);
          assert.deepEqual(joined, opened);
          assert.ok((await two.incidents.findOpen([fingerprint])).has(fingerprint));
          const generalised = "payment <*> declined by gateway g.eu after <*> retries";
          assert.equal(again.errorPattern, generalised);
          // The generalised template commits with the signal that generalised it, and the open incident shows it.
          await two.apply(changes({ patterns: after.takeChanges() }));
          assert.equal((await two.incidents.get(open.id))?.errorPattern, generalised);
          assert.equal((await two.incidents.get(open.id))?.patternId, patternId);
          assert.equal((await two.incidents.get(resolved.id))?.errorPattern, first.errorPattern, "history stays as it was");
        } finally {
          await two.close();
        }
      });
    }
  });
  describeTraceContract(target);
  describeDetectContract(target);
  describeRemediationContract(target);
  describeIngestDeadLettersContract(target);
}
