import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { FieldProblem } from "../core/errors.ts";

/** Where the Helm chart mounts its Secret as files; `SLUICE_SECRETS_DIR` moves it. */
export const DEFAULT_SECRETS_DIR = "/etc/sluice-secrets";

interface PlatformCredentials {
  /** Alternative credential sets; the first whose every field is found is used. */
  sets: readonly (readonly string[])[];
  /** Whether an enabled platform works without any set (then a missing one is a warning). */
  optional?: boolean;
}

/**
 * The credentials an enabled platform reads from the environment or the mounted Secret when its config
 * block does not set them, so values such as `pagerduty: { enabled: true }` work with the chart's
 * `existingSecret`. Each field's key in the Secret (and environment variable) is envName(platform, field).
 */
export const PLATFORM_CREDENTIALS: Readonly<Record<string, PlatformCredentials>> = {
  pagerduty: { sets: [["routingKey"]] },
  opsgenie: { sets: [["apiKey"]] },
  jsm: { sets: [["email", "apiToken"]] },
  servicenow: { sets: [["username", "password"], ["token"]] },
  // Jira accepts an enabled block without credentials (a public instance); a missing one is a warning.
  jira: { sets: [["email", "apiToken"], ["personalAccessToken"], ["username", "password"]], optional: true },
  slack: { sets: [["botToken"], ["webhookUrl"]] },
  teams: { sets: [["webhookUrl"]] },
  zammad: { sets: [["token"], ["oauthToken"]] },
};

/** PAGERDUTY_ROUTING_KEY for (pagerduty, routingKey). */
export function envName(platform: string, field: string): string {
  return `${platform}_${field.replace(/([a-z0-9])([A-Z])/g, "$1_$2")}`.toUpperCase();
}

export interface CredentialOutcome {
  /** The document with found credentials filled in. */
  document: Record<string, unknown>;
  /** Enabled platforms with no credentials anywhere: one problem each, saying where they are expected. */
  problems: FieldProblem[];
  warnings: string[];
  /** Platforms given a problem here; the schema's own complaints about their credentials are dropped. */
  missing: Set<string>;
}

/**
 * Fills absent credentials of enabled platforms from the environment variable or the mounted Secret's
 * file named by envName; never reads them for a block that already names any credential of its own.
 */
export function fillCredentials(document: Record<string, unknown>, env: NodeJS.ProcessEnv): CredentialOutcome {
  const dir = env.SLUICE_SECRETS_DIR || DEFAULT_SECRETS_DIR;
  const out: Record<string, unknown> = { ...document };
  const problems: FieldProblem[] = [];
  const warnings: string[] = [];
  const missing = new Set<string>();
  for (const [platform, credentials] of Object.entries(PLATFORM_CREDENTIALS)) {
    const block = document[platform];
    if (!block || typeof block !== "object" || Array.isArray(block)) continue;
    const fields = block as Record<string, unknown>;
    if (fields.enabled !== true) continue;
    const all = credentials.sets.flat();
    if (all.some((field) => fields[field] !== undefined)) continue;
    const found = firstCompleteSet(platform, credentials.sets, env, dir);
    if (found) {
      out[platform] = { ...fields, ...found };
      continue;
    }
    const where = expectedAt(platform, credentials.sets, dir);
    if (credentials.optional) {
      warnings.push(`${platform} is enabled without credentials (requests go unauthenticated); ${where}`);
    } else {
      missing.add(platform);
      problems.push({
        path: `${platform}.${credentials.sets[0]?.[0]}`,
        message: `${platform} is enabled but has no credentials; ${where}`,
      });
    }
  }
  return { document: out, problems, warnings, missing };
}

function firstCompleteSet(
  platform: string,
  sets: readonly (readonly string[])[],
  env: NodeJS.ProcessEnv,
  dir: string,
): Record<string, string> | null {
  for (const set of sets) {
    const values: Record<string, string> = {};
    for (const field of set) {
      const value = lookup(envName(platform, field), env, dir);
      if (value === undefined) break;
      values[field] = value;
    }
    if (Object.keys(values).length === set.length) return values;
  }
  return null;
}

function lookup(name: string, env: NodeJS.ProcessEnv, dir: string): string | undefined {
  const fromEnv = env[name];
  if (fromEnv) return fromEnv;
  try {
    const text = readFileSync(join(dir, name), "utf8").trim();
    return text || undefined;
  } catch {
    // Absent or unreadable: the next source (or the problem naming both) follows.
    return undefined;
  }
}

function expectedAt(platform: string, sets: readonly (readonly string[])[], dir: string): string {
  const options = sets.map((set) => set.map((field) => `${field} (${envName(platform, field)})`).join(" + "));
  const names = sets.flat().map((field) => envName(platform, field));
  return (
    `set ${options.join(", or ")} in the config, or provide ${names.length > 1 ? "them" : "it"} as environment ` +
    `variable${names.length > 1 ? "s" : ""} or file${names.length > 1 ? "s" : ""} in ${dir}/ with ` +
    `${names.length > 1 ? "those names" : "that name"} (the Helm chart provides both from its existingSecret)`
  );
}
