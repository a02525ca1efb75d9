// Builds the web console (web/) into web/dist: one hashed JS bundle and one CSS file, and index.html
// naming them. Fails when the JavaScript is over its budget (100 KB gzipped), so the console stays small.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

export const JS_BUDGET_GZIP_BYTES = 100 * 1024;

const web = join(dirname(fileURLToPath(import.meta.url)), "..", "web");
const dist = join(web, "dist");

export async function buildWeb(): Promise<{ jsGzipBytes: number; files: string[] }> {
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(join(dist, "assets"), { recursive: true });
  const result = await build({
    entryPoints: [join(web, "src", "main.tsx"), join(web, "src", "styles.css")],
    bundle: true,
    minify: true,
    format: "esm",
    target: ["es2022"],
    jsx: "automatic",
    jsxImportSource: "preact",
    outdir: join(dist, "assets"),
    entryNames: "[name]-[hash]",
    metafile: true,
    legalComments: "none",
    logLevel: "warning",
  });
  const outputs = Object.keys(result.metafile.outputs);
  const js = outputs.filter((file) => file.endsWith(".js"));
  const css = outputs.find((file) => file.endsWith(".css"));
  if (js.length !== 1 || !css) throw new Error(`expected one JS and one CSS output, got ${outputs.join(", ")}`);
  const jsGzipBytes = js.reduce((total, file) => total + gzipSync(readFileSync(file)).length, 0);
  if (jsGzipBytes > JS_BUDGET_GZIP_BYTES) {
    throw new Error(`the console's JavaScript is ${jsGzipBytes} bytes gzipped, over the ${JS_BUDGET_GZIP_BYTES}-byte budget`);
  }
  const html = readFileSync(join(web, "index.html"), "utf8")
    .replace("%JS%", basename(js[0] as string))
    .replace("%CSS%", basename(css));
  writeFileSync(join(dist, "index.html"), html);
  return { jsGzipBytes, files: outputs.map((file) => basename(file)) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  buildWeb().then(
    ({ jsGzipBytes, files }) => {
      process.stdout.write(
        `web console built in ${Date.now() - started} ms: ${files.join(", ")}; JS ${(jsGzipBytes / 1024).toFixed(1)} KB gzipped (budget 100 KB)\n`,
      );
    },
    (error: Error) => {
      process.stderr.write(`web console build failed: ${error.message}\n`);
      process.exit(1);
    },
  );
}
