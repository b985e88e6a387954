/**
 * The network map as a file: well-formed XML (checked with a real XML
 * parser, for valid specs, overlapping specs and arbitrary junk), the
 * committed docs/map-example.svg equal to a fresh render, and the CLI
 * commands `podnet map` and `podnet plan --svg`.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { formatProblem, OVERLAP_RED, renderNetworkMapOfInput, renderSpecMap } from "@podnet/core";
import { DOMParser } from "@xmldom/xmldom";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import {
  MAP_CALICO_EXAMPLE_SPEC,
  MAP_CALICO_EXAMPLE_SVG,
  MAP_EXAMPLE_SPEC,
  MAP_EXAMPLE_SVG,
  renderCalicoMapExample,
  renderMapExample,
} from "../scripts/render-map-example.js";
import { podnet } from "./support/cli.js";
import { tempDir } from "./support/temp-dir.js";

const dir = tempDir("map");

/** Parses SVG text strictly: any XML warning or error fails. Returns the root element. */
export function parseSvg(text: string): {
  tag: string;
  count: (tag: string) => number;
  texts: () => string[];
  /** Elements of this tag and class: their text content. */
  withClass: (tag: string, cls: string) => string[];
} {
  const issues: string[] = [];
  const doc = new DOMParser({
    onError: (level, msg) => {
      // xmldom's hint about U+FFFD (a possible decoding problem) is not an XML error; a spec may contain it
      if (!(level === "warning" && /replacement character/.test(msg))) issues.push(`${level}: ${msg}`);
    },
  }).parseFromString(text, "image/svg+xml");
  assert.deepEqual(issues, [], "well-formed XML");
  const root = doc.documentElement;
  assert.ok(root, "has a root element");
  assert.equal(root.namespaceURI, "http://www.w3.org/2000/svg");
  return {
    tag: root.tagName,
    count: (tag) => doc.getElementsByTagName(tag).length,
    texts: () => Array.from(doc.getElementsByTagName("text")).map((t) => t.textContent ?? ""),
    withClass: (tag, cls) =>
      Array.from(doc.getElementsByTagName(tag))
        .filter((e) => (e.getAttribute("class") ?? "").split(" ").includes(cls))
        .map((e) => e.textContent ?? ""),
  };
}

const overlapping = {
  cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.244.128.0/20"] },
  nodes: [{ name: "a", interfaces: [{ name: "eth0", addresses: ["10.244.3.5/24"] }] }],
};

