// Each action kind beyond http, end to end through the engine: a playbook written as config is validated, built by
// the registry and run by the remediator (match, guardrails, execute, verify, rollback), against the same
// spec-validating mocks the actions' contract tests use (Prism serving Kubernetes 1.35 apps/v1, Argo CD v3.5.1's
// swagger.json and GitHub's REST description 1.1.4) and a real script in an allow-listed directory.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import type { HttpClient } from "../connectors/connector.ts";
import { FakeCluster, template } from "../testing/fake-kubernetes.ts";
import { type HttpProxy, startHttpProxy } from "../testing/http-proxy.ts";
import { responseChecker } from "../testing/openapi-responses.ts";
import { type PrismMock, startPrism } from "../testing/prism.ts";
import { type RecordingHttp, recordingHttp } from "../testing/recording-http.ts";
import { type HarnessOptions, RemediationHarness } from "../testing/remediation-harness.ts";
import { locateSpec } from "../testing/specs.ts";

const K8S_SPEC = locateSpec("kubernetes/kubernetes-1.35-apps-core.derived.prism-patched.json");
const ARGOCD_SPEC = locateSpec("argocd/argocd-swagger-v3.5.1.prism-patched.json");
const GITHUB_SPEC = locateSpec("github/github-rest-actions-issues-compare.derived.prism-patched.json");
const K8S_TOKEN = "k8s-ENGINE-token-0123456789";
const ARGOCD_TOKEN = "argocd-ENGINE-token-0123456789abcdef";
const GITHUB_TOKEN = "ghp_ENGINEtoken0123456789abcdefABCDEF";
const SCRIPT_TOKEN = "script-ENGINE-secret-0123456789";
type Obj = Record<string, unknown>;

const fault = { service: "cart", errorPattern: "connection pool exhausted after <num> ms" };

function playbook(action: Obj, fields: Obj = {}): Obj {
  return {
    name: "heal-cart",
    match: { service: "cart", pattern: "*pool exhausted*" },
    action,
    verify: { query: 'cart_pool_free{service="{{service}}"} > 0', for: "20s", within: "60s" },
    mode: { "*": "auto" },
    cooldown: "0s",
    ...fields,
  };
}

async function harness(options: Partial<HarnessOptions> & { playbooks: unknown[]; healed: () => boolean }) {
  return RemediationHarness.open({ prometheus: () => options.healed(), ...options });
}

/** Advances the clock in poll steps, flushing the engine each time. */
async function run(h: RemediationHarness, engine: ReturnType<RemediationHarness["engine"]>, ms: number, step = 5000) {
  for (let t = 0; t <= ms; t += step) {
    await engine.flush();
    h.clock.advance(step);
  }
}

const timeline = async (h: RemediationHarness, id: string) =>
  (await h.store.incidents.timeline(id)).map((e) => `${e.actor} ${e.action}: ${e.detail}`).join("\n");

