import { ownValue } from "./own.ts";
import type { Severity } from "./signal.ts";

/** A matcher as written in config: every given field must match; a list matches any of its values. */
export interface Matcher {
  service?: string | string[];
  team?: string | string[];
  /** The owner's tier from the service catalog. */
  tier?: string | string[];
  environment?: string | string[];
  tenant?: string | string[];
  severity?: Severity | Severity[];
  labels?: Record<string, string>;
}

/** The facts about a signal or incident that matchers look at. */
export interface MatchFacts {
  service: string;
  environment: string;
  tenant: string;
  severity: Severity;
  team?: string | undefined;
  tier?: string | undefined;
  labels: Record<string, string>;
}

const globCache = new Map<string, RegExp>();

function glob(pattern: string): RegExp {
  let compiled = globCache.get(pattern);
  if (!compiled) {
    const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
    compiled = new RegExp(`^${escaped}$`);
    globCache.set(pattern, compiled);
  }
  return compiled;
}

function valueMatches(expected: string | string[] | undefined, actual: string | undefined): boolean {
  if (expected === undefined) return true;
  if (actual === undefined) return false;
  const options = Array.isArray(expected) ? expected : [expected];
  return options.some((option) => (option.includes("*") ? glob(option).test(actual) : option === actual));
}

export function matches(matcher: Matcher, facts: MatchFacts): boolean {
  if (!valueMatches(matcher.service, facts.service)) return false;
  if (!valueMatches(matcher.environment, facts.environment)) return false;
  if (!valueMatches(matcher.tenant, facts.tenant)) return false;
  if (!valueMatches(matcher.team, facts.team ?? facts.labels.team)) return false;
  if (!valueMatches(matcher.tier, facts.tier ?? facts.labels.tier)) return false;
  if (!valueMatches(matcher.severity, facts.severity)) return false;
  for (const [name, expected] of Object.entries(matcher.labels ?? {})) {
    if (!valueMatches(expected, ownValue(facts.labels, name))) return false;
  }
  return true;
}
