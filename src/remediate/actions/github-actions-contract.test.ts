// Contract test of the GitHub Actions action against GitHub's REST description (1.1.4, as republished in
// @octokit/openapi 23.0.2; ../shared/specs/github), served by Prism in --errors mode. Prism's own answers are
// used as they come (the description's examples), except the run list a retry searches, which a small
// overlay fills with runs checked against the description's response schema.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { HttpClient } from "../../connectors/connector.ts";
import { responseChecker } from "../../testing/openapi-responses.ts";
import { type PrismMock, startPrism } from "../../testing/prism.ts";
import { type RecordingHttp, recordingHttp } from "../../testing/recording-http.ts";
import { locateSpec } from "../../testing/specs.ts";
import type { ActionContext, ActionIncident } from "./action.ts";
import { githubActionsAction, githubActionsActionSchema } from "./github-actions.ts";

const SPEC = locateSpec("github/github-rest-actions-issues-compare.derived.prism-patched.json");
const TOKEN = "ghp_CONTRACTtoken0123456789abcdefABCDEF";
type Obj = Record<string, unknown>;

const incident: ActionIncident = {
  id: "inc-9",
  key: "shop/cart/pool",
  service: "cart",
  environment: "prod",
  severity: "high",
  labels: { version: "v1.4.1", branch: "main; rm -rf /" },
};

let prism: PrismMock | null = null;
let recorder: RecordingHttp;
let checkAnswer: ReturnType<typeof responseChecker>;
let runs: Obj[] = [];
const answerProblems: string[] = [];

/** Prism validates every request and answers it, except that the run list comes from `runs`. */
const github: HttpClient = async (url, init) => {
  const real = await fetch(url, init);
  const text = await real.text();
  const { pathname } = new URL(url);
  if (!real.ok || real.headers.has("sl-violations") || !pathname.endsWith("/runs")) {
    return new Response(real.status === 204 ? null : text, { status: real.status, headers: real.headers });
  }
  const prismRun = (JSON.parse(text) as { workflow_runs: Obj[] }).workflow_runs[0] ?? {};
  const body = { total_count: runs.length, workflow_runs: runs.map((run) => ({ ...prismRun, ...run })) };
  answerProblems.push(...checkAnswer("GET", pathname, 200, body));
  return Response.json(body);
};

function context(overrides: Partial<ActionContext> = {}): ActionContext {
  return {
    incident,
    idempotencyKey: "inc-9:redeploy:1",
    secret: (ref) => {
      if (ref === "github-token") return TOKEN;
      throw new Error(`unknown secret reference ${ref}`);
    },
    signal: new AbortController().signal,
    ...overrides,
  };
}

function action(fields: Obj = {}) {
  const config = githubActionsActionSchema.parse({
    kind: "githubActions",
    baseUrl: prism?.baseUrl,
    token: "github-token",
    owner: "octo-shop",
    repo: "deploy",
    workflow: "redeploy.yml",
    ref: "main",
    inputs: { service: "{{service}}", environment: "{{environment}}", version: "{{labels.version}}" },
    ...fields,
  });
  return githubActionsAction(config, recorder.http);
}

function sent(): Obj[] {
  return recorder.exchanges.filter((e) => e.method === "POST").map((e) => JSON.parse(e.body) as Obj);
}

