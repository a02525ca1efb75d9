import type { V1Deployment, V1ReplicaSet } from "@kubernetes/client-node";
import type { KubernetesActionConfig } from "../../config/kubernetes-action-config.ts";
import type { ActionContext, ActionIncident, ActionOutcome, RemediationAction } from "./action.ts";
import { failed, succeeded } from "./action-support.ts";
import { renderTemplate } from "./incident-template.ts";
import { deploymentClient, kubernetesErrorText, toWire } from "./kubernetes-client.ts";
import {
  annotationsAfterRollback,
  type JsonObject,
  mergePatchDiff,
  previousReplicaSet,
  REVISION_ANNOTATION,
  revisionOf,
  sameJson,
  selectorQuery,
  templateToRestore,
} from "./kubernetes-rollback.ts";

export { type KubernetesActionConfig, kubernetesActionSchema } from "../../config/kubernetes-action-config.ts";

/** Written on the Deployment in the same patch as the change: a retry with the same key finds it and stops. */
export const IDEMPOTENCY_ANNOTATION = "sluice.dev/remediation-key";
/** What the change replaced (JSON), so a retried run still returns the undo data of the first. */
export const BEFORE_ANNOTATION = "sluice.dev/remediation-before";
export const RESTARTED_AT_ANNOTATION = "kubectl.kubernetes.io/restartedAt";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Restarts, scales or rolls back one Deployment through the official Kubernetes client. */
export function kubernetesAction(config: KubernetesActionConfig, clock: () => Date = () => new Date()): RemediationAction {
  const names = (incident: ActionIncident) => {
    const namespace = renderTemplate(config.namespace, incident);
    const name = renderTemplate(config.deployment, incident);
    // Templates take incident fields: a label such as "../../secrets" must never reach a request path.
    if (!DNS_LABEL.test(namespace)) throw new Error(`"${namespace}" is not a valid namespace name`);
    if (!DNS_SUBDOMAIN.test(name)) throw new Error(`"${name}" is not a valid Deployment name`);
    return { namespace, name };
  };
  const where = (n: { namespace: string; name: string }) => `deployment ${n.namespace}/${n.name} in ${config.cluster}`;

  return {
    kind: "kubernetes",
    target(incident) {
      try {
        const n = names(incident);
        return `k8s:${config.cluster}/${n.namespace}/deployment/${n.name}`;
      } catch {
        // Unrenderable: count it under its templates, the run itself fails on the same problem.
        return `k8s:${config.cluster}/${config.namespace}/deployment/${config.deployment}`;
      }
    },
    describe(context) {
      let n: { namespace: string; name: string };
      try {
        n = names(context.incident);
      } catch (error) {
        return `would not act on a Deployment in ${config.cluster}: ${(error as Error).message}`;
      }
      switch (config.operation) {
        case "rolloutRestart":
          return `rollout restart ${where(n)}: patch its pod template annotation ${RESTARTED_AT_ANNOTATION} to the current time`;
        case "scale": {
          const replicas = config.replicas;
          if (replicas === "previous") {
            const previous = undoReplicas(context.undo);
            return previous === null
              ? `would not scale ${where(n)}: no replica count from before the playbook's action to restore`
              : `scale ${where(n)} back to ${previous} replicas, its count before the playbook's action`;
          }
          return "to" in replicas
            ? `scale ${where(n)} to ${replicas.to} replicas`
            : `scale ${where(n)} by ${signed(replicas.delta)} replicas, kept within ${replicas.min}..${replicas.max}`;
        }
        case "rollback": {
          const revision = undoRevision(context.undo);
          return revision === null
            ? `roll back ${where(n)} to the previous revision: restore the pod template of its ReplicaSet with the highest ${REVISION_ANNOTATION} below the current one`
            : `roll back ${where(n)} to revision ${revision}, the one before the playbook's action: restore its ReplicaSet's pod template`;
        }
      }
    },
    async execute(context: ActionContext): Promise<ActionOutcome> {
      const secrets: string[] = [];
      let n: { namespace: string; name: string } | null = null;
      try {
        n = names(context.incident);
        const { client, secrets: used } = deploymentClient(config.connection, context.secret, context.signal);
        secrets.push(...used);
        const deployment = wire(
          await client.apps.readNamespacedDeployment({ name: n.name, namespace: n.namespace }, client.read),
          "V1Deployment",
        );
        const metadata = obj(deployment.metadata);
        const annotations = obj(metadata.annotations);
        if (annotations[IDEMPOTENCY_ANNOTATION] === context.idempotencyKey) {
          return succeeded(`${where(n)} already changed by this attempt; not repeated`, secrets, parseBefore(annotations));
        }
        const plan = await planChange(config, deployment, n, client, clock, context.undo);
        if ("refused" in plan) return failed(`not changed ${where(n)}: ${plan.refused}`, secrets);
        const mark = { [IDEMPOTENCY_ANNOTATION]: context.idempotencyKey, [BEFORE_ANNOTATION]: JSON.stringify(plan.undo) };
        const body: JsonObject = {
          // The resourceVersion makes the patch conditional: a Deployment changed since the read is a 409.
          metadata: {
            resourceVersion: metadata.resourceVersion ?? null,
            annotations: plan.annotations ? mergePatchDiff(annotations, { ...plan.annotations, ...mark }) : mark,
          },
          spec: plan.spec,
        };
        await client.apps.patchNamespacedDeployment({ name: n.name, namespace: n.namespace, body }, client.mergePatch);
        // A restart replaces nothing a rollback could put back: it has no undo data.
        return succeeded(plan.summary, secrets, Object.keys(plan.undo).length > 0 ? plan.undo : undefined);
      } catch (error) {
        const what = n ? where(n) : `a Deployment in ${config.cluster}`;
        if (context.signal.aborted) return failed(`${config.operation} of ${what} aborted`, secrets);
        return failed(`${config.operation} of ${what} failed: ${kubernetesErrorText(error)}`, secrets);
      }
    },
  };
}