if (K8S_SPEC.skip) {
  describe("remediator with Kubernetes actions (Prism)", { skip: K8S_SPEC.skip }, () => {});
} else {
  describe("remediator with Kubernetes actions against the Kubernetes 1.35 apps/v1 description (Prism)", () => {
    let prism: PrismMock | null = null;
    let proxy: HttpProxy | null = null;
    let recorder: RecordingHttp;
    let cluster: FakeCluster;
    let checkAnswer: ReturnType<typeof responseChecker>;
    const answerProblems: string[] = [];

    /** Prism validates each request; when it accepts one, the fake cluster answers, its answer checked too. */
    const statefulCluster: HttpClient = async (url, init) => {
      const real = await fetch(url, init);
      const text = await real.text();
      if (!real.ok || real.headers.has("sl-violations"))
        return new Response(text, { status: real.status, headers: real.headers });
      const { pathname, searchParams } = new URL(url);
      const method = init.method ?? "GET";
      const answer = cluster.answer(method, pathname, searchParams, new Headers(init.headers), String(init.body ?? ""));
      answerProblems.push(...checkAnswer(method, pathname, answer.status, answer.body));
      return Response.json(answer.body, { status: answer.status });
    };

    const kubernetes = (fields: Obj): Obj => ({
      kind: "kubernetes",
      cluster: "prod-eu",
      // The client refuses plain HTTP unless the certificate check is off; the proxy is loopback HTTP.
      connection: { server: proxy?.url, token: "k8s-token", insecureSkipTlsVerify: true },
      namespace: "{{labels.namespace}}",
      deployment: "{{service}}",
      ...fields,
    });

    const requests = () => recorder.exchanges.map((e) => `${e.method} ${new URL(e.url).pathname}`);

    before(async () => {
      checkAnswer = responseChecker(K8S_SPEC.path);
      prism = await startPrism(K8S_SPEC.path, { dynamic: true });
      proxy = await startHttpProxy(
        () => prism?.baseUrl ?? "",
        (url, init) => recorder.http(url, init),
      );
    });
    after(async () => {
      await proxy?.stop();
      await prism?.stop();
    });
    beforeEach(() => {
      cluster = new FakeCluster();
      recorder = recordingHttp(statefulCluster);
      answerProblems.length = 0;
    });

    it("rolloutRestart: a matched incident restarts the Deployment once, verification holds, the incident resolves", async () => {
      const h = await harness({
        playbooks: [playbook(kubernetes({ operation: "rolloutRestart" }))],
        secrets: { "k8s-token": K8S_TOKEN },
        healed: () => cluster.patches.length > 0,
      });
      const engine = h.engine();
      const incident = await h.open(fault, { namespace: "shop" });
      for (let i = 0; i < 3; i++) engine.request(incident.id);
      await run(h, engine, 40_000);
      assert.deepEqual(recorder.violations(), []);
      assert.deepEqual(answerProblems, []);
      assert.deepEqual(requests(), [
        "GET /apis/apps/v1/namespaces/shop/deployments/cart",
        "PATCH /apis/apps/v1/namespaces/shop/deployments/cart",
      ]);
      const annotations = ((cluster.deployment.spec as Obj).template as { metadata: { annotations: Obj } }).metadata.annotations;
      assert.equal(annotations["kubectl.kubernetes.io/restartedAt"], "2026-11-02T10:00:00Z");
      for (const exchange of recorder.exchanges) assert.equal(exchange.headers.authorization, `Bearer ${K8S_TOKEN}`);
      const [stored] = await h.store.remediations.list({ limit: 5 });
      assert.equal(stored?.state, "verified");
      assert.equal(stored?.target, "k8s:prod-eu/shop/deployment/cart");
      assert.equal((await h.store.incidents.get(incident.id))?.state, "resolved");
      const lines = await timeline(h, incident.id);
      assert.match(lines, /ran: restarted deployment shop\/cart in prod-eu \(rollout restart at 2026-11-02T10:00:00Z\)/);
      assert.ok(!lines.includes(K8S_TOKEN));
      await h.close();
    });

    it("scale, then a rollback with replicas: previous puts back the count the action's undo data recorded", async () => {
      const h = await harness({
        playbooks: [
          playbook(kubernetes({ operation: "scale", replicas: { delta: 2, max: 8 } }), {
            rollback: kubernetes({ operation: "scale", replicas: "previous" }),
          }),
        ],
        secrets: { "k8s-token": K8S_TOKEN },
        healed: () => false,
      });
      const engine = h.engine();
      const incident = await h.open(fault, { namespace: "shop" });
      engine.request(incident.id);
      await run(h, engine, 80_000);
      assert.deepEqual(recorder.violations(), []);
      assert.deepEqual(answerProblems, []);
      assert.deepEqual(
        cluster.patches.map((p) => (p.body.spec as Obj).replicas),
        [5, 3],
      );
      const [stored] = await h.store.remediations.list({ limit: 5 });
      assert.equal(stored?.state, "rolled-back");
      assert.deepEqual(stored?.undo, { replicas: 3 });
      assert.equal((await h.store.incidents.get(incident.id))?.state, "escalated");
      assert.match(await timeline(h, incident.id), /rolled back: scaled deployment shop\/cart in prod-eu from 5 to 3 replicas/);
      await h.close();
    });

    it("rollback, then a rollback of it returns to the revision recorded before the action", async () => {
      const h = await harness({
        playbooks: [playbook(kubernetes({ operation: "rollback" }), { rollback: kubernetes({ operation: "rollback" }) })],
        secrets: { "k8s-token": K8S_TOKEN },
        healed: () => false,
      });
      const engine = h.engine();
      const incident = await h.open(fault, { namespace: "shop" });
      engine.request(incident.id);
      await engine.flush();
      assert.equal(cluster.patches.length, 1, "the action ran");
      // What the Deployment controller does after a rollback: revision 1's ReplicaSet becomes revision 4. Then
      // someone deploys revision 5 before verification fails: "the previous revision" would now be 4 (the
      // rolled-back-to template); the undo data names 3, the one the action replaced.
      const annotations = (rs: Obj) => (rs.metadata as { annotations: Obj }).annotations;
      const first = cluster.replicaSets.find((rs) => (rs.metadata as Obj).name === "cart-a1") as Obj;
      annotations(first)["deployment.kubernetes.io/revision"] = "4";
      const v5 = template("shop/cart:5", [{ name: "POOL", value: "80" }]);
      cluster.replicaSets.push(
        cluster.replicaSet("cart-e5", "uid-cart", "5", template("shop/cart:5", [{ name: "POOL", value: "80" }], "e5"), "v5"),
      );
      annotations(cluster.deployment)["deployment.kubernetes.io/revision"] = "5";
      (cluster.deployment.spec as Obj).template = v5;
      await run(h, engine, 80_000);
      assert.deepEqual(recorder.violations(), []);
      assert.deepEqual(answerProblems, []);
      assert.match(
        await timeline(h, incident.id),
        /rolled back: rolled back deployment shop\/cart in prod-eu from revision 5 to the template of revision 3/,
      );
      const images = cluster.patches.map(
        (p) => ((((p.body.spec as Obj).template as Obj).spec as Obj)?.containers as Obj[] | undefined)?.[0]?.image,
      );
      // Revision 3 → the template of revision 1 (the canary ReplicaSet belongs to another Deployment); 5 → back to 3.
      assert.deepEqual(images, ["shop/cart:1", "shop/cart:3"]);
      const [stored] = await h.store.remediations.list({ limit: 5 });
      assert.equal(stored?.state, "rolled-back");
      assert.deepEqual(stored?.undo, { revision: 3 });
      await h.close();
    });

    it("dry-run records what the action would do and sends nothing", async () => {
      const h = await harness({
        playbooks: [playbook(kubernetes({ operation: "rolloutRestart" }), { mode: { "*": "dry-run" } })],
        secrets: { "k8s-token": K8S_TOKEN },
        healed: () => true,
      });
      const engine = h.engine();
      const incident = await h.open(fault, { namespace: "shop" });
      engine.request(incident.id);
      await run(h, engine, 40_000);
      assert.deepEqual(recorder.exchanges, []);
      const [stored] = await h.store.remediations.list({ limit: 5 });
      assert.equal(stored?.state, "dry-run");
      assert.match(
        await timeline(h, incident.id),
        /dry run of playbook heal-cart: would run rollout restart deployment shop\/cart in prod-eu: patch its pod template annotation kubectl.kubernetes.io\/restartedAt to the current time; nothing was done/,
      );
      await h.close();
    });
  });
}