if (SPEC.skip) {
  describe("github actions action contract (Prism)", { skip: SPEC.skip }, () => {});
} else {
  describe("github actions action against GitHub's REST description 1.1.4 (Prism)", () => {
    before(async () => {
      checkAnswer = responseChecker(SPEC.path);
      prism = await startPrism(SPEC.path);
    });
    after(async () => {
      await prism?.stop();
    });
    beforeEach(() => {
      recorder = recordingHttp(github);
      runs = [];
      answerProblems.length = 0;
    });

    it("the mock refuses a request the description forbids (the harness can fail)", async () => {
      await recorder.http(`${prism?.baseUrl}/repos/o/r/actions/workflows/deploy.yml/dispatches`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", authorization: "Bearer x" },
        body: JSON.stringify({ inputs: { a: "1" } }),
      });
      assert.ok(recorder.violations().length >= 1, recorder.violations().join("\n"));
    });

    it("dispatches the workflow with inputs from incident fields only, and reports the run", async () => {
      const outcome = await action().execute(context());
      assert.equal(outcome.ok, true, outcome.summary);
      assert.match(outcome.summary, /^dispatched workflow redeploy.yml of octo-shop\/deploy on main \(run \d+, https:\/\/\S+\)$/);
      assert.equal(typeof outcome.undo?.runId, "number");
      assert.deepEqual(sent(), [
        { ref: "main", inputs: { service: "cart", environment: "prod", version: "v1.4.1" }, return_run_details: true },
      ]);
      const exchange = recorder.exchanges[0];
      assert.equal(new URL(exchange?.url ?? "").pathname, "/repos/octo-shop/deploy/actions/workflows/redeploy.yml/dispatches");
      assert.equal(exchange?.headers.authorization, `Bearer ${TOKEN}`);
      assert.deepEqual(recorder.violations(), []);
    });

    it("with an idempotency input, a retry finds its run by name and does not dispatch again", async () => {
      const keyed = action({ idempotencyInput: "sluice_key" });
      const first = await keyed.execute(context());
      assert.equal(first.ok, true, first.summary);
      assert.deepEqual(sent()[0]?.inputs, {
        service: "cart",
        environment: "prod",
        version: "v1.4.1",
        sluice_key: "inc-9:redeploy:1",
      });
      // The workflow names its runs after the key (`run-name: redeploy ${{ inputs.sluice_key }}`).
      runs = [{ id: 4242, name: "redeploy", display_title: "redeploy inc-9:redeploy:1" }];
      const retried = await keyed.execute(context());
      assert.deepEqual(retried, {
        ok: true,
        summary: "workflow redeploy.yml of octo-shop/deploy already dispatched by this attempt (run 4242); not repeated",
        undo: { runId: 4242 },
      });
      assert.equal(sent().length, 1);
      const listed = recorder.exchanges.filter((e) => e.method === "GET").map((e) => new URL(e.url).search);
      assert.deepEqual(listed, ["?event=workflow_dispatch&per_page=50", "?event=workflow_dispatch&per_page=50"]);
      assert.deepEqual(recorder.violations(), []);
      assert.deepEqual(answerProblems, []);
    });

    it("refuses templates outside the incident's fields and refs a label could bend", async () => {
      assert.equal(
        githubActionsActionSchema.safeParse({
          kind: "githubActions",
          token: "t",
          owner: "o",
          repo: "r",
          workflow: "d.yml",
          ref: "main",
          inputs: { x: "{{summary}}" },
        }).success,
        false,
      );
      assert.equal(
        githubActionsActionSchema.safeParse({
          kind: "githubActions",
          token: "t",
          owner: "o/../x",
          repo: "r",
          workflow: "d.yml",
          ref: "main",
        }).success,
        false,
      );
      const bent = await action({ ref: "{{labels.branch}}" }).execute(context());
      assert.deepEqual(bent, {
        ok: false,
        summary: 'dispatch of workflow redeploy.yml of octo-shop/deploy failed: "main; rm -rf /" is not a valid git ref',
      });
      assert.equal(recorder.exchanges.length, 0);
    });

    it("failures come back as ok=false with GitHub's message, the rate limit, and no token", async () => {
      recorder.script({
        status: 422,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          message: "Workflow does not have 'workflow_dispatch' trigger",
          documentation_url: "https://docs.github.com",
        }),
      });
      assert.deepEqual(await action().execute(context()), {
        ok: false,
        summary:
          "dispatch of workflow redeploy.yml of octo-shop/deploy failed: HTTP 422: Workflow does not have 'workflow_dispatch' trigger",
      });
      recorder.script({
        status: 403,
        headers: { "content-type": "application/json", "x-ratelimit-remaining": "0", "retry-after": "60" },
        body: JSON.stringify({ message: `API rate limit exceeded for ${TOKEN}` }),
      });
      assert.deepEqual(await action().execute(context()), {
        ok: false,
        summary:
          "dispatch of workflow redeploy.yml of octo-shop/deploy failed: HTTP 403 rate limited (retry after 60s): API rate limit exceeded for [redacted]",
      });
    });

    it("describe sends nothing", () => {
      assert.equal(
        action({ idempotencyInput: "sluice_key" }).describe(context()),
        'dispatch workflow redeploy.yml of octo-shop/deploy on main with inputs {"service":"cart","environment":"prod","version":"v1.4.1","sluice_key":"inc-9:redeploy:1"}',
      );
      assert.equal(recorder.exchanges.length, 0);
      assert.equal(action().target(incident), "github:octo-shop/deploy/workflow/redeploy.yml");
    });

    it("honours the abort signal", async () => {
      recorder.script({ hang: true });
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("run timed out")), 200);
      const outcome = await action().execute(context({ signal: controller.signal }));
      assert.deepEqual(outcome, {
        ok: false,
        summary: "dispatch of workflow redeploy.yml of octo-shop/deploy failed: aborted (run timed out)",
      });
    });
  });
}
