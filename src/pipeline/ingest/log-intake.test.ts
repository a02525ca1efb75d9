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

it("logged: requests of the same moment share one append (one transaction, one fsync); none hears back before it is on disk", async () => {
  const appends: (readonly NewLogEntry[])[] = [];
  let onDisk: () => void = () => {};
  const logIntake = new LogIntake({
    log: {
      append: async (entries) => {
        appends.push(entries);
        return {
          positions: entries.map((_, i) => i + 1),
          durable: new Promise<void>((resolve) => {
            onDisk = resolve;
          }),
        };
      },
    },
    consumer: { wake: () => {} },
    runner: { submit: async (signals) => opened(signals) },
    backlog: { admit: () => {}, appended: () => {} },
    redact: () => {},
    acknowledge: "logged",
  });
  const acknowledged: string[] = [];
  const requests = ["a", "b", "c"].map((id) =>
    logIntake.submit([signal(id)]).then((results) => acknowledged.push(...results.map((r) => r.id))),
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(appends.length, 1, "one group commit for the three requests");
  assert.equal(appends[0]?.length, 3);
  assert.deepEqual(acknowledged, [], "committed but not yet on disk: nobody is acknowledged");
  assert.equal(logIntake.waiting, 3, "the three signals wait for their acknowledgement");
  onDisk();
  await Promise.all(requests);
  assert.deepEqual(acknowledged.sort(), ["a", "b", "c"]);
  assert.equal(logIntake.waiting, 0);
});

it("waiting counts a request's signals until it is refused too", async () => {
  let refuse: (error: unknown) => void = () => {};
  const { logIntake } = intake(
    "applied",
    () =>
      new Promise<IngestResult[]>((_resolve, reject) => {
        refuse = reject;
      }),
  );
  const request = logIntake.submit([signal("a"), signal("b")]);
  assert.equal(logIntake.waiting, 2);
  refuse(new SluiceError("OVERLOADED", "ingest queue is full"));
  await assert.rejects(request, /ingest queue is full/);
  assert.equal(logIntake.waiting, 0);
});
