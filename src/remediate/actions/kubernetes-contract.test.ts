// Contract test of the Kubernetes action against the apps/v1 description of Kubernetes 1.35
// (../shared/specs/kubernetes), served by Prism in --errors mode. The official client makes its own HTTP
// calls, so it talks to a loopback proxy that hands each request to recordingHttp in front of Prism: every
// request is validated by the mock, and a small stateful cluster answers in its place, each of its answers
// checked against the description's response schemas.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { HttpClient } from "../../connectors/connector.ts";
import { FakeCluster, mergePatch, status, template } from "../../testing/fake-kubernetes.ts";
import {
  type AnswerChecker,
  clusterBehindPrism,
  KUBERNETES_SPEC,
  type KubernetesMock,
  startKubernetesMock,
} from "../../testing/kubernetes-mock.ts";
import { type RecordingHttp, recordingHttp } from "../../testing/recording-http.ts";
import type { ActionContext, ActionIncident } from "./action.ts";
import {
  BEFORE_ANNOTATION,
  IDEMPOTENCY_ANNOTATION,
  kubernetesAction,
  kubernetesActionSchema,
  RESTARTED_AT_ANNOTATION,
} from "./kubernetes.ts";

const SPEC = KUBERNETES_SPEC;
const TOKEN = "k8s-SERVICE-ACCOUNT-token-0123456789";
const NOW = new Date("2026-12-07T12:00:00.123Z");
type Obj = Record<string, unknown>;

const incident: ActionIncident = {
  id: "inc-1",
  key: "shop/cart/pool",
  service: "cart",
  environment: "prod",
  severity: "high",
  labels: { namespace: "shop", sneaky: "../../../api/v1/namespaces/kube-system/secrets" },
};

let mock: KubernetesMock | null = null;
let recorder: RecordingHttp;
let cluster: FakeCluster;
let checkAnswer: AnswerChecker;
const answerProblems: string[] = [];

/** Prism validates the request; when it accepts it, the fake cluster answers instead of Prism's invention. */
const statefulCluster: HttpClient = clusterBehindPrism(
  () => cluster,
  () => checkAnswer,
  answerProblems,
);

function context(overrides: Partial<ActionContext> = {}): ActionContext {
  return {
    incident,
    idempotencyKey: "inc-1:cart-fix:1",
    secret: (ref) => {
      if (ref === "k8s-token") return TOKEN;
      throw new Error(`unknown secret reference ${ref}`);
    },
    signal: new AbortController().signal,
    ...overrides,
  };
}

function action(fields: Obj) {
  const proxy = mock?.proxy;
  if (!proxy) throw new Error("proxy is not running");
  const config = kubernetesActionSchema.parse({
    kind: "kubernetes",
    cluster: "prod-eu",
    // The client refuses plain HTTP unless the certificate check is off; the proxy is loopback HTTP.
    connection: { server: proxy.url, token: "k8s-token", insecureSkipTlsVerify: true },
    namespace: "{{labels.namespace}}",
    deployment: "{{service}}",
    ...fields,
  });
  return kubernetesAction(config, () => NOW);
}

function calls(): string[] {
  return recorder.exchanges.map((e) => `${e.method} ${new URL(e.url).pathname}`);
}

