// Starts bench/ceiling-app.ts (bare or durable) pinned like the servers under test.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, SERVER_CPU, spawnPinned, stopProcess, waitForHttp } from "./processes.ts";
import { REPO_ROOT } from "./sluice-server.ts";

export async function startCeiling(
  mode: "bare" | "durable",
): Promise<{ url: string; pid: number | undefined; stop(): Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "benchrun-ceiling-"));
  const { child, stderr } = spawnPinned(
    SERVER_CPU,
    process.execPath,
    ["--import", "tsx", "bench/ceiling-app.ts", String(port), mode, dir],
    { cwd: REPO_ROOT },
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/readyz`, child, 30_000, stderr);
  } catch (error) {
    await stopProcess(child);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    pid: child.pid,
    async stop() {
      await stopProcess(child, 10_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
