// Test support: an in-memory Jira (Cloud v3 or Server v2 paths) with a small workflow, for unit
// tests and the Server flavour's contract run (no API description of REST v2 is available).
import type { HttpClient } from "../connectors/connector.ts";
import type { JiraDeployment } from "../connectors/jira/jira-settings.ts";

/** One request the fake received. */
export interface FakeCall {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: unknown;
}

/** An issue as the fake keeps it. */
export interface FakeIssue {
  id: string;
  key: string;
  fields: Record<string, unknown>;
  category: "new" | "indeterminate" | "done";
  comments: unknown[];
}

const STATUS = {
  new: { name: "To Do", statusCategory: { key: "new" } },
  indeterminate: { name: "In Progress", statusCategory: { key: "indeterminate" } },
  done: { name: "Done", statusCategory: { key: "done" } },
} as const;

// The classic workflow: each transition is offered only from some categories.
const WORKFLOW = [
  { id: "11", name: "Start Progress", to: "indeterminate", from: ["new"] },
  { id: "31", name: "Done", to: "done", from: ["new", "indeterminate"] },
  { id: "41", name: "Reopen", to: "new", from: ["done"] },
] as const;

/** A scripted answer: a Response, a thrown error, or a hang until the caller's timeout. */
export type FakeAnswer = Response | Error | "hang";

export function fakeJira(deployment: JiraDeployment = "cloud") {
  const prefix = deployment === "cloud" ? "/rest/api/3" : "/rest/api/2";
  const calls: FakeCall[] = [];
  const queue: FakeAnswer[] = [];
  const issues = new Map<string, FakeIssue>();
  let next = 1;

  const http: HttpClient = async (url, init) => {
    const parsed = new URL(url);
    const text = typeof init.body === "string" ? init.body : "";
    const call: FakeCall = {
      method: init.method ?? "GET",
      path: parsed.pathname,
      query: parsed.searchParams,
      headers: new Headers(init.headers),
      body: text ? JSON.parse(text) : null,
    };
    calls.push(call);
    const scripted = queue.shift();
    if (scripted === "hang") return hang(init.signal ?? null);
    if (scripted instanceof Error) throw scripted;
    if (scripted) return scripted;
    return answer(call);
  };

  function answer(call: FakeCall): Response {
    // The site URL may carry a context path (https://host/jira) before the REST prefix.
    const at = call.path.indexOf(prefix);
    const route = `${call.method} ${at >= 0 ? call.path.slice(at + prefix.length) : call.path}`;
    if (route === "GET /myself") {
      return json(
        deployment === "cloud"
          ? { accountId: "5b10a2844c", displayName: "Sluice Bot" }
          : { name: "sluice", displayName: "Sluice Bot" },
      );
    }
    if ((deployment === "cloud" && route === "POST /search/jql") || (deployment === "server" && route === "GET /search")) {
      const jql = deployment === "cloud" ? String((call.body as { jql?: string }).jql) : (call.query.get("jql") ?? "");
      const label = /labels = "([^"]+)"/.exec(jql)?.[1];
      const found = [...issues.values()].filter(
        (i) => (i.fields.labels as string[] | undefined)?.includes(label ?? "") && i.category !== "done",
      );
      return json({ issues: found.map((i) => ({ id: i.id, key: i.key, fields: { status: STATUS[i.category] } })) });
    }
    if (route === "POST /issue") {
      const fields = (call.body as { fields: Record<string, unknown> }).fields;
      const project = (fields.project as { key: string }).key;
      const issue: FakeIssue = { id: String(10000 + next), key: `${project}-${next}`, fields, category: "new", comments: [] };
      next++;
      issues.set(issue.key, issue);
      return json({ id: issue.id, key: issue.key, self: `https://jira.test${prefix}/issue/${issue.id}` }, 201);
    }
    const match = /^(GET|POST|PUT) \/issue\/([^/]+)(\/comment|\/transitions)?$/.exec(route);
    const issue = match?.[2] ? issues.get(decodeURIComponent(match[2])) : undefined;
    if (match && !issue)
      return json({ errorMessages: ["Issue does not exist or you do not have permission to see it."], errors: {} }, 404);
    if (match && issue) {
      const [, method, , sub] = match;
      if (method === "GET" && !sub) return json({ id: issue.id, key: issue.key, fields: { status: STATUS[issue.category] } });
      if (method === "PUT" && !sub) {
        Object.assign(issue.fields, (call.body as { fields: object }).fields);
        return new Response(null, { status: 204 });
      }
      if (method === "POST" && sub === "/comment") {
        issue.comments.push((call.body as { body: unknown }).body);
        return json({ id: String(issue.comments.length) }, 201);
      }
      const offered = WORKFLOW.filter((t) => (t.from as readonly string[]).includes(issue.category));
      if (method === "GET" && sub === "/transitions") {
        return json({ transitions: offered.map((t) => ({ id: t.id, name: t.name, to: STATUS[t.to] })) });
      }
      if (method === "POST" && sub === "/transitions") {
        const id = (call.body as { transition: { id: string } }).transition.id;
        const transition = offered.find((t) => t.id === id);
        if (!transition) return json({ errorMessages: [`Transition id '${id}' is not valid for this issue.`], errors: {} }, 400);
        issue.category = transition.to;
        return new Response(null, { status: 204 });
      }
    }
    return json({ errorMessages: [`fake Jira has no route ${route}`], errors: {} }, 404);
  }

  return {
    http,
    calls,
    issues,
    /** Queues answers for the next requests, in order. */
    answer: (...answers: FakeAnswer[]) => queue.push(...answers),
    routes: () => calls.map((c) => `${c.method} ${c.path}`),
  };
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

// AbortSignal.timeout's timer does not keep the process alive; this one does, until the abort.
function hang(signal: AbortSignal | null): Promise<Response> {
  return new Promise((_resolve, reject) => {
    const keepAlive = setTimeout(() => reject(new Error("fake Jira: the caller set no timeout")), 30_000);
    if (!signal) return;
    const abort = () => {
      clearTimeout(keepAlive);
      reject(signal.reason);
    };
    if (signal.aborted) return abort();
    signal.addEventListener("abort", abort, { once: true });
  });
}
