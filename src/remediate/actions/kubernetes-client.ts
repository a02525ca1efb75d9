import { AppsV1Api, KubeConfig, PatchStrategy } from "@kubernetes/client-node";
// The generated client takes only its own Observable-style middleware; its `of` builds one.
import { ObjectSerializer } from "@kubernetes/client-node/dist/gen/models/ObjectSerializer.js";
import { of } from "@kubernetes/client-node/dist/gen/rxjsStub.js";
import type { KubernetesConnection } from "../../config/kubernetes-action-config.ts";
import type { JsonObject } from "./kubernetes-rollback.ts";

/** The calls the Kubernetes action makes, with each request bound to the run's abort signal. */
export interface DeploymentClient {
  apps: AppsV1Api;
  /** Options for a read or list: carries the abort signal. */
  read: RequestOptions;
  /** Options for a JSON merge patch (`application/merge-patch+json`), with the abort signal. */
  mergePatch: RequestOptions;
}

type RequestOptions = Parameters<AppsV1Api["readNamespacedDeployment"]>[1];

/** Builds the official client for one run; the token is read from the secret only now, never kept. */
export function deploymentClient(
  connection: KubernetesConnection,
  secret: (ref: string) => string,
  signal: AbortSignal,
): { client: DeploymentClient; secrets: string[] } {
  const { config, secrets } = kubeConfig(connection, secret);
  const apps = config.makeApiClient(AppsV1Api);
  return { client: { apps, read: withRequest(signal), mergePatch: withRequest(signal, PatchStrategy.MergePatch) }, secrets };
}

/**
 * The client configuration of a connection: in-cluster (the pod's service account), a kubeconfig file (and
 * context), or a server with a bearer token from a secret. Also `secrets`: the token, for scrubbing text.
 */
export function kubeConfig(
  connection: KubernetesConnection,
  secret: (ref: string) => string,
): { config: KubeConfig; secrets: string[] } {
  const config = new KubeConfig();
  const secrets: string[] = [];
  if ("inCluster" in connection) {
    config.loadFromCluster();
  } else if ("kubeconfig" in connection) {
    config.loadFromFile(connection.kubeconfig);
    if (connection.context) config.setCurrentContext(connection.context);
  } else {
    const token = secret(connection.token);
    secrets.push(token);
    config.loadFromOptions({
      clusters: [
        {
          name: "target",
          server: connection.server,
          skipTLSVerify: connection.insecureSkipTlsVerify,
          ...(connection.caFile ? { caFile: connection.caFile } : {}),
        },
      ],
      users: [{ name: "sluice", token }],
      contexts: [{ name: "target", cluster: "target", user: "sluice" }],
      currentContext: "target",
    });
  }
  // A kubeconfig or the service account carries its own token: it must never reach a summary either.
  const user = config.getCurrentUser();
  if (user?.token && !secrets.includes(user.token)) secrets.push(user.token);
  return { config, secrets };
}

/** Request options of a read or list: the call is bound to `signal`. */
export function readOptions(signal: AbortSignal): RequestOptions {
  return withRequest(signal);
}

function withRequest(signal: AbortSignal, contentType?: string): RequestOptions {
  return {
    middleware: [
      {
        pre: (request) => {
          request.setSignal(signal);
          if (contentType) request.setHeaderParam("Content-Type", contentType);
          return of(request);
        },
        post: (response) => of(response),
      },
    ],
    middlewareMergeStrategy: "append",
  };
}

/** The client's typed object turned back into the JSON the API server sent (field names, RFC 3339 timestamps). */
export function toWire(value: unknown, type: string): JsonObject {
  return JSON.parse(JSON.stringify(ObjectSerializer.serialize(value, type, ""))) as JsonObject;
}

/** A failed call in words: the Kubernetes `Status` reason and message when the server sent one. */
export function kubernetesErrorText(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "number") {
    const body = (error as { body?: unknown }).body;
    const status = parseStatus(body);
    const detail = status ? [status.reason, status.message].filter(Boolean).join(": ") : "";
    return `HTTP ${code}${detail ? ` ${detail}` : ""}`;
  }
  if (error instanceof Error) {
    const cause = (error as { code?: unknown; type?: unknown }).code ?? (error as { type?: unknown }).type;
    return typeof cause === "string" && !error.message.includes(cause) ? `${error.message} (${cause})` : error.message;
  }
  return String(error);
}

function parseStatus(body: unknown): { reason?: string; message?: string } | null {
  let value = body;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return null;
    }
  }
  if (!value || typeof value !== "object") return null;
  const { reason, message } = value as { reason?: unknown; message?: unknown };
  return {
    ...(typeof reason === "string" ? { reason } : {}),
    ...(typeof message === "string" ? { message } : {}),
  };
}
