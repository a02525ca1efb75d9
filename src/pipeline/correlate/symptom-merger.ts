import type { Logger } from "pino";
import type { IncidentHead, Store } from "../../core/ports/store.ts";
import type { OpenServiceIncident } from "../../core/ports/trace-repository.ts";
import { SerialQueue } from "../../core/serial-queue.ts";
import type { Signal } from "../../core/signal.ts";
import type { LifecycleService } from "../../lifecycle/lifecycle-service.ts";
import type { RootCauseHint } from "./root-causes.ts";

/** What the merger needs from traces: who calls a service, and which service a signal is a symptom of. */
export interface SymptomEvidence {
  /** Services that call `service`, directly or through others, in the graph window. */
  upstreamOf(tenant: string, environment: string, service: string, now: number): Promise<string[]>;
  /** Unresolved incidents of these services, oldest first. */
  openIncidentsByService(tenant: string, environment: string, services: readonly string[]): Promise<OpenServiceIncident[]>;
  /** For firing signals: the service each is a symptom of (the rule upstream joins use). */
  rootCauses(signals: readonly Signal[], now: number): Promise<Map<string, RootCauseHint>>;
}

export type MergeOutcome = "merged" | "kept" | "failed" | "shed";

export interface SymptomMergerOptions {
  store: Store;
  lifecycle: Pick<LifecycleService, "merge">;
  evidence: SymptomEvidence;
  now(): number;
  logger: Logger;
  /** Only symptom incidents that opened at most this long before the root cause's (re)opening are merged. */
  windowMs: number;
  /** Most incidents waiting to be checked; beyond it new ones are shed (and counted). */
  maxPending?: number;
  count?(outcome: MergeOutcome): void;
}

/** Signals of a symptom incident read to find the evidence: its latest ones. */
const SIGNALS_READ = 50;

/**
 * Merges symptom incidents into the root cause's incident when the root cause's opened last.
 *
 * Upstream symptoms join the root cause's open incident as they arrive (TraceRootCauses.joinTargets).
 * When the order is the other way round — an anomaly event for the frontend, carrying the failing
 * trace's id, arrives before that trace is quiet and analysed — the frontend's incident opens first and
 * the root cause's opens next to it: two pages for one problem. For each newly opened incident this
 * looks at the open incidents of the services that call it, opened within the window before it, and
 * applies the same rule the join would have applied had the root cause come first: if one of their
 * signals is, by its trace or by failing calls in the graph, a symptom of the new incident's service,
 * that incident is resolved as merged into the new one, and both timelines and all tickets say so.
 */
export class SymptomMerger extends SerialQueue {
  constructor(private readonly options: SymptomMergerOptions) {
    super({ maxPending: options.maxPending ?? 10_000, onShed: () => options.count?.("shed") });
  }

  protected override handle(rootId: string): Promise<void> {
    return this.check(rootId);
  }

  private async check(rootId: string): Promise<void> {
    try {
      // Its head only: the check needs who the incident is about, and most new incidents have nothing upstream.
      const root = (await this.options.store.incidents.heads([rootId])).get(rootId);
      if (!root || root.state === "resolved") return;
      for (const candidate of await this.candidates(root)) await this.mergeIfSymptom(candidate, root);
    } catch (error) {
      this.options.count?.("failed");
      this.options.logger.warn(
        { err: error, incidentId: rootId },
        "looking for symptom incidents to merge failed; they stay separate",
      );
    }
  }

  /**
   * Open incidents of the services upstream of the root's that opened within the window before now (the
   * root has just opened or reopened): older ones have been handled by people as problems of their own.
   */
  private async candidates(root: IncidentHead): Promise<OpenServiceIncident[]> {
    const { evidence, windowMs } = this.options;
    const now = this.options.now();
    const upstream = await evidence.upstreamOf(root.tenant, root.environment, root.service, now);
    if (upstream.length === 0) return [];
    const open = await evidence.openIncidentsByService(root.tenant, root.environment, upstream);
    return open.filter((incident) => incident.id !== root.id && incident.firstSeenAt >= now - windowMs);
  }

  private async mergeIfSymptom(candidate: OpenServiceIncident, root: IncidentHead): Promise<void> {
    const signals = (await this.options.store.incidents.signals(candidate.id, SIGNALS_READ)).filter((s) => s.status === "firing");
    if (signals.length === 0) return;
    const hints = await this.options.evidence.rootCauses(signals, this.options.now());
    const hint = [...hints.values()].find((h) => h.service === root.service);
    if (!hint) {
      this.options.count?.("kept");
      return;
    }
    try {
      await this.options.lifecycle.merge(candidate.id, root.id, hint.reason);
      this.options.count?.("merged");
    } catch (error) {
      // Another replica merged it, or a person resolved it meanwhile: nothing left to do.
      this.options.count?.("kept");
      this.options.logger.info({ incidentId: candidate.id, into: root.key, err: error }, "symptom incident not merged");
    }
  }
}
