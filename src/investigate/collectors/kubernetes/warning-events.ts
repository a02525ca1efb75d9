// A service's Warning events (FailedScheduling, BackOff, Unhealthy, OOMKilling, FailedMount…), grouped by
// reason. Pure functions over the API server's event JSON (core/v1 Event).
import { at, obj, str } from "./wire.ts";

/** The objects of one service whose events count: its pods, ReplicaSets and Deployments by kind. */
export interface ServiceObjects {
  Pod: Set<string>;
  ReplicaSet: Set<string>;
  Deployment: Set<string>;
}

export interface EventGroup {
  reason: string;
  /** Occurrences, as the events count them (`count`, or `series.count` for new-style events). */
  count: number;
  first: number | null;
  last: number | null;
  /** The objects involved, as `kind/name`. */
  objects: string[];
  /** The latest event's message. */
  message: string;
}

/** Whether an event concerns the service: one of its objects, or a node event naming one of its pods. */
function concerns(event: Record<string, unknown>, objects: ServiceObjects): string | null {
  const involved = obj(event.involvedObject);
  const kind = str(involved.kind);
  const name = str(involved.name);
  if ((kind === "Pod" || kind === "ReplicaSet" || kind === "Deployment") && objects[kind].has(name)) return `${kind}/${name}`;
  // The node problem detector reports OOM kills on the Node, naming the pod in its message.
  if (kind === "Node") {
    const message = str(event.message);
    for (const pod of objects.Pod) if (message.includes(pod)) return `Pod/${pod}`;
  }
  return null;
}

/** The Warning events about `objects` that happened in [from, to], grouped by reason, most frequent first. */
export function warningGroups(events: unknown[], objects: ServiceObjects, from: number, to: number): EventGroup[] {
  const groups = new Map<string, EventGroup>();
  for (const raw of events) {
    const event = obj(raw);
    if (str(event.type) !== "Warning") continue;
    const object = concerns(event, objects);
    if (!object) continue;
    const series = obj(event.series);
    const eventTime = at(event.eventTime);
    const first = at(event.firstTimestamp) ?? eventTime;
    const last = at(event.lastTimestamp) ?? at(series.lastObservedTime) ?? eventTime ?? first;
    // An event that last happened before the window says nothing about this incident.
    if (last !== null && (last < from || (first !== null && first > to))) continue;
    const count = typeof event.count === "number" ? event.count : typeof series.count === "number" ? series.count : 1;
    const reason = str(event.reason) || "Unknown";
    const group = groups.get(reason);
    if (!group) {
      groups.set(reason, { reason, count, first, last, objects: [object], message: str(event.message) });
      continue;
    }
    group.count += count;
    if (first !== null && (group.first === null || first < group.first)) group.first = first;
    if (last !== null && (group.last === null || last >= group.last)) {
      group.last = last;
      group.message = str(event.message);
    }
    if (!group.objects.includes(object)) group.objects.push(object);
  }
  return [...groups.values()].sort(
    (a, b) => b.count - a.count || (b.last ?? 0) - (a.last ?? 0) || a.reason.localeCompare(b.reason),
  );
}

/** One line about a group of events for a person. */
export function eventSummary(namespace: string, g: EventGroup): string {
  const objects =
    g.objects.length === 1
      ? g.objects[0]
      : `${g.objects.length} objects (${g.objects.slice(0, 3).join(", ")}${g.objects.length > 3 ? ", …" : ""})`;
  const when =
    g.first !== null && g.last !== null && g.first !== g.last
      ? `from ${iso(g.first)} to ${iso(g.last)}`
      : `at ${iso(g.last ?? g.first)}`;
  return `Warning ${g.reason} ×${g.count} in ${namespace} on ${objects} ${when}: ${g.message}`;
}

function iso(ms: number | null): string {
  return ms === null ? "an unknown time" : new Date(ms).toISOString();
}
