import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { resolveReferences } from "../config/references.ts";
import type { DestinationCatalog } from "../connectors/catalog-destinations.ts";
import { destinationCatalog } from "../connectors/registry.ts";
import type { PlatformDestinations } from "../core/enrichment.ts";
import type { FieldProblem } from "../core/errors.ts";
import { parseBackstage } from "./backstage.ts";
import { type CatalogEntry, normalizeName, ServiceCatalog } from "./catalog.ts";
import { draftFromInput, type EntryDraft } from "./entry-draft.ts";

/** Where the catalog comes from, as the `catalog` config block names it. */
export interface CatalogSettings {
  /** Sluice catalog YAML files. */
  files: readonly string[];
  /** Backstage catalog-info.yaml files, or directories searched for them. */
  backstage: readonly string[];
}

/** A catalog as loaded: every valid entry, and every problem with its file, entry and field. */
export interface CatalogLoad {
  catalog: ServiceCatalog;
  problems: FieldProblem[];
  /** Every file read, to watch for changes. */
  files: string[];
}

const BACKSTAGE_FILE = /^catalog-info\.ya?ml$/;
const SKIPPED_DIRECTORIES = new Set(["node_modules", ".git"]);

/** Reads every configured file; `${ENV}` and `${file:…}` references are resolved in Sluice catalog files. */
export function loadCatalog(
  settings: CatalogSettings,
  env: NodeJS.ProcessEnv = process.env,
  baseDir = process.cwd(),
  destinations: DestinationCatalog = destinationCatalog,
): CatalogLoad {
  const problems: FieldProblem[] = [];
  const files: string[] = [];
  const sluice: EntryDraft[] = [];
  for (const path of settings.files) {
    const file = resolve(baseDir, path);
    files.push(file);
    const text = readText(file, problems);
    if (text !== undefined) sluice.push(...parseSluiceCatalog(text, file, env, problems, destinations));
  }
  const backstage: EntryDraft[] = [];
  for (const path of settings.backstage) {
    for (const file of backstageFiles(resolve(baseDir, path), problems)) {
      files.push(file);
      const text = readText(file, problems);
      if (text !== undefined) backstage.push(...parseBackstage(text, file, problems, destinations));
    }
  }
  const entries = merge(unique(sluice, problems), unique(backstage, problems));
  checkAliases(entries, problems);
  return { catalog: new ServiceCatalog(entries), problems, files };
}

/** Parses one Sluice catalog file: a list of services, bare or under `services:`. */
export function parseSluiceCatalog(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv,
  problems: FieldProblem[],
  destinations: DestinationCatalog = destinationCatalog,
): EntryDraft[] {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    const message = error instanceof Error ? (error.message.split("\n")[0] ?? "parse error") : "parse error";
    problems.push({ path: file, message: `not valid YAML (${message})` });
    return [];
  }
  if (document === null || document === undefined) return [];
  const list = Array.isArray(document)
    ? document
    : document && typeof document === "object" && Array.isArray((document as { services?: unknown }).services)
      ? ((document as { services: unknown[] }).services as unknown[])
      : undefined;
  if (!list) {
    problems.push({ path: file, message: "expected a list of services (or an object with a `services:` list)" });
    return [];
  }
  const drafts: EntryDraft[] = [];
  list.forEach((item, index) => {
    const name = item && typeof item === "object" && typeof (item as { service?: unknown }).service === "string";
    const label = `${file}: services[${index}]${name ? ` (${(item as { service: string }).service})` : ""}`;
    const referenceProblems: FieldProblem[] = [];
    const resolved = resolveReferences(item, env, dirname(file), referenceProblems);
    for (const problem of referenceProblems) problems.push({ path: `${label}.${problem.path}`, message: problem.message });
    if (referenceProblems.length > 0) return;
    const draft = draftFromInput(resolved, { source: file, label }, problems, destinations);
    if (draft) drafts.push(draft);
  });
  return drafts;
}

/** The files a load would read, without reading them (to notice edits, new and removed files). */
export function catalogFiles(settings: CatalogSettings, baseDir = process.cwd()): string[] {
  const ignored: FieldProblem[] = [];
  return [
    ...settings.files.map((path) => resolve(baseDir, path)),
    ...settings.backstage.flatMap((path) => backstageFiles(resolve(baseDir, path), ignored)),
  ];
}

