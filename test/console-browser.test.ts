import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { JS_BUDGET_GZIP_BYTES } from "../scripts/build-web.ts";
import { anomalyEvent } from "../src/testing/in-memory-sluice.ts";
import { axeSource, consoleSluice, ensureConsoleBuilt, launchChromium, REMEDY, TOKENS } from "./support/console-server.ts";
import { eventually } from "./support/eventually.ts";
import { missingPeer } from "./support/missing-peer.ts";

const SHOTS = join(process.cwd(), ".cache", "screenshots");

await ensureConsoleBuilt();
const launched = await launchChromium();
if ("problem" in launched) {
  missingPeer("web console in a real browser", launched.problem, "install Debian's chromium (apt-get install -y chromium)");
} else {
  const browser: Browser = launched;
  describe("web console in a real browser (playwright-core + Debian chromium)", async () => {
    // The service's admin endpoint the suggest-mode playbook's http action calls once a responder approves.
    const resets: string[] = [];
    const endpoint = createServer((request, response) => {
      resets.push(`${request.method} ${request.url}`);
      response.writeHead(200, { "content-type": "application/json" }).end('{"reset":true}');
    });
    await new Promise<void>((resolve) => endpoint.listen(0, "127.0.0.1", resolve));
    const server = await consoleSluice({ remediationUrl: `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}` });
    const { url, sluice } = server;
    const axe = axeSource();
    mkdirSync(SHOTS, { recursive: true });
    const problems: string[] = [];

    before(() => server.sendDemo());
    after(async () => {
      await browser.close();
      await sluice.close();
      endpoint.close();
    });

    /** A page in a new context; `audited` pages bypass the console's CSP so axe-core can be injected. */
    const newPage = async (theme: "light" | "dark" = "light", audited = true) => {
      const context = await browser.newContext({
        viewport: { width: 1360, height: 900 },
        colorScheme: theme,
        bypassCSP: audited,
      });
      const page = await context.newPage();
      page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
      // Under the real policy, anything the console does that its CSP forbids shows up here.
      page.on("response", (response) => {
        // 401: a refused sign-in; 409: the approval that lost its race, on purpose (the remediation test).
        const expected =
          (response.status() === 401 && response.url().endsWith("/api/session")) ||
          (response.status() === 409 && /\/api\/remediations\/[^/]+\/approve$/.test(response.url()));
        if (response.status() >= 400 && !expected) problems.push(`${response.status()} from ${response.url()}`);
      });
      page.on("console", (message) => {
        if (message.type() === "error" && !/Failed to load resource/.test(message.text()))
          problems.push(`console: ${message.text()}`);
      });
      return page;
    };
    const signIn = async (page: Page, token: string) => {
      await page.goto(`${url}/`);
      await page.fill("#token", token);
      await page.click("button[type=submit]");
    };
    /** axe-core's serious and critical violations on the page as it is now. */
    const audit = async (page: Page, name: string) => {
      await page.addScriptTag({ content: axe });
      const violations = (await page.evaluate(async () => {
        const result = await (globalThis as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe.run();
        return result.violations;
      })) as { id: string; impact: string; nodes: { target: string[] }[] }[];
      const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      assert.deepEqual(
        bad.map((v) => `${name}: ${v.id} (${v.impact}) at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
        [],
      );
    };

    it("keeps the JavaScript within 100 KB gzipped", () => {
      const assets = join(process.cwd(), "web", "dist", "assets");
      const bytes = readdirSync(assets)
        .filter((file) => file.endsWith(".js"))
        .reduce((total, file) => total + gzipSync(readFileSync(join(assets, file))).length, 0);
      assert.ok(bytes > 1000, "the bundle exists");
      assert.ok(bytes <= JS_BUDGET_GZIP_BYTES, `${bytes} bytes gzipped`);
    });

    it("tells a bad token clearly, and passes axe on the sign-in page", async () => {
      const page = await newPage();
      await signIn(page, "not-a-real-token");
      const alert = page.getByRole("alert");
      await alert.waitFor();
      assert.match(await alert.innerText(), /That token was not accepted/);
      assert.equal(await page.evaluate("sessionStorage.getItem('sluice.token')"), null, "a refused token is not kept");
      await audit(page, "login");
      await page.context().close();
    });

    it("signs in, shows the demo's incidents, and a new signal's incident within 1 s without reload", async () => {
      const page = await newPage();
      await signIn(page, TOKENS.responder);
      await page.locator(".incident-row").first().waitFor();
      const { items } = (await sluice.store.incidents.list({ state: ["open", "acknowledged", "escalated"], limit: 500 })) as {
        items: { key: string }[];
      };
      assert.ok(items.length >= 3, "the demo opens incidents");
      for (const { key } of items.slice(0, 3)) await page.locator(`.incident-row[data-key="${key}"]`).waitFor({ timeout: 2000 });
      assert.equal(await page.getByTestId("role").innerText(), "responder");
      await page.getByText("Live", { exact: true }).waitFor();
      await page.screenshot({ path: join(SHOTS, "incidents-light.png") });
      await audit(page, "incidents");

      const started = Date.now();
      await server.post("/api/v1/signals", anomalyEvent({ service: "checkout-fresh", severity: "critical" }));
      await page.locator(".incident-row", { hasText: "checkout-fresh" }).waitFor({ timeout: 1000 });
      const elapsed = Date.now() - started;
      assert.ok(elapsed <= 1000, `appeared after ${elapsed} ms`);
      assert.equal(await page.evaluate("performance.getEntriesByType('navigation').length"), 1, "no reload");
      await page.context().close();
    });

    it("keeps filters in the URL across reload and back", async () => {
      const page = await newPage();
      await signIn(page, TOKENS.responder);
      await page.locator(".incident-row").first().waitFor();
      await page.getByLabel("critical").check();
      await page.waitForURL(/severity=critical/);
      await page.getByLabel("Search").fill("checkout");
      await page.waitForURL(/q=checkout/);
      await page.reload();
      await page.locator(".incident-row").first().waitFor();
      assert.equal(await page.getByLabel("critical").isChecked(), true);
      assert.equal(await page.getByLabel("Search").inputValue(), "checkout");
      assert.ok(await page.locator(".incident-row", { hasText: "checkout-fresh" }).isVisible());
      await page.getByLabel("high").check();
      await page.waitForURL(/severity=critical%2Chigh/);
      await page.goBack();
      await page.waitForURL((where) => where.searchParams.get("severity") === "critical");
      assert.equal(await page.getByLabel("high").isChecked(), false);
      assert.equal(await page.getByLabel("critical").isChecked(), true);
      await page.context().close();
    });

    it("acknowledges from the incident page: its state and timeline change", async () => {
      const { items } = await sluice.store.incidents.list({ state: ["open"], limit: 50 });
      const target = items.find((incident) => incident.service === "payments") ?? items[0];
      assert.ok(target, "an open incident to acknowledge");
      const page = await newPage("dark");
      await signIn(page, TOKENS.responder);
      await page.locator(".incident-row").first().waitFor();
      await page.locator(`.incident-row[data-key="${target.key}"] a`).click();
      await page.waitForURL(new RegExp(`/incidents/${target.key}$`));
      assert.equal(await page.getByTestId("state").innerText(), "open");
      await page.screenshot({ path: join(SHOTS, "incident-dark.png"), fullPage: true });
      await page.getByRole("button", { name: "Acknowledge" }).click();
      await page.getByTestId("state").getByText("acknowledged").waitFor();
      const timeline = await page.getByTestId("timeline").innerText();
      assert.match(timeline, /acknowledged[\s\S]*api:responder-person/);
      assert.equal((await sluice.store.incidents.get(target.id))?.state, "acknowledged");
      await page.getByTestId("investigation").waitFor();
      await audit(page, "incident (dark)");
      await page.context().close();
    });

    it("filters by team and text on the server, and keeps them across reload and back", async () => {
      const page = await newPage();
      await signIn(page, TOKENS.responder);
      await page.locator(".incident-row").first().waitFor();
      const asked = page.waitForRequest((request) => /\/api\/incidents\?.*team=fulfilment/.test(request.url()));
      await page.getByLabel("Team").fill("fulfilment");
      await page.getByLabel("Team").press("Enter");
      await page.waitForURL(/team=fulfilment/);
      await asked;
      const teamsShown = async () => new Set(await page.locator(".incident-row .c-team").allInnerTexts());
      await page.locator(".incident-row").first().waitFor();
      assert.deepEqual([...(await teamsShown())], ["fulfilment"]);
      const fulfilment = await page.locator(".incident-row").count();

      const searched = page.waitForRequest((request) => /\/api\/incidents\?.*q=orders/.test(request.url()));
      await page.getByLabel("Search").fill("orders");
      await page.waitForURL(/q=orders/);
      await searched;
      await page.waitForFunction(
        "[...document.querySelectorAll('.incident-row')].every((row) => row.innerText.toLowerCase().includes('orders'))",
      );
      const orders = await page.locator(".incident-row").count();
      assert.ok(orders >= 1 && orders <= fulfilment, `${orders} of ${fulfilment}`);

      await page.reload();
      await page.locator(".incident-row").first().waitFor();
      assert.equal(await page.getByLabel("Team").inputValue(), "fulfilment");
      assert.equal(await page.getByLabel("Search").inputValue(), "orders");
      assert.equal(await page.locator(".incident-row").count(), orders);
      // Typing replaces the history entry (one per filter change, not per keystroke): back leaves both.
      await page.goBack();
      await page.waitForURL((where) => !where.searchParams.has("team") && !where.searchParams.has("q"));
      await page.waitForFunction(
        "new Set([...document.querySelectorAll('.incident-row .c-team')].map((cell) => cell.textContent)).size > 1",
      );
      assert.equal(await page.getByLabel("Team").inputValue(), "");
      await page.goForward();
      await page.waitForURL(
        (where) => where.searchParams.get("team") === "fulfilment" && where.searchParams.get("q") === "orders",
      );
      await page.waitForFunction(`document.querySelectorAll('.incident-row').length === ${orders}`);
      assert.deepEqual([...(await teamsShown())], ["fulfilment"]);
      await audit(page, "incidents (filtered)");
      await page.context().close();
    });

    it("shows the investigation report, and a new one live without a reload", async () => {
      const { items } = await sluice.store.incidents.list({ state: ["open", "acknowledged"], service: "payments", limit: 5 });
      const target = items[0];
      assert.ok(target, "a payments incident");
      // The demo's incidents were investigated as they opened.
      const stored = await eventually(
        "the demo incident's investigation report",
        async () => (await sluice.store.investigations.report(target.id)) ?? undefined,
      );
      const page = await newPage();
      await signIn(page, TOKENS.responder);
      await page.goto(`${url}/incidents/${target.key}`);
      const report = page.getByTestId("investigation");
      await report.waitFor();
      const flat = (text: string) => text.replace(/\s+/g, " ").trim();
      const text = flat(await report.innerText());
      assert.match(text, new RegExp(`version ${stored.version}\\b`));
      for (const hypothesis of stored.hypotheses) assert.ok(text.includes(flat(hypothesis.statement)), hypothesis.statement);
      for (const item of stored.evidence) assert.ok(text.includes(flat(item.summary)), item.summary);
      for (const action of stored.actions) assert.ok(text.includes(flat(action.text)), action.text);
      if (stored.reason) assert.ok(text.includes(flat(stored.reason)), "an abstention says why");
      await page.screenshot({ path: join(SHOTS, "incident-investigation-light.png"), fullPage: true });
      await audit(page, "incident (investigation)");

      await server.post(`/api/incidents/${target.id}/investigate`, {});
      await page.getByText(`version ${stored.version + 1} (requested`).waitFor({ timeout: 5000 });
      assert.equal(await page.evaluate("performance.getEntriesByType('navigation').length"), 1, "no reload");
      await page.context().close();
    });

    it("shows the incident page in the light theme (screenshot) and passes axe on the overview", async () => {
      const page = await newPage("light");
      await signIn(page, TOKENS.admin);
      await page.locator(".incident-row").first().waitFor();
      await page.goto(`${url}/incidents/INC-1`);
      await page.getByTestId("timeline").waitFor();
      await page.screenshot({ path: join(SHOTS, "incident-light.png"), fullPage: true });
      await audit(page, "incident (light)");
      await page.goto(`${url}/overview`);
      await page.getByText("Noise reduction").waitFor();
      const funnel = await page.locator(".funnel").innerText();
      assert.match(funnel, /Signals\s+[1-9]/);
      // No playbook has run yet (the remediation test, later, makes the first runs).
      await page.getByTestId("healing-none").getByText("No remediation runs yet.").waitFor();
      await page.screenshot({ path: join(SHOTS, "overview-light.png"), fullPage: true });
      await audit(page, "overview");
      await page.context().close();
    });

    it("shows a viewer no action buttons", async () => {
      const page = await newPage("light", false);
      await signIn(page, TOKENS.viewer);
      await page.locator(".incident-row").first().waitFor();
      assert.equal(await page.getByTestId("role").innerText(), "viewer");
      assert.equal(await page.locator(".incident-row input[type=checkbox]").count(), 0);
      assert.equal(await page.getByRole("button", { name: /selected/ }).count(), 0);
      await page.goto(`${url}/incidents/INC-1`);
      await page.getByTestId("timeline").waitFor();
      const buttons = await page.locator("main button").allInnerTexts();
      assert.deepEqual(buttons, [], "no acknowledge, resolve, escalate, reopen or note");
      await page.context().close();
    });

    it("acknowledges and resolves in bulk", async () => {
      const page = await newPage("dark", false);
      await signIn(page, TOKENS.responder);
      await page.locator(".incident-row").first().waitFor();
      const boxes = page.locator(".incident-row input[type=checkbox]");
      await boxes.nth(0).check();
      await boxes.nth(1).check();
      await page.getByRole("button", { name: "Resolve selected" }).click();
      await page.getByText(/^2 resolved/).waitFor();
      await page.context().close();
    });

    it("shows remediation runs: awaiting approval, no Approve for a viewer, a responder approves; a lost race says so", async () => {
      const runFor = async (service: string) => {
        await server.post("/api/v1/signals", anomalyEvent({ service, severity: "critical" }));
        await sluice.runner.flush();
        return eventually(`${service}'s run awaiting approval`, async () => {
          await sluice.remediator?.flush();
          const [run] = await sluice.store.remediations.list({ service, limit: 5 });
          return run?.state === "awaiting-approval" ? run : undefined;
        });
      };
      const [shop, cart] = [await runFor(REMEDY.services[0]), await runFor(REMEDY.services[1])];
      const keyOf = async (id: string) => (await sluice.store.incidents.get(id))?.key ?? id;
      const runState = (page: Page) => page.getByTestId("run-state");

      const viewer = await newPage("light", false);
      await signIn(viewer, TOKENS.viewer);
      await viewer.locator(".incident-row").first().waitFor();
      await viewer.goto(`${url}/incidents/${await keyOf(shop.incidentId)}`);
      await runState(viewer).getByText("awaiting-approval").waitFor();
      assert.match(
        await viewer.getByTestId("remediation").innerText(),
        /reset-remedy-pool[\s\S]*Would run: POST http:\/\/127\.0\.0\.1:\d+\/admin\/remedy-shop\/reset/,
      );
      assert.equal(await viewer.getByRole("button", { name: /Approve|Reject/ }).count(), 0, "a viewer cannot approve");

      const page = await newPage("dark");
      await signIn(page, TOKENS.responder);
      await page.locator(".incident-row").first().waitFor();
      await page.goto(`${url}/incidents/${await keyOf(shop.incidentId)}`);
      await runState(page).getByText("awaiting-approval").waitFor();
      await page.screenshot({ path: join(SHOTS, "incident-remediation-dark.png"), fullPage: true });
      await audit(page, "incident (remediation awaiting approval)");
      await page.getByRole("button", { name: "Approve" }).click();
      await page
        .getByRole("status")
        .getByText(/reset-remedy-pool: approved; the run is now/)
        .waitFor();
      await page.waitForFunction("document.querySelector('[data-testid=run-state]')?.textContent !== 'awaiting-approval'");
      assert.equal((await sluice.store.remediations.get(shop.id))?.approvedBy, "api:responder-person");
      await eventually("the approved run's http action", async () => {
        await sluice.remediator?.flush();
        return resets.includes("POST /admin/remedy-shop/reset") ? true : undefined;
      });
      // Its steps note the incident, whose event reloads the page: the run moves on and the timeline says so.
      await runState(page)
        .getByText(/executing|verifying/)
        .waitFor({ timeout: 5000 });
      await page
        .getByTestId("timeline")
        .getByText(/responder-person approved playbook reset-remedy-pool/)
        .waitFor();
      // The viewer's page followed live, without a reload.
      await runState(viewer)
        .getByText(/matched|executing|verifying/)
        .waitFor({ timeout: 5000 });
      assert.equal(await viewer.getByRole("button", { name: /Approve|Reject/ }).count(), 0);
      await viewer.context().close();

      // Someone else approves the other run just before this responder's click reaches the server: a real 409.
      await page.goto(`${url}/incidents/${await keyOf(cart.incidentId)}`);
      await runState(page).getByText("awaiting-approval").waitFor();
      await page.route("**/api/remediations/*/approve", async (route) => {
        await server.post(`/api/remediations/${cart.id}/approve`, {});
        await route.continue();
      });
      await page.getByRole("button", { name: "Approve" }).click();
      await page
        .getByRole("status")
        .getByText(/could not be approved: it is no longer awaiting approval/)
        .waitFor();
      await runState(page)
        .getByText(/matched|executing|verifying/)
        .waitFor();
      assert.equal(await page.getByRole("button", { name: "Approve" }).count(), 0);
      assert.equal((await sluice.store.remediations.get(cart.id))?.approvedBy, "api:admin-person");

      await page.goto(`${url}/overview`);
      const healing = page.getByTestId("healing");
      await healing.waitFor();
      assert.match(await healing.innerText(), /reset-remedy-pool\s+[12]\s+0\s+0\s+0\s+not concluded yet/);
      await audit(page, "overview (self-healing)");
      await page.context().close();
    });

    it("raised no errors in any page, nor any breach of its Content-Security-Policy", () => {
      assert.deepEqual(problems, []);
    });
  });
}
