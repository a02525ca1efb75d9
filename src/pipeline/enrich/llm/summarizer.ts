import type { LlmConfig } from "../../../config/llm-schema.ts";
import type { HttpClient } from "../../../connectors/connector.ts";
import { CircuitBreaker } from "../../../core/circuit-breaker.ts";
import type { Clock } from "../../../core/clock.ts";
import { headerSecrets, scrubSecrets } from "../../../core/scrub.ts";
import type { Severity } from "../../../core/signal.ts";
import { CallBudget } from "./budget.ts";
import { callModel } from "./call.ts";
import { checkAnswer, extractJsonObject } from "./output.ts";
import { buildPrompt, type SummaryInput } from "./prompt.ts";
import { type LlmSettings, resolveLlmSettings } from "./settings.ts";

/** The LLM's improvement of an incident summary, or why the template summary stays. */
export type SummaryOutcome =
  | {
      kind: "summary";
      summary: string;
      probableCause?: string;
      suggestedSeverity?: Severity;
      /** What cleaning changed or ignored (a dropped severity, a removed link); for the timeline. */
      notes: string[];
      /** provider/model that wrote it, for "summary came from an LLM" on the incident. */
      model: string;
    }
  | { kind: "fallback"; reason: string };

/** Result of the `test-llm` check. */
export interface LlmCheck {
  ok: boolean;
  latencyMs: number;
  detail: string;
}

/** Writes incident summaries with the configured model; never throws, never waits longer than its timeout. */
export interface Summarizer {
  summarize(input: SummaryInput): Promise<SummaryOutcome>;
  /** A tiny call ("reply with {"ok":true}") that checks URL, key and model; ignores budget and circuit. */
  test(): Promise<LlmCheck>;
}

export interface SummarizerDeps {
  http: HttpClient;
  clock: Clock;
  /** The redact stage's masker for telemetry text; applied to every text field before it enters the prompt. */
  redact?: (text: string) => string;
}

/** Builds the summarizer for an `llm` block; an absent, disabled or unusable block yields one that always falls back. */
export function createSummarizer(config: LlmConfig | undefined, deps: SummarizerDeps): Summarizer {
  if (!config) return inert("llm is not configured");
  if (!config.enabled) return inert("llm is disabled (llm.enabled: false)");
  const resolved = resolveLlmSettings(config);
  if (!resolved.ok) return inert(resolved.problem);
  const settings = resolved.settings;
  if (!settings.model) return inert(`llm.model is required for provider ${settings.provider}`);
  return new LlmSummarizer(settings, deps);
}

function inert(reason: string): Summarizer {
  return {
    summarize: async () => ({ kind: "fallback", reason }),
    test: async () => ({ ok: false, latencyMs: 0, detail: reason }),
  };
}

class LlmSummarizer implements Summarizer {
  private readonly breaker: CircuitBreaker;
  private readonly budget: CallBudget;
  private readonly secrets: string[];
  private readonly label: string;

  constructor(
    private readonly settings: LlmSettings,
    private readonly deps: SummarizerDeps,
  ) {
    this.breaker = new CircuitBreaker(settings.breakerThreshold, settings.breakerCooldownMs);
    this.budget = new CallBudget(settings.maxCallsPerHour, deps.clock);
    this.secrets = settings.apiKey ? [settings.apiKey, ...headerSecrets(Object.values(settings.headers))] : [];
    this.label = `${settings.provider}/${settings.model}`;
  }

  async summarize(input: SummaryInput): Promise<SummaryOutcome> {
    try {
      return await this.attempt(input);
    } catch (error) {
      // A half-open circuit whose trial call never finished would otherwise stay shut for good.
      if (this.breaker.status === "half-open") this.breaker.failure(this.deps.clock.now());
      return this.fallback(`summarizer error: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async attempt(input: SummaryInput): Promise<SummaryOutcome> {
    // Budget first: asking the breaker may use up a half-open circuit's one trial call.
    if (!this.budget.available()) {
      return this.fallback(`budget exhausted: ${this.settings.maxCallsPerHour} calls in the last hour (llm.maxCallsPerHour)`);
    }
    if (!this.breaker.canAttempt(this.deps.clock.now())) {
      return this.fallback(`circuit open: ${this.label} failed repeatedly; calls resume after the cooldown`);
    }
    this.budget.take();

    const prompt = buildPrompt(input, { redact: this.deps.redact, secrets: this.secrets });
    const outcome = await callModel(this.deps.http, this.settings, {
      system: prompt.system,
      user: prompt.user,
      maxTokens: this.settings.maxTokens,
    });
    if (!outcome.ok) {
      if (outcome.failure === "credentials") this.breaker.trip(this.deps.clock.now());
      else if (outcome.failure === "remote") this.breaker.failure(this.deps.clock.now());
      else this.breaker.success();
      return this.fallback(outcome.reason);
    }
    this.breaker.success();

    const checked = checkAnswer(outcome.text, {
      incidentSeverity: input.incident.severity,
      forbidden: [...this.secrets, prompt.boundary],
      inputText: prompt.user,
    });
    if (!checked.ok) return this.fallback(outcome.truncated ? `${checked.reason} (cut off at llm.maxTokens)` : checked.reason);
    // The answer leaves the process in tickets, so it passes the same redaction as the telemetry did.
    const redact = this.deps.redact ?? ((text: string) => text);
    const { summary, probableCause, ...rest } = checked.value;
    return {
      kind: "summary",
      ...rest,
      summary: redact(summary),
      ...(probableCause === undefined ? {} : { probableCause: redact(probableCause) }),
      model: this.label,
    };
  }

  async test(): Promise<LlmCheck> {
    const started = performance.now();
    const outcome = await callModel(this.deps.http, this.settings, {
      system: 'You are a connectivity check. Reply with exactly this JSON object and nothing else: {"ok":true}',
      user: 'Reply with {"ok":true}',
      maxTokens: 20,
    }).catch((error: unknown) => ({ ok: false as const, failure: "remote" as const, reason: String(error) }));
    const latencyMs = Math.round(performance.now() - started);
    if (!outcome.ok) return { ok: false, latencyMs, detail: this.scrub(`${this.label}: ${outcome.reason}`) };
    const answer = extractJsonObject(outcome.text) as { ok?: unknown } | undefined;
    if (answer?.ok !== true) {
      return {
        ok: false,
        latencyMs,
        detail: this.scrub(`${this.label} answered but not with {"ok":true}: ${outcome.text.slice(0, 100)}`),
      };
    }
    return { ok: true, latencyMs, detail: `${this.label} answered in ${latencyMs} ms` };
  }

  private fallback(reason: string): SummaryOutcome {
    return { kind: "fallback", reason: this.scrub(reason) };
  }

  private scrub(text: string): string {
    return scrubSecrets(text, this.secrets);
  }
}
