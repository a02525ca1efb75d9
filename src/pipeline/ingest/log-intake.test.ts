import assert from "node:assert/strict";
import { it } from "node:test";
import { SluiceError } from "../../core/errors.ts";
import type { NewLogEntry } from "../../core/ports/ingest-log.ts";
import type { Signal } from "../../core/signal.ts";
import type { IngestResult } from "./ingest-runner.ts";
import { LogIntake } from "./log-intake.ts";

const signal = (id: string) => ({ id, detail: "token=abc" }) as unknown as Signal;

function intake(acknowledge: "applied" | "logged", submit: (signals: Signal[]) => Promise<IngestResult[]>) {
  const appended: NewLogEntry[] = [];
  let woken = 0;
  const logIntake = new LogIntake({
    log: {
      append: async (entries) => {
        appended.push(...entries);
        return { positions: entries.map((_, i) => appended.length - entries.length + i + 1), durable: Promise.resolve() };
      },
    },
    consumer: { wake: () => woken++ },
    runner: { submit },
    backlog: { admit: () => {}, appended: () => {} },
    redact: (s) => {
      (s as unknown as { detail: string }).detail = "token=[REDACTED]";
    },
    acknowledge,
  });
  return { logIntake, appended, woken: () => woken };
}

const opened = (signals: Signal[]): IngestResult[] =>
  signals.map((s) => ({ id: s.id, outcome: "opened", incident: "INC-1", reason: null }));

it("applied: the pipeline stores the request itself, nothing is written to the log", async () => {
  const { logIntake, appended } = intake("applied", async (signals) => opened(signals));
  assert.deepEqual(
    (await logIntake.submit([signal("a")])).map((r) => r.outcome),
    ["opened"],
  );
  assert.equal(appended.length, 0);
});

it("applied: what the pipeline cannot apply goes to the log, redacted, for the consumer to retry or dead-letter", async () => {
  const { logIntake, appended, woken } = intake("applied", async () => {
    throw new Error("a bug in a stage");
  });
  assert.deepEqual(
    (await logIntake.submit([signal("a"), signal("b")])).map((r) => r.outcome),
    ["queued", "queued"],
  );
  assert.equal(appended.length, 1);
  assert.equal(appended[0]?.signalCount, 2);
  assert.doesNotMatch(appended[0]?.body ?? "", /abc/, "nothing unredacted reaches the log");
  assert.equal(woken(), 1);
});

it("applied: an overloaded pipeline refuses the request (503, the sender retries) and stores nothing", async () => {
  const { logIntake, appended } = intake("applied", async () => {
    throw new SluiceError("OVERLOADED", "ingest queue is full");
  });
  await assert.rejects(logIntake.submit([signal("a")]), /ingest queue is full/);
  assert.equal(appended.length, 0);
});

it("logged: every request is appended and acknowledged as queued, the pipeline is not run on it", async () => {
  let ran = 0;
  const { logIntake, appended } = intake("logged", async (signals) => {
    ran++;
    return opened(signals);
  });
  assert.deepEqual(
    (await logIntake.submit([signal("a")])).map((r) => r.outcome),
    ["queued"],
  );
  assert.equal(appended.length, 1);
  assert.equal(ran, 0);
});
