/** The flags and config fragments every Kubernetes component takes from the plan. */
import type { CidrPlan, ComponentFlags } from "./types.js";

/** kubeadm, kube-controller-manager, kube-apiserver, kube-proxy and kubelet settings derived from the plan. */
export function componentFlags(plan: Omit<CidrPlan, "flags">): ComponentFlags {
  const pods = plan.podCidrs.join(",");
  const svcs = plan.serviceCidrs.join(",");
  const kcm: Record<string, string> = {
    "allocate-node-cidrs": "true",
    "cluster-cidr": pods,
    "service-cluster-ip-range": svcs,
  };
  for (const f of plan.families) kcm[`node-cidr-mask-size-${f}`] = String(plan.nodeMaskSize[f]);
  return {
    kubeadm: { networking: { podSubnet: pods, serviceSubnet: svcs, dnsDomain: plan.clusterDomain } },
    kubeControllerManager: kcm,
    kubeApiserver: { "service-cluster-ip-range": svcs },
    kubeProxy: { clusterCIDR: pods },
    kubelet: { maxPods: plan.maxPodsPerNode, clusterDNS: [plan.dnsServiceIp], clusterDomain: plan.clusterDomain },
  };
}

/** `--flag=value` arguments for a component, sorted by flag name. */
export function flagArgs(flags: Readonly<Record<string, string>>): string[] {
  return Object.keys(flags)
    .sort()
    .map((k) => `--${k}=${flags[k]}`);
}
