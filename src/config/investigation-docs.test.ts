// docs/investigation.md cannot drift from the schemas: every ```yaml block in it is loaded and validated here —
// `investigation:` blocks with the config schema, `services:` blocks with the catalog's.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { catalogServiceSchema } from "../catalog/catalog-schema.ts";
import { investigationConfigSchema } from "./investigation-config.ts";

const DOC = new URL("../../docs/investigation.md", import.meta.url);
type Obj = Record<string, unknown>;

/** Every ```yaml block of the page, with the line it starts on. */
function yamlBlocks(markdown: string): { line: number; text: string }[] {
  const blocks: { line: number; text: string }[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!/^```yaml\s*$/.test(lines[i] ?? "")) continue;
    const end = lines.indexOf("```", i + 1);
    assert.ok(end > i, `docs/investigation.md:${i + 1}: a yaml block is not closed`);
    blocks.push({ line: i + 1, text: lines.slice(i + 1, end).join("\n") });
    i = end;
  }
  return blocks;
}

function problems(result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }): string {
  return result.error?.issues.map((i) => `${i.path.map(String).join(".")}: ${i.message}`).join("; ") ?? "";
}

/** Validates one block; returns which top-level keys it configured. */
function check(text: string, where: string): string[] {
  const value = parse(text) as Obj;
  assert.ok(value && typeof value === "object", `${where}: not a YAML mapping`);
  if ("investigation" in value) {
    const result = investigationConfigSchema.safeParse(value.investigation);
    assert.ok(result.success, `${where}: ${problems(result)}`);
    return Object.keys(value.investigation as Obj).map((k) => `investigation.${k}`);
  }
  if ("services" in value) {
    const services = value.services as unknown[];
    services.forEach((service, i) => {
      const result = catalogServiceSchema.safeParse(service);
      assert.ok(result.success, `${where}: services[${i}]: ${problems(result)}`);
    });
    return services.flatMap((s) => Object.keys(s as Obj)).map((k) => `services.${k}`);
  }
  return assert.fail(`${where}: a yaml block that is neither investigation config nor a catalog`);
}

describe("docs/investigation.md", () => {
  it("every yaml example loads with the schemas, the Kubernetes ones included", () => {
    const keys = new Set<string>();
    for (const { line, text } of yamlBlocks(readFileSync(DOC, "utf8"))) {
      for (const key of check(text, `docs/investigation.md:${line}`)) keys.add(key);
    }
    for (const key of ["investigation.prometheus", "investigation.loki", "investigation.kubernetes", "services.kubernetes"]) {
      assert.ok(keys.has(key), `no example configures ${key}`);
    }
  });

  it("fails a block the schemas refuse (the check can fail)", () => {
    assert.throws(() => check("investigation:\n  kubernetes: { namespace: Not_A_Namespace }", "x"), /namespace/);
    assert.throws(
      () => check("services:\n  - { service: a, team: t, kubernetes: { deployment: a, selector: { app: a } } }", "x"),
      /either a deployment or a selector/,
    );
    assert.throws(() => check("kubernetes: {}", "x"), /neither/);
  });
});
