import type { DeliveryAction } from "../../core/delivery.ts";
import type { Incident } from "../../core/incident.ts";
import type { Severity } from "../../core/signal.ts";
import type { EscalationOrder } from "../connector.ts";

/** ServiceNow's base-system choice values for urgency and impact: "1" High, "2" Medium, "3" Low. */
export type ChoiceLevel = "1" | "2" | "3";

/** Base-system incident states Sluice writes: 1 New, 2 In Progress, 6 Resolved. */
export type IncidentStateValue = "1" | "2" | "6";

/** The fields of the incident table Sluice writes (a subset of the Table API's incident record). */
export interface IncidentWrite {
  short_description?: string;
  description?: string;
  urgency?: ChoiceLevel;
  impact?: ChoiceLevel;
  state?: IncidentStateValue;
  assignment_group?: string;
  cmdb_ci?: string;
  caller_id?: string;
  category?: string;
  correlation_id?: string;
  correlation_display?: string;
  work_notes?: string;
  close_code?: string;
  close_notes?: string;
}

/** Where an incident goes and how it is closed; from the `servicenow` config block. */
export interface IncidentDefaults {
  assignmentGroup?: string | undefined;
  cmdbCi?: string | undefined;
  callerId?: string | undefined;
  category?: string | undefined;
  closeCode: string;
  reopenState: "1" | "2";
}

// Base-system dictionary lengths (task.short_description 160, description 4000, correlation_id 100):
// longer values are refused or silently cut by the instance, so Sluice cuts them visibly.
export const SHORT_DESCRIPTION_MAX = 160;
export const DESCRIPTION_MAX = 4000;
export const CORRELATION_ID_MAX = 100;
const WORK_NOTE_MAX = 4000;

/**
 * Severity → urgency/impact. ServiceNow derives priority from them with its default lookup
 * (dl_u_priority): 1/1 → 1 Critical, 1/2 → 2 High, 2/2 → 3 Moderate, 2/3 → 4 Low, 3/3 → 5 Planning.
 * "high" raises urgency rather than impact: an anomaly needs a fast fix before it is known to be widespread.
 */
export const URGENCY_IMPACT: Record<Severity, { urgency: ChoiceLevel; impact: ChoiceLevel }> = {
  critical: { urgency: "1", impact: "1" },
  high: { urgency: "1", impact: "2" },
  medium: { urgency: "2", impact: "2" },
  low: { urgency: "2", impact: "3" },
  info: { urgency: "3", impact: "3" },
};

/** ServiceNow's default priority for an urgency/impact pair (the base priority lookup rules). */
export function priorityOf(urgency: ChoiceLevel, impact: ChoiceLevel): number {
  return Math.min(5, Number(urgency) + Number(impact) - 1);
}

/**
 * Urgency and impact of an incident, raised one step per escalation level (urgency first, then
 * impact). Derived from the incident, not from the record's current values, so a retried escalation
 * lands on the same values instead of raising twice.
 */
export function urgencyImpact(incident: Incident): { urgency: ChoiceLevel; impact: ChoiceLevel } {
  const base = URGENCY_IMPACT[incident.severity];
  let urgency = Number(base.urgency);
  let impact = Number(base.impact);
  for (let level = 0; level < incident.escalationLevel; level++) {
    if (urgency > 1) urgency -= 1;
    else if (impact > 1) impact -= 1;
  }
  return { urgency: String(urgency) as ChoiceLevel, impact: String(impact) as ChoiceLevel };
}

/** The body of `POST /api/now/table/incident`. */
export function createBody(
  incident: Incident,
  text: { title: string; body: string },
  idempotencyKey: string,
  defaults: IncidentDefaults,
): IncidentWrite {
  const body: IncidentWrite = {
    short_description: cut(text.title, SHORT_DESCRIPTION_MAX),
    description: cut(text.body, DESCRIPTION_MAX),
    ...urgencyImpact(incident),
    correlation_id: idempotencyKey.slice(0, CORRELATION_ID_MAX),
    correlation_display: "Sluice",
  };
  // The owner's group and CI from the service catalog win over the configured ones, field by field.
  const owner = incident.context?.destinations?.servicenow;
  const assignmentGroup = owner?.assignmentGroup ?? defaults.assignmentGroup;
  const cmdbCi = owner?.configurationItem ?? defaults.cmdbCi;
  if (assignmentGroup) body.assignment_group = assignmentGroup;
  if (cmdbCi) body.cmdb_ci = cmdbCi;
  if (defaults.callerId) body.caller_id = defaults.callerId;
  if (defaults.category) body.category = defaults.category;
  return body;
}

