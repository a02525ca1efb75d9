import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { startServer } from "./serve.ts";

const countByKind = (resources: string[]) => {
  const counts = new Map<string, number>();
  for (const kind of resources) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return Object.fromEntries([...counts].sort());
};

describe("sluice serve start-up", () => {
  it("fails on a port already taken, naming it, before starting anything, and leaves nothing running", async () => {
    const taken = createServer();
    taken.listen(0, "127.0.0.1");
    await once(taken, "listening");
    const { port } = taken.address() as AddressInfo;
    await new Promise((resolve) => setImmediate(resolve));
    const before = countByKind(process.getActiveResourcesInfo());
    try {
      await assert.rejects(
        startServer(undefined, {
          document: { server: { port }, log: { level: "silent" } },
          dataDir: mkdtempSync(join(tmpdir(), "sluice-serve-")),
          logLevel: "silent",
        }),
        new RegExp(`^Error: port ${port} on 127\\.0\\.0\\.1 is already in use \\(server\\.port\\)`),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      // Workers, timers and the store left behind would keep a process manager's "up" process alive.
      assert.deepEqual(countByKind(process.getActiveResourcesInfo()), before);
    } finally {
      taken.close();
    }
  });
});
