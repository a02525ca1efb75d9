import { createHash } from "node:crypto";
import { z } from "zod";
import { CHANGE_KINDS, type Change, type ChangeFormat, type ChangeKind, type NormalizedChange } from "../../core/change.ts";
import type { FieldProblem } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { mapAllOrNothing, problemsOf } from "../../core/zod-problems.ts";
import { parseTimestamp, TIMESTAMP_NUMBER_DOC, TIMESTAMP_TEXT_DOC } from "./build-signal.ts";

/** What every mapper knows about the request or record a change came in. */
export interface ChangeContext {
  receivedAt: number;
  /** The upstream id of an item that has none (a Kafka record's position); default: a fresh id, so every send is new. */
  fallbackId?(index: number): string;
}

// Trimmed, then at least one character: the description says "something besides spaces".
const NOT_BLANK = { pattern: "[^\\s\\ufeff]" };
const name = z.string().meta(NOT_BLANK).trim().min(1).max(256);
const timestamp = z.union([z.string().meta(TIMESTAMP_TEXT_DOC), z.number().meta(TIMESTAMP_NUMBER_DOC)]);

/** Sluice's own change document. */
export const sluiceChangeSchema = z
  .strictObject({
    id: z.string().min(1).max(256).optional().describe("Upstream id; re-sending the same id (and source) is a no-op."),
    source: name.optional().describe('The system that made the change (default "sluice"); with id, the identity.'),
    service: name,
    environment: name.optional().describe('Default "production".'),
    tenant: name.optional().describe('Default "default".'),
    kind: z.enum(CHANGE_KINDS).default("deploy"),
    summary: z.string().meta(NOT_BLANK).trim().min(1).max(1000).optional().describe('Default: "<kind> <version> of <service>".'),
    at: timestamp.optional().describe("When it happened: ISO 8601 or epoch seconds/ms (default: when received)."),
    timestamp: timestamp.optional().describe("Alias of at."),
    version: z.string().min(1).max(256).optional(),
    author: z.string().min(1).max(256).optional(),
    url: z
      .url({ protocol: /^https?$/ })
      .meta({ pattern: "^https?://[^/?#\\s]" })
      .max(2048)
      .optional(),
    labels: z.record(z.string().max(256), z.string().max(1024)).optional(),
  })
  .describe("A Sluice change document.");

/** A PagerDuty Events API v2 change event (POST /v2/change/enqueue). */
export const pagerDutyChangeSchema = z
  .looseObject({
    routing_key: z.string().min(1).max(256).describe("Accepted for compatibility; never stored."),
    payload: z.looseObject({
      summary: z.string().meta(NOT_BLANK).trim().min(1).max(1024),
      timestamp: z.string().meta(TIMESTAMP_TEXT_DOC).optional(),
      source: z.string().max(256).optional(),
      custom_details: z.record(z.string(), z.unknown()).optional(),
    }),
    links: z
      .array(z.looseObject({ href: z.string().max(2048), text: z.string().optional() }))
      .max(100)
      .optional(),
  })
  .describe("A PagerDuty change event.");

const githubUser = z.looseObject({ login: z.string() }).nullish();

/** GitHub's deployment_status webhook: a successful status is a deploy. */
export const githubDeploymentStatusSchema = z
  .looseObject({
    deployment_status: z.looseObject({
      id: z.union([z.number(), z.string()]),
      state: z.string(),
      environment: z.string().optional(),
      description: z.string().nullish(),
      target_url: z.string().nullish(),
      environment_url: z.string().nullish(),
      created_at: z.string().meta(TIMESTAMP_TEXT_DOC),
      creator: githubUser,
    }),
    deployment: z.looseObject({
      sha: z.string(),
      ref: z.string(),
      environment: z.string().optional(),
      payload: z.unknown().optional(),
      creator: githubUser,
    }),
    repository: z.looseObject({ name: z.string(), full_name: z.string(), html_url: z.string().optional() }),
  })
  .describe("A GitHub deployment_status webhook.");

/** Which mapper reads an item: the PagerDuty and GitHub shapes have fields no Sluice document may have. */
export function changeFormatOf(item: Record<string, unknown>): ChangeFormat {
  if ("deployment_status" in item) return "github";
  if ("payload" in item || "routing_key" in item) return "pagerduty";
  return "sluice";
}

