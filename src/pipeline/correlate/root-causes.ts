import type { TracesConfig } from "../../config/traces-config.ts";
import type { OpenServiceIncident, TraceRepository } from "../../core/ports/trace-repository.ts";
import type { Signal } from "../../core/signal.ts";
import { downstreamOf, failingToward, shareOf } from "../../traces/graph.ts";
import type { GraphReader } from "../../traces/graph-reader.ts";
import { lookupTraces } from "../../traces/trace-lookup.ts";
import { OTLP_SOURCE } from "../normalize/trace-signal.ts";
import type { JoinTarget } from "./decisions.ts";

/** Why a signal is a symptom of another service's problem, and which service that is. */
export interface RootCauseHint {
  service: string;
  reason: string;
}

/** Ad hoc analyses of still-assembling traces per batch: the rest wait for their stored analysis. */
const MAX_AD_HOC = 20;
/** A failing trace's signal looks for its trace id in the newest few open incidents of its service, */
const SAME_TRACE_INCIDENTS = 5;
/** … among each one's latest signals. */
const SAME_TRACE_SIGNALS = 100;

/**
 * Finds, for firing signals, the open incident they belong to instead of opening their own. The same
 * failing trace in the same service joins the incident that holds it (see sameTraceTargets). Otherwise
 * the service whose problem they are a symptom of, so they join its incident as blast radius:
 * - the signal's trace is stored and its root cause is another service; or
 * - without a known trace: the signal's service calls, within the graph window, a service with an open
 *   incident in the same tenant and environment, and those calls failed in the window (so a service that
 *   merely depends on a broken one, but whose calls to it succeed, keeps its own incidents).
 */
export class TraceRootCauses {
  constructor(
    private readonly repository: TraceRepository,
    private readonly graphs: GraphReader,
    private readonly config: Pick<TracesConfig, "timelineLimit" | "maxSpansPerTrace" | "graphWindow">,
  ) {}

  async rootCauses(signals: readonly Signal[], now: number): Promise<Map<string, RootCauseHint>> {
    const hints = new Map<string, RootCauseHint>();
    const candidates = signals.filter((signal) => signal.status === "firing" && signal.source !== OTLP_SOURCE);
    if (candidates.length === 0) return hints;
    const traced = candidates.filter((signal) => signal.traceId);
    const analyses = await lookupTraces(
      this.repository,
      traced.map((signal) => signal.traceId as string),
      { ...this.config, maxAdHoc: MAX_AD_HOC },
    );
    const untraced: Signal[] = [];
    for (const signal of candidates) {
      const analysis = signal.traceId ? analyses.get(signal.traceId.toLowerCase()) : undefined;
      if (!analysis) {
        untraced.push(signal);
        continue;
      }
      const root = analysis.rootCause;
      // A known trace decides: it fails first in another service, or the signal is its own problem.
      if (!root || root.service === signal.service) continue;
      const message = root.errorMessage ? `: ${root.errorMessage.slice(0, 200)}` : "";
      hints.set(signal.id, {
        service: root.service,
        reason: `trace ${analysis.traceId} fails first in ${root.service} (${root.operation}${message}); ${signal.service} is upstream of it`,
      });
    }
    await this.byGraph(untraced, now, hints);
    return hints;
  }

  /**
   * The ingest runner's view of rootCauses: for each symptom, the open incident of its root-cause service
   * (same tenant and environment; the oldest when there are several) to join. A root cause with nothing
   * open leaves the signal to open its own incident.
   */
  async joinTargets(signals: readonly Signal[], now: number): Promise<Map<string, JoinTarget>> {
    const targets = await this.sameTraceTargets(signals);
    const hints = await this.rootCauses(
      signals.filter((signal) => !targets.has(signal.id)),
      now,
    );
    if (hints.size === 0) return targets;
    const bySignal = new Map(signals.map((signal) => [signal.id, signal]));
    const lookups = new Map<string, Promise<Map<string, string>>>();
    for (const [id, hint] of hints) {
      const signal = bySignal.get(id);
      if (!signal) continue;
      const key = `${signal.tenant}\u0000${signal.environment}`;
      let lookup = lookups.get(key);
      if (!lookup) {
        const services = [...hints]
          .filter(
            ([other]) => bySignal.get(other)?.tenant === signal.tenant && bySignal.get(other)?.environment === signal.environment,
          )
          .map(([, h]) => h.service);
        lookup = this.repository.openIncidentsByService(signal.tenant, signal.environment, services).then((open) => {
          const oldest = new Map<string, string>();
          for (const incident of open) if (!oldest.has(incident.service)) oldest.set(incident.service, incident.fingerprint);
          return oldest;
        });
        lookups.set(key, lookup);
      }
      const fingerprint = (await lookup).get(hint.service);
      if (fingerprint) targets.set(id, { fingerprint, reason: hint.reason });
    }
    return targets;
  }

