/**
 * What CalicoNetwork renders for the options that change objects: backends
 * and probes, IPv6 and dual-stack env, pools as env or IPPools, operator
 * mapping and Helm values, host requirements, autodetection choices, MTU,
 * Typha sizing, determinism.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type CalicoNetworkOptions, type CidrPlan, type K8sObject, renderCalicoNetwork, toYaml } from "../src/index.js";
import { operatorEncapsulation } from "../src/internal/index.js";
import { bigNodes, DUAL, lanNodes, planOf, seedNodes, V4, V6 } from "./calico-fixtures.js";

// biome-ignore lint/suspicious/noExplicitAny: test access into plain Kubernetes objects
type Obj = Record<string, any>;
const v4 = planOf(V4, lanNodes(3));
const dual = planOf(DUAL, lanNodes(3, { v6: true }));
const v6only = planOf(V6, lanNodes(3, { v4: false, v6: true }));
const seed = planOf(V4, seedNodes());

const find = (objs: readonly K8sObject[], kind: string, name?: string): Obj => {
  const o = objs.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  assert.ok(o, `${kind} ${name ?? ""}`);
  return o as Obj;
};
const nodeContainer = (objs: readonly K8sObject[]): Obj => find(objs, "DaemonSet").spec.template.spec.containers[0];
/** calico-node env as name -> value (or "<configMapKey>" for references). */
function envOf(objs: readonly K8sObject[]): Record<string, string> {
  return Object.fromEntries(
    (nodeContainer(objs).env as Obj[]).map((e) => [
      e.name,
      e.value ?? (e.valueFrom.configMapKeyRef ? `<${e.valueFrom.configMapKeyRef.key}>` : "<field>"),
    ]),
  );
}
const manifest = (options: CalicoNetworkOptions, plan: CidrPlan = v4) => renderCalicoNetwork({ install: "manifest", ...options }, plan);
const cni = (objs: readonly K8sObject[]) =>
  JSON.parse((find(objs, "ConfigMap").data.cni_network_config as string).replace("__CNI_MTU__", "0"));

