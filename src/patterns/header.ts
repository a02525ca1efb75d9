// Generic removal of the header that log files put before the message, for the common layouts:
// syslog ("Jul  1 09:00:55 host proc[pid]: "), and every layout that carries a severity level
// (log4j/logback, Python logging, Apache error log, Zookeeper, OpenStack): the header is
// everything up to the level, then the decorations loggers put between level and message.
// The same rules apply to every input; nothing here is chosen per source.

const SYSLOG = /^[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2} \S+ (?:[^\s:[]+(?: [^\s:[]+)*\[\d+\](?: \(\[\d+\]\))?|[^\s:]+):\s*/;
const LEVEL =
  /^(?:\[?(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|SEVERE|CRITICAL|FATAL|FAILURE|ALERT|EMERG)\]?:?|\[(?:trace|debug|info|notice|warn|warning|error|crit|critical|fatal|alert|emerg)\])$/;
// How far into the line the level may be (BGL puts it after eight fields).
const LEVEL_WITHIN = 10;
// After the level: a thread or context in brackets (one nesting level), a " - " separator, a
// dotted logger name ended by a colon or followed by brackets, and again brackets and separator.
const DECORATION = /^(?:\[[^\][]*(?:\[[^\][]*\][^\][]*)*\]\s*|-\s+|[A-Za-z_][\w$-]*(?:\.[\w$-]+)+(?::\s+|\s+(?=\[)))/;
const MAX_DECORATIONS = 4;

/** What `/\s/` matches, by character code: a regular expression test per character cost more than the rest of the header scan. */
export function isSpace(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
  if (code < 160) return false;
  return (
    code === 160 ||
    code === 5760 ||
    (code >= 8192 && code <= 8202) ||
    code === 8232 ||
    code === 8233 ||
    code === 8239 ||
    code === 8287 ||
    code === 12288 ||
    code === 65279
  );
}

/** The message part of a raw log line: the line without its timestamp, level, thread and logger. */
export function stripHeader(line: string): string {
  const syslog = SYSLOG.exec(line);
  if (syslog) return line.slice(syslog[0].length);
  let pos = 0;
  for (let n = 0; n < LEVEL_WITHIN; n++) {
    while (pos < line.length && isSpace(line.charCodeAt(pos))) pos++;
    if (pos >= line.length) return line;
    let end = pos;
    while (end < line.length && !isSpace(line.charCodeAt(end))) end++;
    if (LEVEL.test(line.slice(pos, end))) return stripDecorations(line.slice(end).trimStart());
    pos = end;
  }
  return line;
}

function stripDecorations(rest: string): string {
  let message = rest;
  for (let n = 0; n < MAX_DECORATIONS; n++) {
    const found = DECORATION.exec(message);
    if (!found) break;
    message = message.slice(found[0].length);
  }
  return message;
}
