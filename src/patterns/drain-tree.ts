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
  index: number;
  tokens: string[];
  size: number;
}

interface Node {
  children: Map<string, Node>;
  clusters: Placed[];
  // Bumped whenever a cluster of this leaf is created or its template changes.
  epoch: number;
}

// A cluster with the leaf that holds it (kept out of the exported type).
interface Placed extends Cluster {
  leaf: Node;
}

// A token sequence already placed, with its cluster. Valid while its leaf's epoch is unchanged, so
// a hit always gives what a full scan of the leaf would: the cache changes speed, never results
// (and so needs no place in the saved state).
interface Seen {
  readonly cluster: Placed;
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

/** The key a token routes by in the tree: a plain word routes by itself, anything else by the wildcard. */
export const routeKey = (token: string): string => (isWord(token) ? token : WILDCARD);

/**
 * How well a template covers a message of the same length: the share of equal tokens and the number
 * of wildcards; undefined when a plain word differs from a plain word (never the same message).
 */
export function templateScore(
  template: readonly string[],
  tokens: readonly string[],
): { score: number; wild: number } | undefined {
  let same = 0;
  let wild = 0;
  for (let i = 0; i < template.length; i++) {
    const t = template[i] as string;
    if (t === tokens[i]) same++;
    else if (t === WILDCARD) wild++;
    else if (isWord(t) && isWord(tokens[i] as string)) return undefined;
  }
  return { score: template.length === 0 ? 1 : same / template.length, wild };
}

const newNode = (): Node => ({ children: new Map(), clusters: [], epoch: 0 });
// Bounds the memory of the cache of seen token sequences (emptied when full).
const MAX_SEEN = 100_000;
// ...and in characters of keys, so long messages cannot make it large.
const MAX_SEEN_CHARS = 8_000_000;

/**
 * Drain's fixed-depth parse tree (He et al., ICWS 2017): messages are routed by token count, then by
 * their first tokens, to a leaf holding a few clusters; the most similar cluster above the threshold
 * takes the message and its template turns differing positions into wildcards.
 */
export class DrainTree {
  readonly clusters: Cluster[] = [];
  private readonly root = new Map<number, Node>();
  private readonly seen = new Map<string, Seen>();
  private changed = false;
  private seenChars = 0;

  constructor(private readonly options: DrainOptions) {}

  /** Adds one tokenized message; returns its cluster and whether the cluster is new. */
  add(tokens: readonly string[]): { cluster: Cluster; created: boolean } {
    const key = tokens.join(" ");
    const found = this.join(tokens, key);
    if (found) return { cluster: found, created: false };
    const cluster = this.insert(tokens);
    this.remember(key, cluster, cluster.leaf);
    return { cluster, created: true };
  }

  /**
   * Adds a message to the cluster it matches, as {@link add} would, but creates none: undefined when
   * it matches no cluster (the caller decides where a new pattern comes from).
   */
  addExisting(tokens: readonly string[]): Cluster | undefined {
    return this.join(tokens, tokens.join(" "));
  }

  /** Whether the last {@link add} or {@link addExisting} turned part of a template into a wildcard. */
  get lastAddChanged(): boolean {
    return this.changed;
  }

  /** Places a cluster with this template, matching nothing: how saved or shared patterns come back. */
  insert(template: readonly string[], size = 1): Placed {
    const leaf = this.leafFor(template, true);
    const cluster: Placed = { index: this.clusters.length, tokens: template.slice(), size, leaf };
    this.clusters.push(cluster);
    leaf.clusters.push(cluster);
    leaf.epoch++;
    return cluster;
  }

  /** Turns the positions where `tokens` differ into wildcards; returns whether the template changed. */
  generalize(cluster: Cluster, tokens: readonly string[]): boolean {
    const template = cluster.tokens;
    if (template.length !== tokens.length) return false;
    let changed = false;
    for (let i = 0; i < template.length; i++) {
      if (template[i] !== tokens[i] && template[i] !== WILDCARD) {
        template[i] = WILDCARD;
        changed = true;
      }
    }
    if (changed) (cluster as Placed).leaf.epoch++;
    return changed;
  }

  /**
   * Takes a cluster out of the tree (to bound memory). The last cluster takes its index, so indices
   * stay dense; only callers that never remove may rely on an index staying put.
   */
  remove(cluster: Cluster): void {
    const placed = cluster as Placed;
    const at = placed.leaf.clusters.indexOf(placed);
    if (at < 0) return;
    placed.leaf.clusters.splice(at, 1);
    placed.leaf.epoch++;
    const last = this.clusters.pop() as Placed;
    if (last !== placed) {
      last.index = placed.index;
      this.clusters[last.index] = last;
    }
  }

  private join(tokens: readonly string[], key: string): Placed | undefined {
    this.changed = false;
    const seen = this.seen.get(key);
    if (seen && seen.epoch === seen.leaf.epoch) {
      seen.cluster.size++;
      return seen.cluster;
    }
    const leaf = this.leafFor(tokens, true);
    const found = this.bestMatch(leaf, tokens);
    if (!found) return undefined;
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
    this.changed = changed;
    this.remember(key, found, leaf);
    return found;
  }

  private remember(key: string, cluster: Placed, leaf: Node): void {
    if (this.seen.size >= MAX_SEEN || this.seenChars + key.length > MAX_SEEN_CHARS) {
      this.seen.clear();
      this.seenChars = 0;
    }
    this.seen.set(key, { cluster, leaf, epoch: leaf.epoch });
    this.seenChars += key.length;
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
    for (const saved of state.clusters) tree.insert(saved.tokens, saved.size);
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
      const key = routeKey(token);
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

  private bestMatch(leaf: Node, tokens: readonly string[]): Placed | undefined {
    let best: Placed | undefined;
    let bestScore = -1;
    let bestWild = -1;
    for (const cluster of leaf.clusters) {
      const scored = templateScore(cluster.tokens, tokens);
      if (!scored) continue;
      const { score, wild } = scored;
      if (score > bestScore || (score === bestScore && wild > bestWild)) {
        best = cluster;
        bestScore = score;
        bestWild = wild;
      }
    }
    return best && bestScore >= this.options.similarity ? best : undefined;
  }
}
