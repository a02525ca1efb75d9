import type { Clock } from "../../../core/clock.ts";

const HOUR_MS = 3_600_000;

/** Counts calls in a sliding hour, in this process only (each replica has its own allowance). */
export class CallBudget {
  private readonly calls: number[] = [];

  constructor(
    private readonly maxPerHour: number,
    private readonly clock: Clock,
  ) {}

  /** Takes one call from the budget; false (and nothing taken) when the hour's allowance is used up. */
  take(): boolean {
    if (!this.available()) return false;
    this.calls.push(this.clock.now());
    return true;
  }

  /** Whether a call may be taken now, without taking it. */
  available(): boolean {
    const now = this.clock.now();
    while (this.calls.length > 0 && (this.calls[0] ?? 0) <= now - HOUR_MS) this.calls.shift();
    return this.calls.length < this.maxPerHour;
  }

  get used(): number {
    return this.calls.length;
  }
}
