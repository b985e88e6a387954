/**
 * The cdk8s NodeNetworkPrep construct: the host files and their scripts as a
 * ConfigMap, the optional privileged nsenter DaemonSet, one default and one
 * custom snapshot (write them with UPDATE_SNAPSHOTS=1), schema validation
 * with kubernetes-models, and bad props throwing in the constructor.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { NodeNetworkPrep, PodCidrPlan } from "@podnet/cdk8s";
import { type HostRequirements, renderNodeScripts } from "@podnet/core";
import { Testing } from "cdk8s";
import * as models from "kubernetes-models";
import { snapshots } from "./support/snapshot.js";

const planOptions = {
  cluster: { podCidrs: ["10.244.0.0/16", "fd00:10:244::/56"], serviceCidrs: ["10.96.0.0/12", "fd00:10:96::/112"] },
  nodes: [
    { name: "cp1", roles: ["control-plane" as const], interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24", "fd00:1::31/64"] }] },
    { name: "w1", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24", "fd00:1::32/64"] }] },
  ],
};
const calico: HostRequirements = {
  component: "calico",
  firewall: [{ protocol: "tcp", port: 179, purpose: "BGP" }],
  unmanagedDevices: ["cali*", "tunl*", "vxlan.calico"],
  trustedInterfaces: ["cali+", "tunl0"],
  kernelModules: ["ipip", "ip_set"],
};

const snapshot = snapshots(import.meta.url, "node-prep.cdk8s");

function validate(docs: Array<{ apiVersion: string; kind: string }>): void {
  for (const d of docs) {
    const M = d.kind === "DaemonSet" ? models.apps.v1.DaemonSet : models.v1.ConfigMap;
    new M(d as never).validate();
  }
}

describe("NodeNetworkPrep (cdk8s)", () => {
  test("default: a ConfigMap with the common host files and their install/uninstall scripts", () => {
    const chart = Testing.chart();
    const plan = new PodCidrPlan(chart, "plan", planOptions);
    const prep = new NodeNetworkPrep(chart, "prep", { plan, hostRequirements: [calico] });
    const docs = Testing.synth(chart);
    validate(docs);
    snapshot("default", docs);
    assert.deepEqual(
      docs.map((d) => `${d.kind}/${d.metadata.namespace}/${d.metadata.name}`),
      ["ConfigMap/kube-system/podnet-node-prep"],
    );
    const data = docs[0].data as Record<string, string>;
    assert.deepEqual(Object.keys(data), [
      "NetworkManager.conf.d.podnet.conf",
      "install.sh",
      "modules-load.d.podnet.conf",
      "sysctl.d.podnet.conf",
      "uninstall.sh",
    ]);
    const scripts = renderNodeScripts({ node: "daemonset", scope: "podnet-node-prep", units: prep.result.commonUnits });
    assert.equal(data["install.sh"], scripts.install);
    assert.match(
      data["NetworkManager.conf.d.podnet.conf"] ?? "",
      /unmanaged-devices\+=interface-name:cali\*;interface-name:tunl\*;interface-name:vxlan\.calico\n$/,
    );
    assert.ok(!data["install.sh"]?.includes("podnet_fw_want"), "firewalld stays with the SSH path");
  });

  test("daemonSet: privileged, hostPID, nsenter into PID 1 running install.sh from the ConfigMap", () => {
    const chart = Testing.chart();
    new NodeNetworkPrep(chart, "prep", {
      plan: planOptions,
      hostRequirements: [calico],
      namespace: "podnet-system",
      daemonSet: true,
      image: "registry.example.com/debian@sha256:0000000000000000000000000000000000000000000000000000000000000000",
      conntrackMax: 1000000,
    });
    const docs = Testing.synth(chart);
    validate(docs);
    snapshot("custom", docs);
    const ds = docs.find((d) => d.kind === "DaemonSet");
    const spec = ds.spec.template.spec;
    assert.equal(spec.hostPID, true);
    assert.equal(spec.initContainers[0].securityContext.privileged, true);
    assert.deepEqual(spec.initContainers[0].command, [
      "/bin/sh",
      "-c",
      "exec nsenter --target 1 --mount --uts --ipc --net --pid -- bash -s </podnet/install.sh",
    ]);
    assert.deepEqual(spec.tolerations, [{ operator: "Exists" }]);
    assert.match(ds.spec.template.metadata.annotations["podnet.io/install-sha256"], /^[0-9a-f]{64}$/);
    assert.match(docs[0].data["sysctl.d.podnet.conf"], /net\.netfilter\.nf_conntrack_max = 1000000/);
  });

  test("bad props throw in the constructor with every problem", () => {
    assert.throws(
      () => new NodeNetworkPrep(Testing.chart(), "prep", { plan: planOptions, kernelModules: ["x; reboot"], cniBinDir: "relative/bin" }),
      (e: Error) =>
        /prep\.kernelModules\[0\]: "x; reboot" is not a safe kernel module name/.test(e.message) &&
        /prep\.cniBinDir: "relative\/bin"/.test(e.message),
    );
  });
});
