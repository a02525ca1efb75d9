import { readFileSync } from "node:fs";
import { Ajv } from "ajv";

/**
 * Checks answers a test fabricates (a stateful overlay on Prism) against the response schema the API
 * description declares for that path, method and status: fabricated state must still be what the vendor
 * could send. Works for OpenAPI 3 (`content["application/json"].schema`) and Swagger 2 (`schema`).
 */
export function responseChecker(specPath: string): (method: string, path: string, status: number, body: unknown) => string[] {
  const spec = JSON.parse(readFileSync(specPath, "utf8")) as { paths: Record<string, Record<string, unknown>> };
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema(spec as object, "spec");
  const routes = Object.keys(spec.paths).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`),
  }));
  const compiled = new Map<string, ReturnType<Ajv["compile"]>>();

  return (method, path, status, body) => {
    // Several templates can match one path ({name} and {application.metadata.name}): take one with the method.
    const route = routes.find((r) => r.pattern.test(path.split("?")[0] ?? "") && spec.paths[r.template]?.[method.toLowerCase()]);
    if (!route) return [`${method} ${path}: no such operation in the description`];
    const operation = spec.paths[route.template]?.[method.toLowerCase()] as { responses?: Record<string, unknown> } | undefined;
    const responses = operation?.responses ?? {};
    const code = String(status) in responses ? String(status) : "default";
    const response = responses[code] as { content?: Record<string, unknown>; schema?: unknown } | undefined;
    if (!response) return [`${method} ${path}: the description declares no ${status} answer`];
    const pointer = ["paths", route.template, method.toLowerCase(), "responses", code];
    if (response.content) pointer.push("content", "application/json", "schema");
    else if (response.schema) pointer.push("schema");
    else return [];
    const ref = `spec#/${pointer
      .map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1"))
      .map(encodeURIComponent)
      .join("/")}`;
    let validate = compiled.get(ref);
    if (!validate) {
      validate = ajv.compile({ $ref: ref });
      compiled.set(ref, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map((e) => `${method} ${path} ${status} answer ${e.instancePath || "/"}: ${e.message}`);
  };
}
