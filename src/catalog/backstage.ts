import { parseAllDocuments } from "yaml";
import type { DestinationCatalog } from "../connectors/catalog-destinations.ts";
import { destinationCatalog } from "../connectors/registry.ts";
import type { FieldProblem } from "../core/errors.ts";
import { draftFromInput, type EntryDraft } from "./entry-draft.ts";

/**
 * Annotations Sluice reads, mapped onto its own catalog fields: each platform's come from its connector
 * (the PagerDuty, Jira and Opsgenie Backstage plugins' own, `sluice.dev/` ones where Backstage has no
 * convention); these are the rest. Each applies to Components and Resources, and to Groups as a default
 * for everything the group owns.
 */
const OWNER_ANNOTATIONS: readonly { annotation: string; field: string }[] = [
  { annotation: "sluice.dev/escalation", field: "escalation" },
  { annotation: "sluice.dev/tier", field: "tier" },
  { annotation: "sluice.dev/runbook", field: "runbook" },
];

/** Every annotation Sluice reads, with the catalog field it fills (`pagerduty.routingKey`, `tier`). */
export function backstageAnnotations(
  destinations: DestinationCatalog = destinationCatalog,
): { annotation: string; field: string }[] {
  return [...destinations.annotations(), ...OWNER_ANNOTATIONS];
}

/** Entity kinds that become catalog entries; Groups and Systems only lend owners and defaults. */
const SERVICE_KINDS = new Set(["component", "resource"]);

interface Entity {
  kind: string;
  name: string;
  metadata: Record<string, unknown>;
  spec: Record<string, unknown>;
  label: string;
}

/** Parses a Backstage catalog file (several YAML documents) into drafts; problems name file, document and field. */
export function parseBackstage(
  text: string,
  file: string,
  problems: FieldProblem[],
  destinations: DestinationCatalog = destinationCatalog,
): EntryDraft[] {
  const annotations = backstageAnnotations(destinations);
  const source = `backstage:${file}`;
  const entities: Entity[] = [];
  const documents = parseAllDocuments(text);
  documents.forEach((document, index) => {
    const where = `${file}: document ${index + 1}`;
    if (document.errors.length > 0) {
      problems.push({ path: where, message: `not valid YAML (${document.errors[0]?.message.split("\n")[0] ?? "parse error"})` });
      return;
    }
    const value: unknown = document.toJS();
    if (value === null || value === undefined) return;
    if (!isRecord(value)) {
      problems.push({ path: where, message: "expected a Backstage entity (an object with kind and metadata)" });
      return;
    }
    const metadata = isRecord(value.metadata) ? value.metadata : undefined;
    const name = typeof metadata?.name === "string" ? metadata.name.trim() : "";
    if (typeof value.kind !== "string" || !name) {
      const field = typeof value.kind !== "string" ? "kind" : "metadata.name";
      problems.push({ path: `${where}.${field}`, message: `an entity needs ${field}` });
      return;
    }
    const kind = value.kind.toLowerCase();
    entities.push({
      kind,
      name,
      metadata: metadata ?? {},
      spec: isRecord(value.spec) ? value.spec : {},
      label: `${where} (${kind}:${name})`,
    });
  });

  const groups = new Map(entities.filter((e) => e.kind === "group").map((e) => [e.name.toLowerCase(), e]));
  const systemOwners = new Map(
    entities.filter((e) => e.kind === "system").map((e) => [e.name.toLowerCase(), refName(e.spec.owner)]),
  );
  const drafts: EntryDraft[] = [];
  for (const entity of entities) {
    if (!SERVICE_KINDS.has(entity.kind)) continue;
    const system = refName(entity.spec.system);
    const team = refName(entity.spec.owner) ?? (system ? systemOwners.get(system.toLowerCase()) : undefined);
    const group = team ? groups.get(team.toLowerCase()) : undefined;
    // The group's annotations are defaults; the entity's own win.
    const input: Record<string, unknown> = group ? fromAnnotations(group.metadata, annotations) : {};
    mergeInto(input, fromAnnotations(entity.metadata, annotations));
    input.service = entity.name;
    if (team !== undefined) input.team = team;
    else
      problems.push({ path: `${entity.label}.spec.owner`, message: "no owner: set spec.owner (or spec.system with an owner)" });
    if (typeof entity.metadata.description === "string") input.description = entity.metadata.description;
    const labels = isRecord(entity.metadata.labels) ? entity.metadata.labels : {};
    if (input.tier === undefined && typeof labels.tier === "string") input.tier = labels.tier;
    const aliases = annotation(entity.metadata, "sluice.dev/aliases");
    if (aliases)
      input.aliases = aliases
        .split(",")
        .map((alias) => alias.trim())
        .filter(Boolean);
    const { runbook, dashboards } = fromLinks(entity.metadata.links);
    if (input.runbook === undefined && runbook) input.runbook = runbook;
    if (dashboards.length > 0) input.dashboards = dashboards;
    const dependsOn = Array.isArray(entity.spec.dependsOn) ? entity.spec.dependsOn.map(refName).filter(isString) : [];
    if (dependsOn.length > 0) input.dependsOn = dependsOn;
    if (team === undefined) continue;
    const lifecycle = typeof entity.spec.lifecycle === "string" ? entity.spec.lifecycle : undefined;
    const draft = draftFromInput(
      input,
      { source, label: entity.label, extra: { ...(lifecycle ? { lifecycle } : {}), ...(system ? { system } : {}) } },
      problems,
      destinations,
    );
    if (draft) drafts.push(draft);
  }
  return drafts;
}

