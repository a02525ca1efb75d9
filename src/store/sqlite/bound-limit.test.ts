import assert from "node:assert/strict";
import { test } from "node:test";
import Database from "better-sqlite3";
import { castBoundLimits } from "./bound-limit.ts";

test("castBoundLimits wraps LIMIT and OFFSET placeholders of either case and leaves literals alone", () => {
  assert.equal(
    castBoundLimits('select * from "t" where "a" = ? order by "b" desc limit ? offset ?'),
    'select * from "t" where "a" = ? order by "b" desc limit CAST(? AS INTEGER) offset CAST(? AS INTEGER)',
  );
  assert.equal(
    castBoundLimits("SELECT id FROM t ORDER BY id LIMIT @scan"),
    "SELECT id FROM t ORDER BY id LIMIT CAST(@scan AS INTEGER)",
  );
  assert.equal(castBoundLimits("SELECT id FROM t LIMIT 5"), "SELECT id FROM t LIMIT 5");
  assert.equal(
    castBoundLimits("SELECT speed_limit FROM t WHERE speed_limit > ?"),
    "SELECT speed_limit FROM t WHERE speed_limit > ?",
  );
});

test("a cast LIMIT returns the same rows as the bare placeholder", () => {
  const db = new Database(":memory:");
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
  const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
  for (let i = 0; i < 20; i++) insert.run(`v${i}`);
  const sql = "SELECT id FROM t ORDER BY id DESC LIMIT ? OFFSET ?";
  for (const [limit, offset] of [
    [5, 0],
    [3, 4],
    [0, 0],
    [-1, 18],
    [100, 0],
  ]) {
    assert.deepEqual(db.prepare(castBoundLimits(sql)).all(limit, offset), db.prepare(sql).all(limit, offset));
  }
});
