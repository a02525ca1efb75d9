// A small stateful Kubernetes cluster (one namespace, the Deployment cart and the ReplicaSets of its revisions,
// its pods and events) that answers the apps/v1 calls the Kubernetes remediation action makes and the core/v1
// reads of the investigation's Kubernetes collector, once Prism has validated them against the API description:
// what both contract tests and the engine's end-to-end tests run against.
import assert from "node:assert/strict";

type Obj = Record<string, unknown>;

export function template(image: string, env: Obj[], hash?: string): Obj {
  return {
    metadata: { labels: { app: "cart", ...(hash ? { "pod-template-hash": hash } : {}) } },
    spec: { containers: [{ name: "cart", image, env }] },
  };
}

/** One namespace of a cluster: the Deployment cart (revision 3) and the ReplicaSets of its revisions. */
export class FakeCluster {
  resourceVersion = 100;
  deployment: Obj = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "cart",
      namespace: "shop",
      uid: "uid-cart",
      resourceVersion: "100",
      annotations: { "deployment.kubernetes.io/revision": "3", "kubernetes.io/change-cause": "v3 with NEW_FLAG" },
    },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "cart" } },
      template: template("shop/cart:3", [
        { name: "POOL", value: "50" },
        { name: "NEW_FLAG", value: "1" },
      ]),
    },
  };
  replicaSets: Obj[] = [
    this.replicaSet("cart-a1", "uid-cart", "1", template("shop/cart:1", [{ name: "POOL", value: "20" }], "a1"), "v1"),
    // Matches the selector but belongs to another Deployment: never a rollback target.
    this.replicaSet("cart-canary-b2", "uid-canary", "2", template("shop/cart:canary", [], "b2"), "canary"),
    this.replicaSet(
      "cart-c3",
      "uid-cart",
      "3",
      template(
        "shop/cart:3",
        [
          { name: "POOL", value: "50" },
          { name: "NEW_FLAG", value: "1" },
        ],
        "c3",
      ),
      "v3",
    ),
  ];
  patches: { contentType: string; body: Obj }[] = [];
  /** Pods of the namespace (build them with `pod`); listed by their `app` label. */
  pods: Obj[] = [];
  /** Events of the namespace (build them with `warningEvent`). */
  events: Obj[] = [];

  replicaSet(name: string, owner: string, revision: string, podTemplate: Obj, cause: string): Obj {
    return {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name,
        namespace: "shop",
        annotations: { "deployment.kubernetes.io/revision": revision, "kubernetes.io/change-cause": cause },
        ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "cart", uid: owner, controller: true }],
      },
      spec: { replicas: 0, selector: { matchLabels: { app: "cart" } }, template: podTemplate },
    };
  }

  answer(
    method: string,
    path: string,
    query: URLSearchParams,
    headers: Headers,
    body: string,
  ): { status: number; body: unknown } {
    if (path === "/api/v1/namespaces/shop/pods" && method === "GET") {
      const items = this.pods.filter((p) => matches(query.get("labelSelector"), (p.metadata as Obj).labels as Obj));
      return { status: 200, body: { apiVersion: "v1", kind: "PodList", metadata: {}, items } };
    }
    if (path === "/api/v1/namespaces/shop/events" && method === "GET") {
      const type = /^type=(\w+)$/.exec(query.get("fieldSelector") ?? "")?.[1];
      const items = this.events.filter((e) => !type || e.type === type);
      return { status: 200, body: { apiVersion: "v1", kind: "EventList", metadata: {}, items } };
    }
    if (path === "/apis/apps/v1/namespaces/shop/deployments" && method === "GET") {
      const labels = ((this.deployment.metadata as Obj).labels as Obj | undefined) ?? {};
      const items = matches(query.get("labelSelector"), labels) ? [this.deployment] : [];
      return { status: 200, body: { apiVersion: "apps/v1", kind: "DeploymentList", metadata: {}, items } };
    }
    if (!path.startsWith("/apis/apps/v1/namespaces/shop/")) return status(404, "NotFound", `${path} not found`);
    if (path === "/apis/apps/v1/namespaces/shop/replicasets" && method === "GET") {
      assert.equal(query.get("labelSelector"), "app=cart");
      return { status: 200, body: { apiVersion: "apps/v1", kind: "ReplicaSetList", metadata: {}, items: this.replicaSets } };
    }
    if (path !== "/apis/apps/v1/namespaces/shop/deployments/cart") return status(404, "NotFound", `${path} not found`);
    if (method === "GET") return { status: 200, body: this.deployment };
    if (method === "PATCH") {
      const patch = JSON.parse(body) as Obj;
      this.patches.push({ contentType: headers.get("content-type") ?? "", body: patch });
      const expected = (patch.metadata as Obj | undefined)?.resourceVersion;
      if (expected !== undefined && expected !== String(this.resourceVersion)) {
        return status(409, "Conflict", 'Operation cannot be fulfilled on deployments.apps "cart": the object has been modified');
      }
      const { resourceVersion: _ignored, ...metadata } = patch.metadata as Obj;
      this.deployment = mergePatch(this.deployment, { ...patch, metadata }) as Obj;
      this.resourceVersion++;
      (this.deployment.metadata as Obj).resourceVersion = String(this.resourceVersion);
      return { status: 200, body: this.deployment };
    }
    return status(405, "MethodNotAllowed", method);
  }
}

