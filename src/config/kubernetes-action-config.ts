import { z } from "zod";
import { templateField } from "./action-template-field.ts";

/** How Sluice reaches a cluster: its own service account (the default), a kubeconfig file, or a server and token. */
export const kubernetesConnectionSchema = z
  .union([
    z.object({ inCluster: z.literal(true) }).strict(),
    z
      .object({
        kubeconfig: z.string().min(1).describe("Path of a kubeconfig file"),
        context: z.string().min(1).optional().describe("Its context to use; the file's current one when absent"),
      })
      .strict(),
    z
      .object({
        server: z.url({ protocol: /^https?$/ }).describe("API server URL"),
        token: z
          .string()
          .min(1)
          .describe("Name of the secret in `remediation.secrets` holding a bearer token (a service account token)"),
        caFile: z.string().min(1).optional().describe("CA bundle that signed the server's certificate"),
        insecureSkipTlsVerify: z.boolean().default(false).describe("Never in production: skips the server certificate check"),
      })
      .strict(),
  ])
  .default({ inCluster: true });

const common = {
  kind: z.literal("kubernetes"),
  cluster: z
    .string()
    .regex(/^[A-Za-z0-9][\w.-]*$/, "a cluster name (letters, digits, '.', '_', '-')")
    .describe("Name of the cluster in targets and summaries (k8s:<cluster>/<namespace>/deployment/<name>)"),
  connection: kubernetesConnectionSchema,
  namespace: templateField("Namespace of the Deployment; may use {{incident fields}}"),
  deployment: templateField("Name of the Deployment; may use {{incident fields}}, for example {{service}}"),
};

const replicaCount = z.number().int().min(0).max(10_000);

/** `action` of a playbook acting on a Deployment: restart its pods, scale it, or roll it back one revision. */
export const kubernetesActionSchema = z.discriminatedUnion("operation", [
  z.object({ ...common, operation: z.literal("rolloutRestart") }).strict(),
  z
    .object({
      ...common,
      operation: z.literal("scale"),
      replicas: z
        .union([
          z.object({ to: replicaCount.describe("Replicas to set") }).strict(),
          z
            .object({
              delta: z
                .number()
                .int()
                .min(-1000)
                .max(1000)
                .refine((n) => n !== 0, "a delta of 0 changes nothing"),
              min: replicaCount.default(1).describe("Never scale below this"),
              max: replicaCount.describe("Never scale above this"),
            })
            .strict()
            .refine((r) => r.min <= r.max, "min must not exceed max"),
          z.literal("previous").describe("The count before the playbook's action (a rollback only: from its undo data)"),
        ])
        .describe("Either `to: N`, `delta: ±N` within `min`..`max`, or (in a rollback) `previous`"),
    })
    .strict(),
  z.object({ ...common, operation: z.literal("rollback") }).strict(),
]);

export type KubernetesActionConfig = z.output<typeof kubernetesActionSchema>;
export type KubernetesConnection = z.output<typeof kubernetesConnectionSchema>;
