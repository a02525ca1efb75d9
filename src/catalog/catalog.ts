import type { OwnerContext, PlatformDestinations } from "../core/enrichment.ts";

/** One service as Sluice knows it, merged from Sluice catalog files and Backstage entities. */
export interface CatalogEntry {
  service: string;
  aliases: string[];
  team: string;
  tier: string | null;
  description: string | null;
  runbook: string | null;
  dashboards: { title: string; url: string }[];
  escalation: string | null;
  dependsOn: string[];
  /** PromQL series the investigation measures for this service; null: the defaults. */
  metrics: { name: string; query: string; direction: "up" | "down" | "both" }[] | null;
  /** Where it runs in Kubernetes; null: the investigation's defaults. */
  kubernetes: KubernetesWorkload | null;
  /** Backstage `spec.lifecycle` and `spec.system`, when the entry came from there. */
  lifecycle: string | null;
  system: string | null;
  destinations: PlatformDestinations;
  /** Where each entry came from: catalog file paths and `backstage:<path>`, the winning one first. */
  sources: string[];
}

/** A service's place in Kubernetes: a namespace and either its Deployment or its pods' labels. */
export interface KubernetesWorkload {
  namespace?: string;
  deployment?: string;
  selector?: Record<string, string>;
}

/** What routing needs to know about a service's owner. */
export interface OwnerFacts {
  team: string;
  tier: string | null;
}

/** Services by name and alias; immutable, a reload builds a new one. */
export class ServiceCatalog {
  private readonly byName = new Map<string, CatalogEntry>();

  constructor(readonly entries: readonly CatalogEntry[]) {
    for (const entry of entries) {
      for (const key of [entry.service, ...entry.aliases]) {
        const normalized = normalizeName(key);
        if (!this.byName.has(normalized)) this.byName.set(normalized, entry);
      }
    }
  }

  static empty(): ServiceCatalog {
    return new ServiceCatalog([]);
  }

  get size(): number {
    return this.entries.length;
  }

  /** The entry for a service name or one of its aliases (case does not matter). */
  lookup(service: string): CatalogEntry | undefined {
    return this.byName.get(normalizeName(service));
  }

  /** Canonical names of the services this one depends on (aliases resolved where known). */
  dependenciesOf(service: string): string[] {
    const entry = this.lookup(service);
    if (!entry) return [];
    return [...new Set(entry.dependsOn.map((name) => this.lookup(name)?.service ?? name))];
  }

  /** Canonical names of catalogued services that depend on this one. */
  dependentsOf(service: string): string[] {
    const entry = this.lookup(service);
    const target = entry?.service ?? service;
    return this.entries
      .filter((candidate) => this.dependenciesOf(candidate.service).includes(target))
      .map((candidate) => candidate.service);
  }
}

export function normalizeName(name: string): string {
  return name.trim().toLowerCase();
}

/** The owner part of an incident's context, from a catalog entry. */
export function ownerContext(entry: CatalogEntry): OwnerContext {
  return {
    service: entry.service,
    team: entry.team,
    tier: entry.tier,
    runbookUrl: entry.runbook,
    dashboards: entry.dashboards.map((dashboard) => ({ ...dashboard })),
    escalation: entry.escalation,
    source: entry.sources[0] ?? "catalog",
  };
}

/**
 * The entry that owns a signal: its service's, or, for a peer nobody catalogued that traces blamed (a
 * database, a broker), the entry of the service whose call to it failed (the signal's `caller` label).
 */
export function entryForSignal(
  catalog: { lookup(service: string): CatalogEntry | undefined },
  signal: { service: string; labels: Record<string, string> },
): CatalogEntry | undefined {
  const caller = signal.labels.caller;
  return catalog.lookup(signal.service) ?? (caller ? catalog.lookup(caller) : undefined);
}
