import { isSluiceError, SluiceError } from "../../core/errors.ts";
import type { Signal } from "../../core/signal.ts";
import type { IngestResult } from "./ingest-runner.ts";

/**
 * Signals per commit when a large request is split: small enough that planning, writing and flushing
 * one piece keeps the event loop free for other requests (/healthz stays fast under the largest batch).
 */
export const PIECE_SIGNALS = 100;

/**
 * Submits a large request as consecutive pieces, each committed (and durable) before the next is
 * planned, so its work is spread over many short turns of the event loop instead of one long one.
 *
 * Only for signals that all carry their upstream id (anomaly events, alerts, OTLP records, generic
 * signals with a sourceId): when a piece fails, the pieces before it are stored and the rest are not,
 * and the sender's retry of the whole request stores the rest while the stored ones answer "duplicate"
 * — nothing lost, nothing twice. The error says how many were stored.
 */
export async function submitInPieces(
  submit: (signals: Signal[]) => Promise<IngestResult[]>,
  signals: Signal[],
  pieceSize = PIECE_SIGNALS,
): Promise<IngestResult[]> {
  if (signals.length <= pieceSize) return submit(signals);
  const results: IngestResult[] = [];
  for (let start = 0; start < signals.length; start += pieceSize) {
    try {
      results.push(...(await submit(signals.slice(start, start + pieceSize))));
    } catch (error) {
      if (start === 0) throw error;
      const partly = (why: string) =>
        `the first ${start} of ${signals.length} signals are stored, the rest are not (${why}); ` +
        'send the whole request again: the stored ones answer "duplicate"';
      if (isSluiceError(error)) {
        throw new SluiceError(error.code, partly(error.message), { cause: error, problems: error.problems });
      }
      throw new SluiceError("INTERNAL", partly("internal error; see the server log"), { cause: error });
    }
  }
  return results;
}
