import { randomBytes } from "node:crypto";
import { after } from "node:test";
import pg from "pg";
import { provision } from "./provision.ts";

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
  const found = provision("postgres.sh");
  return "problem" in found ? found : { url: found.output[0] as string };
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
