// A small stateful Kubernetes cluster (one namespace, the Deployment cart and the ReplicaSets of its revisions)
// that answers the apps/v1 calls the Kubernetes remediation action makes, once Prism has validated them against
// the API description: what the action's contract test and the engine's end-to-end tests run against.
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
