// Every positive example of the redaction corpus, sent as a signal: no secret reaches a connector (a
// real webhook receiver), the LLM (a local scripted model server), a log line or an API response.
// Runs in process; starts two local HTTP servers on 127.0.0.1.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, describe, it } from "node:test";
import pino from "pino";
import { parseConfig } from "../src/config/loader.ts";
import { createSluice, type Sluice } from "../src/main.ts";
import { positives } from "../src/redact/corpus.ts";
import { startScriptedLlm } from "../src/testing/scripted-llm.ts";

describe("redaction end to end", async () => {
  const posted: string[] = [];
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      posted.push(Buffer.concat(chunks).toString("utf8"));
      response.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const llm = await startScriptedLlm({ content: '{"summary":"An upstream credential problem."}' });
  const logLines: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const { config } = parseConfig(
    {
      webhook: {
        enabled: true,
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
        secret: "webhook-secret-0123456789",
      },
      llm: {
        provider: "openai",
        model: "gpt-test",
        apiKey: "sk-not-a-real-key-000",
        baseUrl: llm.openaiBaseUrl,
        timeout: "2s",
        maxCallsPerHour: 500,
      },
      routing: { critical: ["webhook"], high: ["webhook"], medium: ["webhook"], low: ["webhook"] },
    },
    {},
    process.cwd(),
    "test",
  );
  const sluice = await createSluice(config, {
    dataDir: ":memory:",
    processMetrics: false,
    logger: pino({ level: "debug" }, logStream),
  });
  after(async () => {
    await sluice.close();
    await llm.close();
    receiver.close();
  });

  it(`keeps all ${positives.length} corpus secrets out of tickets, prompts, logs and the API`, async () => {
    const events = positives.map((example, i) => ({
      event_id: `redact-${i}`,
      anomaly_score: 0.95,
      severity: "high",
      service: `svc-${i}`,
      error_message: example.text,
      description: `details: ${example.text}`,
      labels: { note: example.text },
    }));
    const response = await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: events });
    assert.equal(response.statusCode, 202);
    await sluice.worker.flush();
    await sluice.summaries?.flush();
    await sluice.worker.flush();
    const api: string[] = [];
    for (let n = 1; n <= positives.length; n++) api.push((await sluice.server.inject({ url: `/api/incidents/INC-${n}` })).body);
    assert.equal(posted.length >= positives.length, true, "every incident reached the webhook");
    assert.equal(llm.requests.length >= positives.length, true, "every incident was summarised");
    const places: [string, string][] = [
      ["webhook payloads", posted.join("\n")],
      ["LLM prompts", llm.requests.map((r) => r.body).join("\n")],
      ["log lines", logLines.join("\n")],
      ["API responses", api.join("\n")],
    ];
    for (const example of positives) {
      for (const [where, text] of places) {
        assert.ok(!text.includes(example.secret), `${example.kind} secret "${example.secret.slice(0, 12)}…" reached ${where}`);
      }
    }
    assert.match(api.join("\n"), /\[REDACTED:/, "the masks show what was there");
  });
});

