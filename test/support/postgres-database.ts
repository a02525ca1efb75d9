import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { after } from "node:test";
import { fileURLToPath } from "node:url";
import pg from "pg";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A throwaway database on a real PostgreSQL, dropped when the test file ends. */
export interface TestDatabase {
  /** The server's admin URL (password masked), for suite names. */
  server: string;
  url: string;
  name: string;
}

/** A URL with its password masked, for names and messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@");
}

/**
 * The server from SLUICE_TEST_DATABASE_URL (or DATABASE_URL), else one scripts/postgres.sh provisions
 * (Debian's package, a cluster under .cache/postgres; minutes on first install, under a second after).
 */
function serverUrl(): { url: string } | { problem: string } {
  const given = process.env.SLUICE_TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (given) return { url: given };
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

async function asAdmin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates `sluice_test_<random>` on the server (dropped after the file's tests), or says why it cannot. */
export async function createTestDatabase(): Promise<TestDatabase | { problem: string }> {
  const server = serverUrl();
  if ("problem" in server) return server;
  const name = `sluice_test_${randomBytes(6).toString("hex")}`;
  try {
    await asAdmin(server.url, (client) => client.query(`CREATE DATABASE ${name}`));
  } catch (error) {
    return { problem: `cannot create a test database on ${redactUrl(server.url)}: ${(error as Error).message}` };
  }
  after(async () => {
    await asAdmin(server.url, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  });
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  return { server: redactUrl(server.url), url: url.toString(), name };
}
