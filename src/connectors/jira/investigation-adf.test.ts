import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { systemClock } from "../../core/clock.ts";
import { CONTRACT_TIMEOUT_MS, sampleRequest, ticketFrom } from "../../testing/connector-contract-suite.ts";
import { fakeJira } from "../../testing/fake-jira.ts";
import { hugeInvestigation, sampleInvestigation } from "../../testing/investigation-fixture.ts";
import { ADF_SCHEMA, adfProblems } from "../../testing/jira-adf-validator.ts";
import { investigationCommentPayload } from "./investigation-adf.ts";
import { JiraConnector } from "./jira-connector.ts";
import { DEFAULT_PRIORITIES, DEFAULT_TRANSITIONS, type JiraSettings } from "./jira-settings.ts";

const URL = "https://sluice.example.com/incidents/01JHQZ8X6N7V4W3Y2T1S0R9Q8P";

type Node = { type: string; text?: string; content?: Node[]; marks?: { type: string; attrs?: { href: string } }[] };

function texts(node: Node): string {
  return (node.text ?? "") + (node.content ?? []).map(texts).join("");
}

describe("Jira investigation comment", () => {
  it("is ADF with a heading, the hypothesis, confidence, linked evidence, ordered steps, actions and the root cause", () => {
    const { body } = investigationCommentPayload({ deployment: "cloud" }, sampleInvestigation({ version: 2 }, 1), URL);
    if (!ADF_SCHEMA.skip) assert.deepEqual(adfProblems(body), []);
    const doc = body as unknown as Node;
    const types = (doc.content ?? []).map((n) => n.type);
    assert.equal(types[0], "heading");
    assert.match(texts(doc.content?.[0] as Node), /Sluice investigation of INC-42 \(version 2/);
    assert.match(texts(doc.content?.[1] as Node), /^Supersedes version 1/);
    assert.match(texts(doc.content?.[2] as Node), /^Hypothesis: payments is the likely root cause/);
    assert.equal(texts(doc.content?.[3] as Node), "Confidence: 82%");
    const headings = (doc.content ?? []).filter((n) => n.type === "heading").map(texts);
    assert.deepEqual(headings.slice(1), ["Evidence", "Steps executed", "Recommended actions", "Root cause"]);
    assert.ok(types.includes("orderedList") && types.includes("bulletList"));
    const links: string[] = JSON.stringify(doc).match(/"href":"[^"]+"/g) ?? [];
    assert.ok(links.some((l) => l.includes("prometheus.example.com/graph")));
    assert.ok(links.some((l) => l.includes("github.com/acme/payments/compare")));
    assert.ok(links.includes(`"href":"${URL}"`));
  });

  it("stays under Jira's comment size with a huge report, saying what it left out", () => {
    const { body } = investigationCommentPayload({ deployment: "cloud" }, hugeInvestigation(), URL);
    if (!ADF_SCHEMA.skip) assert.deepEqual(adfProblems(body), []);
    const text = JSON.stringify(body);
    assert.ok(text.length <= 30_000, String(text.length));
    assert.match(text, /more evidence items not shown \(platform limit\)/);
    assert.match(text, /Root cause/);
  });

  it("is wiki markup with a numbered list on Server", () => {
    const { body } = investigationCommentPayload({ deployment: "server" }, sampleInvestigation(), URL);
    assert.equal(typeof body, "string");
    assert.match(String(body), /^h2\. Sluice investigation of INC-42 \(version 1/);
    assert.match(String(body), /\n# changes: changes of payments/);
    assert.match(String(body), /h3\. Root cause\n\npayments/);
  });
});

describe("Jira connector with an investigation", () => {
  function settings(overrides: Partial<JiraSettings> = {}): JiraSettings {
    return {
      deployment: "cloud",
      baseUrl: "https://acme.atlassian.test",
      auth: { kind: "basic", user: "bot@acme.example", secret: "ATATT3x-unit-SECRET" },
      projectKey: "OPS",
      issueType: "Bug",
      bySeverity: {},
      priorities: { ...DEFAULT_PRIORITIES },
      labels: [],
      components: [],
      assignee: { mode: "component-lead" },
      customFields: {},
      transitions: { ...DEFAULT_TRANSITIONS },
      templates: {},
      ...overrides,
    };
  }

  async function run(overrides: Partial<JiraSettings>, investigation = sampleInvestigation()) {
    const jira = fakeJira();
    const connector = new JiraConnector(settings(overrides), {
      http: jira.http,
      clock: systemClock,
      timeoutMs: CONTRACT_TIMEOUT_MS,
    });
    const created = await connector.deliver(sampleRequest("create"));
    assert.ok(created.kind === "delivered" && created.ticket);
    const before = jira.calls.length;
    const result = await connector.deliver({ ...sampleRequest("comment", ticketFrom(created.ticket, "jira")), investigation });
    assert.equal(result.kind, "delivered", JSON.stringify(result));
    return jira.calls.slice(before);
  }

  it("writes the root cause to the configured field before the comment", async () => {
    const calls = await run({ rootCauseField: "customfield_10080" });
    assert.deepEqual(
      calls.map((c) => `${c.method} ${c.path}`),
      ["PUT /rest/api/3/issue/OPS-1", "POST /rest/api/3/issue/OPS-1/comment"],
    );
    assert.deepEqual(calls[0]?.body, {
      fields: { customfield_10080: "payments — its 5xx ratio departed first; deployed v2.4.0 6 min before" },
    });
  });

  it("writes no field without the setting, nor when the report abstains", async () => {
    assert.deepEqual(
      (await run({})).map((c) => c.method),
      ["POST"],
    );
    const abstained = sampleInvestigation({ outcome: "abstained", reason: "not-decisive", rootCause: null });
    assert.deepEqual(
      (await run({ rootCauseField: "customfield_10080" }, abstained)).map((c) => c.method),
      ["POST"],
    );
  });
});