// Everywhere else a person (or an upstream program) types: ids, label names, the users a signal names,
// notes and the reasons of acknowledge and resolve. On a database file, so the file itself is searched
// too, and restarted once, so the users' hashes are shown to survive a restart.
describe("redaction end to end: ids, label keys, affected users, notes and reasons", async () => {
  const posted: string[] = [];
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      posted.push(Buffer.concat(chunks).toString("utf8"));
      response.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const dir = mkdtempSync(join(tmpdir(), "sluice-redaction-"));
  const { config } = parseConfig(
    {
      webhook: { enabled: true, url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` },
      routing: { critical: ["webhook"], high: ["webhook"], medium: ["webhook"], low: ["webhook"] },
    },
    {},
    process.cwd(),
    "test",
  );
  const open = () => createSluice(config, { dataDir: dir, processMetrics: false, logger: pino({ level: "silent" }) });
  let sluice: Sluice = await open();
  after(async () => {
    await sluice.close();
    receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const emails = positives.filter((example) => example.kind === "email");
  const plainUsers = ["customer-4821", "customer-4822"];
  // Ids longer than event_id allows (256) are left out rather than cut, which could cut a secret in two.
  const idExamples = positives.filter((example) => example.text.length <= 200);

  const post = async (events: Record<string, unknown>[]) => {
    const response = await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: events });
    assert.equal(response.statusCode, 202, response.body);
    return response.json() as { results: { outcome: string; incident: string | null }[] };
  };
  const event = (fields: Record<string, unknown>) => ({
    anomaly_score: 0.95,
    severity: "high",
    service: "identity",
    error_message: "login failures above threshold",
    ...fields,
  });
  const usersOf = async (key: string) =>
    ((await sluice.server.inject({ url: `/api/incidents/${key}` })).json() as { context: { affectedUsers?: { count: number } } })
      .context.affectedUsers?.count;

  it(`keeps ${idExamples.length} secrets used as event ids and label keys, and e-mails among affected users, out of tickets, the API and the database`, async () => {
    const users = [...emails.map((example) => example.secret), ...plainUsers];
    const first = await post([
      event({
        event_id: "identity-1",
        affected_users: users,
        labels: Object.fromEntries(idExamples.map((e, i) => [e.text, `v${i}`])),
      }),
      ...idExamples.map((example) => event({ event_id: example.text })),
    ]);
    assert.ok(first.results.every((result) => result.outcome === "opened" || result.outcome === "deduplicated"));
    const again = await post(idExamples.map((example) => event({ event_id: example.text })));
    assert.deepEqual(
      again.results.map((result) => result.outcome),
      idExamples.map(() => "duplicate"),
      "an id holding a secret is still recognised when it is sent again",
    );
    await sluice.affectedUsers.flush();
    await sluice.worker.flush();
    assert.equal(await usersOf("INC-1"), users.length, "every distinct user is counted");
  });

  it("keeps notes and acknowledge and resolve reasons out of tickets, the API and the database", async () => {
    for (const example of positives) {
      const note = await sluice.server.inject({
        method: "POST",
        url: "/api/incidents/INC-1/notes",
        payload: { text: `from the bridge: ${example.text}` },
      });
      assert.equal(note.statusCode < 300, true, note.body);
    }
    const reasons = positives.map((example) => example.text).join(" | ");
    const acknowledged = await sluice.server.inject({
      method: "POST",
      url: "/api/incidents/INC-1/acknowledge",
      payload: { reason: `looking: ${reasons}` },
    });
    assert.equal(acknowledged.statusCode, 200, acknowledged.body);
    const resolved = await sluice.server.inject({
      method: "POST",
      url: "/api/incidents/INC-1/resolve",
      payload: { reason: `fixed: ${reasons}` },
    });
    assert.equal(resolved.statusCode, 200, resolved.body);
    await sluice.worker.flush();
  });

  it("counts the same users alike after a restart (the hash key is kept in the database)", async () => {
    await sluice.close();
    sluice = await open();
    const users = [...emails.map((example) => example.secret), ...plainUsers];
    await post([event({ event_id: "identity-2", service: "identity-after-restart", affected_users: users })]);
    await post([event({ event_id: "identity-3", service: "identity-after-restart", affected_users: users.slice(0, 2) })]);
    await sluice.affectedUsers.flush();
    await sluice.worker.flush();
    const list = (await sluice.server.inject({ url: "/api/incidents?service=identity-after-restart" })).json() as {
      items: { key: string }[];
    };
    const key = list.items[0]?.key as string;
    assert.equal(await usersOf(key), users.length, "the users of the second signal are the same users");
    const signals = (await sluice.store.incidents.signals((await sluice.store.incidents.get(key))?.id ?? "", 10)).flatMap(
      (s) => s.affectedUsers,
    );
    const before = (await sluice.store.incidents.signals((await sluice.store.incidents.get("INC-1"))?.id ?? "", 10_000)).flatMap(
      (s) => s.affectedUsers,
    );
    for (const user of signals) assert.match(user, /^u:[0-9a-f]{20}$/, "kept as a keyed hash");
    assert.ok(
      signals.every((user) => before.includes(user)),
      "a user hashes to the same value before and after the restart",
    );
  });

  it("leaves no trace of any of them in webhook payloads, API responses or the database files", async () => {
    await sluice.worker.flush();
    const api: string[] = [];
    for (const key of ["INC-1", "INC-2"]) {
      api.push((await sluice.server.inject({ url: `/api/incidents/${key}` })).body);
      api.push((await sluice.server.inject({ url: `/api/incidents/${key}/timeline` })).body);
    }
    api.push((await sluice.server.inject({ url: "/api/incidents?limit=500" })).body);
    api.push((await sluice.server.inject({ url: "/api/deliveries?limit=500" })).body);
    await sluice.close();
    const files = readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => readFileSync(join(entry.parentPath, entry.name)).toString("latin1"));
    sluice = await open();
    assert.ok(
      posted.some((body) => body.includes('"event":"comment"')),
      "the notes reached the webhook",
    );
    assert.ok(
      posted.some((body) => body.includes('"event":"resolve"')),
      "the resolve reached the webhook",
    );
    const places: [string, string][] = [
      ["webhook payloads", posted.join("\n")],
      ["API responses", api.join("\n")],
      ["the database files", files.join("\n")],
    ];
    const secrets = [...new Set([...positives.map((example) => example.secret), ...plainUsers])];
    for (const secret of secrets) {
      for (const [where, text] of places) {
        assert.ok(!text.includes(secret), `"${secret.slice(0, 16)}…" reached ${where}`);
      }
    }
  });
});
