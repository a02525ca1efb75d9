// Runs `node bin/sluice.js serve` as a child process on a fresh durable SQLite store.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, SERVER_CPU, spawnPinned, stopProcess, waitForHttp } from "./processes.ts";

export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface SluiceServer {
  url: string;
  pid: number | undefined;
  dataDir: string;
  /** Prometheus text of /metrics. */
  metrics(): Promise<string>;
  /** Stops the server (SIGTERM: it drains ingest and deliveries first). */
  stop(): Promise<void>;
  /** Removes the temporary directory (after stop). */
  cleanup(): void;
}

export async function startSluice(options: { cpuProfDir?: string; synchronous?: "full" | "normal" } = {}): Promise<SluiceServer> {
  const dir = mkdtempSync(join(tmpdir(), "benchrun-sluice-"));
  const port = await freePort();
  const dataDir = join(dir, "data");
  const configFile = join(dir, "sluice.json");
  // No routing block: the defaults send every incident to the in-memory connector "memory".
  const synchronous = options.synchronous ?? "full";
  const config = { server: { port }, storage: { dataDir, synchronous }, log: { level: "warn" } };
  writeFileSync(configFile, JSON.stringify(config));
  const profile = options.cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", options.cpuProfDir] : [];
  const { child, stderr } = spawnPinned(
    SERVER_CPU,
    process.execPath,
    [...profile, "bin/sluice.js", "serve", "--config", configFile],
    {
      cwd: REPO_ROOT,
    },
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
    dataDir,
    async metrics() {
      const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
      return response.text();
    },
    async stop() {
      const code = await stopProcess(child, 30_000);
      if (code !== 0 && code !== null) throw new Error(`sluice exited with ${code}:\n${stderr()}`);
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
