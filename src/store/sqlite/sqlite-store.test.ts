import { describeStoreContract } from "../../testing/store-contract.ts";
import { SqliteStore } from "./sqlite-store.ts";

describeStoreContract({
  name: "SQLite (:memory:)",
  open: () => SqliteStore.open({ dataDir: ":memory:", synchronous: "full" }),
});
