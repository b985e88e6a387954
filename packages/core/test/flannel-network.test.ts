/**
 * FlannelNetwork rendering: what each option changes in the objects, the
 * net-conf and CNI builders, per-version differences, host requirements and
 * the summary for plan.json.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type CidrPlan, type FlannelNetworkOptions, type K8sObject, renderFlannelNetwork, renderSpec, toYaml } from "../src/index.js";
import { flannelCniConf, flanneldArgs, flannelNetConf } from "../src/internal/index.js";
import { DUAL, lanNodes, planOf, twoNicNodes, V4, V6 } from "./flannel-fixtures.js";

const v4 = planOf(V4, lanNodes(2));
const dual = planOf(DUAL, lanNodes(2, { v6: true }));
const v6only = planOf(V6, lanNodes(2, { v4: false, v6: true }));
const PSK = "o6u3VTkvvb3kbbKqCHl3k2v7F0DmBH0qQfSIuwJ3WJQ=";

function render(options: FlannelNetworkOptions = {}, plan: CidrPlan = v4) {
  return renderFlannelNetwork(options, plan).value;
}
function find(objects: readonly K8sObject[], kind: string): K8sObject {
  const o = objects.find((x) => x.kind === kind);
  assert.ok(o, `no ${kind}`);
  return o;
}
// biome-ignore lint/suspicious/noExplicitAny: test access into plain Kubernetes objects
type Any = any;
function podSpec(objects: readonly K8sObject[]): Any {
  return (find(objects, "DaemonSet") as Any).spec.template.spec;
}
function flanneld(objects: readonly K8sObject[]): Any {
  return podSpec(objects).containers[0];
}
function netConfOf(objects: readonly K8sObject[]): Any {
  return JSON.parse((find(objects, "ConfigMap") as Any).data["net-conf.json"]);
}

describe("FlannelNetwork defaults", () => {
  const n = render();
  test("objects in apply order, upstream names", () => {
    assert.deepEqual(
      n.objects.map((o) => `${o.kind}/${o.metadata.name}`),
      [
        "Namespace/kube-flannel",
        "ClusterRole/flannel",
        "ClusterRoleBinding/flannel",
        "ServiceAccount/flannel",
        "ConfigMap/kube-flannel-cfg",
        "DaemonSet/kube-flannel-ds",
      ],
    );
    assert.equal(n.namespace, "kube-flannel");
    assert.equal(n.daemonSetName, "kube-flannel-ds");
  });
  test("Network comes from the plan, Backend is always written", () => {
    assert.deepEqual(netConfOf(n.objects), { Network: "10.244.0.0/16", EnableNFTables: false, Backend: { Type: "vxlan" } });
  });
  test("pod MTU per node is the interface MTU minus the vxlan overhead", () => {
    assert.deepEqual(n.podMtu, { n1: 1450, n2: 1450 });
    assert.deepEqual(n.nodes[0], {
      node: "n1",
      interface: "eth0",
      selectedBy: "default-route",
      addresses: { ipv4: "192.168.1.31" },
      interfaceMtu: 1500,
      podMtu: 1450,
    });
  });
  test("host requirements for NodeNetworkPrep", () => {
    assert.deepEqual(n.hostRequirements, {
      component: "flannel",
      firewall: [
        { protocol: "udp", port: 8472, purpose: "flannel vxlan overlay (VNI 1)" },
        { protocol: "tcp", port: 8081, purpose: "flannel healthz (liveness and readiness probes)" },
      ],
      unmanagedDevices: ["flannel*", "cni0"],
      trustedInterfaces: ["flannel.1", "cni0"],
      kernelModules: ["vxlan", "br_netfilter"],
      // ipMasq defaults to true: with firewalld, NodeNetworkPrep masquerades the node's zone.
      masquerade: true,
    });
  });
  test("same input, byte-identical YAML", () => {
    assert.equal(toYaml(render().objects), toYaml(n.objects));
    assert.equal(JSON.stringify(render().summary), JSON.stringify(n.summary));
  });
});

describe("net-conf.json per family", () => {
  test("dual-stack adds IPv6Network and EnableIPv6", () => {
    assert.deepEqual(netConfOf(render({}, dual).objects), {
      Network: "10.244.0.0/16",
      IPv6Network: "fd00:10:244::/56",
      EnableIPv6: true,
      EnableNFTables: false,
      Backend: { Type: "vxlan" },
    });
  });
  test("IPv6-only turns IPv4 off", () => {
    assert.deepEqual(netConfOf(render({}, v6only).objects), {
      EnableIPv4: false,
      IPv6Network: "fd00:10:244::/56",
      EnableIPv6: true,
      EnableNFTables: false,
      Backend: { Type: "vxlan" },
    });
  });
  test("backend keys map to flannel's JSON names, in a stable order", () => {
    const conf = netConfOf(
      render(
        {
          backend: {
            type: "wireguard",
            persistentKeepaliveInterval: 25,
            mode: "separate",
            listenPortV6: 51001,
            listenPort: 51000,
            mtu: 1420,
          },
        },
        dual,
      ).objects,
    );
    assert.deepEqual(Object.entries(conf.Backend), [
      ["Type", "wireguard"],
      ["MTU", 1420],
      ["ListenPort", 51000],
      ["ListenPortV6", 51001],
      ["Mode", "separate"],
      ["PersistentKeepaliveInterval", 25],
    ]);
    assert.deepEqual(
      netConfOf(render({ backend: { type: "vxlan", vni: 4096, port: 4789, gbp: true, directRouting: true } }).objects).Backend,
      {
        Type: "vxlan",
        VNI: 4096,
        Port: 4789,
        GBP: true,
        DirectRouting: true,
      },
    );
  });
  test("the builder emits the etcd-mode subnet keys when given", () => {
    const conf = flannelNetConf({
      network: "172.30.0.0/16",
      enableNFTables: false,
      backend: { type: "vxlan" },
      subnets: { subnetLen: 21, subnetMin: "172.30.8.0", subnetMax: "172.30.248.0" },
    });
    assert.deepEqual(Object.keys(conf), ["Network", "SubnetLen", "SubnetMin", "SubnetMax", "EnableNFTables", "Backend"]);
  });
  test("enableNFTables is written and drops br_netfilter from the kernel modules", () => {
    const n = render({ enableNFTables: true });
    assert.equal(netConfOf(n.objects).EnableNFTables, true);
    assert.deepEqual(n.hostRequirements.kernelModules, ["vxlan"]);
  });
});

describe("backends: firewall, devices, overhead", () => {
  const cases: Array<[string, FlannelNetworkOptions, CidrPlan, string[], string[], number]> = [
    [
      "vxlan on a custom port and VNI",
      { backend: { type: "vxlan", port: 4789, vni: 7 } },
      dual,
      ["udp 4789"],
      ["flannel.7", "flannel-v6.7", "cni0"],
      1450,
    ],
    ["wireguard IPv4", { backend: { type: "wireguard" } }, v4, ["udp 51820"], ["flannel-wg", "cni0"], 1420],
    [
      "wireguard dual-stack",
      { backend: { type: "wireguard", listenPortV6: 51900 } },
      dual,
      ["udp 51820", "udp 51900"],
      ["flannel-wg", "flannel-wg-v6", "cni0"],
      1420,
    ],
    ["host-gw", { backend: { type: "host-gw" } }, v4, [], ["cni0"], 1500],
    ["ipip", { backend: { type: "ipip" } }, v4, ["ipip"], ["flannel.ipip", "cni0"], 1480],
    ["udp", { backend: { type: "udp" } }, v4, ["udp 8285"], ["flannel0", "cni0"], 1472],
  ];
  for (const [name, options, plan, firewall, devices, mtu] of cases) {
    test(name, () => {
      const n = render({ ...options, healthzPort: 0 }, plan);
      assert.deepEqual(
        n.hostRequirements.firewall.map((f) => (f.port ? `${f.protocol} ${f.port}` : f.protocol)),
        firewall,
      );
      assert.deepEqual(n.hostRequirements.trustedInterfaces, devices);
      assert.equal(n.podMtu.n1, mtu);
    });
  }
  test("an explicit backend MTU replaces the interface MTU", () => {
    assert.deepEqual(render({ backend: { type: "vxlan", mtu: 1400 } }).podMtu, { n1: 1350, n2: 1350 });
  });
});

describe("DaemonSet per version and option", () => {
  test("v0.26.7: cp -f, no healthz, no probes, no CONT_WHEN_CACHE_NOT_READY, its own images", () => {
    const n = render({ version: "v0.26.7" });
    const spec = podSpec(n.objects);
    assert.deepEqual(
      spec.initContainers.map((c: Any) => c.image),
      ["ghcr.io/flannel-io/flannel-cni-plugin:v1.6.2-flannel1", "ghcr.io/flannel-io/flannel:v0.26.7"],
    );
    assert.deepEqual(
      [spec.initContainers[1].command, spec.initContainers[1].args],
      [["cp"], ["-f", "/etc/kube-flannel/cni-conf.json", "/etc/cni/net.d/10-flannel.conflist"]],
    );
    const c = flanneld(n.objects);
    assert.deepEqual(c.args, ["--ip-masq", "--kube-subnet-mgr"]);
    assert.equal(c.ports, undefined);
    assert.equal(c.livenessProbe, undefined);
    assert.deepEqual(
      c.env.map((e: Any) => e.name),
      ["POD_NAME", "POD_NAMESPACE", "EVENT_QUEUE_DEPTH"],
    );
    assert.deepEqual(
      n.hostRequirements.firewall.map((f) => f.protocol),
      ["udp"],
    );
  });
  test("v0.26.7 with a healthz port gets /healthz liveness but no /readyz (new in v0.28.9)", () => {
    const c = flanneld(render({ version: "v0.26.7", healthzPort: 8081 }).objects);
    assert.deepEqual(c.args, ["--ip-masq", "--kube-subnet-mgr", "--healthz-port=8081"]);
    assert.equal(c.livenessProbe.httpGet.path, "/healthz");
    assert.equal(c.readinessProbe, undefined);
  });
  test("v0.28.9 with healthz off drops the port and both probes", () => {
    const c = flanneld(render({ healthzPort: 0 }).objects);
    assert.deepEqual(
      [c.args, c.ports, c.livenessProbe, c.readinessProbe],
      [["--ip-masq", "--kube-subnet-mgr"], undefined, undefined, undefined],
    );
  });
  test("registry mirror and image overrides", () => {
    const spec = podSpec(render({ imageRegistry: "registry.example.com:5000/mirror/" }).objects);
    assert.deepEqual(
      [spec.initContainers[0].image, spec.initContainers[1].image, spec.containers[0].image],
      [
        "registry.example.com:5000/mirror/flannel-cni-plugin:v1.9.1-flannel3",
        "registry.example.com:5000/mirror/flannel:v0.28.9",
        "registry.example.com:5000/mirror/flannel:v0.28.9",
      ],
    );
    const digest = `registry.example.com/flannel@sha256:${"a".repeat(64)}`;
    const n = render({
      imageRegistry: "mirror.local",
      images: { flannel: digest },
      imagePullPolicy: "IfNotPresent",
      imagePullSecrets: ["pull"],
    });
    const s = podSpec(n.objects);
    assert.deepEqual(n.images, { flannel: digest, cniPlugin: "mirror.local/flannel-cni-plugin:v1.9.1-flannel3" });
    assert.deepEqual(
      [...s.initContainers, ...s.containers].map((c: Any) => c.imagePullPolicy),
      ["IfNotPresent", "IfNotPresent", "IfNotPresent"],
    );
    assert.deepEqual(s.imagePullSecrets, [{ name: "pull" }]);
  });
  test("interface selectors and extra flags become flanneld args, in flannel's order", () => {
    const n = render(
      {
        iface: ["eth1", "192.168.56.12"],
        ifaceRegex: ["^enp"],
        ifaceCanReach: "192.168.56.1",
        ipMasq: false,
        extraArgs: ["--iptables-resync=10"],
      },
      planOf(V4, twoNicNodes(2)),
    );
    assert.deepEqual(flanneld(n.objects).args, [
      "--kube-subnet-mgr",
      "--healthz-port=8081",
      "--iface=eth1",
      "--iface=192.168.56.12",
      "--iface-regex=^enp",
      "--iface-can-reach=192.168.56.1",
      "--iptables-resync=10",
    ]);
  });
  test("a wireguard PSK moves net-conf.json into a Secret mounted with the ConfigMap", () => {
    const n = render({ backend: { type: "wireguard", psk: PSK } });
    assert.deepEqual(
      n.objects.map((o) => o.kind),
      ["Namespace", "ClusterRole", "ClusterRoleBinding", "ServiceAccount", "ConfigMap", "Secret", "DaemonSet"],
    );
    assert.deepEqual(Object.keys((find(n.objects, "ConfigMap") as Any).data), ["cni-conf.json"]);
    const secret = find(n.objects, "Secret") as Any;
    assert.equal(secret.metadata.name, "kube-flannel-net-conf");
    assert.equal(JSON.parse(secret.stringData["net-conf.json"]).Backend.PSK, PSK);
    assert.deepEqual(podSpec(n.objects).volumes[3], {
      name: "flannel-cfg",
      projected: { sources: [{ configMap: { name: "kube-flannel-cfg" } }, { secret: { name: "kube-flannel-net-conf" } }] },
    });
    assert.equal(n.netConfSecretName, "kube-flannel-net-conf");
    assert.equal((n.summary as Any).backend.psk, "(secret)");
  });
  test("namespace, labels, scheduling, resources and host dirs", () => {
    const n = render({
      namespace: "kube-system",
      labels: { "example.com/team": "net" },
      nodeSelector: { "node-role.example.com/net": "true" },
      tolerations: [{ operator: "Exists" }],
      resources: { requests: { cpu: "50m" }, limits: { memory: "200Mi" } },
      cniBinDir: "/usr/libexec/cni",
      cniConfDir: "/etc/cni/conf.d",
    });
    assert.ok(!n.objects.some((o) => o.kind === "Namespace"), "kube-system exists already; podnet never relabels it");
    for (const o of n.objects) {
      assert.equal(o.metadata.labels?.["example.com/team"], "net", `${o.kind} carries the extra label`);
      if (o.kind !== "ClusterRole" && o.kind !== "ClusterRoleBinding") assert.equal(o.metadata.namespace, "kube-system");
    }
    const ds = find(n.objects, "DaemonSet") as Any;
    assert.deepEqual(ds.spec.selector, { matchLabels: { app: "flannel" } });
    assert.equal(ds.spec.template.metadata.labels["example.com/team"], "net");
    const spec = ds.spec.template.spec;
    assert.deepEqual(spec.nodeSelector, { "node-role.example.com/net": "true" });
    assert.deepEqual(spec.tolerations, [{ operator: "Exists" }]);
    assert.deepEqual(spec.containers[0].resources, { requests: { cpu: "50m" }, limits: { memory: "200Mi" } });
    assert.deepEqual(spec.volumes.slice(1, 3), [
      { name: "cni-plugin", hostPath: { path: "/usr/libexec/cni" } },
      { name: "cni", hostPath: { path: "/etc/cni/conf.d" } },
    ]);
    assert.deepEqual((find(n.objects, "ClusterRoleBinding") as Any).subjects, [
      { kind: "ServiceAccount", name: "flannel", namespace: "kube-system" },
    ]);
    assert.equal(render({ namespace: "net", createNamespace: false }).objects[0]?.kind, "ClusterRole");
  });
});

describe("shared builders (also used by the systemd path)", () => {
  test("flanneldArgs with per-node public addresses", () => {
    assert.deepEqual(
      flanneldArgs({ ipMasq: true, kubeSubnetMgr: false, publicIp: "192.168.1.31", publicIpv6: "fd00::31", iface: ["eth1"] }),
      ["--ip-masq", "--iface=eth1", "--public-ip=192.168.1.31", "--public-ipv6=fd00::31"],
    );
  });
  test("flannelCniConf: upstream's conflist, subnetFile only when not the default", () => {
    assert.deepEqual(flannelCniConf(), {
      name: "cbr0",
      cniVersion: "0.3.1",
      plugins: [
        { type: "flannel", delegate: { hairpinMode: true, isDefaultGateway: true } },
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    });
    assert.deepEqual((flannelCniConf({ subnetFile: "/run/flannel/subnet.env" }).plugins as Any)[0], {
      type: "flannel",
      delegate: { hairpinMode: true, isDefaultGateway: true },
    });
    assert.deepEqual((flannelCniConf({ subnetFile: "/run/flannel/b.env", dataDir: "/var/lib/cni/fb" }).plugins as Any)[0], {
      type: "flannel",
      subnetFile: "/run/flannel/b.env",
      dataDir: "/var/lib/cni/fb",
      delegate: { hairpinMode: true, isDefaultGateway: true },
    });
  });
});

describe("the spec's flannel: section (podnet render)", () => {
  const spec = {
    cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
    nodes: lanNodes(2),
    flannel: { backend: { type: "vxlan", vni: 2 } },
  };
  test("renders manifests/flannel.yaml and a flannel summary in plan.json", () => {
    const r = renderSpec(spec);
    assert.deepEqual(r.errors, []);
    assert.ok(r.value);
    assert.deepEqual(Object.keys(r.value.manifests), ["flannel.yaml"]);
    const summary = (r.value.planJson.components as Any).flannel;
    assert.deepEqual(summary.nodes.n2, {
      interface: "eth0",
      selectedBy: "default-route",
      addresses: { ipv4: "192.168.1.32" },
      interfaceMtu: 1500,
      podMtu: 1450,
    });
    assert.equal(summary.version, "v0.28.9");
    assert.deepEqual(summary.backend, { type: "vxlan", vni: 2 });
  });
  test("schema problems carry the flannel. path", () => {
    const r = renderSpec({ ...spec, flannel: { backend: { type: "vxlan", vni: 2, vnl: 3 } } });
    assert.deepEqual(r.errors, [
      { path: "flannel.backend.vnl", code: "spec.unknown-key", message: 'flannel.backend.vnl: unknown key "vnl"; did you mean "vni"?' },
    ]);
  });
  test("without a flannel: section nothing flannel is rendered", () => {
    const { flannel: _, ...rest } = spec;
    assert.deepEqual(Object.keys(renderSpec(rest).value?.manifests ?? {}), []);
  });
});
