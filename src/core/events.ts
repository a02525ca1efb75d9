import type { IncidentContext } from "./enrichment.ts";
import type { Severity } from "./signal.ts";

/**
 * Domain events: what happened to incidents, published once the change is committed (and, for ingest,
 * on disk). They are the extension point of Sluice: a feature (summaries, symptom merging, investigation,
 * remediation, the console) subscribes to them instead of being called by the stage that made the change.
 * Payloads carry ids and what changed, not whole incidents: a subscriber reads the store for the rest,
 * so it always sees the committed state.
 */

/** What changed in an incident that stayed (or became again) unresolved. */
export type IncidentChange =
  | { kind: "severity-raised"; to: Severity }
  /** Signals joined the incident; `namingUsers` of them named affected users. */
  | { kind: "signals-joined"; count: number; namingUsers: number }
  /** Late enrichment (a trace, a recount of affected users) changed these parts of the context. */
  | { kind: "context-updated"; parts: (keyof IncidentContext)[] }
  | { kind: "summary-updated"; severityRaisedTo: Severity | null }
  | { kind: "acknowledged" }
  | { kind: "escalated" }
  | { kind: "reopened" }
  | { kind: "note" }
  /** An investigation stored a report (version n of the incident's reports). */
  | { kind: "investigated"; version: number }
  /** Another incident was resolved as a symptom of this one. */
  | { kind: "symptom-merged"; symptomId: string }
  /** Another incident was resolved into this one because their error patterns merged (a word in them is a parameter). */
  | { kind: "pattern-merged"; mergedId: string };

export interface IncidentOpened {
  type: "IncidentOpened";
  incidentId: string;
  at: number;
}

export interface IncidentChanged {
  type: "IncidentChanged";
  incidentId: string;
  at: number;
  /** Who made the change, as the timeline names it ("sluice:correlate", "api:<token>", "<platform>:<user>"). */
  actor: string;
  change: IncidentChange;
}

export interface IncidentResolved {
  type: "IncidentResolved";
  incidentId: string;
  at: number;
  actor: string;
  /** Set when the incident was resolved as merged into another one (a symptom of it, or its merged error pattern's). */
  mergedInto?: string;
}

/** One ingest transaction, on disk: how many signals it stored and the incidents they touched. */
export interface BatchCommitted {
  type: "BatchCommitted";
  at: number;
  signals: number;
  /** Every incident a signal of the batch was recorded against (opened, joined or resolved). */
  incidents: { id: string; signals: number; namingUsers: number }[];
}

/** Deliveries were written to the outbox: the delivery worker starts on them without waiting for its poll. */
export interface DeliveriesQueued {
  type: "DeliveriesQueued";
  at: number;
  count: number;
}

export type DomainEvent = IncidentOpened | IncidentChanged | IncidentResolved | BatchCommitted | DeliveriesQueued;
export type DomainEventType = DomainEvent["type"];
export type EventOf<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;

/** What a stage that changes incidents needs: a place to say so. */
export interface EventPublisher {
  publish(event: DomainEvent): void;
}

/** What a feature needs: a way to hear about it. Returns a function that unsubscribes. */
export interface EventSubscriber {
  subscribe<T extends DomainEventType>(type: T, subscriber: string, handler: (event: EventOf<T>) => unknown): () => void;
}

export type EventFailureReporter = (failure: { subscriber: string; event: DomainEvent; error: unknown }) => void;

interface Subscription {
  subscriber: string;
  handler(event: DomainEvent): unknown;
}

/**
 * Synchronous, error-isolated dispatch. Handlers run in subscription order inside `publish`; each must
 * only record or enqueue work (the publisher is on the ingest path). A handler that throws, or whose
 * promise rejects, is reported and skipped: a failing feature never fails the commit that published.
 */
export class EventBus implements EventPublisher, EventSubscriber {
  private readonly subscriptions = new Map<DomainEventType, Subscription[]>();

  constructor(private readonly onFailure: EventFailureReporter = () => {}) {}

  subscribe<T extends DomainEventType>(type: T, subscriber: string, handler: (event: EventOf<T>) => unknown): () => void {
    const entry: Subscription = { subscriber, handler: handler as (event: DomainEvent) => unknown };
    const list = this.subscriptions.get(type) ?? [];
    list.push(entry);
    this.subscriptions.set(type, list);
    return () => {
      const current = this.subscriptions.get(type) ?? [];
      this.subscriptions.set(
        type,
        current.filter((s) => s !== entry),
      );
    };
  }

  publish(event: DomainEvent): void {
    for (const { subscriber, handler } of this.subscriptions.get(event.type) ?? []) {
      try {
        const result = handler(event);
        if (result instanceof Promise) result.catch((error: unknown) => this.fail(subscriber, event, error));
      } catch (error) {
        this.fail(subscriber, event, error);
      }
    }
  }

  private fail(subscriber: string, event: DomainEvent, error: unknown): void {
    try {
      this.onFailure({ subscriber, event, error });
    } catch {
      // The reporter itself failing must not reach the publisher either.
    }
  }
}
