import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Connector, DeliveryRequest, DeliveryResult, TicketRef } from "../connectors/connector.ts";
import type { DeliveryAction } from "../core/delivery.ts";
import type { Incident, IncidentState } from "../core/incident.ts";
import type { Ticket } from "../core/ticket.ts";
import { hugeInvestigation, sampleInvestigation } from "./investigation-fixture.ts";

/** A failure the fake platform produces for the connector's next request. */
export type PlatformFailure =
  | { kind: "rate-limited"; retryAfterSeconds: number }
  | { kind: "server-error" }
  | { kind: "unauthorized" }
  | { kind: "timeout" };

/** A connector wired to a fake or mocked platform, plus a view of what that platform saw. */
export interface ContractPlatform {
  connector: Connector;
  /** Makes the platform answer the connector's next request with this failure. */
  failNext(failure: PlatformFailure): void;
  /** How many requests (or deliveries) the platform has received so far. */
  received(): number;
  /** What the platform found wrong with what it received (spec violations, bad signatures). */
  violations(): readonly string[];
  close(): Promise<void>;
}

/** One connector under the shared contract. */
export interface ContractSubject {
  name: string;
  /** Configured secret values (tokens, webhook URLs, signing keys) that must never appear in output. */
  secrets: readonly string[];
  /** Builds a connector against a fresh platform; called once per check. */
  connect(): Promise<ContractPlatform>;
  /** Starts and stops what all checks share (e.g. a Prism process). */
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
}

/**
 * The request timeout subjects should build their connectors with: short, so the timeout check stays fast,
 * yet long enough that a spec-validating mock's first answer on a busy two-core machine is not taken for one
 * (300 ms failed there whenever another suite, e.g. the browser's, ran beside it).
 */
export const CONTRACT_TIMEOUT_MS = 2000;

const LATER_ACTIONS: readonly DeliveryAction[] = ["update", "acknowledge", "resolve", "escalate", "reopen", "comment"];

const STATE_AFTER: Partial<Record<DeliveryAction, IncidentState>> = {
  acknowledge: "acknowledged",
  resolve: "resolved",
  escalate: "escalated",
  reopen: "open",
};

/** A complete incident for connector tests; override what a test cares about. */
export function sampleIncident(overrides: Partial<Incident> = {}): Incident {
  const firstSeenAt = Date.UTC(2025, 0, 15, 9, 30, 0);
  return {
    id: "01JHQZ8X6N7V4W3Y2T1S0R9Q8P",
    number: 42,
    key: "INC-42",
    fingerprint: "f3a9c2d1",
    kind: "anomaly",
    title: "checkout: payment provider timeouts above threshold",
    tenant: "acme",
    service: "checkout",
    environment: "production",
    errorPattern: "upstream timeout after <*> ms calling <*>",
    patternId: "p4e1f0c2a9b7d3e58",
    severity: "critical",
    priority: "P1",
    state: "open",
    firstSeenAt,
    lastSeenAt: firstSeenAt + 12 * 60_000,
    signalCount: 17,
    escalationLevel: 0,
    platforms: ["slack", "webhook"],
    matchedRule: "critical-checkout",
    summary: "17 anomaly events in 12 minutes: calls to the payment provider time out after 5000 ms.",
    summarySource: "template",
    context: {},
    createdAt: firstSeenAt,
    updatedAt: firstSeenAt + 12 * 60_000,
    acknowledgedAt: null,
    resolvedAt: null,
    version: 1,
    ...overrides,
  };
}

/** A delivery request for an action; later actions carry the ticket the create returned. */
export function sampleRequest(
  action: DeliveryAction,
  ticket: Ticket | null = null,
  incident = sampleIncident(),
): DeliveryRequest {
  const state = STATE_AFTER[action];
  return {
    action,
    incident: state ? { ...incident, state, escalationLevel: action === "escalate" ? 1 : incident.escalationLevel } : incident,
    ticket,
    idempotencyKey: `${incident.id}:${ticket?.platform ?? "contract"}`,
    detail: action === "create" ? "" : `contract check: ${action}`,
    incidentUrl: `https://sluice.example.com/incidents/${incident.id}`,
  };
}

/** The stored ticket the delivery stage would keep for a create's TicketRef. */
export function ticketFrom(ref: TicketRef, platform: string, incident = sampleIncident()): Ticket {
  return {
    incidentId: incident.id,
    platform,
    externalId: ref.externalId,
    url: ref.url,
    syncedState: incident.state,
    meta: ref.meta ?? {},
    createdAt: incident.createdAt,
    updatedAt: incident.updatedAt,
  };
}