/**
 * Normalizes the items of one request or record. All or nothing, like signals: one bad item fails
 * the whole request with every problem named (a VALIDATION_FAILED error, a 422).
 */
export function normalizeChanges(items: readonly unknown[], context: ChangeContext, single: boolean): NormalizedChange[] {
  return mapAllOrNothing(
    items,
    single,
    ["change", "changes"],
    (item, index, prefix): NormalizedChange | { problems: FieldProblem[] } => {
      const format = changeFormatOf(item);
      const fallback = context.fallbackId?.(index) ?? newId(context.receivedAt);
      const mapped =
        format === "github"
          ? mapGithub(item, context, prefix)
          : format === "pagerduty"
            ? mapPagerDuty(item, context, prefix, fallback)
            : mapSluice(item, context, prefix, fallback);
      return "problems" in mapped ? mapped : { format, ...mapped };
    },
  );
}

type Mapped = { change: Change } | { ignored: string } | { problems: FieldProblem[] };

function at(prefix: string, field: string): string {
  return prefix ? `${prefix}.${field}` : field;
}

function defaultSummary(kind: ChangeKind, version: string | null, service: string): string {
  return version ? `${kind} ${version} of ${service}` : `${kind} of ${service}`;
}

function mapSluice(item: unknown, context: ChangeContext, prefix: string, fallbackId: string): Mapped {
  const parsed = sluiceChangeSchema.safeParse(item);
  if (!parsed.success) return { problems: problemsOf(parsed.error, prefix) };
  const body = parsed.data;
  // `at` wins when both are given, but a bad alias is still a bad field.
  const problems = (["at", "timestamp"] as const)
    .filter((field) => body[field] !== undefined && parseTimestamp(body[field]) === undefined)
    .map((field) => ({ path: at(prefix, field), message: "is not an ISO 8601 timestamp or epoch" }));
  if (problems.length > 0) return { problems };
  const when = parseTimestamp(body.at ?? body.timestamp);
  const version = body.version ?? null;
  return {
    change: {
      id: newId(context.receivedAt),
      source: body.source ?? "sluice",
      sourceId: body.id ?? fallbackId,
      tenant: body.tenant ?? "default",
      service: body.service,
      environment: body.environment ?? "production",
      kind: body.kind,
      summary: body.summary ?? defaultSummary(body.kind, version, body.service),
      at: when ?? context.receivedAt,
      version,
      author: body.author ?? null,
      url: body.url ?? null,
      labels: body.labels ?? {},
      receivedAt: context.receivedAt,
    },
  };
}

// custom_details keys that become Change fields rather than labels.
const PD_MAPPED = new Set(["service", "environment", "tenant", "kind", "version", "build_number", "author", "id", "change_id"]);
const MAX_LABELS = 50;

