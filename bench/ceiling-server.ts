// Starts bench/ceiling-app.ts (bare or durable) pinned like the servers under test.
import { startPinnedServer } from "./processes.ts";
import { REPO_ROOT } from "./sluice-server.ts";

export async function startCeiling(
  mode: "bare" | "durable",
): Promise<{ url: string; pid: number | undefined; stop(): Promise<void> }> {
  const server = await startPinnedServer({
    dirPrefix: "benchrun-ceiling-",
    command: process.execPath,
    args: (port, dir) => ["--import", "tsx", "bench/ceiling-app.ts", String(port), mode, dir],
    readyPath: "/readyz",
    cwd: REPO_ROOT,
  });
  return {
    url: server.url,
    pid: server.child.pid,
    async stop() {
      await server.stop(10_000);
      server.cleanup();
    },
  };
}
