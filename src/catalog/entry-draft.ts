import type { PlatformDestinations } from "../core/enrichment.ts";
import type { FieldProblem } from "../core/errors.ts";
import { type CatalogServiceInput, catalogServiceSchema } from "./catalog-schema.ts";

/** One source's view of a service, before Sluice files and Backstage entities are merged. */
export interface EntryDraft {
  service: string;
  aliases: string[];
  team?: string;
  tier?: string;
  description?: string;
  runbook?: string;
  dashboards?: { title: string; url: string }[];
  escalation?: string;
  dependsOn?: string[];
  lifecycle?: string;
  system?: string;
  destinations: PlatformDestinations;
  source: string;
  /** How problems name this entry: file and position. */
  label: string;
}

/**
 * Validates one service written in the Sluice shape. Only fields the author wrote go into the draft,
 * so a schema default (an empty list) never hides what a lower-precedence source says.
 */
export function draftFromInput(
  input: unknown,
  meta: { source: string; label: string; extra?: Pick<EntryDraft, "lifecycle" | "system"> },
  problems: FieldProblem[],
): EntryDraft | null {
  const parsed = catalogServiceSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push({ path: `${meta.label}${fieldPath(issue.path)}`, message: issue.message });
    }
    return null;
  }
  const written = new Set(input && typeof input === "object" ? Object.keys(input) : []);
  const value: CatalogServiceInput = parsed.data;
  const draft: EntryDraft = {
    service: value.service,
    aliases: value.aliases,
    destinations: destinationsOf(value),
    source: meta.source,
    label: meta.label,
    ...meta.extra,
  };
  draft.team = value.team;
  if (value.tier !== undefined) draft.tier = value.tier;
  if (value.description !== undefined) draft.description = value.description;
  if (value.runbook !== undefined) draft.runbook = value.runbook;
  if (written.has("dashboards")) draft.dashboards = value.dashboards;
  if (value.escalation !== undefined) draft.escalation = value.escalation;
  if (written.has("dependsOn")) draft.dependsOn = value.dependsOn;
  return draft;
}

function destinationsOf(value: CatalogServiceInput): PlatformDestinations {
  const destinations: PlatformDestinations = {};
  if (value.jira) destinations.jira = { projectKey: value.jira.projectKey };
  if (value.servicenow) {
    const { assignmentGroup, configurationItem } = value.servicenow;
    destinations.servicenow = {
      ...(assignmentGroup ? { assignmentGroup } : {}),
      ...(configurationItem ? { configurationItem } : {}),
    };
  }
  if (value.opsgenie) destinations.opsgenie = { team: value.opsgenie.team };
  if (value.jsm) destinations.jsm = { team: value.jsm.team };
  if (value.slackChannel) destinations.slack = { channel: value.slackChannel };
  if (value.pagerduty) destinations.pagerduty = { routingKey: value.pagerduty.routingKey };
  if (value.zammad) destinations.zammad = { group: value.zammad.group };
  return destinations;
}

/** A zod path as `.jira.projectKey` or `.dashboards[0].url`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const part of path) text += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
  return text;
}
