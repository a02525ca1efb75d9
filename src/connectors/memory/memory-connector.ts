import type { ConnectionCheck, Connector, DeliveryRequest, DeliveryResult, EscalationOrder } from "../connector.ts";
import { compileTemplates, renderTicketText } from "../ticket-text.ts";

/** A delivery the in-memory platform received. */
export interface RecordedDelivery {
  action: DeliveryRequest["action"];
  incidentKey: string;
  idempotencyKey: string;
  detail: string;
  at: number;
  /** The ticket text a real platform would show (default templates); only when asked to record it. */
  text?: { title: string; body: string };
  /** What the escalation policy's level asked of this platform, on an escalate that carried it. */
  escalation?: EscalationOrder;
  /** On an investigation's comment: which report version it carried, and which it supersedes. */
  investigation?: { version: number; supersedes: number | null };
}

const DEFAULT_TEMPLATES = compileTemplates();

/**
 * A platform that lives in the process: it keeps what it receives, honours idempotency keys the way
 * real platforms do (a second create with the same key is the same ticket), and can be told to fail.
 * Used by tests, dry runs and the demo.
 */
export class MemoryConnector implements Connector {
  readonly received: RecordedDelivery[] = [];
  /** Tickets by idempotency key: what a real platform would show. */
  readonly tickets = new Map<string, { externalId: string; state: string }>();
  private readonly scripted: DeliveryResult[] = [];

  /** `recordText`: render and keep each delivery's ticket text (tests); off by default, since it costs memory per delivery. */
  constructor(
    readonly platform = "memory",
    private readonly options: { recordText?: boolean } = {},
  ) {}

  /** Makes the next deliveries return these results instead of succeeding. */
  failNext(...results: DeliveryResult[]): void {
    this.scripted.push(...results);
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryResult> {
    const scripted = this.scripted.shift();
    if (scripted) return scripted;
    this.received.push({
      action: request.action,
      incidentKey: request.incident.key,
      idempotencyKey: request.idempotencyKey,
      detail: request.detail,
      at: Date.now(),
      ...(this.options.recordText ? { text: renderTicketText(DEFAULT_TEMPLATES, request) } : {}),
      ...(request.escalation ? { escalation: request.escalation } : {}),
      ...(request.investigation
        ? { investigation: { version: request.investigation.report.version, supersedes: request.investigation.supersedes } }
        : {}),
    });
    let ticket = this.tickets.get(request.idempotencyKey);
    if (!ticket) {
      ticket = { externalId: `${this.platform}-${request.incident.key}`, state: request.incident.state };
      this.tickets.set(request.idempotencyKey, ticket);
    }
    ticket.state = request.incident.state;
    return { kind: "delivered", ticket: { externalId: ticket.externalId, url: null } };
  }

  async testConnection(): Promise<ConnectionCheck> {
    return { ok: true, detail: "in-memory platform" };
  }
}
