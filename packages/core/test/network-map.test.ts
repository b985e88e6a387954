/**
 * The network map: what it draws for valid plans (IPv4, IPv6, dual-stack),
 * invalid specs (whatever parses, overlaps in red), Calico pools, large
 * clusters, and that it is deterministic and escapes every text.
 * Well-formedness with an XML parser and the real-browser rendering are in
 * test/map-*.test.ts.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { planPodCidrs, renderNetworkMap, renderNetworkMapOfInput, renderSpecMap } from "../src/index.js";
import { escapeXml, mapModelFromInput, mapModelFromPlan, OVERLAP_RED } from "../src/internal/index.js";
import { wrapWords } from "../src/map/svg.js";

const V4 = { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] };
const V6 = { podCidrs: ["fd00:10:244::/56"], serviceCidrs: ["fd00:10:96::/112"] };
const DUAL = { podCidrs: ["10.244.0.0/16", "fd00:10:244::/56"], serviceCidrs: ["10.96.0.0/12", "fd00:10:96::/112"] };

function nodes(count: number, v6 = false) {
  return Array.from({ length: count }, (_, i) => ({
    name: `n${i + 1}`,
    interfaces: [
      {
        name: "eth0",
        addresses: [
          `192.168.${Math.floor(i / 200) + 1}.${(i % 200) + 10}/24`,
          ...(v6 ? [`fd00:192:168:1::${(i + 10).toString(16)}/64`] : []),
        ],
      },
    ],
  }));
}

function count(svg: string, re: RegExp): number {
  return svg.match(new RegExp(re.source, "g"))?.length ?? 0;
}

/** `<rect ... class="overlap"...>` elements. */
const OVERLAP_RECT = /<rect[^>]*class="overlap"/;

