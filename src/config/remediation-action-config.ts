// The config of each remediation action kind, one schema per kind in ACTION_CONFIG_SCHEMAS. A new kind is one
// schema here plus one factory in src/remediate/actions/registry.ts (config sits below the features, so the
// schemas cannot live beside the actions).
import { z } from "zod";
import { argocdActionSchema } from "./argocd-action-config.ts";
import { durationField } from "./duration-field.ts";
import { githubActionsActionSchema } from "./github-actions-action-config.ts";
import { kubernetesActionSchema } from "./kubernetes-action-config.ts";
import { scriptActionSchema } from "./script-action-config.ts";

const secretName = z
  .string()
  .min(1)
  .describe("The name of a secret in `remediation.secrets` (whose value is usually a ${ENV} or ${file:} reference).");

const httpAuth = z
  .union([
    z.strictObject({ bearer: secretName }).describe("Authorization: Bearer <secret>."),
    z
      .strictObject({ basic: z.strictObject({ username: z.string().min(1), password: secretName }) })
      .describe("Authorization: Basic with the username and the secret as password."),
    z
      .strictObject({ header: z.string().regex(/^[A-Za-z0-9-]+$/, "must be an HTTP header name"), secret: secretName })
      .describe("The secret in a header of its own (e.g. X-Api-Key)."),
  ])
  .describe("How the call authenticates; the secret never reaches a log, the timeline or a ticket.");

/** `http`: one request to an admin endpoint; 2xx (or `expectStatus`) is success. */
export const httpActionConfigSchema = z
  .strictObject({
    kind: z.literal("http"),
    method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]).default("POST"),
    url: z
      .string()
      .min(1)
      .refine((url) => /^https?:\/\//.test(url), "must be an http:// or https:// URL")
      .describe(
        "The URL; {{service}}, {{environment}}, {{severity}}, {{key}}, {{id}} and {{labels.<name>}} are replaced by the incident's fields (URL-encoded).",
      ),
    headers: z
      .record(
        z.string().regex(/^[A-Za-z0-9-]+$/, "must be an HTTP header name"),
        z
          .string()
          .refine(
            (value) => !value.includes("{{"),
            "header values are not templated; a secret goes in `auth`, incident fields in the URL or body",
          ),
      )
      .default({})
      .describe("Extra headers (not secrets: use `auth`)."),
    body: z
      .unknown()
      .optional()
      .describe(
        "JSON body; in every string in it, the same {{…}} placeholders as the URL are replaced by the incident's fields. Nothing else goes in.",
      ),
    auth: httpAuth.optional(),
    timeout: durationField("How long the call may take (default 10s).").default(10_000),
    expectStatus: z
      .array(z.number().int().min(100).max(599))
      .optional()
      .describe("Statuses that mean success (default: any 2xx)."),
  })
  .describe("Calls an HTTP endpoint (an admin API, a webhook of a deploy tool).");

/** Every action kind's schema, discriminated by `kind`. */
export const ACTION_CONFIG_SCHEMAS = [
  httpActionConfigSchema,
  kubernetesActionSchema.describe(
    "Restarts (rolloutRestart), scales (scale) or rolls back (rollback) one Deployment through the official Kubernetes client.",
  ),
  argocdActionSchema.describe("Syncs an Argo CD application (sync) or rolls it back to its previous deployment (rollback)."),
  githubActionsActionSchema.describe("Dispatches a GitHub Actions workflow (workflow_dispatch), e.g. a deploy pipeline."),
  scriptActionSchema.describe(
    "Runs a script from the allow-listed `remediation.scripts.directory`, arguments from the incident.",
  ),
] as const;

export const actionConfigSchema = z.discriminatedUnion("kind", ACTION_CONFIG_SCHEMAS);

export type ActionConfig = z.infer<typeof actionConfigSchema>;
export type HttpActionConfig = z.infer<typeof httpActionConfigSchema>;

/** Every secret an action refers to by name, with where in the action it is named (for config errors). */
export function actionSecretRefs(action: ActionConfig): { ref: string; path: (string | number)[] }[] {
  switch (action.kind) {
    case "http": {
      const auth = action.auth;
      if (!auth) return [];
      const ref = "bearer" in auth ? auth.bearer : "basic" in auth ? auth.basic.password : auth.secret;
      return [{ ref, path: ["auth"] }];
    }
    case "kubernetes":
      return "token" in action.connection ? [{ ref: action.connection.token, path: ["connection", "token"] }] : [];
    case "argocd":
    case "githubActions":
      return [{ ref: action.token, path: ["token"] }];
    case "script":
      return Object.entries(action.secretEnv).map(([name, ref]) => ({ ref, path: ["secretEnv", name] }));
  }
}
