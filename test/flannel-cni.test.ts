/**
 * The rendered conflist against the real CNI plugins from Debian
 * (containernetworking-plugins in /usr/lib/cni). No flannel plugin is
 * packaged, so the test does what flannel's CNI plugin does on ADD: read
 * subnet.env (written here as flanneld would for node n1) and turn the
 * conflist's flannel entry into its bridge + host-local delegate; then it
 * runs bridge and the chained portmap by hand, as a container runtime would,
 * inside a "node" network namespace, attaching a "pod" namespace it created.
 *
 * One test-only addition to the delegate: host-local's `dataDir` points at a
 * temp folder, so nothing is written under /var/lib/cni on this machine.
 * @see https://github.com/flannel-io/cni-plugin (delegate construction)
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type K8sObject, planPodCidrs, renderFlannelNetwork } from "@podnet/core";
import { cidr, nthAddress, parseInterfaceAddress } from "@podnet/core/internal";
import { canUseNetns, needs } from "./support/real.js";

const CNI = "/usr/lib/cni";
const NODE_NS = `pn-flnode-${process.pid}`;
const POD_NS = `pn-flpod-${process.pid}`;

type Json = Record<string, unknown>;

function run(cmd: string, args: string[], input?: string, env: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, { input, env: { PATH: process.env.PATH ?? "/usr/bin:/bin:/usr/sbin:/sbin", ...env }, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
function must(cmd: string, args: string[], input?: string, env: Record<string, string> = {}): string {
  const r = run(cmd, args, input, env);
  assert.equal(r.code, 0, `${cmd} ${args.join(" ")} failed (${r.code}): ${r.err}${r.out}`);
  return r.out;
}

/** subnet.env parsed the way flannel's CNI plugin reads it. */
function parseSubnetEnv(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

/**
 * What flannel's CNI plugin builds from its conflist entry and subnet.env:
 * name and cniVersion copied in, type bridge, ipMasq = !FLANNEL_IPMASQ,
 * mtu = FLANNEL_MTU, isGateway for bridge, host-local IPAM with the node's
 * subnet and a route to the flannel Network.
 */
function flannelDelegate(list: Json, entry: Json, env: Record<string, string>, dataDir: string): Json {
  const delegate = { ...(entry.delegate as Json) };
  assert.ok(!("name" in delegate) && !("ipam" in delegate), "flannel rejects a delegate with name or ipam");
  const subnet = parseInterfaceAddress(env.FLANNEL_SUBNET ?? "");
  assert.ok(subnet.ok);
  return {
    ...delegate,
    name: list.name,
    cniVersion: list.cniVersion,
    type: delegate.type ?? "bridge",
    ipMasq: delegate.ipMasq ?? env.FLANNEL_IPMASQ !== "true",
    mtu: delegate.mtu ?? Number(env.FLANNEL_MTU),
    isGateway: delegate.isGateway ?? true,
    ipam: {
      type: "host-local",
      ranges: [[{ subnet: subnet.value.network.text }]],
      routes: [{ dst: env.FLANNEL_NETWORK }],
      dataDir,
    },
  };
}

function plugin(name: string, command: string, conf: Json): Json {
  const out = must("ip", ["netns", "exec", NODE_NS, join(CNI, name)], JSON.stringify(conf), {
    CNI_COMMAND: command,
    CNI_CONTAINERID: `pod-${process.pid}`,
    CNI_NETNS: `/var/run/netns/${POD_NS}`,
    CNI_IFNAME: "eth0",
    CNI_PATH: CNI,
  });
  return out.trim() === "" ? {} : (JSON.parse(out) as Json);
}

const skip = needs("ip", "iptables-save", "bridge", "ping", `${CNI}/bridge`, `${CNI}/portmap`, `${CNI}/host-local`, {
  ok: canUseNetns(),
  what: "root with network namespaces (CAP_NET_ADMIN)",
});

describe("the rendered CNI conflist runs with the Debian bridge and portmap plugins", { skip }, () => {
  const plan = planPodCidrs({
    cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
    nodes: [
      { name: "n1", interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"], mtu: 1500 }] },
      { name: "n2", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24"], mtu: 1500 }] },
    ],
  }).value;
  const network = renderFlannelNetwork({}, plan).value;
  const cm = network.objects.find((o) => o.kind === "ConfigMap") as K8sObject & { data: Record<string, string> };
  const list = JSON.parse(cm.data["cni-conf.json"] ?? "") as Json;
  const plugins = list.plugins as Json[];
  const node = plan.nodes[0];
  assert.ok(node?.podCidrs.ipv4);
  const podSubnet = cidr(node.podCidrs.ipv4);
  const gateway = nthAddress(podSubnet, 1n);
  // flanneld on n1 writes this (FLANNEL_SUBNET is the first address of the node's PodCIDR).
  const subnetEnv = [
    `FLANNEL_NETWORK=${plan.podCidr.ipv4}`,
    `FLANNEL_SUBNET=${gateway}/${podSubnet.prefix}`,
    `FLANNEL_MTU=${network.podMtu.n1}`,
    "FLANNEL_IPMASQ=true",
    "",
  ].join("\n");
  let dir = "";
  let delegate: Json = {};
  let result: Json = {};

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "podnet-flannel-cni-"));
    writeFileSync(join(dir, "subnet.env"), subnetEnv);
    delegate = flannelDelegate(list, plugins[0] as Json, parseSubnetEnv(subnetEnv), join(dir, "ipam"));
    must("ip", ["netns", "add", NODE_NS]);
    must("ip", ["netns", "add", POD_NS]);
    must("ip", ["-n", NODE_NS, "link", "set", "lo", "up"]);
  });
  after(() => {
    // Delete even when a test failed; ignore what is already gone.
    run("ip", ["netns", "del", POD_NS]);
    run("ip", ["netns", "del", NODE_NS]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the conflist is flannel + portmap at CNI 0.3.1", () => {
    assert.deepEqual(
      plugins.map((p) => p.type),
      ["flannel", "portmap"],
    );
    assert.equal(list.cniVersion, "0.3.1");
    assert.equal(network.podMtu.n1, 1450);
  });

  test("CNI_COMMAND=VERSION: bridge and portmap support the conflist's cniVersion", () => {
    for (const name of ["bridge", "portmap"]) {
      const out = must(join(CNI, name), [], JSON.stringify({ cniVersion: list.cniVersion }), { CNI_COMMAND: "VERSION" });
      const v = JSON.parse(out) as { supportedVersions: string[] };
      assert.ok(v.supportedVersions.includes(String(list.cniVersion)), `${name} supports ${list.cniVersion}: ${out}`);
    }
  });

  test("ADD: the delegate bridge attaches the pod with the node subnet and flannel's MTU", () => {
    result = plugin("bridge", "ADD", delegate);
    const ips = result.ips as Array<{ address: string; gateway: string }>;
    // host-local hands out the first free address after the gateway
    assert.equal(ips[0]?.address, `${nthAddress(podSubnet, 2n)}/${podSubnet.prefix}`);
    assert.equal(ips[0]?.gateway, gateway);
    const link = JSON.parse(must("ip", ["-n", POD_NS, "-j", "addr", "show", "eth0"])) as Array<{ mtu: number }>;
    assert.equal(link[0]?.mtu, 1450);
    const routes = must("ip", ["-n", POD_NS, "route"]);
    assert.match(routes, new RegExp(`^default via ${gateway.replaceAll(".", "\\.")} dev eth0`, "m"), "isDefaultGateway");
    assert.match(
      routes,
      new RegExp(`^10\\.244\\.0\\.0/16 via ${gateway.replaceAll(".", "\\.")} dev eth0`, "m"),
      "route to the flannel Network",
    );
    const bridge = JSON.parse(must("ip", ["-n", NODE_NS, "-j", "addr", "show", "cni0"])) as Array<{ addr_info: Array<{ local: string }> }>;
    assert.ok(
      bridge[0]?.addr_info.some((a) => a.local === gateway),
      "cni0 holds the gateway address (isGateway)",
    );
    assert.match(must("bridge", ["-n", NODE_NS, "-d", "link", "show"]), /hairpin on/, "hairpinMode");
    must("ip", ["netns", "exec", POD_NS, "ping", "-c", "1", "-W", "2", gateway]);
  });

  test("ADD: portmap chained after the delegate sets up host-port DNAT in the node namespace", () => {
    assert.ok(result.ips, "needs the bridge result");
    const conf = {
      ...(plugins[1] as Json),
      name: list.name,
      cniVersion: list.cniVersion,
      runtimeConfig: { portMappings: [{ hostPort: 18080, containerPort: 80, protocol: "tcp" }] },
      prevResult: result,
    };
    plugin("portmap", "ADD", conf);
    const nat = must("ip", ["netns", "exec", NODE_NS, "iptables-save", "-t", "nat"]);
    assert.match(nat, /CNI-HOSTPORT-DNAT/);
    assert.match(nat, /--dport 18080/);
  });

  test("DEL: portmap then bridge release the port and the address", () => {
    const conf = {
      ...(plugins[1] as Json),
      name: list.name,
      cniVersion: list.cniVersion,
      runtimeConfig: { portMappings: [{ hostPort: 18080, containerPort: 80, protocol: "tcp" }] },
    };
    plugin("portmap", "DEL", conf);
    assert.doesNotMatch(must("ip", ["netns", "exec", NODE_NS, "iptables-save", "-t", "nat"]), /--dport 18080/);
    plugin("bridge", "DEL", delegate);
    const leases = readdirSync(join(dir, "ipam", String(list.name))).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));
    assert.deepEqual(leases, []);
  });
});