describe("manifest path", () => {
  test("same input, byte-identical output", () => {
    const opts: CalicoNetworkOptions = {
      install: "manifest",
      typha: {},
      ipPools: [{ cidr: "172.16.0.0/17" }, { cidr: "172.16.128.0/17" }],
      bgp: { asNumber: 65000 },
    };
    const a = renderCalicoNetwork(opts, v4);
    const b = renderCalicoNetwork(structuredClone(opts), planOf(V4, lanNodes(3)));
    assert.equal(toYaml([...a.value.objects, ...a.value.resources]), toYaml([...b.value.objects, ...b.value.resources]));
    assert.equal(JSON.stringify(a.value.summary), JSON.stringify(b.value.summary));
  });

  test("backend follows the pools; BIRD probes only with BIRD", () => {
    const table: Array<[CalicoNetworkOptions, string, string[]]> = [
      [{}, "bird", ["/bin/calico-node", "-felix-live", "-bird-live"]],
      [{ ipPools: [{ vxlanMode: "Always" }] }, "vxlan", ["/bin/calico-node", "-felix-live"]],
      [{ ipPools: [{ ipipMode: "Never" }] }, "bird", ["/bin/calico-node", "-felix-live", "-bird-live"]],
      [{ ipPools: [{ ipipMode: "Never" }], backend: "none" }, "none", ["/bin/calico-node", "-felix-live"]],
    ];
    for (const [opts, backend, live] of table) {
      const r = manifest(opts);
      assert.equal(find(r.value.objects, "ConfigMap").data.calico_backend, backend);
      assert.deepStrictEqual(nodeContainer(r.value.objects).livenessProbe.exec.command, live);
      assert.deepStrictEqual(
        nodeContainer(r.value.objects).readinessProbe.exec.command,
        live.map((x) => x.replace("live", "ready")),
      );
    }
  });

  test("pool settings that differ from calico-node's defaults become env; the pool CIDR always does", () => {
    const env = envOf(
      manifest({ ipPools: [{ blockSize: 24, natOutgoing: false, nodeSelector: "pool == 'a'", vxlanMode: "CrossSubnet" }], mtu: 1400 }).value
        .objects,
    );
    assert.equal(env.CALICO_IPV4POOL_CIDR, "172.16.0.0/16");
    assert.equal(env.CALICO_IPV4POOL_BLOCK_SIZE, "24");
    assert.equal(env.CALICO_IPV4POOL_NAT_OUTGOING, "false");
    assert.equal(env.CALICO_IPV4POOL_NODE_SELECTOR, "pool == 'a'");
    assert.equal(env.CALICO_IPV4POOL_IPIP, "Never");
    assert.equal(env.CALICO_IPV4POOL_VXLAN, "CrossSubnet");
    assert.equal(env.IP_AUTODETECTION_METHOD, undefined, "first-found is calico-node's default: not written");
    const plain = envOf(manifest({}).value.objects);
    for (const k of ["CALICO_IPV4POOL_BLOCK_SIZE", "CALICO_IPV4POOL_NAT_OUTGOING", "CALICO_IPV4POOL_NODE_SELECTOR"])
      assert.equal(plain[k], undefined, k);
  });

  test("explicit MTU goes to veth_mtu (which feeds CNI_MTU and every FELIX_*MTU)", () => {
    const r = manifest({ mtu: 1440 });
    assert.equal(find(r.value.objects, "ConfigMap").data.veth_mtu, "1440");
    assert.equal(envOf(r.value.objects).FELIX_IPINIPMTU, "<veth_mtu>");
  });

  test("dual-stack: IP6, IPv6 pool env, IPv6 support, calico-ipam assigns both families", () => {
    const r = manifest({ ipAutodetection: { ipv6: "interface=ens33" } }, dual);
    const env = envOf(r.value.objects);
    assert.equal(env.IP, "autodetect");
    assert.equal(env.IP6, "autodetect");
    assert.equal(env.IP6_AUTODETECTION_METHOD, "interface=ens33");
    assert.equal(env.CALICO_IPV6POOL_CIDR, "fd00:10:244::/56");
    assert.equal(env.CALICO_IPV6POOL_VXLAN, "Never");
    assert.equal(env.FELIX_IPV6SUPPORT, "true");
    assert.equal(env.FELIX_VXLANMTUV6, "<veth_mtu>");
    assert.deepStrictEqual(cni(r.value.objects).plugins[0].ipam, { type: "calico-ipam", assign_ipv4: "true", assign_ipv6: "true" });
  });

  test("IPv6 only: IP none, router id from a hash, calico-ipam assigns IPv6 only", () => {
    const r = manifest({}, v6only);
    const env = envOf(r.value.objects);
    assert.equal(env.IP, "none");
    assert.equal(env.CALICO_ROUTER_ID, "hash");
    assert.equal(env.CALICO_IPV4POOL_CIDR, undefined);
    assert.equal(env.CALICO_IPV4POOL_IPIP, "Never");
    assert.deepStrictEqual(cni(r.value.objects).plugins[0].ipam, { type: "calico-ipam", assign_ipv4: "false", assign_ipv6: "true" });
  });

  test("the first pool of each family is env; later pools are IPPool resources with every field explicit", () => {
    const r = manifest({ ipPools: [{ cidr: "172.16.0.0/17" }, { cidr: "172.16.128.0/17", vxlanMode: "Always", natOutgoing: false }] });
    assert.equal(envOf(r.value.objects).CALICO_IPV4POOL_CIDR, "172.16.0.0/17");
    assert.deepStrictEqual(r.value.resources, [
      {
        apiVersion: "crd.projectcalico.org/v1",
        kind: "IPPool",
        metadata: { name: "ipv4-ippool-1" },
        spec: { cidr: "172.16.128.0/17", blockSize: 26, ipipMode: "Never", vxlanMode: "Always", natOutgoing: false, nodeSelector: "all()" },
      },
    ]);
    assert.deepStrictEqual(
      [r.value.kubernetesResources, r.value.calicoctlResources],
      [r.value.resources, []],
      "Kubernetes datastore: kubectl objects",
    );
  });

  test("registry override moves every image", () => {
    const r = manifest({ registry: "registry.example.com:5000", typha: {} });
    const images = r.value.objects.flatMap((o: Obj) =>
      [...(o.spec?.template?.spec?.initContainers ?? []), ...(o.spec?.template?.spec?.containers ?? [])].map((c: Obj) => c.image),
    );
    assert.deepStrictEqual([...new Set(images)].sort(), [
      "registry.example.com:5000/calico/cni:v3.30.7",
      "registry.example.com:5000/calico/kube-controllers:v3.30.7",
      "registry.example.com:5000/calico/node:v3.30.7",
      "registry.example.com:5000/calico/typha:v3.30.7",
    ]);
  });

  test("Typha replicas default to the operator's autoscaling: below the node count", () => {
    for (const [nodes, want] of [
      [2, 1],
      [3, 2],
      [12, 3],
      [1000, 7],
    ] as const) {
      const plan =
        nodes < 10 ? planOf(V4, lanNodes(nodes)) : planOf({ podCidrs: ["172.16.0.0/12"], serviceCidrs: ["10.96.0.0/12"] }, bigNodes(nodes));
      const r = manifest({ typha: {} }, plan);
      assert.equal(find(r.value.objects, "Deployment", "calico-typha").spec.replicas, want, `${nodes} nodes`);
      assert.equal(find(r.value.objects, "ConfigMap").data.typha_service_name, "calico-typha");
    }
  });

  test("etcd: no CRD prerequisite; Calico resources are projectcalico.org/v3 for calicoctl", () => {
    const r = manifest({ datastore: "etcd", etcd: { endpoints: ["http://10.0.0.1:2379"] }, bgp: { asNumber: 65010 } });
    assert.deepStrictEqual(r.value.prerequisites, []);
    assert.deepStrictEqual(
      r.value.resources.map((o) => [o.apiVersion, o.kind]),
      [["projectcalico.org/v3", "BGPConfiguration"]],
    );
    assert.deepStrictEqual([r.value.calicoctlResources, r.value.kubernetesResources], [r.value.resources, []]);
    assert.equal(find(r.value.objects, "Secret").data, undefined, "no key material in core output");
  });
});

