/**
 * The store contract (src/testing/store-contract.ts) against a real PostgreSQL, plus what only a shared
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
import { PostgresStore } from "../src/store/postgres/postgres-store.ts";
import { describeStoreContract } from "../src/testing/store-contract.ts";
import { missingPeer } from "./support/missing-peer.ts";
import { createTestDatabase } from "./support/postgres-database.ts";

const database = await createTestDatabase();

if ("problem" in database) {
  missingPeer("store contract: PostgreSQL", database.problem, "set SLUICE_TEST_DATABASE_URL (or DATABASE_URL) to run it");
} else {
  const { server, url, name } = database;
  let schemas = 0;
  const nextSchema = () => `store_${++schemas}`;
  describeStoreContract({
    name: `PostgreSQL (${server}, database ${name})`,
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
