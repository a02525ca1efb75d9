import type { InvestigationReport, InvestigationTrigger } from "../investigation.ts";

/** A queued investigation, leased to one process. */
export interface InvestigationJob {
  incidentId: string;
  trigger: InvestigationTrigger;
  requestedAt: number;
  /** How many times it was claimed, this claim included; also the claim's token for finish(). */
  attempt: number;
}

/**
 * Durable investigation jobs (one row per incident, so one investigation at a time per incident) and
 * their versioned reports.
 */
export interface InvestigationRepository {
  /**
   * Queues an investigation of the incident. A job already queued keeps its place; one running is run
   * once more after it finishes (the request may carry news the running one has not seen).
   */
  request(incidentId: string, trigger: InvestigationTrigger, now: number): Promise<void>;
  /**
   * `request` for many incidents in one transaction (an incident storm opens thousands a second: a
   * transaction, and so a commit, each cost more than the rest of opening them). An incident named
   * twice keeps its first trigger.
   */
  requestAll(requests: readonly { incidentId: string; trigger: InvestigationTrigger }[], now: number): Promise<void>;
  /**
   * Leases queued jobs and running ones whose lease expired (their process died), oldest request first.
   * With `requestedBefore`, queued jobs requested after it wait (abandoned ones are still taken).
   */
  claim(now: number, limit: number, leaseMs: number, requestedBefore?: number): Promise<InvestigationJob[]>;
  /** Ends the claim `attempt` of the job; false when the claim was lost (its lease expired and another took it). */
  finish(incidentId: string, attempt: number): Promise<boolean>;
  /** The job's state, null when the incident was never investigated. */
  status(incidentId: string): Promise<"pending" | "running" | "done" | null>;
  /**
   * Ends the claim `attempt` and stores its report as the incident's next version, in one transaction:
   * a reader never sees the report while the job still runs, and a crash leaves either both or neither
   * (so the job runs again and reports once). Null, with nothing stored, when the claim was lost.
   */
  complete(report: Omit<InvestigationReport, "version">, attempt: number, now: number): Promise<number | null>;
  /**
   * `complete` for many claims in one transaction (one commit for a batch of investigations), each with the
   * same rules; the versions in the order given, null where that claim was lost. One report per incident.
   */
  completeAll(
    completions: readonly { report: Omit<InvestigationReport, "version">; attempt: number }[],
    now: number,
  ): Promise<(number | null)[]>;
  /** Stores a report as the incident's next version; returns that version. */
  saveReport(report: Omit<InvestigationReport, "version">, now: number): Promise<number>;
  /** The latest version, or the given one. */
  report(incidentId: string, version?: number): Promise<InvestigationReport | null>;
}
