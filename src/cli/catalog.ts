import { type CatalogEntry, normalizeName } from "../catalog/catalog.ts";
import { type CatalogLoad, loadCatalog } from "../catalog/load-catalog.ts";
import { loadConfig } from "../config/loader.ts";
import type { SluiceConfig } from "../config/schema.ts";
import { destinationCatalog } from "../connectors/registry.ts";
import type { FieldProblem } from "../core/errors.ts";
import { printError } from "./print-problems.ts";

export interface CatalogCommandOptions {
  config?: string | undefined;
  json?: boolean | undefined;
  /** Show only this service (name or alias). */
  service?: string | undefined;
}

/** `sluice catalog`: loads the configured catalog, prints its entries and every problem; 1 on problems. */
export async function catalogCommand(options: CatalogCommandOptions): Promise<number> {
  let config: SluiceConfig;
  try {
    config = loadConfig(options.config).config;
  } catch (error) {
    printError(error);
    return 1;
  }
  if (!config.catalog) {
    process.stdout.write("no service catalog configured (add a `catalog:` block with files or backstage paths)\n");
    return 0;
  }
  const loaded = loadCatalog(config.catalog);
  let entries = loaded.catalog.entries;
  if (options.service) {
    const found = loaded.catalog.lookup(options.service);
    entries = found ? [found] : [];
    if (!found) process.stderr.write(`no catalog entry for "${options.service}"\n`);
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ entries: entries.map(safeEntry), problems: loaded.problems }, null, 2)}\n`);
  } else {
    for (const entry of entries) process.stdout.write(describeEntry(entry));
    process.stdout.write(summary(loaded));
  }
  printCatalogProblems(loaded.problems);
  return loaded.problems.length > 0 || (options.service !== undefined && entries.length === 0) ? 1 : 0;
}

/** Writes catalog problems the way check-config writes config problems. */
export function printCatalogProblems(problems: readonly FieldProblem[]): void {
  if (problems.length === 0) return;
  process.stderr.write(`error: ${problems.length} problem(s) in the service catalog\n`);
  for (const problem of problems) process.stderr.write(`  ${problem.path}: ${problem.message}\n`);
}

// Routing keys are secrets: output says that one is set, never which (each connector names its secrets).
function safeEntry(entry: CatalogEntry): CatalogEntry {
  return { ...entry, destinations: destinationCatalog.mask(entry.destinations) };
}

function describeEntry(entry: CatalogEntry): string {
  const lines = [`${entry.service}${entry.aliases.length ? ` (also: ${entry.aliases.join(", ")})` : ""}`];
  lines.push(
    `  team: ${entry.team}${entry.tier ? `, tier ${entry.tier}` : ""}${entry.escalation ? `, escalation ${entry.escalation}` : ""}`,
  );
  if (entry.runbook) lines.push(`  runbook: ${entry.runbook}`);
  for (const dashboard of entry.dashboards) lines.push(`  dashboard: ${dashboard.title} ${dashboard.url}`);
  const targets = destinationCatalog.describe(entry.destinations);
  if (targets.length) lines.push(`  destinations: ${targets.join("; ")}`);
  if (entry.dependsOn.length) lines.push(`  depends on: ${entry.dependsOn.join(", ")}`);
  lines.push(`  from: ${entry.sources.join(" over ")}`);
  return `${lines.join("\n")}\n`;
}

function summary(loaded: CatalogLoad): string {
  const teams = new Set(loaded.catalog.entries.map((entry) => normalizeName(entry.team)));
  return `${loaded.catalog.size} service(s) of ${teams.size} team(s) from ${loaded.files.length} file(s); ${loaded.problems.length} problem(s)\n`;
}
