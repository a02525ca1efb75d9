import { headerSecrets, scrubResult, scrubSecrets } from "../../core/scrub.ts";
import { SEVERITIES, type Severity } from "../../core/signal.ts";
import type { Ticket } from "../../core/ticket.ts";
import type { ConnectionCheck, Connector, ConnectorDeps, DeliveryRequest, DeliveryResult, TicketRef } from "../connector.ts";
import { sendRequest } from "../http-result.ts";
import { compileTemplates } from "../ticket-text.ts";
import { compileCustomFields } from "./custom-fields.ts";
import { investigationCommentPayload, rootCauseFieldValue } from "./investigation-adf.ts";
import { describeFailure } from "./jira-errors.ts";
import type { JiraSettings } from "./jira-settings.ts";
import {
  apiPrefix,
  type CompiledJiraTemplates,
  commentPayload,
  createIssuePayload,
  escalatedPriorityName,
  escalationPayload,
  idempotencyLabel,
  type JiraCall,
  priorityName,
  priorityPayload,
  searchCall,
  severityRaised,
  transitionPayload,
} from "./transform.ts";

type CallOutcome = { ok: true; data: unknown } | { ok: false; result: DeliveryResult };

/** A transition as `GET /issue/{key}/transitions` lists it. */
interface Transition {
  id: string;
  name: string;
  toName: string;
}

/** Status categories that mean the step is already done, should its transition be gone. */
const ALREADY: Record<"acknowledge" | "resolve" | "reopen", (category: string) => boolean> = {
  acknowledge: (category) => category === "indeterminate" || category === "done",
  resolve: (category) => category === "done",
  reopen: (category) => category !== "done",
};

/**
 * Jira Cloud (REST v3, ADF) or Server / Data Center (REST v2, wiki markup). Idempotency is a label
 * carrying the delivery's idempotency key plus a search for an open issue with it before every create.
 */
export class JiraConnector implements Connector {
  readonly platform = "jira";
  private readonly compiled: CompiledJiraTemplates;
  private readonly authorization: string | null;
  private readonly secrets: string[];

