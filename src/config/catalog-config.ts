import { z } from "zod";
import { durationField } from "./duration-field.ts";

/** The `catalog` config block: where the service catalog lives and how often to look for edits. */
export const catalogConfigSchema = z
  .strictObject({
    files: z
      .array(z.string().min(1))
      .default([])
      .describe(
        "Sluice catalog YAML files (a list of services; see docs/catalog.md). Relative paths start at the working directory.",
      ),
    backstage: z
      .array(z.string().min(1))
      .default([])
      .describe("Backstage catalog-info.yaml files, or directories searched for them; Sluice files win per field."),
    reloadInterval: durationField(
      "How often to check the files for edits (default 30s; 0 turns reloading off). A broken edit keeps the last good catalog.",
    ).default(30_000),
  })
  .describe("Service catalog: owner, tier, runbook and per-platform destinations of each service; ownership drives routing.");

/** The validated `catalog` block. */
export type CatalogConfig = z.infer<typeof catalogConfigSchema>;
