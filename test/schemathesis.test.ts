/**
 * Fuzzes a live `sluice serve` (SQLite, bearer tokens configured) with schemathesis against the
 * /openapi.json it serves, every check on: no 5xx, only documented status codes and content types,
 * responses matching their schemas, schema-valid requests accepted and invalid ones refused, auth
 * enforced, 405 for undeclared methods. Deliberate exceptions are in test/fuzz/ (schemathesis.toml and
 * sluice_hooks.py), each with its reason.
 *
 * Needs: python3 with venv; scripts/schemathesis.sh installs schemathesis from PyPI into
 * .cache/schemathesis when missing (or set SLUICE_TEST_SCHEMATHESIS to an `st` binary). Without it the
 * suite is skipped with a warning; with CI=true it fails. Two to five minutes, by the machine's load: 15 examples per
 * operation (SLUICE_FUZZ_EXAMPLES to change; SLUICE_FUZZ_SEED to replay a run's seed).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { sha256Hex } from "../src/sources/http/auth.ts";
import { missingPeer } from "./support/missing-peer.ts";
import { provision } from "./support/provision.ts";
import { freePort, httpCall, SluiceProcess } from "./support/sluice-process.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const ADMIN_TOKEN = "fuzz-admin-token-0123456789";
const INGEST_TOKEN = "fuzz-ingest-token-0123456789";

/** Runs `st` to the end; resolves with its exit code and output. */
function runSchemathesis(st: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(st, args, {
      cwd: mkdtempSync(join(tmpdir(), "sluice-fuzz-")),
      env: { ...process.env, PYTHONPATH: join(root, "test/fuzz"), SCHEMATHESIS_HOOKS: "sluice_hooks", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, output }));
  });
}

const found = provision("schemathesis.sh");
if ("problem" in found) {
  missingPeer(
    "schemathesis fuzzing",
    found.problem,
    "install python3 (with venv) so scripts/schemathesis.sh can install schemathesis, or set SLUICE_TEST_SCHEMATHESIS",
  );
} else {
  const st = found.output[0] as string;

  // A liveness bound, not a speed target: 33 operations took 4.6 minutes beside a load average of 20 on two cores.
  describe("schemathesis against the served OpenAPI document", { timeout: 600_000 }, () => {
    let sluice: SluiceProcess;
    let port: number;

    before(async () => {
      const dir = mkdtempSync(join(tmpdir(), "sluice-fuzz-serve-"));
      port = await freePort();
      const config = join(dir, "sluice.yaml");
      writeFileSync(
        config,
        [
          `server: { host: 127.0.0.1, port: ${port} }`,
          `storage: { dataDir: ${JSON.stringify(join(dir, "data"))} }`,
          "log: { level: warn }",
          "auth:",
          `  tokens: [{ name: fuzz-admin, role: admin, sha256: ${sha256Hex(ADMIN_TOKEN)} }]`,
          `  ingestTokens: [{ name: fuzz-ingest, sources: ["*"], sha256: ${sha256Hex(INGEST_TOKEN)} }]`,
          "",
        ].join("\n"),
      );
      sluice = new SluiceProcess(config);
      await sluice.ready(port, 60_000);
      // An incident for the operations that take an id, so they are exercised past their 404.
      const seeded = await fetch(`http://127.0.0.1:${port}/api/v1/signals`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${INGEST_TOKEN}` },
        body: JSON.stringify({ event_id: "fuzz-seed", anomaly_score: 0.95, service: "payments", error_message: "timeout" }),
      });
      assert.equal(seeded.status, 202, await seeded.text());
    });

    after(async () => {
      await sluice?.kill("SIGTERM");
    });

    it("finds no server error, undocumented status, schema violation or unchecked auth", async () => {
      const args = [
        "--config-file",
        join(root, "test/fuzz/schemathesis.toml"),
        "run",
        `http://127.0.0.1:${port}/openapi.json`,
        "--header",
        `Authorization: Bearer ${ADMIN_TOKEN}`,
        "--max-examples",
        process.env.SLUICE_FUZZ_EXAMPLES ?? "15",
        "--workers",
        "1",
        "--no-color",
        "--request-timeout",
        "20",
        ...(process.env.SLUICE_FUZZ_SEED ? ["--seed", process.env.SLUICE_FUZZ_SEED] : []),
      ];
      const { code, output } = await runSchemathesis(st, args);
      const summary = output.slice(output.lastIndexOf("SUMMARY") - 40);
      assert.equal(code, 0, `schemathesis found problems (exit ${code}):\n${output.slice(-12_000)}\n--- sluice:\n${sluice.log}`);
      const served = (await (await fetch(`http://127.0.0.1:${port}/openapi.json`)).json()) as { paths: Record<string, object> };
      const operations = Object.values(served.paths).reduce((sum, methods) => sum + Object.keys(methods).length, 0);
      assert.match(summary, new RegExp(`Tested: ${operations}\\b`), `all ${operations} operations were tested:\n${summary}`);
      assert.match(summary, /\d+ generated, \d+ passed/, summary);
      // The server is still well after all of it.
      assert.equal((await httpCall(port, "GET", "/healthz")).status, 200);
    });
  });
}
