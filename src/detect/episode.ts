import type { Detection } from "./detection.ts";

/** Where a series' current detection episode stands (persisted with its detector). */
export interface EpisodeState {
  /** Time of the evaluation that began the episode, or null when not firing. */
  start: number | null;
  /** Highest score seen in the episode. */
  peak: number;
  /** Heartbeats sent so far in the episode. */
  beats: number;
  /** Evaluations in a row, up to this one, that scored below the rule's minimum score (absent in older states: 0). */
  quiet?: number;
}

export const NO_EPISODE: EpisodeState = { start: null, peak: 0, beats: 0 };

/** What the episode says to send: an anomaly event, firing or resolved, with an id stable for the episode. */
export interface EpisodeEvent {
  status: "firing" | "resolved";
  /** Unique within the series: the episode's start, and which heartbeat or the resolve. */
  id: string;
  start: number;
  peak: number;
  detection: Detection;
}

/**
 * Advances an episode by one evaluation. An onset sends a firing event; while it lasts, one firing event per
 * `heartbeatMs` keeps the incident's last-seen time fresh (a gap longer than `anomaly.lookbackWindow` would
 * open a second incident, and the quiet period would resolve the first); recovery sends the resolve. Ids
 * depend only on the samples, so evaluating the same samples again (a retry, a restart before the state was
 * saved, another replica) gives the same ids, which ingest de-duplicates.
 */
export function advanceEpisode(
  state: EpisodeState,
  detection: Detection,
  heartbeatMs: number,
  minimumScore?: number,
  hold = 0,
): { state: EpisodeState; event: EpisodeEvent | null } {
  const t = detection.time;
  // With a rule's own minimum score, a score at it begins an episode (however the detector's own firing stands), and
  // the episode lasts while the score holds it, the detector's hysteresis does, or fewer than `hold` evaluations in
  // a row have scored below it: a statistical detector scores the news of an episode, not every point of it, so
  // without the hold one anomaly would page, resolve and page again. Without a minimum: the detector's firing.
  const reached = minimumScore !== undefined && detection.score >= minimumScore;
  const begins = minimumScore === undefined ? detection.firing : reached;
  const quiet = reached ? 0 : (state.quiet ?? 0) + 1;
  const lasts = detection.firing || reached || (minimumScore !== undefined && quiet < hold);
  if (state.start === null) {
    if (!begins) return { state, event: null };
    const next = { start: t, peak: detection.score, beats: 0, quiet: 0 };
    return { state: next, event: { status: "firing", id: String(t), start: t, peak: next.peak, detection } };
  }
  const start = state.start;
  if (!lasts) {
    return { state: NO_EPISODE, event: { status: "resolved", id: `${start}.resolved`, start, peak: state.peak, detection } };
  }
  const peak = Math.max(state.peak, detection.score);
  const beat = Math.floor((t - start) / heartbeatMs);
  if (beat <= state.beats) return { state: { ...state, peak, quiet }, event: null };
  return {
    state: { start, peak, beats: beat, quiet },
    event: { status: "firing", id: `${start}.${beat}`, start, peak, detection },
  };
}
