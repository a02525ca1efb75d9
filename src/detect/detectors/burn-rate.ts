// SLO multi-window, multi-burn-rate alerting (Google SRE workbook, "Alerting on SLOs", method 6). The SLI is
// written as cumulative good and total counts (counters; a drop is a reset). For each window pair, the burn
// rate is the window's error ratio over the error budget (1 − objective); a pair holds when both its long and
// its short window burn faster than its factor, the short window making the alert stop soon after the
// problem does. Defaults are the workbook's: page on 1h & 5m > 14.4 or 6h & 30m > 6, ticket on 3d & 6h > 1.
// A pair is not evaluated while its long window saw fewer than `minEvents` events (a handful of requests
// with one failure is not a budget burning), nor before the history covers its long window.
import { type Detection, formatValue, ruleScore } from "../detection.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** One long/short window pair and the burn-rate factor both must exceed. */
export interface BurnWindow {
  long: number;
  short: number;
  factor: number;
  /** What the pair asks for when it holds. */
  alert: "page" | "ticket";
}

/** The SRE workbook's recommended pairs for a 30-day budget. */
export const WORKBOOK_WINDOWS: readonly BurnWindow[] = [
  { long: HOUR, short: 5 * MINUTE, factor: 14.4, alert: "page" },
  { long: 6 * HOUR, short: 30 * MINUTE, factor: 6, alert: "page" },
  { long: 72 * HOUR, short: 6 * HOUR, factor: 1, alert: "ticket" },
];

/** Parameters of the burn-rate detector. */
export interface BurnRateOptions {
  /** The SLO, e.g. 0.999 for 99.9% good. */
  objective: number;
  /** Window pairs (default WORKBOOK_WINDOWS). */
  windows?: readonly BurnWindow[];
  /** Events a long window must hold before its pair may fire (default 100). */
  minEvents?: number;
}

/** A burn-rate evaluation: which pair holds and every window's burn rate. */
export interface BurnRateDetection extends Detection {
  /** "page" or "ticket" for the most urgent pair that holds, else null. */
  readonly alert: "page" | "ticket" | null;
  /** Burn rate per window, keyed like "1h", "5m". */
  readonly burnRates: Readonly<Record<string, number>>;
}

/** The persisted form: samples as [time, good, total] with counter resets already folded in. */
export interface BurnRateState {
  samples: [number, number, number][];
  lastRaw: [number, number] | null;
  firing: boolean;
}

/** Multi-window, multi-burn-rate SLO alerting over good/total counters. */
export class BurnRateDetector {
  readonly kind = "slo-burn-rate";
  private readonly windows: readonly BurnWindow[];
  private readonly budget: number;
  private readonly minEvents: number;
  private readonly longest: number;
  // Monotone (reset-free) cumulative counts, oldest first; pruned to the longest window.
  private times: number[] = [];
  private goods: number[] = [];
  private totals: number[] = [];
  private lastRaw: [number, number] | null = null;
  private firing = false;

  constructor(o: BurnRateOptions, state?: BurnRateState) {
    if (!(o.objective > 0 && o.objective < 1)) throw new Error("slo-burn-rate: `objective` must be between 0 and 1, e.g. 0.999");
    this.budget = 1 - o.objective;
    this.windows = o.windows ?? WORKBOOK_WINDOWS;
    if (this.windows.length === 0) throw new Error("slo-burn-rate: give at least one window pair");
    for (const w of this.windows) {
      if (!(w.short > 0 && w.long > w.short)) throw new Error("slo-burn-rate: each pair needs 0 < short < long");
      if (!(w.factor > 0)) throw new Error("slo-burn-rate: each pair's factor must be positive");
    }
    this.minEvents = o.minEvents ?? 100;
    if (!(this.minEvents >= 0)) throw new Error("slo-burn-rate: `minEvents` must be ≥ 0");
    this.longest = Math.max(...this.windows.map((w) => w.long));
    if (state) {
      for (const [t, g, n] of state.samples) this.push(t, g, n);
      this.lastRaw = state.lastRaw;
      this.firing = state.firing;
    }
  }

  /** Feeds cumulative good and total counts at `time` and evaluates every pair. */
  update(time: number, good: number, total: number): BurnRateDetection {
    if (!Number.isFinite(good) || !Number.isFinite(total) || good < 0 || total < 0) {
      throw new Error(`slo-burn-rate: good and total must be non-negative numbers, got ${good} and ${total}`);
    }
    if (good > total) throw new Error(`slo-burn-rate: good (${good}) exceeds total (${total})`);
    const last = this.times.length - 1;
    let g = good;
    let n = total;
    if (this.lastRaw && last >= 0) {
      // Counters only grow; a drop means the process restarted and counts from zero again.
      const dg = good >= this.lastRaw[0] ? good - this.lastRaw[0] : good;
      const dn = total >= this.lastRaw[1] ? total - this.lastRaw[1] : total;
      g = (this.goods[last] as number) + dg;
      n = (this.totals[last] as number) + dn;
    }
    this.lastRaw = [good, total];
    if (last >= 0 && time <= (this.times[last] as number)) {
      this.goods[last] = g;
      this.totals[last] = n;
    } else this.push(time, g, n);
    this.prune(time);
    return this.evaluate(time);
  }

