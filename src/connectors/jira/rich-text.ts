/** Inline content of the neutral document both Jira flavours are rendered from. */
export type Inline =
  | { kind: "text"; text: string; strong?: boolean }
  | { kind: "link"; text: string; href: string }
  | { kind: "break" };

/** Block content: what ADF (Cloud) and wiki markup (Server) both express. */
export type Block =
  | { kind: "heading"; level: 1 | 2 | 3 | 4 | 5 | 6; content: Inline[] }
  | { kind: "paragraph"; content: Inline[] }
  | { kind: "bullets"; items: Inline[][]; ordered?: boolean };

// Only http(s) links become links: a template must not be able to smuggle javascript: URLs into Jira.
const URL_PATTERN = /https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]'}]/g;

/** Text with its http(s) URLs turned into links. */
export function inlineText(text: string, strong = false): Inline[] {
  const out: Inline[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const start = match.index ?? 0;
    if (start > last) out.push(textNode(text.slice(last, start), strong));
    out.push({ kind: "link", text: match[0], href: match[0] });
    last = start + match[0].length;
  }
  if (last < text.length) out.push(textNode(text.slice(last), strong));
  return out.filter((node) => node.kind !== "text" || node.text.length > 0);
}

function textNode(text: string, strong: boolean): Inline {
  return strong ? { kind: "text", text, strong } : { kind: "text", text };
}

/**
 * Reads rendered template text as blocks: blank lines separate paragraphs, `# ` to `###### ` start
 * headings and `- ` / `* ` lines form bullet lists, so users' templates can structure a ticket in a
 * way both Jira flavours render, without learning ADF or wiki markup.
 */
export function textToBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  let bullets: string[] = [];
  const flushParagraph = () => {
    if (paragraph.length > 0) blocks.push({ kind: "paragraph", content: linesInline(paragraph) });
    paragraph = [];
  };
  const flushBullets = () => {
    if (bullets.length > 0) blocks.push({ kind: "bullets", items: bullets.map((item) => inlineText(item)) });
    bullets = [];
  };
  for (const raw of text.replace(/\r\n?/g, "\n").split("\n")) {
    const line = raw.trimEnd();
    const heading = /^(#{1,6})\s+(.+)$/.exec(line);
    const bullet = /^\s*[-*]\s+(.+)$/.exec(line);
    if (line.trim() === "") {
      flushParagraph();
      flushBullets();
    } else if (heading?.[1] && heading[2]) {
      flushParagraph();
      flushBullets();
      blocks.push({ kind: "heading", level: heading[1].length as 1 | 2 | 3 | 4 | 5 | 6, content: inlineText(heading[2]) });
    } else if (bullet?.[1]) {
      flushParagraph();
      bullets.push(bullet[1]);
    } else {
      flushBullets();
      paragraph.push(line);
    }
  }
  flushParagraph();
  flushBullets();
  return blocks;
}

function linesInline(lines: string[]): Inline[] {
  return lines.flatMap((line, index) => (index === 0 ? inlineText(line) : [{ kind: "break" } as Inline, ...inlineText(line)]));
}
