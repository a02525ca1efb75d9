import { createHash } from "node:crypto";
import type { Template } from "liquidjs";
import type { DeliveryAction } from "../../core/delivery.ts";
import type { Incident } from "../../core/incident.ts";
import { SEVERITIES, type Severity } from "../../core/signal.ts";
import type { DeliveryRequest } from "../connector.ts";
import { renderTicketText } from "../ticket-text.ts";
import { type AdfDocument, toAdf } from "./adf.ts";
import { type CompiledFieldValue, renderCustomFields } from "./custom-fields.ts";
import type { JiraSettings } from "./jira-settings.ts";
import { type Block, inlineText, textToBlocks } from "./rich-text.ts";
import { toWikiMarkup } from "./wiki-markup.ts";

/** Templates parsed once when the connector is built. */
export interface CompiledJiraTemplates {
  text: { title: Template[]; body: Template[] };
  customFields: Record<string, CompiledFieldValue>;
}

/** A description or comment body: ADF on Cloud, wiki markup on Server. */
export type JiraRichText = AdfDocument | string;

type TextRequest = Pick<DeliveryRequest, "incident" | "detail" | "incidentUrl" | "action">;

const LABEL_PREFIX = "sluice-";
const MAX_LABEL = 255;
// Jira refuses descriptions and comments above 32 767 characters; leave room for the markup.
const MAX_TEXT = 30_000;

/**
 * The label that carries the idempotency key. Jira labels cannot hold whitespace, and quotes or
 * backslashes would need escaping in JQL, so anything outside a safe set becomes "-"; a key too
 * long for a label keeps its head and gets a hash, so two long keys never share a label.
 */
export function idempotencyLabel(idempotencyKey: string): string {
  const safe = `${LABEL_PREFIX}${idempotencyKey.replace(/[^A-Za-z0-9_.:-]/g, "-")}`;
  if (safe.length <= MAX_LABEL) return safe;
  const hash = createHash("sha256").update(idempotencyKey).digest("hex").slice(0, 16);
  return `${safe.slice(0, MAX_LABEL - hash.length - 1)}-${hash}`;
}

/** Labels from the config, made acceptable to Jira (no whitespace). */
export function sanitizeLabel(label: string): string {
  return label.trim().replace(/\s+/g, "-").slice(0, MAX_LABEL);
}

/** The JQL that finds this incident's open issue, oldest first (should a duplicate ever exist). */
export function openIssueJql(label: string): string {
  return `labels = "${label}" AND statusCategory != Done ORDER BY created ASC`;
}

/** One REST call, relative to the site URL. */
export interface JiraCall {
  method: "GET" | "POST" | "PUT";
  path: string;
  body?: unknown;
}

/** REST API version prefix of a deployment. */
export function apiPrefix(settings: Pick<JiraSettings, "deployment">): string {
  return settings.deployment === "cloud" ? "/rest/api/3" : "/rest/api/2";
}

/**
 * The search before a create. Cloud uses the enhanced search (`POST /search/jql`; the old
 * `/search` is deprecated there); Server has only `/search`.
 */
export function searchCall(settings: Pick<JiraSettings, "deployment">, label: string): JiraCall {
  const jql = openIssueJql(label);
  if (settings.deployment === "cloud") {
    return { method: "POST", path: "/rest/api/3/search/jql", body: { jql, maxResults: 1, fields: ["status"] } };
  }
  const query = new URLSearchParams({ jql, maxResults: "1", fields: "status" });
  return { method: "GET", path: `/rest/api/2/search?${query.toString()}` };
}

/** Project and issue type for an incident: the severity's override, else the block's defaults. */
export function issueTarget(settings: JiraSettings, severity: Severity): { projectKey: string; issueType: string } {
  const override = settings.bySeverity[severity];
  return {
    projectKey: override?.projectKey ?? settings.projectKey,
    issueType: override?.issueType ?? settings.issueType,
  };
}

/** The Jira priority name for a severity, or null when priorities are not set. */
export function priorityName(settings: Pick<JiraSettings, "priorities">, severity: Severity): string | null {
  return settings.priorities ? settings.priorities[severity] : null;
}

/** True when `now` is more severe than `before`. */
export function severityRaised(before: Severity, now: Severity): boolean {
  return SEVERITIES.indexOf(now) < SEVERITIES.indexOf(before);
}

