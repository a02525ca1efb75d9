import type { IncidentContext } from "../../core/enrichment.ts";
import type { IncidentDescription } from "../../core/incident.ts";
import type { Signal } from "../../core/signal.ts";

/** What an enrichment step sees of a new incident: its identity and the signal that opened it. */
export interface EnrichTarget extends IncidentDescription {
  firstSeenAt: number;
  /** The signal that opened the incident. */
  signal: Signal;
  now: number;
}

/** One enrichment step (catalog, changes, similar incidents, traces…); it owns its keys of the context. */
export interface EnrichmentProvider {
  /** Short name, used in metrics and in `degraded` when it fails. */
  readonly name: string;
  /**
   * In-memory and cheap, and the ticket would go to the wrong place or owner without it (the catalog):
   * runs even when an incident storm makes Sluice skip the costly steps.
   */
  readonly essential?: boolean;
  enrich(target: EnrichTarget): Promise<Partial<IncidentContext>> | Partial<IncidentContext>;
}

export type EnrichmentOutcome = "ok" | "failed" | "timeout" | "skipped";

export interface EnricherOptions {
  /** How long one step may take before the ticket goes out without it. */
  timeoutMs: number;
  count?(provider: string, outcome: EnrichmentOutcome): void;
  /** Told about each failure (logged by the caller, with no signal content). */
  onFailure?(provider: string, error: unknown): void;
}

/**
 * Runs every step side by side and merges what they return. A failing or slow step degrades the
 * ticket (it is named in `degraded` and counted) but never blocks or fails it.
 */
export class Enricher {
  constructor(
    private readonly providers: readonly EnrichmentProvider[],
    private readonly options: EnricherOptions,
  ) {}

  /** With `essentialOnly`, the other steps are skipped, counted as such and named in `degraded`. */
  async enrich(target: EnrichTarget, options: { essentialOnly?: boolean } = {}): Promise<IncidentContext> {
    const skip = (provider: EnrichmentProvider) => options.essentialOnly === true && provider.essential !== true;
    const results = await Promise.all(
      this.providers.map((provider) => {
        if (!skip(provider)) return this.run(provider, target);
        this.options.count?.(provider.name, "skipped");
        return null;
      }),
    );
    const context: IncidentContext = {};
    const degraded: string[] = [];
    results.forEach((result, i) => {
      const name = this.providers[i]?.name ?? "unknown";
      if (result === null) degraded.push(name);
      else Object.assign(context, result);
    });
    if (degraded.length > 0) context.degraded = degraded;
    return context;
  }

  private async run(provider: EnrichmentProvider, target: EnrichTarget): Promise<Partial<IncidentContext> | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), this.options.timeoutMs);
    });
    try {
      const result = await Promise.race([Promise.resolve().then(() => provider.enrich(target)), timeout]);
      if (result === "timeout") {
        this.options.count?.(provider.name, "timeout");
        return null;
      }
      this.options.count?.(provider.name, "ok");
      return result;
    } catch (error) {
      this.options.count?.(provider.name, "failed");
      this.options.onFailure?.(provider.name, error);
      return null;
    } finally {
      clearTimeout(timer);
    }
  }
}
