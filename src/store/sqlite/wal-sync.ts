import { closeSync, fsync, openSync } from "node:fs";

/**
 * Makes committed transactions durable without blocking the event loop.
 *
 * SQLite in WAL mode with `synchronous = FULL` fsyncs the WAL inside every COMMIT, on the thread that
 * commits: with better-sqlite3 that is the event loop, which then parses no request and writes no
 * response for the length of the fsync. Instead the connection runs with `synchronous = NORMAL` (a
 * COMMIT only appends frames to the WAL file) and this fsyncs the WAL file on libuv's thread pool.
 * A transaction is on disk once an fsync that started after its COMMIT has finished: recovery replays
 * every WAL frame up to the last valid commit frame (frames carry checksums), which is the same
 * guarantee FULL gives. Callers that acknowledge (a 202) wait for `durable()`; everything committed
 * before an fsync starts is covered by it, so one fsync serves every transaction of that moment.
 */
export class WalSync {
  /** The WAL file this fsyncs; the same inode SQLite writes (a test checks it across restarts). */
  readonly fd: number;
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private closed = false;

  constructor(
    walPath: string,
    private readonly flush: (fd: number, done: (error: NodeJS.ErrnoException | null) => void) => void = fsync,
  ) {
    // The WAL file exists while a connection in WAL mode is open (it was just written by migrations
    // or the open itself); "a" never truncates it and creates it if a checkpoint removed it.
    this.fd = openSync(walPath, "a");
  }

  /** Resolves when everything committed before this call is on disk. */
  durable(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (!this.running) {
      this.running = this.fsyncOnce().finally(() => {
        this.running = null;
      });
      return this.running;
    }
    // An fsync already in flight may have started before our COMMIT: wait for one that starts after it.
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.durable();
      });
    return this.queued;
  }

  async close(): Promise<void> {
    await this.queued?.catch(() => undefined);
    await this.running?.catch(() => undefined);
    this.closed = true;
    closeSync(this.fd);
  }

  private fsyncOnce(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.flush(this.fd, (error) => (error ? reject(error) : resolve()));
    });
  }
}
