import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { systemClock } from "../../core/clock.ts";
import type { Ticket } from "../../core/ticket.ts";
import {
  CONTRACT_TIMEOUT_MS,
  runConnectorContract,
  sampleIncident,
  sampleRequest,
  ticketFrom,
} from "../../testing/connector-contract-suite.ts";
import { fakeJira, json } from "../../testing/fake-jira.ts";
import { adfProblems } from "../../testing/jira-adf-validator.ts";
import type { DeliveryResult } from "../connector.ts";
import { JiraConnector } from "./jira-connector.ts";
import { DEFAULT_PRIORITIES, DEFAULT_TRANSITIONS, type JiraSettings } from "./jira-settings.ts";

const EMAIL = "bot@acme.example";
const API_TOKEN = "ATATT3x-unit-SECRET-apitoken";
const PAT = "NjM5ODk0-unit-SECRET-pat";
const PASSWORD = "hunter2-SECRET-password";
const BASIC = Buffer.from(`${EMAIL}:${API_TOKEN}`).toString("base64");

function settings(overrides: Partial<JiraSettings> = {}): JiraSettings {
  return {
    deployment: "cloud",
    baseUrl: "https://acme.atlassian.test",
    auth: { kind: "basic", user: EMAIL, secret: API_TOKEN },
    projectKey: "OPS",
    issueType: "Bug",
    bySeverity: {},
    priorities: { ...DEFAULT_PRIORITIES },
    labels: ["sluice"],
    components: [],
    assignee: { mode: "component-lead" },
    customFields: {},
    transitions: { ...DEFAULT_TRANSITIONS, acknowledge: ["Start Progress"] },
    templates: {},
    ...overrides,
  };
}

const SERVER: Partial<JiraSettings> = {
  deployment: "server",
  baseUrl: "https://jira.example.test/jira",
  auth: { kind: "bearer", token: PAT },
};

function connector(jira: ReturnType<typeof fakeJira>, overrides: Partial<JiraSettings> = {}): JiraConnector {
  return new JiraConnector(settings(overrides), { http: jira.http, clock: systemClock, timeoutMs: CONTRACT_TIMEOUT_MS });
}

async function created(jira: ReturnType<typeof fakeJira>, overrides: Partial<JiraSettings> = {}): Promise<Ticket> {
  const result = await connector(jira, overrides).deliver(sampleRequest("create"));
  assert.ok(result.kind === "delivered" && result.ticket, JSON.stringify(result));
  return ticketFrom(result.ticket, "jira");
}

function assertNoSecret(value: unknown): void {
  const text = JSON.stringify(value);
  for (const secret of [API_TOKEN, PAT, PASSWORD, BASIC]) assert.ok(!text.includes(secret), `secret leaked: ${text}`);
}

runConnectorContract({
  name: "jira (Server REST v2, fake)",
  secrets: [PAT],
  connect: async () => {
    const jira = fakeJira("server");
    return {
      connector: connector(jira, SERVER),
      failNext: (failure) => {
        switch (failure.kind) {
          case "rate-limited":
            return jira.answer(
              json({ errorMessages: ["Rate limit exceeded"] }, 429, { "retry-after": String(failure.retryAfterSeconds) }),
            );
          case "server-error":
            return jira.answer(new Response("<html>Internal error</html>", { status: 500 }));
          case "unauthorized":
            return jira.answer(json({ errorMessages: ["You are not authenticated."] }, 401));
          case "timeout":
            return jira.answer("hang");
        }
      },
      received: () => jira.calls.length,
      violations: () => [],
      close: async () => {},
    };
  },
});