describe("operator path", () => {
  test("encapsulation mapping", () => {
    const table: Array<[string, string, string]> = [
      ["Always", "Never", "IPIP"],
      ["CrossSubnet", "Never", "IPIPCrossSubnet"],
      ["Never", "Always", "VXLAN"],
      ["Never", "CrossSubnet", "VXLANCrossSubnet"],
      ["Never", "Never", "None"],
    ];
    for (const [ipipMode, vxlanMode, want] of table) assert.equal(operatorEncapsulation({ ipipMode, vxlanMode } as never), want);
  });

  test("Installation from options; every pool in it; Helm values carry the same spec", () => {
    const r = renderCalicoNetwork(
      {
        ipPools: [{}, { family: "ipv6", vxlanMode: "CrossSubnet", blockSize: 120 }],
        ipAutodetection: { ipv4: "interface=ens33", ipv6: { cidrs: ["fd00:192:168:79::/64"] } },
        mtu: 1430,
        registry: "mirror.local",
      },
      dual,
    );
    const inst = find(r.value.objects, "Installation");
    assert.deepStrictEqual(inst.spec, {
      cni: { type: "Calico", ipam: { type: "Calico" } },
      calicoNetwork: {
        bgp: "Enabled",
        ipPools: [
          {
            name: "default-ipv4-ippool",
            cidr: "172.16.0.0/16",
            blockSize: 26,
            encapsulation: "IPIP",
            natOutgoing: "Enabled",
            nodeSelector: "all()",
          },
          {
            name: "default-ipv6-ippool",
            cidr: "fd00:10:244::/56",
            blockSize: 120,
            encapsulation: "VXLANCrossSubnet",
            natOutgoing: "Disabled",
            nodeSelector: "all()",
          },
        ],
        nodeAddressAutodetectionV4: { interface: "ens33" },
        nodeAddressAutodetectionV6: { cidrs: ["fd00:192:168:79::/64"] },
        mtu: 1430,
      },
      registry: "mirror.local/",
    });
    assert.deepStrictEqual(find(r.value.objects, "APIServer"), {
      apiVersion: "operator.tigera.io/v1",
      kind: "APIServer",
      metadata: { name: "default" },
      spec: {},
    });
    // No IPPools outside the Installation; the explicit MTU also lands in FelixConfiguration for the tunnels in use.
    assert.deepStrictEqual(
      r.value.resources.map((o: Obj) => [o.kind, o.spec]),
      [["FelixConfiguration", { ipipMTU: 1430, vxlanMTUV6: 1430 }]],
    );
    const h = r.value.operator?.helm;
    assert.ok(h);
    assert.deepStrictEqual(
      [h.repo, h.chart, h.version, h.namespace],
      ["https://docs.tigera.io/calico/charts", "tigera-operator", "v3.30.7", "tigera-operator"],
    );
    const { enabled, kubernetesProvider, ...spec } = h.values.installation as Obj;
    assert.deepStrictEqual([enabled, kubernetesProvider], [true, ""]);
    assert.deepStrictEqual(spec, inst.spec);
    assert.deepStrictEqual(h.values.apiServer, { enabled: true });
    assert.deepStrictEqual(h.values.tigeraOperator, { registry: "mirror.local" });
    assert.deepStrictEqual(
      r.value.prerequisites.map((m) => [m.name, m.sha256]),
      [
        ["operator-crds.yaml", "53b2e2791915809db8016b72d4ceac9d1dd529d053984eb203c06b94c6639ee3"],
        ["tigera-operator.yaml", "bcc9f89c1847ee5237c29c1b7e4a67c86296cb0139619093df6ca98ec14abf18"],
      ],
    );
  });

  test("VXLAN-only turns BGP off; APIServer optional; Goldmane and Whisker on request", () => {
    const r = renderCalicoNetwork({ ipPools: [{ vxlanMode: "Always" }], apiServer: false, goldmane: true, whisker: true }, v4);
    assert.equal(find(r.value.objects, "Installation").spec.calicoNetwork.bgp, "Disabled");
    assert.deepStrictEqual(
      r.value.objects.map((o) => o.kind),
      ["Installation", "Goldmane", "Whisker"],
    );
  });

  test("WireGuard and explicit MTU give a FelixConfiguration; BGP settings a BGPConfiguration; peers BGPPeers", () => {
    const r = renderCalicoNetwork(
      { wireguard: { ipv4: true }, mtu: 1400, bgp: { nodeToNodeMesh: false, peers: [{ name: "rr", peerSelector: "rr == 'true'" }] } },
      v4,
    );
    assert.deepStrictEqual(
      r.value.resources.map((o: Obj) => [o.kind, o.metadata.name, o.spec]),
      [
        ["BGPConfiguration", "default", { asNumber: 64512, nodeToNodeMeshEnabled: false, listenPort: 179 }],
        ["FelixConfiguration", "default", { wireguardEnabled: true, ipipMTU: 1400, wireguardMTU: 1400 }],
        ["BGPPeer", "rr", { peerSelector: "rr == 'true'" }],
      ],
    );
  });
});

