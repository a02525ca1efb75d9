// Runs `node bin/sluice.js serve` as a child process on a fresh durable SQLite store. Besides
// BENCH_SLUICE_CONFIG (JSON merged into its config), for diagnosis: BENCH_CPU_PROF_DIR=dir writes every
// server's V8 CPU profile there, BENCH_NODE_FLAGS="--flag ..." passes flags to its node.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startPinnedServer } from "./processes.ts";

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

export async function startSluice(
  options: { cpuProfDir?: string; synchronous?: "full" | "normal"; acknowledge?: "applied" | "logged" } = {},
): Promise<SluiceServer> {
  const profDir = options.cpuProfDir ?? process.env.BENCH_CPU_PROF_DIR;
  const profile = profDir ? ["--cpu-prof", "--cpu-prof-dir", profDir] : [];
  const server = await startPinnedServer({
    dirPrefix: "benchrun-sluice-",
    command: process.execPath,
    args: (port, dir) => {
      const configFile = join(dir, "sluice.json");
      // No routing block: the defaults send every incident to the in-memory connector "memory".
      const storage = { dataDir: join(dir, "data"), synchronous: options.synchronous ?? "full" };
      // Acknowledged from the ingest log (issue 18); the pipeline applies behind it (see BENCHMARKS.md).
      const ingest = { acknowledge: options.acknowledge ?? "logged" };
      const extra = JSON.parse(process.env.BENCH_SLUICE_CONFIG ?? "{}") as Record<string, unknown>;
      writeFileSync(configFile, JSON.stringify({ server: { port }, storage, ingest, log: { level: "warn" }, ...extra }));
      const flags = process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(" ") : [];
      return [...flags, ...profile, "bin/sluice.js", "serve", "--config", configFile];
    },
    readyPath: "/readyz",
    cwd: REPO_ROOT,
  });
  const { url } = server;
  return {
    url,
    pid: server.child.pid,
    dataDir: join(server.dir, "data"),
    async metrics() {
      const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
      return response.text();
    },
    async stop() {
      const code = await server.stop(30_000);
      if (code !== 0 && code !== null) throw new Error(`sluice exited with ${code}:\n${server.stderr()}`);
    },
    cleanup: server.cleanup,
  };
}
