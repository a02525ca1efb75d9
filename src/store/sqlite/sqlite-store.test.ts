import { describeStoreContract } from "../store-contract.ts";
import { SqliteStore } from "./sqlite-store.ts";

describeStoreContract({
  name: "SQLite (:memory:)",
  open: () => SqliteStore.open({ dataDir: ":memory:", synchronous: "full" }),
  knownGaps: {
    newIncidentOnOpenFingerprint:
      "SqliteChangeWriter maps a unique violation to CONFLICT only for incident updates; a new incident throws SQLITE_CONSTRAINT_UNIQUE",
  },
});
