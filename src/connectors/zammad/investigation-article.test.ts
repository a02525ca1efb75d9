import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hugeInvestigation, sampleInvestigation } from "../../testing/investigation-fixture.ts";
import { investigationArticle } from "./investigation-article.ts";

describe("Zammad investigation article", () => {
  it("is an internal HTML note with headings, lists and links", () => {
    const article = investigationArticle(sampleInvestigation({ version: 2 }, 1), "https://sluice.example.com/incidents/1");
    assert.equal(article.internal, true);
    assert.equal(article.type, "note");
    assert.equal(article.content_type, "text/html");
    assert.equal(article.subject, "Investigation v2: INC-42");
    assert.match(
      article.body,
      /^<h2>Sluice investigation of INC-42 \(version 2, opened\)<\/h2>\n<p><strong>Supersedes version 1/,
    );
    assert.match(article.body, /<h3>Steps executed<\/h3>\n<ol><li>changes: /);
    assert.match(article.body, /<a href="https:\/\/github\.com\/acme\/payments\/compare\/a1b2c3d\.\.\.e4f5a6b">open<\/a>/);
    assert.match(article.body, /<h3>Root cause<\/h3>\n<p>payments/);
  });

  it("escapes report text, which quotes logs and titles", () => {
    const delivery = sampleInvestigation({
      rootCause: '<script>alert("x")</script>',
      evidence: [
        { id: "logs-1", source: "logs", query: "q", summary: "<img src=x onerror=alert(1)>", link: 'https://x.example/"><b>' },
      ],
    });
    const { body } = investigationArticle(delivery, null);
    assert.doesNotMatch(body, /<script>|<img|"><b>/);
    assert.match(body, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/);
  });

  it("cuts a huge report, saying so", () => {
    const { body } = investigationArticle(hugeInvestigation(), null);
    assert.ok(body.length <= 60_000, String(body.length));
    assert.match(body, /not shown \(platform limit\)/);
  });
});