describe("host requirements", () => {
  const fw = (o: CalicoNetworkOptions, plan = v4) =>
    renderCalicoNetwork(o, plan).value.hostRequirements.firewall.map(
      (f) => `${f.protocol}:${f.port ?? ""}${f.portEnd ? `-${f.portEnd}` : ""}:${f.nodes ?? "all"}`,
    );
  test("firewall needs follow the features in use", () => {
    assert.deepStrictEqual(fw({ install: "manifest" }), ["tcp:179:all", "ipip::all"]);
    assert.deepStrictEqual(fw({}), ["tcp:179:all", "ipip::all", "tcp:5473:all"], "the operator always runs Typha");
    assert.deepStrictEqual(fw({ install: "manifest", ipPools: [{ vxlanMode: "Always" }], typha: {} }), ["udp:4789:all", "tcp:5473:all"]);
    assert.deepStrictEqual(fw({ install: "manifest", wireguard: { ipv4: true, ipv6: true }, bgp: { listenPort: 1179 } }, dual), [
      "tcp:1179:all",
      "ipip::all",
      "udp:51820-51821:all",
    ]);
    assert.deepStrictEqual(fw({ install: "manifest", wireguard: { ipv6: true } }, dual), ["tcp:179:all", "ipip::all", "udp:51821:all"]);
    assert.deepStrictEqual(
      fw({ install: "manifest", datastore: "etcd", etcd: { endpoints: ["https://10.0.0.1:2379", "https://10.0.0.2:2379"] } }),
      ["tcp:179:all", "ipip::all", "tcp:2379:etcd"],
    );
  });

  test("NetworkManager list is complete; trusted interfaces and modules follow encapsulation", () => {
    const h = renderCalicoNetwork(
      { install: "manifest", ipPools: [{}, { family: "ipv6", vxlanMode: "Always" }], wireguard: { ipv4: true } },
      dual,
    ).value.hostRequirements;
    assert.deepStrictEqual(h.unmanagedDevices, ["cali*", "tunl*", "vxlan.calico", "vxlan-v6.calico", "wireguard.cali", "wg-v6.cali"]);
    assert.deepStrictEqual(h.trustedInterfaces, ["cali+", "tunl0", "vxlan-v6.calico", "wireguard.cali"]);
    assert.deepStrictEqual(h.kernelModules, ["ip_set", "xt_set", "ipip", "vxlan", "wireguard"]);
    assert.equal(h.component, "calico");
  });
});

