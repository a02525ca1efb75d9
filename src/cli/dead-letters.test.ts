import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { after, describe, it } from "node:test";
import { sha256Hex } from "../sources/http/auth.ts";
import { inMemorySluice } from "../testing/in-memory-sluice.ts";
import { signal } from "../testing/store-contract.ts";
import { deadLettersCommand } from "./dead-letters.ts";
import { main } from "./sluice.ts";

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { stream, text: () => text };
}

const T0 = Date.parse("2026-11-02T10:00:00Z");

describe("sluice dead-letters", async () => {
  const { sluice } = await inMemorySluice({
    auth: {
      tokens: [
        { name: "dashboard", role: "viewer", sha256: sha256Hex("viewer-token") },
        { name: "root", role: "admin", sha256: sha256Hex("admin-token") },
      ],
    },
  });
  after(() => sluice.close());
  // The command's HTTP goes to the in-process server.
  const fetchVia: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const response = await sluice.server.inject({
      method: (init?.method ?? "GET") as "GET" | "POST",
      url: `${url.pathname}${url.search}`,
      headers: init?.headers as Record<string, string>,
      ...(init?.body ? { payload: String(init.body) } : {}),
    });
    return new Response(response.body, { status: response.statusCode, headers: { "content-type": "application/json" } });
  };
  const run = async (
    verb: Parameters<typeof deadLettersCommand>[0],
    id: string | undefined,
    selection: Parameters<typeof deadLettersCommand>[2],
    token: string,
    json = false,
  ) => {
    const out = sink();
    const err = sink();
    const code = await deadLettersCommand(
      verb,
      id,
      selection,
      { url: "http://sluice.test", json },
      { stdout: out.stream, stderr: err.stream, fetch: fetchVia, env: { SLUICE_TOKEN: token } },
    );
    return { code, out: out.text(), err: err.text() };
  };
  const letters: number[] = [];
  for (const [n, source] of ["api", "kafka", "kafka"].entries()) {
    const { positions } = await sluice.store.ingestLog.append([
      { source, appendedAt: T0 + n, signalCount: 1, body: JSON.stringify([signal({ service: `svc-${n}` })]), leaseUntil: 0 },
    ]);
    await sluice.store.ingestLog.claim(T0 + n, 10, 1);
    await sluice.store.ingestLog.deadLetter(positions[0] as number, `failed 10 times; last: broker ${n} unreachable`, T0 + n);
    letters.push(positions[0] as number);
  }

  it("lists as a table, and shows one with its signals", async () => {
    const listed = await run("list", undefined, { source: "kafka" }, "viewer-token");
    assert.equal(listed.code, 0, listed.err);
    const lines = listed.out.trim().split("\n");
    assert.match(lines[0] ?? "", /^ID\s+STATE\s+SOURCE\s+SIGNALS\s+ATTEMPTS\s+LAST FAILURE\s+REASON$/);
    assert.equal(lines.length, 3);
    assert.match(
      lines[1] ?? "",
      new RegExp(`^${letters[2]}\\s+dead\\s+kafka\\s+1\\s+1\\s+2026-11-02T10:00:00.002Z\\s+failed 10 times`),
    );
    const paged = await run("list", undefined, { limit: "1" }, "viewer-token");
    assert.match(paged.out, new RegExp(`More: add --cursor ${letters[2]}`));

    const shown = await run("show", String(letters[0]), {}, "viewer-token");
    assert.equal(shown.code, 0, shown.err);
    assert.match(
      shown.out,
      new RegExp(`^Ingest dead letter ${letters[0]} \\(dead\\) from api: 1 signal\\(s\\)\\nReason: failed 10 times`),
    );
    assert.match(shown.out, /"service": "svc-0"/);
    const json = JSON.parse((await run("show", String(letters[0]), {}, "viewer-token", true)).out);
    assert.equal(json.id, letters[0]);
  });

  it("retries one and discards a filtered set with an admin token, and names what is wrong otherwise", async () => {
    const denied = await run("retry", String(letters[0]), {}, "viewer-token");
    assert.equal(denied.code, 1);
    assert.match(denied.err, /answered HTTP 403: this needs the admin role/);
    const retried = await run("retry", String(letters[0]), {}, "admin-token");
    assert.equal(retried.code, 0, retried.err);
    assert.equal(retried.out, `Dead letter ${letters[0]} retried (1 signal(s)).\n`);
    const twice = await run("retry", String(letters[0]), {}, "admin-token");
    assert.equal(twice.code, 1);
    assert.match(twice.err, /HTTP 409: ingest dead letter \d+ was already retried/);

    const unnamed = await run("discard", undefined, {}, "admin-token");
    assert.equal(unnamed.code, 2);
    assert.match(unnamed.err, /say which dead letters: an id, a filter \(--source, --since, --until, --reason\) or --all/);
    const discarded = await run("discard", undefined, { reason: "UNREACHABLE", source: "kafka" }, "admin-token");
    assert.equal(discarded.code, 0, discarded.err);
    assert.equal(discarded.out, `2 dead letter(s) discarded (2 signal(s)): ${letters[1]}, ${letters[2]}.\n`);
    const badTime = await run("retry", undefined, { since: "yesterday" }, "admin-token");
    assert.equal(badTime.code, 1);
    assert.match(badTime.err, /HTTP 422: invalid body \(since: /);
    const missing = await run("show", "424242", {}, "viewer-token");
    assert.match(missing.err, /HTTP 404: no ingest dead letter 424242/);
  });

  it("is a sluice command, and says when Sluice cannot be reached", async () => {
    const refused: typeof fetch = async () => {
      throw new Error("connect ECONNREFUSED 127.0.0.1:1");
    };
    const err = sink();
    const code = await deadLettersCommand(
      "list",
      undefined,
      {},
      { url: "http://127.0.0.1:1" },
      { stderr: err.stream, fetch: refused, env: {} },
    );
    assert.equal(code, 1);
    assert.match(err.text(), /http:\/\/127.0.0.1:1 could not be reached: connect ECONNREFUSED/);
    // Commander parses the subcommands; a usage mistake exits 2 before any request.
    const stderr = process.stderr.write;
    process.stderr.write = () => true;
    try {
      assert.equal(await main(["dead-letters", "retry", "--url", "http://127.0.0.1:1"]), 2);
    } finally {
      process.stderr.write = stderr;
    }
  });
});
