import type { KubernetesWorkload } from "../../../catalog/catalog.ts";
import type { RecommendedAction, StepExecuted } from "../../../core/investigation.ts";
import { scrubSecrets } from "../../../core/scrub.ts";
import { kubernetesErrorText } from "../../../remediate/actions/kubernetes-client.ts";
import { selectorQuery } from "../../../remediate/actions/kubernetes-rollback.ts";
import type { ExtraEvidence } from "../../analysis/types.ts";
import { type Budget, type Collected, type Collector, clip, emptyCollected, type InvestigationQuery } from "../collector.ts";
import { type PodFinding, podFinding, podSummary, podsOverview } from "./pod-findings.ts";
import { type Rollout, rolloutOf, rolloutSummary } from "./rollout-history.ts";
import { eventSummary, type ServiceObjects, warningGroups } from "./warning-events.ts";
import { obj, str, type Wire } from "./wire.ts";
import { readPaths, type WorkloadReader } from "./workload-reader.ts";
import { type WorkloadTarget, workloadTarget } from "./workload-target.ts";

export interface KubernetesCollectorOptions {
  /** A reader bound to `signal`, and the tokens it uses (scrubbed from every text that leaves the collector). */
  connect(signal: AbortSignal): { reader: WorkloadReader; secrets: string[] };
  /** The catalog's `kubernetes` entry of a service. */
  workload(service: string): KubernetesWorkload | null | undefined;
  /** Namespace of services the catalog places nowhere. */
  namespace: string;
  /** Services read at most: the incident's own first, then its neighbours. */
  maxServices: number;
  /** Wall time of all reads (ms), below the investigation's collectorTimeout so what arrived is kept. */
  timeout: number;
  /** Link for people; `$namespace`, `$kind` and `$name` are replaced. */
  linkTemplate: string | null;
  /** The redactor: event messages are cluster text, and evidence goes into tickets. */
  redact(text: string): string;
  /** Credentials known before connecting (the config's): masked in every text, like the connection's own token. */
  secrets?: readonly string[];
}

/** Items per service at most, beside its overview: problem pods, event groups. */
const PODS_SHOWN = 4;
const EVENT_GROUPS_SHOWN = 4;
/** A bearer token in an error text (an echoing proxy, a client message): masked even when not ours to know. */
const BEARER = /\b(bearer\s+)[A-Za-z0-9._~+/=-]+/gi;
/** A credential field quoted from a kubeconfig (a parser's error message quotes the line). */
const CREDENTIAL_FIELD = /\b(token|password|client-key-data|client-certificate-data)(["']?\s*[:=]\s*["']?)[^\s"',}]+/gi;

interface ServiceRead {
  target: WorkloadTarget;
  selector: string | null;
  deployments: Wire[];
  replicaSets: Wire[];
  pods: Wire[] | null;
  events: Wire[] | null;
  steps: StepExecuted[];
}

/**
 * The Kubernetes workload of the incident's service and its neighbours, read-only with the official client:
 * its pods (restarts and how they ended, OOM kills, crash loops, Pending unschedulable, not ready), the Warning
 * events of its pods, ReplicaSets and Deployment, and its Deployment's rollout history. OOM kills, crash restarts
 * and unschedulable pods near onset are `workload` evidence for the analysis; the current revision's rollout is a
 * `change`, like a deploy. A slow or failing API fails its reads' steps, never the investigation.
 */
export class KubernetesCollector implements Collector {
  readonly source = "kubernetes" as const;

  constructor(private readonly options: KubernetesCollectorOptions) {}

  describe(query: InvestigationQuery): string {
    return `Kubernetes pods, Warning events and rollouts of ${query.services.slice(0, this.options.maxServices).join(", ")}`;
  }

  async collect(query: InvestigationQuery, budget: Budget): Promise<Collected> {
    // A timer of our own, not AbortSignal.timeout: that one does not keep the process alive while reads wait.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new Error("timed out")), this.options.timeout);
    try {
      return await this.collectWithin(query, budget, AbortSignal.any([budget.signal, deadline.signal]));
    } finally {
      clearTimeout(timer);
    }
  }

