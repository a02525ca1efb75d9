// The data source of signal-stream rules (`detect.rules[].signals`): instead of asking Prometheus, a rule counts
// Sluice's own stored signals per evaluation, per error pattern and service (or per service), so the same rule
// runner — lease, persisted detector states, episodes, heartbeats, resolve — turns a spike of one error pattern,
// or a pattern first seen right after a change, into an anomaly event on the normal ingest path.
import type { DetectRuleConfig } from "../config/detect-config.ts";
import type { ChangeRepository } from "../core/ports/change-repository.ts";
import type { DetectRepository, SignalCountSeries } from "../core/ports/detect-repository.ts";
import { DETECT_SOURCE } from "./anomaly-document.ts";
import type { PromSeries } from "./prometheus-client.ts";
import type { RangeQuerier } from "./rule-runner.ts";

const DEFAULT_AFTER_MS = 3_600_000;

/** Answers a signal-stream rule's range query from the store. */
export class SignalStreamQuerier implements RangeQuerier {
  constructor(
    private readonly rule: DetectRuleConfig,
    private readonly detect: DetectRepository,
    private readonly changes: ChangeRepository,
  ) {
    if (!rule.signals) throw new Error(`rule ${rule.name} has no \`signals\` block`);
  }

  async queryRange(_query: string, start: number, end: number, stepMs: number): Promise<PromSeries[]> {
    const selector = this.rule.signals as NonNullable<DetectRuleConfig["signals"]>;
    const series = await this.detect.signalCounts({
      from: start,
      to: end,
      stepMs,
      by: selector.by,
      kinds: selector.kinds,
      // A rule's own detections are signals too; counting them would feed a rule its own output.
      excludeSources: [DETECT_SOURCE],
    });
    if (this.rule.detector.kind !== "new-pattern") {
      return series.map((s) => ({ labels: labelsOf(s), samples: s.counts }));
    }
    return this.firstSightings(series, start, end, stepMs, this.rule.detector.after ?? DEFAULT_AFTER_MS);
  }

  /**
   * For each pattern: −1 in every evaluation, except the one in which the pattern was first mined, if a change to its
   * service came at most `afterMs` before that — there, the seconds from the change to the sighting.
   */
  private async firstSightings(
    series: SignalCountSeries[],
    start: number,
    end: number,
    stepMs: number,
    afterMs: number,
  ): Promise<PromSeries[]> {
    const firstSeen = await this.detect.patternsFirstSeen(series.flatMap((s) => (s.pattern === null ? [] : [s.pattern])));
    const out: PromSeries[] = [];
    for (const s of series) {
      const samples: [number, number][] = s.counts.map(([time]) => [time, -1]);
      const seen = s.pattern === null ? undefined : firstSeen.get(s.pattern);
      if (seen !== undefined && seen > start - stepMs && seen <= end) {
        const [change] = await this.changes.find({ services: [s.service], from: seen - afterMs, to: seen, limit: 1 });
        if (change) {
          const bucket = Math.min(Math.max(Math.ceil((seen - start) / stepMs), 0), samples.length - 1);
          (samples[bucket] as [number, number])[1] = Math.max(0, (seen - change.at) / 1000);
        }
      }
      out.push({ labels: labelsOf(s), samples });
    }
    return out;
  }
}

function labelsOf(s: SignalCountSeries): Record<string, string> {
  return s.pattern === null ? { service: s.service } : { service: s.service, pattern: s.pattern };
}
