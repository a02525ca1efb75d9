import type { PatternClaim, PatternRepository, PatternTemplateChange, StoredPattern } from "../core/ports/pattern-repository.ts";
import { MAX_TEMPLATE_CHARS } from "../core/ports/pattern-repository.ts";
import { type Cluster, type DrainOptions, DrainTree, routeKey, templateScore } from "./drain-tree.ts";
import { DEFAULT_MINER_OPTIONS, patternIdOf } from "./miner.ts";
import { maskVariables, splitMasked } from "./tokenize.ts";

/** Limits and timing of a {@link PatternCatalog}. */
export interface PatternCatalogOptions {
  /** Where patterns are shared and kept across restarts; without it the catalog lives in this process only. */
  repository?: PatternRepository;
  /** Most patterns held in memory; beyond it the least recently used leaves memory (not the database). */
  maxPatterns?: number;
  /** How often to read the patterns other processes created or generalised, in ms. */
  refreshMs?: number;
  now?: () => number;
  drain?: DrainOptions;
}

/** The pattern of one message: the stable id the fingerprint uses, the template people read. */
export interface IdentifiedPattern {
  patternId: string;
  template: string;
}

export const DEFAULT_MAX_PATTERNS = 20_000;
export const DEFAULT_PATTERN_REFRESH_MS = 5_000;
// Only the start of a message is mined: it keeps the work per message bounded (a stack trace below
// an error line does not make it another error).
export const MAX_MINED_CHARS = 2_000;
// Re-read window for the periodic refresh: covers commits that were in flight at the last read and
// modest clock skew between replicas (re-reading a pattern is harmless: merging is idempotent).
const REFRESH_OVERLAP_MS = 60_000;
// Bounds the shortcut cache, in entries and in characters of keys (emptied when full, like the tree's own).
const MAX_REMEMBERED = 100_000;
const MAX_REMEMBERED_CHARS = 8_000_000;

interface Entry {
  readonly id: string;
  readonly cluster: Cluster;
  // The template as shown, rebuilt only when the template changes.
  text: string;
  // Used since the eviction hand last passed (second-chance LRU: a hit costs one store, not a Map move).
  used: boolean;
  // False once evicted: shortcuts that still point here are stale.
  live: boolean;
}

const textOf = (cluster: Cluster): string => cluster.tokens.join(" ").slice(0, MAX_TEMPLATE_CHARS);

/**
 * The process's error-pattern miner in front of the shared `patterns` table. A message that matches
 * a pattern in memory costs what the Drain miner costs (no I/O). A message that matches none is
 * resolved against the database under a per-shape lock: the pattern of its shape that covers it,
 * whoever created it, or a new one whose id is a hash of its first template. So every process gives
 * the same problem the same id, and the id never changes as the template generalises
 * (docs/adr/0006-pattern-ids.md).
 */
export class PatternCatalog {
  private readonly tree: DrainTree;
  private readonly options: DrainOptions;
  // Insertion order is the eviction hand's order (see evictOldest).
  private readonly byId = new Map<string, Entry>();
  private readonly idOf = new Map<Cluster, string>();
  private readonly dirty = new Map<string, Entry>();
  // Masked message text to its pattern: the hot path's shortcut past tokenising and the tree.
  private readonly byMasked = new Map<string, Entry>();
  private rememberedChars = 0;
  private readonly maxPatterns: number;
  private readonly refreshMs: number;
  private readonly now: () => number;
  private loaded = false;
  private lastRefresh = 0;
  private evicted = 0;

  constructor(private readonly settings: PatternCatalogOptions = {}) {
    this.options = settings.drain ?? DEFAULT_MINER_OPTIONS;
    this.tree = new DrainTree(this.options);
    this.maxPatterns = Math.max(1, settings.maxPatterns ?? DEFAULT_MAX_PATTERNS);
    this.refreshMs = settings.refreshMs ?? DEFAULT_PATTERN_REFRESH_MS;
    this.now = settings.now ?? Date.now;
  }

  /** Patterns in memory now. */
  get size(): number {
    return this.byId.size;
  }

  /** Patterns that left memory at the cap so far. */
  get evictions(): number {
    return this.evicted;
  }

