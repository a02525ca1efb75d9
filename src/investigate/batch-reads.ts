import type { Change } from "../core/change.ts";
import type { ChangeQuery, ChangeRepository } from "../core/ports/change-repository.ts";
import type { SimilarReads } from "../core/ports/similar-reads.ts";
import type { Signal } from "../core/signal.ts";

/**
 * Store reads several collectors, or several investigations of one batch, would each make: read once and
 * answered from memory, with the same answers the store gives. A collector without them (a test, a tool)
 * reads the store itself.
 */
export interface InvestigationReads {
  /** An incident's latest `limit` signals, newest first: the store's `signals(incidentId, limit)`. */
  signals(incidentId: string, limit: number): Promise<Signal[]>;
  /** The store's `changes.find(query)`. */
  changes(query: ChangeQuery): Promise<Change[]>;
  /**
   * False when the tenant had no incident resolved at or after `since`, so no incident has similar past ones
   * there; true when it may have (then the similar-incident finder reads as usual).
   */
  mayHavePast(tenant: string, since: number): Promise<boolean>;
}

export interface BatchReadsOptions {
  signals(incidentId: string, limit: number): Promise<Signal[]>;
  changes: ChangeRepository;
  /** Signals read per incident at most: every smaller read is a prefix of it (newest first). */
  maxSignals: number;
  /** The widest change window the batch's collectors ask, before their incidents' onsets (ms). */
  changesLookback: number;
  /** Most changes one (tenant, environment) window holds in memory; with more, each query reads the store. */
  maxChanges: number;
  /** Past incidents to compare with: one candidate read per tenant tells whether there are any. */
  similar: Pick<SimilarReads, "candidates">;
  /** How far back similar incidents are compared (`similar.lookback`). */
  similarLookback: number;
  now(): number;
}

// Changes a collector may ask for after onset: its clock skew, and "now" for the logs collector's window.
const AHEAD = 3_600_000;

/**
 * The reads of one batch of investigations. Signals: one read of an incident's latest `maxSignals` serves
 * every collector (the logs, the runbook and the traces collectors each read a prefix of it). Changes: one
 * read per tenant and environment of the window covering every incident of the batch; a query inside that
 * window is answered by filtering and ordering it as the store does (`at` then `id`, newest first), a query
 * outside it, or a window with more than `maxChanges` changes, reads the store. Similar incidents: one read
 * per tenant says whether it resolved any incident in the lookback at all (a new tenant, a first storm).
 */
export function batchReads(
  incidents: readonly { tenant: string; environment: string; firstSeenAt: number }[],
  options: BatchReadsOptions,
): InvestigationReads {
  const signals = new Map<string, Promise<Signal[]>>();
  const windows = new Map<string, Promise<{ from: number; to: number; changes: Change[] } | null>>();
  const onsets = incidents.map((incident) => incident.firstSeenAt);
  const from = Math.min(...onsets) - options.changesLookback;
  const to = Math.max(options.now(), ...onsets) + AHEAD;
  // Every investigation of the batch starts after this, so it compares incidents resolved since a later time.
  const pastSince = options.now() - options.similarLookback;
  const past = new Map<string, Promise<boolean>>();
  const window = (tenant: string, environment: string) => {
    const key = `${tenant}\u0000${environment}`;
    let loaded = windows.get(key);
    if (!loaded) {
      loaded = options.changes
        .find({ tenant, environment, from, to, limit: options.maxChanges + 1 })
        .then((changes) => (changes.length > options.maxChanges ? null : { from, to, changes }));
      windows.set(key, loaded);
    }
    return loaded;
  };
  return {
    async signals(incidentId, limit) {
      if (limit > options.maxSignals) return options.signals(incidentId, limit);
      let read = signals.get(incidentId);
      if (!read) {
        read = options.signals(incidentId, options.maxSignals);
        signals.set(incidentId, read);
      }
      return (await read).slice(0, limit);
    },
    async mayHavePast(tenant, since) {
      if (since < pastSince) return true;
      let any = past.get(tenant);
      if (!any) {
        any = options.similar
          .candidates({ tenant, service: "", errorPattern: "", since: pastSince, excludeId: null, limit: 1 })
          .then((found) => found.length > 0);
        past.set(tenant, any);
      }
      return any;
    },
    async changes(query) {
      if (query.services?.length === 0 || query.kinds?.length === 0) return [];
      const held =
        query.tenant !== undefined && query.environment !== undefined ? await window(query.tenant, query.environment) : null;
      if (!held || query.from < held.from || query.to > held.to) return options.changes.find(query);
      const services = query.services ? new Set(query.services) : null;
      const kinds = query.kinds ? new Set<string>(query.kinds) : null;
      // The window is read newest first, ties by id: a filtered prefix keeps the store's order.
      return held.changes
        .filter(
          (c) =>
            c.at >= query.from &&
            c.at <= query.to &&
            (services === null || services.has(c.service)) &&
            (kinds === null || kinds.has(c.kind)),
        )
        .slice(0, query.limit);
    },
  };
}
