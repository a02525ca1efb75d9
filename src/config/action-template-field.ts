// Templates of remediation action parameters ("{{service}}", "restart-{{labels.pod}}"), checked when the config is
// loaded; src/remediate/actions/incident-template.ts fills them. They sit here because config sits below the
// features (docs/architecture.md) and every action kind's schema uses them.
import { z } from "zod";

/** A `{{field}}` in a template; the name is group 1. */
export const TEMPLATE_FIELD = /\{\{\s*([A-Za-z_][\w./-]*)\s*\}\}/g;
/** The incident fields a template may name besides `labels.<name>`: never a title, a summary or anything else free text or an LLM could write. */
export const PLAIN_TEMPLATE_FIELDS = ["id", "key", "service", "environment", "severity"] as const;

/** Why a template cannot be used, or null when every field it names is one an action may read. */
export function templateProblem(template: string): string | null {
  const stripped = template.replace(TEMPLATE_FIELD, "");
  if (stripped.includes("{{") || stripped.includes("}}")) return `"${template}" has a malformed {{field}}`;
  for (const match of template.matchAll(TEMPLATE_FIELD)) {
    const name = match[1] ?? "";
    if ((PLAIN_TEMPLATE_FIELDS as readonly string[]).includes(name)) continue;
    if (/^labels\.[\w./-]+$/.test(name)) continue;
    return `"${template}" names {{${name}}}; only ${PLAIN_TEMPLATE_FIELDS.join(", ")} and labels.<name> may be used`;
  }
  return null;
}

/** A config string that may carry incident-field templates, checked when the config is loaded. */
export function templateField(description: string) {
  return z
    .string()
    .min(1)
    .superRefine((value, ctx) => {
      const problem = templateProblem(value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .describe(description);
}