  /** The pattern of each message, learning from it; touches the database only for messages no pattern in memory covers. */
  async identify(messages: readonly string[]): Promise<IdentifiedPattern[]> {
    const { repository } = this.settings;
    if (repository) await this.sync(repository);
    const results: (IdentifiedPattern | undefined)[] = new Array(messages.length);
    const misses: { at: number; tokens: string[]; masked: string }[] = [];
    for (let i = 0; i < messages.length; i++) {
      const masked = maskVariables((messages[i] as string).slice(0, MAX_MINED_CHARS));
      const known = this.byMasked.get(masked);
      // Still in memory: the same masked text keeps its pattern (its template already covers it).
      if (known?.live) {
        known.used = true;
        results[i] = this.describe(known);
        continue;
      }
      const tokens = splitMasked(masked);
      const entry = this.join(tokens);
      if (entry) {
        this.remember(masked, entry);
        results[i] = this.describe(entry);
      } else misses.push({ at: i, tokens, masked });
    }
    if (misses.length > 0) {
      if (repository) await this.claim(repository, misses, results);
      else {
        for (const miss of misses) {
          const entry = this.join(miss.tokens) ?? this.create(miss.tokens);
          this.remember(miss.masked, entry);
          results[miss.at] = this.describe(entry);
        }
      }
    }
    return results as IdentifiedPattern[];
  }

  /** Generalised templates not yet written; they go into the transaction of the signals that generalised them. */
  takeChanges(): PatternTemplateChange[] {
    if (this.dirty.size === 0) return [];
    const at = this.now();
    const changes = [...this.dirty.values()].map((e) => ({ id: e.id, template: e.cluster.tokens.slice(), at }));
    this.dirty.clear();
    return changes;
  }

  /** Gives back changes whose transaction failed, so the next one writes them. */
  restoreChanges(changes: readonly PatternTemplateChange[]): void {
    if (!this.settings.repository) return;
    for (const change of changes) {
      const entry = this.byId.get(change.id);
      if (entry) this.dirty.set(change.id, entry);
    }
  }

  private remember(masked: string, entry: Entry): void {
    if (this.byMasked.size >= MAX_REMEMBERED || this.rememberedChars + masked.length > MAX_REMEMBERED_CHARS) {
      this.byMasked.clear();
      this.rememberedChars = 0;
    }
    this.byMasked.set(masked, entry);
    this.rememberedChars += masked.length;
  }

  private describe(entry: Entry): IdentifiedPattern {
    return { patternId: entry.id, template: entry.text };
  }

  // A message joins the pattern in memory that covers it (generalising its template) or none.
  private join(tokens: readonly string[]): Entry | undefined {
    const cluster = this.tree.addExisting(tokens);
    if (!cluster) return undefined;
    const id = this.idOf.get(cluster) as string;
    const entry = this.byId.get(id) as Entry;
    entry.used = true;
    if (this.tree.lastAddChanged) {
      entry.text = textOf(cluster);
      if (this.settings.repository) this.dirty.set(id, entry);
    }
    return entry;
  }

  private touch(id: string): Entry | undefined {
    const entry = this.byId.get(id);
    if (entry) entry.used = true;
    return entry;
  }

  private create(tokens: readonly string[]): Entry {
    return this.place(patternIdOf(tokens), tokens);
  }

  // Puts a pattern in memory (the tree and the maps), making room at the cap.
  private place(id: string, template: readonly string[]): Entry {
    while (this.byId.size >= this.maxPatterns) this.evictOldest();
    const cluster = this.tree.insert(template);
    const entry: Entry = { id, cluster, text: textOf(cluster), used: false, live: true };
    this.byId.set(id, entry);
    this.idOf.set(cluster, id);
    return entry;
  }

  // Second chance: the oldest entry used since the hand last passed goes to the back, once.
  private evictOldest(): void {
    for (;;) {
      const oldest = this.byId.values().next().value as Entry | undefined;
      if (!oldest) return;
      this.byId.delete(oldest.id);
      if (oldest.used) {
        oldest.used = false;
        this.byId.set(oldest.id, oldest);
        continue;
      }
      oldest.live = false;
      this.idOf.delete(oldest.cluster);
      this.tree.remove(oldest.cluster);
      this.evicted++;
      // A pending generalisation still gets written: `dirty` keeps the entry until taken.
      return;
    }
  }