describe("network map of a valid plan", () => {
  const v6only = nodes(3, true).map((n) => ({ ...n, interfaces: [{ name: "eth0", addresses: n.interfaces[0]!.addresses.slice(1) }] }));
  const table: Array<{
    name: string;
    cluster: { podCidrs: string[]; serviceCidrs: string[]; reservedCidrs?: string[] };
    nodes: ReturnType<typeof nodes>;
    texts: string[];
  }> = [
    {
      name: "IPv4",
      cluster: { ...V4, reservedCidrs: ["172.17.0.0/16"] },
      nodes: nodes(3),
      texts: ["10.244.0.0/16", "10.96.0.0/12", "10.96.0.1", "10.96.0.10", "172.17.0.0/16", "192.168.1.0/24", "IPv4 address space"],
    },
    {
      name: "IPv6",
      cluster: V6,
      nodes: v6only,
      texts: ["fd00:10:244::/56", "fd00:10:96::/112", "fd00:10:96::1", "fd00:10:96::a", "IPv6 address space"],
    },
    {
      name: "dual-stack",
      cluster: DUAL,
      nodes: nodes(3, true),
      texts: ["10.244.0.0/16", "fd00:10:244::/56", "fd00:192:168:1::/64", "IPv4 address space", "IPv6 address space"],
    },
  ];
  for (const row of table) {
    test(`${row.name}: networks, node subnets, Service IPs, capacity; no overlap`, () => {
      const { value: plan } = planPodCidrs({ cluster: row.cluster, nodes: row.nodes });
      const svg = renderNetworkMap(plan);
      assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
      assert.ok(svg.endsWith("</svg>\n"));
      for (const t of row.texts) assert.ok(svg.includes(t), `${row.name}: shows ${t}`);
      for (const n of plan.nodes) {
        assert.ok(svg.includes(`>${n.name}</text>`), `node ${n.name} labelled`);
        for (const c of Object.values(n.podCidrs)) assert.ok(svg.includes(`>${c}</text>`), `subnet ${c} labelled`);
      }
      assert.ok(svg.includes("kubernetes Service"), "kubernetes Service IP marked");
      assert.match(svg, /node subnets: 3 of 256 used \(1\.17 %\)/, "capacity use");
      assert.equal(count(svg, OVERLAP_RECT), 0, "a valid plan has no overlap");
      assert.ok(!svg.includes(OVERLAP_RED) || !/fill="#d62728"[^>]*class="overlap"/.test(svg));
    });
  }

  test("DNS Service IP marked on the primary service CIDR", () => {
    const { value: plan } = planPodCidrs({ cluster: { ...DUAL, dnsServiceIp: "10.96.0.53" }, nodes: nodes(1, true) });
    const svg = renderNetworkMap(plan);
    assert.ok(svg.includes("DNS Service 10.96.0.53"));
    assert.equal(count(svg, /DNS Service/), 1, "one DNS IP, in its own family only");
    assert.equal(count(svg, /class="service-ip"/), 3, "kubernetes x2 + DNS");
  });

  test("deterministic: the same plan gives the same bytes; another plan other bytes", () => {
    const a = planPodCidrs({ cluster: DUAL, nodes: nodes(5, true) }).value;
    const b = planPodCidrs({ cluster: DUAL, nodes: nodes(5, true) }).value;
    assert.equal(renderNetworkMap(a), renderNetworkMap(b));
    assert.equal(renderNetworkMap(a), renderNetworkMap(a));
    const c = planPodCidrs({ cluster: DUAL, nodes: nodes(6, true) }).value;
    assert.notEqual(renderNetworkMap(a), renderNetworkMap(c));
    assert.doesNotMatch(renderNetworkMap(a), /NaN|undefined|Infinity/);
  });

  test("neighbouring node subnets are enlarged so they can be read", () => {
    const { value: plan } = planPodCidrs({ cluster: V4, nodes: nodes(3) });
    const svg = renderNetworkMap(plan);
    assert.ok(svg.includes("enlarged: 10.244.0.0/21"), "the 8 lowest /24 slots of the /16");
    const spread = planPodCidrs({
      cluster: V4,
      nodes: [
        { ...nodes(1)[0]!, podCidrs: ["10.244.0.0/24"] },
        { ...nodes(2)[1]!, podCidrs: ["10.244.255.0/24"] },
      ],
    }).value;
    assert.ok(!renderNetworkMap(spread).includes("enlarged:"), "no zoom when the subnets span the whole pod CIDR");
  });

  test("200 nodes: a grid of node boxes and a note for the ones not drawn", () => {
    const { value: plan } = planPodCidrs({ cluster: { podCidrs: ["10.0.0.0/8"], serviceCidrs: ["172.20.0.0/16"] }, nodes: nodes(200) });
    const svg = renderNetworkMap(plan);
    assert.match(svg, /… and 136 more node subnets/);
    assert.match(svg, /200 of 65,536 used/);
    assert.ok(svg.length < 400_000, `stays small (${svg.length} bytes)`);
  });

  test("Calico pools with per-node blocks; a pool over the service CIDR is red", () => {
    const { value: plan } = planPodCidrs({ cluster: V4, nodes: nodes(2) });
    const svg = renderNetworkMap(plan, {
      pools: [
        {
          name: "default-ipv4-ippool",
          cidr: "10.244.0.0/16",
          blockSize: 26,
          nodeBlocks: { n1: ["10.244.0.0/26"], n2: ["10.244.0.64/26", "10.244.0.128/26"] },
        },
      ],
    });
    assert.ok(svg.includes("Calico pool default-ipv4-ippool"));
    assert.ok(svg.includes("/26 blocks: 1,024 of 64 addresses"));
    assert.ok(svg.includes("≥ 2 per node → 4 of 1,024"), "blocks per node from maxPods 110 and 64 addresses per block");
    assert.equal(count(svg, /class="node-block"/), 3);
    assert.equal(count(svg, OVERLAP_RECT), 0);
    const bad = renderNetworkMap(plan, { pools: [{ name: "p", cidr: "10.96.0.0/16", blockSize: 26 }] });
    assert.ok(count(bad, OVERLAP_RECT) >= 2, "drawn red on the pool and on the service CIDR");
    const odd = renderNetworkMap(plan, {
      pools: [
        { name: "q", cidr: "10.244.0.0/16", blockSize: 8 },
        { name: "r", cidr: "not-a-cidr", blockSize: 26 },
      ],
    });
    assert.ok(odd.includes("blockSize 8 does not fit /16 (must be 16-32)"));
    assert.ok(odd.includes("pools[1] (r): &quot;not-a-cidr&quot;"), "an unparsable pool is listed as not drawn");
  });
});

