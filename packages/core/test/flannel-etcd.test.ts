/**
 * flannel's etcd datastore in the core: the API per release, flannel's own
 * subnet rules (CheckNetworkConfig) with podnet's additions, the config JSON,
 * reservations (IPv4 and dual-stack), and the script's shape. The script itself
 * runs against a real etcd in test/flannel-etcd.test.ts.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { flannelEtcdSchema, flannelNetworkSchema, planPodCidrs } from "../src/index.js";
import {
  checkFlannelSubnetRange,
  cidr,
  compareFlannelTags,
  flannelDefaultSubnetLen,
  flannelEtcdApi,
  flannelSubnetKey,
  Problems,
  planFlannelEtcd,
  renderFlannelEtcdWriteConfig,
} from "../src/internal/index.js";

function plan(
  podCidrs: string[],
  mask: { ipv4?: number; ipv6?: number },
  pins: string[][],
  serviceCidrs = ["10.96.0.0/16", "fd00:96::/112"],
) {
  return planPodCidrs({
    cluster: {
      podCidrs,
      serviceCidrs: serviceCidrs.slice(0, podCidrs.length),
      nodeMaskSize: { ipv4: mask.ipv4 ?? 24, ipv6: mask.ipv6 ?? 64 },
    },
    nodes: pins.map((p, i) => ({
      name: `n${i}`,
      interfaces: [{ name: "eth0", addresses: [`192.168.1.${10 + i}/24`, `fd00:1::${10 + i}/64`] }],
      ...(p.length > 0 ? { podCidrs: p } : {}),
    })),
  }).value;
}

describe("etcd API per flannel release", () => {
  const rows: Array<[string, "v2" | "v3"]> = [
    ["v0.11.0", "v2"],
    ["v0.14.0", "v2"],
    ["v0.17.99", "v2"],
    ["v0.18.0", "v3"],
    ["v0.28.9", "v3"],
    ["v1.0.0", "v3"],
  ];
  for (const [tag, api] of rows) test(`${tag} -> ${api}`, () => assert.equal(flannelEtcdApi(tag), api));
  test("tags compare numerically", () => {
    assert.ok(compareFlannelTags("v0.9.0", "v0.18.0") < 0);
    assert.ok(compareFlannelTags("v0.26.7", "v0.26.10") < 0);
  });
});

describe("flannel's default SubnetLen (config.go)", () => {
  const rows: Array<[string, number]> = [
    ["10.0.0.0/8", 24],
    ["172.30.0.0/16", 24],
    ["10.0.0.0/22", 24],
    ["10.0.0.0/23", 25],
    ["10.0.0.0/28", 30],
    ["fd00::/48", 64],
    ["fd00::/62", 64],
    ["fd00::/63", 65],
  ];
  for (const [net, len] of rows) test(`${net} -> /${len}`, () => assert.equal(flannelDefaultSubnetLen(cidr(net)), len));
});

describe("SubnetLen / SubnetMin / SubnetMax rules, one bad row each, exact messages", () => {
  type Row = {
    name: string;
    net: string;
    mask: number;
    pins: string[][];
    given: { subnetLen?: number; subnetMin?: string; subnetMax?: string };
    code: string;
    message: string;
  };
  const rows: Row[] = [
    {
      name: "SubnetLen differs from the plan's node mask",
      net: "172.30.0.0/16",
      mask: 24,
      pins: [["172.30.1.0/24"]],
      given: { subnetLen: 21 },
      code: "flannel.etcd.subnet-len-mask",
      message:
        "flannel.subnetLen: 21 differs from cluster.nodeMaskSize.ipv4 24; flannel's SubnetLen and the plan's node subnets must be the same size (set both to the same value, e.g. 21)",
    },
    {
      // The plan itself refuses a /31 node mask (no pod fits); flannel's own rule is checked anyway.
      name: "SubnetLen above /30",
      net: "10.0.0.0/24",
      mask: 31,
      pins: [[]],
      given: {},
      code: "flannel.etcd.subnet-len-max",
      message:
        "flannel.subnetLen: SubnetLen /31 is too long; flannel requires SubnetLen <= 30 (each node needs room for a bridge and pods); use a shorter cluster.nodeMaskSize.ipv4",
    },
    {
      name: "fewer than four subnets",
      net: "10.0.0.0/24",
      mask: 25,
      pins: [[]],
      given: {},
      code: "flannel.etcd.subnet-len-min",
      message:
        'flannel.subnetLen: SubnetLen /25 leaves fewer than four subnets in IPv4 Network "10.0.0.0/24"; flannel requires SubnetLen >= 26 (the Network prefix + 2)',
    },
    {
      name: "SubnetMin outside Network",
      net: "172.30.0.0/16",
      mask: 24,
      pins: [["172.30.1.0/24"]],
      given: { subnetMin: "10.0.0.0" },
      code: "flannel.etcd.subnet-bound-outside",
      message: 'flannel.subnetMin: "10.0.0.0" is not inside Network "172.30.0.0/16"; pick an address of the Network, e.g. "172.30.1.0"',
    },
    {
      name: "SubnetMax not on a boundary",
      net: "172.30.0.0/16",
      mask: 24,
      pins: [["172.30.1.0/24"]],
      given: { subnetMax: "172.30.200.7" },
      code: "flannel.etcd.subnet-bound-aligned",
      message: 'flannel.subnetMax: "172.30.200.7" is not on a /24 boundary; did you mean "172.30.200.0"?',
    },
    {
      name: "SubnetMin after SubnetMax",
      net: "172.30.0.0/16",
      mask: 24,
      pins: [["172.30.1.0/24"]],
      given: { subnetMin: "172.30.100.0", subnetMax: "172.30.50.0" },
      code: "flannel.etcd.subnet-min-max",
      message: 'flannel.subnetMin: "172.30.100.0/24" lies after flannel.subnetMax "172.30.50.0/24"; SubnetMin must not exceed SubnetMax',
    },
    {
      name: "range smaller than the node count",
      net: "172.30.0.0/16",
      mask: 24,
      pins: [["172.30.10.0/24"], ["172.30.11.0/24"], ["172.30.12.0/24"]],
      given: { subnetMin: "172.30.10.0", subnetMax: "172.30.11.0" },
      code: "flannel.etcd.subnet-capacity",
      message:
        "flannel.subnetMin: 172.30.10.0/24..172.30.11.0/24 holds 2 /24 subnets but the spec has 3 nodes; widen SubnetMin..SubnetMax or use a longer cluster.nodeMaskSize.ipv4",
    },
    {
      name: "a reserved node subnet is the Network's first subnet",
      net: "172.30.0.0/16",
      mask: 21,
      pins: [["172.30.0.0/21"], ["172.30.8.0/21"]],
      given: {},
      code: "flannel.etcd.subnet-outside-range",
      message:
        'nodes[0].podCidrs: node "n0" has IPv4 subnet "172.30.0.0/21" but flannel never hands out the first subnet of "172.30.0.0/16" (SubnetMin defaults to the second, 172.30.8.0/21), so its reservation would be ignored; pin the node\'s podCidrs to a free subnet of the range, e.g. ["172.30.16.0/21"], or widen flannel.subnetMin..subnetMax to include it',
    },
  ];
  for (const r of rows) {
    test(r.name, () => {
      const p = new Problems();
      const base = plan([r.net], { ipv4: r.mask > 28 ? 24 : r.mask }, r.pins, ["10.96.0.0/16"]);
      const out = checkFlannelSubnetRange({ ...base, nodeMaskSize: { ipv4: r.mask, ipv6: 64 } }, "ipv4", r.given, true, "flannel", p);
      assert.equal(out, undefined);
      assert.deepEqual(
        p.errors.map((e) => [e.code, e.message]),
        [[r.code, r.message]],
      );
    });
  }

  test("every hint is a subnet no node holds and no other hint suggests", () => {
    const p = new Problems();
    // n0 and n1 sit below SubnetMin; n2 holds the range's first subnet.
    const base = plan(["172.30.0.0/16"], { ipv4: 24 }, [["172.30.1.0/24"], ["172.30.2.0/24"], ["172.30.10.0/24"]], ["10.96.0.0/16"]);
    checkFlannelSubnetRange(base, "ipv4", { subnetMin: "172.30.10.0" }, true, "flannel", p);
    const hints = p.errors.map((e) => /e\.g\. \["([^"]+)"\]/.exec(e.message)?.[1]);
    assert.deepEqual(hints, ["172.30.11.0/24", "172.30.12.0/24"]);
  });

  test("without reservations a node subnet outside the range is only a warning", () => {
    const p = new Problems();
    const out = checkFlannelSubnetRange(
      plan(["172.30.0.0/16"], { ipv4: 21 }, [["172.30.0.0/21"]], ["10.96.0.0/16"]),
      "ipv4",
      {},
      false,
      "flannel",
      p,
    );
    assert.ok(out);
    assert.deepEqual(p.errors, []);
    assert.deepEqual(
      p.warnings.map((w) => w.code),
      ["flannel.etcd.subnet-outside-range"],
    );
  });

  test("the seeds' values pass: 172.30.0.0/16, SubnetLen 21, flannel's range .8.0 .. .248.0", () => {
    const p = new Problems();
    const out = checkFlannelSubnetRange(
      plan(["172.30.0.0/16"], { ipv4: 21 }, [["172.30.72.0/21"], ["172.30.184.0/21"], ["172.30.32.0/21"]], ["10.254.0.0/16"]),
      "ipv4",
      { subnetLen: 21 },
      true,
      "flannel",
      p,
    );
    assert.deepEqual(p.errors, []);
    assert.equal(out?.min.text, "172.30.8.0/21");
    assert.equal(out?.max.text, "172.30.248.0/21");
  });

  test("IPv6: SubnetLen <= 126 and >= prefix + 2", () => {
    const p = new Problems();
    const base = plan(["fd00:10::/112"], { ipv6: 120 }, [[]], ["fd00:96::/112"]);
    checkFlannelSubnetRange({ ...base, nodeMaskSize: { ipv4: 24, ipv6: 127 } }, "ipv6", {}, true, "flannel", p);
    assert.deepEqual(
      p.errors.map((e) => e.code),
      ["flannel.etcd.subnet-len-max"],
    );
  });
});

describe("planFlannelEtcd: config JSON, identity, reservations", () => {
  const run = (podCidrs: string[], pins: string[][], version = "v0.28.9", extra: Record<string, unknown> = {}) => {
    const pl = plan(podCidrs, { ipv4: 24, ipv6: 64 }, pins);
    const flannel = flannelNetworkSchema.parse({ mode: "systemd", ...extra });
    const etcd = flannelEtcdSchema.parse({ endpoints: ["https://10.0.0.1:2379"], tls: { caFile: "a", certFile: "b", keyFile: "c" } });
    const p = new Problems();
    const out = planFlannelEtcd(
      {
        plan: pl,
        flannel,
        etcd,
        version,
        netConf: {
          ...(pl.podCidr.ipv4 ? { network: pl.podCidr.ipv4 } : {}),
          ...(pl.podCidr.ipv6 ? { ipv6Network: pl.podCidr.ipv6 } : {}),
          enableNFTables: false,
          backend: flannel.backend,
        },
        publicIps: Object.fromEntries(pl.nodes.map((n, i) => [n.name, { ipv4: `192.168.1.${10 + i}`, ipv6: `fd00:1::${10 + i}` }])),
        cleanupOnChange: [],
        base: "flannel",
      },
      p,
    );
    return { out, p };
  };

  test("v3, IPv4: SubnetLen always written; EnableNFTables kept for releases that read it", () => {
    const { out, p } = run(["10.244.0.0/16"], [["10.244.1.0/24"]]);
    assert.deepEqual(p.errors, []);
    assert.equal(out?.configJson, '{"Network":"10.244.0.0/16","SubnetLen":24,"EnableNFTables":false,"Backend":{"Type":"vxlan"}}');
    assert.equal(out?.configKey, "/coreos.com/network/config");
    assert.deepEqual(out?.reservations, [
      {
        node: "n0",
        key: "/coreos.com/network/subnets/10.244.1.0-24",
        value: '{"PublicIP":"192.168.1.10","BackendType":"vxlan"}',
        publicIp: "192.168.1.10",
      },
    ]);
    assert.deepEqual(out?.identity, {
      network: "10.244.0.0/16",
      ipv6Network: "",
      subnetLen: "24",
      ipv6SubnetLen: "",
      backendType: "vxlan",
      vni: "1",
      defaultSubnetLen: "24",
      defaultIpv6SubnetLen: "",
    });
  });

  test("v2 (v0.11.0): no EnableNFTables key", () => {
    const { out } = run(["10.244.0.0/16"], [["10.244.1.0/24"]], "v0.11.0");
    assert.equal(out?.api, "v2");
    assert.equal(out?.configJson, '{"Network":"10.244.0.0/16","SubnetLen":24,"Backend":{"Type":"vxlan"}}');
  });

  test("dual-stack: IPv6 keys and the `<v4>-<len>&<v6>-<len>` reservation key", () => {
    const { out, p } = run(["10.244.0.0/16", "fd00:10:244::/56"], [["10.244.1.0/24", "fd00:10:244:1::/64"]]);
    assert.deepEqual(p.errors, []);
    assert.equal(
      out?.configJson,
      '{"Network":"10.244.0.0/16","IPv6Network":"fd00:10:244::/56","EnableIPv6":true,"SubnetLen":24,"IPv6SubnetLen":64,"EnableNFTables":false,"Backend":{"Type":"vxlan"}}',
    );
    assert.equal(out?.reservations[0]?.key, "/coreos.com/network/subnets/10.244.1.0-24&fd00:10:244:1::-64");
    assert.equal(out?.reservations[0]?.value, '{"PublicIP":"192.168.1.10","PublicIPv6":"fd00:1::10","BackendType":"vxlan"}');
    assert.equal(flannelSubnetKey("10.5.52.0/24"), "10.5.52.0-24");
  });

  test("SubnetMin/SubnetMax are written only when they differ from flannel's defaults", () => {
    const { out } = run(["10.244.0.0/16"], [["10.244.10.0/24"]], "v0.28.9", { subnetMin: "10.244.10.0", subnetMax: "10.244.255.0" });
    assert.equal(
      out?.configJson,
      '{"Network":"10.244.0.0/16","SubnetLen":24,"SubnetMin":"10.244.10.0","EnableNFTables":false,"Backend":{"Type":"vxlan"}}',
    );
  });

  test("endpoints, TLS and prefix are checked; every problem at once", () => {
    const pl = plan(["10.244.0.0/16"], { ipv4: 24 }, [["10.244.1.0/24"]], ["10.96.0.0/16"]);
    const flannel = flannelNetworkSchema.parse({ mode: "systemd" });
    const etcd = flannelEtcdSchema.parse({
      endpoints: ["https://10.0.0.1:2379", "http://10.0.0.2:2379", "https://x;rm -rf /:1"],
      prefix: "/a/../b/",
    });
    const p = new Problems();
    const out = planFlannelEtcd(
      {
        plan: pl,
        flannel,
        etcd,
        version: "v0.28.9",
        netConf: { network: "10.244.0.0/16", enableNFTables: false, backend: flannel.backend },
        publicIps: {},
        cleanupOnChange: [],
        base: "flannel",
      },
      p,
    );
    assert.equal(out, undefined);
    assert.deepEqual(
      p.errors.map((e) => e.code),
      ["flannel.etcd.endpoint", "flannel.etcd.endpoint-mixed", "flannel.etcd.tls-missing", "flannel.etcd.prefix"],
    );
    assert.equal(
      p.errors[0]?.message,
      'flannel.systemd.etcd.endpoints[2]: "https://x;rm -rf /:1" is not an etcd client URL; write scheme://host:port, e.g. "https://192.168.1.31:2379"',
    );
  });

  test("the script is deterministic and quotes every value", () => {
    const { out } = run(["10.244.0.0/16"], [["10.244.1.0/24"]]);
    assert.ok(out);
    const files = {
      caFile: "/etc/flanneld/cert/ca.pem",
      certFile: "/etc/flanneld/cert/flanneld.pem",
      keyFile: "/etc/flanneld/cert/flanneld-key.pem",
    };
    const a = renderFlannelEtcdWriteConfig(out, files);
    assert.equal(a, renderFlannelEtcdWriteConfig(out, files));
    assert.match(a, /^config='\{"Network":"10\.244\.0\.0\/16",/m);
    assert.match(a, /^etcd_key=\$\{ETCD_KEY:-'\/etc\/flanneld\/cert\/flanneld-key\.pem'\}$/m);
    assert.match(
      a,
      /^reserve 'n0' '\/coreos\.com\/network\/subnets\/10\.244\.1\.0-24' '\{"PublicIP":"192\.168\.1\.10","BackendType":"vxlan"\}' PublicIP '192\.168\.1\.10'$/m,
    );
    assert.doesNotMatch(a, /--enable-v2/);
  });
});
