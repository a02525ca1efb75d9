import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { Logger } from "pino";
import type { BackgroundShare } from "../core/background-share.ts";
import type { EventPublisher } from "../core/events.ts";
import type { Incident } from "../core/incident.ts";
import type { InvestigationOutcome, InvestigationReport, InvestigationTrigger } from "../core/investigation.ts";
import type { InvestigationJob } from "../core/ports/investigation-repository.ts";
import { type ChangeSet, emptyChangeSet, type Store } from "../core/ports/store.ts";
import { fanOut } from "../lifecycle/fan-out.ts";
import type { InvestigationReads } from "./batch-reads.ts";
import { addsSomething, lastSentVersion } from "./report-changes.ts";
import { reportText, reportTimelineDetail } from "./report-text.ts";
import { type InvestigationDeps, runInvestigation } from "./run-investigation.ts";

/** The timeline's actor for investigations. */
export const INVESTIGATE_ACTOR = "sluice:investigate";
/** A job claimed this often without finishing (its process died each time) gets a failed report instead. */
const MAX_ATTEMPTS = 3;
/** How far back a starting process looks for incidents whose investigation request was lost in a crash. */
const BACKLOG_WINDOW = 3_600_000;
const BACKLOG_LIMIT = 100;
/**
 * Investigations are background work: while ingest has signals waiting, jobs requested less than this
 * long ago wait, so an alert storm's signals get the CPU first (about half a millisecond of CPU an
 * investigation in batches against a fraction of that per signal). The bound keeps every report within a minute of its incident opening.
 */
export const MAX_DEFER_MS = 20_000;
// Investigation requests written per transaction (writeRequests): about 5 ms of the event loop each.
const REQUESTS_PER_WRITE = 100;
/**
 * Jobs claimed at a time while ingest is busy (those past MAX_DEFER_MS): a batch is one stretch of the
 * event loop (SQLite calls block), so during a storm batches stay small and the loop yields between them;
 * 32 at once held acknowledgements for tens of milliseconds.
 */
const WHILE_INGEST_BUSY = 2;

export interface InvestigatorOptions {
  store: Store;
  events: EventPublisher;
  logger: Logger;
  deps: InvestigationDeps;
  /** Jobs claimed, run at once and ended together (one transaction for their reports, one for their comments). */
  concurrency: number;
  lease: number;
  pollInterval: number;
  count(outcome: InvestigationOutcome, seconds: number, firstSignalToReport: number | null): void;
  /** Whether ingest has signals waiting right now (new jobs then wait, up to MAX_DEFER_MS). */
  ingestBusy?: () => boolean;
  /**
   * Acknowledgements first: while requests saturate the process, a batch waits for background work's turn
   * (src/core/background-share.ts). It does not lengthen the pause: an investigation's time is mostly its
   * collectors' waits on Prometheus, Loki or Kubernetes, and the share follows the loop's measured utilization.
   */
  share?: Pick<BackgroundShare, "turn">;
}

/**
 * Runs queued investigations: requests from events are written to the store as jobs (one row per
 * incident), claimed under a lease by whichever process polls first, `concurrency` at a time, run
 * together, and their reports stored, put on the timeline and sent to every linked ticket as one batch. A process that dies mid-investigation leaves
 * its lease to expire (at once on SQLite, whose one process restarts), and the job runs again.
 */
export class Investigator {
  private readonly requested = new Map<string, InvestigationTrigger>();
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** Before start() requests only accumulate: a Sluice that is built but not started (tests, tools) runs nothing. */
  private started = false;
  private backlog: Promise<void> = Promise.resolve();
  /** flush() runs every claimable job, busy ingest or not. */
  private flushing = false;

  constructor(private readonly options: InvestigatorOptions) {}

  /** Records a request; the event handler's whole job, so the publisher (ingest) never waits. */
  request(incidentId: string, trigger: InvestigationTrigger): void {
    if (this.stopped) return;
    if (!this.requested.has(incidentId)) this.requested.set(incidentId, trigger);
    if (this.started) this.wake();
  }

  /** Queues an investigation durably now (the API's on-demand request). */
  async requestNow(incidentId: string, trigger: InvestigationTrigger): Promise<void> {
    await this.options.store.investigations.request(incidentId, trigger, this.options.deps.now());
    if (this.started) this.wake();
  }

  start(): void {
    this.started = true;
    this.backlog = this.recoverBacklog();
    this.timer = setInterval(() => this.wake(), this.options.pollInterval);
    this.timer.unref?.();
    this.wake();
  }