const HEADLINE: Record<DeliveryAction, string> = {
  create: "Opened in Sluice",
  update: "Updated in Sluice",
  acknowledge: "Acknowledged in Sluice",
  resolve: "Resolved in Sluice",
  escalate: "Escalated in Sluice",
  reopen: "Reopened in Sluice",
  comment: "Note from Sluice",
};

/**
 * The `PATCH /api/now/table/incident/{sys_id}` body for a later change. Every change writes a work
 * note (internal journal, not e-mailed to the caller); state changes set the base-system state.
 */
export function patchBody(
  action: DeliveryAction,
  incident: Incident,
  note: { detail: string; body: string; closeNotes: string; incidentUrl: string | null },
  defaults: IncidentDefaults,
  order?: EscalationOrder,
): IncidentWrite {
  if (action === "escalate") return escalateBody(incident, note, order);
  const work_notes = workNote(action, incident, note.detail, action === "update" ? note.body : "", note.incidentUrl);
  switch (action) {
    case "acknowledge":
      return { state: "2", work_notes };
    case "resolve":
      // Base-system data policies make close_code and close_notes mandatory for state 6.
      return { state: "6", close_code: defaults.closeCode, close_notes: note.closeNotes || HEADLINE.resolve, work_notes };
    case "reopen":
      return { state: defaults.reopenState, work_notes };
    default:
      return { work_notes };
  }
}

/**
 * An escalate: urgency and impact from the policy level (else one step up per level), and the level's
 * assignment group when it names one; the work note says what the level changed.
 */
function escalateBody(
  incident: Incident,
  note: { detail: string; incidentUrl: string | null },
  order: EscalationOrder | undefined,
): IncidentWrite {
  const raised = urgencyImpact(incident);
  const urgency = order?.urgency !== undefined ? (String(order.urgency) as ChoiceLevel) : raised.urgency;
  const impact = order?.impact !== undefined ? (String(order.impact) as ChoiceLevel) : raised.impact;
  const changed = order?.group ? ` Reassigned to group ${order.group} (level ${order.level} of policy "${order.policy}").` : "";
  const detail = `${note.detail.trim()}${changed}`.trim();
  const body: IncidentWrite = { urgency, impact, work_notes: workNote("escalate", incident, detail, "", note.incidentUrl) };
  if (order?.group) body.assignment_group = order.group;
  return body;
}

/** True for a sys_id; anything else is a display value, sent with `sysparm_input_display_value=true`. */
export function isSysId(value: string): boolean {
  return /^[0-9a-f]{32}$/.test(value);
}

/** The work note of a change: what happened, its note, the current figures and the Sluice link. */
export function workNote(
  action: DeliveryAction,
  incident: Incident,
  detail: string,
  body: string,
  incidentUrl: string | null,
): string {
  const lines = [`${HEADLINE[action]}: ${incident.key} is ${incident.state}`];
  if (action === "escalate") lines[0] += ` (escalation level ${incident.escalationLevel})`;
  if (detail.trim()) lines.push("", detail.trim());
  if (body.trim()) lines.push("", body.trim());
  else lines.push("", `Severity ${incident.severity} (${incident.priority}), ${incident.signalCount} signals`);
  if (incidentUrl && !body.includes(incidentUrl)) lines.push(`Sluice: ${incidentUrl}`);
  return cut(lines.join("\n"), WORK_NOTE_MAX);
}

/** The encoded query that finds the active incident Sluice opened for this idempotency key. */
export function correlationQuery(idempotencyKey: string): string {
  // Keys are "<incident ulid>:<platform>", so they never contain the "^" that separates conditions.
  return `correlation_id=${idempotencyKey.slice(0, CORRELATION_ID_MAX)}^active=true`;
}

/** The incident form in the classic UI, which every instance serves. */
export function incidentUrl(baseUrl: string, sysId: string): string {
  return `${baseUrl}/nav_to.do?uri=incident.do?sys_id=${sysId}`;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