  private async collectWithin(query: InvestigationQuery, budget: Budget, signal: AbortSignal): Promise<Collected> {
    const out = emptyCollected();
    let secrets: string[] = [...(this.options.secrets ?? [])];
    const scrub = (text: string) =>
      scrubSecrets(text, secrets).replace(BEARER, "$1[redacted]").replace(CREDENTIAL_FIELD, "$1$2[redacted]");
    const reads: Promise<ServiceRead>[] = [];
    let reader: WorkloadReader;
    try {
      const connected = this.options.connect(signal);
      reader = connected.reader;
      secrets = [...secrets, ...connected.secrets];
    } catch (error) {
      // A kubeconfig that does not load: its parser may quote the file, token included.
      throw new Error(scrub(`cannot connect to Kubernetes: ${kubernetesErrorText(error)}`));
    }
    for (const service of query.services.slice(0, this.options.maxServices)) {
      const target = workloadTarget(service, this.options.workload(service), this.options.namespace);
      if ("problem" in target) {
        out.steps.push({
          collector: "kubernetes",
          query: service,
          status: "skipped",
          items: 0,
          ms: 0,
          note: clip(target.problem, 200),
        });
        continue;
      }
      // One query step per service: its three or four reads run together.
      if (!budget.take()) {
        out.steps.push({
          collector: "kubernetes",
          query: `${target.namespace}/${service}`,
          status: "skipped",
          items: 0,
          ms: 0,
          note: "out of query steps",
        });
        continue;
      }
      reads.push(readService(reader, target, signal, (error) => scrub(this.errorText(error, signal))));
    }
    let n = 0;
    const id = () => `kubernetes-${++n}`;
    for (const read of await Promise.all(reads)) {
      out.steps.push(...read.steps);
      this.evidence(read, query, id, out);
    }
    // Nothing a cluster sends back reaches the report unscrubbed.
    for (const item of out.items) item.summary = scrub(item.summary);
    for (const step of out.steps) if (step.note) step.note = scrub(step.note);
    return out;
  }

  private errorText(error: unknown, signal: AbortSignal): string {
    if (signal.aborted) return `no answer in time (${this.options.timeout} ms or the investigation's wall time)`;
    return kubernetesErrorText(error);
  }

  private link(namespace: string, kind: string, name: string): string | null {
    const template = this.options.linkTemplate;
    if (!template) return null;
    return template
      .replaceAll("$namespace", encodeURIComponent(namespace))
      .replaceAll("$kind", encodeURIComponent(kind))
      .replaceAll("$name", encodeURIComponent(name));
  }

  /** Evidence items, typed evidence and actions of one service's reads. */
  private evidence(read: ServiceRead, query: InvestigationQuery, id: () => string, out: Collected): void {
    const { target, selector } = read;
    const { service, namespace } = target;
    const redact = (text: string) => clip(this.options.redact(text), 320);
    const rollouts = read.deployments.map((d) => rolloutOf(d, read.replicaSets));
    if (read.pods && selector) {
      const findings = read.pods.map(podFinding);
      const podsQuery = readPaths.listPods(namespace, selector);
      out.items.push({
        id: id(),
        source: "kubernetes",
        query: podsQuery,
        summary: podsOverview(service, namespace, selector, findings),
        link: this.link(namespace, "pod", target.deployment ?? service),
      });
      const events = read.events ?? [];
      const troubled = findings
        .filter((f) => f.condition !== null)
        .sort((a, b) => rank(a) - rank(b) || (a.since ?? 0) - (b.since ?? 0))
        .slice(0, PODS_SHOWN);
      for (const f of troubled) {
        const itemId = id();
        out.items.push({
          id: itemId,
          source: "kubernetes",
          query: podsQuery,
          summary: clip(podSummary(namespace, f), 320),
          link: this.link(namespace, "pod", f.name),
        });
        const since = beganAt(f, events);
        if (f.condition && since !== null) {
          out.extra.push({
            kind: "workload",
            id: itemId,
            node: service,
            condition: f.condition,
            at: since,
            summary: podSummary(namespace, f),
          });
        }
      }
    }
    if (read.events) {
      const objects: ServiceObjects = {
        Pod: new Set((read.pods ?? []).map((p) => str(obj(obj(p).metadata).name))),
        ReplicaSet: new Set(read.replicaSets.map((r) => str(obj(obj(r).metadata).name))),
        Deployment: new Set(read.deployments.map((d) => str(obj(obj(d).metadata).name))),
      };
      for (const group of warningGroups(read.events, objects, query.from, query.to).slice(0, EVENT_GROUPS_SHOWN)) {
        out.items.push({
          id: id(),
          source: "kubernetes",
          query: readPaths.listWarningEvents(namespace),
          summary: redact(eventSummary(namespace, group)),
          link: this.link(namespace, "event", group.objects[0]?.split("/")[1] ?? service),
        });
      }
    }
    for (const rollout of rollouts) this.rolloutEvidence(rollout, read, query, id, out);
  }

