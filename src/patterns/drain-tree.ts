import { WILDCARD } from "./tokenize.ts";

/** Tuning of the parse tree; one setting serves every source. */
export interface DrainOptions {
  /** How many leading tokens route a message below its length node. */
  readonly prefixDepth: number;
  /** Minimum share of a cluster's template a message must match to join it. */
  readonly similarity: number;
  /** Most children per inner node; beyond it, new tokens share the wildcard child. */
  readonly maxChildren: number;
  /**
   * How many distinct plain words one position of otherwise matching patterns may take before the
   * position counts as a parameter and those patterns merge into one (0: never). A few words in one
   * place name different events ("VM Started", "VM Paused"); many name things ("User alice", "User bob", …).
   */
  readonly variableAfter?: number;
}

/** A group of messages with one template; `index` is its position in the tree's cluster list. */
export interface Cluster {
  index: number;
  /** Creation number, unique in its tree and never reused: a stable handle while indices move. */
  readonly key: number;
  tokens: string[];
  size: number;
}

/** A cluster that joined another when a position they differ in turned out to be a parameter. */
export interface ClusterMerge {
  readonly from: Cluster;
  readonly into: Cluster;
}

interface Node {
  children: Map<string, Node>;
  clusters: Placed[];
  // Bumped whenever a cluster of this leaf is created, removed or its template changes.
  epoch: number;
}

// A cluster with the leaf that holds it (kept out of the exported type).
interface Placed extends Cluster {
  leaf: Node;
  // A word it or a close pattern differs in has since become known as a parameter value: worth a new vote.
  revote?: boolean;
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
  readonly clusters: { tokens: string[]; size: number; key?: number }[];
  /** The next creation number (absent in states saved before merging existed: the cluster count). */
  readonly nextKey?: number;
}

// A plain word ("Started", "(Lifecycle", '"GET') differing from another plain word is taken to
// change the meaning of the message, not to be a value: such messages never share a cluster, until
// one position has shown enough different words to be a parameter (`variableAfter`).
const WORD = /^[^\w]*[A-Za-z]+[^\w]*$/;
const isWord = (token: string): boolean => WORD.test(token);
// Names of things people or programs create (users, tables, hosts, Kubernetes objects, directories)
// are lowercase by convention or rule; the words a program writes for its states and actions
// ("Started", "LOOKING", "GET") are capitalised. Only lowercase words can turn out to be parameters.
const UPPER = /[A-Z]/;
const isName = (token: string): boolean => !UPPER.test(token);
const isNameWord = (token: string): boolean => isWord(token) && isName(token);
// The letters of a plain word without the punctuation around it: "alice:", "(alice" and "alice" name one thing.
const isLetter = (code: number): boolean => (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
function wordCore(token: string): string {
  let start = 0;
  let end = token.length;
  while (start < end && !isLetter(token.charCodeAt(start))) start++;
  while (end > start && !isLetter(token.charCodeAt(end - 1))) end--;
  return start === 0 && end === token.length ? token : token.slice(start, end);
}

// Shortest word taken for part of another token (shorter ones occur inside tokens by chance).
const MIN_PART = 3;

/**
 * Whether the word at `position` is also a part of another token of the same message that is not a plain
 * word, bounded by non-letters: "container checkout-x7kq of deployment checkout", "mailbox alice.archive of
 * user alice". Such a word goes with a value that varies, so it is a value too: it counts as evidence that
 * its place is a parameter, as a word already known as one does.
 */
function isPartOfValue(tokens: readonly string[], position: number): boolean {
  const word = wordCore(tokens[position] as string);
  if (word.length < MIN_PART) return false;
  for (let q = 0; q < tokens.length; q++) {
    const token = tokens[q] as string;
    if (q === position || token === WILDCARD || token.length <= word.length || isWord(token)) continue;
    for (let at = token.indexOf(word); at >= 0; at = token.indexOf(word, at + 1)) {
      const end = at + word.length;
      if ((at === 0 || !isLetter(token.charCodeAt(at - 1))) && (end === token.length || !isLetter(token.charCodeAt(end))))
        return true;
    }
  }
  return false;
}

/**
 * The key a token routes by in the tree: a capitalised plain word routes by itself; anything else by the
 * wildcard, lowercase words included, since they can be names (then the prefix tree must not split on them).
 */
export const routeKey = (token: string): string => (isWord(token) && !isName(token) ? token : WILDCARD);

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
  let constant = 0;
  let covered = true;
  for (let i = 0; i < template.length; i++) {
    const t = template[i] as string;
    if (t === tokens[i]) {
      same++;
      if (t !== WILDCARD) constant++;
    } else if (t === WILDCARD) {
      wild++;
      // A wildcard takes a lowercase word as it takes a masked value: either is a parameter there.
      if (isNameWord(tokens[i] as string)) same++;
    } else {
      covered = false;
      if (isWord(t) && isWord(tokens[i] as string)) return undefined;
    }
  }
  // A template that covers the message (equal wherever it holds no wildcard, and holding some constant)
  // takes it, however short.
  if (covered && constant > 0) return { score: 1, wild };
  return { score: template.length === 0 ? 1 : same / template.length, wild };
}

