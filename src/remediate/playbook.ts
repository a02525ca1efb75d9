import type { PlaybookConfig, PlaybookMode } from "../config/remediation-config.ts";
import type { Incident } from "../core/incident.ts";
import { matches } from "../core/matcher.ts";
import type { Guardrails } from "../core/remediation.ts";
import type { ActionIncident, RemediationAction } from "./actions/action.ts";
import { type ActionDeps, createAction } from "./actions/registry.ts";

/** A configured playbook with its actions built: what the engine runs. */
export interface Playbook {
  name: string;
  config: PlaybookConfig;
  action: RemediationAction;
  rollback: RemediationAction | null;
  /** How long the action may take (its own `timeout`, else a minute): the execution lease covers it. */
  actionTimeout: number;
}

const DEFAULT_ACTION_TIMEOUT = 60_000;

export function compilePlaybook(config: PlaybookConfig, deps: ActionDeps): Playbook {
  const timeout = (config.action as { timeout?: unknown }).timeout;
  return {
    name: config.name,
    config,
    action: createAction(config.action, deps),
    rollback: config.rollback ? createAction(config.rollback, deps) : null,
    actionTimeout: typeof timeout === "number" ? timeout : DEFAULT_ACTION_TIMEOUT,
  };
}

/** The playbook's mode in the environment: its own entry, else '*', else off. */
export function modeFor(playbook: Playbook, environment: string): PlaybookMode {
  return playbook.config.mode[environment] ?? playbook.config.mode["*"] ?? "off";
}

const globs = new Map<string, RegExp>();
function glob(pattern: string): RegExp {
  let compiled = globs.get(pattern);
  if (!compiled) {
    compiled = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "s");
    globs.set(pattern, compiled);
  }
  return compiled;
}

/** Routing's matcher over the incident (labels of its latest signal), plus its error pattern. */
export function playbookMatches(playbook: Playbook, incident: Incident, labels: Record<string, string>): boolean {
  const { pattern, patternId, ...matcher } = playbook.config.match;
  const owner = incident.context.owner;
  const facts = {
    service: incident.service,
    environment: incident.environment,
    tenant: incident.tenant,
    severity: incident.severity,
    team: owner?.team,
    tier: owner?.tier ?? undefined,
    labels,
  };
  if (!matches(matcher, facts)) return false;
  if (pattern !== undefined && !glob(pattern).test(incident.errorPattern)) return false;
  if (patternId !== undefined && incident.patternId !== patternId) return false;
  return true;
}

/** The first playbook that matches and is not off in the incident's environment. */
export function choosePlaybook(
  playbooks: readonly Playbook[],
  incident: Incident,
  labels: Record<string, string>,
): { playbook: Playbook; mode: Exclude<PlaybookMode, "off"> } | null {
  for (const playbook of playbooks) {
    const mode = modeFor(playbook, incident.environment);
    if (mode !== "off" && playbookMatches(playbook, incident, labels)) return { playbook, mode };
  }
  return null;
}

export function guardrailsOf(playbook: Playbook, paused: boolean): Guardrails {
  const c = playbook.config;
  return {
    paused,
    cooldownMs: c.cooldown,
    windowMs: c.window,
    maxRuns: c.maxRuns,
    maxRunsPerService: c.maxRunsPerService,
    maxTargets: c.maxTargets,
  };
}

/** What actions may read of the incident: its matcher fields. */
export function actionIncident(incident: Incident, labels: Record<string, string>): ActionIncident {
  const { id, key, service, environment, severity } = incident;
  return { id, key, service, environment, severity, labels: { ...labels } };
}
