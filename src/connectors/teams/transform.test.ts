import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DELIVERY_ACTIONS } from "../../core/delivery.ts";
import { sampleIncident, sampleRequest } from "../../testing/connector-contract-suite.ts";
import { specsDir } from "../../testing/specs.ts";
import { CARD_SCHEMA, MESSAGE_SCHEMA, messageValidator } from "../../testing/teams-card-validation.ts";
import { compileTemplates, renderTicketText } from "../ticket-text.ts";
import { DEFAULT_TEAMS_BODY } from "./teams-connector.ts";
import { inert, teamsMessage } from "./transform.ts";

const URL_ = "https://sluice.example.com/incidents/01JHQZ8X6N7V4W3Y2T1S0R9Q8P";
const TEXT = { title: "[P1] INC-42: checkout: payment provider timeouts above threshold", body: sampleIncident().summary };

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"));
}

function sample(name: string): unknown {
  return JSON.parse(readFileSync(join(specsDir(), "samples", name), "utf8"));
}

describe("teams transform", () => {
  it("create card matches fixtures/create-message.json", () => {
    assert.deepEqual(teamsMessage("create", sampleIncident(), TEXT, "", URL_), fixture("create-message.json"));
  });

  it("escalation card without a public URL matches fixtures/escalate-message.json", () => {
    const incident = sampleIncident({ state: "escalated", escalationLevel: 2 });
    assert.deepEqual(
      teamsMessage("escalate", incident, TEXT, "Unacknowledged for 15m; paging the payments secondary.", null),
      fixture("escalate-message.json"),
    );
  });

  it("every action has its own headline and later actions carry the change", () => {
    const headlines = DELIVERY_ACTIONS.map((action) => {
      const card = teamsMessage(action, sampleIncident(), TEXT, "why", URL_).attachments[0].content;
      const last = card.body.at(-1);
      assert.equal(last?.type === "Container", action !== "create", action);
      return card.body[0]?.type === "TextBlock" ? card.body[0].text : "";
    });
    assert.equal(new Set(headlines).size, DELIVERY_ACTIONS.length);
  });

  it("keeps links in incident text from looking like ours", () => {
    const incident = sampleIncident({ title: "see [docs](https://evil.example)" });
    const card = teamsMessage("create", incident, { title: incident.title, body: "[x](https://evil.example)" }, "", null);
    assert.ok(!JSON.stringify(card).includes("]("));
    assert.equal(inert("a](b"), "a]\u200b(b");
  });

  it("stays far below the ~28 KB Teams message limit", () => {
    const incident = sampleIncident({ title: "t".repeat(5000), summary: "s".repeat(100_000) });
    const text = { title: incident.title, body: incident.summary };
    const message = teamsMessage("comment", incident, text, "d".repeat(100_000), URL_);
    assert.ok(JSON.stringify(message).length < 20_000, String(JSON.stringify(message).length));
  });
});

describe("teams cards against the Adaptive Card 1.5 and Workflows message schemas", {
  skip: CARD_SCHEMA.skip || MESSAGE_SCHEMA.skip,
}, () => {
  it("the validator accepts the valid sample and rejects the invalid one", () => {
    const validate = messageValidator();
    assert.deepEqual(validate(sample("teams-valid.json")), []);
    const problems = validate(sample("teams-invalid.json"));
    assert.ok(
      problems.some((p) => p.includes("'text'")),
      problems.join("\n"),
    );
    assert.ok(
      problems.some((p) => p.includes("'url'")),
      problems.join("\n"),
    );
    assert.ok(validate({ type: "message", attachments: [] }).length > 0);
  });

  it("every action's card, with and without URL, detail and summary, is valid", () => {
    const validate = messageValidator();
    const compiled = compileTemplates({ body: DEFAULT_TEAMS_BODY });
    for (const action of DELIVERY_ACTIONS) {
      for (const variant of [
        { url: URL_, summary: "x", detail: "note" },
        { url: null, summary: "", detail: "" },
      ]) {
        const request = { ...sampleRequest(action), incidentUrl: variant.url, detail: variant.detail };
        request.incident = { ...request.incident, summary: variant.summary };
        const message = teamsMessage(
          action,
          request.incident,
          renderTicketText(compiled, request),
          request.detail,
          request.incidentUrl,
        );
        assert.deepEqual(validate(JSON.parse(JSON.stringify(message))), [], `${action} ${JSON.stringify(variant)}`);
      }
    }
  });
});
