// Replays one seed of the variable-word stream (variable-word-stream.ts) the way `sluice replay` does, on the
// default configuration, and says what happened per problem: incidents, pages, and how long each held
// sibling waited for its merge. Shared by test/variable-word-replay.test.ts and bench/variable-word-seeds.ts.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { replayInto } from "../../src/cli/replay.ts";
import { loadConfig } from "../../src/config/loader.ts";
import type { MemoryConnector, RecordedDelivery } from "../../src/connectors/memory/memory-connector.ts";
import { ManualClock } from "../../src/core/clock.ts";
import type { Incident } from "../../src/core/incident.ts";
import type { TimelineEvent } from "../../src/core/timeline.ts";
import { createSluice } from "../../src/main.ts";
import type { Funnel } from "../../src/sources/replay/replay-stream.ts";
import { STREAM_PROBLEMS, type VariableWordStream, variableWordStream } from "./variable-word-stream.ts";

export const STREAM_START = Date.parse("2026-03-02T08:00:00Z");

/** What a replay of one seed left behind. */
export interface VariableWordReplay {
  readonly seed: number;
  readonly stream: VariableWordStream;
  readonly funnel: Funnel;
  readonly incidents: readonly Incident[];
  readonly timelines: ReadonlyMap<string, readonly TimelineEvent[]>;
  readonly received: readonly RecordedDelivery[];
}

/** The problem an incident belongs to, by its service (and, for the two backup problems, its state word). */
export function problemOf(incident: Incident): string | undefined {
  return STREAM_PROBLEMS.filter((p) => p.service === incident.service).find(
    (p) => p.service !== "backup" || incident.errorPattern.endsWith(p.name === "backup failed" ? "FAILED" : "STALLED"),
  )?.name;
}

/** Whether the incident was resolved as merged into another. */
export function mergedAway(replay: VariableWordReplay, incident: Incident): boolean {
  return (replay.timelines.get(incident.id) ?? []).some((e) => e.action === "resolved" && e.detail.startsWith("merged into"));
}

/** Replays seed `seed` through a fresh in-memory Sluice on the default configuration (but `settleAction`, if given). */
export async function replayVariableWords(seed: number, settleAction?: "group" | "page"): Promise<VariableWordReplay> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-variable-words-"));
  const file = join(dir, "stream.jsonl");
  const stream = variableWordStream(STREAM_START, { seed });
  writeFileSync(file, `${stream.items.map((item) => JSON.stringify(item)).join("\n")}\n`);
  const clock = new ManualClock(0);
  const loaded = loadConfig(undefined).config;
  const config = settleAction ? { ...loaded, patterns: { ...loaded.patterns, settleAction } } : loaded;
  const sluice = await createSluice(config, {
    clock,
    dryRun: true,
    dataDir: ":memory:",
    processMetrics: false,
    logger: pino({ level: "silent" }),
  });
  try {
    // As `sluice replay` does: the worker runs alongside, so an incident that paged before its pattern merged
    // shows as a second page.
    const funnel = await replayInto(sluice, clock, file, config.patterns.settleWindow);
    const incidents = (await sluice.store.incidents.list({ limit: 1000 })).items;
    const timelines = new Map<string, TimelineEvent[]>();
    for (const incident of incidents) timelines.set(incident.id, await sluice.store.incidents.timeline(incident.id));
    const received = [...(sluice.connectors.get("memory") as MemoryConnector).received];
    return { seed, stream, funnel, incidents, timelines, received };
  } finally {
    await sluice.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One problem's part of a replay: its incidents, its pages, and the held incidents that paged all the same. */
export interface ProblemPages {
  incidents: Incident[];
  /** Ticket creates for the problem's incidents: one is the promise. */
  pages: number;
  /** Incidents whose first page was held (near sibling) and went out: when held, and when merged (if ever). */
  extra: { key: string; pattern: string; heldAt: number; mergedAt?: number }[];
}

/** Per problem (by name): incidents opened, pages (ticket creates), and each held incident that paged. */
export function pagesByProblem(replay: VariableWordReplay): Map<string, ProblemPages> {
  const byProblem = new Map<string, ProblemPages>();
  for (const problem of STREAM_PROBLEMS) byProblem.set(problem.name, { incidents: [], pages: 0, extra: [] });
  for (const incident of replay.incidents) {
    const entry = byProblem.get(problemOf(incident) ?? "?");
    if (!entry) continue;
    entry.incidents.push(incident);
    const creates = replay.received.filter((d) => d.incidentKey === incident.key && d.action === "create").length;
    entry.pages += creates;
    const timeline = replay.timelines.get(incident.id) ?? [];
    const held = timeline.find((e) => e.action === "page-held");
    if (held && creates > 0) {
      const merged = timeline.find((e) => e.action === "resolved" && e.detail.startsWith("merged into"));
      entry.extra.push({ key: incident.key, pattern: incident.errorPattern, heldAt: held.at, mergedAt: merged?.at });
    }
  }
  return byProblem;
}
