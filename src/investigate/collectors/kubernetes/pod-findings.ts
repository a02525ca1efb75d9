// What a service's pods show, read from their status as the API server sends it (wire JSON): restarts and how
// the last one ended, OOM kills, a crash loop, pods Pending because nothing can schedule them, pods not ready.
// Pure functions; the collector turns them into evidence.
import type { WorkloadCondition } from "../../analysis/types.ts";
import { array, at, obj, str } from "./wire.ts";

export interface Termination {
  container: string;
  reason: string;
  exitCode: number | null;
  at: number | null;
}

export interface PodFinding {
  name: string;
  phase: string;
  ready: boolean;
  restarts: number;
  /** The latest termination of any of its containers (the last restart's cause, or a container that stopped). */
  lastTermination: Termination | null;
  /** Whether its status shows a container the kernel killed for memory, and the earliest such time it shows. */
  oomKilled: boolean;
  oomKilledAt: number | null;
  /** Why a container waits: CrashLoopBackOff, ImagePullBackOff, CreateContainerConfigError… */
  waiting: string | null;
  /** Pending because the scheduler found no node: its message and since when. */
  unschedulable: { message: string; at: number | null } | null;
  /** When its Ready condition last turned false (not ready only). */
  notReadySince: number | null;
  /** The condition that says most about a cause, and since when; null for a healthy pod. */
  condition: WorkloadCondition | null;
  since: number | null;
}

/** Exit reasons that are not a failure: a finished init container or job step. */
const NORMAL_EXIT = new Set(["Completed"]);

function termination(container: string, raw: unknown): Termination | null {
  const t = obj(raw);
  if (Object.keys(t).length === 0) return null;
  const exitCode = typeof t.exitCode === "number" ? t.exitCode : null;
  return { container, reason: str(t.reason) || (exitCode === 0 ? "Completed" : "Error"), exitCode, at: at(t.finishedAt) };
}

/** One pod's finding from its `status`. */
export function podFinding(pod: unknown): PodFinding {
  const metadata = obj(obj(pod).metadata);
  const status = obj(obj(pod).status);
  const containers = [...array(status.initContainerStatuses), ...array(status.containerStatuses)].map(obj);
  let restarts = 0;
  let last: Termination | null = null;
  let oomKilled = false;
  let oomKilledAt: number | null = null;
  let waiting: string | null = null;
  for (const c of containers) {
    const name = str(c.name);
    restarts += typeof c.restartCount === "number" ? c.restartCount : 0;
    const state = obj(c.state);
    const lastState = obj(c.lastState);
    for (const t of [termination(name, lastState.terminated), termination(name, state.terminated)]) {
      if (!t) continue;
      if (t.reason === "OOMKilled") {
        oomKilled = true;
        if (t.at !== null) oomKilledAt = oomKilledAt === null ? t.at : Math.min(oomKilledAt, t.at);
      }
      if (!last || (t.at ?? 0) > (last.at ?? 0)) last = t;
    }
    const reason = str(obj(state.waiting).reason);
    // A container still creating is normal; anything else waiting names a problem.
    if (reason && reason !== "ContainerCreating" && reason !== "PodInitializing") waiting ??= reason;
  }
  const conditions = array(status.conditions).map(obj);
  const condition = (type: string) => conditions.find((c) => c.type === type);
  const scheduled = condition("PodScheduled");
  const phase = str(status.phase) || "Unknown";
  const unschedulable =
    phase === "Pending" && scheduled?.status === "False" && scheduled.reason === "Unschedulable"
      ? { message: str(scheduled.message), at: at(scheduled.lastTransitionTime) ?? at(metadata.creationTimestamp) }
      : null;
  const readyCondition = condition("Ready");
  const ready = readyCondition?.status === "True";
  const notReadySince = ready ? null : (at(readyCondition?.lastTransitionTime) ?? null);
  const crashed = last !== null && !NORMAL_EXIT.has(last.reason) && (restarts > 0 || phase !== "Running");
  let kind: WorkloadCondition | null = null;
  let since: number | null = null;
  if (oomKilled) {
    kind = "oom-killed";
    since = oomKilledAt;
  } else if (waiting === "CrashLoopBackOff" || crashed) {
    kind = "restarts";
    since = last?.at ?? null;
  } else if (unschedulable) {
    kind = "pending";
    since = unschedulable.at;
  } else if (!ready && phase !== "Succeeded") {
    kind = "not-ready";
    since = notReadySince;
  }
  return {
    name: str(metadata.name),
    phase,
    ready,
    restarts,
    lastTermination: last,
    oomKilled,
    oomKilledAt,
    waiting,
    unschedulable,
    notReadySince,
    condition: kind,
    since,
  };
}

/** One line about a pod for a person: what is wrong with it, with times. */
export function podSummary(namespace: string, f: PodFinding): string {
  const parts: string[] = [`pod ${namespace}/${f.name} ${f.phase}${f.ready ? ", ready" : ", not ready"}`];
  if (f.restarts > 0) parts.push(`${f.restarts} restart${f.restarts === 1 ? "" : "s"}`);
  const t = f.lastTermination;
  if (t) {
    const exit = t.exitCode === null ? "" : ` (exit ${t.exitCode})`;
    const memory = t.reason === "OOMKilled" ? ": out of memory" : "";
    parts.push(`last terminated ${t.reason}${exit}${memory} at ${iso(t.at)} (container ${t.container})`);
  }
  if (f.oomKilled && t?.reason !== "OOMKilled") parts.push(`OOMKilled at ${iso(f.oomKilledAt)}`);
  if (f.waiting) parts.push(`waiting: ${f.waiting}`);
  if (f.unschedulable) parts.push(`Pending, unschedulable since ${iso(f.unschedulable.at)}: ${f.unschedulable.message}`);
  else if (!f.ready && f.notReadySince !== null) parts.push(`not ready since ${iso(f.notReadySince)}`);
  return parts.join("; ");
}

/** What the pods of one service add up to, for the service's overview item. */
export function podsOverview(service: string, namespace: string, selector: string, findings: PodFinding[]): string {
  if (findings.length === 0) return `${service}: no pods in ${namespace} match ${selector}`;
  const ready = findings.filter((f) => f.ready).length;
  const restarts = findings.reduce((sum, f) => sum + f.restarts, 0);
  const count = (c: WorkloadCondition) => findings.filter((f) => f.condition === c).length;
  const troubles = [
    count("oom-killed") > 0 ? `${count("oom-killed")} OOMKilled` : "",
    count("restarts") > 0 ? `${count("restarts")} crashed and restarted` : "",
    findings.some((f) => f.waiting === "CrashLoopBackOff")
      ? `${findings.filter((f) => f.waiting === "CrashLoopBackOff").length} in CrashLoopBackOff`
      : "",
    count("pending") > 0 ? `${count("pending")} Pending unschedulable` : "",
  ].filter(Boolean);
  return `${service}: ${findings.length} pod${findings.length === 1 ? "" : "s"} in ${namespace} (${selector}), ${ready} ready, ${restarts} restart${restarts === 1 ? "" : "s"}${troubles.length > 0 ? `; ${troubles.join(", ")}` : ""}`;
}

export function iso(ms: number | null): string {
  return ms === null ? "an unknown time" : new Date(ms).toISOString();
}
