/**
 * Specs written as JSON: read by JSON.parse when that gives the same value the YAML reader
 * would, otherwise by the YAML reader with its line-located problems (duplicate keys,
 * prototype keys, depth).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseSpecText } from "@podnet/cli";

const spec = {
  apiVersion: "podnet/v1",
  cluster: { podCidrs: ["10.244.0.0/16", "fd00:10:244::/56"], nodeMaskSize: { ipv4: 24, ipv6: 64 }, maxPodsPerNode: 110 },
  nodes: [
    { name: "n\u00e9-1", interfaces: [{ name: "eth0", addresses: ["192.168.1.31/24"], mtu: 1500.0 }], labels: {} },
    { name: "n2", interfaces: [], ratio: -1.5e2, flag: true, none: null, esc: 'a"b\\c\t/\u2028' },
  ],
};

function thrown(text: string, file: string): string {
  try {
    parseSpecText(text, file);
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail(`${file} was accepted`);
}

describe("JSON specs", () => {
  test("read to the same value as the YAML reader gives for the same text", () => {
    for (const text of [JSON.stringify(spec), JSON.stringify(spec, null, 2), ` \n\t${JSON.stringify(spec)}\n`]) {
      // a leading comment keeps the text YAML but not JSON: the YAML reader parses it
      assert.deepEqual(parseSpecText(text, "s.json"), parseSpecText(`# yaml\n${text}`, "s.yaml"));
      assert.deepEqual(parseSpecText(text, "s.json"), spec);
    }
  });

  test("a duplicate key is reported with its line, as in YAML", () => {
    const text = '{\n  "apiVersion": "podnet/v1",\n  "cluster": {},\n  "cluster": {}\n}\n';
    assert.match(thrown(text, "dup.json"), /^dup\.json:4:\d+: duplicate key/);
  });

  test("a prototype key is refused with its path and line", () => {
    const text = '{\n  "nodes": [\n    {"name": "a", "__proto__": {"x": 1}}\n  ]\n}\n';
    assert.match(thrown(text, "proto.json"), /^proto\.json:3:\d+: nodes\[0\]\.__proto__: the key "__proto__" is not allowed/);
  });

  test("nesting past the limit is reported with its line", () => {
    const text = `{"a": ${"[".repeat(70)}${"]".repeat(70)}}`;
    assert.match(thrown(text, "deep.json"), /^deep\.json:1:\d+: nested deeper than 64 levels/);
  });

  test("JSON with a syntax error is reported by the YAML reader with its line", () => {
    assert.match(thrown('{\n  "cluster": {,}\n}\n', "bad.json"), /^bad\.json:2:\d+: /);
  });
});