describe("jira Cloud", () => {
  it("searches for the idempotency label, then creates one issue and returns its key, browse URL and id", async () => {
    const jira = fakeJira();
    const result = await connector(jira).deliver(sampleRequest("create"));
    assert.deepEqual(result, {
      kind: "delivered",
      ticket: {
        externalId: "OPS-1",
        url: "https://acme.atlassian.test/browse/OPS-1",
        meta: { id: "10001", severity: "critical" },
      },
    });
    assert.deepEqual(jira.routes(), ["POST /rest/api/3/search/jql", "POST /rest/api/3/issue"]);
    const [search, create] = jira.calls;
    assert.equal(search?.headers.get("authorization"), `Basic ${BASIC}`);
    assert.match(
      String((search?.body as { jql: string }).jql),
      /^labels = "sluice-01JHQZ8X6N7V4W3Y2T1S0R9Q8P:contract" AND statusCategory != Done/,
    );
    const fields = (create?.body as { fields: Record<string, unknown> }).fields;
    assert.deepEqual(adfProblems(fields.description), []);
    assert.equal("assignee" in fields, false, "component-lead leaves the assignee to Jira");
  });

  it("a create retried after a crash finds the open issue instead of opening a second one", async () => {
    const jira = fakeJira();
    await created(jira);
    const again = await connector(jira).deliver(sampleRequest("create"));
    assert.ok(again.kind === "delivered" && again.ticket);
    assert.equal(again.ticket.externalId, "OPS-1");
    assert.equal(jira.issues.size, 1);
    assert.deepEqual(jira.routes().slice(2), ["POST /rest/api/3/search/jql"]);
  });

  it("a create for an incident with a stored ticket returns that ticket without contacting Jira", async () => {
    const jira = fakeJira();
    const ticket = await created(jira);
    const before = jira.calls.length;
    const again = await connector(jira).deliver(sampleRequest("create", ticket));
    assert.deepEqual(again, { kind: "delivered", ticket: { externalId: "OPS-1", url: ticket.url, meta: ticket.meta } });
    assert.equal(jira.calls.length, before);
  });

  it("acknowledge takes the configured transition and comments; resolve and reopen move the issue by name", async () => {
    const jira = fakeJira();
    const ticket = await created(jira);
    const issue = jira.issues.get("OPS-1");
    assert.ok(issue);
    assert.deepEqual(await connector(jira).deliver(sampleRequest("acknowledge", ticket)), { kind: "delivered" });
    assert.equal(issue.category, "indeterminate");
    assert.deepEqual(await connector(jira).deliver(sampleRequest("resolve", ticket)), { kind: "delivered" });
    assert.equal(issue.category, "done");
    assert.deepEqual(await connector(jira).deliver(sampleRequest("reopen", ticket)), { kind: "delivered" });
    assert.equal(issue.category, "new");
    assert.equal(issue.comments.length, 3);
    for (const comment of issue.comments) assert.deepEqual(adfProblems(comment), []);
    assert.match(JSON.stringify(issue.comments[1]), /INC-42 resolved/);
    assert.match(JSON.stringify(issue.comments[1]), /contract check: resolve/);
  });

  it("a resolve retried after its comment failed skips the transition already taken", async () => {
    const jira = fakeJira();
    const ticket = await created(jira);
    // Transition list and transition go through; the comment hits a 503.
    jira.answer(
      json({ transitions: [{ id: "31", name: "Done", to: { name: "Done" } }] }),
      new Response(null, { status: 204 }),
      new Response("unavailable", { status: 503 }),
    );
    // The scripted 204 stands in for the transition; apply it to the fake as Jira would.
    const issue = jira.issues.get("OPS-1");
    assert.ok(issue);
    const failed = await connector(jira).deliver(sampleRequest("resolve", ticket));
    assert.equal(failed.kind, "retryable", JSON.stringify(failed));
    issue.category = "done";

    const retried = await connector(jira).deliver(sampleRequest("resolve", ticket));
    assert.deepEqual(retried, { kind: "delivered" });
    assert.equal(issue.comments.length, 1);
    assert.deepEqual(jira.routes().slice(-3), [
      "GET /rest/api/3/issue/OPS-1/transitions",
      "GET /rest/api/3/issue/OPS-1",
      "POST /rest/api/3/issue/OPS-1/comment",
    ]);
  });

  it("a transition name the workflow lacks is a permanent configuration error naming the available ones", async () => {
    const jira = fakeJira();
    const ticket = await created(jira);
    const result = await connector(jira, { transitions: { ...DEFAULT_TRANSITIONS, resolve: ["Resolve Issue"] } }).deliver(
      sampleRequest("resolve", ticket),
    );
    assert.deepEqual(result, {
      kind: "permanent",
      category: "configuration",
      reason:
        'Jira issue OPS-1 offers no transition named "Resolve Issue" for resolve (available: "Start Progress", "Done"); set jira.transitions.resolve to one of them',
    });
    assert.equal(jira.issues.get("OPS-1")?.comments.length, 0, "nothing is commented when the step cannot be taken");
  });

  it("matches a transition by its target status when no transition has the name", async () => {
    const jira = fakeJira();
    const ticket = await created(jira);
    const result = await connector(jira, { transitions: { ...DEFAULT_TRANSITIONS, acknowledge: ["in progress"] } }).deliver(
      sampleRequest("acknowledge", ticket),
    );
    assert.deepEqual(result, { kind: "delivered" });
    assert.equal(jira.issues.get("OPS-1")?.category, "indeterminate");
  });

  it("acknowledge without a configured transition only comments", async () => {
    const jira = fakeJira();
    const ticket = await created(jira);
    await connector(jira, { transitions: DEFAULT_TRANSITIONS }).deliver(sampleRequest("acknowledge", ticket));
    assert.deepEqual(jira.routes().slice(2), ["POST /rest/api/3/issue/OPS-1/comment"]);
  });

  it("escalate sets the priority and comments; an update raises it only when the severity went up", async () => {
    const jira = fakeJira();
    const incident = sampleIncident({ severity: "medium", priority: "P3" });
    const first = await connector(jira).deliver(sampleRequest("create", null, incident));
    assert.ok(first.kind === "delivered" && first.ticket);
    const ticket = ticketFrom(first.ticket, "jira");
    assert.deepEqual(jira.issues.get("OPS-1")?.fields.priority, { name: "Medium" });

    const same = await connector(jira).deliver(sampleRequest("update", ticket, incident));
    assert.deepEqual(same, { kind: "delivered" });
    assert.ok(!jira.routes().includes("PUT /rest/api/3/issue/OPS-1"));

    const raised = await connector(jira).deliver(
      sampleRequest("update", ticket, { ...incident, severity: "high", priority: "P2" }),
    );
    assert.ok(raised.kind === "delivered" && raised.ticket, JSON.stringify(raised));
    assert.deepEqual(raised.ticket.meta, { id: "10001", severity: "high" });
    assert.deepEqual(jira.issues.get("OPS-1")?.fields.priority, { name: "High" });
    assert.match(
      JSON.stringify(jira.issues.get("OPS-1")?.comments.at(-1)),
      /Severity raised from medium to high: priority set to High/,
    );

    const escalated = await connector(jira).deliver(
      sampleRequest("escalate", ticketFrom(raised.ticket, "jira"), { ...incident, severity: "high" }),
    );
    assert.ok(escalated.kind === "delivered");
    assert.deepEqual(jira.routes().slice(-2), ["PUT /rest/api/3/issue/OPS-1", "POST /rest/api/3/issue/OPS-1/comment"]);
  });

  it("escalate raises the priority one step per level, capped at the highest", async () => {
    const jira = fakeJira();
    const incident = sampleIncident({ severity: "medium", priority: "P3" });
    const ticket = await created(jira);
    const escalate = (escalationLevel: number) => {
      const request = sampleRequest("escalate", ticket, incident);
      return { ...request, incident: { ...request.incident, escalationLevel } };
    };
    await connector(jira).deliver(escalate(1));
    assert.deepEqual(jira.issues.get("OPS-1")?.fields.priority, { name: "High" });
    await connector(jira).deliver(escalate(5));
    assert.deepEqual(jira.issues.get("OPS-1")?.fields.priority, { name: "Highest" });
  });

  it("escalate sets the policy level's priority and assignee, and says so in the comment", async () => {
    for (const [deployment, assignee] of [
      ["cloud", { accountId: "5b10ac8d82e05b22cc7d4ef5" }],
      ["server", { name: "5b10ac8d82e05b22cc7d4ef5" }],
    ] as const) {
      const jira = fakeJira(deployment);
      const overrides = deployment === "server" ? SERVER : {};
      const ticket = await created(jira, overrides);
      const escalation = { policy: "payments", level: 2, assignee: "5b10ac8d82e05b22cc7d4ef5", priority: "Blocker" };
      const request = { ...sampleRequest("escalate", ticket), escalation };
      assert.equal((await connector(jira, overrides).deliver(request)).kind, "delivered");
      const issue = jira.issues.get("OPS-1");
      assert.deepEqual(issue?.fields.priority, { name: "Blocker" });
      assert.deepEqual(issue?.fields.assignee, assignee);
      assert.match(JSON.stringify(issue?.comments.at(-1)), /Reassigned to 5b10ac8d82e05b22cc7d4ef5 \(level 2 of policy/);
    }
  });

  it("priorities: false sends no priority, not even on escalate", async () => {
    const jira = fakeJira();
    const ticket = await created(jira, { priorities: null });
    assert.equal("priority" in (jira.issues.get("OPS-1")?.fields ?? {}), false);
    await connector(jira, { priorities: null }).deliver(sampleRequest("escalate", ticket));
    assert.ok(!jira.routes().some((r) => r.startsWith("PUT")));
  });

  it("comment posts the detail as a comment", async () => {
    const jira = fakeJira();
    const ticket = await created(jira);
    const request = {
      ...sampleRequest("comment", ticket),
      detail: "Rolled back build 512; see https://ci.example.com/builds/512",
    };
    assert.deepEqual(await connector(jira).deliver(request), { kind: "delivered" });
    const comment = jira.issues.get("OPS-1")?.comments[0];
    assert.deepEqual(adfProblems(comment), []);
    assert.match(JSON.stringify(comment), /"href":"https:\/\/ci.example.com\/builds\/512"/);
  });

  it("a change for a deleted issue is permanent not-found", async () => {
    const jira = fakeJira();
    const ticket = await created(jira);
    jira.issues.clear();
    const result = await connector(jira).deliver(sampleRequest("comment", ticket));
    assert.equal(result.kind, "permanent");
    assert.ok(result.kind === "permanent" && result.category === "not-found");
    assert.match(result.reason, /Issue does not exist/);
  });

  it("testConnection reads /myself and creates nothing", async () => {
    const jira = fakeJira();
    const check = await connector(jira).testConnection();
    assert.equal(check.ok, true);
    assert.match(check.detail, /authenticated as Sluice Bot \(5b10a2844c\)/);
    assert.deepEqual(jira.routes(), ["GET /rest/api/3/myself"]);
  });

  it("testConnection reports refused credentials without the token", async () => {
    const jira = fakeJira();
    jira.answer(json({ errorMessages: [`Token ${API_TOKEN} is not valid`] }, 401));
    const check = await connector(jira).testConnection();
    assert.equal(check.ok, false);
    assert.match(check.detail, /refused the credentials/);
    assertNoSecret(check);
  });
});

describe("jira Server / Data Center", () => {
  it("uses REST v2, a Bearer personal access token, GET /search and wiki markup", async () => {
    const jira = fakeJira("server");
    const result = await connector(jira, SERVER).deliver(sampleRequest("create"));
    assert.ok(result.kind === "delivered" && result.ticket);
    assert.equal(result.ticket.url, "https://jira.example.test/jira/browse/OPS-1");
    assert.deepEqual(jira.routes(), ["GET /jira/rest/api/2/search", "POST /jira/rest/api/2/issue"]);
    const [search, create] = jira.calls;
    assert.equal(search?.headers.get("authorization"), `Bearer ${PAT}`);
    assert.equal(
      search?.query.get("jql"),
      'labels = "sluice-01JHQZ8X6N7V4W3Y2T1S0R9Q8P:contract" AND statusCategory != Done ORDER BY created ASC',
    );
    const description = (create?.body as { fields: { description: unknown } }).fields.description;
    assert.equal(typeof description, "string");
    assert.match(String(description), /Sluice: \[https:\/\/sluice\.example\.com\/incidents\/01JHQZ8X6N7V4W3Y2T1S0R9Q8P\]/);

    const ticket = ticketFrom(result.ticket, "jira");
    assert.deepEqual(await connector(jira, SERVER).deliver(sampleRequest("resolve", ticket)), { kind: "delivered" });
    const comment = jira.issues.get("OPS-1")?.comments[0];
    assert.equal(typeof comment, "string");
    assert.match(String(comment), /^\*INC-42 resolved\*\n\ncontract check: resolve\n\n\* State: resolved/);
  });

  it("a fixed assignee is a user name on Server and an account id on Cloud; unassigned sends null", async () => {
    const server = fakeJira("server");
    await created(server, { ...SERVER, assignee: { mode: "fixed", name: "oncall" } });
    assert.deepEqual(server.issues.get("OPS-1")?.fields.assignee, { name: "oncall" });
    const cloud = fakeJira();
    await created(cloud, { assignee: { mode: "fixed", accountId: "5b10ac8d82e05b22cc7d4ef5" } });
    assert.deepEqual(cloud.issues.get("OPS-1")?.fields.assignee, { accountId: "5b10ac8d82e05b22cc7d4ef5" });
    const unassigned = fakeJira();
    await created(unassigned, { assignee: { mode: "unassigned" } });
    assert.equal(unassigned.issues.get("OPS-1")?.fields.assignee, null);
  });

  it("username and password authenticate with Basic and never show up in a reason", async () => {
    const jira = fakeJira("server");
    jira.answer(json({ errorMessages: [`Bad password ${PASSWORD} for sluice`] }, 403));
    const result = await connector(jira, { ...SERVER, auth: { kind: "basic", user: "sluice", secret: PASSWORD } }).deliver(
      sampleRequest("create"),
    );
    assert.equal(jira.calls[0]?.headers.get("authorization"), `Basic ${Buffer.from(`sluice:${PASSWORD}`).toString("base64")}`);
    assert.ok(result.kind === "permanent" && result.category === "credentials", JSON.stringify(result));
    assertNoSecret(result);
    assert.match(result.reason, /\[redacted\]/);
  });
});

describe("jira failure behaviour", () => {
  const cases: [string, () => Response | Error | "hang", DeliveryResult["kind"], string | null, number | undefined][] = [
    [
      "429 with Retry-After",
      () => json({ errorMessages: ["Too many requests"] }, 429, { "retry-after": "12" }),
      "retryable",
      null,
      12_000,
    ],
    ["429 without Retry-After", () => json({ errorMessages: ["Too many requests"] }, 429), "retryable", null, undefined],
    ["500", () => new Response("<html>oops</html>", { status: 500 }), "retryable", null, undefined],
    ["503", () => new Response("", { status: 503 }), "retryable", null, undefined],
    ["a timeout", () => "hang", "retryable", null, undefined],
    [
      "a refused connection",
      () => new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } }),
      "retryable",
      null,
      undefined,
    ],
    ["401", () => json({ errorMessages: ["Unauthorized"] }, 401), "permanent", "credentials", undefined],
    ["403", () => json({ errorMessages: ["Forbidden"] }, 403), "permanent", "credentials", undefined],
    [
      "400",
      () => json({ errorMessages: [], errors: { priority: "Specify the Priority (name) in the string format" } }, 400),
      "permanent",
      "rejected",
      undefined,
    ],
    [
      "422",
      () => json({ errorMessages: ["Issue type 'Incident' is not valid in project OPS"], errors: {} }, 422),
      "permanent",
      "rejected",
      undefined,
    ],
  ];
  for (const deployment of ["cloud", "server"] as const) {
    for (const [name, answer, kind, category, wait] of cases) {
      it(`${deployment}: ${name} on create is ${category ?? kind}`, async () => {
        const jira = fakeJira(deployment);
        // The search goes through; the create itself gets the failure.
        jira.answer(json({ issues: [] }), answer());
        const result = await connector(jira, deployment === "server" ? SERVER : {}).deliver(sampleRequest("create"));
        assert.equal(result.kind, kind, JSON.stringify(result));
        if (result.kind === "retryable") assert.equal(result.retryAfterMs, wait);
        if (result.kind === "permanent") assert.equal(result.category, category);
        if (name === "400") assert.match(JSON.stringify(result), /priority: Specify the Priority \(name\) in the string format/);
        if (name === "422") assert.match(JSON.stringify(result), /Issue type 'Incident' is not valid in project OPS/);
        if (result.kind !== "delivered") assert.match(result.reason, /create of the issue/);
        assertNoSecret(result);
      });
    }
  }

  it("a failed search is reported as such and nothing is created", async () => {
    const jira = fakeJira();
    jira.answer(json({ errorMessages: ["Error in the JQL Query"] }, 400));
    const result = await connector(jira).deliver(sampleRequest("create"));
    assert.ok(result.kind === "permanent" && result.category === "rejected");
    assert.match(result.reason, /search for the incident's open issue failed: HTTP 400: Error in the JQL Query/);
    assert.deepEqual(jira.routes(), ["POST /rest/api/3/search/jql"]);
  });

  it("a secret echoed in an error body is masked in the reason", async () => {
    const jira = fakeJira();
    jira.answer(json({ issues: [] }), json({ errorMessages: [`header was Basic ${BASIC} with ${API_TOKEN}`] }, 400));
    const result = await connector(jira).deliver(sampleRequest("create"));
    assertNoSecret(result);
    assert.match(JSON.stringify(result), /\[redacted\]/);
  });

  it("an HTML 200 from the wrong host is a rejection that says so", async () => {
    const jira = fakeJira();
    jira.answer(new Response("<html>login</html>", { status: 200 }));
    const result = await connector(jira).deliver(sampleRequest("create"));
    assert.ok(result.kind === "permanent" && result.category === "rejected");
    assert.match(result.reason, /not JSON/);
  });

  it("without credentials every delivery is a permanent credentials failure and Jira is not contacted", async () => {
    const jira = fakeJira();
    const result = await connector(jira, { auth: null }).deliver(sampleRequest("create"));
    assert.deepEqual(result, {
      kind: "permanent",
      category: "credentials",
      reason: "no Jira credentials configured: set jira.email and jira.apiToken",
    });
    const check = await connector(jira, { auth: null }).testConnection();
    assert.equal(check.ok, false);
    assert.equal(jira.calls.length, 0);
  });

  it("a change without a recorded ticket is not-found", async () => {
    const result = await connector(fakeJira()).deliver(sampleRequest("resolve"));
    assert.ok(result.kind === "permanent" && result.category === "not-found");
  });
});
