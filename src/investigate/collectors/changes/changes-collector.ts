import type { ChangeQuery, ChangeRepository } from "../../../core/ports/change-repository.ts";
import { type Collected, type Collector, clip, emptyCollected, type InvestigationQuery } from "../collector.ts";

const LIMIT = 20;

/**
 * Deploys and configuration changes of the incident's service and its neighbours in the window before
 * onset (and a little after: senders' clocks disagree). A deploy of a service shortly before onset is the
 * commonest cause; the analysis weighs its proximity, and each one gets a rollback recommendation.
 */
export class ChangesCollector implements Collector {
  readonly source = "changes" as const;

  constructor(
    private readonly changes: ChangeRepository,
    private readonly options: { skewMs: number },
  ) {}

  describe(query: InvestigationQuery): string {
    return `changes of ${query.services.join(", ")} from ${new Date(query.from).toISOString()} to ${new Date(query.onsetAt + this.options.skewMs).toISOString()}`;
  }

  async collect(query: InvestigationQuery): Promise<Collected> {
    const out = emptyCollected();
    const found = await (query.reads ?? { changes: (q: ChangeQuery) => this.changes.find(q) }).changes({
      tenant: query.incident.tenant,
      environment: query.incident.environment,
      services: query.services,
      from: query.from,
      to: query.onsetAt + this.options.skewMs,
      limit: LIMIT,
    });
    const text = this.describe(query);
    for (const [n, change] of found.entries()) {
      const id = `changes-${n + 1}`;
      const minutes = Math.round((query.onsetAt - change.at) / 60_000);
      const when = minutes >= 0 ? `${minutes} min before onset` : `${-minutes} min after onset`;
      const version = change.version ? ` (${change.version})` : "";
      out.items.push({
        id,
        source: "changes",
        query: text,
        summary: clip(`${change.kind} of ${change.service}${version} ${when}: ${change.summary}`),
        link: change.url,
      });
      out.extra.push({ kind: "change", id, node: change.service, at: change.at, summary: change.summary });
      if (change.kind === "deploy" || change.kind === "config" || change.kind === "feature-flag") {
        out.actions.push({
          kind: "rollback",
          text: clip(`Consider rolling back the ${change.kind} of ${change.service}${version} ${when}: ${change.summary}`),
          link: change.url,
          evidence: [id],
        });
      }
    }
    return out;
  }
}
