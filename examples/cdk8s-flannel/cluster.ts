/**
 * The example's inputs: a three-node dual-stack cluster whose nodes have a
 * NAT interface (eth0, the default route) and a private LAN (eth1), the
 * multi-NIC layout where flannel must be told which interface to use.
 */
import type { FlannelNetworkProps, PodCidrPlanProps } from "@podnet/cdk8s";

export const cluster: PodCidrPlanProps = {
  cluster: {
    podCidrs: ["10.244.0.0/16", "fd00:10:244::/56"],
    serviceCidrs: ["10.96.0.0/12", "fd00:10:96::/112"],
  },
  nodes: ["cp1", "node1", "node2"].map((name, i) => ({
    name,
    roles: i === 0 ? ["control-plane" as const] : ["worker" as const],
    interfaces: [
      { name: "eth0", addresses: [`10.0.${2 + i}.15/24`], defaultRoute: true },
      { name: "eth1", addresses: [`192.168.56.${11 + i}/24`, `fd00:56::${11 + i}/64`] },
    ],
  })),
};

/** flannel options (everything but the plan). */
export const flannel: Omit<FlannelNetworkProps, "plan"> = {
  backend: { type: "vxlan", directRouting: true },
  iface: ["eth1"],
};
