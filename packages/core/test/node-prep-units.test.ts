/**
 * The node layer and NodeNetworkPrep units, as data and rendered script text
 * (their behaviour on real nodes is in test/node-prep-units.test.ts):
 * nf_conntrack with conntrackMax, the masquerade default derived from the
 * network, NetworkManager `auto` decided on the node, its reload after the
 * restore, deletes that warn instead of aborting, the helpers host/node-state.ts
 * documents, and quoted interface names in doctor's check script.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { NODE_SCRIPT_PRELUDE } from "../src/host/node-script-prelude.js";
import {
  type CidrPlan,
  checkCalicoNetwork,
  type DoctorPlan,
  type HostRequirements,
  type NodeNetworkPrepOptions,
  planDoctor,
  planNodeNetworkPrep,
  planPodCidrs,
  renderDoctorCheckScript,
  renderFlannelNetwork,
  renderNodeScripts,
} from "../src/index.js";
import { NETWORK_MANAGER_PRESENT } from "../src/internal/index.js";

const plan: CidrPlan = planPodCidrs({
  cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
  nodes: [
    { name: "cp1", roles: ["control-plane"], interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"] }] },
    { name: "w1", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24"] }] },
  ],
}).value;

const flannelHost = (ipMasq: boolean): HostRequirements => renderFlannelNetwork({ ipMasq }, plan).value.hostRequirements;
const calicoHost = (natOutgoing: boolean): HostRequirements => {
  const r = checkCalicoNetwork({ install: "manifest", ipPools: [{ cidr: "10.244.0.0/16", natOutgoing }] }, plan);
  assert.deepEqual(r.errors, []);
  return r.value?.hostRequirements as HostRequirements;
};
const prep = (options: NodeNetworkPrepOptions, reqs: HostRequirements[]) =>
  planNodeNetworkPrep({ plan, options: { cniPlugins: false, ...options }, hostRequirements: reqs }).value;

describe("conntrackMax loads nf_conntrack", () => {
  test("the module comes with the key, and only then", () => {
    const withMax = prep({ conntrackMax: 1000000 }, [flannelHost(true)]);
    assert.deepEqual(
      withMax.kernelModules.map((m) => m.name),
      ["br_netfilter", "overlay", "vxlan", "nf_conntrack"],
    );
    assert.match(withMax.kernelModules.find((m) => m.name === "nf_conntrack")?.reason ?? "", /nf_conntrack_max/);
    const file = withMax.commonUnits.find((u) => u.id === "prep/kernel-modules")?.files[0]?.content ?? "";
    assert.match(file, /\nnf_conntrack\n/);
    assert.ok(!prep({}, [flannelHost(true)]).kernelModules.some((m) => m.name === "nf_conntrack"));
  });
});

describe("the sysctl unit records only values it could read", () => {
  const sysctl = prep({}, [flannelHost(true)]).commonUnits.find((u) => u.id === "prep/sysctl")?.commands[0];
  test("create: no command substitution inside printf's arguments", () => {
    assert.ok(sysctl);
    assert.ok(!sysctl.create.includes('"$(sysctl -n'), sysctl.create);
    assert.match(sysctl.create, /if podnet_value=\$\(sysctl -n "\$podnet_key" 2>\/dev\/null\); then/);
  });
  test("delete: value by value, skipping keys without a value and keys that are gone", () => {
    assert.ok(sysctl?.delete);
    assert.ok(!sysctl.delete.includes("sysctl -q -e -p"), "no whole-file restore that stops at the first bad line");
    assert.match(sysctl.delete, /did not exist before install; nothing to restore/);
    assert.match(sysctl.delete, /podnet_warn .*run it by hand: sysctl -w/);
  });
});

describe("masquerade follows the network", () => {
  const masq = (options: NodeNetworkPrepOptions, reqs: HostRequirements[]) =>
    prep({ firewall: "firewalld", ...options }, reqs).nodes.map((n) => n.firewall?.masquerade);
  test("flannel: on with ipMasq (its default), off without", () => {
    assert.equal(flannelHost(true).masquerade, true);
    assert.equal(flannelHost(false).masquerade, false);
    assert.deepEqual(masq({}, [flannelHost(true)]), [true, true]);
    assert.deepEqual(masq({}, [flannelHost(false)]), [false, false]);
  });
  test("calico: on when a pool has natOutgoing, off when none has", () => {
    assert.deepEqual(masq({}, [calicoHost(true)]), [true, true]);
    assert.deepEqual(masq({}, [calicoHost(false)]), [false, false]);
  });
  test("an explicit prep.masquerade wins both ways; no network, no masquerade", () => {
    assert.deepEqual(masq({ masquerade: false }, [flannelHost(true)]), [false, false]);
    assert.deepEqual(masq({ masquerade: true }, [flannelHost(false)]), [true, true]);
    assert.deepEqual(masq({}, []), [false, false]);
  });
  test("plan.json says where the setting comes from", () => {
    assert.deepEqual(prep({ firewall: "firewalld" }, [flannelHost(true)]).summary.masquerade, {
      zone: "public",
      enabled: true,
      by: "flannel masquerades pod egress",
    });
    assert.deepEqual(prep({ firewall: "firewalld", masquerade: false }, [flannelHost(true)]).summary.masquerade, {
      zone: "public",
      enabled: false,
      by: "prep.masquerade: false",
    });
    assert.equal(prep({}, [flannelHost(true)]).summary.masquerade, undefined, "firewall none: nothing to say");
  });
});

describe("NetworkManager", () => {
  const nmUnit = (networkManager: boolean | "auto") =>
    prep({ networkManager }, [flannelHost(true)]).commonUnits.find((u) => u.id === "prep/network-manager");
  test("auto: the file is placed only where NetworkManager is present, and the script says so elsewhere", () => {
    const unit = nmUnit("auto");
    assert.deepEqual(unit?.files[0]?.onlyIf?.test, NETWORK_MANAGER_PRESENT);
    const install = renderNodeScripts({ node: "w1", units: unit ? [unit] : [] }).install;
    assert.match(
      install,
      /\nif command -v NetworkManager >\/dev\/null 2>&1 \|\| \[\[ -d \/etc\/NetworkManager \]\]; then\npodnet_file '\/etc\/NetworkManager\/conf\.d\/podnet\.conf' [^\n]*\n(?:[A-Za-z0-9+/=]+\n)+PODNET_EOF\nelse\npodnet_log "\$PODNET_UNIT: left out \/etc\/NetworkManager\/conf\.d\/podnet\.conf: "'NetworkManager is not installed on this node, nothing to configure \(prep\.networkManager: auto\)'\nfi\n/,
    );
    assert.match(unit?.commands[0]?.create ?? "", /^if command -v NetworkManager/, "and reloads only there");
  });
  test("true: placed everywhere, and the script stops where NetworkManager is missing", () => {
    const unit = nmUnit(true);
    assert.equal(unit?.files[0]?.onlyIf, undefined);
    assert.match(unit?.commands[0]?.create ?? "", /prep\.networkManager is true but NetworkManager is not installed/);
  });
  test("uninstall reloads after the file is restored: the reload is an afterDelete, nothing runs before the restore", () => {
    const unit = nmUnit("auto");
    const command = unit?.commands[0];
    assert.equal(command?.delete, undefined);
    assert.match(command?.afterDelete ?? "", /nmcli general reload conf/);
    const install = renderNodeScripts({ node: "w1", units: unit ? [unit] : [] }).install;
    assert.match(install, /\npodnet_unit_store_delete '' 'podnet_unit_1_after_delete'\n/);
    // podnet_remove_unit: delete.sh, then the files and directories, then after-delete.sh.
    const remove = NODE_SCRIPT_PRELUDE.slice(NODE_SCRIPT_PRELUDE.indexOf("podnet_remove_unit() {"));
    const at = (s: string) => remove.indexOf(s);
    assert.ok(at('(. "$PODNET_UNIT_DIR/delete.sh")') > 0);
    assert.ok(at('podnet_release "$' + '{entries[i]#* }"') > at('(. "$PODNET_UNIT_DIR/delete.sh")'));
    assert.ok(at('(. "$PODNET_UNIT_DIR/after-delete.sh")') > at('rmdir -- "$d"'));
  });
  test("a failed reload on uninstall warns and goes on; on install it stops with the reason", () => {
    const command = nmUnit("auto")?.commands[0];
    assert.match(
      command?.afterDelete ?? "",
      /podnet_warn "\$PODNET_UNIT: reloading NetworkManager failed; run it by hand: nmcli general reload conf"/,
    );
    assert.match(command?.create ?? "", /podnet_die "NetworkManager did not reload its configuration/);
  });
});

describe("deletes that talk to the service manager do not abort uninstall", () => {
  test("swap: swapon -a failing is a warning", () => {
    const swap = prep({ swapOff: true }, []).nodes[0]?.state.units.find((u) => u.id === "prep/swap")?.commands[0]?.delete ?? "";
    assert.match(swap, /\n {2}if swapon -a; then\n/);
    assert.match(swap, /podnet_warn "\$PODNET_UNIT: restored the swap entries in \/etc\/fstab, but swapon -a failed; run it by hand"/);
    assert.ok(!/^\s*swapon -a\s*$/m.test(swap), "no bare swapon -a under set -e");
  });
});

describe("node-state.ts documents only helpers that exist", () => {
  test("every podnet_* helper it names is defined by the script prelude", () => {
    const doc = readFileSync(new URL("../src/host/node-state.ts", import.meta.url), "utf8");
    const named = [...new Set([...doc.matchAll(/`(podnet_[a-z_]+)/g)].map((m) => m[1] as string))];
    assert.ok(named.length >= 6, named.join(", "));
    const missing = named.filter((fn) => !NODE_SCRIPT_PRELUDE.includes(`\n${fn}() {`));
    assert.deepEqual(missing, []);
  });
});

describe("doctor's check script quotes interface names", () => {
  test("every /sys/class/net path is followed by a quoted name", () => {
    const r = planDoctor({
      cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
      nodes: [
        { name: "n1", interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"], mtu: 1500 }], podCidrs: ["10.244.1.0/24"] },
        { name: "n2", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24"], mtu: 1500 }], podCidrs: ["10.244.2.0/24"] },
      ],
      flannel: {},
    });
    assert.deepEqual(r.errors, []);
    const script = renderDoctorCheckScript((r.value as DoctorPlan).nodes[0] as DoctorPlan["nodes"][number]);
    const uses = [...script.matchAll(/\/sys\/class\/net\/(.)/g)].map((m) => m[1]);
    assert.ok(uses.length >= 2, `${uses.length} uses`);
    assert.deepEqual(
      uses.filter((c) => c !== "'"),
      [],
      script
        .split("\n")
        .filter((l) => /\/sys\/class\/net\/[^']/.test(l))
        .join("\n"),
    );
  });
});
