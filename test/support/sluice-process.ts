// A real `sluice serve` child process for the suites that kill and restart one, plus the small HTTP and
// port helpers they share. Plain node:http with no keep-alive (unless an agent is given), so a killed
// server never leaves a pooled socket behind.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { type Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

export interface Reply {
  status: number;
  body: string;
}

/** One request to 127.0.0.1:`port`; `body` is sent as JSON text. */
export function httpCall(port: number, method: string, path: string, body: string | null = null, agent?: Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method,
        path,
        agent: agent ?? false,
        timeout: 10_000,
        headers: body === null ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("request timed out")));
    req.on("error", reject);
    req.end(body ?? undefined);
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One `sluice serve` child process, with the tail of its output kept for failure messages. */
export class SluiceProcess {
  readonly child: ChildProcess;
  private output = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(configFile: string, env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [join(ROOT, "bin/sluice.js"), "serve", "--config", configFile], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, SLUICE_CONFIG: "", ...env },
    });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString("utf8")).slice(-8000);
    };
    this.child.stdout?.on("data", keep);
    this.child.stderr?.on("data", keep);
    this.exited = new Promise((resolve) => this.child.once("exit", (code, signal) => resolve({ code, signal })));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get log(): string {
    return this.output;
  }

  // A minute: start-up (migrations, tsx compiling the sources) takes seconds on a machine busy with two suites.
  async ready(port: number, timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (!this.running) throw new Error(`sluice exited before it was ready:\n${this.output}`);
      const reply = await httpCall(port, "GET", "/readyz").catch(() => null);
      if (reply?.status === 200) return;
      await sleep(50);
    }
    throw new Error(`sluice not ready after ${timeoutMs} ms:\n${this.output}`);
  }

  async kill(signal: NodeJS.Signals, timeoutMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running && this.child.pid !== undefined) this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      this.exited,
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (result) return result;
    this.child.kill("SIGKILL");
    return this.exited;
  }
}