  /**
   * Events are not persisted: an incident opened just before a crash, whose request was heard but not yet
   * written, has no job. Unresolved incidents active within the last hour without one are queued now.
   */
  private async recoverBacklog(): Promise<void> {
    try {
      const { items } = await this.options.store.incidents.list({
        state: ["open", "acknowledged", "escalated"],
        since: this.options.deps.now() - BACKLOG_WINDOW,
        limit: BACKLOG_LIMIT,
      });
      for (const incident of items) {
        if ((await this.options.store.investigations.status(incident.id)) === null) this.request(incident.id, "opened");
      }
    } catch (error) {
      this.options.logger.error({ err: error }, "the investigation backlog could not be read");
    }
  }

  /** Runs until no request is waiting and no job can be claimed (tests, replays). */
  async flush(): Promise<void> {
    await this.backlog;
    this.flushing = true;
    try {
      do {
        this.again = false;
        await (this.ticking ?? this.tick());
      } while (this.again || this.requested.size > 0);
      // A tick that began before flush() may have left young jobs waiting for a busy ingest.
      await this.tick();
    } finally {
      this.flushing = false;
    }
  }

  async shutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // Requests already heard are written, so the next start finds them; then what runs finishes.
    await this.backlog;
    await this.writeRequests();
    this.stopped = true;
    await this.ticking;
  }

  private wake(): void {
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.tick().finally(() => {
      this.ticking = null;
      if (this.again && !this.stopped) {
        this.again = false;
        this.wake();
      }
    });
  }

  /**
   * Writes the requests heard since the last tick, REQUESTS_PER_WRITE to a transaction: a storm opens
   * thousands of incidents a second, and writing all their requests at once held the event loop for tens of
   * milliseconds (building and running the statements), every acknowledgement waiting behind it. Between
   * transactions the loop is yielded (and, while requests saturate it, left to them: `share`).
   */
  private async writeRequests(): Promise<void> {
    if (this.requested.size === 0) return;
    const now = this.options.deps.now();
    const batch = [...this.requested].map(([incidentId, trigger]) => ({ incidentId, trigger }));
    this.requested.clear();
    for (let from = 0; from < batch.length; from += REQUESTS_PER_WRITE) {
      if (from > 0) {
        await yieldToEventLoop();
        await this.options.share?.turn();
      }
      try {
        await this.options.store.investigations.requestAll(batch.slice(from, from + REQUESTS_PER_WRITE), now);
      } catch (error) {
        // Heard again at the next tick (those not written yet); a request made meanwhile keeps its own trigger.
        for (const { incidentId, trigger } of batch.slice(from))
          if (!this.requested.has(incidentId)) this.requested.set(incidentId, trigger);
        throw error;
      }
    }
  }

  private async tick(): Promise<void> {
    try {
      await this.writeRequests();
      if (this.stopped) return;
      for (;;) {
        if (!this.flushing) await this.options.share?.turn();
        const now = this.options.deps.now();
        const deferring = !this.flushing && (this.options.ingestBusy?.() ?? false);
        const jobs = await this.options.store.investigations.claim(
          now,
          deferring ? Math.min(WHILE_INGEST_BUSY, this.options.concurrency) : this.options.concurrency,
          this.options.lease,
          deferring ? now - MAX_DEFER_MS : undefined,
        );
        if (jobs.length === 0) return;
        await this.runBatch(jobs);
        if (this.stopped) return;
        if (deferring) await yieldToEventLoop();
      }
    } catch (error) {
      this.options.logger.error({ err: error }, "investigation jobs could not be claimed; retrying at the next poll");
    }
  }

  /**
   * Runs the claimed jobs at once, then ends them together: their reports and job ends in one transaction,
   * their timeline entries and ticket comments in one more (one commit, one fsync, for the batch instead of
   * two per investigation). A crash before the first runs every job of the batch again; between the two, it
   * loses the batch's comments, never sends one twice.
   */
  private async runBatch(jobs: readonly InvestigationJob[]): Promise<void> {
    const { store, logger, deps } = this.options;
    const started = deps.now();
    const claimed: { job: InvestigationJob; incident: Incident }[] = [];
    for (const job of jobs) {
      const incident = await store.incidents.get(job.incidentId);
      // An incident gone (retention): its job ends with nothing to report.
      if (incident) claimed.push({ job, incident });
      else await store.investigations.finish(job.incidentId, job.attempt);
    }
    if (claimed.length === 0) return;
    const reads = deps.batchReads?.(claimed.map(({ incident }) => incident));
    const runs = await Promise.all(claimed.map(({ job, incident }) => this.investigate(job, incident, started, reads)));
    const now = deps.now();
    const versions = await store.investigations.completeAll(
      runs.map(({ report, job }) => ({ report, attempt: job.attempt })),
      now,
    );
    const changes = emptyChangeSet();
    const reported: { run: InvestigationRun; version: number }[] = [];
    for (const [n, run] of runs.entries()) {
      const version = versions[n] ?? null;
      if (version === null) {
        logger.warn({ incident: run.incident.key }, "an investigation outlived its lease; another process took it over");
        continue;
      }
      await this.fanOutReport(changes, run, version, now);
      reported.push({ run, version });
    }
    if (reported.length === 0) return;
    await store.apply(changes);
    if (changes.deliveries.length > 0)
      this.options.events.publish({ type: "DeliveriesQueued", at: now, count: changes.deliveries.length });
    for (const { run, version } of reported) {
      const { incident, report, started } = run;
      // The console shows the report as it arrives (its job done by now); nothing else follows this change.
      this.options.events.publish({
        type: "IncidentChanged",
        incidentId: incident.id,
        at: now,
        actor: INVESTIGATE_ACTOR,
        change: { kind: "investigated", version },
      });
      this.options.count(report.outcome, (now - started) / 1000, version === 1 ? (now - incident.firstSeenAt) / 1000 : null);
      logger.info({ incident: incident.key, outcome: report.outcome, version }, "investigation reported");
    }
  }

  /** One job's report (a failed one when the investigation threw or its process died too often). */
  private async investigate(
    job: InvestigationJob,
    incident: Incident,
    started: number,
    reads: InvestigationReads | undefined,
  ): Promise<InvestigationRun> {
    const { logger, deps } = this.options;
    let report: Omit<InvestigationReport, "version">;
    if (job.attempt > MAX_ATTEMPTS) {
      report = failedReport(incident, job, started, deps.now(), `gave up after ${MAX_ATTEMPTS} attempts that did not finish`);
    } else {
      try {
        report = await runInvestigation(incident, job.trigger, deps, reads);
      } catch (error) {
        logger.error({ err: error, incident: incident.key }, "an investigation failed");
        report = failedReport(incident, job, started, deps.now(), error instanceof Error ? error.message : String(error));
      }
    }
    return { job, incident, report, started };
  }

  /** The stored report's timeline entry and, when it adds something, a comment to every linked ticket. */
  private async fanOutReport(changes: ChangeSet, run: InvestigationRun, version: number, now: number): Promise<void> {
    const { store } = this.options;
    const { report } = run;
    // Read again: the incident may have resolved while it was investigated. A report that lands after the
    // resolve is kept (API, console, timeline) but not sent: a comment after "Resolved" would tell the
    // tickets' readers the problem is live again. A reopen is investigated, and sent, afresh.
    const incident = (await store.incidents.get(run.incident.id)) ?? run.incident;
    // Versions count from 1, so the first report is version 1: no read of the previous report needed.
    const firstReport = version === 1;
    const stored: InvestigationReport = { ...report, version };
    // A version that adds nothing to the one before goes on the timeline only: the tickets already say it.
    const previous = firstReport ? null : await store.investigations.report(incident.id, version - 1);
    const resolved = incident.state === "resolved";
    const send = !resolved && (previous === null || addsSomething(previous, stored));
    const supersedes =
      firstReport || !send ? null : await lastSentVersion((v) => store.investigations.report(incident.id, v), version);
    fanOut(changes, incident, now, {
      actor: INVESTIGATE_ACTOR,
      action: "investigation",
      detail: send
        ? reportTimelineDetail(stored)
        : `${reportTimelineDetail(stored)} (${resolved ? "incident resolved before the report" : "nothing new"}: not sent to tickets)`,
      ...(send
        ? {
            send: {
              action: "comment" as const,
              detail: reportText(stored, supersedes),
              causedAt: now,
              investigation: { report: stored, supersedes },
            },
          }
        : {}),
    });
  }
}

/** One claimed job run to its report, waiting to be stored with the rest of its batch. */
interface InvestigationRun {
  job: InvestigationJob;
  incident: Incident;
  report: Omit<InvestigationReport, "version">;
  started: number;
}

function failedReport(
  incident: { id: string; key: string },
  job: InvestigationJob,
  startedAt: number,
  finishedAt: number,
  reason: string,
): Omit<InvestigationReport, "version"> {
  return {
    incidentId: incident.id,
    incidentKey: incident.key,
    trigger: job.trigger,
    startedAt,
    finishedAt,
    outcome: "failed",
    reason,
    hypotheses: [],
    evidence: [],
    steps: [],
    actions: [],
    rootCause: null,
  };
}
