import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { isSluiceError } from "../core/errors.ts";
import { type CatalogLogger, CatalogSource } from "./catalog-source.ts";

const SECRET = "0123456789abcdef0123456789abcdef";

function recorder(): CatalogLogger & { lines: { level: string; object: object; message: string }[] } {
  const lines: { level: string; object: object; message: string }[] = [];
  return {
    lines,
    info: (object, message) => lines.push({ level: "info", object, message }),
    warn: (object, message) => lines.push({ level: "warn", object, message }),
  };
}

function service(team: string, extra = ""): string {
  return `- service: checkout\n  team: ${team}\n${extra}`;
}

describe("CatalogSource", () => {
  it("refuses to start on a broken catalog, naming every problem", () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-catalog-"));
    writeFileSync(join(dir, "services.yaml"), "- service: checkout\n");
    assert.throws(
      () =>
        new CatalogSource({
          settings: { files: ["services.yaml"], backstage: [] },
          reloadIntervalMs: 0,
          logger: recorder(),
          baseDir: dir,
        }),
      (error) =>
        isSluiceError(error) && error.code === "CONFIG_INVALID" && error.problems[0]?.path.endsWith("(checkout).team") === true,
    );
  });

  it("takes a good edit, keeps the last good catalog on a broken one and logs it without the secret", () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-catalog-"));
    const file = join(dir, "services.yaml");
    writeFileSync(file, service("payments"));
    const logger = recorder();
    const source = new CatalogSource({
      settings: { files: ["services.yaml"], backstage: [] },
      reloadIntervalMs: 0,
      logger,
      baseDir: dir,
      env: {},
    });
    assert.equal(source.ownerOf("checkout")?.team, "payments");
    assert.equal(source.reloadIfChanged(), false, "nothing changed");

    writeFileSync(file, service("payments-core", "  tier: 0\n"));
    assert.equal(source.reloadIfChanged(), true);
    assert.deepEqual(source.ownerOf("checkout"), { team: "payments-core", tier: "0" });

    // A broken routing key (one character short) must not replace the good catalog, nor be logged.
    writeFileSync(file, service("payments-core", `  pagerduty: { routingKey: "${SECRET.slice(1)}" }\n  tier: 1\n`));
    assert.equal(source.reloadIfChanged(), false);
    assert.deepEqual(source.ownerOf("checkout"), { team: "payments-core", tier: "0" });
    assert.equal(source.problems.length, 1);
    const warning = logger.lines.find((line) => line.level === "warn");
    assert.ok(warning);
    assert.match(JSON.stringify(warning.object), /pagerduty\.routingKey/);
    assert.doesNotMatch(JSON.stringify(logger.lines), new RegExp(SECRET.slice(1)));
    assert.equal(source.reloadIfChanged(), false, "the same broken file is not reloaded (nor logged) again");
    assert.equal(logger.lines.filter((line) => line.level === "warn").length, 1);

    rmSync(file);
    assert.equal(source.reloadIfChanged(), false, "a vanished file is a problem too");
    assert.equal(source.lookup("checkout")?.team, "payments-core");

    writeFileSync(file, service("payments"));
    assert.equal(source.reloadIfChanged(), true);
    assert.equal(source.lookup("checkout")?.team, "payments");
    assert.deepEqual(source.problems, []);
  });

  it("notices a catalog-info.yaml added to a Backstage directory, on its own timer", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-catalog-"));
    const logger = recorder();
    const source = new CatalogSource({ settings: { files: [], backstage: [dir] }, reloadIntervalMs: 20, logger });
    assert.equal(source.catalog.size, 0);
    source.start();
    try {
      writeFileSync(
        join(dir, "catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: cart\nspec:\n  owner: group:payments\n",
      );
      const deadline = Date.now() + 2000;
      while (source.lookup("cart") === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.equal(source.lookup("cart")?.team, "payments");
    } finally {
      await source.shutdown();
    }
  });
});
