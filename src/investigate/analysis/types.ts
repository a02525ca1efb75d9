// The analysis core's vocabulary. Pure data: the live investigation and the offline `sluice rca` harness build
// these from their own sources (Prometheus, the trace store, PetShop CSV files) and hand them to analyze().

/**
 * What a node of the call graph is. It decides how far the node's own departure can be trusted as a cause:
 * - `service`: instrumented; its outgoing calls are known, so "no anomalous dependency" is real evidence.
 * - `resource`: a terminal dependency (database, table, queue, bucket); it calls nothing by nature.
 * - `opaque`: seen only from its callers (an uninstrumented remote, a load balancer, an external API); its own
 *   dependencies are unknown, so a quiet set of callees says nothing about whether it is the origin.
 * - `client`: a traffic source measuring what it called; its figures describe its callee more than itself.
 */
export type NodeKind = "service" | "resource" | "opaque" | "client";

/** Which way a metric moves when things get worse: latency up, availability down, request rate either way. */
export type BadDirection = "up" | "down" | "both";

/** One sample of a metric series: its value over [start, end), epoch milliseconds. */
export interface Sample {
  readonly start: number;
  readonly end: number;
  readonly value: number;
}

/** A series' normal level and spread, learnt from a window of normal operation. */
export interface Baseline {
  readonly center: number;
  /** One robust standard deviation; never zero (see robustBaseline). */
  readonly scale: number;
  readonly samples: number;
}

/** How one series departed from its baseline around an incident's onset, in baseline scales ("robust z"). */
export interface Departure {
  /** The largest departure of one sample during the incident, after removing what was already there before. */
  readonly peak: number;
  /** The sum of the positive departures of all incident samples: how far and how long, in scale × samples. */
  readonly cumulative: number;
  /** Start of the first incident sample whose departure reached the threshold; null when none did. */
  readonly departedAt: number | null;
  /** The departure already present in every sample before onset (≥ 0); subtracted from the incident's samples. */
  readonly before: number;
  /** How many incident samples had a value. */
  readonly samplesDuring: number;
}

/** One measured series as evidence: which node and metric, how it departed, and what to show a person. */
export interface MetricEvidence {
  readonly id: string;
  readonly node: string;
  readonly metric: string;
  readonly departure: Departure;
  readonly summary: string;
}

/**
 * Evidence other than metric departures, each about one candidate node. The live investigation's collectors
 * produce these; each kind has one weight in AnalysisSettings.weights.
 */
export type ExtraEvidence =
  | {
      /** Failing traces whose root-cause span lies in `node`, as a share of the window's failing traces. */
      readonly kind: "trace-root-cause";
      readonly id: string;
      readonly node: string;
      readonly share: number;
      readonly summary: string;
    }
  | {
      /** A deploy or configuration change of `node` at `at` (epoch ms). */
      readonly kind: "change";
      readonly id: string;
      readonly node: string;
      readonly at: number;
      readonly summary: string;
    }
  | {
      /** An error pattern of `node` first seen around onset; `afterChange` when first seen after its last change. */
      readonly kind: "error-pattern";
      readonly id: string;
      readonly node: string;
      readonly afterChange: boolean;
      readonly summary: string;
    }
  | {
      /**
       * The workload of `node` in trouble, from when (epoch ms): containers OOMKilled (memory), restarts after crashes
       * (a crash loop), pods Pending unschedulable (capacity) or not ready.
       */
      readonly kind: "workload";
      readonly id: string;
      readonly node: string;
      readonly condition: WorkloadCondition;
      readonly at: number;
      readonly summary: string;
    }
  | {
      /** A similar past incident whose resolution named `node`; similarity in [0, 1]. */
      readonly kind: "similar-incident";
      readonly id: string;
      readonly node: string;
      readonly similarity: number;
      readonly summary: string;
    };

export type ExtraEvidenceKind = ExtraEvidence["kind"];

/** What a workload's pods show, and the cause it points to. */
export type WorkloadCondition = "oom-killed" | "restarts" | "pending" | "not-ready";

/** Why a node scored what it did; every number that went into its score, for the report and for tests. */
export interface HypothesisFactors {
  /** ln(1 + cumulative departure) of its strongest departed metric; 0 when no metric of it departed. */
  readonly departure: number;
  readonly kindWeight: number;
  /** Departed dependencies (callees) that departed no later than it: they explain its departure. */
  readonly explainedBy: readonly string[];
  /** Whether its departure reaches the symptom through callers that departed too (or were not measured). */
  readonly reachesSymptom: boolean;
  /**
   * How long after the earliest departure among candidates it departed (ms); 0 for the earliest. Shown to a
   * person, never scored: time orders nodes only along a dependency (explainedBy).
   */
  readonly onsetLag: number;
  /** Points from the metrics, after every factor above. */
  readonly metricPoints: number;
  /** Points from each other kind of evidence. */
  readonly extraPoints: Readonly<Partial<Record<ExtraEvidenceKind, number>>>;
}

/** One root-cause candidate: a node, its support, its share of belief, and the evidence ids it rests on. */
export interface Hypothesis {
  readonly node: string;
  /** Support in points: log-scale, comparable across evidence kinds (see docs/investigation.md). */
  readonly score: number;
  /** Share of belief in [0, 1] among all candidates and "none of these". */
  readonly confidence: number;
  /** Ids of the evidence it cites: its own, then the symptoms it would explain on the way to the target. */
  readonly evidence: readonly string[];
  readonly factors: HypothesisFactors;
}

/** Why the analysis asserts nothing. */
export type AbstainReason = "no-evidence" | "not-decisive";

/** The outcome: hypotheses best first, and whether the top one is decisive enough to assert. */
export interface AnalysisResult {
  readonly hypotheses: readonly Hypothesis[];
  readonly abstained: boolean;
  readonly reason: AbstainReason | null;
  /** The share of belief left to "none of these candidates". */
  readonly unexplained: number;
}
