import { constants } from "node:fs";
import { access, realpath, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";

/** Why a script name from config is refused, or null: only plain relative names inside the directory. */
export function scriptNameProblem(name: string): string | null {
  if (name.length === 0) return "the script name is empty";
  if (name.includes("\0")) return "the script name contains a NUL character";
  if (isAbsolute(name) || name.startsWith("/") || name.startsWith("\\") || /^[A-Za-z]:/.test(name)) {
    return `"${name}" is an absolute path; name a script inside the allow-listed directory`;
  }
  if (name.split(/[/\\]/).some((part) => part === ".." || part === "." || part === "")) {
    return `"${name}" has a ".", ".." or empty path segment; name a script inside the allow-listed directory`;
  }
  return null;
}

/**
 * The real path of a script inside the allow-listed directory, after following every symlink: a link
 * that leads outside the directory is refused like a `..` name, and so is anything but an executable file.
 */
export async function resolveScript(directory: string, name: string): Promise<string> {
  const problem = scriptNameProblem(name);
  if (problem) throw new Error(problem);
  const root = await realpath(directory).catch(() => {
    throw new Error(`the script directory ${directory} does not exist`);
  });
  const real = await realpath(resolve(root, name)).catch(() => {
    throw new Error(`script "${name}" not found in the script directory`);
  });
  const inside = relative(root, real);
  if (inside === "" || inside.startsWith(`..${sep}`) || inside === ".." || isAbsolute(inside)) {
    throw new Error(`script "${name}" resolves outside the script directory; refused`);
  }
  const info = await stat(real);
  if (!info.isFile()) throw new Error(`script "${name}" is not a regular file`);
  await access(real, constants.X_OK).catch(() => {
    throw new Error(`script "${name}" is not executable`);
  });
  return real;
}
