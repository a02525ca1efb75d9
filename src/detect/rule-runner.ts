import type { DetectRuleConfig } from "../config/detect-config.ts";
import type { Clock } from "../core/clock.ts";
import type { DetectRepository, StoredDetectorState } from "../core/ports/detect-repository.ts";
import type { Signal } from "../core/signal.ts";
import { mapAnomalyEvent } from "../pipeline/normalize/anomaly-event.ts";
import { anomalyDocument, DETECT_SOURCE, errorPatternOf, type SeriesContext } from "./anomaly-document.ts";
import type { Detection, SeriesDetector } from "./detection.ts";
import { AbsentDetector } from "./detectors/absent.ts";
import type { BurnRateDetection, BurnRateDetector } from "./detectors/burn-rate.ts";
import { createBurnRateDetector, createSeriesDetector } from "./detectors/registry.ts";
import { advanceEpisode, type EpisodeEvent, type EpisodeState, NO_EPISODE } from "./episode.ts";
import { type PromSeries, seriesKey } from "./prometheus-client.ts";

/** What the runner queries: the range query of a Prometheus-compatible API. */
export interface RangeQuerier {
  queryRange(query: string, start: number, end: number, stepMs: number): Promise<PromSeries[]>;
}

export interface RuleRunnerOptions {
  rule: DetectRuleConfig;
  prometheus: RangeQuerier;
  prometheusUrl: string;
  repository: DetectRepository;
  /** The ingest path: resolves once the signals are committed. */
  submit(signals: Signal[]): Promise<unknown>;
  clock: Clock;
  /** This replica's name in the rule's lease. */
  owner: string;
  /** Heartbeat period of a firing episode: below anomaly.lookbackWindow and the quiet period. */
  heartbeatMs: number;
  /** Most evaluations caught up after a gap (a restart, a lost lease); older ones are skipped (default 720). */
  maxCatchUp?: number;
  /** Series not evaluated for this long are forgotten (default 7 days). */
  forgetAfterMs?: number;
}

/** What one evaluation did. */
export interface RuleEvaluation {
  /** False when another replica holds the rule's lease (this one did nothing). */
  held: boolean;
  /** Evaluation times covered (0 when nothing was due). */
  points: number;
  series: number;
  events: EpisodeEvent[];
}

interface PersistedSeries {
  labels: Record<string, string>;
  detector: unknown;
  episode: EpisodeState;
  lastSample: number | null;
}

interface LiveSeries extends PersistedSeries {
  live: SeriesDetector | BurnRateDetector;
  updatedAt: number;
  dirty: boolean;
}

/**
 * Evaluates one rule: holds its lease, queries the evaluation times since the last committed one (aligned to
 * the interval, so every replica asks for the same points), feeds each series' new samples to its detector,
 * submits the episodes' anomaly events through ingest, and only then saves the detectors' states with the
 * rule's progress. A failure before the save discards the in-memory detectors: the next evaluation reloads
 * them and evaluates the same samples again, giving the same event ids, which ingest de-duplicates.
 */
export class RuleRunner {
  private series: Map<string, LiveSeries> | null = null;
  private readonly leaseMs: number;

  constructor(private readonly o: RuleRunnerOptions) {
    // Long enough to survive a slow query, short enough that a dead replica's rules move on within minutes.
    this.leaseMs = Math.max(3 * o.rule.interval, 30_000);
  }

  get name(): string {
    return this.o.rule.name;
  }

  async evaluate(): Promise<RuleEvaluation> {
    const { rule, repository, owner, clock } = this.o;
    const step = rule.interval;
    const now = clock.now();
    const lease = await repository.acquire(rule.name, owner, now, this.leaseMs);
    if (!lease) {
      // Another replica evaluates the rule; its states move on without us, so ours are stale from now on.
      this.series = null;
      return { held: false, points: 0, series: 0, events: [] };
    }
    const series = this.series ?? (await this.load());
    this.series = series;
    const end = Math.floor(now / step) * step;
    const first = lease.evaluatedUntil === null ? end : lease.evaluatedUntil + step;
    const start = Math.max(first, end - ((this.o.maxCatchUp ?? 720) - 1) * step);
    if (start > end) return { held: true, points: 0, series: series.size, events: [] };
    let events: { context: SeriesContext; event: EpisodeEvent }[];
    try {
      events = await this.run(series, start, end);
      const signals = events.flatMap(({ context, event }) => this.signalOf(context, event, now));
      if (signals.length > 0) await this.o.submit(signals);
    } catch (error) {
      this.series = null;
      throw error;
    }
    const changed: StoredDetectorState[] = [];
    for (const [key, entry] of series) {
      if (!entry.dirty) continue;
      const state: PersistedSeries = {
        labels: entry.labels,
        detector: entry.live.snapshot(),
        episode: entry.episode,
        lastSample: entry.lastSample,
      };
      changed.push({ series: key, state, updatedAt: entry.updatedAt });
      entry.dirty = false;
    }
    if (!(await repository.save(rule.name, owner, end, changed))) this.series = null;
    const forgetBefore = end - (this.o.forgetAfterMs ?? 7 * 86_400_000);
    if ((await repository.forget(rule.name, forgetBefore)) > 0) this.series = null;
    return { held: true, points: (end - start) / step + 1, series: series.size, events: events.map((e) => e.event) };
  }

