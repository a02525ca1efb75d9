import { type LlmConfig, llmSchema } from "../../../config/llm-schema.ts";
import type { Incident } from "../../../core/incident.ts";
import type { Signal } from "../../../core/signal.ts";

/** An incident as correlate would open it; tests override what they care about. */
export function sampleIncident(overrides: Partial<Incident> = {}): Incident {
  const at = Date.UTC(2026, 10, 24, 0, 0, 0);
  return {
    id: "01JINCIDENT0000000000000000",
    number: 42,
    key: "INC-42",
    fingerprint: "fp-checkout-db",
    kind: "anomaly",
    title: "checkout: connection refused to db-primary",
    tenant: "acme",
    service: "checkout",
    environment: "production",
    errorPattern: "connection refused to <host>:<num>",
    patternId: "p0c4d2a7e9f1b3c58",
    severity: "high",
    priority: "P2",
    state: "open",
    firstSeenAt: at,
    lastSeenAt: at + 60_000,
    signalCount: 2,
    escalationLevel: 0,
    platforms: ["jira"],
    matchedRule: "severity:high",
    summary: "template summary",
    summarySource: "template",
    context: {},
    createdAt: at,
    updatedAt: at,
    acknowledgedAt: null,
    resolvedAt: null,
    version: 1,
    ...overrides,
  };
}

export function sampleSignal(overrides: Partial<Signal> = {}): Signal {
  const at = Date.UTC(2026, 10, 24, 0, 0, 30);
  return {
    id: "01JSIGNAL00000000000000000",
    source: "anomaly-events",
    sourceId: "evt-1",
    receivedAt: at,
    occurredAt: at,
    status: "firing",
    kind: "anomaly",
    tenant: "acme",
    service: "checkout",
    environment: "production",
    severity: "high",
    score: 0.97,
    title: "connection refused",
    message: "connection refused to db-primary:5432 after 3 retries",
    errorPattern: "connection refused to <host>:<num>",
    alertKey: null,
    traceId: null,
    spanIds: [],
    labels: { pod: "checkout-7d9f" },
    annotations: {},
    links: ["https://grafana.example.com/d/checkout"],
    affectedUsers: [],
    affectedServices: [],
    raw: null,
    ...overrides,
  };
}

/** A validated `llm` block, as the config loader would hand it over. */
export function llmConfig(input: Record<string, unknown>): LlmConfig {
  return llmSchema.parse(input);
}
