import assert from "node:assert/strict";
import { it } from "node:test";
import { sampleIncident as makeIncident } from "../testing/connector-contract-suite.ts";
import { compileTemplates, renderTicketText, templateProblem } from "./ticket-text.ts";

const sampleIncident = makeIncident();
const request = {
  incident: sampleIncident,
  detail: "",
  incidentUrl: "https://sluice.example.com/incidents/INC-42",
  action: "create" as const,
};

it("renders the default title and body from the incident", () => {
  const { title, body } = renderTicketText(compileTemplates(), request);
  assert.equal(title, `[${sampleIncident.priority}] ${sampleIncident.key}: ${sampleIncident.title}`);
  assert.match(body, new RegExp(`Service: ${sampleIncident.service}`));
  assert.match(body, /Sluice: https:\/\/sluice\.example\.com\/incidents\/INC-42/);
});

it("uses a user's override, without HTML escaping", () => {
  const compiled = compileTemplates({ title: "{{ incident.service | upcase }} <{{ incident.severity }}> & co" });
  assert.equal(
    renderTicketText(compiled, request).title,
    `${sampleIncident.service.toUpperCase()} <${sampleIncident.severity}> & co`,
  );
});

it("reports a broken template with the parser's reason", () => {
  assert.match(templateProblem("{{ incident.title ") ?? "", /not a valid Liquid template/);
  assert.equal(templateProblem("{{ incident.title }}"), undefined);
});
