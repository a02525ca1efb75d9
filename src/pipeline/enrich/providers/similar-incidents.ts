import type { Clock } from "../../../core/clock.ts";
import type { SimilarIncident } from "../../../core/enrichment.ts";
import type { IncidentDescription } from "../../../core/incident.ts";
import type { ResolvedIncident, SimilarReads } from "../../../core/ports/similar-reads.ts";
import type { TimelineEvent } from "../../../core/timeline.ts";
import { type RankDocument, rankSimilar } from "../../../similar/rank.ts";
import { describeResolution } from "../../../similar/resolution.ts";
import { TermCache } from "../../../similar/text.ts";
import type { EnrichmentProvider, EnrichTarget } from "../enricher.ts";

/** The `similar` configuration block, as the finder uses it. */
export interface SimilarOptions {
  /** Results per lookup. */
  maxResults: number;
  /** Only incidents resolved this recently (ms) are compared. */
  lookback: number;
  /** Most past incidents read and ranked per lookup. */
  candidates: number;
  /** Weakest score shown. */
  minScore: number;
}

/** The incident to find similar past ones for. */
export interface SimilarTarget extends Omit<IncidentDescription, "incidentId"> {
  /** Left out of its own results; null for a hypothetical incident. */
  incidentId: string | null;
  /** More words of the problem, such as the opening signal's message. */
  detail?: string;
  /** Defaults to the clock's now. */
  now?: number;
}

/** A similar past incident with the parts of its score, for people who ask why it was picked. */
export interface SimilarMatch extends SimilarIncident {
  incidentId: string;
  environment: string;
  firstSeenAt: number;
  match: { text: number; samePattern: boolean; sameService: boolean; sameEnvironment: boolean };
}

/** Notes read per past incident: their words help ranking, the last ones are shown. */
const NOTES_READ = 5;
const NOTE_CHARS = 500;

/**
 * Finds resolved incidents like a given one and says how each was resolved. Nothing is kept between
 * lookups: candidates come from the store each time, so every replica answers the same, also right
 * after a restart, and an incident resolved a second ago already counts.
 */
export class SimilarIncidents {
  private readonly clock: Clock;
  private readonly redact: (text: string) => string;
  private readonly cache = new TermCache();

  constructor(
    private readonly reads: SimilarReads,
    private readonly options: SimilarOptions,
    deps: { clock: Clock; redact?: (text: string) => string },
  ) {
    this.clock = deps.clock;
    this.redact = deps.redact ?? ((text) => text);
  }

  async find(target: SimilarTarget, overrides: { limit?: number; minScore?: number } = {}): Promise<SimilarMatch[]> {
    const now = target.now ?? this.clock.now();
    const candidates = await this.reads.candidates({
      tenant: target.tenant,
      service: target.service,
      errorPattern: target.errorPattern,
      patternId: target.patternId,
      since: now - this.options.lookback,
      excludeId: target.incidentId,
      limit: this.options.candidates,
    });
    if (candidates.length === 0) return [];
    const events = groupByIncident(
      await this.reads.resolutionEvents(
        candidates.map((c) => c.id),
        NOTES_READ,
        NOTE_CHARS,
      ),
    );
    const documents: (RankDocument & ResolvedIncident)[] = candidates.map((candidate) => ({
      ...candidate,
      notes: (events.get(candidate.id) ?? [])
        .filter((event) => event.action === "note")
        .map((event) => event.detail)
        .join("\n"),
    }));
    const ranked = rankSimilar(target, documents, {
      limit: overrides.limit ?? this.options.maxResults,
      minScore: overrides.minScore ?? this.options.minScore,
      terms: (text) => this.cache.terms(text),
    });
    return ranked.map(({ document, score, text, samePattern, sameService, sameEnvironment }) => ({
      key: document.key,
      title: document.title,
      service: document.service,
      resolvedAt: document.resolvedAt,
      // Notes are people's free text and reach tickets from here: they pass the redactor like everything else.
      resolution: this.redact(describeResolution(document, events.get(document.id) ?? [])),
      score,
      incidentId: document.id,
      environment: document.environment,
      firstSeenAt: document.firstSeenAt,
      match: { text, samePattern, sameService, sameEnvironment },
    }));
  }
}

/** The enrichment step: a new incident's similar past incidents, for its context and tickets. */
export function similarProvider(finder: SimilarIncidents): EnrichmentProvider {
  return {
    name: "similar",
    async enrich(target: EnrichTarget) {
      const { signal, firstSeenAt: _firstSeenAt, ...description } = target;
      const message = signal.message;
      const matches = await finder.find({
        ...description,
        ...(message && !target.title.includes(message) ? { detail: message } : {}),
      });
      // An empty list is an answer too: the ticket can say nothing like it was seen before.
      return { similar: matches.map(toSimilarIncident) };
    },
  };
}

/** The part of a match that tickets and the incident's context keep. */
export function toSimilarIncident(match: SimilarMatch): SimilarIncident {
  return {
    key: match.key,
    title: match.title,
    service: match.service,
    resolvedAt: match.resolvedAt,
    resolution: match.resolution,
    score: match.score,
  };
}

function groupByIncident(events: readonly TimelineEvent[]): Map<string, TimelineEvent[]> {
  const byIncident = new Map<string, TimelineEvent[]>();
  for (const event of events) {
    const list = byIncident.get(event.incidentId);
    if (list) list.push(event);
    else byIncident.set(event.incidentId, [event]);
  }
  return byIncident;
}
