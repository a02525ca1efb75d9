/**
 * scripts/kafka.sh hands out its own broker, never whatever answers on the port it remembers. Runs the
 * script in a scratch checkout whose .cache/kafka remembers a "broker" that is really a stranger: a
 * process named like a Kafka broker of another checkout, listening on the remembered port (as after a
 * reboot reused the pid, or a copied .cache). The script must start a broker of its own instead.
 *
 * Needs: what scripts/kafka.sh needs (java 17+ and mvn; the broker jars it resolves into .cache/kafka/libs
 * are shared with the scratch checkout). Starts one extra broker (stopped at the end) and a node process.
 * Skipped with SLUICE_TEST_KAFKA_BROKERS (your own brokers: the script is not used then).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Admin } from "@platformatic/kafka";
import { missingPeer } from "./support/missing-peer.ts";
import { provision } from "./support/provision.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function runScript(checkout: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync("bash", [join(checkout, "scripts", "kafka.sh"), ...args], {
    cwd: checkout,
    encoding: "utf8",
    env: { ...process.env, SLUICE_TEST_KAFKA_BROKERS: "" },
    timeout: 5 * 60_000,
  });
  return { status: run.status, stdout: run.stdout.trim(), stderr: run.stderr };
}

/** A stranger: a node process whose command line reads like another checkout's broker, listening on a port. */
async function startStranger(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [
      "-e",
      "const s=require('node:net').createServer(c=>c.end());s.listen(0,'127.0.0.1',()=>console.log(s.address().port))",
      "kafka.Kafka",
      "/elsewhere/.cache/kafka/server.properties",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once("exit", (code) => reject(new Error(`the stranger exited (${code})`)));
  });
  return { child, port };
}

const libs = process.env.SLUICE_TEST_KAFKA_BROKERS ? null : provision("kafka.sh");
if (libs === null) {
  it("kafka.sh hands out its own broker", { skip: "SLUICE_TEST_KAFKA_BROKERS is set: scripts/kafka.sh is not used" }, () => {});
} else if ("problem" in libs) {
  missingPeer("kafka.sh hands out its own broker", libs.problem, "install java 17+ and maven, or set SLUICE_TEST_KAFKA_BROKERS");
} else {
  describe("scripts/kafka.sh and a stranger on its remembered port", () => {
    const checkout = mkdtempSync(join(tmpdir(), "sluice-kafka-script-"));
    const cache = join(checkout, ".cache", "kafka");
    mkdirSync(join(checkout, "scripts", "kafka"), { recursive: true });
    mkdirSync(cache, { recursive: true });
    copyFileSync(join(root, "scripts", "kafka.sh"), join(checkout, "scripts", "kafka.sh"));
    // The jars are shared; the pom keeps its time, so the script does not think they need resolving again.
    const pom = join(root, "scripts", "kafka", "pom.xml");
    copyFileSync(pom, join(checkout, "scripts", "kafka", "pom.xml"));
    const { atime, mtime } = statSync(pom);
    utimesSync(join(checkout, "scripts", "kafka", "pom.xml"), atime, mtime);
    symlinkSync(join(root, ".cache", "kafka", "libs"), join(cache, "libs"));
    let stranger: ChildProcess | null = null;

    after(() => {
      runScript(checkout, "stop");
      stranger?.kill("SIGKILL");
      rmSync(checkout, { recursive: true, force: true });
    });

    it("starts a broker of its own instead of handing out the stranger's port, then hands out that one", async () => {
      const started = await startStranger();
      stranger = started.child;
      writeFileSync(join(cache, "pid"), `${started.child.pid}\n`);
      writeFileSync(join(cache, "port"), `${started.port}\n`);

      const first = runScript(checkout);
      assert.equal(first.status, 0, first.stderr);
      const address = first.stdout.split("\n").at(-1) ?? "";
      assert.notEqual(address, `127.0.0.1:${started.port}`, "not the stranger's port");
      assert.match(address, /^127\.0\.0\.1:\d+$/);

      const pid = Number(readFileSync(join(cache, "pid"), "utf8"));
      assert.notEqual(pid, started.child.pid);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
      assert.ok(cmdline.includes(`kafka.Kafka ${join(cache, "server.properties")}`), "the broker of this checkout");

      const admin = new Admin({ clientId: "kafka-script-test", bootstrapBrokers: [address] });
      try {
        const metadata = await admin.metadata({ topics: [] });
        const formatted = /^cluster\.id=(.+)$/m.exec(readFileSync(join(cache, "data", "meta.properties"), "utf8"))?.[1];
        assert.equal(metadata.id, formatted, "the broker answering there is the cluster formatted in this checkout");
      } finally {
        await admin.close();
      }

      const again = runScript(checkout);
      assert.equal(again.status, 0, again.stderr);
      assert.equal(again.stdout.split("\n").at(-1), address, "its own running broker is handed out again");
    });
  });
}
