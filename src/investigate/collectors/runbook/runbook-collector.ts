import type { HttpClient } from "../../../connectors/connector.ts";
import type { EvidenceItem, StepExecuted } from "../../../core/investigation.ts";
import type { Signal } from "../../../core/signal.ts";
import type { InvestigationReads } from "../../batch-reads.ts";
import { type Budget, type Collected, type Collector, clip, emptyCollected, type InvestigationQuery } from "../collector.ts";
import { httpRequestLine, parseRunbook } from "./runbook-markdown.ts";

/** Runs one read-only query of a runbook block as evidence `id` (the metrics collector's, Loki's). */
export type BlockProbe = (text: string, query: InvestigationQuery, id: string, signal: AbortSignal) => Promise<EvidenceItem>;

export interface RunbookCollectorOptions {
  http: HttpClient;
  /** Reads a `file:` runbook. */
  readFile(path: string): Promise<string>;
  /** The catalog's runbook of a service (URL, `file:` URL for a path). */
  runbookOf(service: string): string | null;
  /** The incident's latest signals, for an alert's `runbook_url` annotation (through the batch's reads when given). */
  signals(incidentId: string, reads?: InvestigationReads): Promise<Signal[]>;
  promql?: BlockProbe | undefined;
  logql?: BlockProbe | undefined;
  /** Diagnostic blocks run at most. */
  maxBlocks: number;
  /** Largest runbook read (bytes). */
  maxBytes: number;
}

const SAFE_METHODS = new Set(["GET", "HEAD"]);
const QUOTED_STEPS = 3;

/**
 * The incident's runbook (its alert's `runbook_url` annotation, else its service's catalog entry): the report
 * quotes its first steps, its read-only diagnostic blocks (`promql`, `logql`, `http` GET/HEAD) run through
 * the other collectors' clients as steps executed, and its remediation steps become recommended actions.
 * Nothing that writes ever runs: other methods and other languages are recorded as not run.
 */
export class RunbookCollector implements Collector {
  readonly source = "runbook" as const;

  constructor(private readonly options: RunbookCollectorOptions) {}

  describe(query: InvestigationQuery): string {
    return `the runbook of ${query.incident.service}`;
  }

  private async locate(query: InvestigationQuery): Promise<string | null> {
    for (const signal of await this.options.signals(query.incident.id, query.reads)) {
      const annotated = signal.annotations.runbook_url ?? signal.annotations.runbook;
      // An alert is outside input: it may point at a web page, never at a file on Sluice's machine.
      if (annotated && /^https?:\/\//i.test(annotated)) return annotated;
    }
    return this.options.runbookOf(query.incident.service) ?? query.incident.context.owner?.runbookUrl ?? null;
  }

  async collect(query: InvestigationQuery, budget: Budget): Promise<Collected> {
    const out = emptyCollected();
    const location = await this.locate(query);
    if (!location) return out;
    const runbook = parseRunbook(await this.read(location, budget.signal));
    const link = location.startsWith("file:") ? null : location;
    const name = runbook.title ? `"${clip(runbook.title, 80)}"` : location;
    const first = runbook.steps.slice(0, QUOTED_STEPS).map((step, i) => `${i + 1}. ${clip(step, 120)}`);
    out.items.push({
      id: "runbook-1",
      source: "runbook",
      query: location,
      summary: clip(
        `Runbook ${name} of ${query.incident.service}${first.length > 0 ? `, first steps: ${first.join(" ")}` : ""}`,
        480,
      ),
      link,
    });
    let n = 1;
    for (const block of runbook.blocks.slice(0, this.options.maxBlocks)) {
      const started = Date.now();
      const text = clip(block.body, 300);
      const step = (status: StepExecuted["status"], items: number, note: string | null) =>
        out.steps.push({ collector: "runbook", query: `${block.lang}: ${text}`, status, items, ms: Date.now() - started, note });
      const probe = block.lang === "promql" ? this.options.promql : block.lang === "logql" ? this.options.logql : undefined;
      if (block.lang !== "http" && !probe) {
        const why =
          block.lang === "promql" || block.lang === "logql"
            ? `no ${block.lang === "promql" ? "Prometheus" : "Loki"} configured`
            : `${block.lang} blocks are never run: only promql, logql and http GET/HEAD are read-only`;
        step("skipped", 0, why);
        continue;
      }
      let request: { method: string; url: string } | null = null;
      if (block.lang === "http") {
        request = httpRequestLine(block.body);
        if (!request || !SAFE_METHODS.has(request.method) || !/^https?:\/\//i.test(request.url)) {
          step("skipped", 0, "not run: only GET and HEAD requests to http(s) URLs are read-only");
          continue;
        }
      }
      if (!budget.take()) {
        step("skipped", 0, "out of query steps");
        continue;
      }
      const id = `runbook-${++n}`;
      try {
        const item = probe
          ? await probe(block.body, query, id, budget.signal)
          : await this.get(request as { method: string; url: string }, id, budget.signal);
        out.items.push({ ...item, source: "runbook" });
        step("ok", 1, null);
      } catch (error) {
        n--;
        step(
          budget.signal.aborted ? "timed-out" : "failed",
          0,
          clip(error instanceof Error ? error.message : String(error), 200),
        );
      }
    }
    for (const remedy of runbook.remediation.slice(0, 5)) {
      out.actions.push({ kind: "runbook", text: clip(`Runbook: ${remedy}`, 200), link, evidence: ["runbook-1"] });
    }
    return out;
  }

  private async read(location: string, signal: AbortSignal): Promise<string> {
    if (location.startsWith("file:")) {
      const text = await this.options.readFile(new URL(location).pathname);
      return text.slice(0, this.options.maxBytes);
    }
    if (!/^https?:\/\//i.test(location))
      throw new Error(`the runbook ${clip(location, 100)} is neither an http(s) nor a file: URL`);
    const response = await this.options.http(location, {
      method: "GET",
      headers: { accept: "text/markdown, text/plain;q=0.9, */*;q=0.5" },
      signal,
    });
    if (!response.ok) throw new Error(`the runbook answered HTTP ${response.status}`);
    return (await response.text()).slice(0, this.options.maxBytes);
  }

  /** One GET or HEAD of an `http` block: its status, type and size. */
  private async get(request: { method: string; url: string }, id: string, signal: AbortSignal): Promise<EvidenceItem> {
    const response = await this.options.http(request.url, { method: request.method, headers: {}, signal });
    // The answer's size and type, not its text: a diagnostic endpoint may answer with anything, and this goes into tickets.
    const size = request.method === "HEAD" ? null : (await response.text()).length;
    const type = response.headers.get("content-type")?.split(";")[0] ?? "no content type";
    const shown = new URL(request.url);
    // The URL goes into tickets: credentials written into it never do.
    shown.username = "";
    shown.password = "";
    return {
      id,
      source: "runbook",
      query: `${request.method} ${shown.toString()}`,
      summary: clip(
        `${request.method} ${shown.toString()} answered HTTP ${response.status} (${type}${size === null ? "" : `, ${size} characters`})`,
        300,
      ),
      link: null,
    };
  }
}
