import type { DetectorConfig } from "../../config/detect-config.ts";
import type { SeriesDetector } from "../detection.ts";
import { AbsentDetector, type AbsentState } from "./absent.ts";
import { BurnRateDetector, type BurnRateState } from "./burn-rate.ts";
import { ContextualDetector, type ContextualState } from "./contextual.ts";
import { FlatlineDetector, type FlatlineState } from "./flatline.ts";
import { NewPatternDetector, type NewPatternState } from "./new-pattern.ts";
import { RateSpikeDetector, type RateSpikeState } from "./rate-spike.ts";
import { SeasonalDetector, type SeasonalState } from "./seasonal.ts";
import { ThresholdDetector, type ThresholdState } from "./threshold.ts";
import { TrendDetector, type TrendState } from "./trend.ts";

/** A detector config over one numeric series (every kind but slo-burn-rate, which reads good and total). */
export type SeriesDetectorConfig = Exclude<DetectorConfig, { kind: "slo-burn-rate" }>;
export type BurnRateDetectorConfig = Extract<DetectorConfig, { kind: "slo-burn-rate" }>;

/**
 * Builds the detector a validated config names, resuming from `state` when given (a `snapshot()` of the same
 * kind, as persisted; its shape is trusted).
 */
export function createSeriesDetector(config: SeriesDetectorConfig, state?: unknown): SeriesDetector {
  switch (config.kind) {
    case "threshold":
      return new ThresholdDetector(config, state as ThresholdState | undefined);
    case "seasonal":
      return new SeasonalDetector(config, state as SeasonalState | undefined);
    case "trend":
      return new TrendDetector(config, state as TrendState | undefined);
    case "flatline":
      return new FlatlineDetector(config, state as FlatlineState | undefined);
    case "absent":
      return new AbsentDetector(config, state as AbsentState | undefined);
    case "contextual":
      return new ContextualDetector(withoutKind(config), state as ContextualState | undefined);
    case "rate-spike":
      return new RateSpikeDetector(config, state as RateSpikeState | undefined);
    case "new-pattern":
      return new NewPatternDetector(config, state as NewPatternState | undefined);
  }
}

/** Builds an SLO burn-rate detector from its validated config. */
export function createBurnRateDetector(config: BurnRateDetectorConfig, state?: unknown): BurnRateDetector {
  return new BurnRateDetector(config, state as BurnRateState | undefined);
}

function withoutKind<T extends { kind: string }>(config: T): Omit<T, "kind"> {
  const { kind: _kind, ...params } = config;
  return params;
}
