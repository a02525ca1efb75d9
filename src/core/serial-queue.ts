/**
 * Ids handled one at a time in the background, in arrival order, each at most once while it waits. The
 * queue is bounded: past `maxPending` new ids are shed and counted, never held in memory without limit.
 * Subclasses say what handling is; `handle` must not throw: what it cannot do it logs and counts itself.
 */
export abstract class SerialQueue {
  private readonly pending = new Set<string>();
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly bounds: { maxPending: number; onShed(): void }) {}

  protected abstract handle(id: string): Promise<void>;

  /** Queues ids; called after each commit that produced some. */
  enqueue(ids: readonly string[]): void {
    if (this.stopped) return;
    for (const id of ids) {
      if (this.pending.size >= this.bounds.maxPending && !this.pending.has(id)) {
        this.bounds.onShed();
        continue;
      }
      this.pending.add(id);
    }
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
  }

  /** Resolves once everything queued so far has been handled. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Takes no more ids and finishes those waiting. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.flush();
  }

  private async drain(): Promise<void> {
    for (const id of this.pending) {
      this.pending.delete(id);
      await this.handle(id);
    }
  }
}