  /**
   * Signals about a failing trace that an open incident of their own service already holds: an event naming
   * a trace whose analysis opened an incident (found by the trace's own signal), or the trace's signal when
   * an incident of its service already names the trace (the event came before the trace was analysed).
   */
  private async sameTraceTargets(signals: readonly Signal[]): Promise<Map<string, JoinTarget>> {
    const targets = new Map<string, JoinTarget>();
    const traced = signals.filter((signal) => signal.status === "firing" && signal.traceId);
    const events = traced.filter((signal) => signal.source !== OTLP_SOURCE);
    // One read for the whole batch: the incidents the named traces' own signals are in.
    const byTrace = await this.repository.openIncidentsOfSignals(
      OTLP_SOURCE,
      events.map((signal) => (signal.traceId as string).toLowerCase()),
    );
    for (const signal of events) {
      const traceId = (signal.traceId as string).toLowerCase();
      const incident = byTrace.get(traceId);
      if (incident?.service !== signal.service) continue;
      targets.set(signal.id, {
        fingerprint: incident.fingerprint,
        reason: `trace ${traceId} fails in ${signal.service} and is this incident's`,
        why: "same-trace",
      });
    }
    // Per batch, each service's open incidents and each incident's trace ids are read once.
    const incidentsOf = new Map<string, Promise<OpenServiceIncident[]>>();
    const traceIdsOf = new Map<string, Promise<string[]>>();
    for (const signal of traced) {
      if (signal.source !== OTLP_SOURCE) continue;
      const traceId = (signal.traceId as string).toLowerCase();
      const serviceKey = `${signal.tenant}\u0000${signal.environment}\u0000${signal.service}`;
      let incidents = incidentsOf.get(serviceKey);
      if (!incidents) {
        incidents = this.repository.openIncidentsByService(signal.tenant, signal.environment, [signal.service]);
        incidentsOf.set(serviceKey, incidents);
      }
      for (const incident of (await incidents).slice(-SAME_TRACE_INCIDENTS).reverse()) {
        let traceIds = traceIdsOf.get(incident.id);
        if (!traceIds) {
          traceIds = this.repository.recentTraceIds(incident.id, SAME_TRACE_SIGNALS);
          traceIdsOf.set(incident.id, traceIds);
        }
        if (!(await traceIds).includes(traceId)) continue;
        targets.set(signal.id, {
          fingerprint: incident.fingerprint,
          reason: `the failing trace ${traceId} is named by a signal this incident already holds`,
          why: "same-trace",
        });
        break;
      }
    }
    return targets;
  }

  private async byGraph(signals: readonly Signal[], now: number, hints: Map<string, RootCauseHint>): Promise<void> {
    const groups = new Map<string, Signal[]>();
    for (const signal of signals) {
      const key = `${signal.tenant}\u0000${signal.environment}`;
      groups.set(key, [...(groups.get(key) ?? []), signal]);
    }
    const minutes = Math.round(this.config.graphWindow / 60_000);
    for (const group of groups.values()) {
      const { tenant, environment } = group[0] as Signal;
      const graph = await this.graphs.graph(tenant, environment, now);
      if (graph.edges.length === 0) continue;
      const downstream = new Map<string, Set<string>>();
      for (const signal of group) downstream.set(signal.service, downstreamOf(graph, signal.service));
      const services = new Set([...downstream.values()].flatMap((set) => [...set]));
      if (services.size === 0) continue;
      const open = await this.repository.openIncidentsByService(tenant, environment, [...services]);
      if (open.length === 0) continue;
      for (const signal of group) {
        const below = downstream.get(signal.service) ?? new Set<string>();
        let best: { service: string; share: number } | null = null;
        // Oldest incident first, so on equal shares the earliest problem wins.
        for (const incident of open) {
          if (incident.service === signal.service || !below.has(incident.service)) continue;
          if (!failingToward(graph, signal.service, incident.service)) continue;
          const share = shareOf(graph, signal.service, incident.service);
          if (!best || share > best.share) best = { service: incident.service, share };
        }
        if (!best) continue;
        hints.set(signal.id, {
          service: best.service,
          reason: `${signal.service} depends on ${best.service} (${Math.round(best.share * 100)}% of its traced requests reach it, with errors in the last ${minutes} min), which has an open incident`,
        });
      }
    }
  }
}