function scalarText(value: unknown): string | undefined {
  if (typeof value === "string") return value.trim() || undefined;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

function mapPagerDuty(item: unknown, context: ChangeContext, prefix: string, fallbackId: string): Mapped {
  const parsed = pagerDutyChangeSchema.safeParse(item);
  if (!parsed.success) return { problems: problemsOf(parsed.error, prefix) };
  const { payload, links } = parsed.data;
  const details = payload.custom_details ?? {};
  const problems: FieldProblem[] = [];
  const service = scalarText(details.service) ?? payload.source?.trim();
  if (!service) {
    problems.push({
      path: at(prefix, "payload.source"),
      message: "name the changed service in payload.source or payload.custom_details.service",
    });
  }
  const when = parseTimestamp(payload.timestamp);
  if (payload.timestamp !== undefined && when === undefined) {
    problems.push({ path: at(prefix, "payload.timestamp"), message: "is not an ISO 8601 timestamp" });
  }
  let kind: ChangeKind = "deploy";
  if (details.kind !== undefined) {
    const given = CHANGE_KINDS.find((k) => k === details.kind);
    if (given) kind = given;
    else problems.push({ path: at(prefix, "payload.custom_details.kind"), message: `must be one of ${CHANGE_KINDS.join(", ")}` });
  }
  if (problems.length > 0 || !service) return { problems };
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(details)) {
    const text = scalarText(value);
    if (PD_MAPPED.has(key) || text === undefined || Object.keys(labels).length >= MAX_LABELS) continue;
    labels[key.slice(0, 256)] = text.slice(0, 1024);
  }
  const upstreamId = scalarText(details.change_id) ?? scalarText(details.id);
  return {
    change: {
      id: newId(context.receivedAt),
      source: "pagerduty",
      // PagerDuty change events carry no id. With a timestamp, the event's content identifies it, so a
      // re-send is recognised; without one two identical events may be two changes, so each is kept.
      sourceId: upstreamId ?? (payload.timestamp !== undefined ? contentId({ payload, links: links ?? [] }) : fallbackId),
      tenant: scalarText(details.tenant) ?? "default",
      service: service.slice(0, 256),
      environment: scalarText(details.environment) ?? "production",
      kind,
      summary: payload.summary,
      at: when ?? context.receivedAt,
      version: scalarText(details.version) ?? scalarText(details.build_number) ?? null,
      author: scalarText(details.author) ?? null,
      url: links?.find((link) => /^https?:\/\//.test(link.href))?.href ?? null,
      labels,
      receivedAt: context.receivedAt,
    },
  };
}

function mapGithub(item: unknown, context: ChangeContext, prefix: string): Mapped {
  const parsed = githubDeploymentStatusSchema.safeParse(item);
  if (!parsed.success) return { problems: problemsOf(parsed.error, prefix) };
  const { deployment_status: status, deployment, repository } = parsed.data;
  // Checked first: a document that is not valid is refused whatever its state.
  const when = parseTimestamp(status.created_at);
  if (when === undefined) {
    return { problems: [{ path: at(prefix, "deployment_status.created_at"), message: "is not an ISO 8601 timestamp" }] };
  }
  // Only a finished, successful deployment changed what runs; pending, failed and inactive ones did not.
  if (status.state !== "success") return { ignored: `deployment status "${status.state}" is not a completed deploy` };
  const deployPayload = deployment.payload;
  const named =
    deployPayload && typeof deployPayload === "object"
      ? scalarText((deployPayload as Record<string, unknown>).service)
      : undefined;
  const service = named ?? repository.name;
  const environment = status.environment ?? deployment.environment ?? "production";
  const version =
    deployment.ref === deployment.sha ? deployment.sha.slice(0, 12) : `${deployment.ref}@${deployment.sha.slice(0, 12)}`;
  const url = [status.target_url, status.environment_url, repository.html_url].find((u) => u && /^https?:\/\//.test(u)) ?? null;
  return {
    change: {
      id: newId(context.receivedAt),
      source: "github",
      sourceId: `deployment_status:${status.id}`,
      tenant: "default",
      service,
      environment,
      kind: "deploy",
      summary: `deploy ${version} of ${repository.full_name} to ${environment}${status.description ? `: ${status.description}` : ""}`,
      at: when,
      version,
      author: status.creator?.login ?? deployment.creator?.login ?? null,
      url,
      labels: { repository: repository.full_name, ...codeLabels(deployPayload, deployment.sha) },
      receivedAt: context.receivedAt,
    },
  };
}

/**
 * What the deployment changed, when the workflow that created it says so in its payload (GitHub's own
 * deployment_status event carries only the deployed sha): `previous_sha` gives the commit range,
 * `changed_files` (paths) the files. Investigations match them against the code stack traces name.
 */
function codeLabels(payload: unknown, sha: string): Record<string, string> {
  if (!payload || typeof payload !== "object") return {};
  const fields = payload as Record<string, unknown>;
  const out: Record<string, string> = {};
  const previous = scalarText(fields.previous_sha);
  if (previous && /^[0-9a-f]{4,64}$/i.test(previous)) out.commitRange = `${previous.slice(0, 12)}..${sha.slice(0, 12)}`;
  if (Array.isArray(fields.changed_files)) {
    // A label holds 1 024 characters: the files that fit, in the order given.
    let files = "";
    for (const file of fields.changed_files) {
      if (typeof file !== "string" || !file.trim()) continue;
      const next = files ? `${files},${file.trim()}` : file.trim();
      if (next.length > 1024) break;
      files = next;
    }
    if (files) out.changedFiles = files;
  }
  return out;
}

function contentId(value: unknown): string {
  return `sha256:${createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 32)}`;
}