/** Whether labels satisfy an equality-based selector (`a=b,c=d`); no selector matches everything. */
function matches(selector: string | null, labels: Obj | undefined): boolean {
  if (!selector) return true;
  return selector.split(",").every((term) => {
    const [key, value] = term.split("=");
    return key !== undefined && labels?.[key] === value;
  });
}

/** A pod of cart: healthy unless `status` fields say otherwise (merged over a running, ready pod). */
export function pod(name: string, fields: { status?: Obj; labels?: Obj; createdAt?: string } = {}): Obj {
  const base: Obj = {
    phase: "Running",
    startTime: fields.createdAt ?? "2026-11-02T08:00:00Z",
    conditions: [
      { type: "PodScheduled", status: "True", lastTransitionTime: fields.createdAt ?? "2026-11-02T08:00:00Z" },
      { type: "Ready", status: "True", lastTransitionTime: fields.createdAt ?? "2026-11-02T08:00:00Z" },
    ],
    containerStatuses: [
      {
        name: "cart",
        image: "shop/cart:3",
        imageID: "",
        ready: true,
        restartCount: 0,
        started: true,
        state: { running: { startedAt: fields.createdAt ?? "2026-11-02T08:00:00Z" } },
      },
    ],
  };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "shop",
      creationTimestamp: fields.createdAt ?? "2026-11-02T08:00:00Z",
      labels: fields.labels ?? { app: "cart", "pod-template-hash": "c3" },
    },
    spec: { containers: [{ name: "cart", image: "shop/cart:3" }] },
    status: { ...base, ...fields.status },
  };
}

/** A Warning event about `kind/name` (a Pod, ReplicaSet, Deployment or Node). */
export function warningEvent(
  kind: string,
  name: string,
  reason: string,
  message: string,
  times: { first: string; last?: string; count?: number },
): Obj {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `${name}.${reason.toLowerCase()}`, namespace: "shop" },
    involvedObject: { kind, name, namespace: "shop" },
    reason,
    message,
    type: "Warning",
    count: times.count ?? 1,
    firstTimestamp: times.first,
    lastTimestamp: times.last ?? times.first,
    source: { component: kind === "Pod" ? "kubelet" : "controller" },
  };
}

export function status(code: number, reason: string, message: string) {
  return { status: code, body: { apiVersion: "v1", kind: "Status", status: "Failure", reason, message, code } };
}

/** RFC 7386, as the API server applies `application/merge-patch+json`. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out: Obj = target && typeof target === "object" && !Array.isArray(target) ? { ...(target as Obj) } : {};
  for (const [key, value] of Object.entries(patch as Obj)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}
