import { SluiceError } from "../../core/errors.ts";
import type {
  DeadLetterDetail,
  DeadLetterFilter,
  DeadLetterSummary,
  IngestDeadLetterRepository,
  ResolvedDeadLetter,
} from "../../core/ports/ingest-dead-letters.ts";

export type DeadLetterAction = "retried" | "discarded";

export interface DeadLetterAdminOptions {
  letters: IngestDeadLetterRepository;
  /** Tells this replica's log consumer that entries were appended (other replicas find them at their next poll). */
  wake(): void;
  /** Counts what operators did, in signals. */
  resolved(action: DeadLetterAction, signals: number): void;
  now(): number;
}

/** What an action on a set did. */
export interface BulkOutcome {
  /** Dead letters moved (retried or discarded). */
  count: number;
  signals: number;
  ids: number[];
  /** Whether waiting dead letters matching the filter were left (the limit was reached). */
  more: boolean;
}

// Dead letters moved per transaction: a set of any size never holds the store (or SQLite's one writer) for long.
const CHUNK = 200;

/**
 * What operators do with the ingest log's dead letters (issue 18): retry one or a filtered set (appended to
 * the log again for the pipeline, e.g. after a config fix) or discard them, recorded with who and when and
 * counted. A retry that fails again is dead-lettered again, as a new dead letter naming the one retried:
 * only an operator retries, so nothing loops.
 */
export class DeadLetterAdmin {
  constructor(private readonly options: DeadLetterAdminOptions) {}

  list(filter: DeadLetterFilter, page: { limit: number; before?: number }): Promise<{ items: DeadLetterSummary[] }> {
    return this.options.letters.list(filter, page);
  }

  /** One dead letter; NOT_FOUND when there is none with this id. */
  async get(id: number): Promise<DeadLetterDetail> {
    const letter = await this.options.letters.get(id);
    if (!letter) throw new SluiceError("NOT_FOUND", `no ingest dead letter ${id}`);
    return letter;
  }

  /** Acts on one waiting dead letter; INVALID_TRANSITION when it was already retried or discarded. */
  async act(action: DeadLetterAction, id: number, actor: string): Promise<ResolvedDeadLetter> {
    const letter = await this.get(id);
    const [moved] = await this.move(action, [id], actor);
    if (moved) return moved;
    // Lost to another operator between the read and the action: say what they did.
    const now = (await this.options.letters.get(id)) ?? letter;
    const when = now.resolvedAt === null ? "" : ` at ${new Date(now.resolvedAt).toISOString()}`;
    throw new SluiceError(
      "INVALID_TRANSITION",
      `ingest dead letter ${id} was already ${now.state}${when}${now.resolvedBy ? ` by ${now.resolvedBy}` : ""}; only a waiting (dead) one can be ${action}`,
    );
  }

  /** Acts on up to `limit` waiting dead letters matching `filter`, newest first, a chunk per transaction. */
  async actOnMatching(action: DeadLetterAction, filter: DeadLetterFilter, limit: number, actor: string): Promise<BulkOutcome> {
    const waiting: DeadLetterFilter = { ...filter, states: ["dead"] };
    const outcome: BulkOutcome = { count: 0, signals: 0, ids: [], more: false };
    let before: number | undefined;
    while (outcome.count < limit) {
      const size = Math.min(CHUNK, limit - outcome.count);
      const page = await this.options.letters.list(waiting, { limit: size, ...(before === undefined ? {} : { before }) });
      if (page.items.length === 0) break;
      // Below the last page only: a retry failing again meanwhile is a new, higher id, and is not taken again.
      before = page.items.at(-1)?.id;
      for (const letter of await this.move(
        action,
        page.items.map((l) => l.id),
        actor,
      )) {
        outcome.count++;
        outcome.signals += letter.signals;
        outcome.ids.push(letter.id);
      }
      if (page.items.length < size) break;
    }
    if (outcome.count >= limit && before !== undefined) {
      outcome.more = (await this.options.letters.list(waiting, { limit: 1, before })).items.length > 0;
    }
    return outcome;
  }

  private async move(action: DeadLetterAction, ids: readonly number[], actor: string): Promise<ResolvedDeadLetter[]> {
    const { letters } = this.options;
    const now = this.options.now();
    const moved = action === "retried" ? await letters.retry(ids, now, actor) : await letters.discard(ids, now, actor);
    const signals = moved.reduce((sum, letter) => sum + letter.signals, 0);
    if (moved.length > 0) this.options.resolved(action, signals);
    if (action === "retried" && moved.length > 0) this.options.wake();
    return moved;
  }
}
