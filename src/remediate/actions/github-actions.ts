import type { GithubActionsActionConfig } from "../../config/github-actions-action-config.ts";
import type { HttpClient } from "../../connectors/connector.ts";
import type { ActionContext, ActionIncident, ActionOutcome, RemediationAction } from "./action.ts";
import { errorText, failed, succeeded } from "./action-support.ts";
import { field, type JsonAnswer, sendJson, trimBase } from "./http-json.ts";
import { renderTemplate } from "./incident-template.ts";

export { type GithubActionsActionConfig, githubActionsActionSchema } from "../../config/github-actions-action-config.ts";

/** Dispatches a workflow run through the REST API (`POST …/actions/workflows/{workflow_id}/dispatches`). */
export function githubActionsAction(
  config: GithubActionsActionConfig,
  http: HttpClient = (url, init) => fetch(url, init),
): RemediationAction {
  const base = trimBase(config.baseUrl);
  const workflowPath = `${base}/repos/${config.owner}/${config.repo}/actions/workflows/${encodeURIComponent(String(config.workflow))}`;
  const render = (incident: ActionIncident) => {
    const ref = renderTemplate(config.ref, incident);
    if (!/^[\w./-]+$/.test(ref) || ref.includes("..")) throw new Error(`"${ref}" is not a valid git ref`);
    const inputs = Object.fromEntries(
      Object.entries(config.inputs).map(([name, template]) => [name, renderTemplate(template, incident)]),
    );
    return { ref, inputs };
  };
  const what = `workflow ${config.workflow} of ${config.owner}/${config.repo}`;

  return {
    kind: "githubActions",
    target: () => `github:${config.owner}/${config.repo}/workflow/${config.workflow}`,
    describe(context) {
      try {
        const { ref, inputs } = render(context.incident);
        const keyed = config.idempotencyInput ? { ...inputs, [config.idempotencyInput]: context.idempotencyKey } : inputs;
        return `dispatch ${what} on ${ref} with inputs ${JSON.stringify(keyed)}`;
      } catch (error) {
        return `would not dispatch ${what}: ${(error as Error).message}`;
      }
    },
    async execute(context: ActionContext): Promise<ActionOutcome> {
      const secrets: string[] = [];
      try {
        const { ref, inputs } = render(context.incident);
        const token = context.secret(config.token);
        secrets.push(token);
        // The mock of the REST description answers 406 to application/vnd.github+json; GitHub takes both.
        const headers = { authorization: `Bearer ${token}`, accept: "application/json", "x-github-api-version": "2022-11-28" };
        if (config.idempotencyInput) {
          const url = `${workflowPath}/runs?event=workflow_dispatch&per_page=50`;
          const runs = await sendJson(http, url, { method: "GET", headers, signal: context.signal });
          if (runs.status !== 200)
            return failed(`dispatch of ${what} failed: looking for an earlier run: ${githubError(runs)}`, secrets);
          const earlier = (field(runs.json, "workflow_runs") as unknown[] | undefined)?.find((run) =>
            [field(run, "display_title"), field(run, "name")].some(
              (t) => typeof t === "string" && t.includes(context.idempotencyKey),
            ),
          );
          if (earlier) {
            return succeeded(`${what} already dispatched by this attempt (run ${field(earlier, "id")}); not repeated`, secrets, {
              runId: field(earlier, "id"),
            });
          }
        }
        const body = {
          ref,
          inputs: config.idempotencyInput ? { ...inputs, [config.idempotencyInput]: context.idempotencyKey } : inputs,
          return_run_details: true,
        };
        const answer = await sendJson(http, `${workflowPath}/dispatches`, {
          method: "POST",
          headers,
          body,
          signal: context.signal,
        });
        if (answer.status === 204) return succeeded(`dispatched ${what} on ${ref}`, secrets);
        if (answer.status !== 200) return failed(`dispatch of ${what} failed: ${githubError(answer)}`, secrets);
        const runId = field(answer.json, "workflow_run_id");
        const url = field(answer.json, "html_url");
        return succeeded(
          `dispatched ${what} on ${ref}${typeof runId === "number" ? ` (run ${runId}${typeof url === "string" ? `, ${url}` : ""})` : ""}`,
          secrets,
          typeof runId === "number" ? { runId } : undefined,
        );
      } catch (error) {
        return failed(`dispatch of ${what} failed: ${errorText(error, context.signal)}`, secrets);
      }
    },
  };
}

/** GitHub's `{message}` with the rate-limit wait when there is one. */
function githubError(answer: JsonAnswer): string {
  const message = field(answer.json, "message");
  const remaining = answer.headers.get("x-ratelimit-remaining");
  const retry = answer.headers.get("retry-after");
  const limited = answer.status === 429 || (answer.status === 403 && (remaining === "0" || retry !== null));
  const wait = retry ? ` (retry after ${retry}s)` : "";
  return `HTTP ${answer.status}${limited ? ` rate limited${wait}` : ""}${typeof message === "string" && message ? `: ${message}` : ""}`;
}
