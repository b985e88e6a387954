/**
 * The five runbooks (the seeds) written as a newcomer writes a spec from the
 * README: the runbook's own values (networks, SubnetLen, SubnetMin/Max, NICs,
 * versions, backends, datastore), defaults left out, no node pins. Each one
 * validates and renders through the CLI, and with flannel's etcd datastore the
 * planned node subnets are distinct and are leases flanneld itself would keep:
 * checked against an independent reading of flannel's CheckNetworkConfig and
 * lease compatibility rules (pkg/subnet/config.go, the etcd local manager),
 * applied to the config.json podnet writes into etcd.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { podnet } from "./support/cli.js";
import { tempDir } from "./support/temp-dir.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = tempDir("runbook-specs");
// The public example certificates of examples/cli (their keys were thrown away; podnet never reads a key).
mkdirSync(join(dir, "pki"));
for (const f of ["ca.pem", "flanneld.pem"]) copyFileSync(join(root, "examples/cli/pki", f), join(dir, "pki", f));
const SHA = "0123456789abcdef".repeat(4);

interface Scenario {
  readonly name: string;
  readonly spec: string;
  /** What the runbook writes into etcd: the subnet range flanneld would hand out from. */
  readonly flannel?: { readonly network: string; readonly subnetLen: number; readonly min: string; readonly max: string };
}

