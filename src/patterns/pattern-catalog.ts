import type {
  PatternClaim,
  PatternMerge,
  PatternRepository,
  PatternTemplateChange,
  StoredPattern,
} from "../core/ports/pattern-repository.ts";
import { MAX_TEMPLATE_CHARS } from "../core/ports/pattern-repository.ts";
import {
  type Cluster,
  type ClusterMerge,
  type DrainOptions,
  DrainTree,
  isNearSibling,
  routeKey,
  templateScore,
} from "./drain-tree.ts";
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

/** Two patterns found to be one problem: `from` now resolves to `into` (the older), whose template is `template`. */
export interface MergedPattern {
  from: string;
  into: string;
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
// Bounds the map of merged ids to the ids that answer for them (emptied when full: a merged id that
// comes back is resolved by the database again).
const MAX_ALIASES = 100_000;
// Most merged ids one pattern answers for, as far as incidents are concerned (a name per value would be pathological).
const MAX_ALIASES_PER_PATTERN = 64;
// Bounds the shortcut cache, in entries and in characters of keys (emptied when full, like the tree's own).
const MAX_REMEMBERED = 100_000;
const MAX_REMEMBERED_CHARS = 8_000_000;
// Bounds the near siblings noted when patterns are created against the database (emptied when full).
const MAX_CLAIMED_SIBLINGS = 10_000;

interface Entry {
  readonly id: string;
  readonly cluster: Cluster;
  // When the pattern was created (the database's clock): of two patterns that merge, the older survives.
  readonly createdAt: number;
  // The template as shown, rebuilt only when the template changes.
  text: string;
  // Used since the eviction hand last passed (second-chance LRU: a hit costs one store, not a Map move).
  used: boolean;
  // False once evicted or merged: shortcuts that still point here are stale.
  live: boolean;
  // Set once merged: the id that answers for this pattern now.
  mergedInto?: string;
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
  private readonly aliases = new Map<string, string>();
  private readonly aliasesByTarget = new Map<string, Set<string>>();
  private readonly dirty = new Map<string, Entry>();
  // Merges not yet written to the database, and those not yet taken by the caller (to merge incidents).
  private readonly unwritten: PatternMerge[] = [];
  private merged: MergedPattern[] = [];
  // Masked message text to its pattern: the hot path's shortcut past tokenising and the tree.
  private readonly byMasked = new Map<string, Entry>();
  private rememberedChars = 0;
  // Near siblings a new pattern had among the stored patterns of its shape when it was created, which this
  // process may not have in memory yet (another replica created them since the last refresh).
  private readonly claimedSiblings = new Map<string, string[]>();
  private readonly maxPatterns: number;
  private readonly refreshMs: number;
  // identify calls under way, and a refresh from outside ingest under way: they never overlap.
  private identifying = 0;
  private refreshing: Promise<void> | null = null;
  private readonly now: () => number;
  private loaded = false;
  private lastRefresh = 0;
  private evicted = 0;