/** `group:default/payments` → `payments`; a bare name stays as it is. */
export function refName(ref: unknown): string | undefined {
  if (typeof ref !== "string" || !ref.trim()) return undefined;
  const withoutKind = ref.includes(":") ? ref.slice(ref.indexOf(":") + 1) : ref;
  const name = withoutKind.includes("/") ? withoutKind.slice(withoutKind.lastIndexOf("/") + 1) : withoutKind;
  return name.trim() || undefined;
}

function fromAnnotations(
  metadata: Record<string, unknown>,
  annotations: readonly { annotation: string; field: string }[],
): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const { annotation: key, field } of annotations) {
    const value = annotation(metadata, key);
    if (value === undefined) continue;
    const [head = "", sub] = field.split(".");
    if (sub === undefined) {
      if (input[head] === undefined) input[head] = value;
      continue;
    }
    const block = (input[head] ?? {}) as Record<string, unknown>;
    if (block[sub] === undefined) block[sub] = value;
    input[head] = block;
  }
  return input;
}

function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    target[key] = isRecord(existing) && isRecord(value) ? { ...existing, ...value } : value;
  }
}

// Backstage links have no fixed vocabulary; `type` is the documented way to say what a link is.
function fromLinks(links: unknown): { runbook: string | undefined; dashboards: { title: string; url: string }[] } {
  let runbook: string | undefined;
  const dashboards: { title: string; url: string }[] = [];
  if (!Array.isArray(links)) return { runbook, dashboards };
  for (const link of links) {
    if (!isRecord(link) || typeof link.url !== "string") continue;
    const title = typeof link.title === "string" ? link.title : "";
    const type = typeof link.type === "string" ? link.type.toLowerCase() : "";
    const icon = typeof link.icon === "string" ? link.icon.toLowerCase() : "";
    if (runbook === undefined && (type === "runbook" || /runbook|playbook/i.test(title))) runbook = link.url;
    else if (type === "dashboard" || icon === "dashboard" || /dashboard|grafana/i.test(title)) {
      dashboards.push({ title: title || link.url, url: link.url });
    }
  }
  return { runbook, dashboards };
}

function annotation(metadata: Record<string, unknown>, key: string): string | undefined {
  const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
  const value = annotations[key];
  return typeof value === "string" && value.trim() ? value.trim() : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isString(value: string | undefined): value is string {
  return value !== undefined;
}
