import type { Change } from "../../core/change.ts";
import type { RecommendedAction } from "../../core/investigation.ts";
import { type CodeFrame, stackFrames } from "./stack-frames.ts";

/** How a change carries what it changed (labels, see docs/investigation.md): a commit range and changed files. */
export const COMMIT_RANGE_LABEL = "commitRange";
export const CHANGED_FILES_LABEL = "changedFiles";

/** Frames looked at per error: the innermost application frames are where an error is raised. */
const FRAMES_PER_ERROR = 3;

/** The changed files a change lists (comma, newline or whitespace separated), normalised to forward slashes. */
export function changedFiles(change: Pick<Change, "labels">): string[] {
  const text = change.labels[CHANGED_FILES_LABEL] ?? "";
  return text
    .split(/[\s,]+/)
    .map((f) =>
      f
        .trim()
        .replace(/\\/g, "/")
        .replace(/^\.?\//, ""),
    )
    .filter(Boolean);
}

/**
 * Whether a frame's file is a changed file: one path ends with the other, on a path-segment boundary (a
 * trace names `/app/src/payments/charge.ts`, the repository `src/payments/charge.ts`; a Java trace names
 * `com/acme/Charge.java`, the repository `src/main/java/com/acme/Charge.java`).
 */
export function sameFile(frame: Pick<CodeFrame, "path">, changed: string): boolean {
  const a = `/${frame.path.replace(/\\/g, "/").replace(/^\/+/, "")}`;
  const b = `/${changed.replace(/^\/+/, "")}`;
  return a.endsWith(b) || b.endsWith(a);
}

function where(frame: CodeFrame): string {
  return `${frame.file}${frame.line !== null ? `:${frame.line}` : ""}${frame.fn ? ` (${frame.fn})` : ""}`;
}

function deployName(change: Change): string {
  return `deploy ${change.version ?? change.sourceId} of ${change.service} at ${new Date(change.at).toISOString()}`;
}

export interface ErrorText {
  /** The evidence item that shows the error (a logs item). */
  evidence: string;
  /** The error's full text: message, stack trace. */
  text: string;
  /** The last deploy of the error's service before the error was first seen, within the caller's lookback. */
  deploy: Change;
}

/**
 * Code-change recommendations: for each error whose stack trace names application code and the deploy of its
 * service that preceded it. When the
 * deploy lists its changed files, only frames in those files are named, with the commit range to read; when it
 * does not, the innermost frame and the deploy are named, and the text says the changed files are unknown.
 */
export function codeChangeActions(errors: readonly ErrorText[]): RecommendedAction[] {
  const out: RecommendedAction[] = [];
  const said = new Set<string>();
  for (const error of errors) {
    const { deploy } = error;
    const frames = stackFrames(error.text).slice(0, FRAMES_PER_ERROR);
    if (frames.length === 0) continue;
    const files = changedFiles(deploy);
    const range = deploy.labels[COMMIT_RANGE_LABEL];
    const inDeploy = range ? `commits ${range} (${deployName(deploy)})` : deployName(deploy);
    let text: string | null = null;
    if (files.length > 0) {
      const changed = frames.filter((f) => files.some((file) => sameFile(f, file)));
      if (changed.length === 0) continue; // the deploy did not touch the code the error names
      text = `Look at ${changed.map(where).join(", ")}: changed in ${inDeploy}`;
    } else {
      const [top] = frames;
      if (top) text = `Look at ${where(top)}, where the error is raised, in ${inDeploy} (its changed files are unknown)`;
    }
    if (!text || said.has(text)) continue;
    said.add(text);
    out.push({ kind: "code-change", text, link: deploy.url, evidence: [error.evidence] });
  }
  return out;
}