const scenarios: Scenario[] = [
  {
    // 000: flannel v0.11 binary, etcd v2 with mutual TLS, SubnetLen 21, two NICs per node, -iface.
    name: "000 flannel v0.11 binary, etcd mTLS, SubnetLen 21",
    spec: `
cluster:
  podCidrs: ["172.30.0.0/16"]
  serviceCidrs: ["10.254.0.0/16"]
nodes:
${[31, 32, 33]
  .map(
    (h, i) => `  - name: node${i + 1}
    roles: [control-plane, etcd, worker]
    interfaces:
      - { name: eno16777736, addresses: ["192.168.1.${h}/24"] }
      - { name: eno33554960, addresses: ["192.168.3.${h}/24"], defaultRoute: true }
    ssh: { host: 192.168.1.${h}, user: root }`,
  )
  .join("\n")}
flannel:
  mode: systemd
  version: v0.11.0
  iface: [eno16777736]
  subnetLen: 21
  systemd:
    etcd:
      endpoints: ["https://192.168.1.31:2379", "https://192.168.1.32:2379", "https://192.168.1.33:2379"]
      prefix: /kubernetes/network
      tls: { caFile: pki/ca.pem, certFile: pki/flanneld.pem, keyFile: pki/flanneld-key.pem }
    release: { sha256: { amd64: "${SHA}" } }
    binDir: /opt/k8s/bin
    containerRuntime: docker
`,
    flannel: { network: "172.30.0.0/16", subnetLen: 21, min: "172.30.8.0", max: "172.30.248.0" },
  },
  {
    // 001: Calico on kubeadm, pod CIDR moved off the host's 192.168.79.0/24, autodetection on ens33.
    name: "001 Calico on kubeadm, 172.16.0.0/16, interface=ens33",
    spec: `
cluster:
  podCidrs: ["172.16.0.0/16"]
  serviceCidrs: ["10.96.0.0/12"]
nodes:
  - name: k8s-master
    roles: [control-plane, etcd]
    interfaces:
      - { name: ens33, addresses: ["192.168.79.128/24"], defaultRoute: true }
      - { name: virbr0, addresses: ["192.168.122.1/24"] }
      - { name: docker0, addresses: ["172.17.0.1/16"] }
    ssh: { host: 192.168.79.128, user: root }
  - name: k8s-node1
    interfaces:
      - { name: ens33, addresses: ["192.168.79.129/24"] }
    ssh: { host: 192.168.79.129, user: root }
calico:
  install: manifest
  ipAutodetection:
    ipv4: interface=ens33
prep:
  firewall: firewalld
  networkManager: true
`,
  },
  {
    // 002: flannel from etcd over plain http, prefix /flannel/network, SubnetMin/SubnetMax, -iface=eth0.
    name: "002 flannel, etcd over http, SubnetLen 24 with SubnetMin/SubnetMax",
    spec: `
cluster:
  podCidrs: ["192.168.0.0/16"]
  serviceCidrs: ["10.254.0.0/16"]
nodes:
${[51, 52, 53]
  .map(
    (h, i) => `  - name: slave${i + 1}
    interfaces:
      - { name: eth0, addresses: ["10.39.0.${h}/24"] }
    ssh: { host: 10.39.0.${h}, user: root }`,
  )
  .join("\n")}
flannel:
  mode: systemd
  version: v0.7.1
  iface: [eth0]
  subnetLen: 24
  subnetMin: 192.168.1.0
  subnetMax: 192.168.100.0
  systemd:
    etcd:
      endpoints: ["http://10.39.0.6:2379"]
      prefix: /flannel/network
    release: { sha256: { amd64: "${SHA}" } }
    containerRuntime: docker
`,
    flannel: { network: "192.168.0.0/16", subnetLen: 24, min: "192.168.1.0", max: "192.168.100.0" },
  },
  {
    // 003: flannel v0.14 binary with etcd and client certificates, vxlan DirectRouting, CNI conflist.
    name: "003 flannel v0.14 binary, etcd with certificates, DirectRouting, containerd",
    spec: `
cluster:
  podCidrs: ["10.244.0.0/16"]
  serviceCidrs: ["10.96.0.0/12"]
nodes:
${[201, 202, 203, 210, 211, 212]
  .map(
    (h) => `  - name: k8s-${h}
    roles: [${h < 210 ? "control-plane, etcd" : "worker"}]
    interfaces:
      - { name: eth0, addresses: ["172.17.20.${h}/24"] }
    ssh: { host: 172.17.20.${h}, user: root }`,
  )
  .join("\n")}
flannel:
  mode: systemd
  version: v0.14.0
  iface: [eth0]
  backend: { type: vxlan, directRouting: true }
  systemd:
    etcd:
      endpoints: ["https://172.17.20.201:2379", "https://172.17.20.202:2379", "https://172.17.20.203:2379"]
      tls: { caFile: pki/ca.pem, certFile: pki/flanneld.pem, keyFile: pki/flanneld-key.pem }
    release: { sha256: { amd64: "${SHA}" } }
    containerRuntime: containerd
    cniPlugin: { sha256: { amd64: "${SHA}" } }
`,
    flannel: { network: "10.244.0.0/16", subnetLen: 24, min: "10.244.1.0", max: "10.244.255.0" },
  },
  {
    // 004: flannel v0.11 host-gw, etcd with certificates, both nodes on one L2 segment, Docker.
    name: "004 flannel v0.11 host-gw, etcd with certificates, no SubnetLen",
    spec: `
cluster:
  podCidrs: ["172.1.0.0/16"]
  serviceCidrs: ["192.168.0.0/16"]
nodes:
${[13, 14]
  .map(
    (h) => `  - name: f0-${h}
    interfaces:
      - { name: ens3, addresses: ["172.20.0.${h}/24"] }
    ssh: { host: 172.20.0.${h}, user: root }`,
  )
  .join("\n")}
flannel:
  mode: systemd
  version: v0.11.0
  iface: [ens3]
  backend: { type: host-gw }
  systemd:
    etcd:
      endpoints: ["https://172.20.0.12:2379", "https://172.20.0.13:2379", "https://172.20.0.14:2379"]
      tls: { caFile: pki/ca.pem, certFile: pki/flanneld.pem, keyFile: pki/flanneld-key.pem }
    release: { sha256: { amd64: "${SHA}" } }
    containerRuntime: docker
`,
    flannel: { network: "172.1.0.0/16", subnetLen: 24, min: "172.1.1.0", max: "172.1.255.0" },
  },
];

/** IPv4 text to a number, by hand: the oracle must not share podnet's address code. */
function ip4(text: string): number {
  const parts = text.split(".").map(Number);
  assert.equal(parts.length, 4, text);
  return parts.reduce((n, p) => n * 256 + p, 0);
}

function text4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/**
 * flannel's reading of an IPv4 config (CheckNetworkConfig): SubnetLen defaults to 24 for a
 * /22 or shorter Network, else prefix + 2; it must be <= 30 and leave four subnets; SubnetMin
 * defaults to the second subnet, SubnetMax to the last; both inside the Network, on a boundary.
 */
