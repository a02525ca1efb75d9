import type { Logger } from "pino";
import type { Clock } from "../core/clock.ts";
import type { RuleEvaluation, RuleRunner } from "./rule-runner.ts";

/**
 * Runs each rule on its interval, one evaluation of a rule at a time. Timers fire a quarter interval (at most
 * 15 s) past each interval boundary, so the sample scraped at the boundary is in. A failed evaluation is
 * logged and retried at the next tick, which evaluates the missed points too.
 */
export class RuleScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<unknown>>();
  private stopped = false;

  constructor(
    private readonly runners: readonly { runner: RuleRunner; intervalMs: number }[],
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly onEvaluated: (rule: string, outcome: RuleEvaluation | Error) => void = () => {},
  ) {}

  start(): void {
    for (const entry of this.runners) this.schedule(entry);
  }

  /** Evaluates every rule now (after any evaluation in flight); resolves when all are done. */
  async tick(): Promise<void> {
    await Promise.all(this.runners.map(({ runner }) => this.evaluate(runner)));
  }

  /** Waits for the evaluations in flight. */
  async idle(): Promise<void> {
    await Promise.allSettled(this.running.values());
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled(this.running.values());
    await Promise.allSettled(this.runners.map(({ runner }) => runner.release()));
  }

  private schedule(entry: { runner: RuleRunner; intervalMs: number }): void {
    if (this.stopped) return;
    const { intervalMs } = entry;
    const offset = Math.min(intervalMs / 4, 15_000);
    const now = this.clock.now();
    const next = Math.floor((now - offset) / intervalMs) * intervalMs + intervalMs + offset;
    const timer = setTimeout(() => {
      void this.evaluate(entry.runner).finally(() => this.schedule(entry));
    }, next - now);
    timer.unref();
    this.timers.set(entry.runner.name, timer);
  }

  private evaluate(runner: RuleRunner): Promise<unknown> {
    const previous = this.running.get(runner.name) ?? Promise.resolve();
    const run = previous.then(async () => {
      try {
        const outcome = await runner.evaluate();
        this.onEvaluated(runner.name, outcome);
      } catch (error) {
        this.logger.warn({ err: error, rule: runner.name }, "a detection rule's evaluation failed; the next one catches up");
        this.onEvaluated(runner.name, error as Error);
      }
    });
    this.running.set(runner.name, run);
    return run;
  }
}
