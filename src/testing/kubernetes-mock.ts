// The Kubernetes API as the contract tests see it: Prism serving the Kubernetes 1.35 description
// (../shared/specs/kubernetes) in --errors mode validates every request; when it accepts one, a FakeCluster
// answers in its place, each answer checked against the description's response schemas. The official client
// makes its own HTTP calls, so it talks to a loopback proxy that hands each request to a RecordingHttp.
import type { HttpClient } from "../connectors/connector.ts";
import type { FakeCluster } from "./fake-kubernetes.ts";
import { type HttpProxy, startHttpProxy } from "./http-proxy.ts";
import { responseChecker } from "./openapi-responses.ts";
import { type PrismMock, startPrism } from "./prism.ts";
import type { RecordingHttp } from "./recording-http.ts";
import { locateSpec } from "./specs.ts";

export const KUBERNETES_SPEC = locateSpec("kubernetes/kubernetes-1.35-apps-core.derived.prism-patched.json");

export type AnswerChecker = ReturnType<typeof responseChecker>;

export interface KubernetesMock {
  prism: PrismMock;
  /** The proxy: the server URL to give the official client. */
  proxy: HttpProxy;
  checkAnswer: AnswerChecker;
  stop(): Promise<void>;
}

/** Starts Prism and the proxy; every request goes through `recorder()` (read per request: tests replace it). */
export async function startKubernetesMock(recorder: () => RecordingHttp): Promise<KubernetesMock> {
  const checkAnswer = responseChecker(KUBERNETES_SPEC.path);
  const prism = await startPrism(KUBERNETES_SPEC.path, { dynamic: true });
  const proxy = await startHttpProxy(
    () => prism.baseUrl,
    (url, init) => recorder().http(url, init),
  );
  return {
    prism,
    proxy,
    checkAnswer,
    stop: async () => {
      await proxy.stop();
      await prism.stop();
    },
  };
}

/**
 * Prism validates the request; when it accepts it, `cluster()` answers instead of Prism's invention, and what
 * it answers is checked against the description (problems go to `problems`).
 */
export function clusterBehindPrism(cluster: () => FakeCluster, checkAnswer: () => AnswerChecker, problems: string[]): HttpClient {
  return async (url, init) => {
    const real = await fetch(url, init);
    const text = await real.text();
    if (!real.ok || real.headers.has("sl-violations")) return new Response(text, { status: real.status, headers: real.headers });
    const { pathname, searchParams } = new URL(url);
    const method = init.method ?? "GET";
    const answer = cluster().answer(method, pathname, searchParams, new Headers(init.headers), String(init.body ?? ""));
    problems.push(...checkAnswer()(method, pathname, answer.status, answer.body));
    return Response.json(answer.body, { status: answer.status });
  };
}
