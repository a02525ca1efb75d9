import type { HttpClient } from "../../connectors/connector.ts";
import type { Incident } from "../../core/incident.ts";
import type { EvidenceItem, InvestigationReport, ReportNarrative, StepExecuted } from "../../core/investigation.ts";
import type { LlmSettings } from "../../pipeline/enrich/llm/settings.ts";
import { type ChatMessage, chatTurn, type ToolCall, type ToolSpec } from "./chat-tools.ts";
import { checkAnswer } from "./narrative-answer.ts";
import { cleaner, evidenceData, narrativeSystemPrompt, narrativeUserPrompt } from "./narrative-prompt.ts";

/** How far the model's part of one investigation may go. */
export interface NarratorBudget {
  maxCalls: number;
  maxToolCalls: number;
  /** Prompt and completion tokens together, as the provider counts them. */
  maxTokens: number;
  /** Spend limit, priced by pricePerMillionTokens; undefined: tokens alone bound it. */
  maxCost?: number | undefined;
  pricePerMillionTokens: number;
  /** Wall time (ms). */
  timeout: number;
}

export interface NarratorOptions {
  http: HttpClient;
  settings: LlmSettings;
  budget: NarratorBudget;
  /** The redactor: every text bound for the prompt passes through it. */
  redact(text: string): string;
  /** Values that must never reach the model (its key, connector secrets), masked after redaction. */
  secrets: readonly string[];
  now(): number;
}

/** What the investigation lends the model: read-only looks at more evidence. */
export interface NarratorTools {
  /** query_range of one PromQL expression over the investigation's windows; absent without Prometheus. */
  queryMetrics?: (promql: string, id: string, signal: AbortSignal) => Promise<EvidenceItem>;
}

export interface Narrated {
  narrative: ReportNarrative | null;
  /** Evidence the model's tool calls produced (ids llm-1, llm-2 …), for the report. */
  evidence: EvidenceItem[];
  steps: StepExecuted[];
}

const MAX_QUERY = 500;

/**
 * The optional LLM part of an investigation: the model reads the deterministic report (redacted), may call
 * read-only tools within the budget (calls, tool calls, tokens, cost, wall time), and writes a narrative with
 * hypotheses that must cite evidence of the report. Its answer is validated and can change nothing else:
 * neither the ranking, the outcome, the actions nor anything outside Sluice.
 */
export class LlmNarrator {
  constructor(private readonly options: NarratorOptions) {}

  async narrate(
    incident: Incident,
    report: Omit<InvestigationReport, "version">,
    tools: NarratorTools,
    signal: AbortSignal,
  ): Promise<Narrated> {
    const { settings, budget, now } = this.options;
    const clean = cleaner(this.options.redact, [...this.options.secrets, ...(settings.apiKey ? [settings.apiKey] : [])]);
    const started = now();
    const deadline = started + budget.timeout;
    const specs = toolSpecs(tools);
    const { user, boundary } = narrativeUserPrompt(incident, report, clean);
    const messages: ChatMessage[] = [
      {
        role: "system",
        content: narrativeSystemPrompt(
          boundary,
          specs.map((s) => s.name),
        ),
      },
      { role: "user", content: user },
    ];
    const evidence: EvidenceItem[] = [];
    const steps: StepExecuted[] = [];
    const known = new Map(report.evidence.map((item) => [item.id, item]));
    let tokens = 0;
    let toolCalls = 0;
    const stop = (note: string) => {
      steps.push({ collector: "llm", query: "chat completion", status: "skipped", items: 0, ms: 0, note });
      return { narrative: null, evidence, steps };
    };
    for (let call = 1; ; call++) {
      const cost = (tokens / 1e6) * budget.pricePerMillionTokens;
      if (call > budget.maxCalls) return stop(`out of budget: ${budget.maxCalls} model calls used without a final answer`);
      if (tokens >= budget.maxTokens) return stop(`out of budget: ${tokens} of ${budget.maxTokens} tokens used`);
      if (budget.maxCost !== undefined && cost >= budget.maxCost) return stop(`out of budget: cost ${cost.toFixed(4)} reached`);
      const left = deadline - now();
      if (left <= 0 || signal.aborted) return stop("out of budget: wall time");
      // The last call allowed, or no tool calls left: no tools offered, so the model must answer.
      const offer = call < budget.maxCalls && toolCalls < budget.maxToolCalls ? specs : [];
      const maxTokens = Math.max(16, Math.min(settings.maxTokens, budget.maxTokens - tokens));
      const at = now();
      const turn = await chatTurn(this.options.http, settings, { messages, tools: offer, maxTokens }, left, signal);
      const label = `chat completion ${call} (${settings.model ?? "model"})`;
      if (!turn.ok) {
        steps.push({
          collector: "llm",
          query: label,
          status: turn.timedOut ? "timed-out" : "failed",
          items: 0,
          ms: now() - at,
          note: clean(turn.reason, 200),
        });
        return { narrative: null, evidence, steps };
      }
      // Providers that do not count tokens are charged an estimate: four characters a token.
      tokens += turn.tokens ?? Math.ceil((JSON.stringify(messages).length + (turn.content?.length ?? 0)) / 4);
      steps.push({
        collector: "llm",
        query: label,
        status: "ok",
        items: turn.toolCalls.length,
        ms: now() - at,
        note: `${tokens} tokens used so far`,
      });
      if (turn.toolCalls.length > 0) {
        messages.push({ role: "assistant", content: turn.content, tool_calls: turn.toolCalls });
        for (const requested of turn.toolCalls) {
          // Every call gets an answer (the API requires one per id); over the budget the answer is a refusal.
          const result =
            toolCalls < budget.maxToolCalls
              ? await this.runTool(requested, tools, known, ++toolCalls, signal, steps, clean)
              : refuse(requested, steps, "out of budget: no tool calls left");
          if (result.item) {
            evidence.push(result.item);
            known.set(result.item.id, result.item);
          }
          messages.push({ role: "tool", tool_call_id: requested.id, content: result.content });
        }
        continue;
      }
      const checked = checkAnswer(
        turn.content ?? "",
        new Set(known.keys()),
        new Set([...known.values()].map((item) => item.link).filter((link): link is string => Boolean(link))),
      );
      if (!checked.ok) {
        steps.push({
          collector: "llm",
          query: "the model's answer",
          status: "failed",
          items: 0,
          ms: 0,
          note: `rejected: ${checked.reason}`,
        });
        return { narrative: null, evidence, steps };
      }
      steps.push({
        collector: "llm",
        query: "the model's answer",
        status: "ok",
        items: checked.narrative.hypotheses.length,
        ms: 0,
        note: checked.dropped > 0 ? `dropped ${checked.dropped} hypotheses citing no evidence of this report` : null,
      });
      return { narrative: { model: settings.model ?? "model", ...checked.narrative }, evidence, steps };
    }
  }

