/**
 * NodeNetworkPrep in the core: per-role firewall needs, modules and sysctls
 * with their reasons, NetworkManager, CNI plugins with checksums, the `prep:`
 * spec section, and a bad row for every rule.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  checkNodeNetworkPrep,
  type HostRequirements,
  type NodeNetworkPrepOptions,
  type PodCidrPlanOptions,
  planNodeNetworkPrep,
  planPodCidrs,
  renderSpec,
} from "../src/index.js";
import { CNI_PLUGINS_SHA256, firewalldCommands } from "../src/internal/index.js";

const cluster = (podCidrs: string[], serviceCidrs: string[], archs: string[] = ["amd64", "amd64"]): PodCidrPlanOptions => ({
  cluster: { podCidrs, serviceCidrs },
  nodes: [
    {
      name: "cp1",
      roles: ["control-plane", "etcd"],
      arch: archs[0] as "amd64",
      interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24", "fd00:1::31/64"] }],
    },
    { name: "w1", arch: archs[1] as "amd64", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24", "fd00:1::32/64"] }] },
  ],
});
const dual = planPodCidrs(cluster(["10.244.0.0/16", "fd00:10:244::/56"], ["10.96.0.0/12", "fd00:10:96::/112"])).value;
const v4 = planPodCidrs(cluster(["10.244.0.0/16"], ["10.96.0.0/12"])).value;
const v6 = planPodCidrs(cluster(["fd00:10:244::/56"], ["fd00:10:96::/112"])).value;

const flannel: HostRequirements = {
  component: "flannel",
  firewall: [{ protocol: "udp", port: 8472, purpose: "vxlan overlay" }],
  unmanagedDevices: ["flannel*", "cni0"],
  trustedInterfaces: ["flannel.+", "cni0"],
  kernelModules: ["vxlan"],
};
const calico: HostRequirements = {
  component: "calico",
  firewall: [
    { protocol: "tcp", port: 179, purpose: "BGP" },
    { protocol: "ipip", purpose: "IPIP" },
    { protocol: "tcp", port: 5473, purpose: "Typha", nodes: "all" },
  ],
  unmanagedDevices: ["cali*", "tunl*", "vxlan.calico", "vxlan-v6.calico", "wireguard.cali", "wg-v6.cali"],
  trustedInterfaces: ["cali+", "tunl0", "vxlan.calico"],
  kernelModules: ["ipip", "ip_set"],
};

const prep = (options: NodeNetworkPrepOptions, reqs: HostRequirements[] = [flannel], plan = dual) =>
  planNodeNetworkPrep({ plan, options, hostRequirements: reqs }).value;
const units = (r: ReturnType<typeof prep>, node = 0) => r.nodes[node]?.state.units ?? [];
const file = (r: ReturnType<typeof prep>, path: string) =>
  r.commonUnits.flatMap((u) => u.files).find((f) => f.path === path)?.content ?? "";

describe("NodeNetworkPrep: defaults", () => {
  test("no network: base needs only, and two warnings say what is left to the user", () => {
    const r = planNodeNetworkPrep({ plan: dual, options: {} });
    assert.deepEqual(
      r.value.nodes.map((n) => [n.node, n.state.units.map((u) => u.id)]),
      [
        ["cp1", ["prep/kernel-modules", "prep/sysctl", "prep/cni-plugins"]],
        ["w1", ["prep/kernel-modules", "prep/sysctl", "prep/cni-plugins"]],
      ],
    );
    assert.deepEqual(
      r.warnings.map((w) => w.code),
      ["prep.no-network", "prep.firewall-none"],
    );
    assert.equal(
      r.warnings[1]?.message,
      'prep.firewall: "none", so podnet leaves the host firewall alone; make sure these are open: all nodes: 10250/tcp (kubelet API); control-plane nodes: 6443/tcp (Kubernetes API server); etcd nodes: 2379-2380/tcp (etcd client and peer API); and that traffic from 10.244.0.0/16, fd00:10:244::/56, 10.96.0.0/12, fd00:10:96::/112 is accepted',
    );
  });

  test("modules-load.d: br_netfilter, overlay and the network's modules, each with its reason", () => {
    const text = file(prep({}, [flannel, calico]), "/etc/modules-load.d/podnet.conf");
    const lines = text.split("\n");
    const names = lines.filter((l) => l !== "" && !l.startsWith("#"));
    assert.deepEqual(names, ["br_netfilter", "overlay", "vxlan", "ipip", "ip_set"]);
    for (const n of names) assert.match(lines[lines.indexOf(n) - 1] ?? "", /^# \S/, `${n} has a reason`);
  });

  test("sysctl.d: forwarding per family, bridge-nf-call, each key documented", () => {
    const keys = (plan: typeof dual) =>
      file(prep({}, [flannel], plan), "/etc/sysctl.d/podnet.conf")
        .split("\n")
        .filter((l) => l.includes(" = "));
    assert.deepEqual(keys(dual), [
      "net.ipv4.ip_forward = 1",
      "net.ipv6.conf.all.forwarding = 1",
      "net.bridge.bridge-nf-call-iptables = 1",
      "net.bridge.bridge-nf-call-ip6tables = 1",
    ]);
    assert.deepEqual(keys(v4), [
      "net.ipv4.ip_forward = 1",
      "net.bridge.bridge-nf-call-iptables = 1",
      "net.bridge.bridge-nf-call-ip6tables = 1",
    ]);
    assert.deepEqual(keys(v6), [
      "net.ipv6.conf.all.forwarding = 1",
      "net.bridge.bridge-nf-call-iptables = 1",
      "net.bridge.bridge-nf-call-ip6tables = 1",
    ]);
    const text = file(prep({ conntrackMax: 1000000, sysctl: { "net.core.somaxconn": 4096 } }), "/etc/sysctl.d/podnet.conf");
    const lines = text.split("\n");
    for (const [i, l] of lines.entries()) if (l.includes(" = ")) assert.match(lines[i - 1] ?? "", /^# \S/, `${l} is documented`);
    assert.ok(text.includes("net.netfilter.nf_conntrack_max = 1000000\n"));
    assert.ok(text.includes("# set by prep.sysctl\nnet.core.somaxconn = 4096\n"));
  });

  test("CNI plugins: the pinned release for each node's architecture, verified by sha256", () => {
    const r = planNodeNetworkPrep({
      plan: planPodCidrs(cluster(["10.244.0.0/16"], ["10.96.0.0/12"], ["amd64", "arm64"])).value,
      options: {},
    }).value;
    const cmd = (i: number) => r.nodes[i]?.state.units.find((u) => u.id === "prep/cni-plugins")?.commands[0]?.create;
    assert.equal(
      cmd(0),
      `podnet_download_archive 'https://github.com/containernetworking/plugins/releases/download/v1.7.1/cni-plugins-linux-amd64-v1.7.1.tgz' '${CNI_PLUGINS_SHA256["1.7.1"]?.amd64}' '/opt/cni/bin' '0755' 'bridge' 'host-local' 'portmap' 'loopback'`,
    );
    assert.ok(cmd(1)?.includes(`cni-plugins-linux-arm64-v1.7.1.tgz' '${CNI_PLUGINS_SHA256["1.7.1"]?.arm64}'`));
    const custom = prep({
      cniPlugins: { version: "1.9.0", sha256: { amd64: "a".repeat(64) }, baseUrl: "http://mirror.local:8080/cni/" },
      cniBinDir: "/usr/libexec/cni",
    });
    assert.equal(
      units(custom).find((u) => u.id === "prep/cni-plugins")?.commands[0]?.create,
      `podnet_download_archive 'http://mirror.local:8080/cni/v1.9.0/cni-plugins-linux-amd64-v1.9.0.tgz' '${"a".repeat(64)}' '/usr/libexec/cni' '0755' 'bridge' 'host-local' 'portmap' 'loopback'`,
    );
    assert.equal(
      units(prep({ cniPlugins: false })).find((u) => u.id === "prep/cni-plugins"),
      undefined,
    );
  });
});

describe("NodeNetworkPrep: firewalld", () => {
  test("per-role ports, the network's needs, pod and service CIDRs trusted, overlay interfaces trusted", () => {
    const r = prep({ firewall: "firewalld" }, [flannel, calico]);
    const [cp, w] = r.nodes;
    assert.deepEqual(cp?.firewall?.ports, ["179/tcp", "2379-2380/tcp", "5473/tcp", "6443/tcp", "10250/tcp", "8472/udp"]);
    assert.deepEqual(w?.firewall?.ports, ["179/tcp", "5473/tcp", "10250/tcp", "8472/udp"]);
    assert.deepEqual(w?.firewall?.protocols, ["4"]);
    assert.deepEqual(w?.firewall?.sources, ["10.244.0.0/16", "fd00:10:244::/56", "10.96.0.0/12", "fd00:10:96::/112"]);
    assert.deepEqual(w?.firewall?.interfaces, ["cali+", "cni0", "flannel.+", "tunl0", "vxlan.calico"]);
    assert.deepEqual(
      units(r, 1).map((u) => u.id),
      ["prep/kernel-modules", "prep/sysctl", "prep/network-manager", "prep/firewalld", "prep/cni-plugins"],
    );
  });

  test("as firewall-offline-cmd arguments: one call per option kind", () => {
    const r = prep(
      {
        firewall: "firewalld",
        zone: "internal",
        trustedZone: "podnet",
        masquerade: true,
        extraPorts: [{ port: 30000, portEnd: 32767, purpose: "NodePort" }],
      },
      [flannel],
      v4,
    );
    assert.deepEqual(firewalldCommands(r.nodes[1]?.firewall as NonNullable<(typeof r.nodes)[1]["firewall"]>), [
      ["--zone=internal", "--add-port=10250/tcp", "--add-port=30000-32767/tcp", "--add-port=8472/udp"],
      ["--zone=internal", "--add-masquerade"],
      ["--zone=podnet", "--add-source=10.244.0.0/16", "--add-source=10.96.0.0/12"],
      ["--zone=podnet", "--add-interface=cni0", "--add-interface=flannel.+"],
    ]);
  });

  test("the firewalld unit's commands carry the plan, quoted", () => {
    const cmd = units(prep({ firewall: "firewalld" }), 0).find((u) => u.id === "prep/firewalld")?.commands[0];
    assert.ok(cmd?.create.includes("podnet_fw_want 'public' port '2379-2380/tcp' '6443/tcp' '10250/tcp' '8472/udp'"));
    assert.ok(cmd?.create.includes("podnet_fw_want 'trusted' source '10.244.0.0/16' 'fd00:10:244::/56' '10.96.0.0/12' 'fd00:10:96::/112'"));
    assert.ok(cmd?.create.includes("podnet_fw_want 'trusted' interface 'cni0' 'flannel.+'"));
    assert.ok(cmd?.delete?.includes("podnet_fw_remove_lines"));
  });
});

describe("NodeNetworkPrep: NetworkManager", () => {
  test("auto (default): the network's devices, appended with +=", () => {
    const r = prep({}, [flannel, calico]);
    assert.equal(
      file(r, "/etc/NetworkManager/conf.d/podnet.conf").split("\n").slice(-3).join("\n"),
      "[keyfile]\nunmanaged-devices+=interface-name:flannel*;interface-name:cni0;interface-name:cali*;interface-name:tunl*;interface-name:vxlan.calico;interface-name:vxlan-v6.calico;interface-name:wireguard.cali;interface-name:wg-v6.cali\n",
    );
    const nm = r.commonUnits.find((u) => u.id === "prep/network-manager");
    assert.ok(!nm?.commands[0]?.create.includes("is not installed"));
  });

  test("true fails where NetworkManager is missing; false writes nothing; no devices writes nothing", () => {
    assert.ok(
      prep({ networkManager: true })
        .commonUnits.find((u) => u.id === "prep/network-manager")
        ?.commands[0]?.create.includes("prep.networkManager is true but NetworkManager is not installed"),
    );
    assert.equal(
      prep({ networkManager: false }).commonUnits.find((u) => u.id === "prep/network-manager"),
      undefined,
    );
    assert.equal(
      prep({ networkManager: true }, []).commonUnits.find((u) => u.id === "prep/network-manager"),
      undefined,
    );
  });
});

describe("NodeNetworkPrep: a bad row for every rule", () => {
  const rows: Array<[string, NodeNetworkPrepOptions, HostRequirements[], string, string, RegExp]> = [
    [
      "zone with a space",
      { firewall: "firewalld", zone: "my zone" },
      [],
      "prep.zone",
      "node.firewalld-zone",
      /"my zone" is not a safe firewalld zone name/,
    ],
    ["zone too long", { firewall: "firewalld", zone: "a".repeat(18) }, [], "prep.zone", "node.firewalld-zone", /1-17 letters/],
    [
      "one zone for both",
      { firewall: "firewalld", zone: "trusted" },
      [],
      "prep.trustedZone",
      "prep.zone-conflict",
      /prep.trustedZone: "trusted" is also prep.zone; .* must differ/,
    ],
    [
      "port range backwards",
      { extraPorts: [{ port: 32767, portEnd: 30000 }] },
      [],
      "prep.extraPorts[0].portEnd",
      "prep.port-range",
      /30000 is below port 32767/,
    ],
    [
      "hostile module",
      { kernelModules: ["br_netfilter; reboot"] },
      [],
      "prep.kernelModules[0]",
      "node.kernel-module",
      /is not a safe kernel module name/,
    ],
    ["sysctl key with $()", { sysctl: { "net.$(id)": 1 } }, [], 'prep.sysctl["net.$(id)"]', "node.sysctl-key", /is not a safe sysctl key/],
    [
      "sysctl value with a quote",
      { sysctl: { "net.core.somaxconn": "1'" } },
      [],
      'prep.sysctl["net.core.somaxconn"]',
      "node.sysctl-value",
      /is not a safe sysctl value/,
    ],
    [
      "sysctl against a required value",
      { sysctl: { "net.ipv4.ip_forward": 0 } },
      [],
      'prep.sysctl["net.ipv4.ip_forward"]',
      "prep.sysctl-conflict",
      /"0" conflicts with net.ipv4.ip_forward = 1, which podnet sets because pods and Services are routed through the host/,
    ],
    [
      "cniBinDir with a space",
      { cniBinDir: "/opt/cni bin" },
      [],
      "prep.cniBinDir",
      "node.path",
      /"\/opt\/cni bin" is not a safe absolute path/,
    ],
    [
      "CNI version with a v",
      { cniPlugins: { version: "v1.7.1" } },
      [],
      "prep.cniPlugins.version",
      "prep.cni-version",
      /"v1.7.1" is not a release number like "1.7.1"/,
    ],
    [
      "CNI version without a checksum",
      { cniPlugins: { version: "1.9.0" } },
      [],
      "prep.cniPlugins.sha256.amd64",
      "prep.cni-sha256",
      /no sha256 for cni-plugins v1.9.0 on amd64 \(nodes "cp1", "w1"\); podnet downloads nothing unverified/,
    ],
    [
      "CNI sha256 not hex",
      { cniPlugins: { sha256: { amd64: "xyz" } } },
      [],
      "prep.cniPlugins.sha256.amd64",
      "node.sha256",
      /is not a safe sha256 digest/,
    ],
    [
      "CNI mirror with a query",
      { cniPlugins: { baseUrl: "https://mirror/x?y=$(id)" } },
      [],
      "prep.cniPlugins.baseUrl",
      "node.url",
      /is not a safe download URL/,
    ],
    [
      "CNI plugin with a path",
      { cniPlugins: { plugins: ["../../bin/sh"] } },
      [],
      "prep.cniPlugins.plugins[0]",
      "node.archive-member",
      /is not a safe archive member/,
    ],
    [
      "a network's hostile interface",
      {},
      [{ ...flannel, trustedInterfaces: ["eth0 $(x)"] }],
      "hostRequirements[0].trustedInterfaces[0]",
      "node.firewalld-interface",
      /"eth0 \$\(x\)" is not a safe firewalld interface/,
    ],
    [
      "a network's hostile device",
      {},
      [{ ...flannel, unmanagedDevices: ["cali*;reboot"] }],
      "hostRequirements[0].unmanagedDevices[0]",
      "node.nm-interface",
      /not a safe NetworkManager interface pattern/,
    ],
    [
      "a network's bad port",
      {},
      [{ ...flannel, firewall: [{ protocol: "udp", port: 70000, purpose: "x" }] }],
      "hostRequirements[0].firewall[0]",
      "prep.firewall-need",
      /flannel asks for .* port 1-65535/,
    ],
    [
      "unknown key",
      { firewal: "firewalld" } as NodeNetworkPrepOptions,
      [],
      "prep.firewal",
      "spec.unknown-key",
      /did you mean "firewall"\?/,
    ],
    [
      "unknown firewall",
      { firewall: "ufw" } as unknown as NodeNetworkPrepOptions,
      [],
      "prep.firewall",
      "spec.invalid-value",
      /"ufw" is not one of "firewalld", "none"/,
    ],
  ];
  for (const [name, options, reqs, path, code, message] of rows) {
    test(name, () => {
      const r = checkNodeNetworkPrep({ plan: dual, options, hostRequirements: reqs });
      assert.equal(r.value, undefined);
      assert.equal(r.errors.length, 1, JSON.stringify(r.errors));
      assert.equal(r.errors[0]?.path, path);
      assert.equal(r.errors[0]?.code, code);
      assert.match(r.errors[0]?.message ?? "", message);
    });
  }

  test("an architecture without a checksum names its nodes", () => {
    const plan = planPodCidrs(cluster(["10.244.0.0/16"], ["10.96.0.0/12"], ["amd64", "s390x"])).value;
    const r = checkNodeNetworkPrep({ plan, options: {} });
    assert.deepEqual(
      r.errors.map((e) => e.path),
      ["prep.cniPlugins.sha256.s390x"],
    );
    assert.match(r.errors[0]?.message ?? "", /on s390x \(node "w1"\)/);
    assert.ok(checkNodeNetworkPrep({ plan, options: { cniPlugins: { sha256: { s390x: "b".repeat(64) } } } }).value);
  });
});

describe("the prep: section of a spec", () => {
  const spec = (extra: Record<string, unknown> = {}, nodes = cluster(["10.244.0.0/16"], ["10.96.0.0/12"]).nodes) => ({
    apiVersion: "podnet/v1",
    cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
    nodes,
    prep: { firewall: "firewalld" },
    ...extra,
  });

  test("renders prep units for every node and a plan.json summary", () => {
    const r = renderSpec(spec());
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      r.value?.nodes.map((n) => [n.node, n.units.map((u) => u.id)]),
      [
        ["cp1", ["prep/kernel-modules", "prep/sysctl", "prep/firewalld", "prep/cni-plugins"]],
        ["w1", ["prep/kernel-modules", "prep/sysctl", "prep/firewalld", "prep/cni-plugins"]],
      ],
    );
    assert.ok(r.value);
    const summary = (r.value.planJson.components as { prep: { nodes: Record<string, { firewall: { openings: string } }> } }).prep;
    assert.equal(summary.nodes.w1?.firewall.openings, "10250/tcp (kubelet API)");
  });

  test("hostile values in the spec stop the render before any script exists", () => {
    const hostile = [
      ...(cluster(["10.244.0.0/16"], ["10.96.0.0/12"]).nodes ?? []),
      { name: "a;rm -rf /", interfaces: [{ name: "eth0 $(x)", addresses: ["192.168.1.40/24"] }] },
    ];
    const r = renderSpec(spec({ prep: { firewall: "firewalld", cniBinDir: "/opt/my cni" } }, hostile));
    assert.equal(r.value, undefined);
    const paths = r.errors.map((e) => e.path);
    assert.ok(paths.includes("nodes[2].name"), paths.join(", "));
    assert.ok(paths.includes("nodes[2].interfaces[0].name"), paths.join(", "));
    // The plan stops first; the prep section's own problem shows once the nodes are fixed.
    const r2 = renderSpec(spec({ prep: { cniBinDir: "/opt/my cni" } }));
    assert.deepEqual(
      r2.errors.map((e) => e.path),
      ["prep.cniBinDir"],
    );
  });
});
