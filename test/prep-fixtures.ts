/**
 * Fixtures shared by the tests of the Pulumi NodeNetworkPrep
 * (test/node-prep.pulumi.test.ts, packages/pulumi/test/verify-node-network-prep.test.ts).
 */
import type { HostRequirements, PodCidrPlanOptions } from "@podnet/core";

/** Two nodes reachable over ssh: cp1 (control plane, etcd) as root on port 22, w1 as ubuntu on port 2222. */
export const sshNodesPlan: PodCidrPlanOptions = {
  cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
  nodes: [
    {
      name: "cp1",
      roles: ["control-plane", "etcd"],
      interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"] }],
      ssh: { host: "192.168.1.31" },
    },
    {
      name: "w1",
      interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24"] }],
      ssh: { host: "192.168.1.32", user: "ubuntu", port: 2222 },
    },
  ],
};

/** Flannel's host requirements with the VXLAN backend. */
export const flannelNeeds: HostRequirements = {
  component: "flannel",
  firewall: [{ protocol: "udp", port: 8472, purpose: "vxlan" }],
  unmanagedDevices: ["flannel*", "cni0"],
  trustedInterfaces: ["flannel.+", "cni0"],
  kernelModules: ["vxlan"],
};
