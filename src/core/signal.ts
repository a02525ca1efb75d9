/** Severity levels, most severe first. */
export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const SIGNAL_KINDS = ["anomaly", "alert", "log", "change", "security"] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

export type SignalStatus = "firing" | "resolved";

/** One normalized observation from any source. */
export interface Signal {
  id: string;
  source: string;
  /** Upstream identity: a second signal with the same source and sourceId is a duplicate. */
  sourceId: string;
  receivedAt: number;
  occurredAt: number;
  status: SignalStatus;
  kind: SignalKind;
  tenant: string;
  service: string;
  environment: string;
  severity: Severity;
  score: number | null;
  title: string;
  message: string;
  /** Mined template of the message; filled by the correlate stage. */
  errorPattern: string;
  /** Stable identity of an alert across firing and resolved (alert sources only). */
  alertKey: string | null;
  /**
   * Firing alerts only: the sourceId the source gives the resolve of this very occurrence. Once that is
   * stored, this firing is stale (it arrived after its own resolve) and must not open or join anything.
   */
  resolveSourceId?: string;
  traceId: string | null;
  spanIds: string[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  links: string[];
  affectedUsers: string[];
  affectedServices: string[];
  /** Upstream fields not mapped to the fields above (size-capped); null when all were mapped. */
  raw: unknown;
}

/** Lower is more severe; used to compare and escalate severities. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function moreSevere(a: Severity, b: Severity): Severity {
  return severityRank(a) <= severityRank(b) ? a : b;
}
