import type { KubernetesWorkload } from "../../../catalog/catalog.ts";

/** Where one service's workload is read: its namespace, and its Deployment's name or its pods' labels. */
export interface WorkloadTarget {
  service: string;
  namespace: string;
  /** The Deployment named in the catalog; its own selector then finds the pods. */
  deployment: string | null;
  /** A label selector (`key=value,…`) of its pods and Deployment, when no Deployment is named. */
  selector: string | null;
}

/** The label the default selector uses: the recommended `app.kubernetes.io/name`. */
export const DEFAULT_LABEL = "app.kubernetes.io/name";
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/**
 * The target of a service: the catalog's `kubernetes` entry, else `app.kubernetes.io/name=<service>` in the
 * default namespace. A service name (it comes from signals) that is not a label value is refused, never sent.
 */
export function workloadTarget(
  service: string,
  workload: KubernetesWorkload | null | undefined,
  defaultNamespace: string,
): WorkloadTarget | { problem: string } {
  const namespace = workload?.namespace ?? defaultNamespace;
  if (workload?.deployment) return { service, namespace, deployment: workload.deployment, selector: null };
  if (workload?.selector && Object.keys(workload.selector).length > 0) {
    const selector = Object.entries(workload.selector)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => `${key}=${value}`)
      .join(",");
    return { service, namespace, deployment: null, selector };
  }
  if (!LABEL_VALUE.test(service)) {
    return {
      problem: `"${service}" is not a Kubernetes label value; give it a kubernetes selector or deployment in the catalog`,
    };
  }
  return { service, namespace, deployment: null, selector: `${DEFAULT_LABEL}=${service}` };
}
