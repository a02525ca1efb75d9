import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Module, Modules } from "./module.ts";

function recording(log: string[], name: string, failShutdown = false): Module {
  return {
    name,
    start: () => log.push(`start ${name}`),
    shutdown: async () => {
      log.push(`stop ${name}`);
      if (failShutdown) throw new Error(`${name} stuck`);
    },
  };
}

describe("Modules", () => {
  it("starts in declared order and shuts down in reverse", async () => {
    const log: string[] = [];
    const modules = new Modules([recording(log, "store"), recording(log, "ingest"), recording(log, "http")], () => {});
    modules.start();
    await modules.shutdown();
    assert.deepEqual(log, ["start store", "start ingest", "start http", "stop http", "stop ingest", "stop store"]);
  });

  it("still stops the rest when one fails, reports it, then throws its error", async () => {
    const log: string[] = [];
    const failures: string[] = [];
    const modules = new Modules([recording(log, "store"), recording(log, "ingest", true), recording(log, "http")], (name) =>
      failures.push(name),
    );
    await assert.rejects(modules.shutdown(), /ingest stuck/);
    assert.deepEqual(log, ["stop http", "stop ingest", "stop store"]);
    assert.deepEqual(failures, ["ingest"]);
  });
});
