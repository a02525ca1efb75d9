import type { Logger } from "pino";
import type { Change, NormalizedChange } from "../core/change.ts";
import type { Clock } from "../core/clock.ts";
import type { Incident } from "../core/incident.ts";
import { emptyChangeSet, type Store } from "../core/ports/store.ts";
import type { NewTimelineEvent } from "../core/timeline.ts";
import { type ChangeMetrics, type ChangeTransport, noChangeMetrics } from "./change-metrics.ts";

/** What the sender learns about each item once the stored ones are durable. */
export interface ChangeResult {
  /** Sluice's id of the stored change; null for a duplicate (stored before) or an ignored item. */
  id: string | null;
  source: string | null;
  sourceId: string | null;
  outcome: "stored" | "duplicate" | "ignored";
  reason: string | null;
}

export interface ChangeIntakeOptions {
  store: Pick<Store, "changes" | "incidents" | "apply">;
  clock: Clock;
  logger: Logger;
  metrics?: ChangeMetrics;
  /** Masks secrets in free text before it is stored (the same redactor as signals). */
  redact?(text: string): string;
  /** Told about each change stored by this process (the deploy-suppression cache). */
  onStored?(changes: readonly Change[]): void;
}

// Most open incidents of one service that get a timeline note per change; more would be a storm, not an incident.
const TIMELINE_LIMIT = 50;
const UNRESOLVED: Incident["state"][] = ["open", "acknowledged", "escalated"];

/**
 * Stores change events (idempotent on source and upstream id) and notes each new one on the timeline
 * of the open incidents of its service, so responders see "deploy v1.2.3 of checkout" where they look.
 */
export class ChangeIntake {
  private readonly metrics: ChangeMetrics;

  constructor(private readonly options: ChangeIntakeOptions) {
    this.metrics = options.metrics ?? noChangeMetrics;
  }

  /** Stores the changes; resolves once they are durable (the timeline notes are best effort). */
  async submit(items: readonly NormalizedChange[], transport: ChangeTransport): Promise<ChangeResult[]> {
    const changes: Change[] = [];
    for (const item of items) if ("change" in item) changes.push(this.redacted(item.change));
    const stored = changes.length > 0 ? await this.options.store.changes.insert(changes) : new Set<string>();
    let next = 0;
    const results = items.map((item): ChangeResult => {
      if ("ignored" in item) return { id: null, source: null, sourceId: null, outcome: "ignored", reason: item.ignored };
      const change = changes[next++] as Change;
      const isNew = stored.has(change.id);
      return {
        id: isNew ? change.id : null,
        source: change.source,
        sourceId: change.sourceId,
        outcome: isNew ? "stored" : "duplicate",
        reason: isNew ? null : "a change with this source and id was stored before",
      };
    });
    items.forEach((item, i) => {
      this.metrics.changes(transport, item.format, results[i]?.outcome ?? "stored", 1);
    });
    const fresh = changes.filter((change) => stored.has(change.id));
    if (fresh.length > 0) {
      this.options.onStored?.(fresh);
      try {
        await this.noteOnTimelines(fresh);
      } catch (error) {
        // The changes are stored (and enrichment will find them); a missing timeline note is not worth a failed request.
        this.options.logger.warn({ err: error }, "changes: could not note changes on open incidents' timelines");
      }
    }
    return results;
  }

  private redacted(change: Change): Change {
    const redact = this.options.redact;
    if (!redact) return change;
    const labels: Record<string, string> = {};
    for (const [key, value] of Object.entries(change.labels)) labels[key] = redact(value);
    return {
      ...change,
      summary: redact(change.summary),
      version: change.version === null ? null : redact(change.version),
      author: change.author === null ? null : redact(change.author),
      url: change.url === null ? null : redact(change.url),
      labels,
    };
  }

  private async noteOnTimelines(changes: readonly Change[]): Promise<void> {
    const { store, clock } = this.options;
    const byService = new Map<string, Change[]>();
    for (const change of changes) byService.set(change.service, [...(byService.get(change.service) ?? []), change]);
    const timeline: NewTimelineEvent[] = [];
    const now = clock.now();
    for (const [service, ofService] of byService) {
      const { items } = await store.incidents.list({ state: UNRESOLVED, service, limit: TIMELINE_LIMIT });
      for (const incident of items) {
        for (const change of ofService) {
          if (change.tenant !== incident.tenant || change.environment !== incident.environment) continue;
          timeline.push({
            incidentId: incident.id,
            at: now,
            actor: `sluice:changes:${change.source}`,
            action: "change",
            detail: describeChange(change, incident),
            rule: null,
          });
        }
      }
    }
    if (timeline.length === 0) return;
    const set = emptyChangeSet();
    set.timeline = timeline;
    await store.apply(set);
  }
}

/** "deploy v1.2.3 of checkout while this incident was open (…): summary" */
export function describeChange(change: Change, incident: Pick<Incident, "firstSeenAt">): string {
  const what = `${change.kind}${change.version ? ` ${change.version}` : ""} of ${change.service}`;
  const when =
    change.at >= incident.firstSeenAt
      ? `while this incident was open (${new Date(change.at).toISOString()})`
      : `at ${new Date(change.at).toISOString()}, ${minutes(incident.firstSeenAt - change.at)} before this incident began (reported late)`;
  const by = change.author ? ` by ${change.author}` : "";
  return `${what}${by} ${when}: ${change.summary}${change.url ? ` ${change.url}` : ""}`;
}

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m < 1 ? "less than a minute" : `${m} min`;
}
