import type { ActionConfig } from "../../config/remediation-action-config.ts";
import type { HttpClient } from "../../connectors/connector.ts";
import type { RemediationAction } from "./action.ts";
import { HttpAction } from "./http.ts";

/** What an action kind may be built with. */
export interface ActionDeps {
  http: HttpClient;
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
};

export function createAction(config: ActionConfig, deps: ActionDeps): RemediationAction {
  const factory = actionFactories[config.kind] as (config: ActionConfig, deps: ActionDeps) => RemediationAction;
  return factory(config, deps);
}
