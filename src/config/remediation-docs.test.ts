// docs/remediation.md cannot drift from the schema: every ```yaml block in it is loaded and validated here.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { actionConfigSchema, actionSecretRefs } from "./remediation-action-config.ts";
import { type RemediationConfig, remediationConfigSchema } from "./remediation-config.ts";

const DOC = new URL("../../docs/remediation.md", import.meta.url);
type Obj = Record<string, unknown>;

/** Every ```yaml block of the page, with the line it starts on. */
function yamlBlocks(markdown: string): { line: number; text: string }[] {
  const blocks: { line: number; text: string }[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!/^```yaml\s*$/.test(lines[i] ?? "")) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end] !== "```") end++;
    assert.ok(end < lines.length, `docs/remediation.md:${i + 1}: a yaml block is not closed`);
    blocks.push({ line: i + 1, text: lines.slice(start, end).join("\n") });
    i = end;
  }
  return blocks;
}

/** Parses a remediation block, failing with the doc's line and every problem the schema names. */
function load(input: unknown, where: string): RemediationConfig {
  const result = remediationConfigSchema.safeParse(input);
  assert.ok(result.success, `${where}: ${result.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return result.data;
}

/** An action snippet (`action:`, maybe with `rollback:`) as a playbook; the secrets it names are declared for it. */
function asPlaybook(snippet: Obj, where: string): RemediationConfig {
  const names = [snippet.action, snippet.rollback].flatMap((raw) => {
    const action = actionConfigSchema.safeParse(raw);
    return action.success ? actionSecretRefs(action.data).map((r) => r.ref) : [];
  });
  return load(
    {
      scripts: { directory: "/etc/sluice/remediation-scripts" },
      secrets: Object.fromEntries(names.map((name) => [name, "value"])),
      playbooks: [{ name: "doc", match: {}, verify: { quietFor: "5m", within: "10m" }, mode: { "*": "auto" }, ...snippet }],
    },
    where,
  );
}

describe("docs/remediation.md", () => {
  const blocks = yamlBlocks(readFileSync(DOC, "utf8"));

  it("has an example of every action kind, each of which loads with the config schema", () => {
    const kinds = new Set<string>();
    const dispatches: Obj[] = [];
    const workflows: Obj[] = [];
    for (const { line, text } of blocks) {
      const where = `docs/remediation.md:${line}`;
      const value = parse(text) as Obj;
      assert.ok(value && typeof value === "object", `${where}: not a YAML mapping`);
      if ("remediation" in value) {
        const block = load(value.remediation, where);
        for (const p of block.playbooks) for (const a of [p.action, p.rollback]) if (a) kinds.add(a.kind);
      } else if ("action" in value) {
        const playbook = asPlaybook(value, where).playbooks[0];
        for (const a of [playbook?.action, playbook?.rollback]) {
          if (!a) continue;
          kinds.add(a.kind);
          if (a.kind === "githubActions") dispatches.push(a as Obj);
        }
      } else if ("on" in value) {
        workflows.push(value);
      } else {
        assert.fail(`${where}: a yaml block that is neither remediation config, an action nor a workflow`);
      }
    }
    assert.deepEqual([...kinds].sort(), ["argocd", "githubActions", "http", "kubernetes", "script"]);
    // The workflow shown beside the githubActions example declares every input that example sends.
    assert.equal(workflows.length, 1);
    const workflow = workflows[0] as { on: { workflow_dispatch: { inputs: Obj } }; "run-name": string };
    for (const dispatch of dispatches) {
      const key = typeof dispatch.idempotencyInput === "string" ? [dispatch.idempotencyInput] : [];
      const sent = [...Object.keys(dispatch.inputs as Obj), ...key];
      for (const input of sent) assert.ok(input in workflow.on.workflow_dispatch.inputs, `the workflow lacks input ${input}`);
      if (dispatch.idempotencyInput) assert.match(workflow["run-name"], new RegExp(`inputs\\.${dispatch.idempotencyInput}`));
    }
  });

  it("fails a block the schema refuses (the check can fail)", () => {
    assert.throws(
      () => asPlaybook({ action: { kind: "http", url: "http://x", headers: { Authorization: "Bearer {{secret:t}}" } } }, "x"),
      /headers\.Authorization: header values are not templated/,
    );
    assert.throws(() => load({ playbooks: [{ name: "p", match: {}, mode: { default: "auto" } }] }, "x"), /verify|action/);
  });
});
