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
import { OVERLAP_RED, renderNetworkMapOfInput, renderSpecMap } from "@podnet/core";
import { DOMParser } from "@xmldom/xmldom";
import fc from "fast-check";
import { stringify } from "yaml";
import { MAP_EXAMPLE_SPEC, MAP_EXAMPLE_SVG, renderMapExample } from "../scripts/render-map-example.js";
import { podnet } from "./support/cli.js";
import { tempDir } from "./support/temp-dir.js";

const dir = tempDir("map");

/** Parses SVG text strictly: any XML warning or error fails. Returns the root element. */
export function parseSvg(text: string): { tag: string; count: (tag: string) => number; texts: () => string[] } {
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

describe("docs/map-example.svg", () => {
  test("equals a fresh render of examples/cli/cluster.yaml (run scripts/render-map-example.ts to update)", () => {
    assert.equal(
      readFileSync(MAP_EXAMPLE_SVG, "utf8"),
      renderMapExample(),
      `${MAP_EXAMPLE_SVG} is stale: node --import tsx scripts/render-map-example.ts`,
    );
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
