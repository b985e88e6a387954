/**
 * The seeds' binary install (runbook 000, opsnull's tutorial) as a Pulumi
 * program: flanneld as a host binary under systemd on three nodes, etcd with
 * mutual TLS, Network 172.30.0.0/16 cut into /21 node subnets, vxlan, prefix
 * /kubernetes/network, Docker's bridge configured by mk-docker-opts.sh.
 *
 * What podnet does instead of the tutorial's hand work, per node, in order:
 * host preparation (modules, sysctls, firewalld) -> the flanneld client
 * certificate (CN flanneld, client auth only, signed by etcd's CA; key 0600)
 * -> the network config and one subnet reservation per node in etcd (once)
 * -> flanneld and mk-docker-opts.sh (sha256-pinned) -> flanneld.service and
 * the Docker drop-in -> enable + start -> verify. `pulumi destroy` stops
 * flanneld and removes its files, links, iptables chains and etcd key.
 *
 *   pulumi config set --secret sshPrivateKey -- "$(cat ~/.ssh/id_ed25519)"
 *   pulumi config set etcdCaCert -- "$(cat /etc/kubernetes/cert/ca.pem)"
 *   pulumi config set --secret etcdCaKey -- "$(cat /etc/kubernetes/cert/ca-key.pem)"
 *   pulumi config set flannelSha256 <sha256 of flannel-v0.28.9-linux-amd64.tar.gz>
 *   pulumi up
 */
import { flannelHostRequirements } from "@podnet/core";
import { FlannelNetwork, NodeNetworkPrep, PodCidrPlan } from "@podnet/pulumi";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const sshPrivateKey = config.requireSecret("sshPrivateKey");

/** The three nodes of the seed: an internal network (eno16777736) and a second NIC holding the default route. */
const nodes = [
  { name: "node1", host: 31, subnet: "172.30.72.0/21" },
  { name: "node2", host: 32, subnet: "172.30.184.0/21" },
  { name: "node3", host: 33, subnet: "172.30.32.0/21" },
].map((n) => ({
  name: n.name,
  roles: ["control-plane", "etcd", "worker"] as ("control-plane" | "etcd" | "worker")[],
  interfaces: [
    { name: "eno16777736", addresses: [`192.168.1.${n.host}/24`] },
    { name: "eno33554960", addresses: [`192.168.3.${n.host}/24`], defaultRoute: true },
  ],
  // The subnets the seed shows in etcd; pinned, they become etcd reservations
  // (flannel never hands out the Network's first /21).
  podCidrs: [n.subnet],
  ssh: { host: `192.168.1.${n.host}` },
}));

const plan = new PodCidrPlan("plan", {
  cluster: { podCidrs: ["172.30.0.0/16"], serviceCidrs: ["10.254.0.0/16"], nodeMaskSize: { ipv4: 21, ipv6: 64 } },
  nodes,
});

// Host preparation first: br_netfilter, vxlan and the sysctls, VXLAN's 8472/udp in firewalld.
const backend = { type: "vxlan" as const };
const prep = new NodeNetworkPrep("prep", {
  plan,
  hostRequirements: [flannelHostRequirements({ backend, ipv4: true, ipv6: false, healthzPort: 0, enableNFTables: false })],
  privateKey: sshPrivateKey,
  firewall: "firewalld",
});

const flannel = new FlannelNetwork(
  "flannel",
  {
    plan,
    mode: "systemd",
    version: "v0.28.9",
    backend,
    iface: ["eno16777736"], // the seed's -iface: the internal network, not the default route
    ipMasq: true, // flannel's narrow SNAT; Docker gets --ip-masq=false
    subnetLen: 21,
    systemd: {
      datastore: "etcd",
      etcd: {
        endpoints: ["https://192.168.1.31:2379", "https://192.168.1.32:2379", "https://192.168.1.33:2379"],
        prefix: "/kubernetes/network",
        tls: {},
      },
      release: { sha256: { amd64: config.require("flannelSha256") } },
      binDir: "/opt/k8s/bin", // seed 000
      containerRuntime: "docker",
      // seed 000's cfssl CSR: CN flanneld, O k8s, OU 4Paradigm, RSA 2048
      certificate: { organization: "k8s", organizationalUnit: "4Paradigm" },
    },
    hosts: {
      privateKey: sshPrivateKey,
      etcdCa: { certPem: config.require("etcdCaCert"), keyPem: config.requireSecret("etcdCaKey") },
    },
  },
  { dependsOn: [prep] },
);

/** What each node's verify step printed (flannel's subnet and device). */
export const verified = pulumi.all(
  Object.fromEntries(Object.entries(flannel.systemd?.nodes ?? {}).map(([node, r]) => [node, r.verify.stdout])),
);
/** The pod MTU per node (FLANNEL_MTU). */
export const podMtu = flannel.podMtu;
/** flanneld's client certificate (the key stays a secret inside the state). */
export const flanneldCertificate = flannel.systemd?.certificate?.certPem;