if (ARGOCD_SPEC.skip) {
  describe("remediator with Argo CD actions (Prism)", { skip: ARGOCD_SPEC.skip }, () => {});
} else {
  describe("remediator with Argo CD actions against the Argo CD v3.5.1 API description (Prism)", () => {
    let prism: PrismMock | null = null;
    let recorder: RecordingHttp;
    let app: Obj;
    let checkAnswer: ReturnType<typeof responseChecker>;
    const answerProblems: string[] = [];
    const posted: string[] = [];

    /** Prism checks each request; an accepted one gets the application's state, itself checked. */
    const statefulArgo: HttpClient = async (url, init) => {
      const real = await fetch(url, init);
      const text = await real.text();
      if (!real.ok || real.headers.has("sl-violations"))
        return new Response(text, { status: real.status, headers: real.headers });
      const { pathname } = new URL(url);
      const method = init.method ?? "GET";
      if (pathname !== "/api/v1/applications/cart-prod" && !pathname.startsWith("/api/v1/applications/cart-prod/"))
        return Response.json({ error: "not found", code: 5, message: "applications.argoproj.io not found" }, { status: 404 });
      const status = app.status as Obj;
      if (method === "POST") {
        posted.push(pathname);
        const body = JSON.parse(String(init.body)) as Obj;
        status.operationState = pathname.endsWith("/sync")
          ? { phase: "Running", operation: { sync: { revision: body.revision ?? "main" }, info: body.infos } }
          : { phase: "Running", operation: { sync: { revision: "aaa111" } } };
      }
      answerProblems.push(...checkAnswer(method, pathname, 200, app));
      return Response.json(app);
    };

    const argocd = (fields: Obj): Obj => ({
      kind: "argocd",
      server: prism?.baseUrl,
      token: "argocd-token",
      application: "{{service}}-prod",
      ...fields,
    });

    before(async () => {
      checkAnswer = responseChecker(ARGOCD_SPEC.path);
      prism = await startPrism(ARGOCD_SPEC.path, { dynamic: true });
    });
    after(async () => {
      await prism?.stop();
    });
    beforeEach(() => {
      app = {
        metadata: { name: "cart-prod", namespace: "argocd" },
        spec: {
          project: "shop",
          destination: { server: "https://kubernetes.default.svc", namespace: "shop" },
          source: { repoURL: "https://git.example.com/shop/deploy.git", path: "cart", targetRevision: "main" },
        },
        status: {
          sync: { status: "Synced", revision: "bbb222" },
          health: { status: "Degraded" },
          history: [
            { id: 4, revision: "aaa111", deployedAt: "2026-12-06T10:00:00Z" },
            { id: 5, revision: "bbb222", deployedAt: "2026-12-07T09:00:00Z" },
          ],
          operationState: { phase: "Succeeded", operation: { sync: { revision: "bbb222" } } },
        },
      };
      recorder = recordingHttp(statefulArgo);
      answerProblems.length = 0;
      posted.length = 0;
    });

    it("sync: runs once; when verification fails the rollback operation runs and the incident escalates", async () => {
      const h = await harness({
        playbooks: [playbook(argocd({ operation: "sync", revision: "v1.4.2" }), { rollback: argocd({ operation: "rollback" }) })],
        secrets: { "argocd-token": ARGOCD_TOKEN },
        http: recorder.http,
        healed: () => false,
      });
      const engine = h.engine();
      const incident = await h.open(fault);
      for (let i = 0; i < 3; i++) engine.request(incident.id);
      await engine.flush();
      assert.deepEqual(posted, ["/api/v1/applications/cart-prod/sync"]);
      // The sync finished (as Argo CD would report it) before the verification gave up.
      (app.status as Obj).operationState = { phase: "Succeeded", operation: { sync: { revision: "v1.4.2" } } };
      await run(h, engine, 80_000);
      assert.deepEqual(recorder.violations(), []);
      assert.deepEqual(answerProblems, []);
      assert.deepEqual(posted, ["/api/v1/applications/cart-prod/sync", "/api/v1/applications/cart-prod/rollback"]);
      for (const exchange of recorder.exchanges) assert.equal(exchange.headers.authorization, `Bearer ${ARGOCD_TOKEN}`);
      const [stored] = await h.store.remediations.list({ limit: 5 });
      assert.equal(stored?.state, "rolled-back");
      assert.deepEqual(stored?.undo, { historyId: 5 });
      assert.equal((await h.store.incidents.get(incident.id))?.state, "escalated");
      const lines = await timeline(h, incident.id);
      assert.match(lines, /ran: sync of application cart-prod on \S+ to v1.4.2 started/);
      assert.ok(!lines.includes(ARGOCD_TOKEN));
      await h.close();
    });
  });
}

