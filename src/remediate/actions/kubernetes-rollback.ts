/**
 * `kubectl rollout undo` for apps/v1, which has no rollback call: find the ReplicaSet of the previous
 * revision and put its pod template back on the Deployment. Pure functions over the wire JSON.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const REVISION_ANNOTATION = "deployment.kubernetes.io/revision";
const POD_TEMPLATE_HASH = "pod-template-hash";
// kubectl keeps these Deployment annotations and never copies them from the ReplicaSet (rollback.go).
const ANNOTATIONS_TO_SKIP = [
  "kubectl.kubernetes.io/last-applied-configuration",
  REVISION_ANNOTATION,
  "deployment.kubernetes.io/revision-history",
  "deployment.kubernetes.io/desired-replicas",
  "deployment.kubernetes.io/max-replicas",
  "deprecated.deployment.rollback.to",
];

/** The label selector of a Deployment as the `labelSelector` query string (matchLabels and matchExpressions). */
export function selectorQuery(selector: JsonObject | undefined): string {
  const parts: string[] = [];
  const labels = object(selector?.matchLabels);
  for (const [key, value] of Object.entries(labels).sort(([a], [b]) => a.localeCompare(b))) parts.push(`${key}=${String(value)}`);
  const expressions = Array.isArray(selector?.matchExpressions) ? selector.matchExpressions : [];
  for (const raw of expressions) {
    const expression = object(raw);
    const key = String(expression.key);
    const values = Array.isArray(expression.values) ? expression.values.map(String).join(",") : "";
    switch (expression.operator) {
      case "In":
        parts.push(`${key} in (${values})`);
        break;
      case "NotIn":
        parts.push(`${key} notin (${values})`);
        break;
      case "Exists":
        parts.push(key);
        break;
      case "DoesNotExist":
        parts.push(`!${key}`);
        break;
      default:
        throw new Error(`the Deployment's selector has an unknown operator ${String(expression.operator)}`);
    }
  }
  if (parts.length === 0) throw new Error("the Deployment has an empty selector; refusing to pick ReplicaSets by it");
  return parts.join(",");
}

export function revisionOf(resource: JsonObject): number | null {
  const value = object(object(resource.metadata).annotations)[REVISION_ANNOTATION];
  const revision = typeof value === "string" ? Number.parseInt(value, 10) : Number.NaN;
  return Number.isSafeInteger(revision) && revision > 0 ? revision : null;
}

/** Whether the Deployment is the ReplicaSet's controller (a ReplicaSet its selector matches may belong to another). */
export function controlledBy(replicaSet: JsonObject, deployment: JsonObject): boolean {
  const uid = object(deployment.metadata).uid;
  const owners = Array.isArray(object(replicaSet.metadata).ownerReferences)
    ? (object(replicaSet.metadata).ownerReferences as Json[])
    : [];
  return owners.some((raw) => {
    const owner = object(raw);
    return owner.controller === true && owner.uid === uid && owner.kind === "Deployment";
  });
}

/**
 * The ReplicaSet the Deployment controls with the highest revision below the current one, or, given `exactly`
 * (the revision a rollback's undo data recorded), the one with that revision.
 */
export function previousReplicaSet(
  deployment: JsonObject,
  replicaSets: readonly JsonObject[],
  exactly?: number,
): { replicaSet: JsonObject; revision: number; current: number } {
  const current = revisionOf(deployment);
  if (current === null) throw new Error(`the Deployment has no ${REVISION_ANNOTATION} annotation yet`);
  let best: { replicaSet: JsonObject; revision: number } | null = null;
  for (const replicaSet of replicaSets) {
    const revision = revisionOf(replicaSet);
    if (!controlledBy(replicaSet, deployment) || revision === null) continue;
    if (exactly !== undefined) {
      if (revision === exactly && revision !== current) return { replicaSet, revision, current };
      continue;
    }
    if (revision >= current) continue;
    if (!best || revision > best.revision) best = { replicaSet, revision };
  }
  if (exactly !== undefined)
    throw new Error(
      exactly === current
        ? `revision ${exactly}, the one before the playbook's action, is current again`
        : `revision ${exactly}, the one before the playbook's action, is no longer in the Deployment's history`,
    );
  if (!best) throw new Error(`no revision before ${current} is left to roll back to`);
  return { ...best, current };
}

/** The pod template to restore: the ReplicaSet's, without the hash label the controller added. */
export function templateToRestore(replicaSet: JsonObject): JsonObject {
  const template = structuredClone(object(object(replicaSet.spec).template));
  const metadata = object(template.metadata);
  const labels = { ...object(metadata.labels) };
  delete labels[POD_TEMPLATE_HASH];
  template.metadata = { ...metadata, labels };
  return template;
}

/** The Deployment's annotations after the rollback, as kubectl computes them. */
export function annotationsAfterRollback(deployment: JsonObject, replicaSet: JsonObject): JsonObject {
  const current = object(object(deployment.metadata).annotations);
  const out: JsonObject = {};
  for (const key of ANNOTATIONS_TO_SKIP) if (key in current) out[key] = current[key] ?? null;
  for (const [key, value] of Object.entries(object(object(replicaSet.metadata).annotations))) {
    if (!ANNOTATIONS_TO_SKIP.includes(key)) out[key] = value;
  }
  return out;
}

/**
 * RFC 7386 merge patch that turns `from` into `to`: removed keys become null, lists are replaced whole.
 * A strategic merge patch would merge containers and env lists by name and keep what the bad revision added.
 */
export function mergePatchDiff(from: JsonObject, to: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const key of Object.keys(from)) if (!(key in to)) patch[key] = null;
  for (const [key, value] of Object.entries(to)) {
    const before = from[key];
    if (isObject(value) && isObject(before)) {
      const nested = mergePatchDiff(before, value);
      if (Object.keys(nested).length > 0) patch[key] = nested;
    } else if (value === null) {
      // A null in the target means "absent" in merge-patch terms: delete only when it was there.
      if (key in from && before !== null) patch[key] = null;
    } else if (!sameJson(before, value)) {
      patch[key] = value;
    }
  }
  return patch;
}

export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function object(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}
