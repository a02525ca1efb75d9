import { seededRandom } from "../../src/core/seeded-random.ts";

// A stream of anomaly events whose error messages name things: people, database roles and tables,
// Kubernetes deployments, cluster nodes, storage buckets and teams, shared folders, partner endpoints
// and volumes. Each problem is one logging statement printed with many different names, so a miner
// that takes a name for part of the message opens one incident per name. Two problems differ only in
// a state word (FAILED, STALLED): they must stay two. Dense low-score noise (below the 0.85 bar) puts
// a problem's first variants into different replay batches, so patterns split early and merge later,
// as they do on a live stream. Deterministic for a given seed and start.

type Item = Record<string, unknown>;

/** One problem of the stream: the service it happens on and how its messages are written. */
export interface StreamProblem {
  /** Stable name for assertions. */
  readonly name: string;
  readonly service: string;
  /** Builds one message from a source of randomness. */
  readonly message: (pick: <T>(values: readonly T[]) => T, next: () => number) => string;
}

const people = ["mlopez", "kchen", "dpatel", "sokafor", "jnovak", "rsingh", "tnguyen", "ebrown", "hmuller", "akim"];
const schemas = ["billing", "ledger", "archive", "reporting", "staging", "audit", "analytics", "marketing"];
const tables = ["invoices", "shipments", "refunds", "customers", "coupons", "sessions", "reviews", "payouts"];
const deployments = ["checkout", "search", "frontend", "recommender", "inventory", "notifier", "pricing", "wishlist"];
const jobs = ["rollup", "export", "reindex", "compaction", "backfill", "vacuum", "thumbnails", "digest"];
const nodes = ["aurora", "borealis", "cygnus", "draco", "lyra", "orion", "perseus", "vega"];
const buckets = ["media", "exports", "backups", "uploads", "reports", "artifacts", "snapshots", "assets"];
const teams = ["payments", "growth", "platform", "data", "mobile", "risk", "search", "ops"];
const folders = ["contracts", "photos", "designs", "minutes", "drafts", "scans", "receipts", "invoices"];
const partners = ["acmepay", "shipfast", "mailjet", "taxcloud", "fraudstop", "geolocate", "smsgate", "loyalty"];
const volumes = ["pgdata", "mailstore", "wiki", "metrics", "ledger", "uploads", "search", "chat"];
const letters = "abcdefghijklmnopqrstuvwxyz";

export const STREAM_PROBLEMS: readonly StreamProblem[] = [
  {
    name: "role permission",
    service: "billing-api",
    message: (pick) => `permission denied for role ${pick(people)} on schema ${pick(schemas)}`,
  },
  {
    name: "replica lag",
    service: "catalog-db",
    message: (pick, next) =>
      `replica lag on table ${pick(tables)} passed ${5 + Math.floor(next() * 90)}s, reads now go to the primary`,
  },
  {
    name: "container OOM",
    service: "storefront",
    message: (pick, next) => {
      const deployment = pick(deployments);
      const pod = `${deployment}-${Array.from({ length: 5 }, () => letters[Math.floor(next() * 26)]).join("")}`;
      return `container ${pod} of deployment ${deployment} was killed for using too much memory and restarted`;
    },
  },
  {
    name: "unschedulable job",
    service: "batch-scheduler",
    message: (pick) => `job ${pick(jobs)} could not be placed on node ${pick(nodes)} because too little memory is free`,
  },
  {
    name: "bucket quota",
    service: "object-store",
    message: (pick) => `bucket ${pick(buckets)} of team ${pick(teams)} is over its storage quota`,
  },
  {
    name: "folder sync",
    service: "file-sync",
    message: (pick) => `upload to folder ${pick(folders)} for ${pick(people)} stopped because the remote copy changed`,
  },
  {
    name: "expired password",
    service: "sso",
    message: (pick) => `sign-in refused for ${pick(people)}: password expired`,
  },
  {
    name: "webhook retries",
    service: "partner-gateway",
    message: (pick, next) => `webhook to ${pick(partners)} gave up after ${2 + Math.floor(next() * 8)} attempts`,
  },
  {
    name: "backup failed",
    service: "backup",
    message: (pick) => `nightly backup of volume ${pick(volumes)} ended in state FAILED`,
  },
  {
    name: "backup stalled",
    service: "backup",
    message: (pick) => `nightly backup of volume ${pick(volumes)} ended in state STALLED`,
  },
];

export interface VariableWordStream {
  /** Anomaly events in time order, one JSON object per line of a replay file. */
  readonly items: Item[];
  /** How many events of each problem pass the score bar (by problem name). */
  readonly counts: ReadonlyMap<string, number>;
}

/**
 * `minutes` of stream: each problem starts at a staggered time and recurs every 20–80 s (well inside
 * the lookback window), with a name drawn at random per message; `noisePerMinute` low-score events
 * of other services fill the stream in between.
 */
export function variableWordStream(
  start: number,
  options: { seed?: number; minutes?: number; noisePerMinute?: number } = {},
): VariableWordStream {
  const next = seededRandom(options.seed ?? 17);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T;
  const minutes = options.minutes ?? 30;
  const end = start + minutes * 60_000;
  const events: { at: number; item: Item }[] = [];
  let sequence = 0;
  const event = (at: number, fields: Item): Item => ({
    event_id: `vw-${(++sequence).toString().padStart(6, "0")}`,
    "@timestamp": new Date(at).toISOString(),
    tenant_id: "acme",
    environment: "production",
    anomaly_type: "error_rate",
    ...fields,
  });
  const counts = new Map<string, number>();
  STREAM_PROBLEMS.forEach((problem, index) => {
    for (let at = start + index * 45_000; at < end; at += 20_000 + Math.floor(next() * 60_000)) {
      events.push({
        at,
        item: event(at, {
          anomaly_score: Number((0.9 + next() * 0.09).toFixed(3)),
          severity: "high",
          service: problem.service,
          error_message: problem.message(pick, next),
        }),
      });
      counts.set(problem.name, (counts.get(problem.name) ?? 0) + 1);
    }
  });
  const noisy = ["thumbnailer", "mailer", "geo", "ads"];
  const noise = Math.round((options.noisePerMinute ?? 200) * minutes);
  for (let i = 0; i < noise; i++) {
    const at = start + Math.floor(next() * minutes * 60_000);
    events.push({
      at,
      item: event(at, {
        anomaly_score: Number((0.2 + next() * 0.6).toFixed(3)),
        service: pick(noisy),
        error_message: `slow response from ${pick(partners)} for tenant ${pick(teams)} (${100 + Math.floor(next() * 900)}ms)`,
      }),
    });
  }
  events.sort((a, b) => a.at - b.at);
  return { items: events.map((e) => e.item), counts };
}