type Plan = { refused: string } | { spec: JsonObject; annotations?: JsonObject; summary: string; undo: Record<string, unknown> };

async function planChange(
  config: KubernetesActionConfig,
  deployment: JsonObject,
  n: { namespace: string; name: string },
  client: ReturnType<typeof deploymentClient>["client"],
  clock: () => Date,
  undo: ActionContext["undo"],
): Promise<Plan> {
  const spec = obj(deployment.spec);
  const where = `deployment ${n.namespace}/${n.name} in ${config.cluster}`;
  switch (config.operation) {
    case "rolloutRestart": {
      if (spec.paused === true) return { refused: "it is paused (resume the rollout first)" };
      // kubectl writes RFC 3339 without fractions.
      const at = clock()
        .toISOString()
        .replace(/\.\d{3}Z$/, "Z");
      return {
        spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: at } } } },
        summary: `restarted ${where} (rollout restart at ${at})`,
        undo: {},
      };
    }
    case "scale": {
      const current = typeof spec.replicas === "number" ? spec.replicas : 1;
      const replicas = config.replicas;
      let wanted: number;
      if (replicas === "previous") {
        const previous = undoReplicas(undo);
        if (previous === null) return { refused: "no replica count from before the playbook's action to restore" };
        wanted = previous;
        if (wanted === current) return { refused: `it already runs ${current} replicas, its count before the action` };
      } else if ("to" in replicas) {
        wanted = replicas.to;
        if (wanted === current) return { refused: `it already runs ${current} replicas` };
      } else {
        wanted = Math.min(replicas.max, Math.max(replicas.min, current + replicas.delta));
        if (wanted === current)
          return { refused: `it runs ${current} replicas, at the bound of ${replicas.min}..${replicas.max}` };
      }
      return {
        spec: { replicas: wanted },
        summary: `scaled ${where} from ${current} to ${wanted} replicas`,
        undo: { replicas: current },
      };
    }
    case "rollback": {
      if (spec.paused === true) return { refused: "it is paused (resume the rollout first)" };
      const list = await client.apps.listNamespacedReplicaSet(
        { namespace: n.namespace, labelSelector: selectorQuery(obj(spec.selector)) },
        client.read,
      );
      const replicaSets = (list.items ?? []).map((item: V1ReplicaSet) => wire(item, "V1ReplicaSet"));
      let previous: ReturnType<typeof previousReplicaSet>;
      try {
        // As a playbook's rollback after its own rollback (or a deploy it started), the revision recorded before
        // the action is the one to return to, even when the history moved since.
        previous = previousReplicaSet(deployment, replicaSets, undoRevision(undo) ?? undefined);
      } catch (error) {
        return { refused: (error as Error).message };
      }
      const template = templateToRestore(previous.replicaSet);
      const currentTemplate = obj(spec.template);
      if (sameJson(withoutHash(currentTemplate), template)) {
        return { refused: `its template already matches revision ${previous.revision}` };
      }
      return {
        spec: { template: mergePatchDiff(currentTemplate, template) },
        annotations: annotationsAfterRollback(deployment, previous.replicaSet),
        summary: `rolled back ${where} from revision ${previous.current} to the template of revision ${previous.revision}`,
        undo: { revision: revisionOf(deployment) },
      };
    }
  }
}

function wire(value: V1Deployment | V1ReplicaSet, type: "V1Deployment" | "V1ReplicaSet"): JsonObject {
  return toWire(value, type);
}

function withoutHash(template: JsonObject): JsonObject {
  return templateToRestore({ spec: { template } });
}

function parseBefore(annotations: JsonObject): Record<string, unknown> | undefined {
  const raw = annotations[BEFORE_ANNOTATION];
  if (typeof raw !== "string") return undefined;
  try {
    const parsed = JSON.parse(raw) as unknown;
    return parsed && typeof parsed === "object" && Object.keys(parsed).length > 0
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The replica count a scale recorded in its undo data, or null. */
function undoReplicas(undo: ActionContext["undo"]): number | null {
  const replicas = undo?.replicas;
  return typeof replicas === "number" && Number.isInteger(replicas) && replicas >= 0 ? replicas : null;
}

/** The revision a Kubernetes rollback recorded in its undo data (the one current before it), or null. */
function undoRevision(undo: ActionContext["undo"]): number | null {
  const revision = undo?.revision;
  return typeof revision === "number" && Number.isInteger(revision) && revision > 0 ? revision : null;
}

function obj(value: unknown): JsonObject {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as JsonObject) : {};
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}
