import { spawn } from "node:child_process";

export interface ScriptRun {
  exitCode: number | null;
  /** The signal that ended the process, when one did. */
  killedBy: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
  /** Combined stdout and stderr, at most `maxOutputBytes` of it. */
  output: string;
  truncated: boolean;
}

export interface ScriptRunOptions {
  file: string;
  args: readonly string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  maxOutputBytes: number;
  signal: AbortSignal;
}

/** Grace between SIGTERM and SIGKILL when a script overruns or is aborted. */
const KILL_GRACE_MS = 2_000;

/**
 * Runs one executable with an argument vector, never through a shell, in its own process group so a
 * timeout or an abort ends the script and everything it started.
 */
export function runScript(options: ScriptRunOptions): Promise<ScriptRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(options.file, [...options.args], {
      cwd: options.cwd,
      env: options.env,
      shell: false,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const chunks: Buffer[] = [];
    let kept = 0;
    let truncated = false;
    let timedOut = false;
    let aborted = false;
    let forceTimer: NodeJS.Timeout | undefined;
    const collect = (chunk: Buffer) => {
      const room = options.maxOutputBytes - kept;
      if (chunk.length > room) truncated = true;
      if (room <= 0) return;
      const part = chunk.subarray(0, room);
      chunks.push(part);
      kept += part.length;
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);

    const stop = () => {
      signalGroup(child.pid, "SIGTERM");
      forceTimer ??= setTimeout(() => signalGroup(child.pid, "SIGKILL"), KILL_GRACE_MS);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs);
    const onAbort = () => {
      aborted = true;
      stop();
    };
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener("abort", onAbort, { once: true });

    const finish = () => {
      clearTimeout(timer);
      if (forceTimer) clearTimeout(forceTimer);
      options.signal.removeEventListener("abort", onAbort);
    };
    child.once("error", (error) => {
      finish();
      reject(error);
    });
    child.once("close", (exitCode, killedBy) => {
      finish();
      // Whatever the script left running in its group goes with it.
      if (timedOut || aborted) signalGroup(child.pid, "SIGKILL");
      resolvePromise({
        exitCode,
        killedBy,
        timedOut,
        aborted,
        output: Buffer.concat(chunks).toString("utf8"),
        truncated,
      });
    });
  });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}
