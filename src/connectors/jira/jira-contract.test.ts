// Contract test of Jira Cloud against Atlassian's own REST v3 description, served by Prism in --errors
// mode (any request the spec forbids is a violation), with every ADF document Sluice sends checked
// against the ADF JSON Schema as well, since the spec leaves descriptions and comment bodies untyped.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { systemClock } from "../../core/clock.ts";
import {
  CONTRACT_TIMEOUT_MS,
  runConnectorContract,
  sampleIncident,
  sampleRequest,
  ticketFrom,
} from "../../testing/connector-contract-suite.ts";
import { ADF_SCHEMA, adfProblems } from "../../testing/jira-adf-validator.ts";
import { type PrismMock, startPrism } from "../../testing/prism.ts";
import { type RecordingHttp, recordingHttp } from "../../testing/recording-http.ts";
import { scriptedFailures } from "../../testing/scripted-failures.ts";
import { locateSpec } from "../../testing/specs.ts";
import type { HttpClient } from "../connector.ts";
import { JiraConnector } from "./jira-connector.ts";
import { DEFAULT_PRIORITIES, DEFAULT_TRANSITIONS, type JiraSettings } from "./jira-settings.ts";

const SPEC = locateSpec("jira/jira-cloud-platform-v3.prism-patched.json");
const EMAIL = "sluice-bot@acme.example";
const TOKEN = "ATATT3xFfGF0-contract-SECRET-token";
const BASIC = Buffer.from(`${EMAIL}:${TOKEN}`).toString("base64");

let prism: PrismMock | null = null;

// Transition names from the spec's own example answer of GET /issue/{key}/transitions.
function settings(overrides: Partial<JiraSettings> = {}): JiraSettings {
  if (!prism) throw new Error("Prism is not running");
  return {
    deployment: "cloud",
    baseUrl: prism.baseUrl,
    auth: { kind: "basic", user: EMAIL, secret: TOKEN },
    projectKey: "OPS",
    issueType: "Bug",
    bySeverity: {},
    priorities: { ...DEFAULT_PRIORITIES },
    labels: ["sluice", "production-incident"],
    components: ["checkout"],
    assignee: { mode: "fixed", accountId: "5b10a2844c20165700ede21g" },
    customFields: { customfield_10010: "{{ incident.service }}" },
    transitions: { ...DEFAULT_TRANSITIONS, resolve: ["Close Issue"], reopen: ["QA Review"], acknowledge: ["QA Review"] },
    templates: {},
    ...overrides,
  };
}

/**
 * Prism answers a search with the spec's example, which always holds an issue; `searchFinds: false`
 * replaces that answer's body with an empty page (the request still reaches Prism and is validated),
 * so a create goes on to POST /issue. ADF problems in request bodies are collected as violations.
 */
function jiraMock(options: { searchFinds: boolean }) {
  const adfViolations: string[] = [];
  const base: HttpClient = async (url, init) => {
    const path = new URL(url).pathname;
    if (typeof init.body === "string") {
      const body = JSON.parse(init.body) as { body?: unknown; fields?: { description?: unknown } };
      const documents = [body.body, body.fields?.description].filter((d) => d !== undefined);
      for (const document of documents) {
        for (const problem of adfProblems(document)) adfViolations.push(`${init.method} ${path}: ADF ${problem}`);
      }
    }
    const real = await fetch(url, init);
    if (!options.searchFinds && path === "/rest/api/3/search/jql" && real.status === 200) {
      await real.text();
      return new Response(JSON.stringify({ issues: [], isLast: true }), { status: 200, headers: real.headers });
    }
    return real;
  };
  const recorder = recordingHttp(base);
  return { recorder, violations: () => [...recorder.violations(), ...adfViolations] };
}

function connect(recorder: RecordingHttp, overrides: Partial<JiraSettings> = {}): JiraConnector {
  return new JiraConnector(settings(overrides), { http: recorder.http, clock: systemClock, timeoutMs: CONTRACT_TIMEOUT_MS });
}

async function startMock(): Promise<void> {
  prism ??= await startPrism(SPEC.path);
}

async function stopMock(): Promise<void> {
  await prism?.stop();
  prism = null;
}

function route(exchange: { method: string; url: string }): string {
  const url = new URL(exchange.url);
  return `${exchange.method} ${url.pathname}`;
}

