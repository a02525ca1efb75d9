/** A mined error pattern as persisted: its stable id, the shape (length and routing words) it was created under, its template now. */
export interface StoredPattern {
  id: string;
  shape: string;
  template: string[];
  createdAt: number;
  updatedAt: number;
  /** Set once the pattern turned out to be another's (a variable word): the id it merged into, which now answers for it. */
  mergedInto?: string;
}

/** A pattern that turned out to be another, older one: `id` now resolves to `into`. */
export interface PatternMerge {
  id: string;
  into: string;
  at: number;
}

/** A pattern a process is about to create for a message, unless a stored one of the same shape covers it. */
export interface PatternClaim {
  id: string;
  shape: string;
  /** The message's masked tokens, which become the template of a new pattern. */
  tokens: string[];
  at: number;
}

/** A pattern whose template generalised; written in the transaction of the signals that generalised it. */
export interface PatternTemplateChange {
  id: string;
  template: string[];
  at: number;
}

/** Picks the stored pattern that covers a claim's message, if any. */
export type ChoosePattern = (claim: PatternClaim, candidates: readonly StoredPattern[]) => StoredPattern | undefined;

/** Error patterns shared by every process on one database, so all give one message the same pattern id. */
export interface PatternRepository {
  /** Patterns updated at or after `since`, most recently updated first, at most `limit`. */
  updatedSince(since: number, limit: number): Promise<StoredPattern[]>;
  /**
   * For each claim in order, serialised per shape across processes: the stored pattern `choose` picks
   * among those of the claim's shape (oldest first), else the claim stored as a new pattern (or, if a
   * pattern with the claim's id exists already, that one). Later claims see what earlier ones created.
   */
  claim(claims: readonly PatternClaim[], choose: ChoosePattern): Promise<StoredPattern[]>;
  /**
   * Records that patterns merged into others, in a transaction of its own. A pattern already merged
   * keeps its first merge (both targets are older than it, and resolve to one survivor in the end).
   */
  merge(merges: readonly PatternMerge[]): Promise<void>;
}

// The longest template an incident shows (the miner cuts the text it hands out the same way).
export const MAX_TEMPLATE_CHARS = 500;