  /** Gives the rule's lease up so another replica takes it over at once. */
  async release(): Promise<void> {
    this.series = null;
    await this.o.repository.release(this.o.rule.name, this.o.owner);
  }

  private async load(): Promise<Map<string, LiveSeries>> {
    const loaded = new Map<string, LiveSeries>();
    for (const stored of await this.o.repository.states(this.o.rule.name)) {
      const state = stored.state as PersistedSeries;
      loaded.set(stored.series, { ...state, live: this.detector(state.detector), updatedAt: stored.updatedAt, dirty: false });
    }
    return loaded;
  }

  private detector(state?: unknown): SeriesDetector | BurnRateDetector {
    const config = this.o.rule.detector;
    return config.kind === "slo-burn-rate" ? createBurnRateDetector(config, state) : createSeriesDetector(config, state);
  }

  private async run(
    series: Map<string, LiveSeries>,
    start: number,
    end: number,
  ): Promise<{ context: SeriesContext; event: EpisodeEvent }[]> {
    const { rule } = this.o;
    const fetched = await this.fetch(start, end);
    const out: { context: SeriesContext; event: EpisodeEvent }[] = [];
    const seen = new Set<string>();
    for (const { labels, samples } of fetched) {
      const key = seriesKey(labels);
      seen.add(key);
      let entry = series.get(key);
      if (!entry) {
        entry = {
          labels,
          detector: null,
          episode: NO_EPISODE,
          lastSample: null,
          live: this.detector(),
          updatedAt: end,
          dirty: true,
        };
        series.set(key, entry);
      }
      for (const sample of samples) {
        if (entry.lastSample !== null && sample.time <= entry.lastSample) continue;
        const detection =
          "good" in sample
            ? (entry.live as BurnRateDetector).update(sample.time, sample.good, sample.total)
            : (entry.live as SeriesDetector).update(sample.time, sample.value);
        entry.lastSample = sample.time;
        this.advance(entry, key, detection, out);
      }
      entry.updatedAt = end;
      entry.dirty = true;
    }
    if (rule.detector.kind === "absent") {
      // A series that left the result is what this detector watches for.
      for (const [key, entry] of series) {
        if (seen.has(key) || !(entry.live instanceof AbsentDetector)) continue;
        this.advance(entry, key, entry.live.check(end), out);
        entry.updatedAt = end;
        entry.dirty = true;
      }
    }
    return out;
  }

  private advance(
    entry: LiveSeries,
    key: string,
    detection: Detection,
    out: { context: SeriesContext; event: EpisodeEvent }[],
  ): void {
    const hold = "holdEvaluations" in entry.live ? entry.live.holdEvaluations : undefined;
    const step = advanceEpisode(entry.episode, detection, this.o.heartbeatMs, this.o.rule.minimumScore, hold);
    entry.episode = step.state;
    if (!step.event) return;
    const alert = "alert" in detection ? (detection as BurnRateDetection).alert : undefined;
    out.push({ context: { ...this.context(key, entry.labels), alert }, event: step.event });
  }

  private context(key: string, labels: Record<string, string>): SeriesContext {
    const { rule } = this.o;
    const detector = rule.detector;
    const query =
      detector.kind === "slo-burn-rate"
        ? `(${detector.good}) / (${detector.total})`
        : (rule.query ?? `sluice signals by ${rule.signals?.by} (${rule.signals?.kinds.join(", ")})`);
    return { rule, key, labels, query, prometheusUrl: this.o.prometheusUrl };
  }

  /** The rule's samples per series: values, or for SLO burn rate the good and total counts at the same times. */
  private async fetch(
    start: number,
    end: number,
  ): Promise<
    {
      labels: Record<string, string>;
      samples: ({ time: number; value: number } | { time: number; good: number; total: number })[];
    }[]
  > {
    const { rule, prometheus } = this.o;
    const detector = rule.detector;
    if (detector.kind !== "slo-burn-rate") {
      const result = await prometheus.queryRange(rule.query ?? "", start, end, rule.interval);
      return result.map((s) => ({ labels: s.labels, samples: s.samples.map(([time, value]) => ({ time, value })) }));
    }
    const [good, total] = await Promise.all([
      prometheus.queryRange(detector.good, start, end, rule.interval),
      prometheus.queryRange(detector.total, start, end, rule.interval),
    ]);
    // Good and total pair up by labels (both usually aggregate to the same ones, e.g. by service).
    const goodByKey = new Map(good.map((s) => [seriesKey(s.labels), new Map(s.samples)]));
    return total.flatMap((s) => {
      const goodAt = goodByKey.get(seriesKey(s.labels));
      if (!goodAt) return [];
      const samples = s.samples.flatMap(([time, totalCount]) => {
        const goodCount = goodAt.get(time);
        return goodCount === undefined ? [] : [{ time, good: goodCount, total: totalCount }];
      });
      return [{ labels: s.labels, samples }];
    });
  }

  private signalOf(context: SeriesContext, event: EpisodeEvent, now: number): Signal[] {
    const mapped = mapAnomalyEvent(anomalyDocument(context, event), { receivedAt: now, source: DETECT_SOURCE }, "");
    if ("problems" in mapped) {
      throw new Error(`rule ${context.rule.name} built an invalid anomaly event: ${JSON.stringify(mapped.problems)}`);
    }
    mapped.signal.errorPattern = errorPatternOf(context);
    return [mapped.signal];
  }
}
