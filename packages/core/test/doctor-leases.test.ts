/**
 * Which flannel subnet leases doctor calls stale (and `--fix-leases --yes`
 * deletes): table-driven, with and without podnet's reservations, IPv4 and
 * dual-stack keys. The etcdctl side runs against a real etcd in
 * test/doctor-leases.test.ts.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { FlannelLeaseExpectation } from "@podnet/core";
import { parseSubnetKeySegment, reviewFlannelLeases } from "@podnet/core/internal";

const P = "/coreos.com/network";
const expected = (reserved: boolean): FlannelLeaseExpectation => ({
  api: "v3",
  endpoints: ["https://127.0.0.1:2379"],
  prefix: P,
  reserved,
  nodes: [
    { node: "n1", key: `${P}/subnets/10.244.1.0-24`, publicIp: "192.168.1.31" },
    { node: "n2", key: `${P}/subnets/10.244.2.0-24`, publicIp: "192.168.1.32" },
  ],
});
const lease = (seg: string, ip: string) => ({ key: `${P}/subnets/${seg}`, value: JSON.stringify({ PublicIP: ip, BackendType: "vxlan" }) });

describe("stale flannel leases", () => {
  const cases: Array<{ name: string; reserved: boolean; leases: ReturnType<typeof lease>[]; stale: string[]; kept: string[] }> = [
    {
      name: "planned leases are kept",
      reserved: true,
      leases: [lease("10.244.1.0-24", "192.168.1.31"), lease("10.244.2.0-24", "192.168.1.32")],
      stale: [],
      kept: ["n1", "n2"],
    },
    {
      name: "seed 004: a node's old lease, reused for its PublicIP",
      reserved: true,
      leases: [lease("10.244.36.0-24", "192.168.1.32")],
      stale: ["10.244.36.0-24"],
      kept: [],
    },
    {
      name: "a removed node's lease",
      reserved: false,
      leases: [lease("10.244.9.0-24", "192.168.1.99")],
      stale: ["10.244.9.0-24"],
      kept: [],
    },
    {
      name: "a node's planned subnet held by another address",
      reserved: true,
      leases: [lease("10.244.1.0-24", "192.168.1.32")],
      stale: ["10.244.1.0-24"],
      kept: [],
    },
    {
      name: "without reservations flannel may pick any subnet for a known node",
      reserved: false,
      leases: [lease("10.244.36.0-24", "192.168.1.32")],
      stale: [],
      kept: ["n2"],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const r = reviewFlannelLeases(expected(c.reserved), c.leases);
      assert.deepEqual(
        r.stale.map((s) => s.key.slice(`${P}/subnets/`.length)),
        c.stale,
      );
      assert.deepEqual(
        r.kept.map((k) => k.node),
        c.kept,
      );
      for (const s of r.stale) assert.ok(s.reason.length > 10);
    });
  }

  test("keys doctor does not understand are ignored, never stale", () => {
    const r = reviewFlannelLeases(expected(true), [
      { key: `${P}/subnets/notes`, value: "x" },
      { key: `${P}/subnets/10.244.3.0-24`, value: "not json" },
      { key: "/other/subnets/10.244.3.0-24", value: JSON.stringify({ PublicIP: "1.2.3.4" }) },
    ]);
    assert.deepEqual(r.stale, []);
    assert.equal(r.ignored.length, 3);
  });

  test("subnet key segments, IPv4 and dual-stack", () => {
    assert.deepEqual(parseSubnetKeySegment("10.244.1.0-24"), ["10.244.1.0/24"]);
    assert.deepEqual(parseSubnetKeySegment("10.244.1.0-24&fd00:10:244:1::-64"), ["10.244.1.0/24", "fd00:10:244:1::/64"]);
    assert.equal(parseSubnetKeySegment("10.244.1.1-24"), undefined);
    assert.equal(parseSubnetKeySegment("garbage"), undefined);
  });
});
