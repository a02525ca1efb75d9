// The ceilings of any Node.js ingest service on this machine, in two modes:
// - "bare": Fastify (the version Sluice uses) parsing the same bodies and answering 202, doing nothing else.
// - "durable": the same, plus the least a service can do before a 202 that means "durably stored" and
//   "idempotent on the upstream id": each request body in one SQLite row, each item's event_id in a unique
//   index, one transaction per event-loop turn, the WAL fsynced (off the event loop, as Sluice does) before
//   answering. No validation, no pipeline, no incidents.
// Whatever Sluice does per signal comes on top of these, so Sluice can never be faster than them.
import { join } from "node:path";
import Database from "better-sqlite3";
import Fastify from "fastify";
import { WalSync } from "../src/store/sqlite/wal-sync.ts";

const port = Number(process.argv[2]);
const mode = process.argv[3] === "durable" ? "durable" : "bare";
const app = Fastify({ logger: false, bodyLimit: 5 * 1024 * 1024 });
app.get("/readyz", async () => ({ ok: true }));

if (mode === "bare") {
  app.post("/api/v1/signals", async (request, reply) => {
    const items = Array.isArray(request.body) ? request.body.length : 1;
    return reply.code(202).send({ accepted: items });
  });
} else {
  // The directory is made and removed by bench/ceiling-server.ts (a SIGTERM skips "exit" handlers here).
  const dir = process.argv[4] as string;
  const db = new Database(join(dir, "ceiling.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec(`CREATE TABLE requests (id INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, body TEXT NOT NULL);
           CREATE TABLE items (event_id TEXT PRIMARY KEY, request_id INTEGER NOT NULL) WITHOUT ROWID;`);
  const walSync = new WalSync(join(dir, "ceiling.db-wal"));
  const insertRequest = db.prepare("INSERT INTO requests (received_at, body) VALUES (?, ?)");
  const insertItem = db.prepare("INSERT OR IGNORE INTO items (event_id, request_id) VALUES (?, ?)");
  type Pending = { raw: string; ids: string[]; done: () => void };
  let pending: Pending[] = [];
  const commit = db.transaction((group: Pending[]) => {
    const now = Date.now();
    for (const entry of group) {
      const requestId = insertRequest.run(now, entry.raw).lastInsertRowid;
      for (const id of entry.ids) insertItem.run(id, requestId);
    }
  });
  const flush = () => {
    const group = pending;
    pending = [];
    commit(group);
    void walSync.durable().then(() => {
      for (const entry of group) entry.done();
    });
  };
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    try {
      done(null, { raw: body as string, value: JSON.parse(body as string) as unknown });
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.post("/api/v1/signals", async (request, reply) => {
    const { raw, value } = request.body as { raw: string; value: unknown };
    const items = (Array.isArray(value) ? value : [value]) as { event_id: string }[];
    await new Promise<void>((resolve) => {
      if (pending.length === 0) setImmediate(flush);
      pending.push({ raw, ids: items.map((item) => item.event_id), done: resolve });
    });
    return reply.code(202).send({ accepted: items.length });
  });
}
await app.listen({ host: "127.0.0.1", port });
