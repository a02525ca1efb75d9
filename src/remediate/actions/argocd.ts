import type { ArgocdActionConfig } from "../../config/argocd-action-config.ts";
import type { HttpClient } from "../../connectors/connector.ts";
import type { ActionContext, ActionIncident, ActionOutcome, RemediationAction } from "./action.ts";
import { errorText, failed, succeeded } from "./action-support.ts";
import { field, type JsonAnswer, sendJson, trimBase } from "./http-json.ts";
import { renderTemplate } from "./incident-template.ts";

/** The operation info item a sync carries, so a retried run finds its own sync and does not start another. */
export const ARGOCD_KEY_INFO = "sluice-idempotency-key";
const APP_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export { type ArgocdActionConfig, argocdActionSchema } from "../../config/argocd-action-config.ts";

/** Argo CD `sync` or `rollback` through its REST API; the operation runs on after the answer. */
export function argocdAction(config: ArgocdActionConfig, http: HttpClient = (url, init) => fetch(url, init)): RemediationAction {
  const base = trimBase(config.server);
  const host = new URL(config.server).host;
  const appName = (incident: ActionIncident) => {
    const name = renderTemplate(config.application, incident);
    if (!APP_NAME.test(name)) throw new Error(`"${name}" is not a valid application name`);
    return name;
  };
  const label = (name: string) => `application ${config.appNamespace ? `${config.appNamespace}/` : ""}${name} on ${host}`;

  return {
    kind: "argocd",
    target(incident) {
      let name: string;
      try {
        name = appName(incident);
      } catch {
        name = config.application;
      }
      return `argocd:${host}/${config.appNamespace ? `${config.appNamespace}/` : ""}${name}`;
    },
    describe(context) {
      let name: string;
      try {
        name = appName(context.incident);
      } catch (error) {
        return `would not act on an Argo CD application on ${host}: ${(error as Error).message}`;
      }
      if (config.operation === "rollback") {
        return `roll back ${label(name)} to its previous deployment (the history entry before the current one)${config.prune ? ", pruning" : ""}`;
      }
      const what = config.resources ? ` (only ${config.resources.map((r) => `${r.kind}/${r.name}`).join(", ")})` : "";
      return `sync ${label(name)} to ${config.revision ? `revision ${config.revision}` : "its target revision"}${what}${config.prune ? ", pruning" : ""}`;
    },
    async execute(context: ActionContext): Promise<ActionOutcome> {
      const secrets: string[] = [];
      let name = config.application;
      try {
        name = appName(context.incident);
        const token = context.secret(config.token);
        secrets.push(token);
        const headers = { authorization: `Bearer ${token}`, accept: "application/json" };
        const query = config.appNamespace ? `?appNamespace=${encodeURIComponent(config.appNamespace)}` : "";
        const appUrl = `${base}/api/v1/applications/${encodeURIComponent(name)}`;
        const app = await sendJson(http, `${appUrl}${query}`, { method: "GET", headers, signal: context.signal });
        if (app.status !== 200) return failed(`${config.operation} of ${label(name)} failed: ${argoError(app)}`, secrets);
        const status = field(app.json, "status");
        const operationState = field(status, "operationState");
        const history = historyIds(field(status, "history"));
        const where = { ...(config.appNamespace ? { appNamespace: config.appNamespace } : {}) };

        if (config.operation === "sync") {
          const info = field(field(operationState, "operation"), "info");
          const mine =
            Array.isArray(info) &&
            info.some((i) => field(i, "name") === ARGOCD_KEY_INFO && field(i, "value") === context.idempotencyKey);
          const undo = history.length > 0 ? { historyId: history.at(-1) } : undefined;
          if (mine) return succeeded(`${label(name)} already synced by this attempt; not repeated`, secrets, undo);
          if (field(operationState, "phase") === "Running")
            return failed(`not synced ${label(name)}: another operation is running`, secrets);
          const body = {
            ...where,
            ...(config.revision ? { revision: config.revision } : {}),
            prune: config.prune,
            dryRun: false,
            ...(config.resources ? { resources: config.resources } : {}),
            infos: [
              { name: ARGOCD_KEY_INFO, value: context.idempotencyKey },
              { name: "sluice-incident", value: context.incident.id },
            ],
          };
          const answer = await sendJson(http, `${appUrl}/sync`, { method: "POST", headers, body, signal: context.signal });
          if (answer.status !== 200) return failed(`sync of ${label(name)} failed: ${argoError(answer)}`, secrets);
          const to = config.revision ? ` to ${config.revision}` : "";
          return succeeded(`sync of ${label(name)}${to} started`, secrets, undo);
        }

        const automated = field(field(field(app.json, "spec"), "syncPolicy"), "automated");
        if (automated && field(automated, "enabled") !== false) {
          return failed(`not rolled back ${label(name)}: automated sync is on, and Argo CD refuses a rollback then`, secrets);
        }
        if (field(operationState, "phase") === "Running")
          return failed(`not rolled back ${label(name)}: another operation is running`, secrets);
        const current = history.at(-1);
        const previous = history.at(-2);
        if (current === undefined || previous === undefined) {
          return failed(`not rolled back ${label(name)}: its history has no deployment before the current one`, secrets);
        }
        const body = { ...where, id: previous, prune: config.prune, dryRun: false };
        const answer = await sendJson(http, `${appUrl}/rollback`, { method: "POST", headers, body, signal: context.signal });
        if (answer.status !== 200) return failed(`rollback of ${label(name)} failed: ${argoError(answer)}`, secrets);
        return succeeded(`rollback of ${label(name)} from history ${current} to history ${previous} started`, secrets, {
          historyId: current,
        });
      } catch (error) {
        return failed(`${config.operation} of ${label(name)} failed: ${errorText(error, context.signal)}`, secrets);
      }
    },
  };
}

/** History ids in deployment order (Argo CD appends; sorted anyway, as ids only grow). */
function historyIds(history: unknown): number[] {
  if (!Array.isArray(history)) return [];
  return history
    .map((entry) => Number(field(entry, "id")))
    .filter((id) => Number.isSafeInteger(id))
    .sort((a, b) => a - b);
}

/** Argo CD's error envelope `{error, code, message}` (gRPC codes) in words. */
function argoError(answer: JsonAnswer): string {
  const message = field(answer.json, "message") ?? field(answer.json, "error");
  return `HTTP ${answer.status}${typeof message === "string" && message ? `: ${message}` : ""}`;
}
