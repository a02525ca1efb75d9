import type { Writable } from "node:stream";

/** Where the running Sluice is and how to print (options every `sluice dead-letters` command takes). */
export interface DeadLettersOptions {
  /** Base URL of the running Sluice (default $SLUICE_URL, else http://127.0.0.1:8080). */
  url?: string;
  json?: boolean;
}

/** Which dead letters: the API's filters (`state` and `cursor` for list only, `all` for retry and discard). */
export interface DeadLetterSelection {
  source?: string;
  since?: string;
  until?: string;
  reason?: string;
  state?: string;
  limit?: string;
  cursor?: string;
  all?: boolean;
}

export interface DeadLettersIo {
  stdout?: Writable;
  stderr?: Writable;
  fetch?: typeof fetch;
  env?: NodeJS.ProcessEnv;
}

interface Letter {
  id: number;
  state: string;
  source: string;
  signalCount: number;
  reason: string;
  appendedAt: string;
  firstFailedAt: string;
  lastFailedAt: string;
  attempts: number;
  retryOf: number | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
}

interface Detail extends Letter {
  signals: unknown[];
  retry: { pending: boolean; deadAgain: number[] } | null;
}

type Verb = "list" | "show" | "retry" | "discard";

/** A usage mistake: exit 2, like commander's own. */
class Usage extends Error {}

/** The API's error, or the status when it sent none. */
async function failure(response: Response): Promise<string> {
  const body = (await response.json().catch(() => ({}))) as {
    error?: { message?: string; problems?: { path: string; message: string }[] };
  };
  const problems = body.error?.problems?.map((p) => `${p.path}: ${p.message}`).join("; ");
  return `HTTP ${response.status}: ${body.error?.message ?? "no message"}${problems ? ` (${problems})` : ""}`;
}

const cut = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text);

function table(items: readonly Letter[]): string {
  const rows = [
    ["ID", "STATE", "SOURCE", "SIGNALS", "ATTEMPTS", "LAST FAILURE", "REASON"],
    ...items.map((l) => [
      String(l.id),
      l.state,
      l.source,
      String(l.signalCount),
      String(l.attempts),
      l.lastFailedAt,
      cut(l.reason.replace(/\s+/g, " "), 80),
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length))) ?? [];
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  "))
    .join("\n");
}

function detailText(letter: Detail): string {
  const lines = [
    `Ingest dead letter ${letter.id} (${letter.state}) from ${letter.source}: ${letter.signalCount} signal(s)`,
    `Reason: ${letter.reason}`,
    `Appended ${letter.appendedAt}; failed first ${letter.firstFailedAt}, last ${letter.lastFailedAt}; ${letter.attempts} attempt(s)`,
  ];
  if (letter.retryOf !== null) lines.push(`A failed retry of dead letter ${letter.retryOf}`);
  if (letter.resolvedAt)
    lines.push(`${letter.state[0]?.toUpperCase()}${letter.state.slice(1)} ${letter.resolvedAt} by ${letter.resolvedBy}`);
  if (letter.retry) {
    const { pending, deadAgain } = letter.retry;
    lines.push(
      pending
        ? "Retry: waiting in the ingest log"
        : deadAgain.length > 0
          ? `Retry: failed again as dead letter(s) ${deadAgain.join(", ")}`
          : "Retry: applied",
    );
  }
  lines.push("Signals (redacted):", JSON.stringify(letter.signals, null, 2));
  return lines.join("\n");
}

/** The API's filter body for retry and discard; a usage error unless something says which. */
function bulkBody(selection: DeadLetterSelection): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const key of ["source", "since", "until", "reason"] as const) {
    if (selection[key] !== undefined) body[key] = selection[key];
  }
  if (selection.limit !== undefined) {
    const limit = Number(selection.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new Usage(`--limit: "${selection.limit}" is not a positive whole number`);
    body.limit = limit;
  }
  if (selection.all) body.all = true;
  if (!["source", "since", "until", "reason", "all"].some((key) => key in body)) {
    throw new Usage("say which dead letters: an id, a filter (--source, --since, --until, --reason) or --all");
  }
  return body;
}