  // What the database knows about a pattern, merged into memory: unknown ones are placed, known ones
  // generalised to cover the stored template too (and written back if ours was the more general).
  // Reports whether memory learned something (a new pattern or a wider template).
  private adopt(stored: StoredPattern): { entry: Entry; learned: boolean } {
    const known = this.touch(stored.id);
    if (!known) return { entry: this.place(stored.id, stored.template), learned: true };
    const learned = this.tree.generalize(known.cluster, stored.template);
    if (learned) known.text = textOf(known.cluster);
    if (!sameTokens(known.cluster.tokens, stored.template)) this.dirty.set(known.id, known);
    return { entry: known, learned };
  }

  private async sync(repository: PatternRepository): Promise<void> {
    const now = this.now();
    if (!this.loaded) {
      // Mark first: a failed load is not retried per batch, misses still ask the database.
      this.loaded = true;
      this.lastRefresh = now;
      const recent = await repository.updatedSince(0, this.maxPatterns);
      // Oldest first, so the most recently updated end up the most recently used.
      for (let i = recent.length - 1; i >= 0; i--) this.adopt(recent[i] as StoredPattern);
      return;
    }
    if (now - this.lastRefresh < this.refreshMs) return;
    const since = this.lastRefresh - REFRESH_OVERLAP_MS;
    this.lastRefresh = now;
    const changed = await repository.updatedSince(since, this.maxPatterns);
    let learned = false;
    for (let i = changed.length - 1; i >= 0; i--) learned = this.adopt(changed[i] as StoredPattern).learned || learned;
    // What others created may cover a text better than the pattern it was first given: let the tree
    // decide again, so replicas converge on the same choice.
    if (learned) {
      this.byMasked.clear();
      this.rememberedChars = 0;
    }
  }

  private async claim(
    repository: PatternRepository,
    misses: { at: number; tokens: string[]; masked: string }[],
    results: (IdentifiedPattern | undefined)[],
  ): Promise<void> {
    // Equal token sequences make one claim.
    const byKey = new Map<string, PatternClaim>();
    const at = this.now();
    for (const miss of misses) {
      const key = miss.tokens.join(" ");
      if (!byKey.has(key))
        byKey.set(key, { id: patternIdOf(miss.tokens), shape: this.shapeOf(miss.tokens), tokens: miss.tokens, at });
    }
    const claims = [...byKey.values()];
    const stored = await repository.claim(claims, (claim, candidates) => this.choose(claim, candidates));
    const resolved = new Map<string, Entry>();
    claims.forEach((claim, i) => {
      const { entry } = this.adopt(stored[i] as StoredPattern);
      // The chosen pattern covers the message; its template now covers it too.
      if (this.tree.generalize(entry.cluster, claim.tokens)) {
        entry.text = textOf(entry.cluster);
        this.dirty.set(entry.id, entry);
      }
      resolved.set(claim.tokens.join(" "), entry);
    });
    for (const miss of misses) {
      const entry = resolved.get(miss.tokens.join(" ")) as Entry;
      entry.cluster.size++;
      this.remember(miss.masked, entry);
      results[miss.at] = this.describe(entry);
    }
  }

  // The tree's own rule over the stored patterns of the shape: best share of equal tokens, then most
  // wildcards, then the oldest, so every process choosing among the same rows chooses the same.
  private choose(claim: PatternClaim, candidates: readonly StoredPattern[]): StoredPattern | undefined {
    let best: StoredPattern | undefined;
    let bestScore = -1;
    let bestWild = -1;
    for (const candidate of candidates) {
      if (candidate.template.length !== claim.tokens.length) continue;
      const scored = templateScore(candidate.template, claim.tokens);
      if (!scored) continue;
      if (scored.score > bestScore || (scored.score === bestScore && scored.wild > bestWild)) {
        best = candidate;
        bestScore = scored.score;
        bestWild = scored.wild;
      }
    }
    return best && bestScore >= this.options.similarity ? best : undefined;
  }

  // Messages that can share a pattern have the same length and the same routing words (the tree's
  // first levels), so this is where a pattern for them would be.
  private shapeOf(tokens: readonly string[]): string {
    const depth = Math.min(this.options.prefixDepth, tokens.length);
    let shape = String(tokens.length);
    for (let i = 0; i < depth; i++) shape += ` ${routeKey(tokens[i] as string)}`;
    return shape;
  }
}

function sameTokens(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((token, i) => token === b[i]);
}
