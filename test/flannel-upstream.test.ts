/**
 * FlannelNetwork against upstream's kube-flannel.yml: with default options
 * (and a plan whose pod CIDR is upstream's 10.244.0.0/16) every object equals
 * upstream's field for field, for each pinned version; a custom render
 * differs exactly where its options ask and nowhere else.
 *
 * Only JSON-in-a-string fields (cni-conf.json, net-conf.json) are normalised,
 * by parsing them. The reference manifests are read from ../shared/reference
 * and the suite skips, saying so, when that folder is absent.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { type FlannelNetworkOptions, type K8sObject, planPodCidrs, renderFlannelNetwork } from "@podnet/core";
import { parseAllDocuments } from "yaml";
import { needsReference, sharedReference } from "./support/real.js";

/** Two NICs per node (NAT eth0 with the default route, LAN eth1): a selector is required. */
const twoNic = planPodCidrs({
  cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
  nodes: [
    {
      name: "n1",
      interfaces: [
        { name: "eth0", addresses: ["10.0.2.15/24"], defaultRoute: true },
        { name: "eth1", addresses: ["192.168.56.11/24"] },
      ],
    },
    {
      name: "n2",
      interfaces: [
        { name: "eth0", addresses: ["10.0.3.15/24"], defaultRoute: true },
        { name: "eth1", addresses: ["192.168.56.12/24"] },
      ],
    },
  ],
}).value;
/** One NIC per node: upstream's manifest works as is (flanneld takes the default-route interface). */
const singleNic = planPodCidrs({
  cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
  nodes: [{ name: "n1", interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"] }] }],
}).value;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function upstream(version: string): K8sObject[] {
  const dir = sharedReference();
  assert.ok(dir);
  const text = readFileSync(join(dir, "flannel", version, "kube-flannel.yml"), "utf8");
  return parseAllDocuments(text)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/** Parses the JSON-string fields, so formatting of embedded JSON does not count as a difference. */
function normalise(o: K8sObject): Json {
  const copy = JSON.parse(JSON.stringify(o)) as { [k: string]: Json };
  for (const field of ["data", "stringData"]) {
    const data = copy[field] as { [k: string]: Json } | undefined;
    for (const [k, v] of Object.entries(data ?? {})) {
      if (k.endsWith(".json") && typeof v === "string") (data as { [k: string]: Json })[k] = JSON.parse(v) as Json;
    }
  }
  return copy;
}

const key = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;

/** Every leaf where two values differ: path -> [upstream, podnet] (undefined = absent). */
function diff(a: Json | undefined, b: Json | undefined, path: string, out: Record<string, [Json | undefined, Json | undefined]>): void {
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b)) {
    const keys = Array.isArray(a)
      ? Array.from({ length: Math.max(a.length, (b as Json[]).length) }, (_, i) => i)
      : [...new Set([...Object.keys(a), ...Object.keys(b as object)])];
    for (const k of keys) {
      const av = (a as Record<string | number, Json>)[k];
      const bv = (b as Record<string | number, Json>)[k];
      diff(av, bv, typeof k === "number" ? `${path}[${k}]` : `${path}.${k}`, out);
    }
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out[path] = [a, b];
}

function compare(up: readonly K8sObject[], ours: readonly K8sObject[]): Record<string, [Json | undefined, Json | undefined]> {
  const out: Record<string, [Json | undefined, Json | undefined]> = {};
  const mine = new Map(ours.map((o) => [key(o), o]));
  const theirs = new Map(up.map((o) => [key(o), o]));
  for (const k of new Set([...theirs.keys(), ...mine.keys()])) {
    const a = theirs.get(k);
    const b = mine.get(k);
    diff(a ? normalise(a) : undefined, b ? normalise(b) : undefined, k, out);
  }
  return out;
}

describe("FlannelNetwork matches upstream kube-flannel.yml", { skip: needsReference() }, () => {
  for (const version of ["v0.28.9", "v0.26.7"] as const) {
    test(`${version}: default options give upstream's objects, field for field, in upstream's order`, () => {
      const up = upstream(version);
      const ours = renderFlannelNetwork({ version }, singleNic).value.objects;
      assert.deepEqual(ours.map(key), up.map(key));
      for (const o of up) {
        const mine = ours.find((x) => key(x) === key(o));
        assert.ok(mine, `podnet renders ${key(o)}`);
        assert.deepStrictEqual(normalise(mine), normalise(o), key(o));
      }
    });
  }

  test("the comparison itself notices a one-field change", () => {
    const up = upstream("v0.28.9");
    const ours = renderFlannelNetwork({ ipMasq: false }, singleNic).value.objects;
    assert.deepEqual(compare(up, ours), {
      "DaemonSet/kube-flannel-ds.spec.template.spec.containers[0].args[0]": ["--ip-masq", "--kube-subnet-mgr"],
      "DaemonSet/kube-flannel-ds.spec.template.spec.containers[0].args[1]": ["--kube-subnet-mgr", "--healthz-port=8081"],
      "DaemonSet/kube-flannel-ds.spec.template.spec.containers[0].args[2]": ["--healthz-port=8081", undefined],
    });
  });

  test("v0.28.9 custom render differs only where the options ask", () => {
    const options: FlannelNetworkOptions = {
      imageRegistry: "registry.example.com/mirror",
      backend: { type: "vxlan", vni: 4096, port: 4789, directRouting: true },
      iface: ["eth1"],
      healthzPort: 9081,
      resources: { requests: { cpu: "100m", memory: "50Mi" }, limits: { memory: "200Mi" } },
      nodeSelector: { "node-role.example.com/net": "true" },
      extraArgs: ["--iptables-resync=10"],
    };
    const ours = renderFlannelNetwork(options, twoNic).value.objects;
    const ds = "DaemonSet/kube-flannel-ds.spec.template.spec";
    assert.deepEqual(compare(upstream("v0.28.9"), ours), {
      "ConfigMap/kube-flannel-cfg.data.net-conf.json.Backend.VNI": [undefined, 4096],
      "ConfigMap/kube-flannel-cfg.data.net-conf.json.Backend.Port": [undefined, 4789],
      "ConfigMap/kube-flannel-cfg.data.net-conf.json.Backend.DirectRouting": [undefined, true],
      [`${ds}.nodeSelector`]: [undefined, { "node-role.example.com/net": "true" }],
      [`${ds}.initContainers[0].image`]: [
        "ghcr.io/flannel-io/flannel-cni-plugin:v1.9.1-flannel3",
        "registry.example.com/mirror/flannel-cni-plugin:v1.9.1-flannel3",
      ],
      [`${ds}.initContainers[1].image`]: ["ghcr.io/flannel-io/flannel:v0.28.9", "registry.example.com/mirror/flannel:v0.28.9"],
      [`${ds}.containers[0].image`]: ["ghcr.io/flannel-io/flannel:v0.28.9", "registry.example.com/mirror/flannel:v0.28.9"],
      [`${ds}.containers[0].args[2]`]: ["--healthz-port=8081", "--healthz-port=9081"],
      [`${ds}.containers[0].args[3]`]: [undefined, "--iface=eth1"],
      [`${ds}.containers[0].args[4]`]: [undefined, "--iptables-resync=10"],
      [`${ds}.containers[0].ports[0].containerPort`]: [8081, 9081],
      [`${ds}.containers[0].resources.limits`]: [undefined, { memory: "200Mi" }],
    });
  });

  test("v0.26.7 custom render (wireguard with a PSK, kube-system) differs only where the options ask", () => {
    const psk = "o6u3VTkvvb3kbbKqCHl3k2v7F0DmBH0qQfSIuwJ3WJQ=";
    const ours = renderFlannelNetwork({ version: "v0.26.7", backend: { type: "wireguard", psk }, namespace: "kube-system" }, singleNic)
      .value.objects;
    const ds = "DaemonSet/kube-flannel-ds";
    const d = compare(upstream("v0.26.7"), ours);
    // The Namespace object is not rendered for kube-system (it exists; podnet never relabels it).
    assert.equal((d["Namespace/kube-flannel"]?.[0] as { kind?: string })?.kind, "Namespace");
    assert.equal(d["Namespace/kube-flannel"]?.[1], undefined);
    delete d["Namespace/kube-flannel"];
    assert.deepEqual(d, {
      "ClusterRoleBinding/flannel.subjects[0].namespace": ["kube-flannel", "kube-system"],
      "ServiceAccount/flannel.metadata.namespace": ["kube-flannel", "kube-system"],
      "ConfigMap/kube-flannel-cfg.metadata.namespace": ["kube-flannel", "kube-system"],
      "ConfigMap/kube-flannel-cfg.data.net-conf.json": [
        { Network: "10.244.0.0/16", EnableNFTables: false, Backend: { Type: "vxlan" } },
        undefined,
      ],
      "Secret/kube-flannel-net-conf": [
        undefined,
        {
          apiVersion: "v1",
          kind: "Secret",
          metadata: {
            name: "kube-flannel-net-conf",
            namespace: "kube-system",
            labels: { tier: "node", "k8s-app": "flannel", app: "flannel" },
          },
          type: "Opaque",
          stringData: { "net-conf.json": { Network: "10.244.0.0/16", EnableNFTables: false, Backend: { Type: "wireguard", PSK: psk } } },
        },
      ],
      [`${ds}.metadata.namespace`]: ["kube-flannel", "kube-system"],
      [`${ds}.spec.template.spec.volumes[3].configMap`]: [{ name: "kube-flannel-cfg" }, undefined],
      [`${ds}.spec.template.spec.volumes[3].projected`]: [
        undefined,
        { sources: [{ configMap: { name: "kube-flannel-cfg" } }, { secret: { name: "kube-flannel-net-conf" } }] },
      ],
    });
  });
});
