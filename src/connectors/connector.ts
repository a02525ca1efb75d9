import type { z } from "zod";
import type { Clock } from "../core/clock.ts";
import type { DeliveryAction } from "../core/delivery.ts";
import type { DestinationFields } from "../core/enrichment.ts";
import type { SyncHandler, SyncPoller } from "../core/inbound.ts";
import type { Incident } from "../core/incident.ts";
import type { InvestigationDelivery } from "../core/investigation.ts";
import type { Ticket } from "../core/ticket.ts";

/** What a connector is asked to do: tell its platform about one change of one incident. */
export interface DeliveryRequest {
  action: DeliveryAction;
  incident: Incident;
  /** The platform's ticket for this incident, once one exists (absent for the first create). */
  ticket: Ticket | null;
  /** Stable per (incident, platform): platforms that deduplicate (dedup_key, alias, labels) use it. */
  idempotencyKey: string;
  /** The outbox row: one per change of the incident, the same on every retry of that change. */
  deliveryId?: string;
  /**
   * When this delivery was first rendered. Every attempt gets the incident, detail and URL of the first
   * one, so a body built from them and from this time (not the clock) is the same bytes on every retry.
   */
  renderedAt?: number;
  /** Free text that comes with the change: a note, the reason of an escalation. */
  detail: string;
  /** Link to the incident in Sluice, when a public URL is configured. */
  incidentUrl: string | null;
  /**
   * Which attempt this is (1 for the first). A later attempt of a create may follow a crash after the
   * platform accepted the first one, so platforms without idempotency keys look for it before posting.
   */
  attempt?: number;
  /** For an escalate: what the incident's escalation policy asks of this platform at the level it took. */
  escalation?: EscalationOrder;
  /**
   * For an investigation's comment: the report, which the connector renders in its platform's own form
   * (`detail` holds the same report as plain text, for connectors that have no native form).
   */
  investigation?: InvestigationDelivery;
}

/**
 * What an escalation level asks of one platform (escalation.policies[].levels[].<platform>): whom to
 * reassign to and which priority to set. Fields a level leaves out keep the connector's default.
 */
export interface EscalationOrder {
  policy: string;
  level: number;
  /** Jira: account id of the new assignee. */
  assignee?: string;
  /** Jira: priority name. */
  priority?: string;
  /** ServiceNow: assignment_group (sys_id or name). */
  group?: string;
  /** ServiceNow: impact and urgency, 1 (high) .. 3 (low). */
  impact?: number;
  urgency?: number;
}

/** The ticket a platform now holds, returned by a create (and by updates that move it). */
export interface TicketRef {
  externalId: string;
  url: string | null;
  meta?: Record<string, unknown>;
}

/** Connectors report remote failures as values; the delivery stage owns retries and dead letters. */
export type DeliveryResult =
  | { kind: "delivered"; ticket?: TicketRef }
  | { kind: "retryable"; reason: string; retryAfterMs?: number }
  | { kind: "permanent"; reason: string; category: PermanentCategory };

/** Why a delivery can never succeed as it is; "credentials" opens the platform's circuit. */
export type PermanentCategory = "credentials" | "rejected" | "not-found" | "configuration";

/** Fetch-compatible HTTP client, injected so tests and proxies can stand in for the network. */
export type HttpClient = (url: string, init: RequestInit) => Promise<Response>;

export interface ConnectionCheck {
  ok: boolean;
  detail: string;
}

/** One platform's side of delivery. */
export interface Connector {
  readonly platform: string;
  deliver(request: DeliveryRequest): Promise<DeliveryResult>;
  /** Checks credentials and reachability without creating anything. */
  testConnection(): Promise<ConnectionCheck>;
}

export interface ConnectorDeps {
  http: HttpClient;
  clock: Clock;
  /** Per-request timeout in milliseconds. */
  timeoutMs: number;
}

/** How the registry learns about a platform: its config sub-schema and how to build it. */
export interface ConnectorFactory<Schema extends z.ZodType = z.ZodType> {
  readonly platform: string;
  /** The platform's block in the config file. */
  readonly configSchema: Schema;
  /** Field names in the block whose values are secrets (never logged or returned). */
  readonly secretFields: readonly string[];
  /** True when the block turns the platform on. */
  isEnabled(config: z.infer<Schema>): boolean;
  create(config: z.infer<Schema>, deps: ConnectorDeps): Connector;
  /** The platform's inbound side (webhooks, buttons), when the block configures how to verify its sender. */
  createSyncHandler?(config: z.infer<Schema>, deps: { clock: Clock; http?: HttpClient }): SyncHandler | null;
  /** A poller for platforms that cannot send webhooks (or are not allowed to reach Sluice). */
  createPoller?(config: z.infer<Schema>, deps: ConnectorDeps): SyncPoller | null;
  /**
   * Why the platform's API would refuse links to Sluice under `publicUrl` (server.publicUrl), or null;
   * the connector leaves such links out, and check-config and serve warn.
   */
  publicUrlProblem?(publicUrl: string): string | null;
  /** Where a service's owner wants this platform's tickets, read from the service catalog. */
  readonly catalog?: CatalogDestination;
}

/**
 * A platform's part of a service catalog entry: the key the entry writes it under, how it is validated,
 * what goes into `incident.context.destinations[platform]` (where the connector reads it), and which of
 * its values are secrets. The catalog and the API learn all of this from the registry, never by name.
 */
export interface CatalogDestination<Input extends z.ZodType = z.ZodType> {
  /** The key in a catalog entry written in the Sluice shape, e.g. `jira` or `slackChannel`. */
  readonly field: string;
  readonly schema: Input;
  toDestination(input: z.infer<Input>): DestinationFields;
  /** Backstage annotations that fill the field; `key` names the value inside it when the field is an object. */
  readonly annotations?: readonly { annotation: string; key?: string }[];
  /** Destination values that are credentials: output says that one is set, never which. */
  readonly secretFields?: readonly string[];
  /** How `sluice catalog` shows the destination (secret values already masked). */
  describe(destination: DestinationFields): string;
}

/** The reference a connector gave for a stored ticket (null when none was stored): where later actions go. */
export function storedTicketRef(ticket: Ticket | null): TicketRef | null {
  if (!ticket?.externalId) return null;
  return { externalId: ticket.externalId, url: ticket.url, meta: ticket.meta };
}
