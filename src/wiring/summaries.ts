import { createSummarizer, type Summarizer } from "../pipeline/enrich/llm/summarizer.ts";
import { SummaryQueue } from "../pipeline/enrich/summary-queue.ts";
import type { Base } from "./base.ts";
import type { Module } from "./module.ts";

export interface SummariesWiring {
  summarizer: Summarizer;
  /** Background LLM summaries of new incidents (IncidentOpened), when `llm` is configured and enabled. */
  summaries: SummaryQueue | null;
  module: Module;
}

export function wireSummaries({ config, store, clock, logger, metrics, events, http, redactor }: Base): SummariesWiring {
  const summarizer = createSummarizer(config.llm, { http, clock, redact: (text) => redactor.redact(text) });
  const summaries = config.llm?.enabled
    ? new SummaryQueue({ store, summarizer, clock, logger, events, count: (outcome) => metrics.summaries.inc({ outcome }) })
    : null;
  if (summaries) events.subscribe("IncidentOpened", "summaries", (event) => summaries.enqueue([event.incidentId]));
  return {
    summarizer,
    summaries,
    module: { name: "summaries", flush: async () => summaries?.flush(), shutdown: async () => summaries?.shutdown() },
  };
}
