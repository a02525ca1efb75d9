import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import { argocdActionSchema } from "./argocd.ts";
import { githubActionsActionSchema } from "./github-actions.ts";
import { kubernetesActionSchema } from "./kubernetes.ts";
import { scriptActionSchema } from "./script.ts";

// The playbook config (src/remediate, i15-core) picks an action by `kind`; the kinds with several operations
// are discriminated unions themselves, which zod nests under the outer one.
const action = z.discriminatedUnion("kind", [
  kubernetesActionSchema,
  argocdActionSchema,
  githubActionsActionSchema,
  scriptActionSchema,
]);

describe("action schemas", () => {
  it("compose into one union by kind, with each operation's own fields", () => {
    const parsed = action.parse({
      kind: "kubernetes",
      operation: "scale",
      cluster: "prod",
      namespace: "shop",
      deployment: "{{service}}",
      replicas: { delta: 2, max: 8 },
    });
    assert.deepEqual(parsed, {
      kind: "kubernetes",
      operation: "scale",
      cluster: "prod",
      connection: { inCluster: true },
      namespace: "shop",
      deployment: "{{service}}",
      replicas: { delta: 2, min: 1, max: 8 },
    });
    assert.equal(
      action.parse({ kind: "argocd", operation: "rollback", server: "https://argo", token: "t", application: "a" }).kind,
      "argocd",
    );
    assert.equal(action.parse({ kind: "script", script: "fix.sh" }).kind, "script");
  });

  it("names the problem in bad configs", () => {
    const cases: [unknown, RegExp][] = [
      [{ kind: "kubernetes", operation: "drain", cluster: "p", namespace: "n", deployment: "d" }, /operation/],
      [
        { kind: "kubernetes", operation: "rollback", cluster: "p", namespace: "n", deployment: "{{title}}" },
        /only id, key, service/,
      ],
      [
        { kind: "kubernetes", operation: "scale", cluster: "p", namespace: "n", deployment: "d", replicas: { delta: 0, max: 3 } },
        /a delta of 0/,
      ],
      [
        {
          kind: "kubernetes",
          operation: "scale",
          cluster: "p",
          namespace: "n",
          deployment: "d",
          replicas: { delta: 1, min: 5, max: 3 },
        },
        /min must not exceed max/,
      ],
      [
        { kind: "kubernetes", operation: "rolloutRestart", cluster: "p", namespace: "n", deployment: "d", replicas: { to: 1 } },
        /replicas/,
      ],
      [{ kind: "argocd", operation: "sync", server: "ftp://argo", token: "t", application: "a" }, /server/],
      [{ kind: "githubActions", token: "t", owner: "o", repo: "r", workflow: "deploy.sh", ref: "main" }, /workflow file name/],
      [{ kind: "script", script: "../x.sh" }, /empty path segment/],
      [{ kind: "githubActions", token: "t", owner: "..", repo: "r", workflow: "d.yml", ref: "main" }, /a GitHub account name/],
      [
        { kind: "argocd", operation: "sync", server: "https://a", token: "t", application: "a", appNamespace: "../x" },
        /namespace/,
      ],
      [{ kind: "shell", command: "rm -rf /" }, /kind/],
    ];
    for (const [input, message] of cases) {
      const result = action.safeParse(input);
      assert.equal(result.success, false, JSON.stringify(input));
      assert.match(JSON.stringify(result.error?.issues), message, JSON.stringify(input));
    }
  });
});
