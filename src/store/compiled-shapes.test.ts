import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Kysely } from "kysely";
import { CompiledShapes } from "./compiled-shapes.ts";
import type { Tables } from "./rows.ts";
import { openSqlite } from "./sqlite/open-database.ts";

describe("CompiledShapes", () => {
  let db: Kysely<Tables>;
  before(async () => {
    ({ db } = await openSqlite({ dataDir: ":memory:", synchronous: "normal" }));
    const change = (id: string, service: string, at: number) => ({
      ...{ id, source: "test", source_id: id, tenant: "default", service, environment: "production", kind: "deploy" },
      ...{ summary: "", at, version: null, author: null, url: null, labels: "{}", received_at: at },
    });
    await db
      .insertInto("changes")
      .values([change("a", "pending", 1), change("b", "done", 2), change("c", "pending", 3)])
      .execute();
  });
  after(() => db.destroy());

  const pending = (shapes: CompiledShapes, status: string, limit: number) =>
    shapes.rows(db, "jobs", [status, limit], () =>
      db.selectFrom("changes").select("id").where("service", "=", status).orderBy("at").limit(limit),
    );

  it("answers every call with its own parameters, past the calls it checks", async () => {
    const shapes = new CompiledShapes();
    for (let call = 0; call < 20; call++) {
      const limit = 1 + (call % 2);
      const status = call % 3 === 0 ? "done" : "pending";
      const expected = status === "done" ? ["b"] : ["a", "c"].slice(0, limit);
      assert.deepEqual(
        (await pending(shapes, status, limit)).map((row) => row.id),
        expected,
        `call ${call}`,
      );
    }
  });

  it("fails loudly when the parameters listed are not the compiled query's", async () => {
    const shapes = new CompiledShapes();
    await assert.rejects(
      shapes.rows(db, "swapped", [1, "pending"], () =>
        db.selectFrom("changes").select("id").where("service", "=", "pending").limit(1),
      ),
      /query shape "swapped": its parameters do not match/,
    );
  });

  it("fails loudly when one key compiles to different SQL", async () => {
    const shapes = new CompiledShapes();
    await shapes.rows(db, "same-key", ["a"], () => db.selectFrom("changes").selectAll().where("id", "=", "a"));
    await assert.rejects(
      shapes.rows(db, "same-key", ["a"], () => db.selectFrom("changes").selectAll().where("service", "=", "a")),
      /compiled to different SQL/,
    );
  });
});