if (SPEC.skip || ADF_SCHEMA.skip) {
  describe("jira connector contract (Prism)", { skip: SPEC.skip || ADF_SCHEMA.skip }, () => {});
} else {
  runConnectorContract({
    name: "jira (Cloud REST v3, Prism)",
    secrets: [TOKEN, BASIC],
    setup: startMock,
    teardown: stopMock,
    connect: async () => {
      const mock = jiraMock({ searchFinds: false });
      const { recorder } = mock;
      return {
        connector: connect(recorder),
        failNext: scriptedFailures((answer) => recorder.script(answer), {
          rateLimited: {
            headers: { "content-type": "application/json" },
            body: '{"errorMessages":["Rate limit exceeded."],"errors":{}}',
          },
          serverError: { body: "<html>Internal Server Error</html>" },
          unauthorized: {
            headers: { "content-type": "application/json" },
            body: '{"errorMessages":["You are not authenticated. Authentication required to perform this operation."],"errors":{}}',
          },
        }),
        received: () => recorder.exchanges.length,
        violations: () => mock.violations(),
        close: async () => {},
      };
    },
  });

  describe("jira Cloud against Atlassian's API description", () => {
    before(startMock);
    after(stopMock);

    it("the mock and the ADF check refuse what the spec forbids (the harness can fail)", async () => {
      const mock = jiraMock({ searchFinds: false });
      await mock.recorder.http(`${prism?.baseUrl}/rest/api/3/issue/ED-1/comment`, {
        method: "POST",
        headers: { authorization: `Basic ${BASIC}`, "content-type": "application/json" },
        body: JSON.stringify({ body: { type: "doc", version: 1, content: [{ type: "text", text: "bare text" }] } }),
      });
      await mock.recorder.http(`${prism?.baseUrl}/rest/api/3/search/jql`, {
        method: "POST",
        headers: { authorization: `Basic ${BASIC}`, "content-type": "application/json" },
        body: JSON.stringify({ jql: "labels = x", maxResults: "one", unknownKey: true }),
      });
      const violations = mock.violations();
      assert.ok(
        violations.some((v) => v.includes("ADF")),
        `no ADF violation: ${violations.join("\n")}`,
      );
      assert.ok(
        violations.some((v) => v.includes("/rest/api/3/search/jql")),
        `no spec violation: ${violations.join("\n")}`,
      );
    });

    it("searches, creates, updates, acknowledges, resolves, reopens and comments within the spec", async () => {
      const mock = jiraMock({ searchFinds: false });
      const connector = connect(mock.recorder);
      const created = await connector.deliver(sampleRequest("create"));
      assert.ok(created.kind === "delivered" && created.ticket, JSON.stringify(created));
      assert.equal(created.ticket.externalId, "ED-24");
      assert.equal(created.ticket.url, `${prism?.baseUrl}/browse/ED-24`);
      assert.deepEqual(created.ticket.meta, { id: "10000", severity: "critical" });
      const ticket = ticketFrom(created.ticket, "jira");

      for (const action of ["update", "acknowledge", "resolve", "reopen", "comment", "escalate"] as const) {
        const result = await connector.deliver(sampleRequest(action, ticket));
        assert.equal(result.kind, "delivered", `${action}: ${JSON.stringify(result)}`);
      }
      assert.deepEqual(mock.violations(), []);
      assert.deepEqual(mock.recorder.exchanges.map(route), [
        "POST /rest/api/3/search/jql",
        "POST /rest/api/3/issue",
        "POST /rest/api/3/issue/ED-24/comment",
        "GET /rest/api/3/issue/ED-24/transitions",
        "POST /rest/api/3/issue/ED-24/transitions",
        "POST /rest/api/3/issue/ED-24/comment",
        "GET /rest/api/3/issue/ED-24/transitions",
        "POST /rest/api/3/issue/ED-24/transitions",
        "POST /rest/api/3/issue/ED-24/comment",
        "GET /rest/api/3/issue/ED-24/transitions",
        "POST /rest/api/3/issue/ED-24/transitions",
        "POST /rest/api/3/issue/ED-24/comment",
        "POST /rest/api/3/issue/ED-24/comment",
        "PUT /rest/api/3/issue/ED-24",
        "POST /rest/api/3/issue/ED-24/comment",
      ]);
      for (const exchange of mock.recorder.exchanges) {
        assert.equal(exchange.headers.authorization, `Basic ${BASIC}`);
        assert.equal(exchange.headers.accept, "application/json");
      }

      const [search, create] = mock.recorder.exchanges;
      assert.deepEqual(JSON.parse(search?.body ?? ""), {
        jql: 'labels = "sluice-01JHQZ8X6N7V4W3Y2T1S0R9Q8P:contract" AND statusCategory != Done ORDER BY created ASC',
        maxResults: 1,
        fields: ["status"],
      });
      const fields = JSON.parse(create?.body ?? "").fields as Record<string, unknown>;
      assert.deepEqual(fields.project, { key: "OPS" });
      assert.deepEqual(fields.issuetype, { name: "Bug" });
      assert.deepEqual(fields.priority, { name: "Highest" });
      assert.deepEqual(fields.labels, ["sluice", "production-incident", "sluice-01JHQZ8X6N7V4W3Y2T1S0R9Q8P:contract"]);
      assert.deepEqual(fields.components, [{ name: "checkout" }]);
      assert.deepEqual(fields.assignee, { accountId: "5b10a2844c20165700ede21g" });
      assert.equal(fields.customfield_10010, "checkout");
      assert.equal((fields.description as { type: string }).type, "doc");
      // Transition ids come from the listing, never from configuration.
      const transitions = mock.recorder.exchanges.filter((e) => route(e) === "POST /rest/api/3/issue/ED-24/transitions");
      assert.deepEqual(
        transitions.map((e) => JSON.parse(e.body)),
        [{ transition: { id: "711" } }, { transition: { id: "2" } }, { transition: { id: "711" } }],
      );
    });

    it("returns the open issue the search finds instead of creating a second one", async () => {
      const mock = jiraMock({ searchFinds: true });
      const result = await connect(mock.recorder).deliver(sampleRequest("create"));
      assert.ok(result.kind === "delivered" && result.ticket, JSON.stringify(result));
      // ED-1 is the issue in the spec's example search answer.
      assert.equal(result.ticket.externalId, "ED-1");
      assert.deepEqual(mock.recorder.exchanges.map(route), ["POST /rest/api/3/search/jql"]);
      assert.deepEqual(mock.violations(), []);
    });

    it("raises the priority on an update whose severity went up, and keeps the new severity in meta", async () => {
      const mock = jiraMock({ searchFinds: false });
      const connector = connect(mock.recorder);
      const created = await connector.deliver(
        sampleRequest("create", null, sampleIncident({ severity: "medium", priority: "P3" })),
      );
      assert.ok(created.kind === "delivered" && created.ticket);
      const ticket = ticketFrom(created.ticket, "jira");
      const result = await connector.deliver(sampleRequest("update", ticket));
      assert.ok(result.kind === "delivered" && result.ticket, JSON.stringify(result));
      assert.equal(result.ticket.meta?.severity, "critical");
      const put = mock.recorder.exchanges.find((e) => e.method === "PUT");
      assert.deepEqual(JSON.parse(put?.body ?? ""), { fields: { priority: { name: "Highest" } } });
      assert.deepEqual(mock.violations(), []);
    });

    it("an escalate sets the policy level's priority and assignee within the spec", async () => {
      const mock = jiraMock({ searchFinds: false });
      const connector = connect(mock.recorder);
      const created = await connector.deliver(sampleRequest("create"));
      assert.ok(created.kind === "delivered" && created.ticket);
      const escalation = { policy: "checkout", level: 1, assignee: "5b10ac8d82e05b22cc7d4ef5", priority: "Highest" };
      const result = await connector.deliver({ ...sampleRequest("escalate", ticketFrom(created.ticket, "jira")), escalation });
      assert.equal(result.kind, "delivered", JSON.stringify(result));
      const put = mock.recorder.exchanges.find((e) => e.method === "PUT");
      assert.deepEqual(JSON.parse(put?.body ?? ""), {
        fields: { priority: { name: "Highest" }, assignee: { accountId: "5b10ac8d82e05b22cc7d4ef5" } },
      });
      assert.deepEqual(mock.violations(), []);
    });

    it("a missing transition name is a configuration error naming the available transitions", async () => {
      const mock = jiraMock({ searchFinds: false });
      const connector = connect(mock.recorder, { transitions: { ...DEFAULT_TRANSITIONS, resolve: ["Resolve"] } });
      const ticket = ticketFrom({ externalId: "ED-24", url: null, meta: { id: "10000", severity: "critical" } }, "jira");
      const result = await connector.deliver(sampleRequest("resolve", ticket));
      assert.equal(result.kind, "permanent", JSON.stringify(result));
      assert.ok(result.kind === "permanent");
      assert.equal(result.category, "configuration");
      assert.match(result.reason, /"Resolve"/);
      assert.match(result.reason, /available: "Close Issue", "QA Review"/);
      assert.deepEqual(mock.violations(), []);
    });

    it("a 400 is a permanent rejection carrying Jira's own message", async () => {
      const mock = jiraMock({ searchFinds: false });
      mock.recorder.script(
        { status: 200, headers: { "content-type": "application/json" }, body: '{"issues":[],"isLast":true}' },
        {
          status: 400,
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ errorMessages: [], errors: { components: "Component name 'checkout' is not valid" } }),
        },
      );
      const result = await connect(mock.recorder).deliver(sampleRequest("create"));
      assert.equal(result.kind, "permanent", JSON.stringify(result));
      assert.ok(result.kind === "permanent");
      assert.equal(result.category, "rejected");
      assert.match(result.reason, /components: Component name 'checkout' is not valid/);
      assert.deepEqual(mock.violations(), []);
    });

    it("testConnection reads GET /myself and creates nothing", async () => {
      const mock = jiraMock({ searchFinds: false });
      const check = await connect(mock.recorder).testConnection();
      assert.equal(check.ok, true, check.detail);
      assert.match(check.detail, /Mia Krystof/);
      assert.deepEqual(mock.recorder.exchanges.map(route), ["GET /rest/api/3/myself"]);
      assert.deepEqual(mock.violations(), []);
    });
  });
}
