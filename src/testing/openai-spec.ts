// Test support: checks chat completion requests (and the scripted answers) against OpenAI's own API description
// in ../shared/specs/openai, so what Sluice sends an OpenAI-compatible server is what that API accepts.
import { readFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { locateSpec, type SpecLocation } from "./specs.ts";

export const OPENAI_SPEC: SpecLocation = locateSpec("openai/openai-chat-completions.derived.prism-patched.json");

const validators = new Map<string, ValidateFunction>();

/**
 * Problems of `value` against one schema of the description's components (CreateChatCompletionRequest,
 * CreateChatCompletionResponse); empty when it conforms. OpenAPI 3.1 schemas are JSON Schema 2020-12; the
 * OpenAPI-only keywords (discriminator, x-…) are ignored.
 */
export function openAiProblems(schema: "CreateChatCompletionRequest" | "CreateChatCompletionResponse", value: unknown): string[] {
  let validate = validators.get(schema);
  if (!validate) {
    const spec = JSON.parse(readFileSync(OPENAI_SPEC.path, "utf8")) as { components: Record<string, unknown> };
    const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: false });
    validate = ajv.compile({ $ref: `#/components/schemas/${schema}`, components: spec.components });
    validators.set(schema, validate);
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message ?? "is invalid"}`);
}
