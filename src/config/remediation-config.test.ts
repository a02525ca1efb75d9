import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { remediationConfigSchema } from "./remediation-config.ts";

const playbook = {
  name: "reset-pool",
  match: { service: "cart", pattern: "*pool exhausted*" },
  action: { kind: "http", url: "http://cart/admin/reset", auth: { bearer: "admin" } },
  verify: { query: "up == 1", for: "30s", within: "5m" },
  mode: { production: "auto" },
};
const valid = { prometheus: { url: "http://prometheus:9090" }, secrets: { admin: "t0ken" }, playbooks: [playbook] };

const problems = (input: unknown) => {
  const r = remediationConfigSchema.safeParse(input);
  assert.equal(r.success, false, "expected a problem");
  return r.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];
};

describe("remediation config", () => {
  it("accepts a playbook and fills the guardrails' defaults", () => {
    const parsed = remediationConfigSchema.parse(valid);
    const [p] = parsed.playbooks;
    assert.ok(p);
    assert.deepEqual(
      {
        cooldown: p.cooldown,
        maxRuns: p.maxRuns,
        maxRunsPerService: p.maxRunsPerService,
        maxTargets: p.maxTargets,
        window: p.window,
      },
      { cooldown: 600_000, maxRuns: 3, maxRunsPerService: 2, maxTargets: 3, window: 3_600_000 },
    );
    assert.deepEqual(p.verify, { query: "up == 1", for: 30_000, within: 300_000 });
    assert.equal(p.action.kind === "http" && p.action.method, "POST");
    assert.deepEqual(remediationConfigSchema.parse(undefined).playbooks, []);
  });

  it("names what is wrong", () => {
    assert.deepEqual(problems({ ...valid, playbooks: [playbook, playbook] }), [
      "playbooks.1.name: duplicate playbook name reset-pool",
    ]);
    assert.deepEqual(problems({ ...valid, prometheus: undefined }), [
      "playbooks.0: this playbook queries Prometheus: set remediation.prometheus.url",
    ]);
    assert.deepEqual(problems({ ...valid, secrets: {} }), [
      "playbooks.0.action.auth: no secret named admin in remediation.secrets",
    ]);
    assert.deepEqual(problems({ ...valid, playbooks: [{ ...playbook, mode: {} }] }), [
      "playbooks.0.mode: give a mode for at least one environment (or '*'); a playbook without one never runs",
    ]);
    assert.match(
      problems({ ...valid, playbooks: [{ ...playbook, action: { kind: "shell", cmd: "rm" } }] }).join(),
      /playbooks\.0\.action/,
    );
    assert.deepEqual(problems({ ...valid, playbooks: [{ ...playbook, action: { kind: "http", url: "ftp://x" } }] }), [
      "playbooks.0.action.url: must be an http:// or https:// URL",
    ]);
    assert.deepEqual(
      problems({ ...valid, playbooks: [{ ...playbook, preconditions: { timeOfDay: { from: "25:00", to: "06:00" } } }] }),
      ["playbooks.0.preconditions.timeOfDay.from: must be HH:MM (24-hour, UTC)"],
    );
  });

  it("takes every action kind, and names a missing secret, script directory or misplaced replicas: previous", () => {
    const k8s = {
      kind: "kubernetes",
      operation: "scale",
      cluster: "prod",
      connection: { server: "https://k8s.example.com", token: "k8s" },
      namespace: "shop",
      deployment: "{{service}}",
      replicas: { delta: 2, max: 8 },
    };
    const { replicas: _scaleOnly, ...restart } = k8s;
    const kinds = [
      { ...restart, operation: "rolloutRestart" },
      { kind: "argocd", operation: "sync", server: "https://argo.example.com", token: "argo", application: "{{service}}" },
      { kind: "githubActions", token: "gh", owner: "shop", repo: "deploy", workflow: "deploy.yml", ref: "main" },
      { kind: "script", script: "reset.sh", args: ["{{service}}"], secretEnv: { TOKEN: "admin" } },
    ];
    const secrets = { admin: "a", k8s: "k", argo: "r", gh: "g" };
    const all = remediationConfigSchema.parse({
      ...valid,
      secrets,
      scripts: { directory: "/etc/sluice/scripts" },
      playbooks: kinds.map((action, i) => ({
        ...playbook,
        name: `p${i}`,
        action,
        rollback: { ...k8s, replicas: "previous" },
      })),
    });
    assert.deepEqual(
      all.playbooks.map((p) => p.action.kind),
      ["kubernetes", "argocd", "githubActions", "script"],
    );
    assert.deepEqual(
      problems({
        ...valid,
        secrets: { admin: "a" },
        playbooks: kinds.map((action, i) => ({ ...playbook, name: `p${i}`, action })),
      }),
      [
        "playbooks.0.action.connection.token: no secret named k8s in remediation.secrets",
        "playbooks.1.action.token: no secret named argo in remediation.secrets",
        "playbooks.2.action.token: no secret named gh in remediation.secrets",
        "playbooks.3.action: a script action needs remediation.scripts.directory (the allow-listed directory it runs from)",
      ],
    );
    assert.deepEqual(
      problems({
        ...valid,
        secrets,
        scripts: { directory: "/s" },
        playbooks: [{ ...playbook, action: { ...kinds[3], secretEnv: { TOKEN: "nope" } } }],
      }),
      ["playbooks.0.action.secretEnv.TOKEN: no secret named nope in remediation.secrets"],
    );
    assert.deepEqual(problems({ ...valid, secrets, playbooks: [{ ...playbook, action: { ...k8s, replicas: "previous" } }] }), [
      "playbooks.0.action.replicas: replicas: previous restores the count the action changed, so it is only for a rollback",
    ]);
    assert.match(
      problems({ ...valid, secrets, playbooks: [{ ...playbook, action: { ...k8s, operation: "drain" } }] }).join(),
      /playbooks\.0\.action\.operation/,
    );
  });
});