  constructor(
    private readonly settings: JiraSettings,
    private readonly deps: ConnectorDeps,
  ) {
    // Parsed here, at start-up, so a broken template never surfaces as a failed delivery.
    this.compiled = { text: compileTemplates(settings.templates), customFields: compileCustomFields(settings.customFields) };
    const auth = settings.auth;
    this.authorization =
      auth === null
        ? null
        : auth.kind === "bearer"
          ? `Bearer ${auth.token}`
          : `Basic ${Buffer.from(`${auth.user}:${auth.secret}`).toString("base64")}`;
    const raw = auth === null ? [] : auth.kind === "bearer" ? [auth.token] : [auth.secret];
    this.secrets = [...raw, ...(this.authorization ? headerSecrets([this.authorization]) : [])];
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryResult> {
    return scrubResult(await this.handle(request), this.secrets);
  }

  async testConnection(): Promise<ConnectionCheck> {
    if (!this.authorization) return { ok: false, detail: noCredentials(this.settings) };
    const outcome = await this.call({ method: "GET", path: `${apiPrefix(this.settings)}/myself` }, "check of the credentials");
    if (!outcome.ok) {
      const reason = outcome.result.kind === "delivered" ? "GET /myself failed" : outcome.result.reason;
      return { ok: false, detail: scrubSecrets(reason, this.secrets) };
    }
    const user = (outcome.data ?? {}) as Record<string, unknown>;
    const name = typeof user.displayName === "string" ? user.displayName : "an unnamed user";
    const id = [user.accountId, user.name, user.key].find((v): v is string => typeof v === "string" && v.length > 0);
    const detail = `credentials valid on Jira ${this.settings.deployment === "cloud" ? "Cloud" : "Server / Data Center"} at ${
      this.settings.baseUrl
    }: authenticated as ${name}${id ? ` (${id})` : ""}; project ${this.settings.projectKey} is checked by the first create`;
    return { ok: true, detail: scrubSecrets(detail, this.secrets) };
  }

  private async handle(request: DeliveryRequest): Promise<DeliveryResult> {
    if (!this.authorization) return { kind: "permanent", category: "credentials", reason: noCredentials(this.settings) };
    if (request.action === "create") return this.create(request);
    if (!request.ticket) {
      return {
        kind: "permanent",
        category: "not-found",
        reason: `no Jira issue is recorded for ${request.incident.key}; the create has to be delivered first`,
      };
    }
    return this.change(request, request.ticket);
  }

  private async create(request: DeliveryRequest): Promise<DeliveryResult> {
    // The store already holds the issue: nothing to send twice.
    if (request.ticket) return { kind: "delivered", ticket: this.ref(request.ticket.externalId, request.ticket.meta) };
    const label = idempotencyLabel(request.idempotencyKey);
    // A crash between Jira's answer and the store's write leaves an issue Sluice does not know about;
    // finding it by its label is what keeps one incident at one issue.
    const search = await this.call(searchCall(this.settings, label), "search for the incident's open issue");
    if (!search.ok) return search.result;
    const existing = firstIssue(search.data);
    const meta = { severity: request.incident.severity };
    if (existing) return { kind: "delivered", ticket: this.ref(existing.key, { id: existing.id, ...meta }) };

    const created = await this.call(
      {
        method: "POST",
        path: `${apiPrefix(this.settings)}/issue`,
        body: createIssuePayload(this.settings, this.compiled, request, label),
      },
      "create of the issue",
    );
    if (!created.ok) return created.result;
    const issue = issueRef(created.data);
    if (!issue) {
      return { kind: "permanent", category: "rejected", reason: "Jira answered the create without the new issue's key" };
    }
    return { kind: "delivered", ticket: this.ref(issue.key, { id: issue.id, ...meta }) };
  }

  private async change(request: DeliveryRequest, ticket: Ticket): Promise<DeliveryResult> {
    const key = ticket.externalId;
    const { incident } = request;
    const notes: string[] = [];
    const recorded = severityOf(ticket.meta.severity);
    let moved = recorded !== incident.severity;

    // Changes to the issue go first and the comment last: a retry after a failed comment repeats only
    // steps that are idempotent (a priority set, a transition already taken), never the comment.
    const priority = priorityName(this.settings, incident.severity);
    const raised = recorded !== null && severityRaised(recorded, incident.severity);
    if (request.action === "escalate") {
      // Raise priority and reassign per the escalation policy's level, in one idempotent edit.
      const order = request.escalation;
      const to = escalatedPriorityName(this.settings, incident.severity, incident.escalationLevel, order?.priority);
      const body = escalationPayload(this.settings, to, order?.assignee);
      if (body) {
        const set = await this.call({ method: "PUT", path: this.issuePath(key), body }, `escalation edit of ${key}`);
        if (!set.ok) return set.result;
        if (to) notes.push(`Priority set to ${to}.`);
        if (order?.assignee) notes.push(`Reassigned to ${order.assignee} (level ${order.level} of policy "${order.policy}").`);
        moved = true;
      }
    } else if (priority && request.action === "update" && raised) {
      const set = await this.call(
        { method: "PUT", path: this.issuePath(key), body: priorityPayload(priority) },
        `priority change of ${key}`,
      );
      if (!set.ok) return set.result;
      notes.push(`Severity raised from ${recorded} to ${incident.severity}: priority set to ${priority}.`);
      moved = true;
    }

    const step =
      request.action === "acknowledge" || request.action === "resolve" || request.action === "reopen" ? request.action : null;
    if (step && this.settings.transitions[step].length > 0) {
      const moveResult = await this.transition(key, step);
      if (moveResult) return moveResult;
    }

    const investigation = request.action === "comment" ? request.investigation : undefined;
    const rootCause = investigation ? rootCauseFieldValue(investigation) : null;
    if (rootCause && this.settings.rootCauseField) {
      // Setting a field is idempotent, so it goes before the comment like the other edits.
      const set = await this.call(
        { method: "PUT", path: this.issuePath(key), body: { fields: { [this.settings.rootCauseField]: rootCause } } },
        `root-cause field of ${key}`,
      );
      if (!set.ok) return set.result;
    }
    const body = investigation
      ? investigationCommentPayload(this.settings, investigation, request.incidentUrl)
      : commentPayload(this.settings, request, notes);
    const comment = await this.call({ method: "POST", path: `${this.issuePath(key)}/comment`, body }, `comment on ${key}`);
    if (!comment.ok) return comment.result;
    if (!moved) return { kind: "delivered" };
    return { kind: "delivered", ticket: this.ref(key, { ...ticket.meta, severity: incident.severity }) };
  }

  /** Takes the step's transition by name; null when done (or already done), else the failure. */
  private async transition(key: string, step: "acknowledge" | "resolve" | "reopen"): Promise<DeliveryResult | null> {
    const names = this.settings.transitions[step];
    const listed = await this.call(
      { method: "GET", path: `${this.issuePath(key)}/transitions` },
      `lookup of ${key}'s transitions`,
    );
    if (!listed.ok) return listed.result;
    const transitions = transitionsOf(listed.data);
    const wanted = names.map((name) => name.trim().toLowerCase());
    // Transition names first, in the configured order; target status names as a fallback, since
    // people often know the status ("Done") rather than the transition leading to it ("Close Issue").
    const match =
      wanted.map((name) => transitions.find((t) => t.name.toLowerCase() === name)).find(Boolean) ??
      wanted.map((name) => transitions.find((t) => t.toName.toLowerCase() === name)).find(Boolean);
    if (match) {
      const done = await this.call(
        { method: "POST", path: `${this.issuePath(key)}/transitions`, body: transitionPayload(match.id) },
        `transition "${match.name}" of ${key}`,
      );
      return done.ok ? null : done.result;
    }
    // Workflows offer no way back to the status an issue is in: a retry after the transition went
    // through, or a person who already moved the issue, ends here, and that is success.
    const status = await this.call({ method: "GET", path: `${this.issuePath(key)}?fields=status` }, `status lookup of ${key}`);
    if (!status.ok) return status.result;
    const category = statusCategoryOf(status.data);
    if (category && ALREADY[step](category)) return null;
    const available = transitions.map((t) => `"${t.name}"`).join(", ") || "none";
    return {
      kind: "permanent",
      category: "configuration",
      reason: `Jira issue ${key} offers no transition named ${names.map((n) => `"${n}"`).join(" or ")} for ${step} (available: ${available}); set jira.transitions.${step} to one of them`,
    };
  }

  private issuePath(key: string): string {
    return `${apiPrefix(this.settings)}/issue/${encodeURIComponent(key)}`;
  }

  private ref(key: string, meta: Record<string, unknown>): TicketRef {
    return { externalId: key, url: `${this.settings.baseUrl}/browse/${encodeURIComponent(key)}`, meta };
  }

  /** One REST call. Failures become results whose reason names the operation and carries Jira's message. */
  private async call(call: JiraCall, operation: string): Promise<CallOutcome> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.authorization) headers.authorization = this.authorization;
    const init: RequestInit = { method: call.method, headers };
    if (call.body !== undefined) {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(call.body);
    }
    const outcome = await sendRequest(this.deps.http, `${this.settings.baseUrl}${call.path}`, init, this.deps.timeoutMs);
    if (!outcome.ok) {
      const failure = outcome.refusal;
      return {
        ok: false,
        result: describeFailure(outcome.result, operation, failure?.status ?? null, failure?.body ?? ""),
      };
    }
    if (!outcome.body.trim()) return { ok: true, data: null };
    try {
      return { ok: true, data: JSON.parse(outcome.body) };
    } catch {
      return {
        ok: false,
        result: {
          kind: "permanent",
          category: "rejected",
          reason: `Jira ${operation} answered HTTP ${outcome.status} with a body that is not JSON (is baseUrl the Jira site?)`,
        },
      };
    }
  }
}

