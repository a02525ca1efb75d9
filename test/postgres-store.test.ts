/**
 * The store contract (src/store/store-contract.ts) against a real PostgreSQL, plus what only a shared
 * database must do: two replicas (two pools) claiming at once never get the same row, and only one
 * of them opens an incident per fingerprint.
 *
 * Needs: a PostgreSQL server (13 or newer) and a user allowed to CREATE DATABASE.
 * - Your own: SLUICE_TEST_DATABASE_URL=postgres://user:password@host:5432/postgres (or DATABASE_URL).
 * - Otherwise scripts/postgres.sh provisions one: Debian's `postgresql` package (installed when
 *   missing, as root), a cluster in .cache/postgres on a free loopback port.
 * Each run creates a database `sluice_test_<random>` (a schema per test inside it) and drops it at the end.
 * When PostgreSQL cannot be provisioned the suite is skipped with a warning; with CI=true it fails.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { after } from "node:test";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { PostgresStore } from "../src/store/postgres/postgres-store.ts";
import { describeStoreContract } from "../src/store/store-contract.ts";
import { missingPeer } from "./support/missing-peer.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function serverUrl(): { url: string } | { problem: string } {
  const given = process.env.SLUICE_TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (given) return { url: given };
  // Minutes when apt has to install PostgreSQL; well under a second once it runs.
  const script = spawnSync("bash", [join(root, "scripts/postgres.sh")], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    timeout: 15 * 60_000,
  });
  const url = script.stdout?.trim().split("\n").at(-1);
  if (script.status === 0 && url) return { url };
  return { problem: `scripts/postgres.sh failed (${script.error?.message ?? `exit ${script.status}`})` };
}

async function admin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const server = serverUrl();
let database: { adminUrl: string; url: string; name: string } | { problem: string };
if ("url" in server) {
  const name = `sluice_test_${randomBytes(6).toString("hex")}`;
  try {
    await admin(server.url, (client) => client.query(`CREATE DATABASE ${name}`));
    const url = new URL(server.url);
    url.pathname = `/${name}`;
    database = { adminUrl: server.url, url: url.toString(), name };
  } catch (error) {
    database = { problem: `cannot create a test database on ${redact(server.url)}: ${(error as Error).message}` };
  }
} else {
  database = server;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@");
}

if ("problem" in database) {
  missingPeer("store contract: PostgreSQL", database.problem, "set SLUICE_TEST_DATABASE_URL (or DATABASE_URL) to run it");
} else {
  const { adminUrl, url, name } = database;
  let schemas = 0;
  const nextSchema = () => `store_${++schemas}`;
  after(async () => {
    await admin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  });
  describeStoreContract({
    name: `PostgreSQL (${redact(adminUrl)}, database ${name})`,
    open: () => PostgresStore.open({ url, schema: nextSchema(), poolSize: 4 }),
    async openReplicas() {
      const schema = nextSchema();
      const one = await PostgresStore.open({ url, schema, poolSize: 4 });
      try {
        return [one, await PostgresStore.open({ url, schema, poolSize: 4 })];
      } catch (error) {
        await one.close();
        throw error;
      }
    },
  });
}
