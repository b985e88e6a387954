/**
 * Host preparation for a three-node Flannel cluster on CentOS-style hosts:
 * firewalld opens exactly what each node's roles and the VXLAN backend need
 * and trusts the pod and service CIDRs, NetworkManager leaves flannel's
 * interfaces alone, br_netfilter/overlay/vxlan are loaded, the sysctls are
 * set, and the CNI reference plugins are installed after their sha256 is
 * checked. Every node gets an install/uninstall pair over SSH; `pulumi
 * destroy` takes exactly that back off again.
 *
 *   pulumi config set --secret sshPrivateKey -- "$(cat ~/.ssh/id_ed25519)"
 *   pulumi up
 */
import { FlannelNetwork, NodeNetworkPrep, PodCidrPlan } from "@podnet/pulumi";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();

const plan = new PodCidrPlan("plan", {
  cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
  nodes: [
    {
      name: "cp1",
      roles: ["control-plane", "etcd"],
      interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"], defaultRoute: true }],
      ssh: { host: "192.168.1.31" },
    },
    { name: "node1", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24"] }], ssh: { host: "192.168.1.32" } },
    { name: "node2", interfaces: [{ name: "eth0", addresses: ["192.168.1.33/24"] }], ssh: { host: "192.168.1.33" } },
  ],
});

const flannel = new FlannelNetwork("flannel", { plan });

const prep = new NodeNetworkPrep("prep", {
  plan,
  hostRequirements: [flannel.hostRequirements],
  privateKey: config.requireSecret("sshPrivateKey"),
  firewall: "firewalld",
  extraPorts: [{ port: 30000, portEnd: 32767, purpose: "NodePort Services" }],
  networkManager: "auto",
});

/** What each node's install.sh reported. */
export const reports = prep.reports;
/** What flannel needs from the hosts (firewall openings, devices, modules). */
export const flannelNeeds = flannel.hostRequirements;
/** The firewalld openings per node, as planned. */
export const openings = Object.fromEntries(prep.result.nodes.map((n) => [n.node, n.firewall?.ports ?? []]));