  private push(t: number, g: number, n: number): void {
    this.times.push(t);
    this.goods.push(g);
    this.totals.push(n);
  }

  private prune(now: number): void {
    // Keep one sample at or before the longest window's start, so that window still has its left edge.
    let drop = 0;
    while (drop + 1 < this.times.length && (this.times[drop + 1] as number) <= now - this.longest) drop++;
    if (drop > 0) {
      this.times.splice(0, drop);
      this.goods.splice(0, drop);
      this.totals.splice(0, drop);
    }
  }

  /** Good and total events in the `span` ms before the latest sample (from the nearest sample at or before its start). */
  private window(span: number): { bad: number; total: number } {
    const last = this.times.length - 1;
    const now = this.times[last] as number;
    let lo = 0;
    let hi = last;
    // The latest sample at or before now − span (or the oldest, when history is shorter).
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.times[mid] as number) <= now - span) lo = mid;
      else hi = mid - 1;
    }
    const total = (this.totals[last] as number) - (this.totals[lo] as number);
    const good = (this.goods[last] as number) - (this.goods[lo] as number);
    return { bad: total - good, total };
  }

  private evaluate(time: number): BurnRateDetection {
    const burnRates: Record<string, number> = {};
    const burnOf = (span: number) => {
      const w = this.window(span);
      const burn = w.total > 0 ? w.bad / w.total / this.budget : 0;
      burnRates[label(span)] = burn;
      return { burn, total: w.total };
    };
    let alert: "page" | "ticket" | null = null;
    let holding: BurnWindow | undefined;
    let closest = 0;
    let overshoot = 0;
    let guarded = false;
    const shortest = Math.min(...this.windows.map((w) => w.short));
    const shortRatio = burnOf(shortest).burn * this.budget;
    const covered = (this.times[this.times.length - 1] as number) - (this.times[0] as number);
    let learning = false;
    for (const w of this.windows) {
      const long = burnOf(w.long);
      const short = burnOf(w.short);
      // A long window with less history than its length would be a shorter, jumpier window under its name
      // (a 3d window over the first two hours pages on two hours' burn): the pair waits for its history.
      if (covered < w.long) {
        learning = true;
        continue;
      }
      if (long.total < this.minEvents) {
        guarded ||= long.burn > w.factor && short.burn > w.factor;
        continue;
      }
      const weakest = Math.min(long.burn, short.burn) / w.factor;
      if (weakest > 1) {
        if (!holding || (w.alert === "page" && alert !== "page")) {
          holding = w;
          alert = w.alert;
        }
        overshoot = Math.max(overshoot, weakest - 1);
      } else closest = Math.max(closest, weakest);
    }
    this.firing = holding !== undefined;
    let reason: string;
    if (holding) {
      reason = `error budget burning ${formatValue(burnRates[label(holding.long)] as number)}× over ${label(holding.long)} and ${formatValue(burnRates[label(holding.short)] as number)}× over ${label(holding.short)} (limit ${holding.factor}×): ${holding.alert}`;
    } else if (guarded) {
      reason = `burn rate over the limit but fewer than ${this.minEvents} events in the long window: not alerting on so little traffic`;
    } else {
      const rates = Object.entries(burnRates).map(([k, v]) => `${k} ${formatValue(v)}×`);
      reason = `burn rates within limits (${rates.join(", ")})${learning ? "; pairs whose long window is longer than the history so far wait" : ""}`;
    }
    return {
      time,
      score: ruleScore(this.firing, closest, overshoot),
      firing: this.firing,
      reason,
      value: shortRatio,
      baseline: this.budget,
      deviation: holding ? (burnRates[label(holding.long)] as number) : undefined,
      alert,
      burnRates,
    };
  }

  snapshot(): BurnRateState {
    return {
      samples: this.times.map((t, i) => [t, this.goods[i] as number, this.totals[i] as number]),
      lastRaw: this.lastRaw,
      firing: this.firing,
    };
  }
}

/** "5m", "1h", "3d" for a span in ms. */
function label(ms: number): string {
  if (ms % (24 * HOUR) === 0) return `${ms / (24 * HOUR)}d`;
  if (ms % HOUR === 0) return `${ms / HOUR}h`;
  if (ms % MINUTE === 0) return `${ms / MINUTE}m`;
  return `${ms / 1000}s`;
}
