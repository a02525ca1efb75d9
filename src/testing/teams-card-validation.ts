// Test support (not used at run time): validates Workflows messages and their cards against the
// published Adaptive Card 1.5 schema and the derived envelope schema in ../shared/specs/msteams.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { ValidateFunction } from "ajv";
import { locateSpec, type SpecLocation } from "./specs.ts";

const require = createRequire(import.meta.url);

/** Where the two schemas are, or why the checks are skipped. */
export const CARD_SCHEMA: SpecLocation = locateSpec("msteams/adaptive-card-1.5.0.schema.json");
export const MESSAGE_SCHEMA: SpecLocation = locateSpec("msteams/teams-workflows-webhook-message.derived.schema.json");

/** Checks one posted body; returns what is wrong with it (empty when Teams would accept it). */
export type MessageValidator = (message: unknown) => string[];

/** Builds the validator; only call it when neither schema location is skipped. */
export function messageValidator(): MessageValidator {
  // ajv is CommonJS; its draft-06 meta-schema ships with it. The card schema is draft-06 with a
  // draft-04 style "id" and "version" annotations, which strict mode would refuse as unknown keywords.
  const Ajv = require("ajv").default as typeof import("ajv").default;
  const draft6 = require("ajv/dist/refs/json-schema-draft-06.json") as object;
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  ajv.addMetaSchema(draft6);
  (require("ajv-formats").default as (ajv: unknown) => void)(ajv);
  const { id, ...cardSchema } = JSON.parse(readFileSync(CARD_SCHEMA.path, "utf8")) as { id?: string };
  // ajv 8 knows only "$id"; the file's draft-04 style "id" names the same thing.
  const card = compile(ajv.compile({ ...cardSchema, $id: id }), "card");
  const envelope = compile(ajv.compile(JSON.parse(readFileSync(MESSAGE_SCHEMA.path, "utf8")) as object), "message");
  return (message) => {
    const problems = envelope(message);
    const attachments = (message as { attachments?: { content?: unknown }[] } | null)?.attachments;
    if (Array.isArray(attachments)) {
      for (const [i, attachment] of attachments.entries()) {
        problems.push(...card(attachment?.content).map((p) => `attachments[${i}] ${p}`));
      }
    }
    return problems;
  };
}

function compile(validate: ValidateFunction, label: string): (value: unknown) => string[] {
  return (value) =>
    validate(value) ? [] : (validate.errors ?? []).map((e) => `${label}${e.instancePath || "/"} ${e.message ?? "invalid"}`);
}