  private rolloutEvidence(
    rollout: Rollout,
    read: ServiceRead,
    query: InvestigationQuery,
    id: () => string,
    out: Collected,
  ): void {
    const { service, namespace } = read.target;
    const itemId = id();
    out.items.push({
      id: itemId,
      source: "kubernetes",
      query: read.target.deployment
        ? readPaths.readDeployment(namespace, rollout.deployment)
        : readPaths.listReplicaSets(namespace, read.selector ?? ""),
      summary: clip(this.options.redact(rolloutSummary(namespace, rollout, query.onsetAt)), 480),
      link: this.link(namespace, "deployment", rollout.deployment),
    });
    const [current, previous] = rollout.revisions;
    // Only a rollout within the evidence window is a change of this incident; an old one is background.
    if (!current || current.createdAt === null || current.createdAt < query.from || current.createdAt > query.to) return;
    const extra: ExtraEvidence = {
      kind: "change",
      id: itemId,
      node: service,
      at: current.createdAt,
      summary: `rollout of deployment ${namespace}/${rollout.deployment} to revision ${current.revision}`,
    };
    out.extra.push(extra);
    if (previous) {
      const action: RecommendedAction = {
        kind: "rollback",
        text: `Roll back deployment ${namespace}/${rollout.deployment} from revision ${current.revision} (${current.images.join(", ")}) to revision ${previous.revision} (${previous.images.join(", ")}): kubectl rollout undo deployment/${rollout.deployment} -n ${namespace} --to-revision=${previous.revision}`,
        link: this.link(namespace, "deployment", rollout.deployment),
        evidence: [itemId],
      };
      out.actions.push(action);
    }
  }
}

/** Pods shown first: OOM kills, then crashes, unschedulable, not ready. */
function rank(f: PodFinding): number {
  return ["oom-killed", "restarts", "pending", "not-ready"].indexOf(f.condition ?? "");
}

/**
 * When a pod's trouble began as far as the cluster still tells: the earlier of its status's time and the first
 * Warning event about it (a BackOff's first occurrence predates the last termination a status keeps).
 */
function beganAt(f: PodFinding, events: readonly Wire[]): number | null {
  let since = f.since;
  const reasons =
    f.condition === "pending" ? ["FailedScheduling"] : f.condition === "not-ready" ? ["Unhealthy"] : ["BackOff", "OOMKilling"];
  for (const raw of events) {
    const event = obj(raw);
    const involved = obj(event.involvedObject);
    const about = (str(involved.kind) === "Pod" && str(involved.name) === f.name) || str(event.message).includes(f.name);
    if (!about || str(event.type) !== "Warning" || !reasons.includes(str(event.reason))) continue;
    const first = Date.parse(str(event.firstTimestamp) || str(event.eventTime));
    if (Number.isFinite(first) && (since === null || first < since)) since = first;
  }
  return since;
}

/**
 * One service's reads. With a Deployment named, it is read first and its selector finds the rest; otherwise its
 * Deployments, ReplicaSets, pods and the namespace's Warning events are listed at once. A read that fails is a
 * failed step; the others still count.
 */
async function readService(
  reader: WorkloadReader,
  target: WorkloadTarget,
  signal: AbortSignal,
  errorText: (error: unknown) => string,
): Promise<ServiceRead> {
  const read: ServiceRead = {
    target,
    selector: target.selector,
    deployments: [],
    replicaSets: [],
    pods: null,
    events: null,
    steps: [],
  };
  const run = async <T>(path: string, call: () => Promise<T>, count: (value: T) => number): Promise<T | null> => {
    const started = Date.now();
    try {
      const value = await untilAborted(call(), signal);
      read.steps.push({
        collector: "kubernetes",
        query: path,
        status: "ok",
        items: count(value),
        ms: Date.now() - started,
        note: null,
      });
      return value;
    } catch (error) {
      read.steps.push({
        collector: "kubernetes",
        query: path,
        status: signal.aborted ? "timed-out" : "failed",
        items: 0,
        ms: Date.now() - started,
        note: clip(errorText(error), 200),
      });
      return null;
    }
  };
  const { namespace } = target;
  if (target.deployment) {
    const name = target.deployment;
    const deployment = await run(
      readPaths.readDeployment(namespace, name),
      () => reader.readDeployment(namespace, name),
      () => 1,
    );
    if (!deployment) return read;
    read.deployments = [deployment];
    try {
      read.selector = selectorQuery(obj(obj(deployment.spec).selector) as Parameters<typeof selectorQuery>[0]);
    } catch (error) {
      read.steps.push({
        collector: "kubernetes",
        query: readPaths.readDeployment(namespace, name),
        status: "failed",
        items: 0,
        ms: 0,
        note: clip((error as Error).message, 200),
      });
      return read;
    }
  }
  const selector = read.selector ?? "";
  const [deployments, replicaSets, pods, events] = await Promise.all([
    target.deployment
      ? Promise.resolve(read.deployments)
      : run(
          readPaths.listDeployments(namespace, selector),
          () => reader.listDeployments(namespace, selector),
          (l) => l.length,
        ),
    run(
      readPaths.listReplicaSets(namespace, selector),
      () => reader.listReplicaSets(namespace, selector),
      (l) => l.length,
    ),
    run(
      readPaths.listPods(namespace, selector),
      () => reader.listPods(namespace, selector),
      (l) => l.length,
    ),
    run(
      readPaths.listWarningEvents(namespace),
      () => reader.listWarningEvents(namespace),
      (l) => l.length,
    ),
  ]);
  read.deployments = deployments ?? [];
  read.replicaSets = replicaSets ?? [];
  read.pods = pods;
  read.events = events;
  return read;
}

/** The call's result, or a rejection as soon as `signal` aborts: a read must never outlive its deadline. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
