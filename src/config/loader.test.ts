import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { isSluiceError } from "../core/errors.ts";
import { loadConfig, parseConfig } from "./loader.ts";

const dir = mkdtempSync(join(tmpdir(), "sluice-config-"));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function problemsOf(run: () => unknown): { path: string; message: string }[] {
  try {
    run();
  } catch (error) {
    assert.ok(isSluiceError(error), `expected a SluiceError, got ${String(error)}`);
    assert.equal(error.code, "CONFIG_INVALID");
    return error.problems;
  }
  assert.fail("expected the config to be rejected");
}

describe("config loader", () => {
  it("warns when incidents are kept for less time than similar incidents look back over", () => {
    const short = parseConfig({ storage: { retention: { incidents: "30d" } } }, {}, dir, "test");
    assert.deepEqual(short.warnings, [
      "storage.retention.incidents: 30d is shorter than similar.lookback (90d); similar incidents are only found among those kept",
    ]);
    assert.equal(short.config.storage.retention.incidents, 30 * 86_400_000);
    assert.deepEqual(parseConfig({ storage: { retention: { incidents: "365d" } } }, {}, dir, "test").warnings, []);
  });

  it("starts on defaults with no file", () => {
    const { config, warnings } = loadConfig(undefined, {});
    assert.equal(config.anomaly.minimumScore, 0.85);
    assert.equal(config.anomaly.lookbackWindow, 15 * 60_000);
    assert.deepEqual(config.routing.critical, ["memory"]);
    assert.deepEqual(warnings, []);
    assert.ok(Object.isFrozen(config.anomaly), "config is frozen");
  });

  it("accepts the ticketing-agent JSON shape unchanged", () => {
    const path = file(
      "agent.json",
      JSON.stringify({
        pagerduty: { enabled: true, routingKey: "R0UT1NGKEY" },
        routing: { critical: ["pagerduty", "slack", "jira"], high: ["jira", "slack"], medium: ["jira"], low: ["slack"] },
        anomaly: { minimumScore: 0.85, lookbackWindow: "15m" },
        llm: { provider: "openai", model: "gpt-4", apiKey: "sk-test" },
      }),
    );
    const { config, warnings } = loadConfig(path, {});
    assert.equal(config.anomaly.lookbackWindow, 900_000);
    assert.deepEqual(config.routing.high, ["jira", "slack"]);
    const pagerduty = config.platforms.pagerduty as { enabled: boolean; routingKey: string };
    assert.equal(pagerduty.enabled, true);
    assert.equal(pagerduty.routingKey, "R0UT1NGKEY");
    assert.ok(!warnings.some((w) => w.includes("pagerduty")), "pagerduty is enabled");
    assert.ok(warnings.some((w) => w.includes("slack") && w.includes("not enabled")));
    assert.ok(warnings.some((w) => w.includes("jira") && w.includes("not enabled")));
  });

  // Copied from the ticketing agent's documentation, wrapper and all; not to be edited to make it pass.
  const documentedValues = [
    "logclaw-ticketing-agent:",
    "  config:",
    "    pagerduty:",
    "      enabled: true",
    "    jira:",
    "      enabled: true",
    '      baseUrl: "https://yourorg.atlassian.net"',
    '      projectKey: "SRE"',
    "    servicenow:",
    "      enabled: true",
    '      instance: "yourorg"',
    "    anomaly:",
    "      minimumScore: 0.85",
    '      lookbackWindow: "15m"',
  ].join("\n");

  it("accepts the documented Helm values as written, credentials from the environment or the mounted Secret", () => {
    const path = file("values.yaml", documentedValues);
    const secrets = mkdtempSync(join(tmpdir(), "sluice-secrets-"));
    writeFileSync(join(secrets, "SERVICENOW_USERNAME"), "sluice-integration\n");
    writeFileSync(join(secrets, "SERVICENOW_PASSWORD"), "pw-from-file\n");
    const env = {
      SLUICE_SECRETS_DIR: secrets,
      PAGERDUTY_ROUTING_KEY: "R".repeat(32),
      JIRA_EMAIL: "ops@yourorg.com",
      JIRA_API_TOKEN: "jira-token",
    };
    const { config, warnings } = loadConfig(path, env);
    assert.equal(config.anomaly.minimumScore, 0.85);
    assert.equal(config.anomaly.lookbackWindow, 900_000);
    assert.equal((config.platforms.pagerduty as { routingKey: string }).routingKey, "R".repeat(32));
    assert.deepEqual(config.platforms.jira, {
      enabled: true,
      baseUrl: "https://yourorg.atlassian.net",
      projectKey: "SRE",
      email: "ops@yourorg.com",
      apiToken: "jira-token",
    });
    const servicenow = config.platforms.servicenow as { instance: string; username: string; password: string };
    assert.equal(servicenow.instance, "yourorg");
    assert.equal(servicenow.username, "sluice-integration");
    assert.equal(servicenow.password, "pw-from-file");
    assert.deepEqual(warnings, []);
  });

  it("says where a missing credential of the documented values is expected, rather than rejecting their shape", () => {
    const path = file("values-no-secrets.yaml", documentedValues);
    const empty = mkdtempSync(join(tmpdir(), "sluice-no-secrets-"));
    const problems = problemsOf(() => loadConfig(path, { SLUICE_SECRETS_DIR: empty }));
    assert.deepEqual(
      problems.map((p) => p.path),
      ["pagerduty.routingKey", "servicenow.username"],
    );
    const pagerduty = problems[0]?.message ?? "";
    assert.match(pagerduty, /PAGERDUTY_ROUTING_KEY/);
    assert.ok(pagerduty.includes(`${empty}/`), "names the mounted Secret's directory");
    assert.match(problems[1]?.message ?? "", /SERVICENOW_USERNAME.*SERVICENOW_PASSWORD.*SERVICENOW_TOKEN/);
    assert.ok(!problems.some((p) => p.path === "(root)"), "the wrapper is not an unrecognized key");
    // Jira works without credentials (a public instance) but the user hears where they would come from.
    const withKeys = loadConfig(path, {
      SLUICE_SECRETS_DIR: empty,
      PAGERDUTY_ROUTING_KEY: "k",
      SERVICENOW_TOKEN: "t",
    });
    assert.equal(withKeys.warnings.length, 1);
    assert.match(withKeys.warnings[0] ?? "", /^jira is enabled without credentials.*JIRA_EMAIL.*JIRA_API_TOKEN/);
  });

  it("never reads a credential for a block that names its own, nor for a disabled one", () => {
    const env = { PAGERDUTY_ROUTING_KEY: "from-env", SLACK_BOT_TOKEN: "xoxb-env" };
    const own = parseConfig({ pagerduty: { enabled: true, routingKey: "own" }, slack: { enabled: false } }, env, dir, "t");
    assert.equal((own.config.platforms.pagerduty as { routingKey: string }).routingKey, "own");
    assert.equal((own.config.platforms.slack as { botToken?: string }).botToken, undefined);
  });

  it("accepts Helm values wrapped in config:, beside the chart's own values", () => {
    const path = file(
      "chart-values.yaml",
      ["replicaCount: 2", "existingSecret: sluice-secrets", "config:", "  anomaly: { minimumScore: 0.9 }"].join("\n"),
    );
    assert.equal(loadConfig(path, {}).config.anomaly.minimumScore, 0.9);
  });

  it("resolves ${ENV}, ${ENV:-default} and ${file:...} references", () => {
    file("secret.txt", "s3cr3t-from-file\n");
    const path = file(
      "refs.yaml",
      [
        "server: { port: '${PORT}' }",
        "pagerduty: { enabled: true, routingKey: '${file:secret.txt}' }",
        "log: { level: '${LEVEL:-warn}' }",
      ].join("\n"),
    );
    const { config } = loadConfig(path, { PORT: "9090" });
    assert.equal(config.server.port, 9090);
    assert.equal((config.platforms.pagerduty as { routingKey: string }).routingKey, "s3cr3t-from-file");
    assert.equal(config.log.level, "warn");
  });

  it("reads a reference named like an Object property from the environment only", () => {
    const problems = problemsOf(() =>
      parseConfig({ pagerduty: { enabled: true, routingKey: "${constructor}" } }, { PORT: "1" }, dir, "test"),
    );
    assert.deepEqual(problems, [{ path: "pagerduty.routingKey", message: "environment variable constructor is not set" }]);
  });

  it("warns, naming server.publicUrl, when an enabled platform would refuse links to it", () => {
    const pagerduty = { enabled: true, routingKey: "R0UT1NGKEYSECRET0123456789abcdef" };
    const warningsFor = (publicUrl: string, enabled = true) =>
      parseConfig({ server: { publicUrl }, pagerduty: { ...pagerduty, enabled } }, {}, dir, "test").warnings;
    assert.deepEqual(warningsFor("http://10.0.0.5:8080"), [
      "server.publicUrl: http://10.0.0.5:8080 has a private, loopback or link-local address (10.0.0.5) as its host: PagerDuty " +
        "refuses such links (its format: url), so events go out without client_url and links; use a public https URL with a domain name",
    ]);
    assert.match(
      warningsFor("http://sluice:8080")[0] ?? "",
      /^server\.publicUrl: http:\/\/sluice:8080 has a single-label host name \(sluice\)/,
    );
    assert.deepEqual(warningsFor("https://sluice.example.com"), []);
    assert.deepEqual(warningsFor("http://10.0.0.5:8080", false), [], "PagerDuty off: nothing to refuse it");
  });

  it("lists every problem with its path, and never echoes a secret", () => {
    const problems = problemsOf(() =>
      parseConfig(
        {
          anomaly: { minimumScore: 2, lookbackWindow: "soon" },
          routing: { critical: ["pagerdutty"] },
          server: { port: "http" },
          pagerduty: { enabled: true, routingKey: "${MISSING_KEY}" },
          bogus: true,
        },
        {},
        dir,
        "test",
      ),
    );
    const paths = problems.map((p) => p.path).sort();
    assert.deepEqual(paths, ["(root)", "anomaly.lookbackWindow", "anomaly.minimumScore", "pagerduty.routingKey", "server.port"]);
    assert.ok(problems.find((p) => p.path === "(root)")?.message.includes("bogus"));
    assert.match(problems.find((p) => p.path === "pagerduty.routingKey")?.message ?? "", /MISSING_KEY is not set/);
  });

  it("rejects routing to an unknown platform, naming it", () => {
    const problems = problemsOf(() => parseConfig({ routing: { critical: ["pagerdutty"] } }, {}, dir, "test"));
    assert.equal(problems[0]?.path, "routing.critical[0]");
    assert.match(problems[0]?.message ?? "", /unknown platform "pagerdutty"/);
  });

  it("names a missing referenced file without its content", () => {
    const problems = problemsOf(() =>
      parseConfig({ slack: { enabled: true, botToken: "${file:/nonexistent/token}" } }, {}, dir, "t"),
    );
    assert.equal(problems[0]?.path, "slack.botToken");
    assert.match(problems[0]?.message ?? "", /cannot read referenced file/);
  });

  it("takes per-level Jira and ServiceNow reassignments, and names a bad one by its path", () => {
    const policy = (level: Record<string, unknown>) => ({
      escalation: { policies: [{ name: "p", after: "5m", levels: [{ platforms: [], ...level }] }] },
    });
    const jira = { assignee: "5b10ac8d82e05b22cc7d4ef5", priority: "Highest" };
    const { config } = parseConfig(policy({ jira, servicenow: { group: "Network", urgency: 1 } }), {}, dir, "t");
    assert.deepEqual(config.escalation.policies[0]?.levels[0]?.jira, jira);
    assert.deepEqual(config.escalation.policies[0]?.levels[0]?.servicenow, { group: "Network", urgency: 1 });
    const problems = problemsOf(() => parseConfig(policy({ servicenow: { impact: 4 } }), {}, dir, "t"));
    assert.equal(problems[0]?.path, "escalation.policies[0].levels[0].servicenow.impact");
    const unknown = problemsOf(() => parseConfig(policy({ jira: { assignees: "x" } }), {}, dir, "t"));
    assert.equal(unknown[0]?.path, "escalation.policies[0].levels[0].jira");
  });

  it("reports a file that is not YAML or JSON", () => {
    const path = file("broken.yaml", "routing: [critical: {\n");
    const problems = problemsOf(() => loadConfig(path, {}));
    assert.equal(problems[0]?.path, "(file)");
  });
});
