import type { DestinationCatalog } from "../connectors/catalog-destinations.ts";
import { destinationCatalog } from "../connectors/registry.ts";
import type { PlatformDestinations } from "../core/enrichment.ts";
import type { FieldProblem } from "../core/errors.ts";
import type { KubernetesWorkload } from "./catalog.ts";
import { type CatalogServiceInput, catalogServiceSchemaFor } from "./catalog-schema.ts";

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
  metrics?: { name: string; query: string; direction: "up" | "down" | "both" }[];
  kubernetes?: KubernetesWorkload;
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
  destinations: DestinationCatalog = destinationCatalog,
): EntryDraft | null {
  const parsed = catalogServiceSchemaFor(destinations).safeParse(input);
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
    destinations: destinations.fromEntry(value),
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
  if (value.metrics !== undefined) draft.metrics = value.metrics;
  if (value.kubernetes !== undefined) draft.kubernetes = value.kubernetes;
  return draft;
}

/** A zod path as `.jira.projectKey` or `.dashboards[0].url`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const part of path) text += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
  return text;
}
