import { WILDCARD } from "./tokenize.ts";

/** Tuning of the parse tree; one setting serves every source. */
export interface DrainOptions {
  /** How many leading tokens route a message below its length node. */
  readonly prefixDepth: number;
  /** Minimum share of a cluster's template a message must match to join it. */
  readonly similarity: number;
  /** Most children per inner node; beyond it, new tokens share the wildcard child. */
  readonly maxChildren: number;
}

/** A group of messages with one template; `index` is its position in the tree's cluster list. */
export interface Cluster {
  readonly index: number;
  tokens: string[];
  size: number;
}

interface Node {
  children: Map<string, Node>;
  clusters: number[];
  // Bumped whenever a cluster of this leaf is created or its template changes.
  epoch: number;
}

// A token sequence already placed, with its cluster. Valid while its leaf's epoch is unchanged, so
// a hit always gives what a full scan of the leaf would: the cache changes speed, never results
// (and so needs no place in the saved state).
interface Seen {
  readonly cluster: Cluster;
  readonly leaf: Node;
  readonly epoch: number;
}

/** The tree as plain data: clusters in creation order, from which the routing is rebuilt. */
export interface DrainTreeState {
  readonly clusters: { tokens: string[]; size: number }[];
}

// A plain word ("Started", "(Lifecycle", '"GET') differing from another plain word is taken to
// change the meaning of the message, not to be a value: such messages never share a cluster.
const WORD = /^[^\w]*[A-Za-z]+[^\w]*$/;
const isWord = (token: string): boolean => WORD.test(token);

const newNode = (): Node => ({ children: new Map(), clusters: [], epoch: 0 });
// Bounds the memory of the cache of seen token sequences (emptied when full).
const MAX_SEEN = 100_000;

/**
 * Drain's fixed-depth parse tree (He et al., ICWS 2017): messages are routed by token count, then by
 * their first tokens, to a leaf holding a few clusters; the most similar cluster above the threshold
 * takes the message and its template turns differing positions into wildcards.
 */
export class DrainTree {
  readonly clusters: Cluster[] = [];
  private readonly root = new Map<number, Node>();
  private readonly seen = new Map<string, Seen>();

  constructor(private readonly options: DrainOptions) {}

  /** Adds one tokenized message; returns its cluster and whether the cluster is new. */
  add(tokens: readonly string[]): { cluster: Cluster; created: boolean } {
    const key = tokens.join(" ");
    const seen = this.seen.get(key);
    if (seen && seen.epoch === seen.leaf.epoch) {
      seen.cluster.size++;
      return { cluster: seen.cluster, created: false };
    }
    const leaf = this.leafFor(tokens, true);
    const found = this.bestMatch(leaf, tokens);
    if (found) {
      found.size++;
      const template = found.tokens;
      let changed = false;
      for (let i = 0; i < template.length; i++) {
        if (template[i] !== tokens[i]) {
          template[i] = WILDCARD;
          changed = true;
        }
      }
      if (changed) leaf.epoch++;
      this.remember(key, found, leaf);
      return { cluster: found, created: false };
    }
    const cluster: Cluster = { index: this.clusters.length, tokens: tokens.slice(), size: 1 };
    this.clusters.push(cluster);
    leaf.clusters.push(cluster.index);
    leaf.epoch++;
    this.remember(key, cluster, leaf);
    return { cluster, created: true };
  }

  private remember(key: string, cluster: Cluster, leaf: Node): void {
    if (this.seen.size >= MAX_SEEN) this.seen.clear();
    this.seen.set(key, { cluster, leaf, epoch: leaf.epoch });
  }

  /** The cluster a message would join, without changing anything. */
  match(tokens: readonly string[]): Cluster | undefined {
    const leaf = this.leafFor(tokens, false);
    return leaf ? this.bestMatch(leaf, tokens) : undefined;
  }

  toJSON(): DrainTreeState {
    return { clusters: this.clusters.map((c) => ({ tokens: c.tokens.slice(), size: c.size })) };
  }

  /** Rebuilds a tree from its state; routing depends only on templates, so it is the same tree. */
  static fromJSON(state: DrainTreeState, options: DrainOptions): DrainTree {
    const tree = new DrainTree(options);
    for (const saved of state.clusters) {
      const cluster: Cluster = { index: tree.clusters.length, tokens: saved.tokens.slice(), size: saved.size };
      tree.clusters.push(cluster);
      tree.leafFor(cluster.tokens, true).clusters.push(cluster.index);
    }
    return tree;
  }

  private leafFor(tokens: readonly string[], create: true): Node;
  private leafFor(tokens: readonly string[], create: false): Node | undefined;
  private leafFor(tokens: readonly string[], create: boolean): Node | undefined {
    let node: Node | undefined = this.root.get(tokens.length);
    if (!node) {
      if (!create) return undefined;
      node = newNode();
      this.root.set(tokens.length, node);
    }
    const depth = Math.min(this.options.prefixDepth, tokens.length);
    for (let i = 0; i < depth; i++) {
      const token = tokens[i] as string;
      // Only plain words route: two messages that differ in one can never share a cluster anyway.
      const key = isWord(token) ? token : WILDCARD;
      let next: Node | undefined = node.children.get(key);
      if (!next) {
        if (key !== WILDCARD && node.children.size >= this.options.maxChildren) next = node.children.get(WILDCARD);
        if (!next) {
          if (!create) return undefined;
          next = newNode();
          node.children.set(node.children.size >= this.options.maxChildren ? WILDCARD : key, next);
        }
      }
      node = next;
    }
    return node;
  }

  private bestMatch(leaf: Node, tokens: readonly string[]): Cluster | undefined {
    let best: Cluster | undefined;
    let bestScore = -1;
    let bestWild = -1;
    for (const index of leaf.clusters) {
      const cluster = this.clusters[index] as Cluster;
      const template = cluster.tokens;
      let same = 0;
      let wild = 0;
      let word = false;
      for (let i = 0; i < template.length; i++) {
        const t = template[i] as string;
        if (t === tokens[i]) same++;
        else if (t === WILDCARD) wild++;
        else if (isWord(t) && isWord(tokens[i] as string)) word = true;
      }
      if (word) continue;
      const score = template.length === 0 ? 1 : same / template.length;
      if (score > bestScore || (score === bestScore && wild > bestWild)) {
        best = cluster;
        bestScore = score;
        bestWild = wild;
      }
    }
    return best && bestScore >= this.options.similarity ? best : undefined;
  }
}
