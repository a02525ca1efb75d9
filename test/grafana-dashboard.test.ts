import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";

const root = process.cwd();

/** The metric names documented in docs/metrics.md (the generated reference the suite keeps true). */
function documentedMetrics(): Set<string> {
  const text = readFileSync(join(root, "docs", "metrics.md"), "utf8");
  return new Set([...text.matchAll(/^\| `(sluice_[a-z_]+)` \|/gm)].map((match) => match[1] as string));
}

/** Every Sluice metric an expression reads, histogram series (_bucket, _sum, _count) named by their histogram. */
function metricsIn(expr: string, documented: Set<string>): string[] {
  return [...expr.matchAll(/\bsluice_[a-z_]+/g)].map(([name]) => {
    const base = name.replace(/_(bucket|sum|count)$/, "");
    return base !== name && documented.has(base) ? base : name;
  });
}

interface Panel {
  id: number;
  title: string;
  datasource: { uid: string };
  targets: { expr: string }[];
}

describe("deploy/grafana/sluice-overview.json", () => {
  const dashboard = JSON.parse(readFileSync(join(root, "deploy", "grafana", "sluice-overview.json"), "utf8")) as {
    uid: string;
    panels: Panel[];
    templating: { list: { name: string; type: string }[] };
  };
  const documented = documentedMetrics();

  it("parses, and reads its data source from a variable", () => {
    assert.equal(dashboard.uid, "sluice-overview");
    assert.ok(dashboard.templating.list.some((v) => v.name === "datasource" && v.type === "datasource"));
    assert.equal(new Set(dashboard.panels.map((p) => p.id)).size, dashboard.panels.length, "panel ids are unique");
    for (const panel of dashboard.panels) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template literal
      assert.equal(panel.datasource.uid, "${datasource}", panel.title);
      assert.ok(panel.targets.length > 0, panel.title);
    }
  });

  it("shows the overview's figures", () => {
    const titles = dashboard.panels.map((p) => p.title).join(" | ");
    for (const figure of ["Funnel", "Noise reduction", "Dead letters", "MTTA", "MTTR", "Signal-to-ticket latency"]) {
      assert.ok(titles.includes(figure), `${figure} in ${titles}`);
    }
  });

  it("references only metrics docs/metrics.md lists", () => {
    assert.ok(documented.size > 10, "the reference was read");
    const used = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => metricsIn(t.expr, documented)));
    assert.ok(used.length >= 10);
    assert.deepEqual(
      used.filter((name) => !documented.has(name)),
      [],
    );
    // The check itself catches a name that is not exported.
    assert.deepEqual(metricsIn("rate(sluice_made_up_total[5m]) + sluice_dead_letters", documented), [
      "sluice_made_up_total",
      "sluice_dead_letters",
    ]);
  });
});
