import type { Block, Inline } from "./rich-text.ts";

// Characters that open wiki markup (bold, italics, tables, macros, links, images, lists); a backslash
// makes Jira render them literally.
const SPECIAL = /[\\*_+^~{}[\]|!#]/g;
// A hyphen is markup only at a word's edge (-strike-, "--", "----"); INC-42 and dates stay readable.
const EDGE_HYPHEN = /(^|\s)-|-(?=\s|$|-)/g;

/** Escapes text so Jira Server renders it verbatim instead of as wiki markup. */
export function escapeWiki(text: string): string {
  return text
    .replace(SPECIAL, (char) => `\\${char}`)
    .replace(EDGE_HYPHEN, (match) => match.replace("-", "\\-"))
    .replace(/\?\?/g, "\\?\\?");
}

/** Renders the neutral blocks as Jira wiki markup (Server / Data Center REST v2). */
export function toWikiMarkup(blocks: readonly Block[]): string {
  return blocks
    .map((block) => {
      if (block.kind === "heading") return `h${block.level}. ${wikiInlines(block.content)}`;
      if (block.kind === "paragraph") return wikiInlines(block.content);
      return block.items.map((item) => `${block.ordered ? "#" : "*"} ${wikiInlines(item)}`).join("\n");
    })
    .filter((text) => text.length > 0)
    .join("\n\n");
}

function wikiInlines(inlines: readonly Inline[]): string {
  return inlines
    .map((inline) => {
      if (inline.kind === "break") return "\n";
      if (inline.kind === "link") {
        return inline.text === inline.href
          ? `[${linkTarget(inline.href)}]`
          : `[${escapeWiki(inline.text)}|${linkTarget(inline.href)}]`;
      }
      return inline.strong ? `*${escapeWiki(inline.text)}*` : escapeWiki(inline.text);
    })
    .join("");
}

// `|` and `]` would end the link early; percent-encoding keeps the URL equivalent.
function linkTarget(href: string): string {
  return href.replace(/\|/g, "%7C").replace(/]/g, "%5D").replace(/\[/g, "%5B");
}
