/**
 * The Deployments of the manifest path beside calico-node: calico-kube-controllers
 * (with its PodDisruptionBudget) and Typha (with its Service and PodDisruptionBudget).
 */

import type { K8sObject } from "../shared/manifest.js";
import { etcdCerts, etcdMount, fromConfig, labels, NS, servicesEndpoint, TYPHA_PORT, value } from "./manifest-parts.js";
import type { ResolvedCalico } from "./validation.js";
import { calicoImage } from "./versions.js";

/** Health ports bound to localhost: Felix 9099, Typha 9098. */
const TYPHA_HEALTH_PORT = 9098;

/** calico-kube-controllers: its PodDisruptionBudget and its Deployment. */
export function kubeControllers(c: ResolvedCalico): K8sObject[] {
  const etcd = c.spec.datastore === "etcd";
  const env = etcd
    ? [
        fromConfig("ETCD_ENDPOINTS", "etcd_endpoints"),
        fromConfig("ETCD_CA_CERT_FILE", "etcd_ca"),
        fromConfig("ETCD_KEY_FILE", "etcd_key"),
        fromConfig("ETCD_CERT_FILE", "etcd_cert"),
        // With etcd, kube-controllers also mirrors policies, namespaces and service accounts.
        value("ENABLED_CONTROLLERS", "policy,namespace,serviceaccount,workloadendpoint,node,loadbalancer"),
      ]
    : [value("ENABLED_CONTROLLERS", "node,loadbalancer"), value("DATASTORE_TYPE", "kubernetes")];
  const pdb: K8sObject = {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: "calico-kube-controllers", namespace: NS, labels: labels("calico-kube-controllers") },
    spec: { maxUnavailable: 1, selector: { matchLabels: labels("calico-kube-controllers") } },
  };
  const deployment: K8sObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "calico-kube-controllers", namespace: NS, labels: labels("calico-kube-controllers") },
    spec: {
      // One active instance only (it does not elect a leader).
      replicas: 1,
      selector: { matchLabels: labels("calico-kube-controllers") },
      strategy: { type: "Recreate" },
      template: {
        metadata: { name: "calico-kube-controllers", namespace: NS, labels: labels("calico-kube-controllers") },
        spec: {
          nodeSelector: { "kubernetes.io/os": "linux" },
          tolerations: [
            { key: "CriticalAddonsOnly", operator: "Exists" },
            { key: "node-role.kubernetes.io/master", effect: "NoSchedule" },
            { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" },
          ],
          serviceAccountName: "calico-kube-controllers",
          securityContext: { seccompProfile: { type: "RuntimeDefault" } },
          priorityClassName: "system-cluster-critical",
          // With etcd it runs on the host network so it reaches etcd before pod networking exists.
          ...(etcd ? { hostNetwork: true } : {}),
          containers: [
            {
              name: "calico-kube-controllers",
              image: calicoImage(c.version, "kube-controllers", c.spec.registry),
              imagePullPolicy: "IfNotPresent",
              env,
              ...(etcd ? { volumeMounts: [etcdMount] } : {}),
              livenessProbe: {
                exec: { command: ["/usr/bin/check-status", "-l"] },
                periodSeconds: 10,
                initialDelaySeconds: 10,
                failureThreshold: 6,
                timeoutSeconds: 10,
              },
              readinessProbe: { exec: { command: ["/usr/bin/check-status", "-r"] }, periodSeconds: 10 },
              securityContext: { runAsNonRoot: true },
            },
          ],
          // Secret files readable by owner and group (0440): the container runs as non-root.
          ...(etcd ? { volumes: [etcdCerts(0o440)] } : {}),
        },
      },
    },
  };
  return [pdb, deployment];
}

/** Typha: its PodDisruptionBudget, Service and Deployment. */
export function typha(c: ResolvedCalico): { pdb: K8sObject; service: K8sObject; deployment: K8sObject } {
  const meta = { name: "calico-typha", namespace: NS, labels: labels("calico-typha") };
  const probe = (path: string) => ({ httpGet: { path, port: TYPHA_HEALTH_PORT, host: "localhost" } });
  return {
    pdb: {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: meta,
      spec: { maxUnavailable: 1, selector: { matchLabels: labels("calico-typha") } },
    },
    service: {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta,
      spec: {
        ports: [{ port: TYPHA_PORT, protocol: "TCP", targetPort: "calico-typha", name: "calico-typha" }],
        selector: labels("calico-typha"),
      },
    },
    deployment: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta,
      spec: {
        replicas: c.typha.replicas,
        revisionHistoryLimit: 2,
        selector: { matchLabels: labels("calico-typha") },
        // Surge first: Typha binds a host port, so new pods need free nodes.
        strategy: { rollingUpdate: { maxSurge: "100%", maxUnavailable: 1 }, type: "RollingUpdate" },
        template: {
          metadata: { labels: labels("calico-typha"), annotations: { "cluster-autoscaler.kubernetes.io/safe-to-evict": "true" } },
          spec: {
            nodeSelector: { "kubernetes.io/os": "linux" },
            hostNetwork: true,
            // Matches TYPHA_SHUTDOWNTIMEOUTSECS: Typha sheds its clients gradually before exiting.
            terminationGracePeriodSeconds: 300,
            tolerations: [
              { key: "CriticalAddonsOnly", operator: "Exists" },
              { effect: "NoSchedule", operator: "Exists" },
              { effect: "NoExecute", operator: "Exists" },
            ],
            serviceAccountName: "calico-node",
            priorityClassName: "system-cluster-critical",
            // 65534 = nobody: Typha runs as non-root.
            securityContext: { fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                image: calicoImage(c.version, "typha", c.spec.registry),
                imagePullPolicy: "IfNotPresent",
                name: "calico-typha",
                ports: [{ containerPort: TYPHA_PORT, name: "calico-typha", protocol: "TCP" }],
                envFrom: servicesEndpoint,
                env: [
                  value("TYPHA_LOGSEVERITYSCREEN", "info"),
                  value("TYPHA_LOGFILEPATH", "none"),
                  value("TYPHA_LOGSEVERITYSYS", "none"),
                  value("TYPHA_CONNECTIONREBALANCINGMODE", "kubernetes"),
                  value("TYPHA_DATASTORETYPE", "kubernetes"),
                  value("TYPHA_HEALTHENABLED", "true"),
                  value("TYPHA_SHUTDOWNTIMEOUTSECS", "300"),
                ],
                livenessProbe: { ...probe("/liveness"), periodSeconds: 30, initialDelaySeconds: 30, timeoutSeconds: 10 },
                securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false },
                readinessProbe: { ...probe("/readiness"), periodSeconds: 10, timeoutSeconds: 10 },
              },
            ],
          },
        },
      },
    },
  };
}