  constructor(private readonly settings: PatternCatalogOptions = {}) {
    this.options = settings.drain ?? DEFAULT_MINER_OPTIONS;
    // Of two patterns that merge, the older survives: the same choice in every replica.
    this.tree = new DrainTree(this.options, (a, b) => {
      const x = this.entryOf(a);
      const y = this.entryOf(b);
      return x.createdAt - y.createdAt || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
    });
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

  /**
   * Reads what other replicas created or merged, as identify does at most every `refreshMs`, for a caller
   * outside ingest (the decision at the end of a settle window, on whichever replica's worker claims it).
   * Never while identify runs (that syncs itself): the two never change memory at once.
   */
  refresh(): Promise<void> {
    const { repository } = this.settings;
    if (!repository || this.identifying > 0) return Promise.resolve();
    if (!this.refreshing)
      this.refreshing = this.sync(repository).finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }

  /** The pattern of each message, learning from it; touches the database only for messages no pattern in memory covers. */
  async identify(messages: readonly string[]): Promise<IdentifiedPattern[]> {
    while (this.refreshing) await this.refreshing.catch(() => undefined);
    this.identifying++;
    try {
      return await this.identifyNow(messages);
    } finally {
      this.identifying--;
    }
  }

  private async identifyNow(messages: readonly string[]): Promise<IdentifiedPattern[]> {
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
        results[i] = this.describe(this.revisit(known));
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
    if (this.unwritten.length > 0) {
      // A merge in this batch answers for the whole batch: its earlier messages get the survivor too.
      for (let i = 0; i < results.length; i++) results[i] = this.current(results[i] as IdentifiedPattern);
      if (repository) await this.writeMerges(repository);
      else this.unwritten.length = 0;
    }
    return results as IdentifiedPattern[];
  }

  /**
   * Patterns found to be one since the last call, for the caller to merge their open incidents. Each
   * is also written to the database (`identify` does that before it returns).
   */
  takeMerges(): MergedPattern[] {
    if (this.merged.length === 0) return [];
    const merged = this.merged;
    this.merged = [];
    return merged.map((m) => ({
      ...m,
      into: this.resolve(m.into),
      template: this.byId.get(this.resolve(m.into))?.text ?? m.template,
    }));
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

  private entryOf(cluster: Cluster): Entry {
    return this.byId.get(this.idOf.get(cluster) as string) as Entry;
  }

  // The id that answers for `id` now (itself unless merged; merges always point to older patterns).
  private resolve(id: string): string {
    let at = id;
    for (let hops = 0; hops < 16; hops++) {
      const next = this.aliases.get(at);
      if (next === undefined) return at;
      at = next;
    }
    return at;
  }

  // The pattern as it is now: the survivor of any merge, with its template as it is now.
  private current(found: IdentifiedPattern): IdentifiedPattern {
    const id = this.resolve(found.patternId);
    const entry = this.byId.get(id);
    return entry ? this.describe(entry) : { patternId: id, template: found.template };
  }

  // A message joins the pattern in memory that covers it (generalising its template), or the one it
  // merges its siblings into (a variable word: see DrainTree.siblings), or none.
  private join(tokens: readonly string[]): Entry | undefined {
    const cluster = this.tree.addExisting(tokens);
    this.applyMerges(this.tree.takeMerges());
    if (!cluster) return undefined;
    const entry = this.entryOf(cluster);
    entry.used = true;
    if (this.tree.lastAddChanged) this.changedTemplate(entry);
    return entry;
  }

  // A pattern that has been close to others votes again when more words are known as parameters (DrainTree.revisit).
  private revisit(entry: Entry): Entry {
    const cluster = this.tree.revisit(entry.cluster);
    const merges = this.tree.takeMerges();
    if (merges.length === 0) return entry;
    this.applyMerges(merges);
    return this.entryOf(cluster);
  }

  private changedTemplate(entry: Entry): void {
    entry.text = textOf(entry.cluster);
    if (this.settings.repository) this.dirty.set(entry.id, entry);
  }

  // What the tree folded together: the merged patterns leave memory and answer through their survivor.
  private applyMerges(merges: readonly ClusterMerge[]): void {
    if (merges.length === 0) return;
    const at = this.now();
    for (const { from, into } of merges) {
      const gone = this.entryOf(from);
      const survivor = this.entryOf(into);
      gone.live = false;
      gone.mergedInto = survivor.id;
      this.byId.delete(gone.id);
      this.idOf.delete(from);
      this.dirty.delete(gone.id);
      this.rememberAlias(gone.id, survivor.id);
      this.changedTemplate(survivor);
      this.unwritten.push({ id: gone.id, into: survivor.id, at });
      this.merged.push({ from: gone.id, into: survivor.id, template: survivor.text });
    }
  }

  private rememberAlias(from: string, into: string): void {
    if (this.aliases.size >= MAX_ALIASES) {
      this.aliases.clear();
      this.aliasesByTarget.clear();
    }
    this.aliases.set(from, into);
    const others = this.aliasesByTarget.get(into);
    if (others) others.add(from);
    else this.aliasesByTarget.set(into, new Set([from]));
  }

  /**
   * Live patterns that could still merge with `id` (see DrainTree.nearSiblings): those in memory, and those
   * the database held when this process created it. Empty for a pattern not in memory or merged away.
   */
  nearSiblingsOf(id: string): string[] {
    const entry = this.byId.get(id);
    if (!entry?.live) return [];
    const found = new Set<string>();
    for (const cluster of this.tree.nearSiblings(entry.cluster)) {
      const other = this.idOf.get(cluster);
      if (other !== undefined) found.add(other);
    }
    for (const other of this.claimedSiblings.get(id) ?? []) {
      const now = this.resolve(other);
      if (now !== id) found.add(now);
    }
    return [...found];
  }

  /**
   * The patterns whose open incident an incident of `id` could be grouped with at the end of its settle
   * window (HeldPageGrouping): its live near siblings, and, once `id` merged into another, that pattern
   * and the others merged into it.
   */
  sameProblemCandidates(id: string): string[] {
    const found = new Set(this.nearSiblingsOf(id));
    const survivor = this.resolve(id);
    if (survivor !== id) {
      found.add(survivor);
      for (const alias of this.aliasesOf(survivor)) found.add(alias);
    }
    found.delete(id);
    return [...found];
  }

  /**
   * The ids known to have merged into `id`, directly or through others: the same problem under the ids
   * its incidents may have opened with before the patterns merged.
   */
  aliasesOf(id: string): string[] {
    const direct = this.aliasesByTarget.get(id);
    if (!direct) return [];
    const found: string[] = [];
    const queue = [...direct];
    while (queue.length > 0 && found.length < MAX_ALIASES_PER_PATTERN) {
      const next = queue.shift() as string;
      if (found.includes(next) || next === id) continue;
      found.push(next);
      for (const deeper of this.aliasesByTarget.get(next) ?? []) queue.push(deeper);
    }
    return found;
  }

  private async writeMerges(repository: PatternRepository): Promise<void> {
    const merges = this.unwritten.splice(0);
    try {
      await repository.merge(merges);
    } catch (error) {
      // Written with the next batch; the batch fails and is retried (the merge in memory stands).
      this.unwritten.unshift(...merges);
      throw error;
    }
  }

  private touch(id: string): Entry | undefined {
    const entry = this.byId.get(id);
    if (entry) entry.used = true;
    return entry;
  }

  private create(tokens: readonly string[]): Entry {
    return this.place(patternIdOf(tokens), tokens, this.now());
  }

  // Puts a pattern in memory (the tree and the maps), making room at the cap.
  private place(id: string, template: readonly string[], createdAt: number): Entry {
    while (this.byId.size >= this.maxPatterns) this.evictOldest();
    const cluster = this.tree.insert(template);
    const entry: Entry = { id, cluster, createdAt, text: textOf(cluster), used: false, live: true };
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
    if (!known) {
      const entry = this.place(stored.id, stored.template, stored.createdAt);
      return { entry: this.foldCovered(entry), learned: true };
    }
    const learned = this.tree.generalize(known.cluster, stored.template);
    if (learned) known.text = textOf(known.cluster);
    if (!sameTokens(known.cluster.tokens, stored.template)) this.dirty.set(known.id, known);
    return { entry: learned ? this.foldCovered(known) : known, learned };
  }

  // A pattern learned or widened from the database may cover patterns this process split off before
  // (while the merge was in flight elsewhere): they are one problem, and merge here too.
  private foldCovered(entry: Entry): Entry {
    const survivor = this.tree.foldCovered(entry.cluster);
    this.applyMerges(this.tree.takeMerges());
    return this.entryOf(survivor);
  }

  // Another process merged a pattern: it leaves this one's memory too, and answers through the survivor.
  private adoptMerge(stored: StoredPattern & { mergedInto: string }): boolean {
    const known = this.byId.get(stored.id);
    this.rememberAlias(stored.id, stored.mergedInto);
    if (!known) return false;
    const survivor = this.byId.get(this.resolve(stored.mergedInto));
    if (survivor) {
      this.tree.mergeClusters(survivor.cluster, known.cluster);
      this.applyMerges(this.tree.takeMerges());
      // Already written by the process that merged them.
      this.unwritten.splice(0, this.unwritten.length, ...this.unwritten.filter((m) => m.id !== stored.id));
    } else {
      known.live = false;
      known.mergedInto = stored.mergedInto;
      this.byId.delete(known.id);
      this.idOf.delete(known.cluster);
      this.tree.remove(known.cluster);
      this.merged.push({ from: known.id, into: stored.mergedInto, template: known.text });
    }
    return true;
  }

  private async sync(repository: PatternRepository): Promise<void> {
    const now = this.now();
    if (!this.loaded) {
      // Mark first: a failed load is not retried per batch, misses still ask the database.
      this.loaded = true;
      this.lastRefresh = now;
      const recent = await repository.updatedSince(0, this.maxPatterns);
      // Oldest first, so the most recently updated end up the most recently used.
      this.adoptAll(recent);
      this.merged = [];
      return;
    }
    if (now - this.lastRefresh < this.refreshMs) return;
    const since = this.lastRefresh - REFRESH_OVERLAP_MS;
    this.lastRefresh = now;
    const changed = await repository.updatedSince(since, this.maxPatterns);
    const learned = this.adoptAll(changed);
    // What others created may cover a text better than the pattern it was first given: let the tree
    // decide again, so replicas converge on the same choice.
    if (learned) {
      this.byMasked.clear();
      this.rememberedChars = 0;
    }
  }

  // Adopts what the database holds, most recently updated last; merged patterns after the others, so
  // their survivors are in memory when they fold into them. Reports whether memory learned something.
  private adoptAll(stored: readonly StoredPattern[]): boolean {
    let learned = false;
    const merged: (StoredPattern & { mergedInto: string })[] = [];
    for (let i = stored.length - 1; i >= 0; i--) {
      const pattern = stored[i] as StoredPattern;
      if (pattern.mergedInto !== undefined) merged.push(pattern as StoredPattern & { mergedInto: string });
      else learned = this.adopt(pattern).learned || learned;
    }
    for (const pattern of merged) learned = this.adoptMerge(pattern) || learned;
    return learned;
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
      let { entry } = this.adopt(stored[i] as StoredPattern);
      // The chosen pattern covers the message; its template now covers it too.
      if (this.tree.generalize(entry.cluster, claim.tokens)) {
        this.changedTemplate(entry);
        entry = this.foldCovered(entry);
      }
      resolved.set(claim.tokens.join(" "), entry);
    });
    for (const miss of misses) {
      const first = resolved.get(miss.tokens.join(" ")) as Entry;
      const entry = first.live ? first : (this.byId.get(this.resolve(first.id)) ?? first);
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
    if (best && bestScore >= this.options.similarity) return best;
    // A new pattern: note which stored ones it could still merge with, for nearSiblingsOf.
    const near = candidates.filter(
      (c) => c.id !== claim.id && c.mergedInto === undefined && isNearSibling(c.template, claim.tokens, this.options.similarity),
    );
    if (near.length > 0) {
      if (this.claimedSiblings.size >= MAX_CLAIMED_SIBLINGS) this.claimedSiblings.clear();
      this.claimedSiblings.set(
        claim.id,
        near.map((c) => c.id),
      );
    }
    return undefined;
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
