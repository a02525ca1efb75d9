import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isSluiceError } from "../../core/errors.ts";
import { normalizeChanges } from "./normalize-change.ts";

const RECEIVED = Date.parse("2026-11-24T10:00:00Z");

function one(item: unknown) {
  const [result] = normalizeChanges([item], { receivedAt: RECEIVED }, true);
  assert.ok(result && "change" in result, `expected a change, got ${JSON.stringify(result)}`);
  return { format: result.format, ...result.change };
}

/** The field problems of a refused request, as "path: message". */
function problems(items: unknown[], single = items.length === 1): string[] {
  try {
    normalizeChanges(items, { receivedAt: RECEIVED }, single);
  } catch (error) {
    assert.ok(isSluiceError(error));
    assert.equal(error.code, "VALIDATION_FAILED");
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
  assert.fail("expected the items to be refused");
}

// PagerDuty's own example from its Events API v2 description (../shared/specs/pagerduty).
const pagerDutyBuild = {
  routing_key: "737ea619db564d41bd9824063e1f6b08",
  payload: {
    summary: "Build Success: Increase snapshot create timeout to 30 seconds",
    timestamp: "2015-07-17T08:42:58.315+0000",
    source: "prod-build-agent-i-0b148d1040d565540",
    custom_details: { build_state: "passed", build_number: "220", run_time: "1236s" },
  },
  links: [{ href: "https://buildpipeline.com/pagerduty/deployment/builds/220", text: "View in Build Pipeline" }],
  images: [{ src: "https://chart.example/x.png", href: "https://google.com", alt: "An example link with an image" }],
};

describe("Sluice change documents", () => {
  test("map every field, with at or its alias timestamp", () => {
    const change = one({
      id: "argo-42",
      source: "argo",
      service: "checkout",
      environment: "staging",
      tenant: "acme",
      kind: "config",
      summary: "raise pool size",
      at: "2026-11-24T09:58:00Z",
      version: "v1.2.3",
      author: "jane",
      url: "https://argo.example/app/checkout",
      labels: { region: "eu" },
    });
    assert.equal(change.format, "sluice");
    assert.equal(change.source, "argo");
    assert.equal(change.sourceId, "argo-42");
    assert.equal(change.service, "checkout");
    assert.equal(change.environment, "staging");
    assert.equal(change.tenant, "acme");
    assert.equal(change.kind, "config");
    assert.equal(change.summary, "raise pool size");
    assert.equal(change.at, Date.parse("2026-11-24T09:58:00Z"));
    assert.equal(change.version, "v1.2.3");
    assert.equal(change.author, "jane");
    assert.equal(change.url, "https://argo.example/app/checkout");
    assert.deepEqual(change.labels, { region: "eu" });
    assert.equal(change.receivedAt, RECEIVED);
    assert.equal(one({ service: "checkout", timestamp: 1_764_000_000 }).at, 1_764_000_000_000, "epoch seconds");
  });

  test("fill defaults: a deploy of production in the default tenant, now, with a summary naming the version", () => {
    const change = one({ service: "checkout", version: "v2" });
    assert.equal(change.kind, "deploy");
    assert.equal(change.environment, "production");
    assert.equal(change.tenant, "default");
    assert.equal(change.source, "sluice");
    assert.equal(change.at, RECEIVED);
    assert.equal(change.summary, "deploy v2 of checkout");
  });

  test("without an id every send is a new change; a Kafka record's position stands in for the id", () => {
    assert.notEqual(one({ service: "checkout" }).sourceId, one({ service: "checkout" }).sourceId);
    const [fromKafka] = normalizeChanges(
      [{ service: "checkout" }],
      { receivedAt: RECEIVED, fallbackId: () => "kafka:c:0:7" },
      true,
    );
    assert.ok(fromKafka && "change" in fromKafka);
    assert.equal(fromKafka.change.sourceId, "kafka:c:0:7");
  });

  test("bad fields are named, with the item's index in a batch", () => {
    assert.deepEqual(problems([{ summary: "no service" }]), ["service: Invalid input: expected string, received undefined"]);
    const found = problems([
      { service: "ok" },
      { service: "checkout", kind: "rollout", at: "yesterday", url: "ftp://x", colour: "red" },
    ]);
    assert.ok(
      found.some((p) => p.startsWith("[1].kind:")),
      found.join("\n"),
    );
    assert.ok(
      found.some((p) => p.startsWith("[1].url:")),
      found.join("\n"),
    );
    assert.ok(
      found.some((p) => p.startsWith("[1]: Unrecognized key")),
      found.join("\n"),
    );
    assert.deepEqual(problems([{ service: "checkout", at: "yesterday" }]), ["at: is not an ISO 8601 timestamp or epoch"]);
    assert.deepEqual(problems(["deploy"]), ["(body): expected a JSON object"]);
    assert.deepEqual(problems([{ service: "a" }, 7]), ["[1]: expected a JSON object"]);
  });
});

describe("PagerDuty change events", () => {
  test("PagerDuty's example maps: service from payload.source, version from build_number, first link, details as labels", () => {
    const change = one(pagerDutyBuild);
    assert.equal(change.format, "pagerduty");
    assert.equal(change.source, "pagerduty");
    assert.equal(change.service, "prod-build-agent-i-0b148d1040d565540");
    assert.equal(change.summary, "Build Success: Increase snapshot create timeout to 30 seconds");
    assert.equal(change.at, Date.parse("2015-07-17T08:42:58.315Z"));
    assert.equal(change.kind, "deploy");
    assert.equal(change.version, "220");
    assert.equal(change.url, "https://buildpipeline.com/pagerduty/deployment/builds/220");
    assert.deepEqual(change.labels, { build_state: "passed", run_time: "1236s" });
    assert.ok(!JSON.stringify(change).includes(pagerDutyBuild.routing_key), "the routing key is never kept");
  });

  test("custom_details.service, environment, kind, author and change_id win over the defaults", () => {
    const change = one({
      routing_key: "k",
      payload: {
        summary: "flag on",
        source: "jenkins-7",
        custom_details: {
          service: "checkout",
          environment: "staging",
          kind: "feature-flag",
          author: "jane",
          change_id: "LD-9",
        },
      },
    });
    assert.equal(change.service, "checkout");
    assert.equal(change.environment, "staging");
    assert.equal(change.kind, "feature-flag");
    assert.equal(change.author, "jane");
    assert.equal(change.sourceId, "LD-9");
    assert.equal(change.at, RECEIVED, "no timestamp: when received");
  });

  test("a re-sent event (same content and timestamp) has the same id; without a timestamp each send is new", () => {
    assert.equal(one(pagerDutyBuild).sourceId, one(structuredClone(pagerDutyBuild)).sourceId);
    const other = structuredClone(pagerDutyBuild);
    other.payload.summary = "Build Success: something else";
    assert.notEqual(one(pagerDutyBuild).sourceId, one(other).sourceId);
    const untimed = { routing_key: "k", payload: { summary: "Merge Pull Request", source: "git" } };
    assert.notEqual(one(untimed).sourceId, one(untimed).sourceId);
  });

  test("bad events name the field", () => {
    assert.deepEqual(problems([{ routing_key: "k", payload: { summary: "no service" } }]), [
      "payload.source: name the changed service in payload.source or payload.custom_details.service",
    ]);
    assert.ok(problems([{ routing_key: "k", payload: { source: "git" } }]).some((p) => p.startsWith("payload.summary:")));
    assert.ok(problems([{ payload: { summary: "s", source: "git" } }]).some((p) => p.startsWith("routing_key:")));
    assert.deepEqual(problems([{ routing_key: "k", payload: { summary: "s", source: "git", timestamp: "soon" } }]), [
      "payload.timestamp: is not an ISO 8601 timestamp",
    ]);
    assert.deepEqual(
      problems([{ routing_key: "k", payload: { summary: "s", source: "git", custom_details: { kind: "rollout" } } }]),
      ["payload.custom_details.kind: must be one of deploy, config, feature-flag, infrastructure, other"],
    );
  });
});

describe("GitHub deployment_status webhooks", () => {
  const webhook = (state: string) => ({
    action: "created",
    deployment_status: {
      id: 1001,
      state,
      environment: "production",
      description: "Deployed by Actions",
      target_url: "https://github.com/acme/checkout/actions/runs/5",
      created_at: "2026-11-24T09:55:00Z",
      creator: { login: "octocat" },
    },
    deployment: { id: 77, sha: "a1b2c3d4e5f6a7b8c9d0", ref: "v1.4.0", environment: "production", payload: {}, creator: null },
    repository: { name: "checkout", full_name: "acme/checkout", html_url: "https://github.com/acme/checkout" },
  });

  test("a successful status is a deploy of the repository's service", () => {
    const change = one(webhook("success"));
    assert.equal(change.format, "github");
    assert.equal(change.source, "github");
    assert.equal(change.sourceId, "deployment_status:1001");
    assert.equal(change.service, "checkout");
    assert.equal(change.kind, "deploy");
    assert.equal(change.version, "v1.4.0@a1b2c3d4e5f6");
    assert.equal(change.author, "octocat");
    assert.equal(change.at, Date.parse("2026-11-24T09:55:00Z"));
    assert.equal(change.url, "https://github.com/acme/checkout/actions/runs/5");
  });

  test("a workflow's payload with previous_sha and changed_files gives the commit range and files as labels", () => {
    const hook = webhook("success");
    hook.deployment.payload = {
      previous_sha: "0f1e2d3c4b5a69788796",
      changed_files: ["src/payments/charge.ts", "", 7, "README.md"],
    } as Record<string, unknown>;
    assert.deepEqual(one(hook).labels, {
      repository: "acme/checkout",
      commitRange: "0f1e2d3c4b5a..a1b2c3d4e5f6",
      changedFiles: "src/payments/charge.ts,README.md",
    });
    assert.deepEqual(one(webhook("success")).labels, { repository: "acme/checkout" });
  });

  test("other states are ignored, not stored; a broken one names the field", () => {
    const [pending] = normalizeChanges([webhook("pending")], { receivedAt: RECEIVED }, true);
    assert.ok(pending && "ignored" in pending);
    assert.match(pending.ignored, /pending/);
    const broken = webhook("success") as Record<string, unknown>;
    delete broken.repository;
    assert.ok(problems([broken]).some((p) => p.startsWith("repository:")));
  });
});
