import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import type { ConnectorFactory } from "../connectors/connector.ts";
import { connectorFactories } from "../connectors/registry.ts";
import { type FieldProblem, SluiceError } from "../core/errors.ts";
import { SEVERITIES } from "../core/signal.ts";
import { fillCredentials, PLATFORM_CREDENTIALS } from "./credential-sources.ts";
import { resolveReferences } from "./references.ts";
import { configFileSchema, PLATFORM_NAMES, type SluiceConfig } from "./schema.ts";

export interface LoadedConfig {
  config: SluiceConfig;
  /** Things that work but probably are not what the user meant. */
  warnings: string[];
  /** Where the config came from: a path, or "defaults". */
  source: string;
}

/** Loads, resolves and validates a config file (or the defaults); throws CONFIG_INVALID listing every problem. */
export function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  if (!path) return parseConfig({}, env, process.cwd(), "defaults");
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new SluiceError("CONFIG_INVALID", `cannot read config file ${file} (${code})`, { cause: error });
  }
  let document: unknown;
  try {
    document = parseYaml(text) ?? {};
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new SluiceError("CONFIG_INVALID", `config file ${file} is neither valid YAML nor JSON`, {
      problems: [{ path: "(file)", message: message ?? "parse error" }],
      cause: error,
    });
  }
  return parseConfig(document, env, dirname(file), file);
}

/** Validates an already-parsed document; `baseDir` anchors ${file:...} references. */
export function parseConfig(document: unknown, env: NodeJS.ProcessEnv, baseDir: string, source: string): LoadedConfig {
  const problems: FieldProblem[] = [];
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    throw new SluiceError("CONFIG_INVALID", "config must be an object at the top level", {
      problems: [{ path: "(root)", message: "expected an object" }],
    });
  }
  const unwrapped = unwrapHelmValues(document as Record<string, unknown>);
  const resolved = resolveReferences(unwrapped, env, baseDir, problems) as Record<string, unknown>;
  const credentials = fillCredentials(resolved, env);
  problems.push(...credentials.problems);
  const parsed = configFileSchema.safeParse(credentials.document);
  if (!parsed.success) {
    // A platform already reported as lacking credentials needs no second, vaguer problem about them.
    const repeated = (problem: FieldProblem) => {
      const [platform, field] = problem.path.split(".");
      if (!platform || !credentials.missing.has(platform)) return false;
      return field === undefined || (PLATFORM_CREDENTIALS[platform]?.sets.flat() ?? []).includes(field);
    };
    problems.push(...zodProblems(parsed.error).filter((problem) => !repeated(problem)));
  }
  if (!parsed.success || problems.length > 0) {
    throw new SluiceError("CONFIG_INVALID", `${problems.length} problem(s) in config (${source})`, { problems });
  }
  const config = assemble(parsed.data as Record<string, unknown>);
  const warnings = [
    ...credentials.warnings,
    ...checkRouting(config, problems),
    ...checkRetention(config),
    ...checkPublicUrl(config),
  ];
  if (problems.length > 0) {
    throw new SluiceError("CONFIG_INVALID", `${problems.length} problem(s) in config (${source})`, { problems });
  }
  return { config: deepFreeze(config), warnings, source };
}

/** Names under which an umbrella chart's values hold this chart's (the documented LogClaw block uses the first). */
export const CHART_VALUE_KEYS = ["logclaw-ticketing-agent", "sluice"] as const;

/**
 * Helm values wrap the same document in `config:`, and an umbrella chart's values wrap those again in the
 * chart's name; accept both as written. Only `config` is Sluice's: the chart's other values (replicaCount,
 * existingSecret, ...) sit beside it and are the chart's business. A config file never has a `config` key.
 */
