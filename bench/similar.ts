// Similar past incidents: lookup latency with 10,000 resolved incidents in SQLite (a file, WAL, as
// Sluice runs), each with notes and a resolution in its timeline. Prints a Markdown table.
// Run: node --import tsx bench/similar.ts [--runs 5] [--incidents 10000]
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { ManualClock } from "../src/core/clock.ts";
import { newId } from "../src/core/ids.ts";
import { emptyChangeSet, type NewIncident } from "../src/core/ports/store.ts";
import { SimilarIncidents } from "../src/pipeline/enrich/providers/similar-incidents.ts";
import { PAST, QUERIES } from "../src/similar/fixtures/labelled-incidents.ts";
import { rankSimilar } from "../src/similar/rank.ts";
import { TermCache } from "../src/similar/text.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { median, formatNumber as n, percentile, seededRandom } from "./stats.ts";

const { values: args } = parseArgs({
  options: { runs: { type: "string", default: "5" }, incidents: { type: "string", default: "10000" } },
});
const RUNS = Number(args.runs);
const INCIDENTS = Number(args.incidents);
const DAY = 86_400_000;
const NOW = Date.parse("2026-11-02T10:00:00Z");
const OTHER_SERVICES = Array.from({ length: 36 }, (_, i) => `svc-${String(i + 1).padStart(2, "0")}`);
const ACTORS = ["api:alice", "jira:bob", "slack:carol", "sluice:auto-resolve", "alertmanager:resolved"];

const random = seededRandom(42);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
/** Same words, other numbers: each occurrence of a problem has its own ids and counts. */
const renumber = (text: string) => text.replace(/\d+/g, (digits) => String(Math.floor(random() * 10 ** digits.length)));

