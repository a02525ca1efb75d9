import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubernetesWorkload } from "../../../catalog/catalog.ts";
import { createRedactor } from "../../../redact/redactor.ts";
import { FakeCluster, pod, warningEvent } from "../../../testing/fake-kubernetes.ts";
import { analyze } from "../../analysis/analyze.ts";
import { CallGraph } from "../../analysis/call-graph.ts";
import { ONSET, testBudget, testQuery } from "../test-query.ts";
import { KubernetesCollector, type KubernetesCollectorOptions } from "./kubernetes-collector.ts";
import type { Wire } from "./wire.ts";
import type { WorkloadReader } from "./workload-reader.ts";

type Obj = Record<string, unknown>;
const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const TOKEN = "eyJhbGciOiJSUzI1NiJ9.k8s-service-account-token";

/** payments' workload: cart's FakeCluster objects relabelled, the current revision rolled out at `rolledOutAt`. */
function paymentsCluster(rolledOutAt: number): FakeCluster {
  const c = new FakeCluster();
  c.deployment.metadata = { ...(c.deployment.metadata as Obj), labels: { "app.kubernetes.io/name": "payments" } };
  const created: Record<string, number> = { "cart-a1": ONSET - 3 * 24 * 60 * MINUTE, "cart-c3": rolledOutAt };
  for (const rs of c.replicaSets) {
    const metadata = rs.metadata as Obj;
    if (created[metadata.name as string]) metadata.creationTimestamp = iso(created[metadata.name as string] as number);
  }
  return c;
}

function oomPod(name: string, killedAt: number): Obj {
  return pod(name, {
    status: {
      conditions: [{ type: "Ready", status: "False", lastTransitionTime: iso(killedAt) }],
      containerStatuses: [
        {
          name: "cart",
          image: "shop/cart:3",
          imageID: "",
          ready: false,
          restartCount: 4,
          state: { waiting: { reason: "CrashLoopBackOff" } },
          lastState: { terminated: { reason: "OOMKilled", exitCode: 137, finishedAt: iso(killedAt) } },
        },
      ],
    },
  });
}

/** A reader answering from one cluster for `app.kubernetes.io/name=payments`, recording each call. */
function fakeReader(cluster: FakeCluster, overrides: Partial<WorkloadReader> = {}): { reader: WorkloadReader; calls: string[] } {
  const calls: string[] = [];
  const mine = (selector: string) => selector === "app.kubernetes.io/name=payments" || selector === "app=cart";
  const reader: WorkloadReader = {
    readDeployment: async (ns, name) => {
      calls.push(`readDeployment ${ns} ${name}`);
      return cluster.deployment;
    },
    listDeployments: async (ns, selector) => {
      calls.push(`listDeployments ${ns} ${selector}`);
      return mine(selector) ? [cluster.deployment] : [];
    },
    listReplicaSets: async (ns, selector) => {
      calls.push(`listReplicaSets ${ns} ${selector}`);
      return mine(selector) ? cluster.replicaSets : [];
    },
    listPods: async (ns, selector) => {
      calls.push(`listPods ${ns} ${selector}`);
      return mine(selector) ? cluster.pods : [];
    },
    listWarningEvents: async (ns) => {
      calls.push(`listWarningEvents ${ns}`);
      return cluster.events as Wire[];
    },
    ...overrides,
  };
  return { reader, calls };
}

function collector(reader: WorkloadReader, options: Partial<KubernetesCollectorOptions> = {}): KubernetesCollector {
  return new KubernetesCollector({
    connect: () => ({ reader, secrets: [TOKEN] }),
    workload: () => null,
    namespace: "shop",
    maxServices: 2,
    timeout: 2000,
    linkTemplate: "https://k8s.example.com/#/$kind/$namespace/$name",
    redact: createRedactor().redact,
    ...options,
  });
}

