// Checks the Helm chart against the code it deploys (Helm itself is not available from Debian's
// packages here, so the chart's values are validated by Sluice's own config loader instead).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { parseConfig } from "../src/config/loader.ts";
import { inMemorySluice } from "./support/in-memory-sluice.ts";

const chart = new URL("../deploy/helm/sluice/", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, chart), "utf8");
const values = parse(read("values.yaml")) as { replicaCount: number; config: Record<string, unknown> };
const env = {
  DATABASE_URL: "postgres://sluice:pw@db:5432/sluice",
  SLUICE_ADMIN_TOKEN_SHA256: "a".repeat(64),
  PAGERDUTY_ROUTING_KEY: "R".repeat(32),
  SLACK_BOT_TOKEN: "xoxb-0000",
  SLACK_CHANNEL_ID: "C0123456789",
  JIRA_EMAIL: "ops@example.com",
  JIRA_API_TOKEN: "token",
};

describe("Helm chart", () => {
  it("ships values whose config block is a valid Sluice config (with its secrets from the environment)", () => {
    const { config, warnings } = parseConfig({ config: values.config }, env, process.cwd(), "values.yaml");
    assert.deepEqual(warnings, []);
    assert.equal(config.storage.databaseUrl, env.DATABASE_URL);
  });

  it("names every secret by reference, never by value", () => {
    const text = read("values.yaml");
    for (const key of ["routingKey", "botToken", "apiToken", "databaseUrl", "sha256"]) {
      const line = text.split("\n").find((l) => l.includes(`${key}:`)) ?? "";
      assert.match(line, /\$\{[A-Z0-9_]+\}/, `${key} is a \${ENV} reference`);
    }
  });

  it("runs more than one replica only on PostgreSQL", () => {
    assert.ok(values.replicaCount > 1);
    assert.ok((values.config.storage as { databaseUrl?: string }).databaseUrl, "replicas need storage.databaseUrl");
  });

  it("probes endpoints the server answers, and mounts the config where the image reads it", async () => {
    const deployment = read("templates/deployment.yaml");
    const { sluice } = await inMemorySluice();
    sluice.start();
    for (const path of ["/healthz", "/readyz"]) {
      assert.ok(deployment.includes(`path: ${path}`));
      assert.equal((await sluice.server.inject({ url: path })).statusCode, 200, path);
    }
    await sluice.close();
    assert.ok(deployment.includes("mountPath: /etc/sluice") && deployment.includes("/etc/sluice/config.yaml"));
    assert.ok(readFileSync(new URL("../Dockerfile", import.meta.url), "utf8").includes("/etc/sluice/config.yaml"));
    assert.ok(deployment.includes("readOnlyRootFilesystem: true") && deployment.includes("runAsNonRoot: true"));
    assert.ok(read("templates/pdb.yaml").includes("kind: PodDisruptionBudget"));
  });
});