describe("autodetection and MTU", () => {
  const chosen = (o: CalicoNetworkOptions, plan: CidrPlan, family = "ipv4") =>
    (renderCalicoNetwork(o, plan).value.summary.autodetection as Obj)[family].nodes as Record<
      string,
      { interface: string; address: string }
    >;

  test("seed inventory: first-found skips virbr0 and docker0 (Calico's default exclusions) and picks ens33", () => {
    assert.deepStrictEqual(chosen({}, seed)["k8s-master-01"], { interface: "ens33", address: "192.168.79.128", mtu: 1500 });
  });

  test("each method picks one address per node", () => {
    const two = planOf(V4, [
      {
        name: "m1",
        interfaces: [
          { name: "ens33", addresses: ["192.168.79.128/24"], defaultRoute: true },
          { name: "ens34", addresses: ["10.10.0.5/24"] },
        ],
      },
      {
        name: "m2",
        interfaces: [
          { name: "ens33", addresses: ["192.168.79.129/24"], defaultRoute: true },
          { name: "ens34", addresses: ["10.10.0.6/24"] },
        ],
      },
    ]);
    const pick = (m: string) => Object.values(chosen({ ipAutodetection: { ipv4: m } }, two)).map((c) => c.interface);
    assert.deepStrictEqual(pick("interface=ens34"), ["ens34", "ens34"]);
    assert.deepStrictEqual(pick("interface=^ens3[4-9]$, ^eth"), ["ens34", "ens34"]);
    assert.deepStrictEqual(pick("skip-interface=ens33"), ["ens34", "ens34"]);
    assert.deepStrictEqual(pick("cidr=10.10.0.0/24"), ["ens34", "ens34"]);
    assert.deepStrictEqual(pick("can-reach=10.10.0.1"), ["ens34", "ens34"], "on-link destination");
    assert.deepStrictEqual(pick("can-reach=8.8.8.8"), ["ens33", "ens33"], "off-link: the default route");
    assert.deepStrictEqual(pick("can-reach=www.example.com"), ["ens33", "ens33"], "a DNS name goes out the default route");
    assert.deepStrictEqual(pick("kubernetes-internal-ip"), ["ens33", "ens33"]);
  });

  test("summary: largest safe MTU from the smallest chosen interface minus the largest overhead", () => {
    const jumbo = planOf(V4, lanNodes(3, { mtu: 9000 }));
    const mtu = (o: CalicoNetworkOptions, plan = jumbo) => renderCalicoNetwork(o, plan).value.summary.mtu as Obj;
    assert.equal(mtu({}).largestSafe, 8980);
    assert.equal(mtu({ ipPools: [{ vxlanMode: "Always" }] }).largestSafe, 8950);
    assert.equal(mtu({ ipPools: [{ vxlanMode: "Always" }], wireguard: { ipv4: true } }).largestSafe, 8940);
    assert.equal(mtu({ ipPools: [{ ipipMode: "Never" }] }).largestSafe, 9000);
    const mixed = planOf(V4, [
      ...lanNodes(2, { mtu: 9000 }),
      { name: "n9", interfaces: [{ name: "ens33", addresses: ["192.168.79.200/24"], mtu: 1450 }] },
    ]);
    assert.deepStrictEqual(mtu({}, mixed).underlay, { mtu: 1450, node: "n9", interface: "ens33" });
    assert.equal(mtu({}, mixed).largestSafe, 1430);
    assert.equal(mtu({}).value, 0, "auto unless given");
  });
});
