// The `githubActions` remediation action's config (src/remediate/actions/github-actions.ts runs it).
import { z } from "zod";
import { templateField } from "./action-template-field.ts";

// Account and repository names; "." and ".." are names no repository has, and path segments besides.
const NAME = /^(?!\.{1,2}$)[A-Za-z0-9_.-]+$/;
const INPUT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `action` of a playbook that dispatches a GitHub Actions workflow (`workflow_dispatch`), a deploy pipeline. */
export const githubActionsActionSchema = z
  .object({
    kind: z.literal("githubActions"),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .default("https://api.github.com")
      .describe("REST API base; GitHub Enterprise Server: https://<host>/api/v3"),
    token: z
      .string()
      .min(1)
      .describe("Name of the secret in `remediation.secrets` holding a token allowed to run workflows (actions: write)"),
    owner: z.string().regex(NAME, "a GitHub account name"),
    repo: z.string().regex(NAME, "a repository name"),
    workflow: z
      .union([
        z.string().regex(/^[A-Za-z0-9_.-]+\.ya?ml$/, "a workflow file name such as deploy.yml"),
        z.number().int().positive(),
      ])
      .describe("Workflow file name (deploy.yml) or id"),
    ref: templateField("Branch or tag to run the workflow on; may use {{incident fields}}"),
    inputs: z
      .record(z.string().regex(INPUT, "a workflow input name"), templateField("Input value: fixed text and {{incident fields}}"))
      .default({})
      .refine(
        (inputs) => Object.keys(inputs).length <= 24,
        "GitHub takes at most 25 inputs (one is kept for the idempotency key)",
      )
      .describe("Workflow inputs, filled from the incident's fields only"),
    idempotencyInput: z
      .string()
      .regex(INPUT, "a workflow input name")
      .optional()
      .describe(
        "Input that receives the idempotency key; with the workflow's run-name built from that input, a retry finds the run and does not dispatch again",
      ),
  })
  .strict();

export type GithubActionsActionConfig = z.output<typeof githubActionsActionSchema>;