function noCredentials(settings: JiraSettings): string {
  return settings.deployment === "cloud"
    ? "no Jira credentials configured: set jira.email and jira.apiToken"
    : "no Jira credentials configured: set jira.personalAccessToken, or jira.username and jira.password";
}

function severityOf(value: unknown): Severity | null {
  return typeof value === "string" && (SEVERITIES as readonly string[]).includes(value) ? (value as Severity) : null;
}

function issueRef(value: unknown): { id: string; key: string } | null {
  if (!value || typeof value !== "object") return null;
  const { id, key } = value as Record<string, unknown>;
  if (typeof key !== "string" || !key) return null;
  return { id: typeof id === "string" || typeof id === "number" ? String(id) : "", key };
}

function firstIssue(data: unknown): { id: string; key: string } | null {
  const issues = data && typeof data === "object" ? (data as { issues?: unknown }).issues : undefined;
  return Array.isArray(issues) ? issueRef(issues[0]) : null;
}

function transitionsOf(data: unknown): Transition[] {
  const list = data && typeof data === "object" ? (data as { transitions?: unknown }).transitions : undefined;
  if (!Array.isArray(list)) return [];
  return list.flatMap((item): Transition[] => {
    if (!item || typeof item !== "object") return [];
    const { id, name, to } = item as Record<string, unknown>;
    if ((typeof id !== "string" && typeof id !== "number") || typeof name !== "string") return [];
    const toName = to && typeof to === "object" ? (to as { name?: unknown }).name : undefined;
    return [{ id: String(id), name, toName: typeof toName === "string" ? toName : "" }];
  });
}

function statusCategoryOf(data: unknown): string | null {
  const fields = data && typeof data === "object" ? (data as { fields?: unknown }).fields : undefined;
  const status = fields && typeof fields === "object" ? (fields as { status?: unknown }).status : undefined;
  const category = status && typeof status === "object" ? (status as { statusCategory?: unknown }).statusCategory : undefined;
  const key = category && typeof category === "object" ? (category as { key?: unknown }).key : undefined;
  return typeof key === "string" ? key : null;
}
