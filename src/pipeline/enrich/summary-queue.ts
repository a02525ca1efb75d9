import type { Logger } from "pino";
import type { Clock } from "../../core/clock.ts";
import type { EventPublisher } from "../../core/events.ts";
import { priorityFor } from "../../core/incident.ts";
import { emptyChangeSet, type Store } from "../../core/ports/store.ts";
import { SerialQueue } from "../../core/serial-queue.ts";
import { moreSevere } from "../../core/signal.ts";
import { writeFresh } from "../../core/write-fresh.ts";
import { fanOut } from "../../lifecycle/fan-out.ts";
import type { Summarizer } from "./llm/summarizer.ts";

export interface SummaryQueueOptions {
  store: Store;
  summarizer: Summarizer;
  clock: Clock;
  logger: Logger;
  /** Where an improved summary is announced (IncidentChanged, DeliveriesQueued). */
  events: EventPublisher;
  /** Counts summaries by outcome (llm, fallback, shed). */
  count(outcome: "llm" | "fallback" | "shed"): void;
  /** Most incidents waiting for a summary; beyond it new ones keep their template summary. */
  maxPending?: number;
}

/**
 * Asks the LLM to improve new incidents' summaries in the background: tickets never wait for it. An
 * improved summary is written with the incident's version (a concurrent change wins and we retry, see
 * store/write-fresh.ts),
 * recorded in the timeline with the model, and sent to every linked ticket as an update.
 */
export class SummaryQueue extends SerialQueue {
  constructor(private readonly options: SummaryQueueOptions) {
    super({ maxPending: options.maxPending ?? 1000, onShed: () => options.count("shed") });
  }

  protected override async handle(id: string): Promise<void> {
    try {
      await this.summarize(id);
    } catch (error) {
      this.options.logger.error({ err: error, incident: id }, "summary failed; the template summary stays");
    }
  }

  private async summarize(incidentId: string): Promise<void> {
    const { store, summarizer, clock } = this.options;
    const first = await store.incidents.get(incidentId);
    if (!first) return;
    const outcome = await summarizer.summarize({ incident: first, signals: await store.incidents.signals(incidentId, 20) });
    if (outcome.kind === "fallback") {
      this.options.count("fallback");
      const changes = emptyChangeSet();
      fanOut(changes, first, clock.now(), { actor: "sluice:summary", action: "summary-template", detail: outcome.reason });
      await store.apply(changes);
      return;
    }
    const written = await writeFresh(store, incidentId, (incident) => {
      const now = clock.now();
      const summary = outcome.probableCause ? `${outcome.summary}\n\nProbable cause: ${outcome.probableCause}` : outcome.summary;
      // Checked against the current severity: it may have risen while the model was thinking.
      const raise = outcome.suggestedSeverity && moreSevere(outcome.suggestedSeverity, incident.severity) !== incident.severity;
      const severity = raise && outcome.suggestedSeverity ? outcome.suggestedSeverity : incident.severity;
      const changes = emptyChangeSet();
      changes.incidentChanges.push({
        id: incident.id,
        expectedVersion: incident.version,
        at: now,
        addSignals: 0,
        set: { summary, summarySource: "llm", ...(raise ? { severity, priority: priorityFor(severity) } : {}) },
      });
      const notes = outcome.notes.length ? `; ${outcome.notes.join("; ")}` : "";
      const detail = `summary written by ${outcome.model}${raise ? `; severity raised to ${severity}` : ""}${notes}`;
      // A resolved incident's tickets are closed: the news stays on its timeline.
      const send = incident.state === "resolved" ? undefined : { action: "update" as const, detail: "summary updated" };
      fanOut(changes, incident, now, { actor: "sluice:summary", action: "summarized", detail, send });
      return changes;
    });
    if (!written) return;
    this.options.count("llm");
    const at = clock.now();
    const raisedTo = written.changes.incidentChanges[0]?.set.severity ?? null;
    const change = { kind: "summary-updated", severityRaisedTo: raisedTo } as const;
    this.options.events.publish({ type: "IncidentChanged", incidentId, at, actor: "sluice:summary", change });
    const count = written.changes.deliveries.length;
    if (count > 0) this.options.events.publish({ type: "DeliveriesQueued", at, count });
  }
}
