// Contract test of the Argo CD action against Argo CD's own API description (swagger.json of v3.5.1,
// ../shared/specs/argocd), served by Prism in --errors mode: Prism validates every request; a small stateful
// application answers accepted ones, each answer checked against the description's response schema.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { HttpClient } from "../../connectors/connector.ts";
import { responseChecker } from "../../testing/openapi-responses.ts";
import { type PrismMock, startPrism } from "../../testing/prism.ts";
import { type RecordingHttp, recordingHttp } from "../../testing/recording-http.ts";
import { locateSpec } from "../../testing/specs.ts";
import type { ActionContext, ActionIncident } from "./action.ts";
import { ARGOCD_KEY_INFO, argocdAction, argocdActionSchema } from "./argocd.ts";

const SPEC = locateSpec("argocd/argocd-swagger-v3.5.1.prism-patched.json");
const TOKEN = "argocd-API-token-0123456789abcdef";
type Obj = Record<string, unknown>;

const incident: ActionIncident = {
  id: "inc-7",
  key: "shop/cart/pool",
  service: "cart",
  environment: "prod",
  severity: "critical",
  labels: { app: "../../settings" },
};

let prism: PrismMock | null = null;
let recorder: RecordingHttp;
let app: Obj;
let checkAnswer: ReturnType<typeof responseChecker>;
const answerProblems: string[] = [];
const posted: { path: string; body: Obj }[] = [];

