import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { Logger } from "pino";

const INTERVAL_MS = 250;

// Runs in the worker thread: its own connection, checkpointing whenever the WAL has grown. PASSIVE
// never waits for readers or the writer, so the main connection is never blocked by it.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma("busy_timeout = 5000");
const timer = setInterval(() => {
  try {
    const [result] = db.pragma("wal_checkpoint(PASSIVE)");
    if (result && result.busy) parentPort.postMessage({ busy: true });
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
}, workerData.intervalMs);
parentPort.on("message", (message) => {
  if (message === "stop") {
    clearInterval(timer);
    db.close();
    parentPort.close();
  }
});
`;

/**
 * Moves WAL checkpoints off the event loop. A checkpoint copies the WAL into the database file and
 * fsyncs both; inside a COMMIT on the main connection (SQLite's automatic checkpoint) that would stall
 * every request for its duration, so the main connection turns automatic checkpoints off and a
 * worker thread with its own connection checkpoints instead. If the worker dies, automatic
 * checkpoints come back on the main connection, so the WAL never grows without bound.
 */
export class Checkpointer {
  private readonly worker: Worker;
  private stopped = false;

  constructor(
    file: string,
    private readonly fallback: () => void,
    logger?: Logger,
  ) {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs: INTERVAL_MS } });
    this.worker.unref();
    this.worker.on("message", (message: { error?: string }) => {
      if (message.error) logger?.warn({ error: message.error }, "a WAL checkpoint failed; the next one retries");
    });
    this.worker.on("error", (error) => {
      logger?.error({ err: error }, "the WAL checkpointer stopped; checkpoints run on the main connection again");
      this.fallback();
    });
    this.worker.on("exit", (code) => {
      if (!this.stopped && code !== 0) this.fallback();
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const exited = new Promise<void>((resolve) => this.worker.once("exit", () => resolve()));
    this.worker.postMessage("stop");
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
    // Cleared, or the process would stay up two more seconds after every close.
    clearTimeout(timer);
    await this.worker.terminate();
  }
}
