import { performance } from "node:perf_hooks";
import { setTimeout as delay } from "node:timers/promises";

// The loop is saturated past this busy share: a tenth kept free, so a request that arrives finds the
// loop within one batch of background work instead of behind a queue of them (in a loop busy all the
// time every request waits for all the work queued before it).
const SATURATED = 0.9;
// How often the share is corrected from the loop's utilization: long enough to average over many
// batches and requests, short enough that a storm's first second is felt.
const WINDOW_MS = 100;
// The pipeline keeps up while its oldest waiting signal is younger than this (at 1,000 new incidents/s a
// signal waits a few milliseconds): holding it back then only delays work that must be done anyway, adding
// to every ticket's latency and freeing nothing, so it pauses only once it has fallen behind.
const KEEPING_UP_MS = 100;
// Multiplicative steps: the share halves within two windows of saturation and recovers as fast.
const SHRINK = 0.7;
const GROW = 1.4;

/**
 * Acknowledgements first (acknowledge: logged). A signal is safe once its append to the ingest log is
 * on disk; applying it, delivering its tickets and investigating it can wait, answering its sender
 * cannot. So while requests arrive and the event loop is saturated, background work (the pipeline's
 * batches, delivery rounds, investigations) takes only the share of the loop the acknowledgements leave:
 * after each of the pipeline's batches (`ran`: one synchronous stretch on SQLite) background work pauses for
 * as long as the batch took, times (1 / share - 1), delivery rounds and investigations waiting for their turn
 * too (`turn`; their own time is mostly waits on other services, so it is not counted, and the utilization
 * below counts what they take of the loop), and an incident storm is absorbed by the log instead of queueing
 * every request behind the work it causes. A pipeline that keeps up (its oldest waiting signal younger
 * than KEEPING_UP_MS) never pauses: holding it back would only delay work that must be done anyway. The
 * share is corrected every WINDOW_MS, down while the loop is saturated and up while it is not, so at a rate
 * the process can apply in full nothing is held back. As the log nears the bounds where ingest answers
 * 503 (its `pressure`), the share rises with that pressure to all of the loop: a burst is absorbed, a
 * sustained overload slows acknowledgements before it refuses them.
 *
 * It belongs to the composition root's base, declared before ingest exists; ingest says where to look
 * once it is wired (`measure`). Until then (acknowledge: applied) nothing ever pauses.
 */
export class BackgroundShare {
  private share = 1;
  private resumeAt = 0;
  private windowStart: number;
  private requestsArriving: () => boolean = () => false;
  private pressureOf: () => number = () => 0;
  private readonly utilization: () => number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    /** The least share of the event loop background work keeps while requests saturate it (0 to 1]. */
    private readonly minShare: number,
    options: { utilization?: () => number; now?: () => number; sleep?: (ms: number) => Promise<void> } = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    this.sleep = options.sleep ?? ((ms) => delay(ms));
    this.windowStart = this.now();
    let last = performance.eventLoopUtilization();
    this.utilization =
      options.utilization ??
      (() => {
        const current = performance.eventLoopUtilization();
        const busy = performance.eventLoopUtilization(current, last).utilization;
        last = current;
        return busy;
      });
  }

  /**
   * Whether requests are arriving, and how close the ingest log is to refusing appends (0 to 1: the
   * larger of its depth over `ingest.maxLogSignals` and its lag over `ingest.maxLogAge`).
   */
  measure(requestsArriving: () => boolean, pressure: () => number): void {
    this.requestsArriving = requestsArriving;
    this.pressureOf = pressure;
  }

  /** How close the ingest log is to refusing appends, 0 to 1. */
  pressure(): number {
    return Math.min(1, Math.max(0, this.pressureOf()));
  }

  /** Background work's share of the loop while requests arrive (1: it never pauses). */
  get current(): number {
    return Math.min(1, Math.max(this.share, this.minShare, this.pressure()));
  }

  /** Waits, if the last unit of background work used up the share, until the acknowledgements had theirs. */
  async turn(): Promise<void> {
    const wait = this.resumeAt - this.now();
    if (wait >= 1) await this.sleep(wait);
  }

  /**
   * After a pipeline batch that held the loop for `ms`, its oldest signal having waited `lagMs`: when the next
   * unit of background work may start.
   */
  ran(ms: number, lagMs: number): void {
    const now = this.now();
    this.correct(now);
    if (!this.requestsArriving()) {
      this.share = 1;
      this.resumeAt = 0;
      return;
    }
    const share = this.current;
    if (share < 1 && lagMs >= KEEPING_UP_MS) this.resumeAt = Math.max(this.resumeAt, now + ms * (1 / share - 1));
  }

  private correct(now: number): void {
    if (now - this.windowStart < WINDOW_MS) return;
    this.windowStart = now;
    const busy = this.utilization();
    this.share = busy > SATURATED ? Math.max(this.minShare, this.share * SHRINK) : Math.min(1, this.share * GROW);
  }
}