/**
 * `sluice dead-letters list|show|retry|discard`: the ingest log's dead letters through the running Sluice's
 * API (GET /api/ingest/dead-letters…, a viewer token in $SLUICE_TOKEN to read, an admin's to retry or discard).
 * It goes through the API rather than the store: the running process owns the store and the log consumer.
 */
export async function deadLettersCommand(
  verb: Verb,
  id: string | undefined,
  selection: DeadLetterSelection,
  options: DeadLettersOptions,
  io: DeadLettersIo = {},
): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  const http = io.fetch ?? fetch;
  const base = (options.url ?? env.SLUICE_URL ?? "http://127.0.0.1:8080").replace(/\/$/, "");
  const headers: Record<string, string> = env.SLUICE_TOKEN ? { authorization: `Bearer ${env.SLUICE_TOKEN}` } : {};
  const root = `${base}/api/ingest/dead-letters`;
  const print = (text: string) => stdout.write(`${text}\n`);
  const fail = (message: string, code = 1) => {
    stderr.write(`sluice dead-letters ${verb}: ${message}\n`);
    return code;
  };
  try {
    if (verb === "list") {
      const query = new URLSearchParams();
      for (const key of ["state", "source", "since", "until", "reason", "limit", "cursor"] as const) {
        const value = selection[key];
        if (value !== undefined) query.set(key, value);
      }
      const url = `${root}${query.size > 0 ? `?${query}` : ""}`;
      const response = await http(url, { headers });
      if (!response.ok) return fail(`GET ${url} answered ${await failure(response)}`);
      const page = (await response.json()) as { items: Letter[]; nextCursor: string | null };
      if (options.json) print(JSON.stringify(page));
      else {
        print(page.items.length === 0 ? "No ingest dead letters match." : table(page.items));
        if (page.nextCursor) print(`More: add --cursor ${page.nextCursor}`);
      }
      return 0;
    }
    if (verb === "show") {
      if (!id) throw new Usage("which dead letter? give its id");
      const url = `${root}/${encodeURIComponent(id)}`;
      const response = await http(url, { headers });
      if (!response.ok) return fail(`GET ${url} answered ${await failure(response)}`);
      const letter = (await response.json()) as Detail;
      print(options.json ? JSON.stringify(letter) : detailText(letter));
      return 0;
    }
    const action = verb === "retry" ? "retried" : "discarded";
    if (id !== undefined) {
      if (["source", "since", "until", "reason", "all"].some((key) => selection[key as keyof DeadLetterSelection] !== undefined))
        throw new Usage("give an id or a filter, not both");
      const url = `${root}/${encodeURIComponent(id)}/${verb}`;
      const response = await http(url, { method: "POST", headers });
      if (!response.ok) return fail(`POST ${url} answered ${await failure(response)}`);
      const moved = (await response.json()) as { id: number; signals: number };
      print(options.json ? JSON.stringify(moved) : `Dead letter ${moved.id} ${action} (${moved.signals} signal(s)).`);
      return 0;
    }
    const body = bulkBody(selection);
    const url = `${root}/bulk/${verb}`;
    const response = await http(url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) return fail(`POST ${url} answered ${await failure(response)}`);
    const outcome = (await response.json()) as { count: number; signals: number; ids: number[]; more: boolean };
    if (options.json) print(JSON.stringify(outcome));
    else {
      print(
        `${outcome.count} dead letter(s) ${action} (${outcome.signals} signal(s))${outcome.count > 0 ? `: ${outcome.ids.join(", ")}` : ""}.`,
      );
      if (outcome.more) print("More match: run it again.");
    }
    return 0;
  } catch (error) {
    if (error instanceof Usage) return fail(error.message, 2);
    return fail(`${base} could not be reached: ${error instanceof Error ? error.message : String(error)}`);
  }
}
