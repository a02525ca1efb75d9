import type { TraceStep } from "../core/enrichment.ts";
import type { RootCause, TraceAnalysis, TraceEdge } from "../core/trace.ts";
import { callsOut, type SpanRecord } from "../core/trace.ts";

interface Node {
  span: SpanRecord;
  children: Node[];
  depth: number;
  /** The peer this span's call reached, when no span of another service answered it. */
  peer: string | null;
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;

/**
 * Analyses the spans of one trace: its service edges (for the dependency graph), the root-cause
 * candidate (the deepest failing span: its service, or the uninstrumented peer a failing client span
 * called), the failing services above it, the users, and the request timeline. Pure.
 */
export function analyseTrace(spans: readonly SpanRecord[], timelineLimit: number): TraceAnalysis | null {
  const first = spans[0];
  if (!first) return null;
  const byId = new Map<string, Node>();
  for (const span of spans) if (!byId.has(span.spanId)) byId.set(span.spanId, { span, children: [], depth: 0, peer: null });
  const roots: Node[] = [];
  for (const node of byId.values()) {
    const parent = node.span.parentId ? byId.get(node.span.parentId) : undefined;
    // A span that names itself as parent would make a loop; treat it (and orphans) as a root.
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  // Depths from the roots, iteratively (a crafted trace could be deep) and visiting each span once (no loops).
  const ordered: Node[] = [];
  const seen = new Set<Node>();
  const stack = roots.map((node) => ({ node, depth: 0 }));
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: Node; depth: number };
    if (seen.has(node)) continue;
    seen.add(node);
    node.depth = depth;
    ordered.push(node);
    for (let i = node.children.length - 1; i >= 0; i--) stack.push({ node: node.children[i] as Node, depth: depth + 1 });
  }
  // Spans in a parent loop are never reached from a root: they stay out of the analysis.

  const edges = new Map<string, TraceEdge>();
  const addEdge = (caller: string, callee: string, failed: boolean) => {
    const key = `${caller}\u0000${callee}`;
    const edge = edges.get(key) ?? { caller, callee, requests: 0, errors: 0 };
    edge.requests++;
    if (failed) edge.errors++;
    edges.set(key, edge);
  };
  for (const node of ordered) {
    const { span } = node;
    for (const child of node.children) {
      if (child.span.service !== span.service) addEdge(span.service, child.span.service, child.span.error || span.error);
    }
    if (callsOut(span.kind) && span.peer && !node.children.some((child) => child.span.service !== span.service)) {
      node.peer = span.peer;
      addEdge(span.service, span.peer, span.error);
    }
  }

  // Reach: the services below each span, children before parents (reverse of the pre-order above).
  const below = new Map<Node, Set<string>>();
  for (let i = ordered.length - 1; i >= 0; i--) {
    const node = ordered[i] as Node;
    const set = new Set<string>();
    if (node.peer) set.add(node.peer);
    for (const child of node.children) {
      set.add(child.span.service);
      for (const name of below.get(child) ?? []) set.add(name);
    }
    below.set(node, set);
  }
  const reach = new Map<string, Set<string>>();
  for (const node of ordered) {
    const service = node.span.service;
    const set = reach.get(service) ?? new Set<string>();
    for (const name of below.get(node) ?? []) if (name !== service) set.add(name);
    reach.set(service, set);
    if (node.peer && !reach.has(node.peer)) reach.set(node.peer, new Set());
  }

  const failing = ordered.filter((node) => node.span.error);
  let rootNode: Node | null = null;
  for (const node of failing) {
    if (
      !rootNode ||
      node.depth > rootNode.depth ||
      (node.depth === rootNode.depth && node.span.startUs < rootNode.span.startUs)
    ) {
      rootNode = node;
    }
  }
  // A call that gave up waiting blames whatever kept it waiting, which did not fail itself.
  const slow = rootNode ? keptWaiting(rootNode) : null;
  const blamed = slow ?? rootNode;
  const rootCause: RootCause | null =
    rootNode && blamed
      ? {
          service: blamed.peer ?? blamed.span.service,
          operation: blamed.span.name,
          errorMessage: slow
            ? `${rootNode.span.service} gave up after ${round3(durationMs(rootNode))} ms: ${rootNode.span.errorMessage}`
            : (rootNode.span.errorMessage ?? failureBelow(rootNode)),
          spanId: blamed.span.spanId,
          caller: blamed.peer ? blamed.span.service : slow ? rootNode.span.service : null,
        }
      : null;
  const failingServices: string[] = [];
  for (const node of [...failing].sort((a, b) => a.depth - b.depth)) {
    const service = node.span.service;
    if (service !== rootCause?.service && !failingServices.includes(service)) failingServices.push(service);
  }
  const failingSpanIds = rootNode
    ? [rootNode.span.spanId, ...failing.filter((node) => node !== rootNode).map((node) => node.span.spanId)]
    : [];