if (SPEC.skip) {
  describe("kubernetes action contract (Prism)", { skip: SPEC.skip }, () => {});
} else {
  describe("kubernetes action against the Kubernetes 1.35 apps/v1 description (Prism)", () => {
    before(async () => {
      mock = await startKubernetesMock(() => recorder);
      checkAnswer = mock.checkAnswer;
    });
    after(async () => {
      await mock?.stop();
    });
    beforeEach(() => {
      cluster = new FakeCluster();
      recorder = recordingHttp(statefulCluster);
      answerProblems.length = 0;
    });

    it("the mock refuses a request the description forbids (the harness can fail)", async () => {
      await recorder.http(`${mock?.prism.baseUrl}/apis/apps/v1/namespaces/shop/deployments/cart?force=maybe`, {
        method: "PATCH",
        headers: { "content-type": "application/json-patch+json", authorization: "Bearer x" },
        body: JSON.stringify([{ op: "replace", path: "/spec/replicas", value: 1 }]),
      });
      assert.ok(recorder.violations().length >= 1, recorder.violations().join("\n"));
      assert.ok(
        checkAnswer("GET", "/apis/apps/v1/namespaces/shop/deployments/cart", 200, { spec: { replicas: "three" } }).length >= 1,
      );
    });

    it("rolloutRestart patches the pod template's restartedAt, as kubectl does, once per idempotency key", async () => {
      const restart = action({ operation: "rolloutRestart" });
      const outcome = await restart.execute(context());
      assert.deepEqual(outcome, {
        ok: true,
        summary: "restarted deployment shop/cart in prod-eu (rollout restart at 2026-12-07T12:00:00Z)",
      });
      assert.deepEqual(calls(), [
        "GET /apis/apps/v1/namespaces/shop/deployments/cart",
        "PATCH /apis/apps/v1/namespaces/shop/deployments/cart",
      ]);
      assert.deepEqual(cluster.patches[0], {
        contentType: "application/merge-patch+json",
        body: {
          metadata: {
            resourceVersion: "100",
            annotations: { [IDEMPOTENCY_ANNOTATION]: "inc-1:cart-fix:1", [BEFORE_ANNOTATION]: "{}" },
          },
          spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: "2026-12-07T12:00:00Z" } } } },
        },
      });
      for (const exchange of recorder.exchanges) assert.equal(exchange.headers.authorization, `Bearer ${TOKEN}`);
      // A retried request (same incident, playbook and attempt) finds its mark and does not restart again.
      const retried = await restart.execute(context());
      assert.deepEqual(retried, {
        ok: true,
        summary: "deployment shop/cart in prod-eu already changed by this attempt; not repeated",
      });
      assert.equal(cluster.patches.length, 1);
      assert.equal((await restart.execute(context({ idempotencyKey: "inc-1:cart-fix:2" }))).ok, true);
      assert.equal(cluster.patches.length, 2);
      assert.deepEqual(recorder.violations(), []);
      assert.deepEqual(answerProblems, []);
    });

    it("scale sets replicas or moves them by a delta within bounds, with the old count as undo", async () => {
      const to = await action({ operation: "scale", replicas: { to: 5 } }).execute(context());
      assert.deepEqual(to, {
        ok: true,
        summary: "scaled deployment shop/cart in prod-eu from 3 to 5 replicas",
        undo: { replicas: 3 },
      });
      const up = await action({ operation: "scale", replicas: { delta: 4, max: 7 } }).execute(context({ idempotencyKey: "k2" }));
      assert.deepEqual(up, {
        ok: true,
        summary: "scaled deployment shop/cart in prod-eu from 5 to 7 replicas",
        undo: { replicas: 5 },
      });
      const capped = await action({ operation: "scale", replicas: { delta: 1, max: 7 } }).execute(
        context({ idempotencyKey: "k3" }),
      );
      assert.deepEqual(capped, {
        ok: false,
        summary: "not changed deployment shop/cart in prod-eu: it runs 7 replicas, at the bound of 1..7",
      });
      assert.equal(cluster.patches.length, 2);
      assert.deepEqual(cluster.patches[1]?.body.spec, { replicas: 7 });
      assert.equal((cluster.deployment.spec as Obj).replicas, 7);
      // The retry of the first attempt returns its undo data again, from the Deployment, without scaling.
      cluster.deployment = mergePatch(cluster.deployment, {
        metadata: { annotations: { [IDEMPOTENCY_ANNOTATION]: "k2" } },
      }) as Obj;
      const retried = await action({ operation: "scale", replicas: { delta: 4, max: 7 } }).execute(
        context({ idempotencyKey: "k2" }),
      );
      assert.deepEqual(retried.undo, { replicas: 5 });
      assert.deepEqual(recorder.violations(), []);
      assert.deepEqual(answerProblems, []);
    });

    it("rollback restores the previous revision's template exactly, as `kubectl rollout undo` does", async () => {
      const outcome = await action({ operation: "rollback" }).execute(context());
      assert.deepEqual(outcome, {
        ok: true,
        summary: "rolled back deployment shop/cart in prod-eu from revision 3 to the template of revision 1",
        undo: { revision: 3 },
      });
      assert.deepEqual(calls(), [
        "GET /apis/apps/v1/namespaces/shop/deployments/cart",
        "GET /apis/apps/v1/namespaces/shop/replicasets",
        "PATCH /apis/apps/v1/namespaces/shop/deployments/cart",
      ]);
      const spec = cluster.deployment.spec as Obj;
      // The canary's ReplicaSet (revision 2, another owner) is skipped; NEW_FLAG is gone, not merged by name.
      assert.deepEqual(spec.template, template("shop/cart:1", [{ name: "POOL", value: "20" }]));
      const annotations = (cluster.deployment.metadata as Obj).annotations as Obj;
      assert.equal(annotations["kubernetes.io/change-cause"], "v1");
      assert.equal(annotations["deployment.kubernetes.io/revision"], "3");
      assert.equal(annotations[IDEMPOTENCY_ANNOTATION], "inc-1:cart-fix:1");
      assert.equal(cluster.patches[0]?.contentType, "application/merge-patch+json");
      // A follow-up GET of the rolled-back Deployment is still a valid Deployment answer.
      assert.deepEqual(checkAnswer("GET", "/apis/apps/v1/namespaces/shop/deployments/cart", 200, cluster.deployment), []);
      assert.deepEqual(recorder.violations(), []);
      assert.deepEqual(answerProblems, []);
    });

    it("rollback refuses when no earlier revision is left, and a paused Deployment", async () => {
      cluster.replicaSets = cluster.replicaSets.filter((rs) => (rs.metadata as Obj).name === "cart-c3");
      const none = await action({ operation: "rollback" }).execute(context());
      assert.deepEqual(none, {
        ok: false,
        summary: "not changed deployment shop/cart in prod-eu: no revision before 3 is left to roll back to",
      });
      (cluster.deployment.spec as Obj).paused = true;
      const paused = await action({ operation: "rolloutRestart" }).execute(context());
      assert.deepEqual(paused, {
        ok: false,
        summary: "not changed deployment shop/cart in prod-eu: it is paused (resume the rollout first)",
      });
      assert.equal(cluster.patches.length, 0);
    });

    it("describe says what would be done and sends nothing", () => {
      const texts = [
        action({ operation: "rolloutRestart" }).describe(context()),
        action({ operation: "scale", replicas: { delta: -1, min: 2, max: 9 } }).describe(context()),
        action({ operation: "rollback" }).describe(context()),
      ];
      assert.deepEqual(texts, [
        "rollout restart deployment shop/cart in prod-eu: patch its pod template annotation kubectl.kubernetes.io/restartedAt to the current time",
        "scale deployment shop/cart in prod-eu by -1 replicas, kept within 2..9",
        "roll back deployment shop/cart in prod-eu to the previous revision: restore the pod template of its ReplicaSet with the highest deployment.kubernetes.io/revision below the current one",
      ]);
      assert.equal(recorder.exchanges.length, 0);
      assert.equal(action({ operation: "rollback" }).target(incident), "k8s:prod-eu/shop/deployment/cart");
    });

    it("a name from an incident label never reaches a request path", async () => {
      const outcome = await action({ operation: "rolloutRestart", deployment: "{{labels.sneaky}}" }).execute(context());
      assert.equal(outcome.ok, false);
      assert.match(outcome.summary, /is not a valid Deployment name$/);
      assert.equal(recorder.exchanges.length, 0);
    });

    it("failures come back as ok=false with the server's reason and no token", async () => {
      recorder.script({
        status: 404,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(status(404, "NotFound", `deployments.apps "cart" not found (token ${TOKEN})`).body),
      });
      const missing = await action({ operation: "rolloutRestart" }).execute(context());
      assert.deepEqual(missing, {
        ok: false,
        summary:
          'rolloutRestart of deployment shop/cart in prod-eu failed: HTTP 404 NotFound: deployments.apps "cart" not found (token [redacted])',
      });
      // Someone changed the Deployment between the read and the patch: the conditional patch is refused.
      const racing: HttpClient = async (url, init) => {
        if (init.method === "PATCH") cluster.resourceVersion++;
        return statefulCluster(url, init);
      };
      recorder = recordingHttp(racing);
      const conflict = await action({ operation: "scale", replicas: { to: 4 } }).execute(context());
      assert.equal(conflict.ok, false);
      assert.match(conflict.summary, /failed: HTTP 409 Conflict: Operation cannot be fulfilled/);
      const unknownSecret = await action({
        operation: "rolloutRestart",
        connection: { server: mock?.proxy.url, token: "nope", insecureSkipTlsVerify: true },
      }).execute(context());
      assert.deepEqual(unknownSecret, {
        ok: false,
        summary: "rolloutRestart of deployment shop/cart in prod-eu failed: unknown secret reference nope",
      });
    });

    it("honours the abort signal", async () => {
      recorder.script({ hang: true });
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("run timed out")), 300);
      const outcome = await action({ operation: "rolloutRestart" }).execute(context({ signal: controller.signal }));
      assert.deepEqual(outcome, { ok: false, summary: "rolloutRestart of deployment shop/cart in prod-eu aborted" });
      assert.equal(cluster.patches.length, 0);
    });
  });
}
