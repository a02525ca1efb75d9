import { z } from "zod";
import { DEFAULT_SECRETS_DIR, envName, PLATFORM_CREDENTIALS } from "./credential-sources.ts";
import { configFileSchema } from "./schema.ts";

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  additionalProperties?: JsonSchema | boolean;
}

const CREDENTIAL_ROWS = Object.entries(PLATFORM_CREDENTIALS)
  .map(([platform, { sets }]) => {
    const alternatives = sets.map((set) => set.map((field) => `\`${field}\` (\`${envName(platform, field)}\`)`).join(" + "));
    return `| \`${platform}\` | ${alternatives.join(" or ")} |`;
  })
  .join("\n");

const HEADER = `# Configuration reference

Generated from the schema in \`src/config/\` by \`npm run config-reference\`; a test fails when it is stale.

Sluice reads one YAML or JSON file (\`sluice serve --config FILE\`, or \`$SLUICE_CONFIG\`); with no file it runs on the
defaults below. Unknown keys are errors. Any string may reference \`\${ENV_VAR}\`, \`\${ENV_VAR:-default}\` or
\`\${file:/path/to/secret}\` (relative to the config file). Durations are written \`30s\`, \`15m\`, \`2h\` or as
milliseconds. Helm values of the form \`config: {...}\` are accepted as they are (the chart's other values beside
\`config\` are left to the chart), and so are an umbrella chart's values that wrap them in the chart's name
(\`logclaw-ticketing-agent:\` or \`sluice:\`). \`sluice check-config FILE\` lists every problem with its path.

Routing to a platform that is not enabled is a warning, not an error, so files written for the ticketing
agent load unchanged; \`check-config\` prints those warnings.

## Credentials

An enabled platform whose block sets none of its credentials reads them from the environment variable of
the name below or, failing that, from the file of that name in \`$SLUICE_SECRETS_DIR\` (default
\`${DEFAULT_SECRETS_DIR}\`). The Helm chart provides both from the Kubernetes Secret \`existingSecret\`
(optionally synced from AWS Secrets Manager, GCP Secret Manager, Vault or Azure Key Vault by an \`ExternalSecret\`),
so \`pagerduty: { enabled: true }\` is enough in its values. The first alternative found whole is used; an enabled
platform with none is a problem naming these places (for Jira, which can run unauthenticated, a warning).

| platform | credentials (environment variable / file), alternatives separated by "or" |
| --- | --- |
${CREDENTIAL_ROWS}

## Keys

| key | type | default | description |
| --- | --- | --- | --- |
`;

function typeOf(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((v) => `\`${String(v)}\``).join(" \\| ");
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return [...new Set(alternatives.map(typeOf))].join(" \\| ");
  if (schema.type === "array") return `list of ${schema.items ? typeOf(schema.items) : "any"}`;
  if (Array.isArray(schema.type)) return schema.type.join(" \\| ");
  if (schema.type === "object" && schema.additionalProperties && typeof schema.additionalProperties === "object") return "map";
  return schema.type ?? "any";
}

function rows(schema: JsonSchema, path: string, out: string[]): void {
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const here = path ? `${path}.${key}` : key;
    const objectChild = (child.anyOf ?? [child]).find((c) => c.properties);
    const defaultText =
      child.default === undefined || (typeof child.default === "object" && !Array.isArray(child.default))
        ? ""
        : `\`${JSON.stringify(child.default)}\``;
    if (objectChild?.properties && child.type !== "array") {
      out.push(`| \`${here}\` | object | | ${child.description ?? objectChild.description ?? ""} |`);
      rows(objectChild, here, out);
      continue;
    }
    if (child.type === "array" && child.items?.properties) {
      out.push(`| \`${here}\` | list | ${defaultText} | ${child.description ?? ""} |`);
      rows(child.items, `${here}[]`, out);
      continue;
    }
    out.push(`| \`${here}\` | ${typeOf(child)} | ${defaultText} | ${(child.description ?? "").replace(/\|/g, "\\|")} |`);
  }
}

/** The configuration reference as Markdown. */
export function renderConfigReference(): string {
  const schema = z.toJSONSchema(configFileSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const out: string[] = [];
  rows(schema, "", out);
  return `${HEADER}${out.join("\n")}\n`;
}
