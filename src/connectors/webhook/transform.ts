import { DELIVERY_ACTIONS, type DeliveryAction } from "../../core/delivery.ts";
import { type IncidentContext, shareableContext } from "../../core/enrichment.ts";
import type { Incident } from "../../core/incident.ts";
import type { InvestigationDelivery, InvestigationReport } from "../../core/investigation.ts";

/** The incident as a webhook receiver sees it: a stable, documented subset with ISO timestamps. */
export interface WebhookIncident {
  key: string;
  id: string;
  title: string;
  severity: Incident["severity"];
  priority: Incident["priority"];
  state: Incident["state"];
  service: string;
  environment: string;
  tenant: string;
  signalCount: number;
  firstSeenAt: string;
  lastSeenAt: string;
  summary: string;
  matchedRule: string;
  url: string | null;
  /** What enrichment learned: owner, changes, similar incidents, trace root cause and blast radius, affected users. */
  context: Omit<IncidentContext, "destinations">;
}

/** Every `event` a receiver may get: the delivery actions, and `investigation` for a report. */
export const WEBHOOK_EVENTS = [...DELIVERY_ACTIONS, "investigation"] as const;

/** The JSON body of every webhook request (documented in docs/connectors.md). */
export interface WebhookPayload {
  /** The action, or `investigation` for an investigation's report (a comment on other platforms). */
  event: DeliveryAction | "investigation";
  idempotencyKey: string;
  /** One per change, the same on every retry of it: what a receiver de-duplicates on. */
  deliveryId: string | null;
  incident: WebhookIncident;
  detail: string;
  sentAt: string;
  /** On an `investigation` event only: the report, as `GET /api/incidents/:id/investigation` returns it. */
  investigation?: WebhookInvestigation;
}

/** An investigation event's report and the version it supersedes in this receiver's ticket. */
export interface WebhookInvestigation {
  version: number;
  supersedes: number | null;
  report: InvestigationReport;
}

export interface WebhookInput {
  action: DeliveryAction;
  incident: Incident;
  idempotencyKey: string;
  deliveryId?: string | undefined;
  detail: string;
  incidentUrl: string | null;
  investigation?: InvestigationDelivery | undefined;
}

/**
 * Builds the body for one incident change. `sentAt` is given by the caller (when the delivery was first
 * rendered), so the body is reproducible: every retry of a delivery sends the same bytes.
 */
export function toWebhookPayload(input: WebhookInput, sentAt: number): WebhookPayload {
  const { incident } = input;
  const investigation = input.action === "comment" ? input.investigation : undefined;
  return {
    event: investigation ? "investigation" : input.action,
    idempotencyKey: input.idempotencyKey,
    deliveryId: input.deliveryId ?? null,
    incident: {
      key: incident.key,
      id: incident.id,
      title: incident.title,
      severity: incident.severity,
      priority: incident.priority,
      state: incident.state,
      service: incident.service,
      environment: incident.environment,
      tenant: incident.tenant,
      signalCount: incident.signalCount,
      firstSeenAt: new Date(incident.firstSeenAt).toISOString(),
      lastSeenAt: new Date(incident.lastSeenAt).toISOString(),
      summary: incident.summary,
      matchedRule: incident.matchedRule,
      url: input.incidentUrl,
      context: shareableContext(incident.context),
    },
    detail: input.detail,
    sentAt: new Date(sentAt).toISOString(),
    ...(investigation
      ? {
          investigation: {
            version: investigation.report.version,
            supersedes: investigation.supersedes,
            report: investigation.report,
          },
        }
      : {}),
  };
}
