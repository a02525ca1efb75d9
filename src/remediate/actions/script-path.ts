import { constants } from "node:fs";
import { access, realpath, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { scriptNameProblem } from "../../config/script-action-config.ts";

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
