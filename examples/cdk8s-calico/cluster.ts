/**
 * Inputs of the example: the seed runbook's kubeadm hosts (ens33 on
 * 192.168.79.0/24, plus virbr0 on the master) and Calico's options.
 */
import type { CalicoNetworkProps, PodCidrPlanProps } from "@podnet/cdk8s";

export const cluster: PodCidrPlanProps = {
  // 192.168.0.0/16 (Calico's default pool) would overlap the hosts' 192.168.79.0/24.
  cluster: { podCidrs: ["172.16.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
  nodes: [
    {
      name: "k8s-master-01",
      roles: ["control-plane", "etcd"],
      interfaces: [
        { name: "ens33", addresses: ["192.168.79.128/24"], defaultRoute: true },
        { name: "virbr0", addresses: ["192.168.122.1/24"] },
      ],
    },
    { name: "k8s-node-01", interfaces: [{ name: "ens33", addresses: ["192.168.79.129/24"] }] },
    { name: "k8s-node-02", interfaces: [{ name: "ens33", addresses: ["192.168.79.130/24"] }] },
  ],
};

export const calico: Omit<CalicoNetworkProps, "plan"> = {
  ipPools: [{ vxlanMode: "CrossSubnet" }],
  ipAutodetection: { ipv4: "interface=ens33" },
};
