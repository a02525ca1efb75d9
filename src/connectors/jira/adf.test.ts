import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DELIVERY_ACTIONS } from "../../core/delivery.ts";
import { sampleIncident, sampleRequest } from "../../testing/connector-contract-suite.ts";
import { ADF_SCHEMA, adfProblems, adfSchemaText } from "../../testing/jira-adf-validator.ts";
import { specsDir } from "../../testing/specs.ts";
import { compileTemplates } from "../ticket-text.ts";
import { toAdf } from "./adf.ts";
import { compileCustomFields } from "./custom-fields.ts";
import { cloudSettings } from "./fixtures/settings.ts";
import { textToBlocks } from "./rich-text.ts";
import { commentPayload, createIssuePayload } from "./transform.ts";
import { escapeWiki, toWikiMarkup } from "./wiki-markup.ts";

function sample(name: string): unknown {
  return JSON.parse(readFileSync(join(specsDir(), "samples", name), "utf8"));
}

describe("ADF against Atlassian's ADF schema", { skip: ADF_SCHEMA.skip }, () => {
  it("the validator accepts the valid sample and refuses the invalid one (it can fail)", () => {
    assert.deepEqual(adfProblems(sample("adf-valid.json")), []);
    assert.ok(adfProblems(sample("adf-invalid.json")).length > 0);
  });

  it("the draft-04 schema uses no keyword whose meaning changed after draft-04", () => {
    const text = adfSchemaText();
    assert.match(text, /draft-04/);
    assert.doesNotMatch(text, /"exclusive(Minimum|Maximum)"\s*:\s*(true|false)/);
    assert.doesNotMatch(text, /"id"\s*:\s*"[#h]/);
  });

  it("refuses what Jira would: a plain string, an empty text node, a list without items", () => {
    assert.ok(adfProblems("a description that is a plain string").length > 0);
    assert.ok(
      adfProblems({ type: "doc", version: 1, content: [{ type: "paragraph", content: [{ type: "text", text: "" }] }] }).length >
        0,
    );
    assert.ok(adfProblems({ type: "doc", version: 1, content: [{ type: "bulletList", content: [] }] }).length > 0);
  });

  it("every description and comment Sluice builds is valid ADF, also from hostile text", () => {
    const incidents = [
      sampleIncident(),
      sampleIncident({
        title: "",
        summary: "# \n\n-  \n* x\n\n\n<script>alert(1)</script> javascript:alert(1) https://a.example/b?c=d).",
        errorPattern: "",
      }),
    ];
    const compiled = { text: compileTemplates(cloudSettings.templates), customFields: compileCustomFields({}) };
    const plain = { text: compileTemplates(), customFields: compileCustomFields({}) };
    for (const incident of incidents) {
      for (const templates of [compiled, plain]) {
        const request = sampleRequest("create", null, incident);
        const { fields } = createIssuePayload(cloudSettings, templates, request, "sluice-x");
        assert.deepEqual(adfProblems(fields.description), [], JSON.stringify(fields.description));
      }
      for (const action of DELIVERY_ACTIONS) {
        for (const detail of ["", "   ", "line one\nline two\n\n## Heading\n- a\n- b https://x.example", "\n\n"]) {
          const payload = commentPayload(cloudSettings, { ...sampleRequest(action, null, incident), detail }, ["note"]);
          assert.deepEqual(adfProblems(payload.body), [], JSON.stringify(payload.body));
        }
      }
    }
    assert.deepEqual(adfProblems(toAdf([])), []);
    assert.deepEqual(adfProblems(toAdf([{ kind: "bullets", items: [] }])), []);
  });
});

describe("rich text", () => {
  it("reads headings, bullet lists, paragraphs with line breaks and links", () => {
    assert.deepEqual(textToBlocks("## Impact\nline 1\nline 2\n\n- a\n* see https://x.example/y.\n\nend"), [
      { kind: "heading", level: 2, content: [{ kind: "text", text: "Impact" }] },
      {
        kind: "paragraph",
        content: [{ kind: "text", text: "line 1" }, { kind: "break" }, { kind: "text", text: "line 2" }],
      },
      {
        kind: "bullets",
        items: [
          [{ kind: "text", text: "a" }],
          [
            { kind: "text", text: "see " },
            { kind: "link", text: "https://x.example/y", href: "https://x.example/y" },
            { kind: "text", text: "." },
          ],
        ],
      },
      { kind: "paragraph", content: [{ kind: "text", text: "end" }] },
    ]);
  });

  it("links only http and https URLs", () => {
    const blocks = textToBlocks("javascript:alert(1) ftp://x.example");
    assert.deepEqual(blocks, [{ kind: "paragraph", content: [{ kind: "text", text: "javascript:alert(1) ftp://x.example" }] }]);
  });
});

describe("wiki markup", () => {
  it("escapes what would turn into markup, and keeps ordinary hyphens readable", () => {
    assert.equal(
      escapeWiki("*bold* _it_ {code} [link|x] !img.png! #1 ??cite??"),
      "\\*bold\\* \\_it\\_ \\{code\\} \\[link\\|x\\] \\!img.png\\! \\#1 \\?\\?cite\\?\\?",
    );
    assert.equal(escapeWiki("INC-42 on 2025-01-15 -gone- ----"), "INC-42 on 2025-01-15 \\-gone\\- \\-\\-\\-\\-");
  });

  it("renders headings, bullets, bold, line breaks and links", () => {
    const wiki = toWikiMarkup([
      { kind: "heading", level: 3, content: [{ kind: "text", text: "Impact" }] },
      { kind: "paragraph", content: [{ kind: "text", text: "a", strong: true }, { kind: "break" }, { kind: "text", text: "b" }] },
      {
        kind: "bullets",
        items: [
          [{ kind: "link", text: "runbook", href: "https://r.example/a|b]" }],
          [{ kind: "link", text: "https://x.example", href: "https://x.example" }],
        ],
      },
    ]);
    assert.equal(wiki, "h3. Impact\n\n*a*\nb\n\n* [runbook|https://r.example/a%7Cb%5D]\n* [https://x.example]");
  });
});