function flannelRange(config: { Network: string; SubnetLen?: number; SubnetMin?: string; SubnetMax?: string }) {
  const [addr, len] = config.Network.split("/") as [string, string];
  const prefix = Number(len);
  const net = ip4(addr);
  assert.ok(config.SubnetLen !== undefined || prefix <= 28, "network is too small");
  const subnetLen = config.SubnetLen ?? (prefix <= 22 ? 24 : prefix + 2);
  assert.ok(subnetLen <= 30, "SubnetLen must be less than /31");
  assert.ok(subnetLen >= prefix + 2, "network must be able to accommodate at least four subnets");
  const step = 2 ** (32 - subnetLen);
  const last = net + 2 ** (32 - prefix) - step;
  const min = config.SubnetMin !== undefined ? ip4(config.SubnetMin) : net + step;
  const max = config.SubnetMax !== undefined ? ip4(config.SubnetMax) : last;
  for (const b of [min, max]) {
    assert.ok(b >= net && b <= last, `${text4(b)} is not in the range of the Network`);
    assert.equal((b - net) % step, 0, `${text4(b)} is not on a SubnetLen boundary`);
  }
  return { net, prefix, subnetLen, step, min, max };
}

describe("the runbooks as specs: no pins, validate and render", () => {
  for (const s of scenarios) {
    test(s.name, async () => {
      const slug = s.name.slice(0, 3);
      const file = join(dir, `${slug}.yaml`);
      writeFileSync(file, s.spec);
      const v = await podnet("validate", file);
      assert.equal(v.code, 0, v.out + v.err);
      assert.match(v.out, /valid/);
      const out = join(dir, `out-${slug}`);
      const r = await podnet("render", file, "--out", out);
      assert.equal(r.code, 0, r.out + r.err);

      const planJson = JSON.parse(readFileSync(join(out, "plan.json"), "utf8")) as {
        plan: { podCidrs: string[]; nodes: Array<{ name: string; podCidrs: { ipv4?: string } }> };
        components: { flannel?: { etcd?: { reservations: Record<string, { key: string }> } } };
      };
      const subnets = planJson.plan.nodes.map((n) => n.podCidrs.ipv4 as string);
      assert.equal(new Set(subnets).size, subnets.length, `node subnets collide: ${subnets}`);
      const [podAddr, podLen] = (planJson.plan.podCidrs[0] as string).split("/") as [string, string];
      for (const sub of subnets) {
        const [a, l] = sub.split("/") as [string, string];
        assert.ok(Number(l) >= Number(podLen), sub);
        assert.ok(ip4(a) >= ip4(podAddr) && ip4(a) + 2 ** (32 - Number(l)) <= ip4(podAddr) + 2 ** (32 - Number(podLen)), sub);
      }
      if (!s.flannel) return;

      // What podnet writes into etcd, read the way flanneld reads it.
      const config = JSON.parse(readFileSync(join(out, "etcd/config.json"), "utf8"));
      assert.equal(config.Network, s.flannel.network);
      const range = flannelRange(config);
      assert.equal(range.subnetLen, s.flannel.subnetLen);
      assert.equal(text4(range.min), s.flannel.min);
      assert.equal(text4(range.max), s.flannel.max);
      // A lease (reservation) is kept only when it is a SubnetLen block between SubnetMin and SubnetMax.
      const reservations = planJson.components.flannel?.etcd?.reservations ?? {};
      assert.deepEqual(Object.keys(reservations).sort(), planJson.plan.nodes.map((n) => n.name).sort());
      for (const node of planJson.plan.nodes) {
        const key = reservations[node.name]?.key ?? "";
        const [ip, len] = (key.split("/").pop() ?? "").split("-") as [string, string];
        assert.equal(`${ip}/${len}`, node.podCidrs.ipv4, `reservation of ${node.name}`);
        assert.equal(Number(len), range.subnetLen, key);
        const n = ip4(ip);
        assert.equal((n - range.net) % range.step, 0, key);
        assert.ok(n >= range.min && n <= range.max, `${key} is outside ${text4(range.min)}..${text4(range.max)}`);
      }
    });
  }
});
