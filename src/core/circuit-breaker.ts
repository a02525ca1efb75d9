type State = { kind: "closed"; failures: number } | { kind: "open"; until: number } | { kind: "half-open" };

/**
 * Per-platform circuit: after `threshold` consecutive failures (or one credentials failure) the
 * platform gets no requests for `cooldownMs`; then one trial request decides whether it closes.
 */
export class CircuitBreaker {
  private state: State = { kind: "closed", failures: 0 };

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
  ) {}

  /** Whether a request may go out now; moves an expired open circuit to half-open. */
  canAttempt(now: number): boolean {
    if (this.state.kind === "closed") return true;
    if (this.state.kind === "open" && now >= this.state.until) {
      this.state = { kind: "half-open" };
      return true;
    }
    return false;
  }

  get status(): "closed" | "open" | "half-open" {
    return this.state.kind;
  }

  success(): void {
    this.state = { kind: "closed", failures: 0 };
  }

  failure(now: number): void {
    if (this.state.kind === "closed" && this.state.failures + 1 < this.threshold) {
      this.state = { kind: "closed", failures: this.state.failures + 1 };
      return;
    }
    this.trip(now);
  }

  trip(now: number): void {
    this.state = { kind: "open", until: now + this.cooldownMs };
  }
}
