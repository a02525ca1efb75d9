import type { Severity } from "../../core/signal.ts";
import type { TicketTemplates } from "../ticket-text.ts";
import type { CustomFieldValue } from "./custom-fields.ts";

/** Which Jira: Cloud speaks REST v3 with ADF, Server / Data Center REST v2 with wiki markup. */
export type JiraDeployment = "cloud" | "server";

/** How requests authenticate; null when the block has no credentials (every delivery then fails as "credentials"). */
export type JiraAuth = { kind: "basic"; user: string; secret: string } | { kind: "bearer"; token: string } | null;

/** Who gets a new issue. */
export type AssigneeRule =
  | { mode: "fixed"; accountId?: string | undefined; name?: string | undefined }
  /** Sends no assignee, so Jira's own default (component lead, project lead or unassigned) decides. */
  | { mode: "component-lead" }
  | { mode: "unassigned" };

/** Project and issue type for one severity, overriding the block's defaults. */
export interface IssueTarget {
  projectKey?: string | undefined;
  issueType?: string | undefined;
}

/** Transition names per lifecycle step, tried in order; the first one the issue offers is taken. */
export interface TransitionNames {
  resolve: readonly string[];
  reopen: readonly string[];
  acknowledge: readonly string[];
}

/** Everything the Jira connector needs, resolved from a valid `jira` block with its defaults applied. */
export interface JiraSettings {
  deployment: JiraDeployment;
  /** Site URL without a trailing slash (includes a context path such as /jira on Server). */
  baseUrl: string;
  auth: JiraAuth;
  projectKey: string;
  issueType: string;
  bySeverity: Partial<Record<Severity, IssueTarget>>;
  /** Jira priority name per severity; null sends no priority (projects whose screens lack the field). */
  priorities: Record<Severity, string> | null;
  labels: readonly string[];
  components: readonly string[];
  assignee: AssigneeRule;
  customFields: Record<string, CustomFieldValue>;
  /** Custom field an investigation's asserted root cause is written to; null writes none. */
  rootCauseField?: string | null;
  transitions: TransitionNames;
  templates: TicketTemplates;
}

export const DEFAULT_PRIORITIES: Readonly<Record<Severity, string>> = {
  critical: "Highest",
  high: "High",
  medium: "Medium",
  low: "Low",
  info: "Lowest",
};

export const DEFAULT_ISSUE_TYPE = "Bug";

export const DEFAULT_TRANSITIONS: TransitionNames = { resolve: ["Done"], reopen: ["Reopen"], acknowledge: [] };
