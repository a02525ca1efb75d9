import { createHash } from "node:crypto";
import { type Cluster, type DrainOptions, DrainTree } from "./drain-tree.ts";
import { maskVariables, splitMasked, tokenize } from "./tokenize.ts";

/**
 * The one configuration used for every source. The numbers were chosen by cross-validation on the
 * eight Loghub development samples (settings picked on four, measured on the other four; BENCHMARKS.md).
 */
export const DEFAULT_MINER_OPTIONS: DrainOptions = Object.freeze({
  prefixDepth: 2,
  similarity: 0.8,
  maxChildren: 100,
  variableAfter: 4,
});

/** The id of a pattern first seen with this template: a hash of it, so any process derives the same. */
export function patternIdOf(template: readonly string[]): string {
  return `p${createHash("sha256").update(template.join(" ")).digest("hex").slice(0, 16)}`;
}

/** What the miner says about one message. */
export interface MinedPattern {
  /** Stable id of the message's pattern: set when the pattern is first seen, never changes. */
  readonly patternId: string;
  /** The pattern's template as it is now; it may gain wildcards as more messages arrive. */
  readonly template: string;
  /** The pattern's creation number (dense, for compact per-line bookkeeping; see {@link PatternMiner.pattern}). */
  readonly index: number;
  /** Whether this message created the pattern. */
  readonly created: boolean;
  /** Ids of patterns this message showed to be the same as this one: they merged into it, and now resolve to it. */
  readonly merged: readonly string[];
}

/** Everything the miner needs to resume where it was: plain JSON. */
export interface PatternMinerState {
  readonly version: 1 | 2;
  readonly options: DrainOptions;
  /** Live patterns; `index` is the creation number (version 1: the position in this list). */
  readonly patterns: { id: string; template: string[]; size: number; index?: number }[];
  /** Patterns merged into others: creation number and id of the merged one, creation number of the one it joined. */
  readonly merged?: { index: number; id: string; into: number }[];
  readonly nextIndex?: number;
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * Online error-pattern miner: masks the variable parts of each message and groups it with a
 * Drain parse tree. Deterministic: the same messages in the same order give the same ids and
 * templates, also across a toJSON/fromJSON round trip. A pattern that merges into another keeps
 * its creation number, which resolves to the pattern it joined.
 */
export class PatternMiner {
  private tree: DrainTree;
  private readonly ids = new Map<number, string>();
  private readonly live = new Map<number, Cluster>();
  private readonly into = new Map<number, number>();
  private readonly usedIds = new Set<string>();

  constructor(private readonly options: DrainOptions = DEFAULT_MINER_OPTIONS) {
    this.tree = new DrainTree(options);
  }

  /** Mines one message: its pattern, creating, generalising or merging patterns as needed. */
  add(message: string): MinedPattern {
    // The masked text keys the tree's cache of placed messages: a message seen before is not split again.
    const masked = maskVariables(message);
    const { cluster, created } = this.tree.addKeyed(masked, () => splitMasked(masked));
    if (created) {
      this.ids.set(cluster.key, this.newId(cluster.tokens));
      this.live.set(cluster.key, cluster);
    }
    let merged = NONE;
    const merges = this.tree.takeMerges();
    if (merges.length > 0) {
      merged = merges.map((m) => this.ids.get(m.from.key) as string);
      for (const m of merges) {
        this.into.set(m.from.key, m.into.key);
        this.live.delete(m.from.key);
      }
    }
    return {
      patternId: this.ids.get(cluster.key) as string,
      template: cluster.tokens.join(" "),
      index: cluster.key,
      created,
      merged,
    };
  }

  /** The pattern a message would join, changing nothing; undefined when it would start a new one. */
  match(message: string): MinedPattern | undefined {
    const cluster = this.tree.match(tokenize(message));
    if (!cluster) return undefined;
    return {
      patternId: this.ids.get(cluster.key) as string,
      template: cluster.tokens.join(" "),
      index: cluster.key,
      created: false,
      merged: NONE,
    };
  }

  /** The current id and template of the pattern created as number `index`, or of the one it merged into. */
  pattern(index: number): { patternId: string; template: string; size: number } | undefined {
    const cluster = this.live.get(this.resolve(index));
    if (!cluster) return undefined;
    return { patternId: this.ids.get(cluster.key) as string, template: cluster.tokens.join(" "), size: cluster.size };
  }

  /** The creation number of the live pattern that `index` is now part of. */
  resolve(index: number): number {
    let at = index;
    for (let next = this.into.get(at); next !== undefined; next = this.into.get(at)) at = next;
    return at;
  }

  /** How many patterns there are now (merged ones count once). */
  get size(): number {
    return this.live.size;
  }

  /** How many patterns were ever created: creation numbers run from 0 to this, exclusive. */
  get createdCount(): number {
    return this.ids.size;
  }

  toJSON(): PatternMinerState {
    const tree = this.tree.toJSON();
    return {
      version: 2,
      options: { ...this.options },
      patterns: tree.clusters.map((c) => ({
        id: this.ids.get(c.key as number) as string,
        template: c.tokens,
        size: c.size,
        index: c.key as number,
      })),
      merged: [...this.into].map(([index, into]) => ({ index, id: this.ids.get(index) as string, into })),
      nextIndex: tree.nextKey,
    };
  }

  /** Restores a miner saved with {@link toJSON}; it carries on exactly as the saved one would. */
  static fromJSON(state: PatternMinerState): PatternMiner {
    if (state.version !== 1 && state.version !== 2)
      throw new Error(`unsupported pattern miner state version ${String(state.version)}`);
    const miner = new PatternMiner(Object.freeze({ ...state.options }));
    const tree = DrainTree.fromJSON(
      {
        clusters: state.patterns.map((p, i) => ({ tokens: p.template, size: p.size, key: p.index ?? i })),
        nextKey: state.nextIndex,
      },
      state.options,
    );
    miner.tree = tree;
    for (const cluster of tree.clusters) miner.live.set(cluster.key, cluster);
    state.patterns.forEach((p, i) => {
      miner.ids.set(p.index ?? i, p.id);
      miner.usedIds.add(p.id);
    });
    for (const m of state.merged ?? []) {
      miner.ids.set(m.index, m.id);
      miner.usedIds.add(m.id);
      miner.into.set(m.index, m.into);
    }
    return miner;
  }

  // The id is a hash of the template the pattern was created with, so it does not depend on which
  // other patterns exist; a collision (distinct patterns can be created from equal templates in
  // different tree leaves) gets a suffix, and the id is kept in the state from then on.
  private newId(tokens: readonly string[]): string {
    const base = patternIdOf(tokens);
    let id = base;
    for (let n = 2; this.usedIds.has(id); n++) id = `${base}-${n}`;
    this.usedIds.add(id);
    return id;
  }
}
