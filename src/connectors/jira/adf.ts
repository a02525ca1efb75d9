import type { Block, Inline } from "./rich-text.ts";

/** An ADF mark this connector uses. */
export type AdfMark = { type: "strong" } | { type: "link"; attrs: { href: string } };

/** An ADF inline node this connector uses. */
export type AdfInline = { type: "text"; text: string; marks?: AdfMark[] } | { type: "hardBreak" };

/** An ADF block node this connector uses. */
export type AdfBlock =
  | { type: "paragraph"; content: AdfInline[] }
  | { type: "heading"; attrs: { level: number }; content: AdfInline[] }
  | { type: "bulletList" | "orderedList"; content: AdfListItem[] };

type AdfListItem = { type: "listItem"; content: { type: "paragraph"; content: AdfInline[] }[] };

/** An Atlassian Document Format document (version 1), as Jira Cloud REST v3 takes descriptions and comments. */
export interface AdfDocument {
  type: "doc";
  version: 1;
  content: AdfBlock[];
}

/** Renders the neutral blocks as ADF; empty text nodes are dropped because ADF forbids them. */
export function toAdf(blocks: readonly Block[]): AdfDocument {
  return { type: "doc", version: 1, content: blocks.flatMap(adfBlock) };
}

function adfBlock(block: Block): AdfBlock[] {
  switch (block.kind) {
    case "heading":
      return [{ type: "heading", attrs: { level: block.level }, content: adfInlines(block.content) }];
    case "paragraph":
      return [{ type: "paragraph", content: adfInlines(block.content) }];
    case "bullets": {
      // ADF requires at least one item per list and one block per item.
      const items = block.items.map((item) => ({
        type: "listItem" as const,
        content: [{ type: "paragraph" as const, content: adfInlines(item) }],
      }));
      return items.length > 0 ? [{ type: block.ordered ? "orderedList" : "bulletList", content: items }] : [];
    }
  }
}

function adfInlines(inlines: readonly Inline[]): AdfInline[] {
  return inlines.flatMap((inline): AdfInline[] => {
    if (inline.kind === "break") return [{ type: "hardBreak" }];
    if (inline.text.length === 0) return [];
    if (inline.kind === "link")
      return [{ type: "text", text: inline.text, marks: [{ type: "link", attrs: { href: inline.href } }] }];
    return inline.strong
      ? [{ type: "text", text: inline.text, marks: [{ type: "strong" }] }]
      : [{ type: "text", text: inline.text }];
  });
}