function freshApp(): Obj {
  return {
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
}

/** Prism checks the request; an accepted one gets the application's state instead of Prism's invention. */
const statefulArgo: HttpClient = async (url, init) => {
  const real = await fetch(url, init);
  const text = await real.text();
  if (!real.ok || real.headers.has("sl-violations")) return new Response(text, { status: real.status, headers: real.headers });
  const { pathname } = new URL(url);
  const method = init.method ?? "GET";
  if (!pathname.startsWith("/api/v1/applications/cart-prod")) {
    return Response.json({ error: "not found", code: 5, message: "applications.argoproj.io not found" }, { status: 404 });
  }
  if (method === "POST") {
    const body = JSON.parse(String(init.body)) as Obj;
    posted.push({ path: pathname, body });
    const status = app.status as Obj;
    if (pathname.endsWith("/sync")) {
      status.operationState = { phase: "Running", operation: { sync: { revision: body.revision ?? "main" }, info: body.infos } };
    } else {
      status.operationState = { phase: "Running", operation: { sync: { revision: "aaa111" } } };
    }
  }
  answerProblems.push(...checkAnswer(method, pathname, 200, app));
  return Response.json(app);
};

function context(overrides: Partial<ActionContext> = {}): ActionContext {
  return {
    incident,
    idempotencyKey: "inc-7:argo-fix:1",
    secret: (ref) => {
      if (ref === "argocd-token") return TOKEN;
      throw new Error(`unknown secret reference ${ref}`);
    },
    signal: new AbortController().signal,
    ...overrides,
  };
}

function action(fields: Obj) {
  const config = argocdActionSchema.parse({
    kind: "argocd",
    server: prism?.baseUrl,
    token: "argocd-token",
    application: "{{service}}-{{environment}}",
    ...fields,
  });
  return argocdAction(config, recorder.http);
}

if (SPEC.skip) {
  describe("argocd action contract (Prism)", { skip: SPEC.skip }, () => {});
} else {
  describe("argocd action against the Argo CD v3.5.1 API description (Prism)", () => {
    before(async () => {
      checkAnswer = responseChecker(SPEC.path);
      prism = await startPrism(SPEC.path, { dynamic: true });
    });
    after(async () => {
      await prism?.stop();
    });
    beforeEach(() => {
      app = freshApp();
      recorder = recordingHttp(statefulArgo);
      answerProblems.length = 0;
      posted.length = 0;
    });

    it("the mock refuses a request the description forbids (the harness can fail)", async () => {
      await recorder.http(`${prism?.baseUrl}/api/v1/applications/cart-prod/rollback`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer x" },
        body: JSON.stringify({ id: "previous", prune: "yes" }),
      });
      assert.ok(recorder.violations().length >= 1, recorder.violations().join("\n"));
      assert.match(
        checkAnswer("GET", "/api/v1/applications/cart-prod", 200, { status: { history: "none" } }).join(),
        /\/status\/history: must be array/,
      );
    });

    it("sync starts one sync carrying the idempotency key, and a retry finds it", async () => {
      const sync = action({ operation: "sync", revision: "v1.4.2", prune: true });
      const outcome = await sync.execute(context());
      assert.deepEqual(outcome, {
        ok: true,
        summary: `sync of application cart-prod on ${new URL(prism?.baseUrl ?? "").host} to v1.4.2 started`,
        undo: { historyId: 5 },
      });
      assert.deepEqual(posted, [
        {
          path: "/api/v1/applications/cart-prod/sync",
          body: {
            revision: "v1.4.2",
            prune: true,
            dryRun: false,
            infos: [
              { name: ARGOCD_KEY_INFO, value: "inc-7:argo-fix:1" },
              { name: "sluice-incident", value: "inc-7" },
            ],
          },
        },
      ]);
      for (const exchange of recorder.exchanges) assert.equal(exchange.headers.authorization, `Bearer ${TOKEN}`);
      const retried = await sync.execute(context());
      assert.equal(retried.ok, true);
      assert.match(retried.summary, /already synced by this attempt; not repeated$/);
      // Another attempt while that sync still runs is refused, not queued behind it.
      const other = await sync.execute(context({ idempotencyKey: "inc-7:argo-fix:2" }));
      assert.equal(other.ok, false);
      assert.match(other.summary, /another operation is running$/);
      assert.equal(posted.length, 1);
      assert.deepEqual(recorder.violations(), []);
      assert.deepEqual(answerProblems, []);
    });

    it("sync names the app namespace as a query on GET and a body field on POST", async () => {
      const outcome = await action({ operation: "sync", appNamespace: "team-shop" }).execute(context());
      assert.equal(outcome.ok, true, outcome.summary);
      assert.equal(new URL(recorder.exchanges[0]?.url ?? "").searchParams.get("appNamespace"), "team-shop");
      assert.equal(posted[0]?.body.appNamespace, "team-shop");
      assert.deepEqual(recorder.violations(), []);
    });

    it("rollback goes to the history entry before the current one, with the current one as undo", async () => {
      const outcome = await action({ operation: "rollback" }).execute(context());
      assert.deepEqual(outcome, {
        ok: true,
        summary: `rollback of application cart-prod on ${new URL(prism?.baseUrl ?? "").host} from history 5 to history 4 started`,
        undo: { historyId: 5 },
      });
      assert.deepEqual(posted, [
        { path: "/api/v1/applications/cart-prod/rollback", body: { id: 4, prune: false, dryRun: false } },
      ]);
      assert.deepEqual(recorder.violations(), []);
      assert.deepEqual(answerProblems, []);
    });

    it("rollback refuses under automated sync and without an earlier deployment", async () => {
      (app.spec as Obj).syncPolicy = { automated: { prune: true, selfHeal: true } };
      const automated = await action({ operation: "rollback" }).execute(context());
      assert.equal(automated.ok, false);
      assert.match(automated.summary, /automated sync is on, and Argo CD refuses a rollback then$/);
      app = freshApp();
      (app.status as Obj).history = [{ id: 5, revision: "bbb222" }];
      const alone = await action({ operation: "rollback" }).execute(context());
      assert.match(alone.summary, /its history has no deployment before the current one$/);
      assert.equal(posted.length, 0);
      assert.deepEqual(answerProblems, []);
    });

    it("failures come back as ok=false with Argo CD's message and no token", async () => {
      recorder.script({
        status: 403,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ error: "permission denied", code: 7, message: `permission denied: token ${TOKEN} lacks sync` }),
      });
      const denied = await action({ operation: "sync" }).execute(context());
      assert.deepEqual(denied, {
        ok: false,
        summary: `sync of application cart-prod on ${new URL(prism?.baseUrl ?? "").host} failed: HTTP 403: permission denied: token [redacted] lacks sync`,
      });
      recorder.script({ networkError: "ECONNREFUSED" });
      const down = await action({ operation: "rollback" }).execute(context());
      assert.equal(down.ok, false);
      assert.match(down.summary, /failed: fetch failed \(ECONNREFUSED\)$/);
    });

    it("describe sends nothing, and a name from a label never reaches a path", async () => {
      assert.equal(
        action({ operation: "sync", revision: "v2", resources: [{ kind: "Deployment", name: "cart" }] }).describe(context()),
        `sync application cart-prod on ${new URL(prism?.baseUrl ?? "").host} to revision v2 (only Deployment/cart)`,
      );
      assert.match(
        action({ operation: "rollback" }).describe(context()),
        /^roll back application cart-prod on .* to its previous deployment/,
      );
      assert.equal(recorder.exchanges.length, 0);
      const escaped = await action({ operation: "sync", application: "{{labels.app}}" }).execute(context());
      assert.equal(escaped.ok, false);
      assert.match(escaped.summary, /is not a valid application name$/);
      assert.equal(recorder.exchanges.length, 0);
      assert.equal(
        action({ operation: "sync", appNamespace: "team" }).target(incident),
        `argocd:${new URL(prism?.baseUrl ?? "").host}/team/cart-prod`,
      );
    });

    it("honours the abort signal", async () => {
      recorder.script({ hang: true });
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("run timed out")), 200);
      const outcome = await action({ operation: "sync" }).execute(context({ signal: controller.signal }));
      assert.equal(outcome.ok, false);
      assert.match(outcome.summary, /failed: aborted \(run timed out\)$/);
      assert.equal(posted.length, 0);
    });
  });
}
