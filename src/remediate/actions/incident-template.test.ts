import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ActionIncident } from "./action.ts";
import { isConstant, renderTemplate, templateProblem } from "./incident-template.ts";

const incident: ActionIncident = {
  id: "inc-1",
  key: "k",
  service: "cart",
  environment: "prod",
  severity: "high",
  labels: { pod: "cart-1", "app.kubernetes.io/name": "cart", empty: "" },
};

describe("incident templates", () => {
  it("fill the matcher's fields and labels", () => {
    assert.equal(renderTemplate("{{service}}-{{ environment }}/{{labels.pod}}", incident), "cart-prod/cart-1");
    assert.equal(renderTemplate("{{labels.app.kubernetes.io/name}}", incident), "cart");
    assert.equal(renderTemplate("fixed", incident), "fixed");
    assert.equal(isConstant("fixed"), true);
    assert.equal(isConstant("{{service}}"), false);
  });

  it("fail on a missing or empty label instead of rendering an empty string", () => {
    assert.throws(() => renderTemplate("{{labels.node}}", incident), /the incident has no label "node"/);
    assert.throws(() => renderTemplate("{{labels.empty}}", incident), /no label "empty"/);
    assert.throws(() => renderTemplate("{{labels.constructor}}", incident), /no label "constructor"/);
  });

  it("accept only the matcher's fields: nothing free text or an LLM writes", () => {
    assert.equal(templateProblem("{{service}} {{labels.pod}} {{id}} {{key}} {{severity}} {{environment}}"), null);
    assert.match(
      templateProblem("{{title}}") ?? "",
      /names \{\{title\}\}; only id, key, service, environment, severity and labels.<name>/,
    );
    assert.match(templateProblem("{{summary}}") ?? "", /names \{\{summary\}\}/);
    assert.match(templateProblem("{{ service }") ?? "", /malformed/);
    assert.match(templateProblem("{{service | upcase}}") ?? "", /malformed/);
  });
});