/**
 * The positions where a template and a message of the same length hold different plain words, when
 * every other position would let the message join (the share of equal tokens, counting those
 * positions as equal, reaches `similarity`); undefined when they are not that close, or equal.
 */
export function wordConflicts(template: readonly string[], tokens: readonly string[], similarity: number): number[] | undefined {
  let same = 0;
  let constant = 0;
  const conflicts: number[] = [];
  for (let i = 0; i < template.length; i++) {
    const t = template[i] as string;
    const m = tokens[i] as string;
    if (t === m) {
      same++;
      if (t !== WILDCARD) constant++;
    } else if (t !== WILDCARD && isWord(t) && isWord(m)) {
      same++;
      conflicts.push(i);
    }
  }
  // The words around a parameter say what it is: messages that share fewer than two constant tokens, or
  // less than half their tokens, are too short to tell a parameter from a different message.
  const context = constant >= MIN_CONTEXT && constant * 2 >= template.length;
  return conflicts.length > 0 && context && same / template.length >= similarity ? conflicts : undefined;
}

/**
 * Whether two templates of one length could turn out to be one pattern: they differ in lowercase plain
 * words at one or two positions (names, which the miner makes parameters once a position has taken
 * `variableAfter` words) and are otherwise close enough to merge.
 */
export function isNearSibling(a: readonly string[], b: readonly string[], similarity: number): boolean {
  if (a.length !== b.length) return false;
  const conflicts = wordConflicts(a, b, similarity);
  return (
    conflicts !== undefined &&
    conflicts.length <= MAX_CONFLICTS &&
    conflicts.every((p) => isName(a[p] as string) && isName(b[p] as string))
  );
}

/** Whether `template` covers `other` (same length, equal wherever `template` holds no wildcard). */
export function covers(template: readonly string[], other: readonly string[]): boolean {
  if (template.length !== other.length) return false;
  for (let i = 0; i < template.length; i++) if (template[i] !== WILDCARD && template[i] !== other[i]) return false;
  return true;
}

function generalizeTokens(template: string[], other: readonly string[]): void {
  for (let i = 0; i < template.length; i++) if (template[i] !== other[i]) template[i] = WILDCARD;
}

function sameTokens(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((token, i) => token === b[i]);
}

const newNode = (): Node => ({ children: new Map(), clusters: [], epoch: 0 });
// Bounds the memory of the cache of seen token sequences (emptied when full).
const MAX_SEEN = 100_000;
// ...and in characters of keys, so long messages cannot make it large.
const MAX_SEEN_CHARS = 8_000_000;
// Plain-word positions in which a message may differ from a pattern and still count as its sibling.
const MAX_CONFLICTS = 2;
const MIN_CONTEXT = 2;
// Bounds the words remembered as parameter values (emptied when full).
const MAX_PARAMETER_WORDS = 10_000;
// Bounds the words whose becoming known would call a new sibling vote, and the patterns waiting on one word.
const MAX_WAITING_WORDS = 10_000;
const MAX_WAITING_PER_WORD = 32;

