import type { ActionConfig } from "../../config/remediation-action-config.ts";
import type { HttpClient } from "../../connectors/connector.ts";
import type { RemediationAction } from "./action.ts";
import { argocdAction } from "./argocd.ts";
import { githubActionsAction } from "./github-actions.ts";
import { HttpAction } from "./http.ts";
import { kubernetesAction } from "./kubernetes.ts";
import { scriptAction } from "./script.ts";

/** What an action kind may be built with. */
export interface ActionDeps {
  http: HttpClient;
  /** `remediation.scripts.directory`: the only place a `script` action runs from (the config demands it for one). */
  scriptDirectory?: string;
  /** The wall clock of actions that write a time to their target (a rollout restart's restartedAt). */
  clock?: () => Date;
}

type Factories = {
  [K in ActionConfig["kind"]]: (config: Extract<ActionConfig, { kind: K }>, deps: ActionDeps) => RemediationAction;
};

/**
 * The one list of action kinds: a kind is its config schema in src/config/remediation-action-config.ts plus one
 * line here (the type makes a schema without a factory a compile error).
 */
export const actionFactories: Factories = {
  http: (config, deps) => new HttpAction(config, deps.http),
  kubernetes: (config, deps) => kubernetesAction(config, deps.clock),
  argocd: (config, deps) => argocdAction(config, deps.http),
  githubActions: (config, deps) => githubActionsAction(config, deps.http),
  script: (config, deps) => {
    if (!deps.scriptDirectory)
      throw new Error("a script action needs remediation.scripts.directory (the allow-listed directory it runs from)");
    return scriptAction(config, { directory: deps.scriptDirectory });
  },
};

export function createAction(config: ActionConfig, deps: ActionDeps): RemediationAction {
  const factory = actionFactories[config.kind] as (config: ActionConfig, deps: ActionDeps) => RemediationAction;
  return factory(config, deps);
}
