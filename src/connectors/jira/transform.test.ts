import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { sampleIncident, sampleRequest } from "../../testing/connector-contract-suite.ts";
import { compileTemplates } from "../ticket-text.ts";
import { compileCustomFields } from "./custom-fields.ts";
import { cloudSettings, serverSettings } from "./fixtures/settings.ts";
import type { JiraSettings } from "./jira-settings.ts";
import {
  changeBlocks,
  commentPayload,
  createIssuePayload,
  idempotencyLabel,
  issueTarget,
  openIssueJql,
  searchCall,
} from "./transform.ts";

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"));
}

function compiled(settings: JiraSettings) {
  return { text: compileTemplates(settings.templates), customFields: compileCustomFields(settings.customFields) };
}

function create(settings: JiraSettings, request = sampleRequest("create")) {
  return createIssuePayload(settings, compiled(settings), request, idempotencyLabel(request.idempotencyKey)).fields;
}

describe("jira transform", () => {
  it("Cloud create payload matches fixtures/create-issue-cloud.json (ADF, severity override, custom fields)", () => {
    assert.deepEqual({ fields: create(cloudSettings) }, fixture("create-issue-cloud.json"));
  });

  it("Server create payload matches fixtures/create-issue-server.json (wiki markup, user name)", () => {
    assert.deepEqual({ fields: create(serverSettings) }, fixture("create-issue-server.json"));
  });

  it("Cloud escalation comment matches fixtures/comment-escalate-cloud.json", () => {
    const request = {
      ...sampleRequest("escalate", null, sampleIncident({ escalationLevel: 1 })),
      detail: "Unacknowledged for 15m; paging the payments secondary.\n- runbook: https://runbooks.example.com/checkout",
    };
    assert.deepEqual(
      commentPayload(cloudSettings, request, ["Priority set to Highest."]),
      fixture("comment-escalate-cloud.json"),
    );
  });

  it("Server resolve comment matches fixtures/comment-resolve-server.json", () => {
    const request = { ...sampleRequest("resolve"), detail: "Provider recovered; error rate back to 0.1% [see *dashboard*]." };
    assert.deepEqual(commentPayload(serverSettings, request), fixture("comment-resolve-server.json"));
  });

  it("the idempotency label has no whitespace or JQL quoting hazards and stays within 255 characters", () => {
    assert.equal(idempotencyLabel("01JHQZ:jira"), "sluice-01JHQZ:jira");
    assert.equal(idempotencyLabel('a b\t"c"\\d'), "sluice-a-b--c--d");
    const long = idempotencyLabel("x".repeat(400));
    assert.equal(long.length, 255);
    assert.notEqual(long, idempotencyLabel(`${"x".repeat(399)}y`), "long keys keep distinct labels");
    assert.match(openIssueJql(idempotencyLabel('a"b')), /^labels = "sluice-a-b" AND statusCategory != Done/);
  });

  it("searches with POST /search/jql on Cloud and GET /search on Server", () => {
    const cloud = searchCall({ deployment: "cloud" }, "sluice-k");
    assert.equal(cloud.method, "POST");
    assert.equal(cloud.path, "/rest/api/3/search/jql");
    const server = searchCall({ deployment: "server" }, "sluice-k");
    assert.equal(server.method, "GET");
    assert.equal(new URL(server.path, "https://x").pathname, "/rest/api/2/search");
    assert.equal(new URL(server.path, "https://x").searchParams.get("jql"), openIssueJql("sluice-k"));
  });

  it("project and issue type come from the severity's override, else the defaults", () => {
    assert.deepEqual(issueTarget(cloudSettings, "critical"), { projectKey: "SRE", issueType: "Incident" });
    assert.deepEqual(issueTarget(cloudSettings, "low"), { projectKey: "OPS", issueType: "Bug" });
    const partial = { ...cloudSettings, bySeverity: { high: { issueType: "Incident" } } };
    assert.deepEqual(issueTarget(partial, "high"), { projectKey: "OPS", issueType: "Incident" });
  });

  it("maps every severity to its priority, and sends none when priorities are off", () => {
    const bySeverity = (["critical", "high", "medium", "low", "info"] as const).map(
      (severity) =>
        (create(cloudSettings, sampleRequest("create", null, sampleIncident({ severity }))).priority as { name: string }).name,
    );
    assert.deepEqual(bySeverity, ["Highest", "High", "Medium", "Low", "Lowest"]);
    assert.equal("priority" in create({ ...cloudSettings, priorities: null }), false);
  });

  it("a custom field mapping cannot replace the fields Sluice relies on", () => {
    // The schema only admits customfield_N keys; this guards the transform should that ever change.
    const settings = { ...cloudSettings, customFields: { labels: "none", summary: "x" } };
    const fields = create(settings);
    assert.ok((fields.labels as string[]).includes("sluice-01JHQZ8X6N7V4W3Y2T1S0R9Q8P:contract"));
    assert.match(String(fields.summary), /INC-42/);
  });

  it("every action has its own comment headline", () => {
    const actions = ["update", "acknowledge", "resolve", "escalate", "reopen", "comment"] as const;
    const headlines = actions.map((action) => JSON.stringify(changeBlocks(sampleRequest(action))[0]));
    assert.equal(new Set(headlines).size, actions.length);
  });

  it("a summary never carries line breaks", () => {
    const settings = { ...cloudSettings, templates: { title: "{{ incident.key }}\n{{ incident.service }}" } };
    assert.equal(create(settings).summary, "INC-42 checkout");
  });

  it("the owner's project from the service catalog replaces the configured one, and the project-bound components go", () => {
    const incident = sampleIncident({ context: { destinations: { jira: { projectKey: "PAY" } } } });
    for (const [settings, file] of [
      [serverSettings, "create-issue-server.json"],
      [cloudSettings, "create-issue-cloud.json"],
    ] as const) {
      const fields = create(settings, sampleRequest("create", null, incident));
      const expected: Record<string, unknown> = {
        ...(fixture(file) as { fields: Record<string, unknown> }).fields,
        project: { key: "PAY" },
      };
      delete expected.components;
      // The description renders the context too; everything else must equal the fixture.
      delete expected.description;
      delete fields.description;
      assert.deepEqual(fields, expected, file);
    }
    assert.deepEqual(create(serverSettings, sampleRequest("create", null, sampleIncident({ context: {} }))).project, {
      key: "OPS",
    });
  });
});
