/**
 * doctor's generated shell (the read-only collection script and the Pulumi
 * verify step's self-check) through the real shellcheck, for every network
 * shape: any finding, even style, fails.
 *
 * Run: node --import tsx --test test/doctor-scripts.test.ts
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { type DoctorPlan, planDoctor, renderDoctorCheckScript } from "@podnet/core";
import { renderDoctorCollectScript } from "@podnet/core/internal";
import { needs } from "./support/real.js";

const node = (i: number, v6 = false) => ({
  name: `n${i}`,
  interfaces: [{ name: "eth0", addresses: [`192.168.1.${30 + i}/24`, ...(v6 ? [`fd00:1::${30 + i}/64`] : [])] }],
  podCidrs: v6 ? [`10.244.${i}.0/24`, `fd00:10:244:${i}::/64`] : [`10.244.${i}.0/24`],
});
const V4 = { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] };

const SPECS: Record<string, unknown> = {
  "flannel daemonset, firewalld": {
    cluster: V4,
    nodes: [node(1), node(2)],
    flannel: {},
    prep: { firewall: "firewalld", cniPlugins: false },
  },
  "flannel dual-stack": {
    cluster: { podCidrs: ["10.244.0.0/16", "fd00:10:244::/56"], serviceCidrs: ["10.96.0.0/12", "fd00:10:96::/112"] },
    nodes: [node(1, true), node(2, true)],
    flannel: { backend: { type: "vxlan", vni: 7 } },
  },
  "flannel host-gw": {
    cluster: V4,
    nodes: [node(1), node(2)],
    flannel: { backend: { type: "host-gw" } },
    prep: { cniPlugins: false, sysctl: { "net.ipv4.conf.all.rp_filter": 1 } },
  },
  "flannel systemd etcd": {
    cluster: V4,
    nodes: [node(1), node(2)],
    flannel: {
      mode: "systemd",
      systemd: {
        datastore: "etcd",
        etcd: { endpoints: ["http://192.168.1.31:2379"] },
        release: { sha256: { amd64: "0".repeat(64) } },
        containerRuntime: "docker",
      },
    },
  },
  "calico, firewalld": {
    cluster: V4,
    nodes: [node(1), node(2)],
    calico: { install: "manifest" },
    prep: { firewall: "firewalld", cniPlugins: false },
  },
};

function shellcheck(script: string): string {
  const r = spawnSync("shellcheck", ["-s", "bash", "-S", "style", "-"], { input: script, encoding: "utf8" });
  return r.status === 0 ? "" : `${r.stdout}${r.stderr}`;
}

describe("doctor scripts pass shellcheck", { skip: needs("shellcheck", "bash") }, () => {
  for (const [name, spec] of Object.entries(SPECS)) {
    test(name, () => {
      const r = planDoctor(spec);
      assert.deepEqual(r.errors, []);
      const doctor = r.value as DoctorPlan;
      const scripts = [renderDoctorCollectScript(doctor.collect), ...doctor.nodes.map((e) => renderDoctorCheckScript(e))];
      for (const s of scripts) {
        assert.equal(shellcheck(s), "", s);
        const syntax = spawnSync("bash", ["-n"], { input: s, encoding: "utf8" });
        assert.equal(syntax.status, 0, syntax.stderr);
      }
    });
  }
});