function readText(file: string, problems: FieldProblem[]): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    problems.push({ path: file, message: `cannot read catalog file (${(error as NodeJS.ErrnoException).code ?? "unreadable"})` });
    return undefined;
  }
}

function backstageFiles(path: string, problems: FieldProblem[]): string[] {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (error) {
    problems.push({
      path,
      message: `cannot read Backstage catalog path (${(error as NodeJS.ErrnoException).code ?? "unreadable"})`,
    });
    return [];
  }
  if (!isDirectory) return [path];
  const found: string[] = [];
  const walk = (directory: string) => {
    for (const item of readdirSync(directory, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(directory, item.name);
      if (item.isDirectory() && !SKIPPED_DIRECTORIES.has(item.name)) walk(full);
      else if (item.isFile() && BACKSTAGE_FILE.test(basename(full))) found.push(full);
    }
  };
  walk(path);
  return found;
}

// Within one kind of source a service named twice is a mistake; the first stays.
function unique(drafts: EntryDraft[], problems: FieldProblem[]): EntryDraft[] {
  const seen = new Map<string, EntryDraft>();
  for (const draft of drafts) {
    const key = normalizeName(draft.service);
    const first = seen.get(key);
    if (first) {
      problems.push({ path: `${draft.label}.service`, message: `"${draft.service}" is already defined by ${first.label}` });
      continue;
    }
    seen.set(key, draft);
  }
  return [...seen.values()];
}

/** Sluice files win over Backstage per field; a service only one side names comes through as it is. */
function merge(sluice: EntryDraft[], backstage: EntryDraft[]): CatalogEntry[] {
  const fromBackstage = new Map(backstage.map((draft) => [normalizeName(draft.service), draft]));
  const entries: CatalogEntry[] = [];
  for (const draft of sluice) {
    const names = [draft.service, ...draft.aliases].map(normalizeName);
    const key = names.find((name) => fromBackstage.has(name));
    const other = key === undefined ? undefined : fromBackstage.get(key);
    if (key !== undefined) fromBackstage.delete(key);
    entries.push(other ? toEntry(draft, other) : toEntry(draft));
  }
  for (const draft of fromBackstage.values()) entries.push(toEntry(draft));
  return entries;
}

function toEntry(primary: EntryDraft, secondary?: EntryDraft): CatalogEntry {
  const pick = <K extends keyof EntryDraft>(key: K): EntryDraft[K] | undefined => primary[key] ?? secondary?.[key];
  const aliases = [...new Set([...primary.aliases, ...(secondary?.aliases ?? [])])].filter(
    (alias) => normalizeName(alias) !== normalizeName(primary.service),
  );
  if (secondary && normalizeName(secondary.service) !== normalizeName(primary.service)) aliases.push(secondary.service);
  return {
    service: primary.service,
    aliases,
    team: pick("team") ?? "",
    tier: pick("tier") ?? null,
    description: pick("description") ?? null,
    runbook: pick("runbook") ?? null,
    dashboards: pick("dashboards") ?? [],
    escalation: pick("escalation") ?? null,
    dependsOn: pick("dependsOn") ?? [],
    metrics: pick("metrics") ?? null,
    kubernetes: pick("kubernetes") ?? null,
    lifecycle: pick("lifecycle") ?? null,
    system: pick("system") ?? null,
    destinations: mergeDestinations(primary.destinations, secondary?.destinations ?? {}),
    sources: secondary ? [primary.source, secondary.source] : [primary.source],
  };
}

/** Per platform, the primary source's values over the secondary's (a Sluice file's group over Backstage's CI). */
function mergeDestinations(primary: PlatformDestinations, secondary: PlatformDestinations): PlatformDestinations {
  const merged: PlatformDestinations = { ...secondary };
  for (const [platform, fields] of Object.entries(primary)) merged[platform] = { ...secondary[platform], ...fields };
  return merged;
}

function checkAliases(entries: CatalogEntry[], problems: FieldProblem[]): void {
  const owner = new Map<string, string>();
  for (const entry of entries) owner.set(normalizeName(entry.service), entry.service);
  for (const entry of entries) {
    for (const alias of entry.aliases) {
      const key = normalizeName(alias);
      const taken = owner.get(key);
      if (taken !== undefined && taken !== entry.service) {
        problems.push({
          path: `${entry.sources[0] ?? "catalog"}: ${entry.service}.aliases`,
          message: `alias "${alias}" is already the name or an alias of service "${taken}"`,
        });
      } else owner.set(key, entry.service);
    }
  }
}