const dir = mkdtempSync(join(tmpdir(), "sluice-bench-similar-"));
const store = await SqliteStore.open({ dataDir: dir, synchronous: "normal" });
try {
  const seedStart = performance.now();
  for (let offset = 0; offset < INCIDENTS; offset += 500) {
    const changes = emptyChangeSet();
    for (let i = offset; i < Math.min(INCIDENTS, offset + 500); i++) {
      const template = pick(PAST);
      // Half on the template's own service, half spread over 36 others: realistic candidate sets.
      const service = random() < 0.5 ? template.service : pick(OTHER_SERVICES);
      const rename = (text: string) => renumber(text.split(template.service).join(service));
      const resolvedAt = NOW - Math.floor(random() * 89 * DAY) - DAY;
      const firstSeenAt = resolvedAt - Math.floor(random() * 6 * 3_600_000) - 60_000;
      const incident: NewIncident = {
        id: newId(),
        fingerprint: `bench-${i}`,
        kind: "anomaly",
        title: rename(template.title),
        tenant: "acme",
        service,
        environment: random() < 0.9 ? "production" : "staging",
        errorPattern: template.errorPattern,
        patternId: null,
        severity: "high",
        priority: "P2",
        state: "resolved",
        firstSeenAt,
        lastSeenAt: resolvedAt - 60_000,
        signalCount: 1 + Math.floor(random() * 50),
        escalationLevel: 0,
        platforms: ["jira"],
        matchedRule: "severity:high",
        summary: rename(template.summary),
        context: {},
        createdAt: firstSeenAt,
        updatedAt: resolvedAt,
        acknowledgedAt: null,
        resolvedAt,
      };
      changes.newIncidents.push(incident);
      for (const note of template.notes) {
        changes.timeline.push({
          incidentId: incident.id,
          at: firstSeenAt + 60_000,
          actor: pick(ACTORS),
          action: "note",
          detail: note,
          rule: null,
        });
      }
      changes.timeline.push({
        incidentId: incident.id,
        at: resolvedAt,
        actor: pick(ACTORS),
        action: "resolved",
        detail: "rolled back",
        rule: null,
      });
    }
    await store.apply(changes);
  }
  const seedMs = performance.now() - seedStart;
  const stored = await store.similar.candidates({
    tenant: "acme",
    service: "",
    errorPattern: "",
    since: 0,
    excludeId: null,
    limit: INCIDENTS + 1,
  });
  if (stored.length !== INCIDENTS) throw new Error(`seeded ${stored.length} resolved incidents, expected ${INCIDENTS}`);

  const clock = new ManualClock(NOW);
  const options = { maxResults: 3, lookback: 90 * DAY, candidates: 500, minScore: 0.35 };
  const targets = QUERIES.map((q) => ({ ...q, incidentId: null, tenant: "acme" }));

  /** Lookup latencies (ms) of every query, `RUNS` times; the first pass warms caches and the JIT and is not counted. */
  async function measure(finder: SimilarIncidents): Promise<{ p50: number[]; p95: number[]; found: number }> {
    let found = 0;
    for (const target of targets) found += (await finder.find(target)).length;
    const p50: number[] = [];
    const p95: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const times: number[] = [];
      for (const target of targets) {
        const start = performance.now();
        await finder.find(target);
        times.push(performance.now() - start);
      }
      p50.push(percentile(times, 0.5));
      p95.push(percentile(times, 0.95));
    }
    return { p50, p95, found };
  }

  const rows: string[] = [];
  for (const candidates of [500, 2000]) {
    const finder = new SimilarIncidents(store.similar, { ...options, candidates }, { clock });
    const { p50, p95, found } = await measure(finder);
    rows.push(
      `| Lookup (store reads + ranking), candidate cap ${n(candidates)} | ${n(median(p50), 1)} ms | ${n(median(p95), 1)} ms | ${n(found / targets.length, 1)} |`,
    );
  }

  // Where the time goes, at the default cap.
  const reads: number[] = [];
  const events: number[] = [];
  const ranking: number[] = [];
  const cache = new TermCache();
  for (let run = 0; run < RUNS; run++) {
    for (const target of targets) {
      let start = performance.now();
      const candidates = await store.similar.candidates({
        tenant: "acme",
        service: target.service,
        errorPattern: target.errorPattern,
        since: NOW - options.lookback,
        excludeId: null,
        limit: options.candidates,
      });
      reads.push(performance.now() - start);
      start = performance.now();
      const timeline = await store.similar.resolutionEvents(
        candidates.map((c) => c.id),
        5,
        500,
      );
      events.push(performance.now() - start);
      const notes = new Map<string, string>();
      for (const event of timeline)
        if (event.action === "note") notes.set(event.incidentId, `${notes.get(event.incidentId) ?? ""}\n${event.detail}`);
      const documents = candidates.map((c) => ({ ...c, notes: notes.get(c.id) ?? "" }));
      start = performance.now();
      rankSimilar(target, documents, { limit: 3, minScore: 0.35, terms: (text) => cache.terms(text) });
      ranking.push(performance.now() - start);
    }
  }

  console.log(
    `Machine: ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), Node ${process.version}. ${n(INCIDENTS)} resolved incidents over 90 days, ` +
      `${n(OTHER_SERVICES.length + new Set(PAST.map((p) => p.service)).size)} services, seeded in ${n(seedMs / 1000, 1)} s. ` +
      `${targets.length} queries per run, ${RUNS} runs; medians of the per-run figures.\n`,
  );
  console.log("| Figure | p50 | p95 | Results per lookup |");
  console.log("| --- | --- | --- | --- |");
  for (const row of rows) console.log(row);
  console.log(`| … candidates read (cap 500) | ${n(percentile(reads, 0.5), 1)} ms | ${n(percentile(reads, 0.95), 1)} ms | |`);
  console.log(`| … notes and resolutions read | ${n(percentile(events, 0.5), 1)} ms | ${n(percentile(events, 0.95), 1)} ms | |`);
  console.log(
    `| … BM25+ index and rank (minisearch, terms cached) | ${n(percentile(ranking, 0.5), 1)} ms | ${n(percentile(ranking, 0.95), 1)} ms | |`,
  );
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
