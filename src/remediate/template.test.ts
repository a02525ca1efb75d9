import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ActionIncident } from "./actions/action.ts";
import { fill, fillJson, promqlString } from "./template.ts";

const incident: ActionIncident = {
  id: "01J",
  key: "INC-7",
  service: "cart api",
  environment: "prod",
  severity: "high",
  labels: { region: "eu-1", quote: 'a"b' },
};

describe("remediation templates", () => {
  it("fills the incident's matcher fields, escaped for where they go", () => {
    assert.equal(fill("http://x/{{service}}/{{ labels.region }}", incident, encodeURIComponent), "http://x/cart%20api/eu-1");
    assert.equal(fill('up{svc="{{labels.quote}}"}', incident, promqlString), 'up{svc="a\\"b"}');
    assert.equal(fill("{{key}} {{id}} {{severity}} {{environment}}", incident), "INC-7 01J high prod");
  });

  it("refuses placeholders that are not matcher fields, such as the title an LLM may have written", () => {
    assert.throws(() => fill("{{title}}", incident), /unknown placeholder \{\{title\}\}/);
    assert.throws(() => fill("{{labels.zone}}", incident), /no label zone/);
  });

  it("fills every string of a JSON body and leaves its structure alone", () => {
    assert.deepEqual(fillJson({ pool: "{{service}}", n: 3, tags: ["{{environment}}", true], "{{key}}": null }, incident), {
      pool: "cart api",
      n: 3,
      tags: ["prod", true],
      "{{key}}": null,
    });
  });
});
