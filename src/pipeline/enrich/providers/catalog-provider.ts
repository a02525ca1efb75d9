import { type CatalogEntry, entryForSignal, ownerContext } from "../../../catalog/catalog.ts";
import type { IncidentContext } from "../../../core/enrichment.ts";
import type { EnrichmentProvider, EnrichTarget } from "../enricher.ts";

/** Anything that can look a service up: a CatalogSource (reloading) or a fixed ServiceCatalog. */
export interface CatalogLookup {
  lookup(service: string): CatalogEntry | undefined;
}

/**
 * The `catalog` enrichment step: the owner (team, tier, runbook, dashboards, escalation) and the
 * destinations the owner's entry picks. A service the catalog does not know adds nothing.
 */
export function catalogProvider(catalog: CatalogLookup): EnrichmentProvider {
  return {
    name: "catalog",
    essential: true,
    enrich(target: EnrichTarget): Partial<IncidentContext> {
      const entry = entryForSignal(catalog, { service: target.service, labels: target.signal.labels });
      if (!entry) return {};
      const context: Partial<IncidentContext> = { owner: ownerContext(entry) };
      if (Object.keys(entry.destinations).length > 0) context.destinations = structuredClone(entry.destinations);
      return context;
    },
  };
}
