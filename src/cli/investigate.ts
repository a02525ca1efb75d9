import type { Writable } from "node:stream";
import type { InvestigationReport } from "../core/investigation.ts";
import { reportText } from "../investigate/report-text.ts";

/** Options of `sluice investigate`. */
export interface InvestigateOptions {
  /** Base URL of the running Sluice (default $SLUICE_URL, else http://127.0.0.1:8080). */
  url?: string;
  /** How long to wait for the report (ms). */
  wait: number;
  json?: boolean;
}

export interface InvestigateIo {
  stdout?: Writable;
  stderr?: Writable;
  fetch?: typeof fetch;
  env?: NodeJS.ProcessEnv;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * `sluice investigate INC-n`: asks the running Sluice to investigate (POST /api/incidents/INC-n/investigate,
 * a responder token in $SLUICE_TOKEN) and prints the new report once it is stored. It goes through the API
 * rather than opening the store itself: the running process owns the store, the job queue and the tickets.
 */
export async function investigateCommand(incident: string, options: InvestigateOptions, io: InvestigateIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  const http = io.fetch ?? fetch;
  const sleep = io.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const base = (options.url ?? env.SLUICE_URL ?? "http://127.0.0.1:8080").replace(/\/$/, "");
  const headers: Record<string, string> = env.SLUICE_TOKEN ? { authorization: `Bearer ${env.SLUICE_TOKEN}` } : {};
  const path = `${base}/api/incidents/${encodeURIComponent(incident)}`;
  const fail = (message: string) => {
    stderr.write(`sluice investigate: ${message}\n`);
    return 1;
  };
  const latest = async (): Promise<InvestigationReport | null> => {
    const response = await http(`${path}/investigation`, { headers });
    if (response.status === 404) return null;
    if (!response.ok) throw new Error(`GET ${path}/investigation answered HTTP ${response.status}`);
    return ((await response.json()) as { report: InvestigationReport }).report;
  };
  try {
    const before = (await latest())?.version ?? 0;
    const posted = await http(`${path}/investigate`, { method: "POST", headers });
    if (posted.status !== 202) {
      const body = (await posted.json().catch(() => ({}))) as { error?: { message?: string } };
      return fail(`POST ${path}/investigate answered HTTP ${posted.status}: ${body.error?.message ?? "no message"}`);
    }
    const deadline = Date.now() + options.wait;
    for (;;) {
      const report = await latest();
      if (report && report.version > before) {
        stdout.write(options.json ? `${JSON.stringify(report)}\n` : `${reportText(report)}\n`);
        return report.outcome === "failed" ? 1 : 0;
      }
      if (Date.now() >= deadline)
        return fail(`no new report of ${incident} within ${options.wait} ms (it is queued; see GET ${path}/investigation)`);
      await sleep(500);
    }
  } catch (error) {
    return fail(`${base} could not be reached: ${error instanceof Error ? error.message : String(error)}`);
  }
}
