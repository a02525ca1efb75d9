// Child processes for the benchmark: pinned to one CPU each, started, waited for, and stopped.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { sleep } from "./stats.ts";

/** CPU of the system under test (Sluice or Alertmanager); the load generator gets the other one. */
export const SERVER_CPU = 0;
export const LOAD_CPU = 1;

const TASKSET = "/usr/bin/taskset";
/** CPUs of the machine, read before pinSelf narrows this process's affinity. */
export const CPUS = availableParallelism();
const PINNABLE = existsSync(TASKSET) && CPUS >= 2;
/** USER_HZ of /proc/<pid>/stat times; 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/** True when processes can be pinned (taskset present and at least two CPUs). */
export function canPin(): boolean {
  return PINNABLE;
}

/** A free TCP port on 127.0.0.1 (released before it is used; good enough on a quiet machine). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Spawns a command pinned to `cpu` (when pinning is possible); stderr is kept for error reports. */
export function spawnPinned(
  cpu: number,
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; stdout?: "pipe" | "ignore" } = {},
): { child: ChildProcess; stderr: () => string } {
  const pinned = canPin();
  const child = spawn(pinned ? TASKSET : command, pinned ? ["-c", String(cpu), command, ...args] : args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", options.stdout ?? "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  return { child, stderr: () => stderr };
}

/** Polls `url` until it answers 200, the child exits, or `timeoutMs` passes. */
export async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before ${url} answered:\n${stderr()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${stderr()}`);
}

/** A server under test, started by startPinnedServer: stop it, then remove its directory. */
export interface PinnedServer {
  url: string;
  child: ChildProcess;
  /** Its own temporary directory (data, configuration). */
  dir: string;
  stderr: () => string;
  /** Stops it (SIGTERM, SIGKILL after `timeoutMs`) and resolves with its exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** Removes its directory (after stop). */
  cleanup(): void;
}

/**
 * Starts a server under test pinned to the server CPU, on a free loopback port, with a fresh temporary
 * directory, and waits until `readyPath` answers; when it does not, stops it and removes the directory.
 * `args` gets the port and the directory (and may write its configuration there).
 */
export async function startPinnedServer(options: {
  dirPrefix: string;
  command: string;
  args(port: number, dir: string): string[];
  readyPath: string;
  cwd?: string;
}): Promise<PinnedServer> {
  const dir = mkdtempSync(join(tmpdir(), options.dirPrefix));
  const port = await freePort();
  const { child, stderr } = spawnPinned(
    SERVER_CPU,
    options.command,
    options.args(port, dir),
    options.cwd ? { cwd: options.cwd } : {},
  );
  const url = `http://127.0.0.1:${port}`;
  const server: PinnedServer = {
    url,
    child,
    dir,
    stderr,
    stop: (timeoutMs) => stopProcess(child, timeoutMs),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  try {
    await waitForHttp(`${url}${options.readyPath}`, child, 30_000, stderr);
  } catch (error) {
    await server.stop();
    server.cleanup();
    throw error;
  }
  return server;
}

/** Sends SIGTERM, waits up to `timeoutMs` for the exit, then SIGKILL. */
export async function stopProcess(child: ChildProcess, timeoutMs = 15_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

/** Pins this process (all its threads) to `cpu`, so it stays off the server's CPU. */
export function pinSelf(cpu: number): void {
  if (!canPin()) return;
  try {
    execFileSync(TASKSET, ["-a", "-p", "-c", String(cpu), String(process.pid)], { stdio: "ignore" });
  } catch {
    // not fatal: the numbers just get noisier
  }
}

/** CPU seconds (user + system, all threads) a process has used so far; NaN when unreadable. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}