  const users = [...new Set(ordered.map((node) => node.span.userId).filter((id): id is string => id !== null))].sort();
  const startUs = Math.min(...ordered.map((node) => node.span.startUs));
  const { steps, capped } = timeline(ordered, blamed, startUs, timelineLimit);
  return {
    traceId: first.traceId,
    tenant: first.tenant,
    environment: first.environment,
    startUs: Number.isFinite(startUs) ? startUs : first.startUs,
    spanCount: ordered.length,
    edges: [...edges.values()].sort((a, b) => a.caller.localeCompare(b.caller) || a.callee.localeCompare(b.callee)),
    reach: Object.fromEntries([...reach].map(([service, set]) => [service, [...set].sort()])),
    rootCause,
    failingServices,
    failingSpanIds,
    users,
    timeline: steps,
    timelineCapped: capped,
  };
}

/** Error messages of calls that gave up waiting rather than being refused. */
const TIMED_OUT = /time[sd]?[ -]?out|deadline exceeded|ETIMEDOUT|ESOCKETTIMEDOUT/i;

const durationMs = (node: Node) => (node.span.endUs - node.span.startUs) / 1000;

/**
 * For a failing call out that timed out: the span that kept it waiting. That is the callee's span (another
 * service answering the call), followed down through the slowest call out it made while that call took at
 * least half of its time, to an uninstrumented peer or the last service that spent the time itself. Null
 * when the call did not time out, or nothing instrumented answered it (an uninstrumented peer is already
 * blamed through `peer`).
 */
function keptWaiting(call: Node): Node | null {
  if (!callsOut(call.span.kind) || call.peer || !TIMED_OUT.test(call.span.errorMessage ?? "")) return null;
  let current = slowestCallee(call);
  if (!current) return null;
  for (;;) {
    const next = slowestCallOut(current);
    if (!next || durationMs(next) < durationMs(current) / 2) return current;
    if (next.peer) return next;
    const callee = slowestCallee(next);
    if (!callee) return current;
    current = callee;
  }
}

/** The longest child span of another service: the callee answering this call. */
function slowestCallee(call: Node): Node | null {
  let found: Node | null = null;
  for (const child of call.children) {
    if (child.span.service !== call.span.service && (!found || durationMs(child) > durationMs(found))) found = child;
  }
  return found;
}

/** The longest call out made within this span's own service (its subtree, not crossing into callees). */
function slowestCallOut(node: Node): Node | null {
  let found: Node | null = null;
  const stack = [...node.children];
  while (stack.length > 0) {
    const child = stack.pop() as Node;
    if (child.span.service !== node.span.service) continue;
    if (callsOut(child.span.kind) && (!found || durationMs(child) > durationMs(found))) found = child;
    else stack.push(...child.children);
  }
  return found;
}

/** A failing span without its own message: the first message of a failing span below it, if any. */
function failureBelow(node: Node): string | null {
  for (const child of node.children) {
    if (child.span.error && child.span.errorMessage) return child.span.errorMessage;
  }
  return null;
}

/**
 * Every span ordered by start. Past the limit, the root cause's ancestry and the failing spans are kept
 * first (they are the story of the failure), then the earliest of the rest.
 */
function timeline(
  ordered: readonly Node[],
  rootNode: Node | null,
  startUs: number,
  limit: number,
): { steps: TraceStep[]; capped: boolean } {
  let chosen = [...ordered];
  const capped = chosen.length > limit;
  if (capped) {
    const keep = new Set<Node>();
    const parents = new Map<string, Node>(ordered.map((node) => [node.span.spanId, node]));
    for (let node: Node | undefined = rootNode ?? undefined; node && keep.size < limit; ) {
      keep.add(node);
      node = node.span.parentId ? parents.get(node.span.parentId) : undefined;
      if (node && keep.has(node)) break;
    }
    for (const node of ordered) if (node.span.error && keep.size < limit) keep.add(node);
    for (const node of [...ordered].sort(byStart)) if (keep.size < limit) keep.add(node);
    chosen = [...keep];
  }
  chosen.sort(byStart);
  return {
    capped,
    steps: chosen.map((node) => ({
      service: node.span.service,
      operation: node.peer ? `${node.span.name} → ${node.peer}` : node.span.name,
      startOffsetMs: round3((node.span.startUs - startUs) / 1000),
      durationMs: round3((node.span.endUs - node.span.startUs) / 1000),
      error: node.span.error,
      errorMessage: node.span.error ? node.span.errorMessage : null,
      depth: node.depth,
    })),
  };
}

function byStart(a: Node, b: Node): number {
  return a.span.startUs - b.span.startUs || a.depth - b.depth;
}
