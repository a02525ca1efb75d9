// Test support: checks ADF documents against Atlassian's own ADF JSON Schema from ../shared/specs,
// because the Jira v3 API description leaves descriptions and comment bodies untyped.
import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import { locateSpec, type SpecLocation } from "./specs.ts";

export const ADF_SCHEMA: SpecLocation = locateSpec("jira/adf-schema-v1-full.json");

let validate: ValidateFunction | null = null;

/**
 * The schema is draft-04, which Ajv 8 does not load; it uses none of the keywords whose meaning
 * changed after draft-04 (boolean exclusiveMinimum/Maximum, `id`), so it is compiled as draft-07
 * with only its `$schema` marker removed. adf-schema.test.ts asserts that premise.
 */
export function adfProblems(document: unknown): string[] {
  if (!validate) {
    const schema = JSON.parse(readFileSync(ADF_SCHEMA.path, "utf8")) as Record<string, unknown>;
    const { $schema: _draft04, ...rest } = schema;
    validate = new Ajv({ strict: false, allErrors: false }).compile(rest);
  }
  if (validate(document)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message ?? "is invalid"}`);
}

/** The raw schema text, for checks of the premise above. */
export function adfSchemaText(): string {
  return readFileSync(ADF_SCHEMA.path, "utf8");
}