/**
 * Drain's fixed-depth parse tree (He et al., ICWS 2017): messages are routed by token count, then by
 * their first tokens, to a leaf holding a few clusters; the most similar cluster above the threshold
 * takes the message and its template turns differing positions into wildcards.
 *
 * Two changes make it generalise to logs it was not tuned on. Plain words never match other plain
 * words, so "VM Started" and "VM Paused" stay apart. But when a new message differs from patterns of
 * its leaf only in plain words, and one of those positions has by then taken `variableAfter` distinct
 * words, that position is a parameter (user, table, pod names): the patterns merge into the oldest,
 * with a wildcard there, and {@link takeMerges} reports which clusters were folded into which. A
 * template that gains a wildcard also takes in the older patterns of its leaf it now covers.
 */
export class DrainTree {
  readonly clusters: Cluster[] = [];
  private readonly root = new Map<number, Node>();
  private readonly seen = new Map<string, Seen>();
  private changed = false;
  private merges: ClusterMerge[] = [];
  private seenChars = 0;
  private nextKey = 0;
  private readonly parameterWords = new Set<string>();
  // Per word (its core), the patterns whose last sibling vote would count it: known as a parameter value, it
  // may turn the vote (bounded; emptied when full, which only delays a merge to the next new name).
  private readonly waiting = new Map<string, Placed[]>();

  /**
   * `order` says which of two clusters is older (negative: the first): when clusters merge, the oldest
   * survives, so its id stays the problem's. Default: creation order in this tree.
   */
  constructor(
    private readonly options: DrainOptions,
    private readonly order: (a: Cluster, b: Cluster) => number = (a, b) => a.key - b.key,
  ) {}

  /** Adds one tokenized message; returns its cluster and whether the cluster is new. */
  add(tokens: readonly string[]): { cluster: Cluster; created: boolean } {
    return this.addKeyed(tokens.join(" "), () => tokens);
  }

  /**
   * {@link add} for a caller that has a text equivalent to the tokens (the masked message): a message
   * seen before is placed by that text alone, without splitting it. `key` must always give the same
   * tokens, and a tree must be fed one kind of key.
   */
  addKeyed(key: string, tokensOf: () => readonly string[]): { cluster: Cluster; created: boolean } {
    this.changed = false;
    const seen = this.seen.get(key);
    if (seen && seen.epoch === seen.leaf.epoch) {
      seen.cluster.size++;
      return { cluster: this.revisit(seen.cluster), created: false };
    }
    const tokens = tokensOf();
    const joined = this.join(tokens, key);
    if (joined) return { cluster: this.revisit(joined), created: false };
    const found = this.mergeSiblings(tokens, key);
    if (found) return { cluster: found, created: false };
    const cluster = this.insert(tokens);
    this.remember(key, cluster, cluster.leaf);
    return { cluster, created: true };
  }

  /**
   * Adds a message to the cluster it matches or merges the patterns it shows to be one, as {@link add}
   * would, but creates none: undefined when it matches no cluster (the caller decides where a new
   * pattern comes from).
   */
  addExisting(tokens: readonly string[]): Cluster | undefined {
    const key = tokens.join(" ");
    const joined = this.join(tokens, key);
    return joined ? this.revisit(joined) : this.mergeSiblings(tokens, key);
  }

  /**
   * Puts a pattern to the vote again (see {@link siblingVote}) when a message joins it and a word that it or
   * a close pattern differs in has become known as a parameter value since the last vote: siblings whose
   * names have all turned up as parameters elsewhere merge now, without waiting for a new name of their own.
   * Returns the cluster the message belongs to now (the survivor, if it merged). Otherwise one field test.
   */
  revisit(cluster: Cluster): Cluster {
    const placed = cluster as Placed;
    if (!placed.revote) return cluster;
    placed.revote = false;
    const others = placed.leaf.clusters.filter((c) => c !== placed);
    const vote = DrainTree.siblingVote(others, placed.tokens, this.options, this.parameterWords);
    if (!vote) return cluster;
    const found: Placed[] = [];
    for (const { candidate, conflicts } of vote.near) {
      if (conflicts.every(vote.variable)) found.push(candidate);
      else this.awaitWords(candidate, conflicts, vote.words);
    }
    if (found.length === 0) return cluster;
    const template = placed.tokens.slice();
    for (const other of found) {
      this.learnValues(other.tokens, placed.tokens);
      generalizeTokens(template, other.tokens);
    }
    this.changed = true;
    return this.foldCovered(this.fold([placed, ...found], template));
  }

