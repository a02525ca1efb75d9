import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const bin = new URL("../../bin/sluice.js", import.meta.url).pathname;
const ROUTING_KEY = "0WNERKEY0123456789abcdef01234567";

async function sluice(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env: { ...process.env, SLUICE_CONFIG: "" } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function workspace(catalog: string): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-catalog-cli-"));
  writeFileSync(join(dir, "services.yaml"), catalog);
  writeFileSync(join(dir, "sluice.yaml"), `catalog:\n  files: [${JSON.stringify(join(dir, "services.yaml"))}]\n`);
  return dir;
}

describe("sluice catalog and check-config", () => {
  it("prints each service with its owner and destinations, never the routing key", async () => {
    const dir = workspace(
      `- service: checkout\n  aliases: [co]\n  team: payments\n  jira: { projectKey: PAY }\n  pagerduty: { routingKey: ${ROUTING_KEY} }\n`,
    );
    const listed = await sluice("catalog", "--config", join(dir, "sluice.yaml"));
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(
      listed.stdout,
      /^checkout \(also: co\)\n {2}team: payments\n {2}destinations: jira PAY; pagerduty \(routing key set\)/m,
    );
    assert.match(listed.stdout, /1 service\(s\) of 1 team\(s\) from 1 file\(s\); 0 problem\(s\)/);
    const json = await sluice("catalog", "--config", join(dir, "sluice.yaml"), "--json", "--service", "CO");
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { entries: { service: string; destinations: { pagerduty: unknown } }[] };
    assert.deepEqual(
      parsed.entries.map((e) => [e.service, e.destinations.pagerduty]),
      [["checkout", { routingKey: "[set]" }]],
    );
    assert.ok(!`${listed.stdout}${json.stdout}`.includes(ROUTING_KEY));
    assert.equal((await sluice("check-config", join(dir, "sluice.yaml"))).code, 0);
  });

  it("exits 1 and names file, entry and field of each problem, in both commands", async () => {
    const dir = workspace("- service: checkout\n  team: payments\n  jira: { projectKey: pay }\n");
    const expected = `  ${join(dir, "services.yaml")}: services[0] (checkout).jira.projectKey: must be a Jira project key such as PAY\n`;
    for (const args of [["catalog", "--config"], ["check-config"]]) {
      const result = await sluice(...args, join(dir, "sluice.yaml"));
      assert.equal(result.code, 1, args.join(" "));
      assert.ok(result.stderr.includes("1 problem(s) in the service catalog"), result.stderr);
      assert.ok(result.stderr.includes(expected), result.stderr);
    }
  });
});
