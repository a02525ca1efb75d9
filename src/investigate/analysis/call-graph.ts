import type { NodeKind } from "./types.ts";

/** One caller → callee dependency. */
export interface CallEdge {
  readonly caller: string;
  readonly callee: string;
}

const NONE: readonly string[] = Object.freeze([]);

/** Who calls whom, and what each node is. Immutable; unknown nodes are services with no edges. */
export class CallGraph {
  private readonly calleesOf = new Map<string, string[]>();
  private readonly callersOf = new Map<string, string[]>();
  private readonly kinds = new Map<string, NodeKind>();

  constructor(edges: Iterable<CallEdge>, kinds: Iterable<readonly [string, NodeKind]> = []) {
    const add = (map: Map<string, string[]>, from: string, to: string) => {
      const list = map.get(from);
      if (!list) map.set(from, [to]);
      else if (!list.includes(to)) list.push(to);
    };
    for (const { caller, callee } of edges) {
      if (caller === callee) continue; // a self-call explains nothing and would make the node explain itself
      add(this.calleesOf, caller, callee);
      add(this.callersOf, callee, caller);
    }
    for (const [node, kind] of kinds) this.kinds.set(node, kind);
  }

  kind(node: string): NodeKind {
    return this.kinds.get(node) ?? "service";
  }

  callees(node: string): readonly string[] {
    return this.calleesOf.get(node) ?? NONE;
  }

  callers(node: string): readonly string[] {
    return this.callersOf.get(node) ?? NONE;
  }

  /**
   * The shortest chain from `from` up through its callers (callers of callers, …) to `to`, both included,
   * whose every node strictly between them satisfies `through`; null when there is none. [from] when from = to.
   */
  upstreamPath(from: string, to: string, through: (node: string) => boolean): string[] | null {
    if (from === to) return [from];
    const previous = new Map<string, string>([[from, from]]);
    let frontier = [from];
    while (frontier.length > 0) {
      const next: string[] = [];
      for (const node of frontier) {
        for (const caller of this.callers(node)) {
          if (previous.has(caller)) continue;
          previous.set(caller, node);
          if (caller === to) {
            const path = [to];
            for (let at = node; at !== from; at = previous.get(at) as string) path.push(at);
            path.push(from);
            return path.reverse();
          }
          if (through(caller)) next.push(caller);
        }
      }
      frontier = next;
    }
    return null;
  }
}