if (GITHUB_SPEC.skip) {
  describe("remediator with a GitHub Actions action (Prism)", { skip: GITHUB_SPEC.skip }, () => {});
} else {
  describe("remediator with a GitHub Actions action against GitHub's REST description 1.1.4 (Prism)", () => {
    let prism: PrismMock | null = null;
    let recorder: RecordingHttp;

    const dispatch = (): Obj => ({
      kind: "githubActions",
      baseUrl: prism?.baseUrl,
      token: "github-token",
      owner: "octo-shop",
      repo: "deploy",
      workflow: "redeploy.yml",
      ref: "main",
      inputs: { service: "{{service}}", environment: "{{environment}}", version: "{{labels.version}}" },
    });

    before(async () => {
      prism = await startPrism(GITHUB_SPEC.path);
    });
    after(async () => {
      await prism?.stop();
    });
    beforeEach(() => {
      recorder = recordingHttp();
    });

    it("workflow_dispatch: a matched incident dispatches the deploy workflow once with inputs from its fields", async () => {
      let dispatched = false;
      const h = await harness({
        playbooks: [playbook(dispatch())],
        secrets: { "github-token": GITHUB_TOKEN },
        http: async (url, init) => {
          const answer = await recorder.http(url, init);
          if (answer.ok) dispatched = true;
          return answer;
        },
        healed: () => dispatched,
      });
      const engine = h.engine();
      const incident = await h.open(fault, { version: "v1.4.1" });
      for (let i = 0; i < 3; i++) engine.request(incident.id);
      await run(h, engine, 40_000);
      assert.deepEqual(recorder.violations(), []);
      assert.deepEqual(
        recorder.exchanges.map((e) => `${e.method} ${new URL(e.url).pathname}`),
        ["POST /repos/octo-shop/deploy/actions/workflows/redeploy.yml/dispatches"],
      );
      const [exchange] = recorder.exchanges;
      assert.equal(exchange?.headers.authorization, `Bearer ${GITHUB_TOKEN}`);
      assert.deepEqual(JSON.parse(exchange?.body ?? "{}"), {
        ref: "main",
        inputs: { service: "cart", environment: "production", version: "v1.4.1" },
        return_run_details: true,
      });
      const [stored] = await h.store.remediations.list({ limit: 5 });
      assert.equal(stored?.state, "verified");
      assert.equal(stored?.target, "github:octo-shop/deploy/workflow/redeploy.yml");
      assert.equal((await h.store.incidents.get(incident.id))?.state, "resolved");
      const lines = await timeline(h, incident.id);
      assert.match(lines, /ran: dispatched workflow redeploy.yml of octo-shop\/deploy on main/);
      assert.ok(!lines.includes(GITHUB_TOKEN));
      await h.close();
    });

    it("dry-run records the dispatch it would make and sends nothing", async () => {
      const h = await harness({
        playbooks: [playbook(dispatch(), { mode: { production: "dry-run" } })],
        secrets: { "github-token": GITHUB_TOKEN },
        http: recorder.http,
        healed: () => true,
      });
      const engine = h.engine();
      const incident = await h.open(fault, { version: "v1.4.1" });
      engine.request(incident.id);
      await run(h, engine, 40_000);
      assert.deepEqual(recorder.exchanges, []);
      assert.match(
        await timeline(h, incident.id),
        /would run dispatch workflow redeploy.yml of octo-shop\/deploy on main with inputs \{"service":"cart","environment":"production","version":"v1.4.1"\}; nothing was done/,
      );
      await h.close();
    });
  });
}

