/** A runbook as the investigation reads it (docs/investigation.md, "The runbook convention"). */
export interface Runbook {
  title: string | null;
  /** Steps (list items) of the diagnostic sections, in order: what the report quotes first. */
  steps: string[];
  /** Fenced blocks of the diagnostic sections, in order, with their language tag. */
  blocks: { lang: string; body: string }[];
  /** Steps of the remediation sections: recommended actions, never run. */
  remediation: string[];
}

/** A heading that starts a remediation section; every other section is diagnostic. */
const REMEDIATION = /remediat|mitigat|\bfix|recover|resolution|rollback|roll back/i;
const LIST_ITEM = /^\s{0,3}(?:[-*+]|\d{1,3}[.)])\s+(.*)$/;

/**
 * Reads the runbook convention out of Markdown: headings split sections, a heading that names remediation
 * (remediate, mitigate, fix, recover, resolution, roll back) starts a remediation section; list items are
 * steps; fenced blocks tagged `promql`, `logql` or `http` are diagnostic queries. Nothing here runs anything.
 */
export function parseRunbook(markdown: string): Runbook {
  const out: Runbook = { title: null, steps: [], blocks: [], remediation: [] };
  let remediation = false;
  let fence: { marker: string; lang: string; lines: string[] } | null = null;
  for (const line of markdown.replace(/\r\n?/g, "\n").split("\n")) {
    if (fence) {
      if (line.trim().startsWith(fence.marker)) {
        if (!remediation && fence.lang) out.blocks.push({ lang: fence.lang, body: fence.lines.join("\n").trim() });
        fence = null;
      } else fence.lines.push(line);
      continue;
    }
    const open = /^\s{0,3}(`{3,}|~{3,})\s*([\w-]*)/.exec(line);
    if (open) {
      fence = { marker: open[1] as string, lang: (open[2] ?? "").toLowerCase(), lines: [] };
      continue;
    }
    const heading = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const text = heading[2] ?? "";
      if (heading[1] === "#" && out.title === null) out.title = text;
      else remediation = REMEDIATION.test(text);
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item?.[1]) (remediation ? out.remediation : out.steps).push(item[1].trim());
  }
  return out;
}

/** An `http` block's request line: only GET and HEAD are ever sent. */
export function httpRequestLine(body: string): { method: string; url: string } | null {
  const first = body.split("\n").find((line) => line.trim().length > 0) ?? "";
  const match = /^\s*([A-Za-z]+)\s+(\S+)/.exec(first);
  if (!match) return null;
  return { method: (match[1] as string).toUpperCase(), url: match[2] as string };
}
