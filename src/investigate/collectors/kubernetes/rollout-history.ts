// A Deployment's rollout history as `kubectl rollout history` shows it: its ReplicaSets by the revision
// annotation, each with its images and creation time. Pure functions over the API server's JSON.
import { controlledBy, type JsonObject, revisionOf } from "../../../remediate/actions/kubernetes-rollback.ts";
import { array, at, obj, str } from "./wire.ts";

export interface Revision {
  revision: number;
  replicaSet: string;
  images: string[];
  /** When its ReplicaSet was created: when the rollout to it began (epoch ms). */
  createdAt: number | null;
  changeCause: string | null;
}

export interface Rollout {
  deployment: string;
  /** Newest first; the first is the current one. */
  revisions: Revision[];
  /** A Progressing or Available condition that is False: a stuck or failed rollout, in words. */
  problem: string | null;
}

function images(template: unknown): string[] {
  return array(obj(obj(template).spec).containers)
    .map((c) => str(obj(c).image))
    .filter(Boolean);
}

/** The Deployment's revisions from the ReplicaSets it controls, newest first. */
export function rolloutOf(deployment: unknown, replicaSets: readonly unknown[]): Rollout {
  const d = obj(deployment) as JsonObject;
  const revisions: Revision[] = [];
  for (const raw of replicaSets) {
    const rs = obj(raw) as JsonObject;
    const revision = revisionOf(rs);
    if (revision === null || !controlledBy(rs, d)) continue;
    const metadata = obj(rs.metadata);
    revisions.push({
      revision,
      replicaSet: str(metadata.name),
      images: images(obj(rs.spec).template),
      createdAt: at(metadata.creationTimestamp),
      changeCause: str(obj(metadata.annotations)["kubernetes.io/change-cause"]) || null,
    });
  }
  revisions.sort((a, b) => b.revision - a.revision);
  const failing = array(obj(d.status).conditions)
    .map(obj)
    .filter((c) => (c.type === "Progressing" || c.type === "Available") && c.status === "False")
    .map((c) => `${str(c.type)}=False ${str(c.reason)}${c.message ? `: ${str(c.message)}` : ""}`);
  return { deployment: str(obj(d.metadata).name), revisions, problem: failing.length > 0 ? failing.join("; ") : null };
}

function revisionText(r: Revision): string {
  const cause = r.changeCause ? `, "${r.changeCause}"` : "";
  return `revision ${r.revision} (${r.images.join(", ") || "no image"}${cause}) created ${r.createdAt === null ? "at an unknown time" : new Date(r.createdAt).toISOString()}`;
}

/** One line about a Deployment's rollouts, relative to the incident's onset. */
export function rolloutSummary(namespace: string, rollout: Rollout, onsetAt: number): string {
  const [current, ...older] = rollout.revisions;
  if (!current) return `deployment ${namespace}/${rollout.deployment}: no revision history (no ReplicaSet with a revision)`;
  let when = "";
  if (current.createdAt !== null) {
    const minutes = Math.round(Math.abs(onsetAt - current.createdAt) / 60_000);
    when = current.createdAt <= onsetAt ? ` — ${minutes} min before onset` : ` — ${minutes} min after onset`;
  }
  const before = older.slice(0, 2).map(revisionText);
  return [
    `deployment ${namespace}/${rollout.deployment}: current ${revisionText(current)}${when}`,
    ...(before.length > 0 ? [`before it ${before.join("; ")}`] : []),
    ...(rollout.problem ? [`rollout: ${rollout.problem}`] : []),
  ].join("; ");
}