/** The body of `POST /issue`. */
export function createIssuePayload(
  settings: JiraSettings,
  compiled: CompiledJiraTemplates,
  request: TextRequest,
  label: string,
): { fields: Record<string, unknown> } {
  const { title, body } = renderTicketText(compiled.text, { ...request, action: "create" });
  const target = issueTarget(settings, request.incident.severity);
  // The owner's project from the service catalog wins over the configured one.
  const ownerProject = request.incident.context?.destinations?.jira?.projectKey;
  if (ownerProject) target.projectKey = ownerProject;
  // Custom fields go first so a mapping can never replace the fields Sluice relies on (labels above all).
  const fields: Record<string, unknown> = { ...renderCustomFields(compiled.customFields, { ...request, action: "create" }) };
  fields.project = { key: target.projectKey };
  fields.issuetype = { name: target.issueType };
  // Jira refuses a summary with line breaks.
  fields.summary = title.replace(/\s+/g, " ").trim() || request.incident.key;
  fields.description = richText(settings, textToBlocks(body.slice(0, MAX_TEXT)));
  const priority = priorityName(settings, request.incident.severity);
  if (priority) fields.priority = { name: priority };
  fields.labels = [...new Set([...settings.labels.map(sanitizeLabel).filter(Boolean), label])];
  // Components belong to a project: the configured ones may not exist in the owner's project.
  if (settings.components.length > 0 && !ownerProject) fields.components = settings.components.map((name) => ({ name }));
  const assignee = assigneeField(settings);
  if (assignee !== undefined) fields.assignee = assignee;
  return { fields };
}

// Omitting the field lets Jira apply the project's default assignee (e.g. the component lead).
function assigneeField(settings: JiraSettings): unknown {
  const rule = settings.assignee;
  if (rule.mode === "component-lead") return undefined;
  if (rule.mode === "unassigned") return null;
  return settings.deployment === "cloud" ? { accountId: rule.accountId } : { name: rule.name };
}

/** The body of `PUT /issue/{key}` that sets the priority. */
export function priorityPayload(priority: string): { fields: { priority: { name: string } } } {
  return { fields: { priority: { name: priority } } };
}

/**
 * The priority an escalate sets: the policy level's own, else the priority of the severity one step more
 * urgent per escalation level (never beyond critical's), so an escalated issue outranks its peers.
 */
export function escalatedPriorityName(
  settings: Pick<JiraSettings, "priorities">,
  severity: Severity,
  escalationLevel: number,
  ordered: string | undefined,
): string | null {
  if (ordered) return ordered;
  if (!settings.priorities) return null;
  const index = SEVERITIES.indexOf(severity);
  const raised = SEVERITIES[Math.max(0, index - Math.max(1, escalationLevel))] ?? severity;
  return settings.priorities[raised];
}

/** The body of `PUT /issue/{key}` an escalate sends: the new priority and, when the level names one, the assignee. */
export function escalationPayload(
  settings: Pick<JiraSettings, "deployment">,
  priority: string | null,
  assignee: string | undefined,
): { fields: Record<string, unknown> } | null {
  const fields: Record<string, unknown> = {};
  if (priority) fields.priority = { name: priority };
  if (assignee) fields.assignee = settings.deployment === "cloud" ? { accountId: assignee } : { name: assignee };
  return Object.keys(fields).length ? { fields } : null;
}

/** The body of `POST /issue/{key}/transitions`. */
export function transitionPayload(transitionId: string): { transition: { id: string } } {
  return { transition: { id: transitionId } };
}

const HEADLINE: Record<DeliveryAction, (incident: Incident) => string> = {
  create: (i) => `${i.key} opened in Sluice`,
  update: (i) => `${i.key} updated in Sluice`,
  acknowledge: (i) => `${i.key} acknowledged`,
  resolve: (i) => `${i.key} resolved`,
  escalate: (i) => `${i.key} escalated to level ${i.escalationLevel}`,
  reopen: (i) => `${i.key} reopened`,
  comment: (i) => `Note on ${i.key}`,
};

/**
 * The blocks of a comment describing one change: a headline, the change's own text, what Sluice
 * changed on the issue (`notes`), the incident's current facts and a link back to it.
 */
export function changeBlocks(request: TextRequest, notes: readonly string[] = []): Block[] {
  const { incident } = request;
  const blocks: Block[] = [{ kind: "paragraph", content: inlineText(HEADLINE[request.action](incident), true) }];
  const detail = request.detail.trim();
  if (detail) blocks.push(...textToBlocks(detail.slice(0, MAX_TEXT)));
  for (const note of notes) blocks.push({ kind: "paragraph", content: inlineText(note) });
  blocks.push({
    kind: "bullets",
    items: [
      `State: ${incident.state}`,
      `Severity: ${incident.severity} (${incident.priority})`,
      `Signals: ${incident.signalCount}, last seen ${new Date(incident.lastSeenAt).toISOString()}`,
    ].map((item) => inlineText(item)),
  });
  if (request.incidentUrl) {
    blocks.push({
      kind: "paragraph",
      content: [
        { kind: "text", text: "Sluice: " },
        { kind: "link", text: request.incidentUrl, href: request.incidentUrl },
      ],
    });
  }
  return blocks;
}

/** The body of `POST /issue/{key}/comment`. */
export function commentPayload(settings: Pick<JiraSettings, "deployment">, request: TextRequest, notes: readonly string[] = []) {
  return { body: richText(settings, changeBlocks(request, notes)) };
}

/** Blocks in the deployment's format: ADF for Cloud, wiki markup for Server. */
export function richText(settings: Pick<JiraSettings, "deployment">, blocks: readonly Block[]): JiraRichText {
  return settings.deployment === "cloud" ? toAdf(blocks) : toWikiMarkup(blocks);
}