/** Runs the checks every connector must pass (DESIGN §10.5) as a node:test suite. */
export function runConnectorContract(subject: ContractSubject): void {
  describe(`${subject.name} connector contract`, () => {
    const seen: string[] = [];
    let platform: ContractPlatform | null = null;

    before(async () => {
      await subject.setup?.();
    });
    after(async () => {
      await platform?.close();
      await subject.teardown?.();
    });

    // Each check gets a fresh platform; the previous one is closed first.
    async function fresh(): Promise<ContractPlatform> {
      await platform?.close();
      platform = await subject.connect();
      return platform;
    }

    async function deliver(p: ContractPlatform, request: DeliveryRequest): Promise<DeliveryResult> {
      const result = await p.connector.deliver(request);
      seen.push(JSON.stringify(result));
      assertNoSecrets(subject, JSON.stringify(result));
      return result;
    }

    async function create(p: ContractPlatform): Promise<Ticket> {
      const result = await deliver(p, sampleRequest("create"));
      assert.equal(result.kind, "delivered", `create failed: ${JSON.stringify(result)}`);
      assert.ok(result.kind === "delivered" && result.ticket, "create must return a ticket reference");
      return ticketFrom(result.ticket, p.connector.platform);
    }

    it("create returns a ticket reference", async () => {
      const p = await fresh();
      const before = p.received();
      const result = await deliver(p, sampleRequest("create"));
      assert.equal(result.kind, "delivered", JSON.stringify(result));
      assert.ok(result.kind === "delivered");
      assert.ok(result.ticket, "a create must return the ticket it opened");
      assert.equal(typeof result.ticket.externalId, "string");
      assert.ok(result.ticket.externalId.length > 0, "externalId must not be empty");
      assert.ok(result.ticket.url === null || typeof result.ticket.url === "string");
      assert.ok(p.received() > before, "the platform saw nothing");
      assert.deepEqual(p.violations(), []);
    });

    it("an incident named with Object property names is created like any other", async () => {
      const p = await fresh();
      const odd = sampleIncident({
        service: "constructor",
        title: "__proto__",
        tenant: "toString",
        environment: "hasOwnProperty",
        errorPattern: "valueOf <*>",
        matchedRule: "__proto__",
      });
      const result = await deliver(p, sampleRequest("create", null, odd));
      assert.equal(result.kind, "delivered", JSON.stringify(result));
      assert.deepEqual(p.violations(), []);
    });

    for (const action of LATER_ACTIONS) {
      it(`${action} after create is delivered`, async () => {
        const p = await fresh();
        const ticket = await create(p);
        const before = p.received();
        const result = await deliver(p, sampleRequest(action, ticket));
        assert.equal(result.kind, "delivered", JSON.stringify(result));
        assert.ok(p.received() > before, `the platform saw nothing for ${action}`);
        assert.deepEqual(p.violations(), []);
      });
    }

    // An investigation's report, rendered in the platform's own form; the huge one past every platform's limits.
    for (const [name, investigation] of [
      ["an investigation report", sampleInvestigation({}, 1)],
      ["an investigation report past the platform's limits", hugeInvestigation()],
    ] as const) {
      it(`${name} after create is delivered within the platform's API`, async () => {
        const p = await fresh();
        const ticket = await create(p);
        const before = p.received();
        const result = await deliver(p, { ...sampleRequest("comment", ticket), investigation });
        assert.equal(result.kind, "delivered", JSON.stringify(result));
        assert.ok(p.received() > before, "the platform saw nothing for the investigation");
        assert.deepEqual(p.violations(), []);
      });
    }

    it("a 429 with Retry-After is retryable after the advertised wait", async () => {
      const p = await fresh();
      p.failNext({ kind: "rate-limited", retryAfterSeconds: 7 });
      const result = await deliver(p, sampleRequest("create"));
      assert.equal(result.kind, "retryable", JSON.stringify(result));
      assert.ok(result.kind === "retryable");
      assert.equal(result.retryAfterMs, 7000);
      assert.deepEqual(p.violations(), []);
    });

    it("a 500 is retryable", async () => {
      const p = await fresh();
      p.failNext({ kind: "server-error" });
      const result = await deliver(p, sampleRequest("create"));
      assert.equal(result.kind, "retryable", JSON.stringify(result));
      assert.deepEqual(p.violations(), []);
    });

    it("a 500 on a later action is retryable", async () => {
      const p = await fresh();
      const ticket = await create(p);
      p.failNext({ kind: "server-error" });
      const result = await deliver(p, sampleRequest("resolve", ticket));
      assert.equal(result.kind, "retryable", JSON.stringify(result));
    });

    it("a 401 is a permanent credentials failure", async () => {
      const p = await fresh();
      p.failNext({ kind: "unauthorized" });
      const result = await deliver(p, sampleRequest("create"));
      assert.equal(result.kind, "permanent", JSON.stringify(result));
      assert.ok(result.kind === "permanent");
      assert.equal(result.category, "credentials");
      assert.deepEqual(p.violations(), []);
    });

    it("a timeout is retryable", async () => {
      const p = await fresh();
      p.failNext({ kind: "timeout" });
      const started = Date.now();
      const result = await deliver(p, sampleRequest("create"));
      assert.equal(result.kind, "retryable", JSON.stringify(result));
      assert.ok(Date.now() - started < 10_000, "the connector must give up at its timeout");
    });

    it("testConnection answers without creating anything", async () => {
      const p = await fresh();
      const check = await p.connector.testConnection();
      seen.push(JSON.stringify(check));
      assert.equal(typeof check.ok, "boolean");
      assert.equal(typeof check.detail, "string");
      assert.ok(check.detail.length > 0);
      assertNoSecrets(subject, check.detail);
      assert.deepEqual(p.violations(), []);
    });

    it("no secret appears in any result", () => {
      assert.ok(seen.length > 0, "the checks above produced no results");
      for (const text of seen) assertNoSecrets(subject, text);
    });
  });
}

function assertNoSecrets(subject: ContractSubject, text: string): void {
  for (const secret of subject.secrets) {
    assert.ok(!text.includes(secret), `a configured secret leaked into connector output: ${text.replace(secret, "<SECRET>")}`);
  }
}