function unwrapHelmValues(document: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(document);
  const only = keys.length === 1 ? keys[0] : undefined;
  if (only && (CHART_VALUE_KEYS as readonly string[]).includes(only) && isObject(document[only])) {
    return unwrapHelmValues(document[only]);
  }
  return isObject(document.config) ? document.config : document;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function assemble(data: Record<string, unknown>): SluiceConfig {
  const platforms: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (PLATFORM_NAMES.includes(key)) platforms[key] = value;
    else rest[key] = value;
  }
  // A platform absent from the file gets its schema's defaults, so connectors always see a full block.
  for (const factory of connectorFactories) {
    if (platforms[factory.platform] === undefined) {
      const defaults = factory.configSchema.safeParse(undefined);
      if (defaults.success && defaults.data !== undefined) platforms[factory.platform] = defaults.data;
    }
  }
  const config = { ...rest, platforms } as SluiceConfig;
  const routing = config.routing as Record<string, unknown>;
  const hasSeverityLists = SEVERITIES.some((severity) => routing[severity] !== undefined);
  if (!hasSeverityLists && config.routing.rules.length === 0) {
    // No routing at all: keep every incident visible through the in-memory platform and the API.
    Object.assign(routing, { critical: ["memory"], high: ["memory"], medium: ["memory"], low: ["memory"] });
  }
  return config;
}

/** Retention shorter than what other settings look back over is allowed, but they then see less. */
function checkRetention(config: SluiceConfig): string[] {
  const { incidents } = config.storage.retention;
  if (incidents === 0 || !config.similar.enabled || incidents >= config.similar.lookback) return [];
  const days = (ms: number) => `${Math.round(ms / 86_400_000)}d`;
  return [
    `storage.retention.incidents: ${days(incidents)} is shorter than similar.lookback (${days(config.similar.lookback)}); similar incidents are only found among those kept`,
  ];
}

/** A server.publicUrl an enabled platform would refuse in its links: Sluice leaves them out, and says so. */
function checkPublicUrl(config: SluiceConfig): string[] {
  const { publicUrl } = config.server;
  if (!publicUrl) return [];
  const warnings: string[] = [];
  for (const factory of connectorFactories) {
    if (!factory.publicUrlProblem || !platformEnabled(config, factory.platform)) continue;
    const problem = factory.publicUrlProblem(publicUrl);
    if (problem) warnings.push(`server.publicUrl: ${publicUrl} ${problem}; use a public https URL with a domain name`);
  }
  return warnings;
}

/** Routing to an unknown platform is an error; to a known but disabled one, a warning. */
function checkRouting(config: SluiceConfig, problems: FieldProblem[]): string[] {
  const warnings: string[] = [];
  const seen = new Set<string>();
  const check = (platform: string, path: string) => {
    if (!PLATFORM_NAMES.includes(platform)) {
      problems.push({ path, message: `unknown platform "${platform}" (known: ${PLATFORM_NAMES.join(", ")})` });
      return;
    }
    if (seen.has(platform)) return;
    seen.add(platform);
    if (!platformEnabled(config, platform)) {
      warnings.push(`${path}: ${platform} is routed to but not enabled; set ${platform}.enabled: true to deliver there`);
    }
  };
  for (const severity of SEVERITIES) {
    for (const [i, platform] of (config.routing[severity] ?? []).entries()) check(platform, `routing.${severity}[${i}]`);
  }
  for (const [r, rule] of config.routing.rules.entries()) {
    for (const [i, platform] of rule.platforms.entries()) check(platform, `routing.rules[${r}].platforms[${i}]`);
  }
  for (const [p, policy] of config.escalation.policies.entries()) {
    for (const [l, level] of policy.levels.entries()) {
      const path = `escalation.policies[${p}].levels[${l}]`;
      for (const [i, platform] of level.platforms.entries()) check(platform, `${path}.platforms[${i}]`);
      for (const [i, platform] of level.team.entries()) check(platform, `${path}.team[${i}]`);
    }
  }
  return warnings;
}

export function platformEnabled(
  config: SluiceConfig,
  platform: string,
  factories: readonly ConnectorFactory[] = connectorFactories,
): boolean {
  const factory = factories.find((f) => f.platform === platform);
  const block = config.platforms[platform];
  return factory !== undefined && block !== undefined && factory.isEnabled(block);
}

function zodProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else text += text ? `.${String(part)}` : String(part);
  }
  return text || "(root)";
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
