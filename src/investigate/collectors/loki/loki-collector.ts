import type { EvidenceItem, StepExecuted } from "../../../core/investigation.ts";
import { maskMessage } from "../../../patterns/mask.ts";
import { type Budget, type Collected, type Collector, clip, emptyCollected, type InvestigationQuery } from "../collector.ts";
import type { LogLine, LokiClient } from "./loki-client.ts";

export interface LokiCollectorOptions {
  /** LogQL log query with `$service` in it, e.g. `{service_name="$service"} |~ "(?i)error"`. */
  query: string;
  /** Lines read per service at most (newest first). */
  limit: number;
  /** Services queried at most: the incident's own first, then its neighbours. */
  maxServices: number;
  /** How long before the first signal a fault may have begun (the metrics collector's `lead`). */
  lead: number;
  /** Link for people: Grafana Explore or Loki's own UI; `$query` is replaced by the encoded LogQL. */
  linkTemplate: string | null;
  /** The redactor: log lines are raw telemetry, and what is shown goes into tickets. */
  redact(text: string): string;
}

/** Patterns shown per service at most. */
const PATTERNS_PER_SERVICE = 3;

/**
 * Error lines of the incident's service and its neighbours from Loki (LogQL `query_range` over the evidence
 * window), grouped by their masked pattern, most frequent first. A pattern not seen before the incident began
 * (from `lead` before its first signal) is new: evidence that names its service.
 */
export class LokiCollector implements Collector {
  readonly source = "logs" as const;

  constructor(
    private readonly loki: LokiClient,
    private readonly options: LokiCollectorOptions,
  ) {}

  describe(query: InvestigationQuery): string {
    return `Loki query_range of ${query.services.slice(0, this.options.maxServices).join(", ")}`;
  }

  private logql(service: string): string {
    // Label values are quoted in LogQL; a service name with a quote or backslash is escaped, not trusted.
    return this.options.query.replaceAll(
      "$service",
      service.replace(/[\\"]/g, (c) => `\\${c}`),
    );
  }

  async collect(query: InvestigationQuery, budget: Budget): Promise<Collected> {
    const out = emptyCollected();
    const began = Math.max(query.from, query.onsetAt - this.options.lead);
    let n = 0;
    for (const service of query.services.slice(0, this.options.maxServices)) {
      const logql = this.logql(service);
      const started = Date.now();
      const step = (status: StepExecuted["status"], items: number, note: string | null) =>
        out.steps.push({ collector: "logs", query: logql, status, items, ms: Date.now() - started, note });
      if (!budget.take()) {
        step("skipped", 0, "out of query steps");
        continue;
      }
      let lines: LogLine[];
      try {
        lines = await this.loki.queryRange(logql, query.from, query.to, this.options.limit, budget.signal);
      } catch (error) {
        step(
          budget.signal.aborted ? "timed-out" : "failed",
          0,
          clip(error instanceof Error ? error.message : String(error), 200),
        );
        continue;
      }
      const groups = new Map<string, { count: number; first: number; example: string }>();
      for (const line of lines) {
        const pattern = clip(this.options.redact(maskMessage(line.line)), 200);
        const group = groups.get(pattern);
        if (!group) groups.set(pattern, { count: 1, first: line.at, example: this.options.redact(line.line) });
        else {
          group.count++;
          group.first = Math.min(group.first, line.at);
        }
      }
      const top = [...groups.entries()].sort((a, b) => b[1].count - a[1].count).slice(0, PATTERNS_PER_SERVICE);
      for (const [pattern, group] of top) {
        const id = `loki-${++n}`;
        const isNew = group.first >= began;
        const item: EvidenceItem = {
          id,
          source: "logs",
          query: logql,
          summary: clip(
            `${group.count}× ${service} in Loki: "${pattern}", first seen ${new Date(group.first).toISOString()}${isNew ? " (NEW: not in the window before the incident)" : ""}. e.g. "${clip(group.example, 140)}"`,
            320,
          ),
          link: this.options.linkTemplate ? this.options.linkTemplate.replaceAll("$query", encodeURIComponent(logql)) : null,
        };
        out.items.push(item);
        // Only a pattern the incident brought names a component; one that was there before is background.
        if (isNew) out.extra.push({ kind: "error-pattern", id, node: service, afterChange: false, summary: pattern });
      }
      step("ok", top.length, lines.length === 0 ? "no lines" : `${lines.length} lines`);
    }
    return out;
  }

  /** One LogQL query of a runbook block, as evidence `id`. */
  async probe(text: string, query: InvestigationQuery, id: string, signal: AbortSignal): Promise<EvidenceItem> {
    const lines = await this.loki.queryRange(text, query.from, query.to, this.options.limit, signal);
    const patterns = new Set(lines.map((l) => maskMessage(l.line)));
    const latest = lines.at(-1);
    return {
      id,
      source: "logs",
      query: text,
      summary: clip(
        `${lines.length} lines (${patterns.size} patterns) since ${new Date(query.from).toISOString()}${latest ? `; latest: "${clip(this.options.redact(latest.line), 140)}"` : ""}`,
        320,
      ),
      link: this.options.linkTemplate ? this.options.linkTemplate.replaceAll("$query", encodeURIComponent(text)) : null,
    };
  }
}
