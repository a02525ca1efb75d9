import MiniSearch from "minisearch";
import type { IncidentDescription } from "../core/incident.ts";
import { analyze, distinctTerms } from "./text.ts";

/** A resolved incident as ranking sees it: its words and the exact signals that are compared. */
export interface RankDocument {
  id: string;
  number: number;
  title: string;
  service: string;
  environment: string;
  errorPattern: string;
  /** The mined pattern, if any: the same id is the same error even where the shown templates differ. */
  patternId?: string | null;
  summary: string;
  /** People's notes on the incident, joined. */
  notes: string;
  resolvedAt: number;
}

/** The new incident that similar ones are looked for. */
export type RankQuery = Pick<
  IncidentDescription,
  "service" | "environment" | "errorPattern" | "patternId" | "title" | "summary"
> & {
  /** More words of the problem (the opening signal's message); searched, never compared exactly. */
  detail?: string;
};

/** One ranked document and why it got its score. */
export interface Ranked<D extends RankDocument> {
  document: D;
  /** `text` plus the boosts that apply; see docs/similar.md. */
  score: number;
  /** BM25+ relevance as a share of what the query scores against itself (0..1). */
  text: number;
  samePattern: boolean;
  sameService: boolean;
  sameEnvironment: boolean;
}

/** Weights of the final score; fixed on purpose (docs/similar.md explains them), so scores mean the same everywhere. */
export const WEIGHTS = { text: 1, pattern: 0.5, service: 0.2, environment: 0.05 } as const;

/** Field boosts inside BM25+: titles and patterns name the problem; notes mostly describe the fix. */
const FIELD_BOOST = { title: 2, errorPattern: 2, service: 0.5, summary: 1, notes: 0.5 } as const;
const FIELDS = Object.keys(FIELD_BOOST);
const SELF = "\u0000query";
/** A pattern needs this many real words (not masks) before sharing it counts as the same error. */
const INFORMATIVE_PATTERN_TERMS = 2;

/**
 * Ranks `documents` against `query`: BM25+ over their text (minisearch), normalised by the query's
 * score against itself so that a cut-off means the same for every query, plus exact boosts for the
 * same error pattern, service and environment. Ties go to the most recently resolved, then the
 * highest number, so the order never depends on input order. Only results scoring at least
 * `minScore` are kept, at most `limit` of them. `terms` analyses text (default: `analyze`; a
 * TermCache's `terms` gives the same terms faster).
 */
export function rankSimilar<D extends RankDocument>(
  query: RankQuery,
  documents: readonly D[],
  options: { limit: number; minScore: number; terms?: (text: string) => string[] },
): Ranked<D>[] {
  if (documents.length === 0 || options.limit <= 0) return [];
  const own = withoutBoilerplate({ ...query, id: SELF, number: 0, notes: "", resolvedAt: 0 });
  const terms = distinctTerms([own.title, own.errorPattern, own.summary, own.service, query.detail ?? ""].join("\n"));
  const textScores = new Map<string, number>();
  if (terms.length > 0) {
    const index = new MiniSearch<RankDocument>({
      fields: FIELDS,
      idField: "id",
      tokenize: options.terms ?? analyze,
      processTerm: (term) => term,
      searchOptions: {
        boost: FIELD_BOOST,
        combineWith: "OR",
        // Query terms are already analysed; splitting again would stem them twice.
        tokenize: (text) => text.split(" "),
        processTerm: (term) => term,
        // "expir" finds "expirat": the stemmer is light, prefixes bridge what it leaves apart.
        prefix: (term) => term.length >= 5,
      },
    });
    index.addAll(documents.map(withoutBoilerplate));
    // The query as a document of its own gives the scale: BM25 scores are unbounded and depend on the
    // query's length and rarity, its score against itself does not.
    index.add(
      withoutBoilerplate({
        id: SELF,
        number: 0,
        title: query.title,
        service: query.service,
        environment: query.environment,
        errorPattern: query.errorPattern,
        patternId: query.patternId ?? null,
        summary: [query.summary, query.detail ?? ""].join("\n"),
        notes: "",
        resolvedAt: 0,
      }),
    );
    const results = index.search(terms.join(" "));
    const self = results.find((result) => result.id === SELF)?.score ?? 0;
    if (self > 0) {
      for (const result of results) {
        if (result.id !== SELF) textScores.set(result.id as string, Math.min(1, result.score / self));
      }
    }
  }
  const patternCounts = analyze(query.errorPattern).length >= INFORMATIVE_PATTERN_TERMS;
  const ranked: Ranked<D>[] = [];
  for (const document of documents) {
    const text = textScores.get(document.id) ?? 0;
    const samePattern =
      (query.patternId != null && document.patternId === query.patternId) ||
      (patternCounts && document.errorPattern === query.errorPattern);
    const sameService = document.service === query.service;
    const sameEnvironment = document.environment === query.environment;
    const raw =
      WEIGHTS.text * text +
      (samePattern ? WEIGHTS.pattern : 0) +
      (sameService ? WEIGHTS.service : 0) +
      (sameEnvironment ? WEIGHTS.environment : 0);
    // Rounded so that float noise never decides an order; equal scores fall to the tie-breaks.
    const score = Math.round(raw * 1000) / 1000;
    if (score >= options.minScore)
      ranked.push({ document, score, text: Math.round(text * 1000) / 1000, samePattern, sameService, sameEnvironment });
  }
  ranked.sort(
    (a, b) =>
      b.score - a.score ||
      b.document.resolvedAt - a.document.resolvedAt ||
      b.document.number - a.document.number ||
      (a.document.id < b.document.id ? -1 : a.document.id > b.document.id ? 1 : 0),
  );
  return ranked.slice(0, options.limit);
}

/** The opening words of Sluice's template summary: "anomaly on payments in production (score 0.97): ". */
const SUMMARY_PREFIX = /^(?:anomaly|alert|log|change|security) on \S+ in \S+(?: \(score [\d.]+\))?: /;

/**
 * Text every incident of a service shares says nothing about the problem: the template's summary
 * prefix, and the service's own name in titles and summaries ("Error rate anomaly in payments-api:").
 * Left in, two unrelated incidents of one service look alike; the exact service boost already counts
 * the service once.
 */
function withoutBoilerplate<D extends RankDocument>(document: D): D {
  const name = document.service.trim();
  const strip = (text: string) => (name.length >= 3 ? text.split(name).join(" ") : text);
  return {
    ...document,
    title: strip(document.title),
    summary: strip(document.summary.replace(SUMMARY_PREFIX, "")),
    notes: strip(document.notes),
  };
}
