/**
 * Calico on a kubeadm cluster through tigera-operator: the operator's Helm
 * chart (pinned to the release podnet knows) with the Installation in its
 * values, pools inside the plan's pod CIDR, the node address pinned to ens33,
 * WireGuard on, a BGP AS of our own. Everything is validated against the
 * node inventory before the first resource is registered.
 *
 *   pulumi up            (uses the current kubeconfig context)
 */
import { CalicoNetwork, PodCidrPlan } from "@podnet/pulumi";

const plan = new PodCidrPlan("plan", {
  // Calico's default 192.168.0.0/16 would overlap the hosts' 192.168.79.0/24.
  cluster: { podCidrs: ["172.16.0.0/16"], serviceCidrs: ["10.96.0.0/12"], maxPodsPerNode: 110 },
  nodes: [
    {
      name: "k8s-master-01",
      roles: ["control-plane", "etcd"],
      interfaces: [
        { name: "ens33", addresses: ["192.168.79.128/24"], defaultRoute: true },
        { name: "virbr0", addresses: ["192.168.122.1/24"] },
        { name: "docker0", addresses: ["172.17.0.1/16"] },
      ],
    },
    { name: "k8s-node-01", interfaces: [{ name: "ens33", addresses: ["192.168.79.129/24"] }] },
    { name: "k8s-node-02", interfaces: [{ name: "ens33", addresses: ["192.168.79.130/24"] }] },
  ],
});

const calico = new CalicoNetwork("calico", {
  plan,
  operatorInstall: "helm",
  ipPools: [{ blockSize: 26 }],
  ipAutodetection: { ipv4: "interface=ens33" },
  wireguard: { ipv4: true },
  bgp: { asNumber: 64512 },
});

/** Pools, autodetected addresses per node, largest safe MTU, firewall needs. */
export const summary = calico.summary;
/** Host requirements for NodeNetworkPrep (firewall openings, NetworkManager devices, modules). */
export const hostRequirements = calico.render.hostRequirements;
