import type { ScriptActionConfig } from "../../config/script-action-config.ts";
import type { ActionContext, ActionIncident, ActionOutcome, RemediationAction } from "./action.ts";
import { errorText, failed, oneLine, succeeded } from "./action-support.ts";
import { isConstant, renderTemplate, TemplateError } from "./incident-template.ts";
import { resolveScript } from "./script-path.ts";
import { runScript } from "./script-runner.ts";

export { type ScriptActionConfig, scriptActionSchema } from "../../config/script-action-config.ts";

export interface ScriptActionOptions {
  /** The allow-listed directory; only scripts whose real path lies inside it run. */
  directory: string;
}

/** Runs an allow-listed script with arguments taken from the incident's fields. */
export function scriptAction(config: ScriptActionConfig, options: ScriptActionOptions): RemediationAction {
  const render = (incident: ActionIncident): string[] =>
    config.args.map((template) => {
      const value = renderTemplate(template, incident);
      // An incident field ("-rf", "--config=/etc/x") must never become an option of the script.
      if (!isConstant(template) && value.startsWith("-") && !template.startsWith("-")) {
        throw new TemplateError(`argument "${template}" would start with "-" from an incident field; refused`);
      }
      if (/[\0\r\n]/.test(value)) throw new TemplateError(`argument "${template}" would contain a control character; refused`);
      return value;
    });

  return {
    kind: "script",
    target: (incident) => `script:${incident.environment}/${incident.service}/${config.script}`,
    describe(context) {
      let args: string[];
      try {
        args = render(context.incident);
      } catch (error) {
        return `would not run script ${config.script}: ${(error as Error).message}`;
      }
      const env = Object.keys(config.secretEnv);
      return oneLine(
        `run script ${config.script} from ${options.directory} with arguments ${JSON.stringify(args)}` +
          `${env.length ? ` and secrets in ${env.join(", ")}` : ""}, killed after ${config.timeout / 1000}s`,
        500,
      );
    },
    async execute(context: ActionContext): Promise<ActionOutcome> {
      const secrets: string[] = [];
      try {
        const args = render(context.incident);
        const env: Record<string, string> = {
          PATH: "/usr/local/bin:/usr/bin:/bin",
          LANG: "C.UTF-8",
          SLUICE_IDEMPOTENCY_KEY: context.idempotencyKey,
          SLUICE_INCIDENT_ID: context.incident.id,
        };
        for (const [name, ref] of Object.entries(config.secretEnv)) {
          const value = context.secret(ref);
          secrets.push(value);
          env[name] = value;
        }
        const file = await resolveScript(options.directory, config.script);
        const run = await runScript({
          file,
          args,
          cwd: options.directory,
          env,
          timeoutMs: config.timeout,
          maxOutputBytes: config.maxOutputBytes,
          signal: context.signal,
        });
        const tail = lastLine(run.output);
        const said = tail ? `: ${tail}` : "";
        if (run.timedOut)
          return failed(`script ${config.script} timed out after ${config.timeout / 1000}s and was killed${said}`, secrets);
        if (run.aborted) return failed(`script ${config.script} was aborted and killed${said}`, secrets);
        if (run.exitCode !== 0) {
          const how = run.exitCode === null ? `killed by ${run.killedBy}` : `exit ${run.exitCode}`;
          return failed(`script ${config.script} failed (${how})${said}`, secrets);
        }
        return succeeded(`script ${config.script} exited 0${said}`, secrets);
      } catch (error) {
        return failed(`script ${config.script} did not run: ${errorText(error, context.signal)}`, secrets);
      }
    },
  };
}

/** The last non-empty line of a script's output: usually what it did or why it failed. */
function lastLine(output: string): string {
  const lines = output.split(/\r?\n/).filter((line) => line.trim() !== "");
  return oneLine(lines.at(-1) ?? "", 160);
}
