import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ActionContext, ActionIncident } from "./action.ts";
import { scriptAction, scriptActionSchema } from "./script.ts";
import { runScript } from "./script-runner.ts";

const SECRET = "script-SECRET-value-0123456789";
let base = "";
let dir = "";
let outside = "";

const incident: ActionIncident = {
  id: "inc-1",
  key: "shop/cart/pool",
  service: "cart",
  environment: "prod",
  severity: "high",
  labels: { pod: "cart-7d9f", evil: "$(touch INJECTED); `touch INJECTED2`; rm -rf /", dash: "--config=/etc/passwd" },
};

function context(overrides: Partial<ActionContext> = {}): ActionContext {
  return {
    incident,
    idempotencyKey: "inc-1:restart-cart:1",
    secret: (ref) => {
      if (ref === "cart-admin-token") return SECRET;
      throw new Error(`unknown secret reference ${ref}`);
    },
    signal: new AbortController().signal,
    ...overrides,
  };
}

function script(name: string, body: string, where = dir): string {
  const path = join(where, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** Whether a process runs: gone, or a zombie nobody has reaped yet (it no longer runs). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

function action(fields: Record<string, unknown>) {
  return scriptAction(scriptActionSchema.parse({ kind: "script", ...fields }), { directory: dir });
}

describe("script action", () => {
  before(() => {
    base = mkdtempSync(join(tmpdir(), "sluice-script-"));
    dir = join(base, "allowed");
    outside = join(base, "outside");
    mkdirSync(dir);
    mkdirSync(outside);
    mkdirSync(join(dir, "team"));
    script("echo-args.sh", 'for a in "$@"; do echo "arg=$a"; done; echo "key=$SLUICE_IDEMPOTENCY_KEY"');
    script("fix.sh", 'echo "fixed $1"', join(dir, "team"));
    script("leak.sh", 'echo "token is $ADMIN_TOKEN"; exit 3');
    script("leak-ok.sh", 'echo "using $ADMIN_TOKEN"');
    script("marker.sh", `touch ${join(base, "RAN")}`, outside);
    symlinkSync(join(outside, "marker.sh"), join(dir, "escape.sh"));
    symlinkSync(outside, join(dir, "outlink"));
    symlinkSync(join(dir, "team", "fix.sh"), join(dir, "inside-link.sh"));
    script("slow.sh", `sleep 30 & echo $! > ${join(base, "grandchild.pid")}; wait`);
    writeFileSync(join(dir, "not-executable.sh"), "#!/bin/sh\necho hi\n");
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it("passes incident fields as an argument vector, never through a shell", async () => {
    const outcome = await action({
      script: "echo-args.sh",
      args: ["{{service}}", "pod={{labels.pod}}", "{{labels.evil}}"],
    }).execute(context());
    assert.equal(outcome.ok, true, outcome.summary);
    assert.equal(outcome.summary, "script echo-args.sh exited 0: key=inc-1:restart-cart:1");
    assert.equal(existsSync(join(dir, "INJECTED")), false);
    assert.equal(existsSync(join(dir, "INJECTED2")), false);
    const run = await runScript({
      file: join(dir, "echo-args.sh"),
      args: ["$(touch INJECTED)"],
      cwd: dir,
      env: {},
      timeoutMs: 5_000,
      maxOutputBytes: 1024,
      signal: new AbortController().signal,
    });
    assert.match(run.output, /^arg=\$\(touch INJECTED\)$/m);
    assert.equal(existsSync(join(dir, "INJECTED")), false);
  });

  it("runs a script in a subfolder and through a symlink that stays inside the directory", async () => {
    assert.equal(
      (await action({ script: "team/fix.sh", args: ["{{service}}"] }).execute(context())).summary,
      "script team/fix.sh exited 0: fixed cart",
    );
    assert.equal((await action({ script: "inside-link.sh", args: ["x"] }).execute(context())).ok, true);
  });

  it("refuses absolute names, `..` and empty segments when the config is loaded", () => {
    for (const script of [
      "/bin/sh",
      "../outside/marker.sh",
      "team/../../outside/marker.sh",
      "./fix.sh",
      "team//fix.sh",
      "C:\\x.bat",
      "",
    ]) {
      const parsed = scriptActionSchema.safeParse({ kind: "script", script });
      assert.equal(parsed.success, false, script);
    }
  });

  it("refuses a symlink that leads outside the directory, and the script outside never runs", async () => {
    for (const script of ["escape.sh", "outlink/marker.sh"]) {
      const outcome = await action({ script }).execute(context());
      assert.equal(outcome.ok, false);
      assert.match(outcome.summary, /resolves outside the script directory; refused/);
    }
    assert.equal(existsSync(join(base, "RAN")), false);
  });

  it("refuses a missing or non-executable script with a clear summary", async () => {
    assert.match(
      (await action({ script: "nope.sh" }).execute(context())).summary,
      /script "nope.sh" not found in the script directory/,
    );
    assert.match((await action({ script: "not-executable.sh" }).execute(context())).summary, /is not executable/);
    assert.match((await action({ script: "team" }).execute(context())).summary, /is not a regular file/);
  });

  it("refuses templates naming anything but the incident's matcher fields", () => {
    for (const arg of ["{{title}}", "{{summary}}", "{{ incident.description }}", "{{service", "{{labels}}"]) {
      assert.equal(scriptActionSchema.safeParse({ kind: "script", script: "fix.sh", args: [arg] }).success, false, arg);
    }
    assert.equal(
      scriptActionSchema.safeParse({ kind: "script", script: "fix.sh", args: ["--pod={{ labels.pod }}"] }).success,
      true,
    );
  });

  it("never lets an incident field become an option, and fails without running when a label is missing", async () => {
    const dashed = await action({ script: "echo-args.sh", args: ["{{labels.dash}}"] }).execute(context());
    assert.equal(dashed.ok, false);
    assert.match(dashed.summary, /would start with "-" from an incident field; refused/);
    const missing = await action({ script: "echo-args.sh", args: ["{{labels.node}}"] }).execute(context());
    assert.deepEqual(missing, { ok: false, summary: 'script echo-args.sh did not run: the incident has no label "node"' });
    // A constant option the operator wrote is fine.
    assert.equal((await action({ script: "echo-args.sh", args: ["--pod={{labels.pod}}"] }).execute(context())).ok, true);
  });

  it("keeps its secrets out of every summary, on success and on failure", async () => {
    const secretEnv = { ADMIN_TOKEN: "cart-admin-token" };
    const bad = await action({ script: "leak.sh", secretEnv }).execute(context());
    assert.deepEqual(bad, { ok: false, summary: "script leak.sh failed (exit 3): token is [redacted]" });
    const good = await action({ script: "leak-ok.sh", secretEnv }).execute(context());
    assert.deepEqual(good, { ok: true, summary: "script leak-ok.sh exited 0: using [redacted]" });
    assert.doesNotMatch(action({ script: "leak.sh", secretEnv }).describe(context()), new RegExp(SECRET));
    const unknown = await action({ script: "leak.sh", secretEnv: { ADMIN_TOKEN: "other" } }).execute(context());
    assert.deepEqual(unknown, { ok: false, summary: "script leak.sh did not run: unknown secret reference other" });
    assert.equal(scriptActionSchema.safeParse({ kind: "script", script: "x", secretEnv: { LD_PRELOAD: "r" } }).success, false);
  });

  it("kills a script that overruns its timeout, with what it started", async () => {
    const started = Date.now();
    const outcome = await action({ script: "slow.sh", timeout: "300ms" }).execute(context());
    assert.deepEqual(outcome, { ok: false, summary: "script slow.sh timed out after 0.3s and was killed" });
    assert.ok(Date.now() - started < 10_000);
    const grandchild = Number(await import("node:fs/promises").then((fs) => fs.readFile(join(base, "grandchild.pid"), "utf8")));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(alive(grandchild), false, `the script's own child ${grandchild} still runs`);
  });

  it("honours the abort signal", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("shutting down")), 200);
    const outcome = await action({ script: "slow.sh" }).execute(context({ signal: controller.signal }));
    assert.deepEqual(outcome, { ok: false, summary: "script slow.sh was aborted and killed" });
  });

  it("caps the output it keeps", async () => {
    script("loud.sh", "head -c 200000 /dev/zero | tr '\\\\0' x; echo; echo done");
    const run = await runScript({
      file: join(dir, "loud.sh"),
      args: [],
      cwd: dir,
      env: { PATH: "/usr/bin:/bin" },
      timeoutMs: 10_000,
      maxOutputBytes: 2048,
      signal: new AbortController().signal,
    });
    assert.equal(run.exitCode, 0);
    assert.equal(run.output.length, 2048);
    assert.equal(run.truncated, true);
  });

  it("describes the run without running anything", () => {
    const text = action({
      script: "team/fix.sh",
      args: ["{{service}}", "{{labels.pod}}"],
      secretEnv: { ADMIN_TOKEN: "cart-admin-token" },
    }).describe(context());
    assert.equal(
      text,
      `run script team/fix.sh from ${dir} with arguments ["cart","cart-7d9f"] and secrets in ADMIN_TOKEN, killed after 60s`,
    );
    script("touch.sh", `touch ${join(base, "DESCRIBED")}`);
    assert.match(action({ script: "touch.sh" }).describe(context()), /^run script touch.sh/);
    assert.equal(existsSync(join(base, "DESCRIBED")), false);
  });

  it("names the target the guardrails count", () => {
    assert.equal(action({ script: "team/fix.sh" }).target(incident), "script:prod/cart/team/fix.sh");
  });
});
