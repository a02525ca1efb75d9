// Contract test of the Kubernetes evidence collector against the Kubernetes 1.35 description
// (../shared/specs/kubernetes), through the same Prism-backed fake cluster as the remediation action's contract
// test: every request the official client makes is validated by the mock, every answer against the description's
// response schemas. It also holds the collector to reading only: every request is a GET that reads or lists,
// never a watch, and each evidence item's query is a request it really made.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import type { KubernetesWorkload } from "../../../catalog/catalog.ts";
import { kubernetesConnectionSchema } from "../../../config/kubernetes-action-config.ts";
import type { HttpClient } from "../../../connectors/connector.ts";
import { createRedactor } from "../../../redact/redactor.ts";
import { FakeCluster, pod, status, warningEvent } from "../../../testing/fake-kubernetes.ts";
import {
  type AnswerChecker,
  clusterBehindPrism,
  KUBERNETES_SPEC,
  type KubernetesMock,
  startKubernetesMock,
} from "../../../testing/kubernetes-mock.ts";
import { type RecordingHttp, recordingHttp } from "../../../testing/recording-http.ts";
import { ONSET, testBudget, testQuery } from "../test-query.ts";
import { KubernetesCollector } from "./kubernetes-collector.ts";
import { officialReader } from "./workload-reader.ts";

const TOKEN = "k8s-READER-token-0123456789abcdef";
const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
type Obj = Record<string, unknown>;

let mock: KubernetesMock | null = null;
let recorder: RecordingHttp;
let cluster: FakeCluster;
let checkAnswer: AnswerChecker;
const answerProblems: string[] = [];
const statefulCluster: HttpClient = clusterBehindPrism(
  () => cluster,
  () => checkAnswer,
  answerProblems,
);

/** cart in shop: revision 3 rolled out 6 minutes before onset, one pod OOMKilled in a crash loop, its events. */
function incidentCluster(): FakeCluster {
  const c = new FakeCluster();
  (c.deployment.metadata as Obj).labels = { app: "cart" };
  const created: Record<string, string> = {
    "cart-a1": "2026-10-30T12:00:00Z",
    "cart-canary-b2": "2026-11-01T08:00:00Z",
    "cart-c3": iso(ONSET - 6 * MINUTE),
  };
  for (const rs of c.replicaSets) {
    const metadata = rs.metadata as Obj;
    metadata.creationTimestamp = created[metadata.name as string];
  }
  c.pods = [
    pod("cart-c3-ok"),
    pod("cart-c3-x", {
      status: {
        conditions: [
          { type: "PodScheduled", status: "True", lastTransitionTime: iso(ONSET - 5 * MINUTE) },
          { type: "Ready", status: "False", lastTransitionTime: iso(ONSET + MINUTE) },
        ],
        containerStatuses: [
          {
            name: "cart",
            image: "shop/cart:3",
            imageID: "",
            ready: false,
            restartCount: 3,
            state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container" } },
            lastState: { terminated: { reason: "OOMKilled", exitCode: 137, finishedAt: iso(ONSET + MINUTE) } },
          },
        ],
      },
    }),
  ];
  c.events = [
    warningEvent("Pod", "cart-c3-x", "BackOff", "Back-off restarting failed container cart in pod cart-c3-x", {
      first: iso(ONSET - MINUTE),
      last: iso(ONSET + 3 * MINUTE),
      count: 6,
    }),
    warningEvent("Pod", "other-1", "FailedMount", "not ours", { first: iso(ONSET) }),
  ];
  return c;
}

function collector(
  workloads: Record<string, KubernetesWorkload>,
  secrets: Record<string, string> = { reader: TOKEN },
  timeout = 30_000,
  kubeconfig?: string,
) {
  const proxy = mock?.proxy;
  if (!proxy) throw new Error("proxy is not running");
  // The client refuses plain HTTP unless the certificate check is off; the proxy is loopback HTTP.
  const connection = kubernetesConnectionSchema.parse(
    kubeconfig ? { kubeconfig } : { server: proxy.url, token: "reader", insecureSkipTlsVerify: true },
  );
  return new KubernetesCollector({
    connect: (signal) =>
      officialReader(
        connection,
        (ref) => {
          const value = secrets[ref];
          if (value === undefined) throw new Error(`no secret named ${ref} in remediation.secrets`);
          return value;
        },
        signal,
      ),
    workload: (service) => workloads[service],
    namespace: "shop",
    maxServices: 1,
    timeout,
    linkTemplate: null,
    redact: createRedactor().redact,
  });
}

