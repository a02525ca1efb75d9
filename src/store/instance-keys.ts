import type { Kysely } from "kysely";
import type { InstanceKeys } from "../core/ports/instance-keys.ts";
import type { Tables } from "./rows.ts";

/** Both engines: insert-if-absent, then read, so replicas starting together agree on one key. */
export class KyselyInstanceKeys implements InstanceKeys {
  constructor(private readonly db: Kysely<Tables>) {}

  async get(name: string, generate: () => string, now: number): Promise<string> {
    await this.db
      .insertInto("instance_keys")
      .values({ name, value: generate(), created_at: now })
      .onConflict((conflict) => conflict.column("name").doNothing())
      .execute();
    const row = await this.db.selectFrom("instance_keys").select("value").where("name", "=", name).executeTakeFirstOrThrow();
    return row.value;
  }
}
