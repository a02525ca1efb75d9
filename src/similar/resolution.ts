import type { TimelineEvent } from "../core/timeline.ts";

/** How much of the resolution to keep: enough to act on, short enough for a ticket section. */
export interface ResolutionLimits {
  /** Notes shown, newest last. */
  notes: number;
  /** Characters per note and for the resolver's reason. */
  noteChars: number;
}

export const DEFAULT_RESOLUTION_LIMITS: ResolutionLimits = { notes: 2, noteChars: 160 };

/**
 * One line telling how a past incident ended: who or what resolved it, how long it was open, the
 * resolver's reason, and the last notes. Built from the timeline only, so it reads the same on every
 * replica and after restarts. `events` is the incident's timeline (or its notes and state changes),
 * oldest first.
 */
export function describeResolution(
  incident: { firstSeenAt: number; resolvedAt: number | null },
  events: readonly Pick<TimelineEvent, "at" | "actor" | "action" | "detail">[],
  limits: ResolutionLimits = DEFAULT_RESOLUTION_LIMITS,
): string {
  const resolved = events.findLast((event) => event.action === "resolved");
  const parts: string[] = [];
  const head: Resolver = resolved ? resolver(resolved.actor, resolved.detail) : { text: "Resolved" };
  let text = head.text;
  if (incident.resolvedAt !== null && incident.resolvedAt >= incident.firstSeenAt) {
    text += ` after ${formatDuration(incident.resolvedAt - incident.firstSeenAt)}`;
  }
  if (head.aside) text += ` (${head.aside})`;
  parts.push(head.reason ? `${text}: ${quote(head.reason, limits.noteChars)}` : text);
  const notes = events.filter((event) => event.action === "note" && event.detail.trim() !== "").slice(-limits.notes);
  if (notes.length > 0) {
    const shown = notes.map((note) => `${who(note.actor)}: ${quote(note.detail, limits.noteChars)}`);
    parts.push(`Last ${notes.length === 1 ? "note" : "notes"}: ${shown.join("; ")}`);
  }
  return `${parts.join(". ")}.`;
}

interface Resolver {
  text: string;
  /** What made automation decide, in parentheses. */
  aside?: string;
  /** A person's own words; never a generated echo of the actor. */
  reason?: string;
}

/** Who resolved it, in words, and the reason worth repeating. */
function resolver(actor: string, detail: string): Resolver {
  const colon = actor.indexOf(":");
  const origin = colon < 0 ? actor : actor.slice(0, colon);
  const name = colon < 0 ? "" : actor.slice(colon + 1);
  if (actor === "sluice:auto-resolve") {
    const quiet = /no signal for (\d+) min/.exec(detail);
    return { text: "Auto-resolved by Sluice", aside: quiet ? `quiet period: no signal for ${quiet[1]} min` : "quiet period" };
  }
  if (origin === "sluice") {
    const gap = /no signal for (\d+)s/.exec(detail);
    if (gap?.[1]) return { text: "Closed by Sluice", aside: `no signal for ${formatDuration(Number(gap[1]) * 1000)}` };
    return { text: "Resolved by Sluice", aside: name || "automation", ...(detail ? { reason: detail } : {}) };
  }
  // A source that reports recovery itself (Alertmanager, Grafana): see the ingest planner.
  if (name === "resolved" && detail.endsWith("reported the problem resolved")) {
    return { text: "Resolved by its source", aside: `${origin} reported recovery` };
  }
  if (origin === "api") return { text: `Resolved by ${name || "someone"} via the API`, ...(detail ? { reason: detail } : {}) };
  // Inbound sync writes "<action> in <platform> by <user>" as the reason; that only repeats the actor.
  const echo = /^resolve in \S+ by /.test(detail);
  return { text: `Resolved by ${name || "someone"} in ${origin}`, ...(detail && !echo ? { reason: detail } : {}) };
}

function who(actor: string): string {
  const colon = actor.indexOf(":");
  if (colon < 0) return actor;
  const origin = actor.slice(0, colon);
  const name = actor.slice(colon + 1);
  if (origin === "sluice") return "Sluice";
  return origin === "api" ? name : `${name} (${origin})`;
}

function quote(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return `"${flat.length > max ? `${flat.slice(0, max - 1).trimEnd()}…` : flat}"`;
}

/** "45 s", "42 min", "3 h 5 min", "2 d 4 h": the resolution time as a responder says it. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}
