/**
 * Interface selection as flanneld does it: --iface (names or addresses, in
 * order), then --iface-regex (addresses before names), then
 * --iface-can-reach (resolved by the node network that contains the target),
 * else the default-route interface.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { NodeOptions } from "../src/index.js";
import { type FlannelInterfaceSelectors, Problems, selectFlannelInterfaces } from "../src/internal/index.js";
import { DUAL, planOf, twoNicNodes, V4 } from "./flannel-fixtures.js";

function select(nodes: NodeOptions[], s: Partial<FlannelInterfaceSelectors>, cluster = V4) {
  const p = new Problems();
  const out = selectFlannelInterfaces(planOf(cluster, nodes), { iface: [], ifaceRegex: [], ...s }, "flannel", p);
  return { out, errors: p.errors.map((e) => e.code), warnings: p.warnings.map((w) => w.code) };
}

const multi: NodeOptions = {
  name: "m1",
  interfaces: [
    { name: "lo", addresses: ["127.0.0.1/8", "::1/128"], mtu: 65535 }, // Linux says 65536; the node schema stops at 65535
    { name: "eth0", addresses: ["10.0.2.15/24"], defaultRoute: true },
    { name: "eth1", addresses: ["192.168.56.11/24", "192.168.57.11/24"], mtu: 9000 },
  ],
};

describe("flannel interface selection", () => {
  test("a loopback interface does not make a node multi-NIC", () => {
    const r = select(
      [
        {
          name: "a",
          interfaces: [
            { name: "lo", addresses: ["127.0.0.1/8"] },
            { name: "eth0", addresses: ["192.168.1.5/24"] },
          ],
        },
      ],
      {},
    );
    assert.deepEqual(r.errors, []);
    assert.deepEqual([r.out[0]?.interface, r.out[0]?.selectedBy], ["eth0", "default-route"]);
  });
  test("--iface entries are tried in order; the first present on the node wins", () => {
    const r = select([multi], { iface: ["eth9", "eth1", "eth0"] });
    assert.deepEqual([r.out[0]?.interface, r.out[0]?.selector, r.out[0]?.mtu], ["eth1", "eth1", 9000]);
    assert.deepEqual(r.out[0]?.addresses, { ipv4: "192.168.56.11" });
  });
  test("--iface by address advertises that address", () => {
    const r = select([multi], { iface: ["192.168.57.11"] });
    assert.deepEqual(
      [r.out[0]?.interface, r.out[0]?.addresses, r.out[0]?.networks],
      ["eth1", { ipv4: "192.168.57.11" }, { ipv4: "192.168.57.0/24" }],
    );
  });
  test("--iface-regex is tried when no --iface entry matches", () => {
    const r = select([multi], { iface: ["eth9"], ifaceRegex: ["^eth1$"] });
    assert.deepEqual([r.out[0]?.interface, r.out[0]?.selectedBy], ["eth1", "iface-regex"]);
  });
  test("--iface-regex matches addresses before names (unanchored, like Go's MatchString)", () => {
    // "1" is in eth0's address 10.0.2.15 and in the name eth1: the address wins.
    // (With lo listed, its 127.0.0.1 would come first, as lo is ifindex 1.)
    const r = select([{ ...multi, interfaces: multi.interfaces.slice(1) }], { ifaceRegex: ["1"] });
    assert.equal(r.out[0]?.interface, "eth0");
    assert.deepEqual(r.warnings, ["flannel.iface-regex-ambiguous"]);
    const byAddr = select([multi], { ifaceRegex: ["^192\\.168\\.57\\."] });
    assert.deepEqual([byAddr.out[0]?.interface, byAddr.out[0]?.addresses], ["eth1", { ipv4: "192.168.57.11" }]);
  });
  test("--iface-can-reach picks the interface whose network holds the target (longest prefix)", () => {
    const node: NodeOptions = {
      name: "r1",
      interfaces: [
        { name: "eth0", addresses: ["172.16.0.5/12"], defaultRoute: true },
        { name: "eth1", addresses: ["172.17.0.5/16"] },
      ],
    };
    assert.equal(select([node], { ifaceCanReach: "172.17.2.3" }).out[0]?.interface, "eth1");
    assert.equal(select([node], { ifaceCanReach: "172.18.0.1" }).out[0]?.interface, "eth0");
    const off = select([node], { ifaceCanReach: "203.0.113.1" });
    assert.deepEqual([off.out[0]?.interface, off.warnings], ["eth0", ["flannel.iface-can-reach-assumed"]]);
  });
  test("dual-stack: a candidate without an IPv6 address is skipped, like flanneld does", () => {
    const node: NodeOptions = {
      name: "d1",
      interfaces: [
        { name: "eth0", addresses: ["192.168.1.5/24"] },
        { name: "eth1", addresses: ["192.168.2.5/24", "fd00:2::5/64"] },
      ],
    };
    const r = select([node], { iface: ["eth0", "eth1"] }, DUAL);
    assert.deepEqual([r.out[0]?.interface, r.out[0]?.addresses], ["eth1", { ipv4: "192.168.2.5", ipv6: "fd00:2::5" }]);
    const none = select([node], { iface: ["eth0"] }, DUAL);
    assert.deepEqual([none.out, none.errors], [[], ["flannel.iface-no-match"]]);
  });
  test("one address list selects a different interface address on every node", () => {
    const r = select(twoNicNodes(3), { iface: ["192.168.56.11", "192.168.56.12", "192.168.56.13"] });
    assert.deepEqual(
      r.out.map((s) => [s.node, s.interface, s.addresses.ipv4]),
      [
        ["n1", "eth1", "192.168.56.11"],
        ["n2", "eth1", "192.168.56.12"],
        ["n3", "eth1", "192.168.56.13"],
      ],
    );
  });
});
