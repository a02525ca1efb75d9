import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { SluiceError } from "../../core/errors.ts";
import type { Signal } from "../../core/signal.ts";
import { anomalyEvent, inMemorySluice } from "../../testing/in-memory-sluice.ts";
import { normalizeItems } from "../normalize/normalize-items.ts";
import type { IngestResult } from "./ingest-runner.ts";
import { PIECE_SIGNALS, submitInPieces } from "./submit-in-pieces.ts";

const fakeSignals = (count: number) => Array.from({ length: count }, (_, i) => ({ id: `s${i}` }) as Signal);
const echo = async (signals: Signal[]): Promise<IngestResult[]> =>
  signals.map((s) => ({ id: s.id, outcome: "opened", incident: null, reason: null }));

describe("submitInPieces", () => {
  it("submits consecutive pieces, one after the other, and returns every result in order", async () => {
    const sizes: number[] = [];
    const results = await submitInPieces(
      async (signals) => {
        sizes.push(signals.length);
        return echo(signals);
      },
      fakeSignals(250),
      100,
    );
    assert.deepEqual(sizes, [100, 100, 50]);
    assert.deepEqual(
      results.map((r) => r.id),
      fakeSignals(250).map((s) => s.id),
    );
  });

  it("passes a small request through whole, its error untouched", async () => {
    const error = new SluiceError("OVERLOADED", "queue full");
    await assert.rejects(
      submitInPieces(() => Promise.reject(error), fakeSignals(10), 100),
      (e) => e === error,
    );
  });

  it("stops at a failed piece, says how many are stored, and keeps the code", async () => {
    const submitted: number[] = [];
    await assert.rejects(
      submitInPieces(
        async (signals) => {
          submitted.push(signals.length);
          if (submitted.length === 2) throw new SluiceError("OVERLOADED", "ingest queue is full; retry later");
          return echo(signals);
        },
        fakeSignals(350),
        100,
      ),
      (error) =>
        error instanceof SluiceError &&
        error.code === "OVERLOADED" &&
        error.message ===
          'the first 100 of 350 signals are stored, the rest are not (ingest queue is full; retry later); send the whole request again: the stored ones answer "duplicate"',
    );
    assert.deepEqual(submitted, [100, 100], "nothing after the failed piece");
  });
});

describe("a large request stored piece by piece", async () => {
  const { sluice } = await inMemorySluice();
  after(() => sluice.close());
  const batch = Array.from({ length: 250 }, (_, i) =>
    anomalyEvent({ event_id: `piece-${i}`, service: `svc-${i % 7}`, error_message: `disk full on node ${i}` }),
  );

  it("loses nothing and stores nothing twice when the sender retries after a failure part-way", async () => {
    const signals = normalizeItems(batch, { receivedAt: Date.now(), source: "api" }, false);
    let calls = 0;
    await assert.rejects(
      submitInPieces(
        (piece) => (++calls === 2 ? Promise.reject(new SluiceError("OVERLOADED", "shutting down")) : sluice.runner.submit(piece)),
        signals,
        100,
      ),
      /the first 100 of 250 signals are stored/,
    );
    const retry = await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: batch });
    assert.equal(retry.statusCode, 202, retry.body);
    const outcomes = (retry.json().results as { outcome: string }[]).map((r) => r.outcome);
    assert.equal(outcomes.length, 250);
    assert.deepEqual(
      outcomes.slice(0, 100).filter((o) => o !== "duplicate"),
      [],
      "the stored piece answers duplicate",
    );
    assert.equal(outcomes.slice(100).filter((o) => o === "duplicate").length, 0, "the rest are stored now, once");
    const incidents = (await sluice.server.inject({ url: "/api/incidents?limit=500" })).json().items as { signalCount: number }[];
    assert.equal(
      incidents.reduce((sum, incident) => sum + incident.signalCount, 0),
      250,
      "every signal counted once",
    );
  });

  it("stores a request whole when a retry could not recognise its items (generic signals without sourceId)", async () => {
    const sizes: number[] = [];
    const submit = sluice.runner.submit.bind(sluice.runner);
    sluice.runner.submit = (signals) => {
      sizes.push(signals.length);
      return submit(signals);
    };
    try {
      const anonymous = Array.from({ length: 250 }, (_, i) => ({ service: "cart", title: `slow checkout ${i}` }));
      const named = anonymous.map((item, i) => ({ ...item, sourceId: `gen-${i}` }));
      assert.equal((await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anonymous })).statusCode, 202);
      assert.equal((await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: named })).statusCode, 202);
    } finally {
      sluice.runner.submit = submit;
    }
    const pieces = Array.from({ length: Math.ceil(250 / PIECE_SIGNALS) }, (_, i) =>
      Math.min(PIECE_SIGNALS, 250 - i * PIECE_SIGNALS),
    );
    assert.deepEqual(sizes, [250, ...pieces], "whole without ids, in pieces with them");
  });

  it("lets the event loop in between slices and pieces of the largest request", async () => {
    const large = Array.from({ length: 3000 }, (_, i) =>
      anomalyEvent({ event_id: `loop-${i}`, service: `svc-${i % 97}`, error_message: `timeout calling bank after ${i} ms` }),
    );
    let turns = 0;
    const ticker = setInterval(() => {
      turns++;
    }, 0);
    const response = await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: large });
    clearInterval(ticker);
    assert.equal(response.statusCode, 202, response.body);
    // 12 normalization slices and 3000 / PIECE_SIGNALS commits, each giving timers a turn; whole, it gave ~2.
    assert.ok(turns >= 3000 / PIECE_SIGNALS, `timers ran ${turns} times while the request was processed`);
  });
});
