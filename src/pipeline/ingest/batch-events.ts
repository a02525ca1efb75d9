import type { DomainEvent, IncidentChanged } from "../../core/events.ts";
import type { ChangeSet } from "../../core/ports/store.ts";

/**
 * The domain events of one committed ingest batch, read from what it wrote: the incidents it opened,
 * resolved, reopened, raised and joined, the batch itself, and the deliveries it queued.
 */
export function eventsOfBatch(changes: ChangeSet, at: number): DomainEvent[] {
  const events: DomainEvent[] = [];
  const created = new Set(changes.newIncidents.map((incident) => incident.id));
  for (const id of created) events.push({ type: "IncidentOpened", incidentId: id, at });
  const raisedTo = new Map(changes.incidentChanges.map((change) => [change.id, change.set.severity]));
  const changed = (incidentId: string, actor: string, change: IncidentChanged["change"]): void => {
    events.push({ type: "IncidentChanged", incidentId, at, actor, change });
  };
  for (const entry of changes.timeline) {
    if (entry.action === "resolved") {
      events.push({ type: "IncidentResolved", incidentId: entry.incidentId, at, actor: entry.actor });
    } else if (entry.action === "reopened") {
      changed(entry.incidentId, entry.actor, { kind: "reopened" });
    } else if (entry.action === "severity-raised" && !created.has(entry.incidentId)) {
      const to = raisedTo.get(entry.incidentId);
      // One event per incident with the severity it ended the batch at, however many signals raised it.
      if (to) {
        raisedTo.delete(entry.incidentId);
        changed(entry.incidentId, entry.actor, { kind: "severity-raised", to });
      }
    }
  }
  const touched = new Map<string, { id: string; signals: number; namingUsers: number; joined: number; joinedNaming: number }>();
  for (const { signal, incidentId, outcome } of changes.signals) {
    if (!incidentId) continue;
    const entry = touched.get(incidentId) ?? { id: incidentId, signals: 0, namingUsers: 0, joined: 0, joinedNaming: 0 };
    const naming = signal.affectedUsers.length > 0 ? 1 : 0;
    entry.signals += 1;
    entry.namingUsers += naming;
    if (outcome === "deduplicated") {
      entry.joined += 1;
      entry.joinedNaming += naming;
    }
    touched.set(incidentId, entry);
  }
  for (const { id, joined, joinedNaming } of touched.values()) {
    if (joined > 0 && !created.has(id)) {
      changed(id, "sluice:correlate", { kind: "signals-joined", count: joined, namingUsers: joinedNaming });
    }
  }
  events.push({
    type: "BatchCommitted",
    at,
    signals: changes.signals.length,
    incidents: [...touched.values()].map(({ id, signals, namingUsers }) => ({ id, signals, namingUsers })),
  });
  if (changes.deliveries.length > 0) events.push({ type: "DeliveriesQueued", at, count: changes.deliveries.length });
  return events;
}
