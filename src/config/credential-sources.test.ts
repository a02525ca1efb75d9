import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { envName, fillCredentials } from "./credential-sources.ts";

describe("credential sources", () => {
  it("names each credential as the chart's Secret key", () => {
    assert.equal(envName("pagerduty", "routingKey"), "PAGERDUTY_ROUTING_KEY");
    assert.equal(envName("jira", "personalAccessToken"), "JIRA_PERSONAL_ACCESS_TOKEN");
    assert.equal(envName("opsgenie", "apiKey"), "OPSGENIE_API_KEY");
  });

  it("prefers the environment to the mounted file, and takes the first alternative found whole", () => {
    const dir = mkdtempSync(join(tmpdir(), "creds-"));
    writeFileSync(join(dir, "PAGERDUTY_ROUTING_KEY"), "from-file\n");
    writeFileSync(join(dir, "OPSGENIE_API_KEY"), "og-file\n");
    // Half of ServiceNow's basic pair is no credential: the token, found whole, is used instead.
    writeFileSync(join(dir, "SERVICENOW_USERNAME"), "only-user");
    const env = { SLUICE_SECRETS_DIR: dir, PAGERDUTY_ROUTING_KEY: "from-env", SERVICENOW_TOKEN: "snow" };
    const outcome = fillCredentials(
      { pagerduty: { enabled: true }, opsgenie: { enabled: true }, servicenow: { enabled: true, instance: "x" } },
      env,
    );
    assert.deepEqual(outcome.document.pagerduty, { enabled: true, routingKey: "from-env" });
    assert.deepEqual(outcome.document.opsgenie, { enabled: true, apiKey: "og-file" });
    assert.deepEqual(outcome.document.servicenow, { enabled: true, instance: "x", token: "snow" });
    assert.deepEqual(outcome.problems, []);
  });

  it("leaves disabled and self-sufficient blocks alone, and reports an enabled one with nothing anywhere", () => {
    const dir = mkdtempSync(join(tmpdir(), "creds-empty-"));
    const outcome = fillCredentials(
      { slack: { enabled: false }, teams: { enabled: true, webhookUrl: "https://x" }, opsgenie: { enabled: true } },
      { SLUICE_SECRETS_DIR: dir, SLACK_BOT_TOKEN: "xoxb" },
    );
    assert.deepEqual(outcome.document.slack, { enabled: false });
    assert.deepEqual(outcome.document.teams, { enabled: true, webhookUrl: "https://x" });
    assert.deepEqual([...outcome.missing], ["opsgenie"]);
    assert.equal(outcome.problems[0]?.path, "opsgenie.apiKey");
    assert.match(outcome.problems[0]?.message ?? "", new RegExp(`OPSGENIE_API_KEY.*${dir}/`));
  });
});
