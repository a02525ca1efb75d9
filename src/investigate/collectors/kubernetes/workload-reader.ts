import { AppsV1Api, CoreV1Api } from "@kubernetes/client-node";
import type { KubernetesConnection } from "../../../config/kubernetes-action-config.ts";
import { kubeConfig, readOptions, toWire } from "../../../remediate/actions/kubernetes-client.ts";
import type { Wire } from "./wire.ts";

/** Events and pods read per list at most: a busy namespace has thousands of events. */
export const LIST_LIMIT = 500;

/**
 * The reads the Kubernetes collector makes, and nothing else: every method is a GET (read or list, never a
 * watch). Each returns the API server's JSON.
 */
export interface WorkloadReader {
  readDeployment(namespace: string, name: string): Promise<Wire>;
  listDeployments(namespace: string, labelSelector: string): Promise<Wire[]>;
  listReplicaSets(namespace: string, labelSelector: string): Promise<Wire[]>;
  listPods(namespace: string, labelSelector: string): Promise<Wire[]>;
  listWarningEvents(namespace: string): Promise<Wire[]>;
}

/** Each read as the report shows it: the API path and query the client sends. */
export const readPaths = {
  readDeployment: (namespace: string, name: string) => `GET /apis/apps/v1/namespaces/${namespace}/deployments/${name}`,
  listDeployments: (namespace: string, labelSelector: string) =>
    `GET /apis/apps/v1/namespaces/${namespace}/deployments?${new URLSearchParams({ labelSelector })}`,
  listReplicaSets: (namespace: string, labelSelector: string) =>
    `GET /apis/apps/v1/namespaces/${namespace}/replicasets?${new URLSearchParams({ labelSelector })}`,
  listPods: (namespace: string, labelSelector: string) =>
    `GET /api/v1/namespaces/${namespace}/pods?${new URLSearchParams({ labelSelector, limit: String(LIST_LIMIT) })}`,
  listWarningEvents: (namespace: string) =>
    `GET /api/v1/namespaces/${namespace}/events?${new URLSearchParams({ fieldSelector: "type=Warning", limit: String(LIST_LIMIT) })}`,
};

/**
 * The reader over the official client, connected as remediation's Kubernetes action connects (in-cluster,
 * kubeconfig, or server and token), each request bound to `signal`. `secrets` holds the tokens it uses, for
 * scrubbing any text that leaves the collector.
 */
export function officialReader(
  connection: KubernetesConnection,
  secret: (ref: string) => string,
  signal: AbortSignal,
): { reader: WorkloadReader; secrets: string[] } {
  const { config, secrets } = kubeConfig(connection, secret);
  const core = config.makeApiClient(CoreV1Api);
  const apps = config.makeApiClient(AppsV1Api);
  const options = readOptions(signal);
  const items = (list: { items?: unknown[] }, type: string) => (list.items ?? []).map((item) => toWire(item, type));
  const reader: WorkloadReader = {
    readDeployment: async (namespace, name) =>
      toWire(await apps.readNamespacedDeployment({ namespace, name }, options), "V1Deployment"),
    listDeployments: async (namespace, labelSelector) =>
      items(await apps.listNamespacedDeployment({ namespace, labelSelector }, options), "V1Deployment"),
    listReplicaSets: async (namespace, labelSelector) =>
      items(await apps.listNamespacedReplicaSet({ namespace, labelSelector }, options), "V1ReplicaSet"),
    listPods: async (namespace, labelSelector) =>
      items(await core.listNamespacedPod({ namespace, labelSelector, limit: LIST_LIMIT }, options), "V1Pod"),
    listWarningEvents: async (namespace) =>
      items(
        await core.listNamespacedEvent({ namespace, fieldSelector: "type=Warning", limit: LIST_LIMIT }, options),
        "CoreV1Event",
      ),
  };
  return { reader, secrets };
}