  /** Whether the last {@link add} or {@link addExisting} turned part of a template into a wildcard. */
  get lastAddChanged(): boolean {
    return this.changed;
  }

  /** The clusters folded into others (and removed from the tree) since the last call, in order. */
  takeMerges(): ClusterMerge[] {
    if (this.merges.length === 0) return [];
    const merges = this.merges;
    this.merges = [];
    return merges;
  }

  /** Places a cluster with this template, matching nothing: how saved or shared patterns come back. */
  insert(template: readonly string[], size = 1, key = this.nextKey): Placed {
    const leaf = this.leafFor(template, true);
    const cluster: Placed = { index: this.clusters.length, key, tokens: template.slice(), size, leaf };
    this.nextKey = Math.max(this.nextKey, key + 1);
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
   * Takes a cluster out of the tree (to bound memory, or merged). The last cluster takes its index, so
   * indices stay dense; use {@link Cluster.key} for a handle that stays put.
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

  /**
   * The patterns in `candidates` a message would merge with, and into which: those that differ from it
   * only in plain words at positions that have proven to be parameters (see {@link siblingVote}),
   * merged into the oldest. Undefined when no position has.
   */
  static siblings<T extends { tokens: readonly string[] }>(
    candidates: readonly T[],
    tokens: readonly string[],
    options: DrainOptions,
    known?: ReadonlySet<string>,
  ): T[] | undefined {
    const vote = DrainTree.siblingVote(candidates, tokens, options, known);
    const merged = vote?.near.filter(({ conflicts }) => conflicts.every(vote.variable));
    return merged && merged.length > 0 ? merged.map((n) => n.candidate) : undefined;
  }

  /**
   * The candidates close to a message (same length, different only in lowercase plain words at one or two
   * positions, enough equal tokens around them), with the positions where they differ, and which of those
   * positions have proven to be parameters: a position is one once the words it took (the message's and
   * the candidates') reach `variableAfter`, counting a word already seen as a parameter's value elsewhere
   * twice (the same user names show in many messages). Undefined when merging is off or nothing is close.
   */
  static siblingVote<T extends { tokens: readonly string[] }>(
    candidates: readonly T[],
    tokens: readonly string[],
    options: DrainOptions,
    known?: ReadonlySet<string>,
  ):
    | { near: { candidate: T; conflicts: number[] }[]; variable: (position: number) => boolean; words: Map<number, Set<string>> }
    | undefined {
    const limit = options.variableAfter ?? 0;
    if (limit < 2 || candidates.length === 0) return undefined;
    const near: { candidate: T; conflicts: number[] }[] = [];
    const words = new Map<number, Set<string>>();
    // Words that are part of another value of their own message (see isPartOfValue).
    const values = new Set<string>();
    for (const candidate of candidates) {
      if (candidate.tokens.length !== tokens.length) continue;
      const conflicts = wordConflicts(candidate.tokens, tokens, options.similarity);
      if (!conflicts || conflicts.length > MAX_CONFLICTS) continue;
      // Only lowercase words can be names: a pattern that differs in a capitalised one is another message.
      if (!conflicts.every((p) => isName(tokens[p] as string) && isName(candidate.tokens[p] as string))) continue;
      near.push({ candidate, conflicts });
      for (const p of conflicts) {
        let seen = words.get(p);
        if (!seen) {
          seen = new Set([tokens[p] as string]);
          words.set(p, seen);
          if (isPartOfValue(tokens, p)) values.add(tokens[p] as string);
        }
        const word = candidate.tokens[p] as string;
        if (!seen.has(word)) {
          seen.add(word);
          if (isPartOfValue(candidate.tokens, p)) values.add(word);
        }
      }
    }
    if (near.length === 0) return undefined;
    const variable = (p: number): boolean => {
      const seen = words.get(p);
      if (!seen) return false;
      let evidence = seen.size;
      for (const word of seen) if (values.has(word) || known?.has(wordCore(word))) evidence++;
      return evidence >= limit;
    };
    return { near, variable, words };
  }

  /**
   * The clusters of `cluster`'s leaf that could still merge with it: same length, and different only in
   * lowercase plain words at one or two positions, with enough equal tokens around them (the test
   * {@link siblings} puts a candidate to before counting words). Whether they merge depends on how many
   * words those positions take from now on; a caller that would page twice if they did can wait.
   */
  nearSiblings(cluster: Cluster): Cluster[] {
    const placed = cluster as Placed;
    const near: Cluster[] = [];
    for (const other of placed.leaf.clusters) {
      if (other !== placed && isNearSibling(other.tokens, placed.tokens, this.options.similarity)) near.push(other);
    }
    return near;
  }

  // When the message's leaf holds patterns it differs from only at parameter positions (see
  // siblingVote), they become one, with wildcards there, and the message joins it. Patterns of the leaf
  // that differ from one another only at positions the message has just proven to be parameters become
  // one as well, whether or not the message joins them: "folder a for ann", "folder b for ann" and
  // "folder c for ann" are one pattern once "folder d for bob" shows the folder is a name, though bob
  // is not yet known to be one.
  private mergeSiblings(tokens: readonly string[], key: string): Placed | undefined {
    const leaf = this.leafFor(tokens, true);
    const vote = DrainTree.siblingVote(leaf.clusters, tokens, this.options, this.parameterWords);
    if (!vote) return undefined;
    const found: Placed[] = [];
    const rest: Placed[] = [];
    for (const { candidate, conflicts } of vote.near) {
      if (conflicts.every(vote.variable)) found.push(candidate);
      else {
        rest.push(candidate);
        this.awaitWords(candidate, conflicts, vote.words);
      }
    }
    if (rest.length > 1) {
      this.foldAmong(rest, vote.variable);
      // A widened template may have taken in one of `found` (foldCovered): merge what is still there.
      found.splice(0, found.length, ...found.filter((c) => c.leaf.clusters.includes(c)));
    }
    if (found.length === 0) return undefined;
    for (const other of found) this.learnValues(other.tokens, tokens);
    const template = tokens.slice();
    for (const other of found) generalizeTokens(template, other.tokens);
    const survivor = this.foldCovered(this.fold(found, template)) as Placed;
    survivor.size++;
    this.changed = true;
    this.remember(key, survivor, survivor.leaf);
    return survivor;
  }

  // Folds the clusters of `group` that differ from one another only in lowercase words at `variable`
  // positions into one per connected set (the oldest survives).
  private foldAmong(group: Placed[], variable: (position: number) => boolean): void {
    const parent = group.map((_, i) => i);
    const root = (i: number): number => {
      let at = i;
      while (parent[at] !== at) at = parent[at] as number;
      return at;
    };
    for (let i = 0; i < group.length; i++) {
      const a = (group[i] as Placed).tokens;
      for (let j = i + 1; j < group.length; j++) {
        const b = (group[j] as Placed).tokens;
        const conflicts = wordConflicts(a, b, this.options.similarity);
        if (!conflicts || conflicts.length > MAX_CONFLICTS) continue;
        if (!conflicts.every((p) => variable(p) && isName(a[p] as string) && isName(b[p] as string))) continue;
        parent[root(j)] = root(i);
      }
    }
    const sets = new Map<number, Placed[]>();
    group.forEach((cluster, i) => {
      const r = root(i);
      sets.set(r, [...(sets.get(r) ?? []), cluster]);
    });
    for (const set of sets.values()) {
      // An earlier set's widened template may have taken in some of this one (foldCovered).
      const members = set.filter((c) => c.leaf.clusters.includes(c));
      if (members.length < 2) continue;
      const first = members[0] as Placed;
      const template = first.tokens.slice();
      for (const other of members.slice(1)) {
        this.learnValues(first.tokens, other.tokens);
        generalizeTokens(template, other.tokens);
      }
      this.foldCovered(this.fold(members, template));
    }
  }

  /**
   * Folds together `cluster` and the clusters of its leaf that its template covers (equal wherever it
   * holds no wildcard) or that cover it: a new message of one would join the other now. The oldest
   * survives, with a template covering them all. Returns the survivor.
   */
  foldCovered(cluster: Cluster): Cluster {
    let survivor = cluster as Placed;
    for (;;) {
      const template = survivor.tokens;
      const group = survivor.leaf.clusters.filter(
        (other) => other === survivor || covers(template, other.tokens) || covers(other.tokens, template),
      );
      if (group.length === 1) return survivor;
      const merged = template.slice();
      for (const other of group) generalizeTokens(merged, other.tokens);
      survivor = this.fold(group, merged);
    }
  }

  /** Merges `other` into `cluster` (the older survives, with a template covering both): another process found them one. */
  mergeClusters(cluster: Cluster, other: Cluster): Cluster {
    if (cluster === other) return cluster;
    const template = cluster.tokens.slice();
    if (template.length === other.tokens.length) generalizeTokens(template, other.tokens);
    return this.fold([cluster as Placed, other as Placed], template);
  }

  // Makes one cluster of `group`: the oldest survives with `template`, the others leave the tree.
  private fold(group: Placed[], template: string[]): Placed {
    const sorted = group.slice().sort(this.order);
    const survivor = sorted[0] as Placed;
    if (!sameTokens(survivor.tokens, template)) {
      survivor.tokens.splice(0, survivor.tokens.length, ...template);
      survivor.leaf.epoch++;
    }
    for (const other of sorted.slice(1)) {
      survivor.size += other.size;
      this.remove(other);
      this.merges.push({ from: other, into: survivor });
    }
    return survivor;
  }

  /** Plain words seen as parameter values (bounded): they count as parameters in other patterns at once. */
  get knownParameterWords(): ReadonlySet<string> {
    return this.parameterWords;
  }

  // Notes that `cluster`'s vote can turn when a word the vote counted at one of its `conflicts` becomes known.
  private awaitWords(cluster: Placed, conflicts: readonly number[], words: ReadonlyMap<number, ReadonlySet<string>>): void {
    if (this.waiting.size >= MAX_WAITING_WORDS) this.waiting.clear();
    for (const p of conflicts) {
      for (const word of words.get(p) ?? []) {
        const core = wordCore(word);
        if (this.parameterWords.has(core)) continue;
        const list = this.waiting.get(core);
        if (!list) this.waiting.set(core, [cluster]);
        else if (!list.includes(cluster) && list.length < MAX_WAITING_PER_WORD) list.push(cluster);
      }
    }
  }

  // The lowercase words where two templates differ: values of a parameter, on both sides.
  private learnValues(a: readonly string[], b: readonly string[]): void {
    for (let i = 0; i < a.length; i++) {
      if (a[i] === b[i]) continue;
      for (const word of [a[i] as string, b[i] as string]) {
        if (!isNameWord(word)) continue;
        const core = wordCore(word);
        if (this.parameterWords.has(core)) continue;
        if (this.parameterWords.size >= MAX_PARAMETER_WORDS) this.parameterWords.clear();
        this.parameterWords.add(core);
        const waiting = this.waiting.get(core);
        if (waiting) {
          for (const cluster of waiting) cluster.revote = true;
          this.waiting.delete(core);
        }
      }
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
    this.learnValues(template, tokens);
    let changed = false;
    for (let i = 0; i < template.length; i++) {
      if (template[i] !== tokens[i]) {
        template[i] = WILDCARD;
        changed = true;
      }
    }
    this.changed = changed;
    if (changed) leaf.epoch++;
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
    return {
      clusters: this.clusters
        .slice()
        .sort((a, b) => a.key - b.key)
        .map((c) => ({ tokens: c.tokens.slice(), size: c.size, key: c.key })),
      nextKey: this.nextKey,
    };
  }

  /** Rebuilds a tree from its state; routing depends only on templates, so it is the same tree. */
  static fromJSON(state: DrainTreeState, options: DrainOptions): DrainTree {
    const tree = new DrainTree(options);
    state.clusters.forEach((saved, i) => {
      tree.insert(saved.tokens, saved.size, saved.key ?? i);
    });
    if (state.nextKey !== undefined) tree.nextKey = Math.max(tree.nextKey, state.nextKey);
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
