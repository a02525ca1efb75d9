import { createHash } from "node:crypto";
import { type DrainOptions, DrainTree } from "./drain-tree.ts";
import { tokenize } from "./tokenize.ts";

/** The one configuration used for every source (measured on eight Loghub corpora, see BENCHMARKS.md). */
export const DEFAULT_MINER_OPTIONS: DrainOptions = Object.freeze({ prefixDepth: 2, similarity: 0.8, maxChildren: 100 });

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
  /** Position of the pattern in creation order (dense, for compact per-line bookkeeping). */
  readonly index: number;
  /** Whether this message created the pattern. */
  readonly created: boolean;
}

/** Everything the miner needs to resume where it was: plain JSON. */
export interface PatternMinerState {
  readonly version: 1;
  readonly options: DrainOptions;
  readonly patterns: { id: string; template: string[]; size: number }[];
}

/**
 * Online error-pattern miner: masks the variable parts of each message and groups it with a
 * Drain parse tree. Deterministic: the same messages in the same order give the same ids and
 * templates, also across a toJSON/fromJSON round trip.
 */
export class PatternMiner {
  private tree: DrainTree;
  private readonly ids: string[] = [];
  private readonly usedIds = new Set<string>();

  constructor(private readonly options: DrainOptions = DEFAULT_MINER_OPTIONS) {
    this.tree = new DrainTree(options);
  }

  /** Mines one message: its pattern, creating or generalising one as needed. */
  add(message: string): MinedPattern {
    const { cluster, created } = this.tree.add(tokenize(message));
    if (created) this.ids.push(this.newId(cluster.tokens));
    return { patternId: this.ids[cluster.index] as string, template: cluster.tokens.join(" "), index: cluster.index, created };
  }

  /** The pattern a message would join, changing nothing; undefined when it would start a new one. */
  match(message: string): MinedPattern | undefined {
    const cluster = this.tree.match(tokenize(message));
    if (!cluster) return undefined;
    return {
      patternId: this.ids[cluster.index] as string,
      template: cluster.tokens.join(" "),
      index: cluster.index,
      created: false,
    };
  }

  /** The current id and template of the pattern at `index` (as returned by {@link add}). */
  pattern(index: number): { patternId: string; template: string; size: number } | undefined {
    const cluster = this.tree.clusters[index];
    const id = this.ids[index];
    if (!cluster || id === undefined) return undefined;
    return { patternId: id, template: cluster.tokens.join(" "), size: cluster.size };
  }

  /** How many patterns there are. */
  get size(): number {
    return this.ids.length;
  }

  toJSON(): PatternMinerState {
    const tree = this.tree.toJSON();
    return {
      version: 1,
      options: { ...this.options },
      patterns: tree.clusters.map((c, i) => ({ id: this.ids[i] as string, template: c.tokens, size: c.size })),
    };
  }

  /** Restores a miner saved with {@link toJSON}; it carries on exactly as the saved one would. */
  static fromJSON(state: PatternMinerState): PatternMiner {
    if (state.version !== 1) throw new Error(`unsupported pattern miner state version ${String(state.version)}`);
    const miner = new PatternMiner(Object.freeze({ ...state.options }));
    const tree = DrainTree.fromJSON(
      { clusters: state.patterns.map((p) => ({ tokens: p.template, size: p.size })) },
      state.options,
    );
    miner.tree = tree;
    for (const p of state.patterns) {
      miner.ids.push(p.id);
      miner.usedIds.add(p.id);
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
