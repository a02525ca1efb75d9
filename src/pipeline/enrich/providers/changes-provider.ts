import type { ChangeRef } from "../../../core/enrichment.ts";
import type { ChangeRepository } from "../../../core/ports/change-repository.ts";
import type { EnrichmentProvider, EnrichTarget } from "../enricher.ts";

export interface ChangesProviderOptions {
  changes: Pick<ChangeRepository, "find">;
  /** Services the given one depends on (service catalog, trace graph); default: none. */
  dependenciesOf?(service: string, target: EnrichTarget): Promise<string[]> | string[];
  /** How far before the incident's first signal changes count (default 2 h). */
  lookbackMs?: number;
  /** How far after it they still count: senders' clocks disagree (default 5 min). */
  skewMs?: number;
  /** Most changes attached, newest first (default 10). */
  limit?: number;
}

export const DEFAULT_CHANGE_LOOKBACK_MS = 2 * 3_600_000;
export const DEFAULT_CHANGE_SKEW_MS = 5 * 60_000;
export const DEFAULT_CHANGE_LIMIT = 10;

/**
 * The `changes` enrichment step: recent deploys and configuration changes of the incident's service
 * and of the services it depends on, in the incident's tenant and environment, newest first.
 */
export class ChangesProvider implements EnrichmentProvider {
  readonly name = "changes";

  constructor(private readonly options: ChangesProviderOptions) {}

  async enrich(target: EnrichTarget): Promise<{ changes: ChangeRef[] }> {
    const dependencies = new Set(await (this.options.dependenciesOf?.(target.service, target) ?? []));
    dependencies.delete(target.service);
    const lookback = this.options.lookbackMs ?? DEFAULT_CHANGE_LOOKBACK_MS;
    const skew = this.options.skewMs ?? DEFAULT_CHANGE_SKEW_MS;
    const found = await this.options.changes.find({
      tenant: target.tenant,
      environment: target.environment,
      services: [target.service, ...dependencies],
      from: target.firstSeenAt - lookback,
      to: target.firstSeenAt + skew,
      limit: this.options.limit ?? DEFAULT_CHANGE_LIMIT,
    });
    return {
      changes: found.map((change) => ({
        id: change.id,
        service: change.service,
        kind: change.kind,
        summary: change.summary,
        at: change.at,
        version: change.version,
        author: change.author,
        url: change.url,
        relation: change.service === target.service ? "service" : "dependency",
      })),
    };
  }
}
