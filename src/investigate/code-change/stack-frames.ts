/** A place in code a stack trace or error text names. */
export interface CodeFrame {
  /** The file as the trace gives it (a path, or a bare name such as `Charge.java`). */
  file: string;
  /** The function or method, when the trace names it. */
  fn: string | null;
  line: number | null;
  /** A path to compare with a repository's changed files: the file itself, or for Java the package's path. */
  path: string;
}

// Frames of runtimes and libraries: a deploy of the service does not change them, so they name no suspect code.
const LIBRARY =
  /(^|[/\\])(node_modules|site-packages|dist-packages|vendor|jdk|rt\.jar)([/\\]|$)|^node:|^internal[/\\]|^<|^(java|javax|jdk|sun|kotlin|scala|org\.springframework|io\.netty)\.|[/\\]usr[/\\]lib[/\\]|[/\\]go[/\\]src[/\\](runtime|net|internal)[/\\]|^runtime\//;

function frame(file: string, fn: string | null, line: string | undefined, path = file): CodeFrame {
  const clean = file.replace(/^file:\/\//, "").replace(/^webpack:\/\/\/?/, "");
  return { file: clean, fn: fn?.trim() || null, line: line ? Number(line) : null, path: path.replace(/^file:\/\//, "") };
}

/** Node.js / V8: `at fn (file:line:col)`, `at file:line:col`, `at async fn (file:line:col)`. */
export function nodeFrames(text: string): CodeFrame[] {
  const out: CodeFrame[] = [];
  for (const m of text.matchAll(/^\s*at (?:async )?(?:(.+?) \()?((?:file:\/\/)?[^\s()]+?):(\d+)(?::\d+)?\)?\s*$/gm)) {
    const [, fn, file, line] = m;
    if (file && /\.(m|c)?(j|t)sx?$/.test(file)) out.push(frame(file, fn ?? null, line));
  }
  return out;
}

/** Java (and Kotlin on the JVM): `at com.acme.Class.method(Class.java:42)`. */
export function javaFrames(text: string): CodeFrame[] {
  const out: CodeFrame[] = [];
  for (const m of text.matchAll(/^\s*at ((?:[\w$]+\.)+)([\w$<>]+)\(([\w$-]+\.(?:java|kt|scala|groovy))(?::(\d+))?\)/gm)) {
    const [, qualified = "", method = "", file = "", line] = m;
    const parts = qualified.slice(0, -1).split(".");
    parts.pop(); // the class: an inner class (Outer$Inner) lives in its outer class's file, which names it
    const pkg = parts.join("/");
    out.push(frame(file, `${qualified}${method}`, line, pkg ? `${pkg}/${file}` : file));
  }
  return out;
}

/** Python: `File "x.py", line 3, in fn`; innermost last in Python, so returned innermost first. */
export function pythonFrames(text: string): CodeFrame[] {
  const out: CodeFrame[] = [];
  for (const m of text.matchAll(/File "([^"]+\.py)", line (\d+), in ([\w<>.]+)/g)) {
    const [, file = "", line, fn] = m;
    out.push(frame(file, fn ?? null, line));
  }
  return out.reverse();
}

/** Go: a `pkg.fn(...)` line followed by a tab-indented `file.go:12 +0x1d` line. */
export function goFrames(text: string): CodeFrame[] {
  const out: CodeFrame[] = [];
  for (const m of text.matchAll(/^([\w./-]+?\.(?:\(\*?\w+\)\.)?[\w.]+)\([^\n]*\)\n\t([^\s:]+\.go):(\d+)/gm)) {
    const [, fn, file = "", line] = m;
    out.push(frame(file, fn ?? null, line));
  }
  return out;
}

/** Whether a frame is the application's own code rather than a runtime's or a library's. */
export function isApplicationFrame(f: CodeFrame): boolean {
  return !LIBRARY.test(f.file) && !LIBRARY.test(f.fn ?? "") && !LIBRARY.test(f.path);
}

/**
 * The application frames a text names, innermost first, whichever of the four common formats it is in
 * (several may be, in a log line that quotes a cause). Duplicates (a recursion, the same frame twice) once.
 */
export function stackFrames(text: string): CodeFrame[] {
  const seen = new Set<string>();
  const out: CodeFrame[] = [];
  for (const f of [...nodeFrames(text), ...javaFrames(text), ...pythonFrames(text), ...goFrames(text)]) {
    const key = `${f.path}\u0000${f.fn}`;
    if (seen.has(key) || !isApplicationFrame(f)) continue;
    seen.add(key);
    out.push(f);
  }
  return out;
}