function analysisOf(out: Awaited<ReturnType<KubernetesCollector["collect"]>>) {
  return analyze({
    graph: new CallGraph([
      { caller: "checkout", callee: "payments" },
      { caller: "payments", callee: "bank" },
    ]),
    symptom: "checkout",
    onsetAt: ONSET,
    metrics: [],
    extra: out.extra,
  });
}

describe("Kubernetes collector", () => {
  it("reads pods, Warning events and rollouts of the service and a neighbour, and explains an OOM crash loop", async () => {
    const cluster = paymentsCluster(ONSET - 6 * MINUTE);
    cluster.pods = [pod("cart-c3-ok"), oomPod("cart-c3-x", ONSET + 2 * MINUTE)];
    cluster.events = [
      warningEvent("Pod", "cart-c3-x", "BackOff", "Back-off restarting failed container cart in pod cart-c3-x", {
        first: iso(ONSET - 2 * MINUTE),
        last: iso(ONSET + 4 * MINUTE),
        count: 7,
      }),
    ];
    const { reader, calls } = fakeReader(cluster);
    const budget = testBudget();
    const out = await collector(reader).collect(testQuery(), budget);
    assert.equal(budget.used(), 2, "one query step per service");
    assert.deepEqual(calls.sort(), [
      "listDeployments shop app.kubernetes.io/name=checkout",
      "listDeployments shop app.kubernetes.io/name=payments",
      "listPods shop app.kubernetes.io/name=checkout",
      "listPods shop app.kubernetes.io/name=payments",
      "listReplicaSets shop app.kubernetes.io/name=checkout",
      "listReplicaSets shop app.kubernetes.io/name=payments",
      "listWarningEvents shop",
      "listWarningEvents shop",
    ]);
    const summaries = out.items.map((i) => `${i.id} ${i.summary}`);
    assert.deepEqual(summaries, [
      "kubernetes-1 payments: 2 pods in shop (app.kubernetes.io/name=payments), 1 ready, 4 restarts; 1 OOMKilled, 1 in CrashLoopBackOff",
      `kubernetes-2 pod shop/cart-c3-x Running, not ready; 4 restarts; last terminated OOMKilled (exit 137): out of memory at ${iso(ONSET + 2 * MINUTE)} (container cart); waiting: CrashLoopBackOff; not ready since ${iso(ONSET + 2 * MINUTE)}`,
      `kubernetes-3 Warning BackOff ×7 in shop on Pod/cart-c3-x from ${iso(ONSET - 2 * MINUTE)} to ${iso(ONSET + 4 * MINUTE)}: Back-off restarting failed container cart in pod cart-c3-x`,
      `kubernetes-4 deployment shop/cart: current revision 3 (shop/cart:3, "v3") created ${iso(ONSET - 6 * MINUTE)} — 6 min before onset; before it revision 1 (shop/cart:1, "v1") created ${iso(ONSET - 3 * 24 * 60 * MINUTE)}`,
      "kubernetes-5 checkout: no pods in shop match app.kubernetes.io/name=checkout",
    ]);
    assert.ok(out.items.every((i) => i.source === "kubernetes"));
    assert.equal(
      out.items[0]?.query,
      "GET /api/v1/namespaces/shop/pods?labelSelector=app.kubernetes.io%2Fname%3Dpayments&limit=500",
    );
    assert.equal(out.items[2]?.query, "GET /api/v1/namespaces/shop/events?fieldSelector=type%3DWarning&limit=500");
    assert.equal(out.items[1]?.link, "https://k8s.example.com/#/pod/shop/cart-c3-x");
    // The crash loop began with the first BackOff, before the last OOM kill the status keeps.
    assert.deepEqual(out.extra, [
      {
        kind: "workload",
        id: "kubernetes-2",
        node: "payments",
        condition: "oom-killed",
        at: ONSET - 2 * MINUTE,
        summary: out.extra[0]?.summary,
      },
      {
        kind: "change",
        id: "kubernetes-4",
        node: "payments",
        at: ONSET - 6 * MINUTE,
        summary: "rollout of deployment shop/cart to revision 3",
      },
    ]);
    assert.deepEqual(out.actions, [
      {
        kind: "rollback",
        text: "Roll back deployment shop/cart from revision 3 (shop/cart:3) to revision 1 (shop/cart:1): kubectl rollout undo deployment/cart -n shop --to-revision=1",
        link: "https://k8s.example.com/#/deployment/shop/cart",
        evidence: ["kubernetes-4"],
      },
    ]);
    assert.ok(out.steps.every((s) => s.status === "ok" && s.collector === "kubernetes"));
    assert.equal(out.steps.length, 8);
    // The analysis: OOM kills at onset and a rollout just before it name payments, citing both.
    const result = analysisOf(out);
    assert.equal(result.abstained, false);
    assert.equal(result.hypotheses[0]?.node, "payments");
    assert.deepEqual(result.hypotheses[0]?.evidence, ["kubernetes-2", "kubernetes-4"]);
    assert.ok((result.hypotheses[0]?.factors.extraPoints.workload ?? 0) > 1.8);
  });

  it("old troubles and old rollouts are background: the analysis has nothing to go on", async () => {
    const cluster = paymentsCluster(ONSET - 3 * 24 * 60 * MINUTE + MINUTE);
    cluster.pods = [oomPod("cart-c3-x", ONSET - 30 * 60 * MINUTE)];
    const out = await collector(fakeReader(cluster).reader).collect(testQuery(), testBudget());
    assert.deepEqual(
      out.extra.map((e) => e.kind),
      ["workload"],
      "the rollout is outside the window: no change",
    );
    assert.deepEqual(out.actions, []);
    const result = analysisOf(out);
    assert.equal(result.abstained, true);
    assert.equal(result.reason, "no-evidence");
  });

  it("unschedulable pods support a capacity cause; a pod merely not ready counts half", async () => {
    const cluster = paymentsCluster(ONSET - 3 * 24 * 60 * MINUTE + MINUTE);
    cluster.pods = [
      pod("cart-c3-p", {
        status: {
          phase: "Pending",
          conditions: [
            {
              type: "PodScheduled",
              status: "False",
              reason: "Unschedulable",
              message: "0/3 nodes are available: 3 Insufficient cpu.",
              lastTransitionTime: iso(ONSET - MINUTE),
            },
          ],
          containerStatuses: [],
        },
      }),
    ];
    cluster.events = [
      warningEvent("Pod", "cart-c3-p", "FailedScheduling", "0/3 nodes are available: 3 Insufficient cpu.", {
        first: iso(ONSET - 3 * MINUTE),
        last: iso(ONSET + MINUTE),
        count: 5,
      }),
    ];
    const pending = await collector(fakeReader(cluster).reader).collect(testQuery(), testBudget());
    assert.deepEqual(
      pending.extra.map((e) => (e.kind === "workload" ? [e.condition, e.at] : e.kind)),
      [["pending", ONSET - 3 * MINUTE]],
    );
    const pendingPoints = analysisOf(pending).hypotheses[0]?.factors.extraPoints.workload ?? 0;
    cluster.pods = [
      pod("cart-c3-u", { status: { conditions: [{ type: "Ready", status: "False", lastTransitionTime: iso(ONSET - MINUTE) }] } }),
    ];
    cluster.events = [];
    const unready = await collector(fakeReader(cluster).reader).collect(testQuery(), testBudget());
    const unreadyPoints = analysisOf(unready).hypotheses[0]?.factors.extraPoints.workload ?? 0;
    assert.ok(pendingPoints > 1.8, `pending: ${pendingPoints}`);
    assert.ok(Math.abs(unreadyPoints - 2 * 0.5 * 0.5 ** (1 / 30)) < 1e-9, `not ready: ${unreadyPoints}`);
  });

  it("a catalog Deployment is read first and its own selector finds the pods", async () => {
    const cluster = paymentsCluster(ONSET - 6 * MINUTE);
    cluster.pods = [pod("cart-c3-ok")];
    const { reader, calls } = fakeReader(cluster);
    const workloads: Record<string, KubernetesWorkload> = { payments: { namespace: "shop", deployment: "cart" } };
    const out = await collector(reader, { workload: (s) => workloads[s], maxServices: 1 }).collect(testQuery(), testBudget());
    assert.deepEqual(calls.slice(0, 1), ["readDeployment shop cart"]);
    assert.deepEqual(calls.slice(1).sort(), [
      "listPods shop app=cart",
      "listReplicaSets shop app=cart",
      "listWarningEvents shop",
    ]);
    assert.equal(out.items[0]?.summary, "payments: 1 pod in shop (app=cart), 1 ready, 0 restarts");
    assert.equal(out.items.at(-1)?.query, "GET /apis/apps/v1/namespaces/shop/deployments/cart");
  });

  it("a failing or slow API fails its steps, keeps what arrived, and never shows a token", async () => {
    const cluster = paymentsCluster(ONSET - 6 * MINUTE);
    cluster.pods = [pod("cart-c3-ok")];
    const { reader } = fakeReader(cluster, {
      listWarningEvents: async () => {
        throw Object.assign(new Error("Forbidden"), {
          code: 403,
          body: JSON.stringify({
            kind: "Status",
            reason: "Forbidden",
            message: `events is forbidden: User "system:serviceaccount:sluice:reader" (token ${TOKEN}, header Authorization: Bearer other-token-123456) cannot list resource "events"`,
          }),
        });
      },
      listReplicaSets: (_ns, _selector) => new Promise<Wire[]>(() => {}),
    });
    const started = Date.now();
    const out = await collector(reader, { timeout: 300 }).collect(testQuery(), testBudget());
    assert.ok(Date.now() - started < 1500, "the slow read is cut off at the collector's timeout");
    const byQuery = (q: string) => out.steps.filter((s) => s.query.includes(q)).map((s) => [s.status, s.note]);
    assert.deepEqual(byQuery("/events")[0], [
      "failed",
      'HTTP 403 Forbidden: events is forbidden: User "system:serviceaccount:sluice:reader" (token [redacted], header Authorization: Bearer [redacted]) cannot list resource "events"',
    ]);
    assert.deepEqual(byQuery("/replicasets")[0]?.[0], "timed-out");
    assert.equal(out.items[0]?.summary, "payments: 1 pod in shop (app.kubernetes.io/name=payments), 1 ready, 0 restarts");
    const text = JSON.stringify(out);
    assert.ok(!text.includes(TOKEN) && !text.includes("other-token-123456"), "no token in evidence or steps");
  });

  it("a connection that fails to load throws without its token; budget and bad names skip services unsent", async () => {
    const broken = new KubernetesCollector({
      connect: () => {
        throw new Error(`invalid kubeconfig: line 9: token: ${TOKEN} is not a map`);
      },
      workload: () => null,
      namespace: "shop",
      maxServices: 3,
      timeout: 1000,
      linkTemplate: null,
      redact: (t) => t,
    });
    await assert.rejects(broken.collect(testQuery(), testBudget()), (error: Error) => {
      assert.match(error.message, /^cannot connect to Kubernetes: invalid kubeconfig/);
      assert.ok(!error.message.includes(TOKEN.slice(10)), error.message);
      return true;
    });
    const { reader, calls } = fakeReader(paymentsCluster(ONSET));
    const out = await collector(reader, { maxServices: 3 }).collect(
      testQuery({ services: ["payments", "../../secrets/x", "bank"] }),
      testBudget(1),
    );
    assert.deepEqual(
      out.steps.filter((s) => s.status === "skipped").map((s) => [s.query, s.note]),
      [
        [
          "../../secrets/x",
          '"../../secrets/x" is not a Kubernetes label value; give it a kubernetes selector or deployment in the catalog',
        ],
        ["shop/bank", "out of query steps"],
      ],
    );
    assert.ok(
      calls.every((c) => c.includes("payments") || c === "listWarningEvents shop"),
      calls.join("\n"),
    );
  });
});