describe("network map of an invalid spec", () => {
  const overlapping = {
    cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.244.128.0/20"], reservedCidrs: ["10.244.200.0/24"] },
    nodes: [
      { name: "cp1", interfaces: [{ name: "eth0", addresses: ["10.244.3.5/24"] }], podCidrs: ["10.244.3.0/24"] },
      { name: "w1", interfaces: [{ name: "eth0", addresses: ["192.168.1.32/24"] }], podCidrs: ["10.244.3.0/24"] },
    ],
  };

  test("every overlap is found through cidr.ts and drawn red", () => {
    const model = mapModelFromInput(overlapping);
    const ipv4 = model.families[0]!;
    const pairs = ipv4.overlaps.map((o) => `${o.a.label} ~ ${o.b.label} = ${o.shared.text}`).sort();
    assert.deepEqual(pairs, [
      "cluster.podCidrs[0] ~ cluster.reservedCidrs[0] = 10.244.200.0/24",
      "cluster.podCidrs[0] ~ cluster.serviceCidrs[0] = 10.244.128.0/20",
      'cluster.podCidrs[0] ~ node "cp1" eth0 = 10.244.3.0/24',
      'node "cp1" subnet ~ node "w1" subnet = 10.244.3.0/24',
    ]);
    const r = renderSpecMap(overlapping);
    assert.equal(r.valid, false);
    assert.ok(r.errors.some((e) => e.code === "cidr.overlap"));
    assert.ok(count(r.svg, OVERLAP_RECT) >= 8, "red on the pod bar, service bar, host bar, reserved bar and the node slot");
    assert.match(r.svg, new RegExp(`<rect[^>]*fill="${OVERLAP_RED}"[^>]*class="overlap"`));
    assert.match(r.svg, /4 overlaps/);
    assert.match(r.svg, /INVALID SPEC/);
    assert.match(r.svg, /cidr\.overlap|overlaps cluster\.serviceCidrs\[0\]/);
  });

  test("the problems are listed; values that do not parse are named, not drawn", () => {
    const input = {
      cluster: { podCidrs: ["10.244.0.1/16", "garbage", 7], serviceCidrs: "10.96.0.0/12", nodeMaskSize: { ipv4: "x" } },
      nodes: [{ name: 5, interfaces: [{ name: "eth0", addresses: ["192.168.1.300/24", null, "192.168.1.5/24"] }] }, "not a node"],
      extra: true,
    };
    const r = renderSpecMap(input);
    assert.equal(r.valid, false);
    assert.ok(r.errors.length > 0);
    assert.match(r.svg, /problem/);
    const model = mapModelFromInput(input);
    const reasons = model.unparsed.map((u) => `${u.path}: ${u.reason}`);
    assert.ok(reasons.includes('cluster.podCidrs[0]: has host bits set (did you mean "10.244.0.0/16"?)'), reasons.join("\n"));
    assert.ok(reasons.includes("cluster.podCidrs[2]: is not a string"));
    assert.ok(reasons.includes("cluster.serviceCidrs: is not a list"));
    assert.ok(reasons.some((x) => x.startsWith("nodes[0].interfaces[0].addresses[0]:")));
    assert.equal(model.families.length, 1, "the host network still parses and is drawn");
  });

  test("anything at all renders: null, arrays, numbers, empty objects", () => {
    for (const input of [null, undefined, 42, "x", [], {}, { cluster: null }, { cluster: { podCidrs: [] }, nodes: {} }]) {
      const svg = renderNetworkMapOfInput(input);
      assert.ok(svg.includes("Nothing to draw"), JSON.stringify(input));
    }
  });

  test("all text is escaped; characters XML cannot carry are replaced", () => {
    const svg = renderNetworkMapOfInput(
      {
        cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] },
        nodes: [
          {
            name: '<b>&"evil"\'\u0000\u0007\ud800',
            interfaces: [{ name: "e<0>", addresses: ["192.168.1.5/24"] }],
            podCidrs: ["10.244.1.0/24"],
          },
        ],
      },
      { title: "t</title><script>alert(1)</script>" },
    );
    assert.ok(!svg.includes("<b>") && !svg.includes("<script>") && !svg.includes("e<0>"));
    assert.ok(svg.includes("&lt;b&gt;&amp;&quot;evil&quot;&apos;\\u0000\\u0007\\ud800"), "illegal characters shown as \\uXXXX");
    assert.ok(svg.includes("t&lt;/title&gt;&lt;script&gt;"));
    const controls = [...svg].filter((ch) => {
      const c = ch.codePointAt(0) ?? 0;
      return c < 0x20 && c !== 0x9 && c !== 0xa && c !== 0xd;
    });
    assert.deepEqual(controls, [], "no control characters");
  });

  test("escapeXml", () => {
    assert.equal(escapeXml(`a<b>&"c"'`), "a&lt;b&gt;&amp;&quot;c&quot;&apos;");
    assert.equal(escapeXml("\u0001x\uffff\u{1f600}\ufffd"), "\\u0001x\\uffff\u{1f600}\ufffd");
  });

  test("the model of a valid plan has the plan's networks and node subnets", () => {
    const { value: plan } = planPodCidrs({ cluster: DUAL, nodes: nodes(2, true) });
    const m = mapModelFromPlan(plan);
    assert.equal(m.valid, true);
    assert.deepEqual(
      m.families.map((f) => [f.family, f.pods.map((p) => p.cidr.text), f.nodeSubnets.map((s) => `${s.node}=${s.cidr.text} (${s.source})`)]),
      [
        ["ipv4", ["10.244.0.0/16"], ["n1=10.244.0.0/24 (allocated)", "n2=10.244.1.0/24 (allocated)"]],
        ["ipv6", ["fd00:10:244::/56"], ["n1=fd00:10:244::/64 (allocated)", "n2=fd00:10:244:1::/64 (allocated)"]],
      ],
    );
    assert.deepEqual(
      m.families.map((f) => f.overlaps.length),
      [0, 0],
    );
  });
});