  private async runTool(
    call: ToolCall,
    tools: NarratorTools,
    known: ReadonlyMap<string, EvidenceItem>,
    n: number,
    signal: AbortSignal,
    steps: StepExecuted[],
    clean: (text: string, max?: number) => string,
  ): Promise<{ content: string; item?: EvidenceItem }> {
    const at = this.options.now();
    const step = (status: StepExecuted["status"], items: number, note: string | null) =>
      steps.push({
        collector: "llm",
        query: clean(`${call.function.name} ${call.function.arguments}`, 300),
        status,
        items,
        ms: this.options.now() - at,
        note,
      });
    let args: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(call.function.arguments);
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
      args = parsed as Record<string, unknown>;
    } catch {
      step("failed", 0, "arguments are not a JSON object");
      return { content: JSON.stringify({ error: "arguments must be a JSON object" }) };
    }
    if (call.function.name === "get_evidence") {
      const item = typeof args.id === "string" ? known.get(args.id) : undefined;
      step(item ? "ok" : "failed", item ? 1 : 0, item ? null : "no such evidence id");
      return {
        content: JSON.stringify(item ? { ...evidenceData(item, clean), link: item.link } : { error: "no such evidence id" }),
      };
    }
    if (call.function.name === "query_metrics" && tools.queryMetrics) {
      const query = typeof args.query === "string" ? args.query.trim() : "";
      if (!query || query.length > MAX_QUERY) {
        step("failed", 0, `query must be PromQL of 1 to ${MAX_QUERY} characters`);
        return { content: JSON.stringify({ error: `query must be PromQL of 1 to ${MAX_QUERY} characters` }) };
      }
      try {
        const item = await tools.queryMetrics(query, `llm-${n}`, signal);
        const cleaned = { ...item, query: clean(item.query, 400), summary: clean(item.summary, 600) };
        step("ok", 1, null);
        return { content: JSON.stringify(evidenceData(cleaned, clean)), item: { ...cleaned, source: "metrics" } };
      } catch (error) {
        const note = clean(error instanceof Error ? error.message : String(error), 200);
        step(signal.aborted ? "timed-out" : "failed", 0, note);
        return { content: JSON.stringify({ error: note }) };
      }
    }
    // A tool the model made up (or one switched off): nothing runs.
    step("failed", 0, "no such tool");
    return { content: JSON.stringify({ error: `no tool named ${clean(call.function.name, 60)}` }) };
  }
}

function refuse(call: ToolCall, steps: StepExecuted[], note: string): { content: string; item?: EvidenceItem } {
  steps.push({ collector: "llm", query: call.function.name.slice(0, 60), status: "skipped", items: 0, ms: 0, note });
  return { content: JSON.stringify({ error: note }) };
}

function toolSpecs(tools: NarratorTools): ToolSpec[] {
  const specs: ToolSpec[] = [
    {
      name: "get_evidence",
      description: "The full record of one evidence item of this investigation: its query, summary and link.",
      parameters: {
        type: "object",
        properties: { id: { type: "string", description: "An evidence id, e.g. metrics-3." } },
        required: ["id"],
        additionalProperties: false,
      },
    },
  ];
  if (tools.queryMetrics) {
    specs.push({
      name: "query_metrics",
      description:
        "Runs one read-only PromQL range query over the incident's baseline and evidence windows and says when and how far the series departed from its baseline. The result is a new evidence item you may cite.",
      parameters: {
        type: "object",
        properties: { query: { type: "string", description: "A PromQL expression." } },
        required: ["query"],
        additionalProperties: false,
      },
    });
  }
  return specs;
}
