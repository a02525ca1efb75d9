import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DETECTOR_KINDS } from "../detect/detection.ts";
import { detectConfigSchema, detectorConfigSchema } from "./detect-config.ts";

const prometheus = { url: "http://prometheus:9090" };

const problems = (input: unknown) => {
  const r = detectConfigSchema.safeParse(input);
  assert.equal(r.success, false, "expected a problem");
  return r.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];
};

describe("detect rules schema", () => {
  it("accepts one rule per detector kind and fills the defaults", () => {
    const parsed = detectConfigSchema.parse({
      prometheus,
      rules: [
        {
          name: "cpu",
          query: "avg by (service) (cpu)",
          detector: { kind: "threshold", above: 0.9, hysteresis: 0.05, for: "5m" },
          labels: { service: { label: "service" }, severity: "high" },
        },
        {
          name: "rps",
          query: "sum(rate(http_requests_total[5m]))",
          interval: "5m",
          detector: { kind: "seasonal", direction: "below" },
          labels: { service: "checkout", environment: "prod" },
        },
        {
          name: "disk",
          query: "node_filesystem_avail_bytes",
          detector: { kind: "trend", below: 1e9, horizon: "4h" },
          labels: { service: { label: "instance", default: "unknown" } },
        },
        { name: "queue", query: "queue_depth", detector: { kind: "flatline", for: "15m" }, labels: { service: "worker" } },
        { name: "heartbeat", query: "up{job='batch'}", detector: { kind: "absent", for: "10m" }, labels: { service: "batch" } },
        {
          name: "availability",
          detector: {
            kind: "slo-burn-rate",
            objective: 0.999,
            good: 'sum(http_requests_total{code!~"5.."})',
            total: "sum(http_requests_total)",
          },
          labels: { service: "api", severity: { label: "tier", map: { gold: "critical" }, default: "high" } },
        },
        { name: "latency", query: "p99_latency", detector: { kind: "contextual", episode: 30 }, labels: { service: "api" } },
      ],
    });
    assert.equal(parsed.rules.length, 7);
    assert.equal(parsed.rules[0]?.interval, 60_000);
    assert.equal(parsed.rules[1]?.interval, 300_000);
    assert.deepEqual(parsed.rules[0]?.detector, { kind: "threshold", above: 0.9, hysteresis: 0.05, for: 300_000 });
    assert.equal(parsed.prometheus?.timeout, 10_000);
    assert.deepEqual(detectConfigSchema.parse(undefined), { rules: [] });
  });

  it("names each problem with its path", () => {
    const rule = { name: "x", query: "q", labels: { service: "s" } };
    assert.deepEqual(problems({ prometheus, rules: [{ ...rule, detector: { kind: "threshold" } }] }), [
      "rules.0.detector: give `above`, `below` or both",
    ]);
    assert.deepEqual(
      problems({ prometheus, rules: [{ ...rule, detector: { kind: "trend", above: 1, below: 0, horizon: "1h" } }] }),
      ["rules.0.detector: give exactly one of `above` and `below`"],
    );
    assert.deepEqual(problems({ prometheus, rules: [{ ...rule, detector: { kind: "flatline", for: "soon" } }] }), [
      'rules.0.detector.for: "soon" is not a duration (use e.g. 30s, 15m, 2h)',
    ]);
    assert.deepEqual(problems({ prometheus, rules: [{ ...rule, interval: "100ms", detector: { kind: "absent", for: "1m" } }] }), [
      "rules.0.interval: must be at least 1s",
    ]);
    assert.ok(
      problems({ prometheus, rules: [{ ...rule, detector: { kind: "magic" } }] })[0]?.startsWith("rules.0.detector.kind"),
    );
    assert.ok(
      problems({ prometheus, rules: [{ ...rule, detector: { kind: "absent", for: "1m", extra: 1 } }] })[0]?.includes("extra"),
    );
  });

  it("wants `query` for series detectors and `good`/`total` instead of it for slo-burn-rate", () => {
    const labels = { service: "s" };
    assert.deepEqual(problems({ prometheus, rules: [{ name: "a", detector: { kind: "absent", for: "1m" }, labels }] }), [
      "rules.0.query: a absent rule needs a PromQL `query`",
    ]);
    const burn = { kind: "slo-burn-rate", objective: 0.99, good: "g", total: "t" };
    assert.deepEqual(problems({ prometheus, rules: [{ name: "b", query: "q", detector: burn, labels }] }), [
      "rules.0.query: slo-burn-rate takes `detector.good` and `detector.total`, not `query`",
    ]);
    assert.ok(
      problems({ prometheus, rules: [{ name: "b", detector: { ...burn, objective: 99.9 }, labels }] })[0]?.startsWith(
        "rules.0.detector.objective",
      ),
    );
    assert.deepEqual(
      problems({
        prometheus,
        rules: [{ name: "b", detector: { ...burn, windows: [{ long: "5m", short: "1h", factor: 2, alert: "page" }] }, labels }],
      }),
      ["rules.0.detector.windows.0.short: `short` must be shorter than `long`"],
    );
  });

  it("refuses duplicate names, rules without a Prometheus to ask, and a rule without a service", () => {
    const rule = { name: "a", query: "q", detector: { kind: "absent", for: "1m" }, labels: { service: "s" } };
    assert.deepEqual(problems({ prometheus, rules: [rule, rule] }), ['rules.1.name: duplicate rule name "a"']);
    assert.deepEqual(problems({ rules: [rule] }), ["prometheus: rules need `prometheus.url` to query"]);
    assert.ok(problems({ prometheus, rules: [{ ...rule, labels: {} }] })[0]?.startsWith("rules.0.labels.service"));
  });

  it("knows exactly the detector kinds `sluice detect` offers", () => {
    assert.deepEqual([...detectorConfigSchema.options.map((o) => o.shape.kind.value)].sort(), [...DETECTOR_KINDS].sort());
  });

  it("is the schema `sluice detect --params` checks against", () => {
    assert.deepEqual(detectorConfigSchema.parse({ kind: "absent", for: "2m" }), { kind: "absent", for: 120_000 });
  });
});
