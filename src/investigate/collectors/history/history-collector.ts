import type { InvestigationRepository } from "../../../core/ports/investigation-repository.ts";
import type { SimilarIncidents } from "../../../pipeline/enrich/providers/similar-incidents.ts";
import { type Collected, type Collector, clip, emptyCollected, type InvestigationQuery } from "../collector.ts";

const LIMIT = 3;

/**
 * Similar past incidents, how each was resolved and what its own investigation concluded. A past
 * incident of another service, or one whose investigation named a cause, is weak evidence for that
 * component (the analysis's `similar-incident` kind); its resolution is a recommended action.
 */
export class HistoryCollector implements Collector {
  readonly source = "history" as const;

  constructor(
    private readonly similar: SimilarIncidents,
    private readonly investigations: InvestigationRepository,
    private readonly options: {
      incidentUrl: (key: string) => string | null;
      /** The finder's `similar.lookback` (ms): incidents resolved longer ago are never similar. */
      lookback?: number;
    },
  ) {}

  describe(query: InvestigationQuery): string {
    return `similar resolved incidents of ${query.incident.tenant}/${query.incident.service}: "${clip(query.incident.errorPattern, 80)}"`;
  }

  async collect(query: InvestigationQuery): Promise<Collected> {
    const out = emptyCollected();
    const { incident } = query;
    // A tenant with no resolved incident in the finder's lookback has no similar ones: nothing to rank.
    const { lookback } = this.options;
    const none =
      query.reads !== undefined &&
      lookback !== undefined &&
      !(await query.reads.mayHavePast(incident.tenant, query.to - lookback));
    const matches = none
      ? []
      : await this.similar.find({ ...incident, incidentId: incident.id, now: query.to }, { limit: LIMIT });
    // Scores are only comparable within one list: the best match counts 1, the others by their share of it.
    const best = matches[0]?.score ?? 1;
    for (const [n, match] of matches.entries()) {
      const id = `history-${n + 1}`;
      const past = await this.investigations.report(match.incidentId);
      const concluded = past?.outcome === "hypothesis" ? past.hypotheses[0]?.component : undefined;
      const node = concluded ?? match.service;
      const similarity = Math.min(1, Math.max(0, match.score / best)) * (match.match.text > 0 ? 1 : 0.5);
      const link = this.options.incidentUrl(match.key);
      out.items.push({
        id,
        source: "history",
        query: this.describe(query),
        summary: clip(
          `${match.key} (${match.service}) "${match.title}": ${match.resolution}${concluded ? `; its investigation named ${concluded}` : ""}`,
          240,
        ),
        link,
      });
      out.extra.push({ kind: "similar-incident", id, node, similarity, summary: match.title });
      if (match.resolution) {
        out.actions.push({
          kind: "past-resolution",
          text: clip(`As in ${match.key}: ${match.resolution}`, 240),
          link,
          evidence: [id],
        });
      }
    }
    return out;
  }
}
