import type { ChangeQuery, ChangeRepository } from "../../../core/ports/change-repository.ts";
import type { IncidentRepository } from "../../../core/ports/store.ts";
import type { Signal } from "../../../core/signal.ts";
import { codeChangeActions, type ErrorText } from "../../code-change/recommend.ts";
import { type Collected, type Collector, clip, emptyCollected, type InvestigationQuery } from "../collector.ts";

export interface LogsCollectorOptions {
  /** The incident's latest signals read. */
  signals: number;
  /** How far back a service's last deploy is looked for. */
  deployLookback: number;
}

interface PatternGroup {
  pattern: string;
  service: string;
  count: number;
  firstSeen: number;
  example: string;
  /** The first signal's full text (message and stack-trace attributes), where code may be named. */
  text: string;
}

// Attributes that carry a stack trace beside the message (OpenTelemetry's exception.stacktrace, common names).
const STACK_KEY = /stack|trace(back)?$|exception/i;

function fullText(signal: Signal): string {
  // Signals read back from older rows or partial sources may lack either map.
  const extra = [...Object.entries(signal.annotations ?? {}), ...Object.entries(signal.labels ?? {})]
    .filter(([key]) => STACK_KEY.test(key))
    .map(([, value]) => value);
  return [signal.message, ...extra].join("\n");
}

/**
 * The incident's signals (log records, error events, alerts) grouped by their mined error pattern, most
 * frequent first. A pattern first seen after its service's last deploy is called out: new errors after a
 * deploy name the deploy's code.
 */
export class LogsCollector implements Collector {
  readonly source = "logs" as const;

  constructor(
    private readonly incidents: IncidentRepository,
    private readonly changes: ChangeRepository,
    private readonly options: LogsCollectorOptions,
  ) {}

  describe(query: InvestigationQuery): string {
    return `${query.incident.key}'s latest ${this.options.signals} signals, grouped by error pattern`;
  }

  async collect(query: InvestigationQuery): Promise<Collected> {
    const out = emptyCollected();
    const signals = await (query.reads ?? this.incidents).signals(query.incident.id, this.options.signals);
    const groups = groupByPattern(signals);
    const services = [...new Set(groups.map((g) => g.service))];
    const deploys = await (query.reads ?? { changes: (q: ChangeQuery) => this.changes.find(q) }).changes({
      tenant: query.incident.tenant,
      environment: query.incident.environment,
      services,
      kinds: ["deploy"],
      from: query.onsetAt - this.options.deployLookback,
      to: query.to,
      limit: 50,
    });
    const errors: ErrorText[] = [];
    for (const [n, group] of groups.entries()) {
      const id = `logs-${n + 1}`;
      // The last deploy of the pattern's service before the pattern first appeared.
      const lastDeploy = deploys
        .filter((d) => d.service === group.service && d.at <= group.firstSeen)
        .sort((a, b) => b.at - a.at)[0];
      const afterChange = lastDeploy !== undefined;
      const called = lastDeploy
        ? ` NEW since the deploy of ${group.service}${lastDeploy.version ? ` ${lastDeploy.version}` : ""} at ${new Date(lastDeploy.at).toISOString()}.`
        : "";
      out.items.push({
        id,
        source: "logs",
        query: this.describe(query),
        summary: clip(
          `${group.count}× ${group.service}: "${group.pattern}", first seen ${new Date(group.firstSeen).toISOString()}.${called} e.g. "${group.example}"`,
          320,
        ),
        link: null,
      });
      out.extra.push({ kind: "error-pattern", id, node: group.service, afterChange, summary: group.pattern });
      if (lastDeploy) errors.push({ evidence: id, text: group.text, deploy: lastDeploy });
    }
    // Code the errors name, which the last deploy before them changed: where to look in that deploy.
    out.actions.push(...codeChangeActions(errors));
    return out;
  }
}

/** Signals by (service, pattern), most frequent first; a signal without a mined pattern is grouped by its message. */
export function groupByPattern(signals: readonly Signal[]): PatternGroup[] {
  const groups = new Map<string, PatternGroup>();
  for (const signal of signals) {
    const pattern = clip(signal.errorPattern || signal.message || signal.title, 200);
    if (!pattern) continue;
    const key = `${signal.service}\u0000${pattern}`;
    const group = groups.get(key);
    const at = signal.occurredAt;
    if (!group)
      groups.set(key, {
        pattern,
        service: signal.service,
        count: 1,
        firstSeen: at,
        example: clip(signal.message, 160),
        text: fullText(signal),
      });
    else {
      group.count++;
      if (at < group.firstSeen) group.firstSeen = at;
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.firstSeen - b.firstSeen || (a.pattern < b.pattern ? -1 : 1));
}
