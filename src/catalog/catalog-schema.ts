import { z } from "zod";
import type { DestinationCatalog } from "../connectors/catalog-destinations.ts";
import { destinationCatalog } from "../connectors/registry.ts";

const name = z.string().trim().min(1);
const url = z.url({ protocol: /^https?$/, error: "must be an http or https URL" });

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Where a service runs in Kubernetes, for the investigation's read-only Kubernetes evidence. */
const kubernetesWorkload = z
  .strictObject({
    namespace: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a namespace name")
      .optional()
      .describe("Its namespace (default: investigation.kubernetes.namespace)."),
    deployment: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, "must be a Deployment name")
      .optional()
      .describe("Its Deployment; its pods are found by the Deployment's own selector."),
    selector: z
      .record(z.string().regex(LABEL_KEY, "must be a label key"), z.string().regex(LABEL_VALUE, "must be a label value"))
      .refine((labels) => Object.keys(labels).length > 0, "must name at least one label")
      .optional()
      .describe("Labels of its pods and Deployment (default: app.kubernetes.io/name: <service>)."),
  })
  .refine((k) => !(k.deployment && k.selector), "name either a deployment or a selector, not both")
  .describe("Where it runs in Kubernetes (docs/investigation.md); only read by the Kubernetes evidence collector.");

/** The keys every catalog entry has, whatever platforms are registered. */
const ownerFields = {
  service: name.describe("Service name as signals carry it."),
  aliases: z.array(name).default([]).describe("Other names signals use for the same service."),
  team: name.describe("Owning team; routing rules can match it."),
  tier: z
    .union([z.string().min(1), z.number()])
    .transform(String)
    .optional(),
  description: z.string().optional(),
  runbook: url.optional(),
  dashboards: z.array(z.strictObject({ title: name, url })).default([]),
};
const relationFields = {
  escalation: name.optional().describe("An escalation policy name or free text for responders."),
  dependsOn: z.array(name).default([]).describe("Services this one calls; their changes are relevant to its incidents."),
  metrics: z
    .array(
      z.strictObject({
        name,
        query: z.string().trim().min(1).describe("PromQL; `$service` is replaced by the service's name."),
        direction: z.enum(["up", "down", "both"]).default("up"),
      }),
    )
    .optional()
    .describe("Series the investigation measures for this service, replacing the defaults (docs/investigation.md)."),
  kubernetes: kubernetesWorkload.optional(),
};

function buildSchema(destinations: DestinationCatalog) {
  // Each platform's destination (jira, slackChannel, pagerduty, ...) comes from its connector's folder.
  return z.strictObject({ ...ownerFields, ...destinations.shape(), ...relationFields });
}

const schemas = new WeakMap<DestinationCatalog, ReturnType<typeof buildSchema>>();

/** One service as written in a Sluice catalog file, with the destinations of these platforms. */
export function catalogServiceSchemaFor(destinations: DestinationCatalog): ReturnType<typeof buildSchema> {
  let schema = schemas.get(destinations);
  if (!schema) {
    schema = buildSchema(destinations);
    schemas.set(destinations, schema);
  }
  return schema;
}

/** One service as written in a Sluice catalog file (the registered platforms). */
export const catalogServiceSchema = catalogServiceSchemaFor(destinationCatalog);

export type CatalogServiceInput = z.infer<typeof catalogServiceSchema>;