/** A request as `METHOD /path?sorted=params`, to compare the client's requests with the evidence's queries. */
function canonical(method: string, pathAndQuery: string): string {
  const url = new URL(pathAndQuery, "http://x");
  const params = [...url.searchParams.entries()].sort(([a], [b]) => a.localeCompare(b));
  return `${method} ${url.pathname}${params.length > 0 ? `?${new URLSearchParams(params)}` : ""}`;
}

/** Holds the collector to reading: GET only, no watch, only the four collections and the Deployment it reads. */
function assertReadOnly(exchanges: RecordingHttp["exchanges"]): void {
  assert.ok(exchanges.length > 0, "the collector made requests");
  for (const e of exchanges) {
    const url = new URL(e.url);
    assert.equal(e.method, "GET", `${e.method} ${url.pathname}: the collector only reads`);
    assert.equal(e.body, "", `GET ${url.pathname} carries no body`);
    for (const param of ["watch", "allowWatchBookmarks", "dryRun", "fieldManager"]) {
      assert.equal(url.searchParams.has(param), false, `${url.pathname}?${url.searchParams}: no ${param}`);
    }
    assert.match(
      url.pathname,
      /^\/(api\/v1\/namespaces\/[a-z0-9-]+\/(pods|events)|apis\/apps\/v1\/namespaces\/[a-z0-9-]+\/(replicasets|deployments)(\/[a-z0-9.-]+)?)$/,
      `${url.pathname}: a path the collector has no business reading`,
    );
    assert.equal(e.headers.authorization, `Bearer ${TOKEN}`);
  }
}

