import type { z } from "zod";
import type { DestinationFields, IncidentContext, PlatformDestinations } from "../core/enrichment.ts";
import type { CatalogDestination, ConnectorFactory } from "./connector.ts";

/** What output shows instead of a destination value that is a credential. */
export const SECRET_SET = "[set]";

interface Entry {
  platform: string;
  destination: CatalogDestination;
}

/**
 * Every platform's part of a service catalog entry, as the connectors in the registry declare it: the
 * catalog validates and reads destinations through this, the API and the CLI mask secrets through it.
 * Platforms in name order, so what is shown does not depend on the order of the registry.
 */
export class DestinationCatalog {
  private readonly entries: readonly Entry[];

  constructor(factories: readonly ConnectorFactory[]) {
    this.entries = factories
      .flatMap((factory) => (factory.catalog ? [{ platform: factory.platform, destination: factory.catalog }] : []))
      .sort((a, b) => a.platform.localeCompare(b.platform));
    const fields = new Map<string, string>();
    for (const { platform, destination } of this.entries) {
      const taken = fields.get(destination.field);
      if (taken) throw new Error(`catalog field "${destination.field}" is declared by both ${taken} and ${platform}`);
      fields.set(destination.field, platform);
    }
  }

  /** The catalog entry keys the platforms add, each optional. */
  shape(): Record<string, z.ZodOptional<z.ZodType>> {
    return Object.fromEntries(this.entries.map(({ destination }) => [destination.field, destination.schema.optional()]));
  }

  /** Backstage annotations and the catalog field (`pagerduty.routingKey`, `slackChannel`) each fills. */
  annotations(): { annotation: string; field: string }[] {
    return this.entries.flatMap(({ destination }) =>
      (destination.annotations ?? []).map(({ annotation, key }) => ({
        annotation,
        field: key ? `${destination.field}.${key}` : destination.field,
      })),
    );
  }

  /** The destinations a validated catalog entry picks, by platform. */
  fromEntry(entry: Record<string, unknown>): PlatformDestinations {
    const destinations: PlatformDestinations = {};
    for (const { platform, destination } of this.entries) {
      const value = entry[destination.field];
      if (value !== undefined) destinations[platform] = destination.toDestination(value);
    }
    return destinations;
  }

  /** The destinations with every secret value replaced by "[set]". */
  mask(destinations: PlatformDestinations): PlatformDestinations {
    const masked: PlatformDestinations = { ...destinations };
    for (const { platform, destination } of this.entries) {
      const fields = masked[platform];
      if (!fields || !destination.secretFields?.length) continue;
      masked[platform] = maskFields(fields, destination.secretFields);
    }
    return masked;
  }

  /** An incident context as the API shows it: secrets its destinations carry masked. */
  maskContext(context: IncidentContext): IncidentContext {
    if (!context.destinations) return context;
    return { ...context, destinations: this.mask(context.destinations) };
  }

  /** One phrase per destination, for `sluice catalog`. */
  describe(destinations: PlatformDestinations): string[] {
    const masked = this.mask(destinations);
    return this.entries.flatMap(({ platform, destination }) => {
      const fields = masked[platform];
      return fields ? [destination.describe(fields)] : [];
    });
  }
}

function maskFields(fields: DestinationFields, secrets: readonly string[]): DestinationFields {
  const masked = { ...fields };
  for (const key of secrets) if (masked[key] !== undefined) masked[key] = SECRET_SET;
  return masked;
}
