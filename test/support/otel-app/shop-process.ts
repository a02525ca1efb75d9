import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const SERVICE = join(ROOT, "test/support/otel-app/service.ts");

/**
 * One service of ./service.ts in its own process, on a fixed port, under a supervisor that restarts it when it
 * dies (as Kubernetes restarts a container killed for memory): the faults switched on are passed to the new
 * process, so a leak goes on leaking. `restarts` counts the restarts.
 */
export class SupervisedService {
  private child: ChildProcess | null = null;
  private output = "";
  private stopping = false;
  private readonly faults = new Set<string>();
  restarts = 0;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get log(): string {
    return this.output;
  }

  /** Starts the process and waits until it listens. */
  async start(): Promise<void> {
    const child = spawn(process.execPath, ["--import", "tsx", SERVICE], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...this.env,
        SERVICE_NAME: this.name,
        PORT: String(this.port),
        FAULTS: [...this.faults].join(","),
        OTEL_LOG_LEVEL: "error",
      },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString("utf8")).slice(-4000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.once("exit", () => {
      if (this.stopping || this.child !== child) return;
      this.restarts++;
      void this.start().catch((error: Error) => {
        this.output += `\nrestart failed: ${error.message}`;
      });
    });
    await Promise.race([
      once(child, "message"),
      once(child, "exit").then(() => assert.fail(`${this.name} exited: ${this.output}`)),
    ]);
  }

  /** Switches a fault on or off in the running process (and in any it is restarted as). */
  async fault(fault: string, on: boolean): Promise<void> {
    if (on) this.faults.add(fault);
    else this.faults.delete(fault);
    const child = this.child;
    if (!child?.connected) return;
    const answered = once(child, "message");
    child.send({ fault, on });
    await Promise.race([answered, once(child, "exit")]);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    if (child.connected) child.disconnect();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}