describe("network map of a Calico network", () => {
  test("the model takes the pools and draws no node subnets (calico-ipam does not use them)", () => {
    const { value: plan } = planPodCidrs({ cluster: DUAL, nodes: nodes(2, true) });
    const m = mapModelFromPlan(plan, {
      calico: true,
      pools: [{ name: "p4", cidr: "10.244.0.0/16", blockSize: 26, ipipMode: "CrossSubnet", vxlanMode: "Never", nodeSelector: "all()" }],
    });
    assert.equal(m.calico, true);
    assert.deepEqual(
      m.families.map((f) => [
        f.family,
        f.nodeSubnets.length,
        f.pools.map((p) => `${p.name} ${p.net.cidr.text} /${p.blockSize} ${p.ipipMode}`),
      ]),
      [
        ["ipv4", 0, ["p4 10.244.0.0/16 /26 CrossSubnet"]],
        ["ipv6", 0, []],
      ],
    );
    const svg = renderNetworkMap(plan, {
      calico: true,
      pools: [{ name: "p4", cidr: "10.244.0.0/16", blockSize: 26, ipipMode: "CrossSubnet" }],
    });
    assert.equal(count(svg, /class="node-subnet"/), 0);
    assert.ok(svg.includes("Calico IPAM: blocks of 1 pool, on demand"));
    assert.ok(svg.includes("encapsulation: IPIP CrossSubnet"));
    assert.ok(!svg.includes("node subnet (colour per node)"), "the legend has no node subnets either");
  });

  test("raw input with a calico: section: the default pools cover the pod CIDRs, pinned subnets are not drawn", () => {
    const input = {
      cluster: DUAL,
      nodes: [{ name: "n1", interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"] }], podCidrs: ["10.244.9.0/24"] }],
      calico: {},
    };
    const m = mapModelFromInput(input);
    assert.equal(m.calico, true);
    assert.deepEqual(
      m.families.flatMap((f) => f.pools.map((p) => `${p.name} ${p.net.cidr.text} /${p.blockSize}`)),
      ["default-ipv4-ippool 10.244.0.0/16 /26", "default-ipv6-ippool fd00:10:244::/56 /122"],
    );
    assert.deepEqual(
      m.families.map((f) => f.nodeSubnets.length),
      [0, 0],
    );
    const written = mapModelFromInput({ ...input, calico: { ipPools: [{ family: "ipv6", blockSize: 120 }, { cidr: "10.244.0.0/20" }] } });
    assert.deepEqual(
      written.families.flatMap((f) => f.pools.map((p) => `${p.name} ${p.net.cidr.text} /${p.blockSize}`)),
      ["ipPools[1] 10.244.0.0/20 /26", "ipPools[0] fd00:10:244::/56 /120"],
    );
    assert.equal(mapModelFromInput({ ...input, calico: undefined }).families[0]?.nodeSubnets.length, 1, "without calico the pin is drawn");
  });
});

describe("wrapWords", () => {
  const table: Array<[string, number, number, string[]]> = [
    ["a bb ccc dddd", 6, 5, ["a bb", "ccc", "dddd"]],
    ["exactly six", 6, 5, ["exactl", "y six"]],
    ["abcdefghij", 4, 5, ["abcd", "efgh", "ij"]],
    ["one two three four", 9, 1, ["one two…"]],
    ["tab\tand\nnewline", 20, 5, ["tab and newline"]],
    ["", 10, 3, [""]],
  ];
  for (const [text, width, max, lines] of table) {
    test(`${JSON.stringify(text)} at ${width} x ${max}`, () => {
      const got = wrapWords(text, width, max);
      assert.deepEqual(got, lines);
      for (const l of got) assert.ok(Array.from(l).length <= width, l);
    });
  }
});
