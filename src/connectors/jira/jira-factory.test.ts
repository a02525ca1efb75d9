import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { systemClock } from "../../core/clock.ts";
import { jiraFactory, jiraSettings } from "./jira-factory.ts";

const schema = jiraFactory.configSchema;

function problems(input: unknown): string[] {
  const parsed = schema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
}

describe("jira config block", () => {
  it("the ticketing-agent / Helm shape validates unchanged and parses to exactly what was written", () => {
    const helm = { enabled: true, baseUrl: "https://acme.atlassian.net", projectKey: "OPS" };
    assert.deepEqual(schema.parse(helm), helm);
    const agent = {
      enabled: true,
      baseUrl: "https://acme.atlassian.net",
      projectKey: "OPS",
      issueType: "Bug",
      email: "a@b.c",
      apiToken: "tok-123456",
    };
    assert.deepEqual(schema.parse(agent), agent);
    assert.deepEqual(schema.parse(undefined), { enabled: false });
    assert.deepEqual(schema.parse({ enabled: false }), { enabled: false });
  });

  it("applies the documented defaults when building settings", () => {
    const settings = jiraSettings(schema.parse({ enabled: true, baseUrl: "https://acme.atlassian.net/", projectKey: "OPS" }));
    assert.equal(settings.deployment, "cloud");
    assert.equal(settings.baseUrl, "https://acme.atlassian.net");
    assert.equal(settings.issueType, "Bug");
    assert.deepEqual(settings.priorities, { critical: "Highest", high: "High", medium: "Medium", low: "Low", info: "Lowest" });
    assert.deepEqual(settings.assignee, { mode: "component-lead" });
    assert.deepEqual(settings.transitions, { resolve: ["Done"], reopen: ["Reopen"], acknowledge: [] });
    assert.equal(settings.auth, null);
  });

  it("takes a root-cause custom field by id, and names the problem with anything else", () => {
    const base = { enabled: true, baseUrl: "https://acme.atlassian.net", projectKey: "OPS" };
    assert.equal(
      jiraSettings(schema.parse({ ...base, rootCauseField: "customfield_10080" })).rootCauseField,
      "customfield_10080",
    );
    assert.equal(jiraSettings(schema.parse(base)).rootCauseField, null);
    assert.deepEqual(problems({ ...base, rootCauseField: "Root cause" }), [
      "rootCauseField: must be a custom field id such as customfield_10080",
    ]);
  });

  it("accepts a full Cloud block", () => {
    const config = schema.parse({
      enabled: true,
      baseUrl: "https://acme.atlassian.net",
      email: "bot@acme.example",
      apiToken: "ATATT-secret",
      projectKey: "OPS",
      issueType: "Task",
      bySeverity: { critical: { projectKey: "SRE", issueType: "Incident" } },
      priorities: { critical: "Blocker" },
      labels: ["sluice"],
      components: ["checkout"],
      assignee: { mode: "fixed", accountId: "5b10ac8d82e05b22cc7d4ef5" },
      customFields: { customfield_10010: "{{ incident.service }}", customfield_10020: { value: "{{ incident.environment }}" } },
      transitions: { resolve: ["Resolve Issue", "Done"], reopen: "Reopen Issue", acknowledge: "In Progress" },
      templates: { title: "{{ incident.key }} {{ incident.title }}" },
    });
    const settings = jiraSettings(config);
    assert.deepEqual(settings.auth, { kind: "basic", user: "bot@acme.example", secret: "ATATT-secret" });
    assert.equal(settings.priorities?.critical, "Blocker");
    assert.equal(settings.priorities?.high, "High");
    assert.deepEqual(settings.transitions, {
      resolve: ["Resolve Issue", "Done"],
      reopen: ["Reopen Issue"],
      acknowledge: ["In Progress"],
    });
  });

  it("picks Bearer for a Server personal access token and Basic for username and password", () => {
    const base = { enabled: true, deployment: "server", baseUrl: "https://jira.example.com/jira", projectKey: "OPS" };
    assert.deepEqual(jiraSettings(schema.parse({ ...base, personalAccessToken: "pat-123456" })).auth, {
      kind: "bearer",
      token: "pat-123456",
    });
    assert.deepEqual(jiraSettings(schema.parse({ ...base, username: "sluice", password: "pw-123456" })).auth, {
      kind: "basic",
      user: "sluice",
      secret: "pw-123456",
    });
    assert.equal(jiraSettings(schema.parse({ ...base, priorities: false })).priorities, null);
  });

  const refused: [string, unknown, RegExp][] = [
    ["enabled without baseUrl", { enabled: true, projectKey: "OPS" }, /baseUrl: baseUrl is required/],
    ["enabled without projectKey", { enabled: true, baseUrl: "https://a.atlassian.net" }, /projectKey: projectKey is required/],
    ["a non-http baseUrl", { baseUrl: "ftp://a" }, /baseUrl: must be an http or https URL/],
    ["an unknown deployment", { deployment: "datacenter" }, /deployment/],
    ["email without apiToken", { email: "a@b.c" }, /apiToken: Jira Cloud needs both/],
    ["a PAT on Cloud", { personalAccessToken: "pat-123456" }, /personalAccessToken: .*deployment: server/],
    ["apiToken on Server", { deployment: "server", email: "a@b.c", apiToken: "t-123456" }, /email: email is for Jira Cloud/],
    ["username without password", { deployment: "server", username: "u" }, /password: Basic auth needs both/],
    [
      "PAT and username together",
      { deployment: "server", personalAccessToken: "p-123456", username: "u", password: "p" },
      /not both/,
    ],
    ["a label with a space", { labels: ["team payments"] }, /labels.0: Jira labels cannot/],
    ["an unknown severity override", { bySeverity: { urgent: { projectKey: "X" } } }, /bySeverity/],
    ["a fixed Cloud assignee without accountId", { assignee: { mode: "fixed", name: "bob" } }, /assignee.accountId/],
    [
      "a fixed Server assignee without name",
      { deployment: "server", assignee: { mode: "fixed", accountId: "x" } },
      /assignee.name/,
    ],
    ["an unknown assignee mode", { assignee: { mode: "round-robin" } }, /assignee/],
    [
      "a custom field that is not customfield_N",
      { customFields: { summary: "x" } },
      /customFields.summary: must be a custom field id/,
    ],
    [
      "a broken custom field template",
      { customFields: { customfield_1: "{{ incident.service " } },
      /customFields.customfield_1: not a valid Liquid template/,
    ],
    ["a broken title template", { templates: { title: "{% if %}" } }, /templates.title: not a valid Liquid template/],
    ["an unknown transition step", { transitions: { close: "Done" } }, /transitions/],
    ["an unknown key", { project: "OPS" }, /Unrecognized key/],
  ];
  for (const [name, input, expected] of refused) {
    it(`refuses ${name}`, () => {
      const found = problems(input);
      assert.ok(
        found.some((p) => expected.test(p)),
        found.join("\n") || "accepted",
      );
    });
  }

  it("marks the secrets and builds a connector only when enabled", () => {
    assert.deepEqual([...jiraFactory.secretFields].sort(), ["apiToken", "password", "personalAccessToken", "webhookSecret"]);
    assert.equal(jiraFactory.isEnabled(schema.parse({ enabled: false })), false);
    const config = schema.parse({
      enabled: true,
      baseUrl: "https://acme.atlassian.net",
      projectKey: "OPS",
      email: "a@b.c",
      apiToken: "tok-123456",
    });
    assert.equal(jiraFactory.isEnabled(config), true);
    const connector = jiraFactory.create(config, { http: fetch, clock: systemClock, timeoutMs: 1000 });
    assert.equal(connector.platform, "jira");
  });
});
