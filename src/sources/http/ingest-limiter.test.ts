import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "../../core/clock.ts";
import { isSluiceError } from "../../core/errors.ts";
import { IngestLimiter, type ThrottleMetrics } from "./ingest-limiter.ts";

const signals = (count: number, tenant = "acme") => Array.from({ length: count }, () => ({ tenant }));

function limiter(config: Record<string, unknown>) {
  const clock = new ManualClock(0);
  const counted: { labels: Parameters<ThrottleMetrics["throttled"]>[0]; count: number }[] = [];
  const metrics: ThrottleMetrics = { throttled: (labels, count) => counted.push({ labels, count }) };
  const full = { tokens: {}, tenants: {}, ...config } as ConstructorParameters<typeof IngestLimiter>[0];
  return { limit: new IngestLimiter(full, clock, metrics), clock, counted };
}

function refusal(run: () => unknown): { code: string; retryAfterSeconds: number | undefined; message: string } {
  try {
    run();
  } catch (error) {
    assert.ok(isSluiceError(error));
    return error;
  }
  assert.fail("expected a refusal");
}

describe("ingest limiter", () => {
  it("limits nothing when no limit is configured", () => {
    const { limit } = limiter({});
    assert.equal(limit.enabled, false);
    for (let i = 0; i < 100; i++) limit.admit("api", "t", signals(10_000));
  });

  it("admits a burst, refuses the excess with the seconds until the bucket holds it, and refills at its rate", () => {
    const { limit, clock, counted } = limiter({ perToken: { rate: 10, burst: 20 } });
    limit.admit("api", "scorer", signals(15));
    limit.admit("api", "scorer", signals(5));
    const refused = refusal(() => limit.admit("api", "scorer", signals(15)));
    assert.equal(refused.code, "RATE_LIMITED");
    assert.equal(refused.retryAfterSeconds, 2, "15 signals at 10/s from empty");
    assert.match(refused.message, /token scorer is over its ingest limit \(10 signals\/s, burst 20\)/);
    assert.deepEqual(counted, [{ labels: { source: "api", token: "scorer", tenant: "acme", limit: "token" }, count: 15 }]);
    clock.advance(1000);
    assert.equal(refusal(() => limit.admit("api", "scorer", signals(15))).retryAfterSeconds, 1);
    clock.advance(500);
    limit.admit("api", "scorer", signals(15));
  });

  it("keeps each token's bucket and each tenant's bucket to itself", () => {
    const { limit } = limiter({ perToken: { rate: 1, burst: 5 }, perTenant: { rate: 1, burst: 8 } });
    limit.admit("api", "flood", signals(5, "a"));
    refusal(() => limit.admit("api", "flood", signals(1, "b")));
    limit.admit("api", "quiet", signals(3, "a"));
    const tenant = refusal(() => limit.admit("api", "other", signals(1, "a")));
    assert.match(tenant.message, /tenant a is over/);
    limit.admit("api", "other", signals(5, "b"));
  });

  it("gives tenants and tokens named like Object's properties the default limit, not an inherited one", () => {
    const { limit } = limiter({ perTenant: { rate: 1, burst: 2 }, tenants: { small: { rate: 1, burst: 1 } } });
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      limit.admit("api", name, signals(2, name));
      assert.match(
        refusal(() => limit.admit("api", name, signals(1, name))).message,
        new RegExp(`tenant ${name} is over .*burst 2`),
      );
    }
    const unlimited = limiter({ tenants: { small: { rate: 1, burst: 1 } } }).limit;
    for (let i = 0; i < 5; i++) unlimited.admit("api", "constructor", signals(100, "constructor"));
  });

  it("takes nothing from any bucket when one of them refuses, and gives back what a failed submit took", () => {
    const { limit, counted } = limiter({ perToken: { rate: 1, burst: 10 }, tenants: { small: { rate: 1, burst: 2 } } });
    // Two tenants in one request; the small one refuses, so the token's bucket keeps its 10.
    const refused = refusal(() => limit.admit("grafana", "am", [...signals(2, "big"), ...signals(3, "small")]));
    assert.equal(refused.code, "PAYLOAD_TOO_LARGE", "3 > burst 2 could never pass");
    limit.admit("grafana", "am", signals(2, "small"));
    refusal(() => limit.admit("grafana", "am", signals(1, "small")));
    assert.deepEqual(counted.at(-1), { labels: { source: "grafana", token: "am", tenant: "small", limit: "tenant" }, count: 1 });
    const admission = limit.admit("grafana", "am", signals(8, "big"));
    refusal(() => limit.admit("grafana", "am", signals(1, "big")));
    admission.refund();
    limit.admit("grafana", "am", signals(8, "big"));
  });

  it("uses a named token's or tenant's own limit instead of the default", () => {
    const { limit } = limiter({ perToken: { rate: 1, burst: 1 }, tokens: { bulk: { rate: 100, burst: 500 } } });
    limit.admit("api", "bulk", signals(500));
    refusal(() => limit.admit("api", "small", signals(2)));
  });

  it("labels at most 100 tenants by name, the rest as other", () => {
    const { limit, counted } = limiter({ perToken: { rate: 1, burst: 1 } });
    limit.admit("api", "t", signals(1));
    for (let i = 0; i < 120; i++) refusal(() => limit.admit("api", "t", signals(1, `tenant-${i}`)));
    const labels = new Set(counted.map((c) => c.labels.tenant));
    assert.equal(labels.size, 101);
    assert.ok(labels.has("other") && labels.has("tenant-99") && !labels.has("tenant-100"));
  });
});