describe("map SVG is well-formed XML", () => {
  test("the example, and an overlapping spec with the overlap drawn red", () => {
    const ok = parseSvg(renderMapExample());
    assert.equal(ok.tag, "svg");
    assert.ok(ok.count("rect") > 20);
    assert.ok(ok.texts().includes("cp1"));
    const bad = renderSpecMap(overlapping);
    const svg = parseSvg(bad.svg);
    assert.ok(svg.count("rect") > 10);
    assert.match(bad.svg, new RegExp(`<rect[^>]*fill="${OVERLAP_RED}"[^>]*class="overlap"`));
  });

  test("arbitrary input, including hostile strings, always gives well-formed XML", () => {
    const text = fc.oneof(
      fc.string({ unit: "binary", maxLength: 40 }),
      fc.constantFrom("10.244.0.0/16", "10.96.0.0/12", "fd00::/64", "192.168.1.5/24", "<&>", "]]>"),
    );
    const node = fc.record(
      {
        name: text,
        interfaces: fc.array(fc.record({ name: text, addresses: fc.array(fc.oneof(text, fc.integer()), { maxLength: 3 }) }), {
          maxLength: 2,
        }),
        podCidrs: fc.array(text, { maxLength: 2 }),
      },
      { requiredKeys: [] },
    );
    const spec = fc.record(
      {
        cluster: fc.record(
          {
            podCidrs: fc.array(text, { maxLength: 3 }),
            serviceCidrs: fc.array(text, { maxLength: 2 }),
            reservedCidrs: fc.array(text, { maxLength: 2 }),
            dnsServiceIp: text,
            nodeMaskSize: fc.record({ ipv4: fc.integer({ min: -5, max: 40 }) }),
          },
          { requiredKeys: [] },
        ),
        nodes: fc.array(node, { maxLength: 4 }),
        calico: fc.record(
          {
            ipPools: fc.array(
              fc.record(
                {
                  name: text,
                  cidr: fc.oneof(text, fc.integer()),
                  family: fc.constantFrom("ipv4", "ipv6", "x"),
                  blockSize: fc.oneof(fc.integer({ min: -5, max: 140 }), fc.double(), text),
                  ipipMode: text,
                  nodeSelector: text,
                },
                { requiredKeys: [] },
              ),
              { maxLength: 3 },
            ),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(spec, text, (s, title) => {
        parseSvg(renderNetworkMapOfInput(s, { title }));
        parseSvg(renderSpecMap(s).svg);
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});

describe("docs/map-example.svg and docs/map-calico-example.svg", () => {
  test("equal a fresh render of examples/cli/cluster.yaml and calico-kubeadm.yaml (run scripts/render-map-example.ts to update)", () => {
    for (const [file, fresh] of [
      [MAP_EXAMPLE_SVG, renderMapExample()],
      [MAP_CALICO_EXAMPLE_SVG, renderCalicoMapExample()],
    ] as const) {
      assert.equal(readFileSync(file, "utf8"), fresh, `${file} is stale: node --import tsx scripts/render-map-example.ts`);
    }
  });
});

describe("podnet map / podnet plan --svg", () => {
  test("map writes the SVG (deterministic: same bytes twice)", async () => {
    const out = join(dir, "m.svg");
    const r = await podnet("map", MAP_EXAMPLE_SPEC, "--out", out);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /wrote the network map/);
    const first = readFileSync(out, "utf8");
    await podnet("map", MAP_EXAMPLE_SPEC, "--out", out);
    assert.equal(readFileSync(out, "utf8"), first);
    assert.equal(first, renderMapExample());
  });

  test("an invalid spec: problems printed, map still written with the overlap red, exit 1", async () => {
    const spec = join(dir, "bad.yaml");
    writeFileSync(spec, stringify(overlapping));
    const out = join(dir, "bad.svg");
    const r = await podnet("map", spec, "--out", out);
    assert.equal(r.code, 1);
    assert.match(r.err, /error: cluster\.podCidrs\[0\] "10\.244\.0\.0\/16" overlaps cluster\.serviceCidrs\[0\]/);
    assert.match(r.err, /the map on .*bad\.svg shows what parses, overlaps in red/);
    assert.match(readFileSync(out, "utf8"), /class="overlap"/);
  });

  test("--out - prints the SVG; plan --svg writes it beside the table, also with --json", async () => {
    const r = await podnet("map", MAP_EXAMPLE_SPEC, "--out", "-");
    assert.equal(r.code, 0);
    assert.equal(`${r.out}\n`, renderMapExample());
    const svg = join(dir, "plan.svg");
    const p = await podnet("plan", MAP_EXAMPLE_SPEC, "--json", "--svg", svg);
    assert.equal(p.code, 0, p.err);
    JSON.parse(p.out);
    assert.equal(readFileSync(svg, "utf8"), renderMapExample());
    const t = await podnet("plan", MAP_EXAMPLE_SPEC, "--svg", join(dir, "plan2.svg"));
    assert.match(t.out, /^Networks/);
  });

  test("usage errors exit 2 without a stack trace", async () => {
    const regular = join(dir, "regular-file");
    writeFileSync(regular, "x");
    for (const args of [
      ["map", MAP_EXAMPLE_SPEC],
      ["map"],
      ["map", join(dir, "missing.yaml"), "--out", join(dir, "x.svg")],
      ["map", MAP_EXAMPLE_SPEC, "--out", join(regular, "x.svg")],
    ]) {
      const r = await podnet(...args);
      assert.equal(r.code, 2, args.join(" "));
      assert.doesNotMatch(`${r.out}\n${r.err}`, /\n\s+at /);
    }
    const r = await podnet("map", MAP_EXAMPLE_SPEC, "--out", join(regular, "x.svg"));
    assert.match(r.err, /cannot write .*regular-file\/x\.svg: (ENOTDIR|EEXIST)/);
  });
});

describe("map of a Calico network", () => {
  test("draws the resolved pools with their blocks and no per-node subnets", async () => {
    const out = join(dir, "calico.svg");
    const r = await podnet("map", MAP_CALICO_EXAMPLE_SPEC, "--out", out);
    assert.equal(r.code, 0, r.err);
    const svg = parseSvg(readFileSync(out, "utf8"));
    assert.deepEqual(svg.withClass("rect", "pool"), ["pool default-ipv4-ippool 172.16.0.0/16"]);
    const blocks = svg.withClass("rect", "pool-block");
    assert.ok(blocks.length >= 4, `the first blocks are drawn (${blocks.length})`);
    assert.equal(blocks[0], "pool default-ipv4-ippool block 172.16.0.0/26 (64 addresses)");
    assert.equal(blocks[1], "pool default-ipv4-ippool block 172.16.0.64/26 (64 addresses)");
    const texts = svg.texts();
    assert.ok(texts.includes(`… and ${(1024 - blocks.length).toLocaleString("en-US")} more /26 blocks`), "the rest counted");
    assert.ok(texts.includes("encapsulation: IPIP Always"));
    assert.ok(texts.includes("nodeSelector: all()"));
    assert.ok(texts.includes("≥ 2 per node → 6 of 1,024 (0.58 %)"));
    assert.deepEqual(svg.withClass("rect", "node-subnet"), [], "no node subnets: calico-ipam does not use them");
    assert.ok(!texts.some((t) => /node subnets: \d/.test(t)), "no node subnet capacity either");
    // the same spec with flannel instead draws every node's subnet
    const spec = parse(readFileSync(MAP_CALICO_EXAMPLE_SPEC, "utf8")) as Record<string, unknown>;
    delete spec.calico;
    spec.flannel = { iface: ["ens33"] };
    const flannel = parseSvg(renderSpecMap(spec).svg);
    assert.equal(flannel.withClass("rect", "node-subnet").filter((t) => t.startsWith("k8s-")).length, 6, "3 on the bar, 3 enlarged");
    assert.deepEqual(flannel.withClass("rect", "pool-block"), []);
  });

  test("pools as the Calico section resolves them: custom blockSize, VXLAN, both families", () => {
    const map = renderSpecMap({
      cluster: { podCidrs: ["10.244.0.0/16", "fd00:10:244::/56"], serviceCidrs: ["10.96.0.0/12", "fd00:10:96::/112"] },
      nodes: [{ name: "n1", interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24", "fd00:1::31/64"] }] }],
      calico: { ipPools: [{ blockSize: 24, vxlanMode: "Always" }, { family: "ipv6" }] },
    });
    assert.equal(map.valid, true, map.errors.map((e) => e.message).join("\n"));
    const svg = parseSvg(map.svg);
    assert.deepEqual(svg.withClass("rect", "pool"), [
      "pool default-ipv4-ippool 10.244.0.0/16",
      "pool default-ipv6-ippool fd00:10:244::/56",
    ]);
    const texts = svg.texts();
    assert.ok(texts.includes("/24 blocks: 256 of 256 addresses"));
    assert.ok(texts.includes("encapsulation: VXLAN Always"));
    assert.ok(texts.includes("/122 blocks: 2^66 of 64 addresses"));
    assert.ok(svg.withClass("rect", "pool-block").includes("pool default-ipv6-ippool block fd00:10:244::40/122 (64 addresses)"));
    assert.deepEqual(svg.withClass("rect", "node-subnet"), []);
  });

  test("an invalid Calico spec: the pools that parse are drawn, pinned node subnets are not", () => {
    const map = renderSpecMap({
      cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.1/12"] },
      nodes: [{ name: "n1", interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"] }], podCidrs: ["10.244.5.0/24"] }],
      calico: { ipPools: [{ cidr: "10.244.0.0/18", blockSize: 28 }] },
    });
    assert.equal(map.valid, false);
    const svg = parseSvg(map.svg);
    assert.deepEqual(svg.withClass("rect", "pool"), ["pool ipPools[0] 10.244.0.0/18"]);
    assert.ok(svg.texts().includes("/28 blocks: 1,024 of 16 addresses"));
    assert.deepEqual(svg.withClass("rect", "node-subnet"), []);
  });
});

describe("the problem list of an invalid spec", () => {
  test("every problem in full: long ones wrapped, none cut, the canvas grown to hold them", () => {
    const spec = {
      cluster: { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.244.128.0/20"], maxPodsPerNode: 300 },
      nodes: Array.from({ length: 30 }, (_, i) => ({
        name: `Node_${i}-${"x".repeat(70)}`,
        interfaces: [{ name: `eth0 $(reboot ${i})`, addresses: ["192.168.1.31/24"] }],
        podCidrs: ["10.245.7.0/23"],
      })),
    };
    const map = renderSpecMap(spec);
    assert.equal(map.valid, false);
    assert.ok(map.errors.length > 40, `many problems (${map.errors.length})`);
    const svg = parseSvg(map.svg);
    const lines = svg.withClass("text", "problem");
    assert.ok(
      lines.every((l) => !l.endsWith("…")),
      "no line is cut",
    );
    // a problem's lines, joined, are its message (continuation lines are indented in x, not in text)
    const text = lines.join(" ");
    const listed = map.errors.slice(0, 60).map((e) => formatProblem(e));
    for (const m of listed) assert.ok(text.includes(m), `listed in full: ${m}`);
    assert.ok(lines.length > listed.length, "long messages take more than one line");
    assert.ok(
      svg.texts().includes(`… and ${map.errors.length - 60} more (podnet validate lists every one)`),
      "beyond 60 problems a count points to validate",
    );
    const height = Number(/viewBox="0 0 1400 (\d+)"/.exec(map.svg)?.[1]);
    const lastY = Math.max(...[...map.svg.matchAll(/<text x="[^"]+" y="([^"]+)"/g)].map((m) => Number(m[1])));
    assert.ok(lastY < height, `the canvas (${height}) holds the last text (y ${lastY})`);
  });
});