describe("remediator with a script action", () => {
  let dir = "";
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "sluice-remediate-script-"));
    const path = join(dir, "reset-pool.sh");
    writeFileSync(path, `#!/bin/sh\nprintf '%s|%s|%s' "$1" "$2" "$TOKEN" > "${join(dir, "ran")}"\necho "pool of $1 reset"\n`);
    chmodSync(path, 0o755);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("runs the allow-listed script with the incident's fields and the secret in its environment, never on the timeline", async () => {
    const ran = () => {
      try {
        return readFileSync(join(dir, "ran"), "utf8");
      } catch {
        return null;
      }
    };
    const h = await harness({
      playbooks: [
        playbook({
          kind: "script",
          script: "reset-pool.sh",
          args: ["{{service}}", "{{labels.pod}}"],
          secretEnv: { TOKEN: "script-token" },
        }),
      ],
      secrets: { "script-token": SCRIPT_TOKEN },
      scriptDirectory: dir,
      healed: () => ran() !== null,
    });
    const engine = h.engine();
    const incident = await h.open(fault, { pod: "cart-7d9f" });
    engine.request(incident.id);
    await run(h, engine, 40_000);
    assert.equal(ran(), `cart|cart-7d9f|${SCRIPT_TOKEN}`);
    const [stored] = await h.store.remediations.list({ limit: 5 });
    assert.equal(stored?.state, "verified");
    const lines = await timeline(h, incident.id);
    assert.match(lines, /ran: .*reset-pool.sh/);
    assert.ok(!lines.includes(SCRIPT_TOKEN));
    await h.close();
  });
});
