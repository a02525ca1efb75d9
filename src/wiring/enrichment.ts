import type { CatalogSource } from "../catalog/catalog-source.ts";
import { affectedUsersProvider } from "../pipeline/enrich/affected-users.ts";
import { Enricher, type EnrichmentProvider } from "../pipeline/enrich/enricher.ts";
import { catalogProvider } from "../pipeline/enrich/providers/catalog-provider.ts";
import { ChangesProvider } from "../pipeline/enrich/providers/changes-provider.ts";
import { SimilarIncidents, similarProvider } from "../pipeline/enrich/providers/similar-incidents.ts";
import type { TraceKnowledge } from "../sources/otlp/traces.ts";
import { downstreamOf } from "../traces/graph.ts";
import type { Base } from "./base.ts";

export interface EnrichmentWiring {
  enricher: Enricher;
  /** Similar past incidents (src/similar, docs/similar.md): the `similar` step and GET /api/incidents/:id/similar. */
  similar: SimilarIncidents;
}

/** The enrichment steps new incidents get: affected users, changes, catalog owner, similar incidents, traces. */
export function wireEnrichment(
  { config, store, clock, logger, metrics, redactor }: Base,
  catalog: CatalogSource | null,
  traces: TraceKnowledge | null,
): EnrichmentWiring {
  /** What a service depends on: declared in the catalog (Backstage dependsOn) plus what its traces show it calls. */
  const dependenciesOf = async (service: string, at: { tenant: string; environment: string; now: number }) => {
    const declared = catalog?.dependenciesOf(service) ?? [];
    if (!traces) return declared;
    const observed = downstreamOf(await traces.graphs.graph(at.tenant, at.environment, at.now), service);
    return [...new Set([...declared, ...observed])];
  };
  const changesProvider = new ChangesProvider({
    dependenciesOf,
    changes: store.changes,
    lookbackMs: config.changes.lookback,
    skewMs: config.changes.skew,
    limit: config.changes.limit,
  });
  const similar = new SimilarIncidents(store.similar, config.similar, { clock, redact: (text) => redactor.redact(text) });
  const providers: EnrichmentProvider[] = [
    affectedUsersProvider,
    changesProvider,
    ...(catalog ? [catalogProvider(catalog)] : []),
    ...(config.similar.enabled ? [similarProvider(similar)] : []),
    ...(traces ? [traces.enrichment] : []),
  ];
  const enricher = new Enricher(providers, {
    timeoutMs: config.enrichment.timeout,
    count: (provider, outcome) => metrics.enrichment.inc({ provider, outcome }),
    onFailure: (provider, error) =>
      logger.warn(
        { provider, error: error instanceof Error ? error.message : String(error) },
        "an enrichment step failed; the ticket goes out without it",
      ),
  });
  return { enricher, similar };
}
