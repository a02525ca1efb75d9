/**
 * One feature of a running Sluice: built by its wiring file, then started, flushed and shut down by the
 * composition root (src/main.ts) in the order the root declares them — shut down in reverse, so a
 * feature stops only after everything that feeds it has.
 */
export interface Module {
  readonly name: string;
  /** Starts background work (timers, pollers); never blocks. */
  start?(): void;
  /** Connects to an outside system that feeds Sluice (Kafka); rejects when it cannot be reached. */
  startSource?(): Promise<void>;
  /** Finishes what is in flight (tests, replays). */
  flush?(): Promise<void>;
  /** Stops taking work, finishes what is in flight and releases what it holds. */
  shutdown?(): Promise<void> | void;
}

/** The declared modules of one Sluice, run in order. */
export class Modules {
  constructor(
    private readonly list: readonly Module[],
    private readonly onShutdownFailure: (name: string, error: unknown) => void,
  ) {}

  get names(): string[] {
    return this.list.map((module) => module.name);
  }

  start(): void {
    for (const module of this.list) module.start?.();
  }

  async startSources(): Promise<void> {
    for (const module of this.list) await module.startSource?.();
  }

  async flush(): Promise<void> {
    for (const module of this.list) await module.flush?.();
  }

  /** In reverse; a module failing to stop is reported, the rest still stop (the store last), then the first failure is thrown. */
  async shutdown(): Promise<void> {
    let failure: { error: unknown } | null = null;
    for (const module of [...this.list].reverse()) {
      try {
        await module.shutdown?.();
      } catch (error) {
        this.onShutdownFailure(module.name, error);
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}
