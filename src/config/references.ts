import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { FieldProblem } from "../core/errors.ts";

const REFERENCE = /\$\{([^}]+)\}/g;

/**
 * Replaces ${VAR}, ${VAR:-default} and ${file:/path} in every string of a parsed config document.
 * Unresolvable references become problems naming their path; the value itself is never echoed,
 * since it is usually a secret.
 */
export function resolveReferences(
  value: unknown,
  env: NodeJS.ProcessEnv,
  baseDir: string,
  problems: FieldProblem[],
  path = "",
): unknown {
  if (typeof value === "string") return resolveString(value, env, baseDir, problems, path);
  if (Array.isArray(value)) return value.map((item, i) => resolveReferences(item, env, baseDir, problems, `${path}[${i}]`));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        resolveReferences(item, env, baseDir, problems, path ? `${path}.${key}` : key),
      ]),
    );
  }
  return value;
}

function resolveString(text: string, env: NodeJS.ProcessEnv, baseDir: string, problems: FieldProblem[], path: string): unknown {
  const whole = /^\$\{([^}]+)\}$/.exec(text);
  const replace = (reference: string): string | undefined => {
    if (reference.startsWith("file:")) {
      const file = resolve(baseDir, reference.slice(5));
      try {
        return readFileSync(file, "utf8").trim();
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
        problems.push({ path, message: `cannot read referenced file ${file} (${code})` });
        return undefined;
      }
    }
    const [name = "", fallback] = reference.split(":-", 2);
    const found = Object.hasOwn(env, name) ? env[name] : undefined;
    if (found !== undefined && found !== "") return found;
    if (fallback !== undefined) return fallback;
    problems.push({ path, message: `environment variable ${name} is not set` });
    return undefined;
  };
  if (whole?.[1]) {
    // A whole-value reference may stand for a number or boolean ("${PORT}"), so keep its type.
    const replaced = replace(whole[1]);
    return replaced === undefined ? text : coerce(replaced);
  }
  return text.replace(REFERENCE, (match, reference: string) => replace(reference) ?? match);
}

function coerce(text: string): unknown {
  if (text === "true") return true;
  if (text === "false") return false;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  return text;
}