if (KUBERNETES_SPEC.skip) {
  describe("kubernetes collector contract (Prism)", { skip: KUBERNETES_SPEC.skip }, () => {});
} else {
  describe("Kubernetes collector against the Kubernetes 1.35 core/v1 and apps/v1 description (Prism)", () => {
    before(async () => {
      mock = await startKubernetesMock(() => recorder);
      checkAnswer = mock.checkAnswer;
    });
    after(async () => {
      await mock?.stop();
    });
    beforeEach(() => {
      cluster = incidentCluster();
      recorder = recordingHttp(statefulCluster);
      answerProblems.length = 0;
    });

    it("the mock refuses a request the description forbids, and the checker a wrong answer (the harness can fail)", async () => {
      await recorder.http(`${mock?.prism.baseUrl}/api/v1/namespaces/shop/pods?limit=many`, {
        method: "GET",
        headers: { authorization: "Bearer x" },
      });
      assert.ok(recorder.violations().length >= 1, recorder.violations().join("\n"));
      assert.ok(checkAnswer("GET", "/api/v1/namespaces/shop/pods", 200, { items: [{ status: { phase: 7 } }] }).length >= 1);
      // A write the collector must never send is one the description allows: GET-only is the collector's rule.
      const writes = recordingHttp(statefulCluster);
      await writes.http(`${mock?.prism.baseUrl}/apis/apps/v1/namespaces/shop/deployments/cart`, {
        method: "PATCH",
        headers: { "content-type": "application/merge-patch+json", authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ metadata: {}, spec: { replicas: 1 } }),
      });
      assert.throws(() => assertReadOnly(writes.exchanges), /the collector only reads/);
    });

    it("with a label selector: lists Deployments, ReplicaSets, pods and Warning events, valid and read-only", async () => {
      const out = await collector({ payments: { namespace: "shop", selector: { app: "cart" } } }).collect(
        testQuery(),
        testBudget(),
      );
      assert.deepEqual(recorder.violations(), []);
      assert.deepEqual(answerProblems, []);
      assertReadOnly(recorder.exchanges);
      const sent = recorder.exchanges.map((e) => canonical(e.method, new URL(e.url).pathname + new URL(e.url).search));
      assert.deepEqual([...sent].sort(), [
        "GET /api/v1/namespaces/shop/events?fieldSelector=type%3DWarning&limit=500",
        "GET /api/v1/namespaces/shop/pods?labelSelector=app%3Dcart&limit=500",
        "GET /apis/apps/v1/namespaces/shop/deployments?labelSelector=app%3Dcart",
        "GET /apis/apps/v1/namespaces/shop/replicasets?labelSelector=app%3Dcart",
      ]);
      // Every query the report shows is a request that was made, as it was made.
      for (const item of out.items) {
        const [method, path] = item.query.split(" ");
        assert.ok(sent.includes(canonical(method ?? "", path ?? "")), `${item.id}: ${item.query} was not sent`);
      }
      assert.deepEqual(
        out.steps.map((s) => [s.status, s.note]),
        [
          ["ok", null],
          ["ok", null],
          ["ok", null],
          ["ok", null],
        ],
      );
      assert.deepEqual(
        out.items.map((i) => i.summary.split(":")[0]),
        [
          "payments",
          "pod shop/cart-c3-x Running, not ready; 3 restarts; last terminated OOMKilled (exit 137)",
          "Warning BackOff ×6 in shop on Pod/cart-c3-x from 2026-11-02T09",
          "deployment shop/cart",
        ],
      );
      assert.deepEqual(
        out.extra.map((e) => [e.kind, e.id, e.node, "at" in e ? e.at : null]),
        [
          ["workload", "kubernetes-2", "payments", ONSET - MINUTE],
          ["change", "kubernetes-4", "payments", ONSET - 6 * MINUTE],
        ],
      );
      assert.match(
        out.actions[0]?.text ?? "",
        /^Roll back deployment shop\/cart from revision 3 \(shop\/cart:3\) to revision 1 \(shop\/cart:1\)/,
      );
      assert.ok(!JSON.stringify(out).includes(TOKEN));
    });

    it("with a Deployment: reads it, then lists by its own selector", async () => {
      const out = await collector({ payments: { namespace: "shop", deployment: "cart" } }).collect(testQuery(), testBudget());
      assert.deepEqual(recorder.violations(), []);
      assert.deepEqual(answerProblems, []);
      assertReadOnly(recorder.exchanges);
      assert.equal(
        canonical("GET", new URL(recorder.exchanges[0]?.url ?? "").pathname),
        "GET /apis/apps/v1/namespaces/shop/deployments/cart",
      );
      assert.equal(recorder.exchanges.length, 4);
      assert.equal(out.items.at(-1)?.query, "GET /apis/apps/v1/namespaces/shop/deployments/cart");
    });

    it("an API that refuses or never answers is a failed or timed-out step, and no token leaks", async () => {
      recorder.script({
        status: 403,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(
          status(403, "Forbidden", `deployments.apps "cart" is forbidden (Authorization: Bearer ${TOKEN})`).body,
        ),
      });
      const refused = await collector({ payments: { namespace: "shop", deployment: "cart" } }).collect(testQuery(), testBudget());
      assert.deepEqual(
        refused.steps.map((s) => [s.status, s.note]),
        [["failed", 'HTTP 403 Forbidden: deployments.apps "cart" is forbidden (Authorization: Bearer [redacted])']],
      );
      assert.deepEqual(refused.items, []);
      recorder = recordingHttp(statefulCluster);
      recorder.script({ hang: true });
      const hung = await collector({}, { reader: TOKEN }, 1500).collect(testQuery(), testBudget());
      const statuses = hung.steps.map((s) => s.status).sort();
      assert.ok(statuses.includes("timed-out"), JSON.stringify(hung.steps));
      assert.ok(!JSON.stringify([refused, hung]).includes(TOKEN));
      // A kubeconfig's own token is scrubbed as well.
      const dir = mkdtempSync(join(tmpdir(), "sluice-kubeconfig-"));
      const file = join(dir, "config");
      writeFileSync(
        file,
        [
          "apiVersion: v1",
          "kind: Config",
          "clusters: [{ name: c, cluster: { server: '" + (mock?.proxy.url ?? "") + "', insecure-skip-tls-verify: true } }]",
          `users: [{ name: u, user: { token: ${TOKEN} } }]`,
          "contexts: [{ name: ctx, context: { cluster: c, user: u, namespace: shop } }]",
          "current-context: ctx",
        ].join("\n"),
      );
      recorder = recordingHttp(statefulCluster);
      recorder.script({
        status: 403,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(status(403, "Forbidden", `token ${TOKEN} may not get deployments`).body),
      });
      const expired = await collector({ payments: { deployment: "cart" } }, {}, 30_000, file).collect(testQuery(), testBudget());
      assert.deepEqual(
        expired.steps.map((s) => [s.status, s.note]),
        [["failed", "HTTP 403 Forbidden: token [redacted] may not get deployments"]],
      );
      assertReadOnly(recorder.exchanges);
      // An unknown secret reference fails the collector with its name, never a value.
      await assert.rejects(
        collector({}, {}).collect(testQuery(), testBudget()),
        /no secret named reader in remediation\.secrets/,
      );
    });
  });
}
