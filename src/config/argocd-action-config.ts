// The `argocd` remediation action's config (src/remediate/actions/argocd.ts runs it).
import { z } from "zod";
import { templateField } from "./action-template-field.ts";

const common = {
  kind: z.literal("argocd"),
  server: z.url({ protocol: /^https?$/ }).describe("Argo CD server URL, e.g. https://argocd.example.com"),
  token: z
    .string()
    .min(1)
    .describe("Name of the secret in `remediation.secrets` holding an Argo CD API token (sent as a bearer token)"),
  application: templateField("Application name; may use {{incident fields}}, for example {{service}}-{{environment}}"),
  appNamespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "a Kubernetes namespace name")
    .optional()
    .describe("Namespace of an application outside Argo CD's own"),
};

/** `action` of a playbook that syncs an Argo CD application or rolls it back to its previous deployment. */
export const argocdActionSchema = z.discriminatedUnion("operation", [
  z
    .object({
      ...common,
      operation: z.literal("sync"),
      revision: z.string().min(1).optional().describe("Git revision to sync to; the application's target when absent"),
      prune: z.boolean().default(false).describe("Delete resources no longer in Git"),
      resources: z
        .array(
          z
            .object({
              group: z.string().default(""),
              kind: z.string().min(1),
              name: z.string().min(1),
              namespace: z.string().optional(),
            })
            .strict(),
        )
        .optional()
        .describe("Sync only these resources"),
    })
    .strict(),
  z
    .object({
      ...common,
      operation: z.literal("rollback"),
      prune: z.boolean().default(false).describe("Delete resources the previous deployment did not have"),
    })
    .strict(),
]);

export type ArgocdActionConfig = z.output<typeof argocdActionSchema>;
