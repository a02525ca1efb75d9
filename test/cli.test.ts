// Runs the real `sluice` command (bin/sluice.js) as a child process; needs nothing else.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { freePort } from "./support/sluice-process.ts";

const run = promisify(execFile);
const bin = new URL("../bin/sluice.js", import.meta.url).pathname;
const stream = new URL("../examples/demo-stream.jsonl", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "sluice-cli-"));

async function sluice(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return sluiceWith({}, ...args);
}

async function sluiceWith(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    // Three minutes: a replay takes seconds alone, but far longer on a machine running two suites at once.
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      cwd: dir,
      timeout: 180_000,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("sluice CLI", () => {
  it("replay --dry-run --json prints the funnel of the demo stream", async () => {
    const { code, stdout } = await sluice("replay", stream, "--dry-run", "--json");
    assert.equal(code, 0);
    const funnel = JSON.parse(stdout);
    // 523 lines: 240 below the score bar, 25 redelivered events and one repeated alert, 4 problems.
    assert.deepEqual(funnel, {
      signals: 523,
      rejected: 0,
      gated: 240,
      suppressed: 0,
      deduplicated: 278,
      incidents: 4,
      deliveries: { memory: 5 },
    });
  });

  it("replay prints a readable funnel and reports rejected lines", async () => {
    const file = join(dir, "mixed.jsonl");
    writeFileSync(
      file,
      ['{"event_id":"a","anomaly_score":0.9,"service":"s","error_message":"boom"}', "not json", '{"service":1}', ""].join("\n"),
    );
    const { code, stdout, stderr } = await sluice("replay", file, "--dry-run");
    assert.equal(code, 0);
    assert.match(stdout, /signals\s+3/);
    assert.match(stdout, /rejected\s+2/);
    assert.match(stdout, /incidents\s+1/);
    assert.match(stderr, /line 2: not valid JSON/);
    assert.match(stderr, /line 3: .*title/);
  });

  it("check-config lists every problem with its path and exits non-zero", async () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "anomaly: { minimumScore: 3 }\nrouting: { high: [nowhere] }\nserver: { prot: 1 }\n");
    const { code, stderr } = await sluice("check-config", file);
    assert.equal(code, 1);
    assert.match(stderr, /anomaly\.minimumScore: /);
    assert.match(stderr, /server: Unrecognized key: "prot"/);
  });

  it("check-config accepts a good file", async () => {
    const file = join(dir, "good.yaml");
    writeFileSync(file, "anomaly: { minimumScore: 0.9, lookbackWindow: 10m }\n");
    const { code, stdout } = await sluice("check-config", file);
    assert.equal(code, 0);
    assert.match(stdout, /ok/);
  });

  it("check-config accepts the documented Helm values, and says where their missing credentials are expected", async () => {
    const file = join(dir, "documented.yaml");
    writeFileSync(
      file,
      [
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
        "",
      ].join("\n"),
    );
    const secrets = mkdtempSync(join(tmpdir(), "sluice-cli-secrets-"));
    const missing = await sluiceWith({ SLUICE_SECRETS_DIR: secrets }, "check-config", file);
    assert.equal(missing.code, 1);
    assert.doesNotMatch(missing.stderr, /Unrecognized key/);
    assert.match(missing.stderr, /pagerduty\.routingKey: .*PAGERDUTY_ROUTING_KEY/);
    assert.match(missing.stderr, /servicenow\.username: .*SERVICENOW_USERNAME/);
    for (const [name, value] of Object.entries({
      PAGERDUTY_ROUTING_KEY: "R".repeat(32),
      SERVICENOW_TOKEN: "snow-token",
      JIRA_EMAIL: "ops@yourorg.com",
      JIRA_API_TOKEN: "jira-token",
    })) {
      writeFileSync(join(secrets, name), value);
    }
    const ok = await sluiceWith({ SLUICE_SECRETS_DIR: secrets }, "check-config", file);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /documented\.yaml: ok$/m);
    assert.ok(!`${ok.stdout}${ok.stderr}`.includes("snow-token"), "no secret in the output");
  });

  it("serve on a port already taken exits non-zero at once, naming the port, with nothing left running", async () => {
    const taken = createServer();
    taken.listen(0, "127.0.0.1");
    await once(taken, "listening");
    const { port } = taken.address() as AddressInfo;
    try {
      const file = join(dir, "taken.yaml");
      writeFileSync(file, `server: { port: ${port} }\nstorage: { dataDir: ${JSON.stringify(join(dir, "taken-data"))} }\n`);
      const started = Date.now();
      // The process exits by itself only once nothing it started (workers, timers, the store) is left.
      const { code, stderr } = await sluice("serve", "--config", file);
      assert.equal(code, 1, stderr);
      assert.match(stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use \\(server\\.port\\)`));
      assert.ok(Date.now() - started < 20_000, `exited after ${Date.now() - started} ms`);
    } finally {
      taken.close();
    }
  });

  it("demo --exit runs the bundled stream end to end over HTTP", async () => {
    // A free port, not a fixed one: two test runs at once on one machine both run this.
    const port = await freePort();
    const { code, stdout } = await sluice("demo", "--exit", "--port", String(port));
    assert.equal(code, 0, stdout);
    assert.match(stdout, /incidents\s+4/);
    assert.match(stdout, /Where to look/);
    assert.ok(stdout.includes(`The web console: http://127.0.0.1:${port}/`), stdout);
  });
});
